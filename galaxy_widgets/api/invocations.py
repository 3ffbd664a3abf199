"""Workflow invocations: show, jobs summary, wait (following subworkflows), outputs by label."""

from __future__ import annotations

import builtins
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import GalaxyAPIError, GalaxyError, InvocationFailedError
from ..records import Collection, Dataset, History, InputLabelError, Invocation, Workflow
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


#: The Galaxy release that added ``GET /api/invocations/{id}/request`` (what rerun reads).
REQUEST_API_VERSION = "24.2"


class NothingToCancelError(GalaxyError):
    """The invocation is already over (finished, failed or cancelled): there is nothing to stop."""

    def __init__(self, message: str, invocation: Invocation) -> None:
        super().__init__(message)
        self.invocation = invocation


class ServerTooOldError(GalaxyError):
    """The server lacks an API route this needs; the message names the Galaxy release that has it."""


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
        """Stop a running invocation: Galaxy stops scheduling it and deletes its unfinished jobs.

        Returns the invocation (state ``cancelling``, soon ``cancelled``). An invocation that is
        already over is left alone (Galaxy would mark even a finished run cancelled): that raises
        NothingToCancelError, which says its state.
        """
        snap = self.progress(invocation_id)
        inv = snap.invocation
        if snap.done:
            cancelled = inv.state in ("cancelled", "cancelling")
            over = "was cancelled" if cancelled else f"is over ({snap.summary()})"
            raise NothingToCancelError(
                f"Invocation {inv.id} {over}: nothing to cancel. Rerun it with "
                f"gi.invocations.rerun({inv.id!r}) or `%galaxy rerun {inv.id}`.",
                inv,
            )
        return Invocation.from_api(
            self._gi.delete(f"invocations/{invocation_id}", what=f"Invocation {invocation_id}")
        )

    def request(self, invocation_id: str) -> dict[str, Any]:
        """What Galaxy was asked to run (``GET /api/invocations/{id}/request``, Galaxy >= 24.2).

        ``{"workflow_id": <the workflow version>, "instance": True, "history_id", "inputs": {label:
        {"src", "id"} or value}, "inputs_by": "name", "use_cached_job", "parameters" (step
        parameters by step index), "replacement_params", "resource_params", ...}``. On an older
        server this raises ServerTooOldError naming the release needed.
        """
        what = f"Invocation {invocation_id}"
        try:
            return self._gi.get(f"invocations/{invocation_id}/request", what=what)
        except GalaxyAPIError as exc:
            if exc.status not in (404, 501):
                raise
            if exc.status == 404:
                self.show(invocation_id)  # a wrong id raises its own NotFoundError here
            version = self._server_version()
            raise ServerTooOldError(
                f"Rerunning needs Galaxy {REQUEST_API_VERSION} or newer "
                "(GET /api/invocations/{id}/request); "
                f"this server{f' is Galaxy {version}' if version else ' does not have it'} "
                f"(HTTP {exc.status}). Ask its admin to upgrade, or run the workflow again with "
                "gi.workflows.invoke."
            ) from None

    def _server_version(self) -> str:
        try:
            v = self._gi.version()
        except GalaxyError:
            return ""
        return ".".join(str(v[k]) for k in ("version_major", "version_minor") if v.get(k))

    def rerun(
        self,
        invocation_id: str | Invocation,
        replace: dict[str, Any] | None = None,
        *,
        use_cached_job: bool = False,
        history: str | History | None = None,
        new_history_name: str | None = None,
    ) -> Invocation:
        """Invoke the same workflow version again with the same inputs, step parameters and
        settings (from :meth:`request`), except the inputs named in ``replace`` (by label:
        Datasets, Collections, ``{"src", "id"}``, ids, or parameter values, as for
        ``gi.workflows.invoke``). The run goes into the original's history unless ``history`` or
        ``new_history_name`` says otherwise. POSTed once, never retried.
        """
        inv_id = invocation_id.id if isinstance(invocation_id, Invocation) else invocation_id
        req = self.request(inv_id)
        instance = req["workflow_id"] if req.get("instance", True) else None
        wf = Workflow.from_api(
            self._gi.get(f"workflows/{req['workflow_id']}", params={"instance": bool(instance)})
        )
        inputs: dict[str, Any] = {}
        by_index = {str(i.index): i for i in wf.inputs}
        for key, value in (req.get("inputs") or {}).items():
            try:
                inp = wf.input(key)
            except InputLabelError:
                if key not in by_index:  # unlabelled inputs come by step index
                    raise
                inp = by_index[key]
            inputs[inp.label] = value
        for label, value in (replace or {}).items():
            inputs[wf.input(label).label] = value
        extra = {
            k: req[k]
            for k in (
                "replacement_params",
                "resource_params",
                "preferred_object_store_id",
                "preferred_intermediate_object_store_id",
                "preferred_outputs_object_store_id",
            )
            if req.get(k)
        }
        return self._gi.workflows.invoke(
            wf,
            inputs,
            params=req.get("parameters") or None,
            history=history if history is not None or new_history_name else req["history_id"],
            new_history_name=new_history_name,
            use_cached_job=use_cached_job,
            instance_id=instance,
            extra=extra,
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
