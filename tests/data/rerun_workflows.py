"""Workflows and data for the cancel and rerun tests (issue 13 item 4).

``sleep.gxwf.yml`` runs gw_sleep for ``seconds`` (a run to cancel, or a quick one to rerun);
``count_pairs.gxwf.yml`` runs gw_count_pairs, which fails on a pair whose mates differ in number
(:func:`bad_pair`) and succeeds on the session's ``uploaded.pair``: a failed run fixed by a rerun
with one input replaced.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SLEEP = HERE / "sleep.gxwf.yml"
COUNT_PAIRS = HERE / "count_pairs.gxwf.yml"
#: One read forward, none reverse: gw_count_pairs exits 2 ("mates out of step").
BAD_PAIR = {"forward": "@r1\nACGT\n+\nIIII\n", "reverse": "ACGT\n"}


def import_workflows(gi: Any) -> dict[str, Any]:
    """``{"sleep": Workflow, "count_pairs": Workflow}``, imported once per server (reused after)."""
    return {
        "sleep": gi.workflows.import_(SLEEP, reuse=True),
        "count_pairs": gi.workflows.import_(COUNT_PAIRS, reuse=True),
    }


def bad_pair(gi: Any, history_id: str) -> Any:
    """Upload the mismatched pair (one fetch job) and return the paired Collection."""
    up = gi.uploads.texts(
        history_id, BAD_PAIR, ext="txt", collection_type="paired", collection_name="bad pair"
    )
    return gi.collections.show(gi.uploads.wait(up).collection.id)


def wait_state(gi: Any, invocation_id: str, states: set[str], timeout: float = 180) -> Any:
    """Poll the invocation until its own state is one of ``states`` (for states the wait engine
    treats as failures, such as cancelled)."""
    deadline = time.monotonic() + timeout
    while True:
        inv = gi.invocations.show(invocation_id)
        if inv.state in states:
            return inv
        if time.monotonic() > deadline:
            raise AssertionError(f"invocation {invocation_id} still {inv.state} after {timeout} s")
        time.sleep(1.0)


def wait_job_running(gi: Any, invocation_id: str, timeout: float = 180) -> str:
    """Poll until the invocation has a job in state running; its id."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = gi.get("jobs", params={"invocation_id": invocation_id, "state": "running"})
        if jobs:
            return jobs[0]["id"]
        if time.monotonic() > deadline:
            raise AssertionError(f"no running job in invocation {invocation_id} after {timeout} s")
        time.sleep(1.0)
