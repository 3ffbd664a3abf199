"""Workflow invocations: show, jobs summary, wait (following subworkflows), outputs by label."""

from __future__ import annotations

import builtins
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvocationFailedError
from ..records import Collection, Dataset, Invocation
from ..states import (
    ERROR_JOB_STATES,
    FAILED_INVOCATION_STATES,
    SCHEDULED_INVOCATION_STATES,
    TERMINAL_JOB_STATES,
    counts_text,
    failure_text,
)
from . import wait as engine
from ._base import Resource


@dataclass(frozen=True)
class StepProgress:
    """One workflow step: its label and how many of its jobs are in each state."""

    order_index: int
    label: str
    states: dict[str, int]
    subworkflow_invocation_id: str | None = None


@dataclass(frozen=True)
class InvocationProgress:
    """A snapshot for progress displays: overall job counts, per-step rows, elapsed time."""

    invocation: Invocation
    states: dict[str, int]
    steps: list[StepProgress]
    elapsed: float
    done: bool
    error: str = ""
    failed_job_id: str | None = None
    subinvocations: list[Invocation] = field(default_factory=list)

    @property
    def total_jobs(self) -> int:
        return sum(self.states.values())

    @property
    def finished_jobs(self) -> int:
        return sum(n for s, n in self.states.items() if s in TERMINAL_JOB_STATES)

    def summary(self) -> str:
        return f"{self.invocation.state}: {counts_text(self.states)} ({self.elapsed:.0f} s)"


