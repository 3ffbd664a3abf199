"""The one state vocabulary of the package (Galaxy's job, dataset and invocation states) and the one
failure formatter (a failed job's stderr, cut the same way everywhere)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import Job

#: Dataset states after which nothing changes any more.
TERMINAL_DATASET_STATES = frozenset(
    {"ok", "error", "failed_metadata", "discarded", "paused", "deferred", "empty"}
)
ERROR_DATASET_STATES = frozenset({"error", "failed_metadata", "discarded"})
#: Job states after which nothing changes any more.
TERMINAL_JOB_STATES = frozenset(
    {"ok", "error", "failed", "deleted", "deleting", "skipped", "paused", "stopped"}
)
ERROR_JOB_STATES = frozenset({"error", "failed", "deleted", "deleting", "stopped"})
#: Job (and dataset) states of work still going on.
ACTIVE_STATES = frozenset(
    {"new", "queued", "running", "waiting", "setting_metadata", "upload", "resubmitted", "requested"}
)
#: Invocation states.
FAILED_INVOCATION_STATES = frozenset({"failed", "cancelled", "cancelling"})
SCHEDULED_INVOCATION_STATES = frozenset({"scheduled", "completed"})

#: How much of a failed job's stderr a message shows (the end, where the error is).
STDERR_TAIL = 1500


def is_active(state: str) -> bool:
    """True while a job or dataset in this state may still change."""
    return state not in TERMINAL_JOB_STATES and state not in TERMINAL_DATASET_STATES


def is_error(state: str) -> bool:
    return state in ERROR_JOB_STATES or state in ERROR_DATASET_STATES


def stderr_tail(job: Job | None, limit: int = STDERR_TAIL) -> str:
    """The end of a job's stderr (or stdout, or Galaxy's info) - what a failure message shows."""
    if job is None:
        return ""
    text = (job.stderr or "").strip() or (job.stdout or "").strip() or str(job.raw.get("info") or "").strip()
    return text[-limit:]


def failure_text(what: str, state: str, job: Job | None = None, *, limit: int = STDERR_TAIL) -> str:
    """``"<what> ended in state error: job 1a2b (gw_fail) stderr:\\n..."`` - the one failure message."""
    head = f"{what} ended in state {state}" if state else f"{what} failed"
    if job is None:
        return head + " (no job found; see the server's log)."
    tail = stderr_tail(job, limit)
    if not tail:
        return f"{head}: job {job.id} ({job.tool_id}) wrote no stderr; see the server's log."
    return f"{head}: job {job.id} ({job.tool_id}) stderr:\n{tail}"


def counts_text(states: dict[str, int]) -> str:
    """``{"ok": 3, "running": 1}`` -> ``"3 ok, 1 running"`` (``"no jobs yet"`` when empty)."""
    return ", ".join(f"{n} {s}" for s, n in sorted(states.items()) if n) or "no jobs yet"


#: Which active state a group of jobs shows first: the one furthest along.
_SHOWN_FIRST = (
    "running",
    "setting_metadata",
    "queued",
    "upload",
    "new",
    "waiting",
    "resubmitted",
    "requested",
)


def overall_state(states: dict[str, int]) -> str:
    """One state for a group of jobs or datasets: ``error`` if any failed, else the active state
    furthest along (``running`` before ``queued`` before ``new``), else ``ok``."""
    if any(n and is_error(s) for s, n in states.items()):
        return "error"
    for state in _SHOWN_FIRST:
        if states.get(state):
            return state
    active = sorted(s for s, n in states.items() if n and s in ACTIVE_STATES)
    return active[0] if active else "ok"
