"""The one wait engine: poll a snapshot function until done, with progress, fail-fast or collected
failures, a timeout, and Ctrl-C that leaves the work running in Galaxy.

Jobs, datasets, collections, invocations and batches all wait through :func:`wait`; the magics,
widgets, the watch CLI and the notebooks use those waits (the widgets' background thread calls the
same snapshot functions).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..errors import WaitInterrupted, WaitTimeoutError
from ..states import counts_text

T = TypeVar("T")
DEFAULT_INTERVAL = 3.0


def pause_before_retry(attempt: int, base: float, cap: float) -> None:
    """Sleep before retry ``attempt`` (from 0) of a request that broke off: ``base * 2**attempt``,
    at most ``cap``. The one backoff for such retries (the client, TUS chunks, a lost answer's look-up);
    waiting for Galaxy's work goes through :func:`wait`."""
    time.sleep(min(base * 2**attempt, cap))


@dataclass(frozen=True)
class Failure:
    """One failed piece of work: where (a sample, step or dataset), its state, job and message."""

    where: str
    state: str
    message: str
    job_id: str | None = None
    stderr: str = ""


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """One look at running work: job (or item) counts by state, done or not, failures so far.

    ``value`` holds what was looked at (a Job, Dataset, Collection, InvocationProgress, Batch...).
    """

    what: str
    value: T
    states: Mapping[str, int] = field(default_factory=dict)
    done: bool = False
    failures: tuple[Failure, ...] = ()
    elapsed: float = 0.0
    finished_items: int | None = None
    total_items: int | None = None

    def summary(self) -> str:
        items = (
            f"{self.finished_items} of {self.total_items} finished; "
            if self.total_items is not None and self.finished_items is not None
            else ""
        )
        failed = f"; {len(self.failures)} failed" if self.failures else ""
        return f"{self.what}: {items}{counts_text(dict(self.states))}{failed} ({self.elapsed:.0f} s)"

    def __str__(self) -> str:
        return self.summary()


Look = Callable[[float], Snapshot[T]]


def wait(
    look: Look[T],
    *,
    what: str,
    reattach: str,
    timeout: float | None = 1800,
    interval: float = DEFAULT_INTERVAL,
    progress: Callable[[Snapshot[T]], None] | None = None,
    fail_fast: bool = True,
    on_failure: Callable[[Snapshot[T]], Exception] | None = None,
) -> Snapshot[T]:
    """Call ``look(started)`` until its snapshot is done; return the last snapshot.

    With ``fail_fast`` the first snapshot with failures raises ``on_failure(snapshot)``; otherwise
    failures are collected and returned in the final snapshot. ``timeout`` (seconds, None for
    ever) raises :class:`WaitTimeoutError`, Ctrl-C raises :class:`WaitInterrupted`; both say the work
    goes on in Galaxy and how to pick it up again (``reattach``).
    """
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds (or None), not {timeout!r}.")
    if interval <= 0:
        raise ValueError(f"interval must be a positive number of seconds, not {interval!r}.")
    started = time.monotonic()
    delay = min(1.0, interval)
    try:
        while True:
            snap = look(started)
            if progress is not None:
                progress(snap)
            if snap.failures and fail_fast and on_failure is not None:
                raise on_failure(snap)
            if snap.done:
                return snap
            elapsed = time.monotonic() - started
            if timeout is not None and elapsed >= timeout:
                raise WaitTimeoutError(
                    f"{what} not finished after {timeout:.0f} s ({snap.summary()}); it goes on in Galaxy. "
                    f"{reattach}"
                )
            sleep = delay if timeout is None else max(0.0, min(delay, timeout - elapsed))
            time.sleep(sleep)
            delay = min(interval, delay * 1.5)
    except KeyboardInterrupt:
        raise WaitInterrupted(f"Stopped waiting; {what} goes on in Galaxy. {reattach}") from None


def simple(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    what: str,
    reattach: str = "Wait again to pick it up.",
    timeout: float | None = 600,
    interval: float = 2.0,
    states: Callable[[T], Mapping[str, int]] | None = None,
) -> T:
    """Wait for one thing (a job, a dataset, a collection) and return its last value."""

    def look(started: float) -> Snapshot[T]:
        value = fetch()
        return Snapshot(
            what,
            value,
            states(value) if states else {},
            done=done(value),
            elapsed=time.monotonic() - started,
        )

    return wait(look, what=what, reattach=reattach, timeout=timeout, interval=interval).value