class Invocations(Resource):
    def show(self, invocation_id: str) -> Invocation:
        return Invocation.from_api(
            self._gi.get(f"invocations/{invocation_id}", what=f"Invocation {invocation_id}")
        )

    def list(
        self, *, workflow_id: str | None = None, history_id: str | None = None, limit: int = 50
    ) -> list[Invocation]:
        params = {"workflow_id": workflow_id, "history_id": history_id, "limit": limit}
        return [Invocation.from_api(i) for i in self._gi.get("invocations", params=params)]

    def jobs_summary(self, invocation_id: str) -> dict[str, Any]:
        """``{"states": {"ok": 2, "running": 1}, "populated_state": "ok"}``."""
        return self._gi.get(f"invocations/{invocation_id}/jobs_summary", what=f"Invocation {invocation_id}")

    def step_jobs_summary(self, invocation_id: str) -> builtins.list[dict[str, Any]]:
        return self._gi.get(
            f"invocations/{invocation_id}/step_jobs_summary", what=f"Invocation {invocation_id}"
        )

    def cancel(self, invocation_id: str) -> Invocation:
        return Invocation.from_api(
            self._gi.delete(f"invocations/{invocation_id}", what=f"Invocation {invocation_id}")
        )

    def progress(self, invocation_id: str, started: float | None = None) -> InvocationProgress:
        """One snapshot of an invocation and all its subworkflow invocations."""
        started = time.monotonic() if started is None else started
        inv = self.show(invocation_id)
        states: Counter[str] = Counter()
        steps: list[StepProgress] = []
        subs: list[Invocation] = []
        done = True
        error = ""
        failed_job = None
        # step_jobs_summary rows are keyed by the job or implicit-collection-jobs id, not the step.
        per_job = {
            (s.get("model"), s["id"]): s.get("states") or {} for s in self.step_jobs_summary(invocation_id)
        }
        for step in inv.steps:
            key = (
                ("ImplicitCollectionJobs", step.raw.get("implicit_collection_jobs_id"))
                if step.raw.get("implicit_collection_jobs_id")
                else ("Job", step.job_id)
            )
            step_states = dict(per_job.get(key, {}))
            if step.subworkflow_invocation_id:
                sub = self.progress(step.subworkflow_invocation_id, started)
                subs.extend([sub.invocation, *sub.subinvocations])
                step_states = dict(sub.states)
                done = done and sub.done
                error = error or sub.error
                failed_job = failed_job or sub.failed_job_id
            else:
                states.update(step_states)
            steps.append(
                StepProgress(step.order_index, step.label, step_states, step.subworkflow_invocation_id)
            )
        for sub_step in steps:
            if sub_step.subworkflow_invocation_id:
                states.update(sub_step.states)
        if inv.state in FAILED_INVOCATION_STATES:
            msgs = [
                m.get("reason", "") + (f" ({m['details']})" if m.get("details") else "")
                for m in inv.raw.get("messages") or ()
            ]
            error = error or f"invocation {inv.state}" + (f": {'; '.join(msgs)}" if msgs else "")
        bad = [s for s, n in states.items() if s in ERROR_JOB_STATES and n]
        if bad and not error:
            error = f"{sum(states[s] for s in bad)} job(s) in state {', '.join(bad)}"
        if (bad or error) and failed_job is None:
            failed_job = self.failed_job(invocation_id)
        pending = inv.state not in SCHEDULED_INVOCATION_STATES or any(
            s not in TERMINAL_JOB_STATES for s in states
        )
        if inv.state in FAILED_INVOCATION_STATES:
            done = True
        elif pending:
            done = False
        return InvocationProgress(
            inv, dict(states), steps, time.monotonic() - started, done, error, failed_job, subs
        )

    def failed_job(self, invocation_id: str) -> str | None:
        """The id of a failed job of the invocation (one request, two if none is in state error)."""
        for state in ("error", "failed"):
            jobs = self._gi.get("jobs", params={"invocation_id": invocation_id, "state": state, "limit": 1})
            if jobs:
                return jobs[0]["id"]
        return None

    def snapshot(
        self, invocation_id: str, started: float | None = None
    ) -> engine.Snapshot[InvocationProgress]:
        """One look at an invocation for the wait engine (2 requests, plus 2 per subworkflow)."""
        snap = self.progress(invocation_id, started)
        failures = (
            (engine.Failure("invocation", snap.invocation.state, snap.error, snap.failed_job_id),)
            if snap.error
            else ()
        )
        return engine.Snapshot(
            f"Invocation {invocation_id}",
            snap,
            snap.states,
            done=snap.done,
            failures=failures,
            elapsed=snap.elapsed,
        )

    def wait(
        self,
        invocation_id: str,
        *,
        timeout: float | None = 1800,
        interval: float = 3.0,
        progress: Callable[[InvocationProgress], None] | None = None,
        fail_fast: bool = True,
    ) -> Invocation:
        """Wait until the invocation is scheduled and every job (also in subworkflows) is terminal.

        Raises InvocationFailedError on the first failed job (with its stderr) when ``fail_fast``,
        or when the invocation itself fails; WaitTimeoutError after ``timeout`` seconds;
        WaitInterrupted on Ctrl-C (the invocation goes on in Galaxy).
        """
        final = engine.wait(
            lambda started: self.snapshot(invocation_id, started),
            what=f"Invocation {invocation_id}",
            reattach=f"gi.invocations.wait({invocation_id!r}) or `%galaxy wait {invocation_id}` picks it up.",
            timeout=timeout,
            interval=interval,
            progress=(lambda s: progress(s.value)) if progress else None,
            fail_fast=fail_fast,
            on_failure=lambda s: self._failed(s.value),
        )
        if final.failures:
            raise self._failed(final.value)
        return final.value.invocation

    def _failed(self, snap: InvocationProgress) -> InvocationFailedError:
        job = self._gi.jobs.show(snap.failed_job_id) if snap.failed_job_id else None
        text = failure_text(f"a job of invocation {snap.invocation.id}", job.state if job else "", job)
        return InvocationFailedError(
            f"Invocation {snap.invocation.id} failed: {snap.error}." + (f"\n{text}" if job else ""),
            snap.invocation,
            job,
        )

    def outputs(self, invocation_id: str) -> dict[str, Dataset | Collection | Any]:
        """Workflow outputs by label: Datasets, Collections, and parameter output values."""
        inv = self.show(invocation_id)
        out: dict[str, Any] = {}
        for label, ds_id in inv.outputs.items():
            out[label] = self._gi.datasets.show(ds_id)
        for label, coll_id in inv.output_collections.items():
            out[label] = self._gi.collections.show(coll_id)
        out.update(inv.output_values)
        return out
