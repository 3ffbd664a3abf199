"""Jobs: show (with stderr/stdout), list, wait."""

from __future__ import annotations

import builtins
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import JobFailedError
from ..records import Job
from ..states import ERROR_JOB_STATES, failure_text
from . import wait as engine
from ._base import Resource


class Jobs(Resource):
    def show(self, job_id: str) -> Job:
        """A job with its exit code, stderr and stdout."""
        return Job.from_api(self._gi.get(f"jobs/{job_id}", params={"full": True}, what=f"Job {job_id}"))

    def list(self, history_id: str | None = None, *, state: str | None = None, limit: int = 100) -> list[Job]:
        params: dict[str, Any] = {"history_id": history_id, "state": state, "limit": limit}
        return [Job.from_api(j) for j in self._gi.get("jobs", params=params)]

    def wait(
        self, job_id: str, *, timeout: float | None = 600, interval: float = 2.0, raise_on_error: bool = True
    ) -> Job:
        """Wait until the job is terminal; raise JobFailedError (with its stderr) if it failed."""
        job = engine.simple(
            lambda: Job.from_api(self._gi.get(f"jobs/{job_id}", what=f"Job {job_id}")),
            lambda j: j.terminal,
            what=f"Job {job_id}",
            reattach=f"gi.jobs.wait({job_id!r}) picks it up again.",
            timeout=timeout,
            interval=interval,
            states=lambda j: {j.state: 1},
        )
        if job.state in ERROR_JOB_STATES:
            job = self.show(job_id)
            if raise_on_error:
                raise JobFailedError(failure_text(f"Job {job_id}", job.state, job), job)
        return job

    def snapshot(
        self, job_ids: Sequence[str], started: float | None = None, *, history_id: str | None = None
    ) -> engine.Snapshot[builtins.list[Job]]:
        """One look at several jobs: one request per job, or ONE listing of the history's newest jobs
        when there are many (``history_id`` given)."""
        started = time.monotonic() if started is None else started
        wanted = list(job_ids)
        if history_id and len(wanted) > 3:
            listed = self._gi.get(
                "jobs",
                params={"history_id": history_id, "limit": max(500, 2 * len(wanted)), "view": "collection"},
            )
            by_id = {j["id"]: Job.from_api(j) for j in listed}
            missing = [j for j in wanted if j not in by_id]
            for j in missing:  # older than the listing's page: ask for them one by one
                by_id[j] = Job.from_api(self._gi.get(f"jobs/{j}", what=f"Job {j}"))
            jobs = [by_id[j] for j in wanted]
        else:
            jobs = [Job.from_api(self._gi.get(f"jobs/{j}", what=f"Job {j}")) for j in wanted]
        failures = tuple(
            engine.Failure(f"job {j.id} ({j.tool_id})", j.state, f"job {j.id} ended in {j.state}", j.id)
            for j in jobs
            if j.state in ERROR_JOB_STATES
        )
        return engine.Snapshot(
            f"{len(jobs)} job(s)",
            jobs,
            dict(Counter(j.state for j in jobs)),
            done=all(j.terminal for j in jobs),
            failures=failures,
            elapsed=time.monotonic() - started,
            finished_items=sum(1 for j in jobs if j.terminal),
            total_items=len(jobs),
        )

    def wait_many(
        self,
        job_ids: Sequence[str],
        *,
        history_id: str | None = None,
        timeout: float | None = 600,
        interval: float = 2.0,
        progress: Callable[[engine.Snapshot[builtins.list[Job]]], None] | None = None,
        fail_fast: bool = True,
    ) -> builtins.list[Job]:
        """Wait until every job is terminal; the first failed job raises JobFailedError (its stderr)."""

        def failed(snap: engine.Snapshot[list[Job]]) -> JobFailedError:
            job = self.show(snap.failures[0].job_id or "")
            return JobFailedError(failure_text(f"Job {job.id}", job.state, job), job)

        final = engine.wait(
            lambda started: self.snapshot(job_ids, started, history_id=history_id),
            what=f"{len(job_ids)} job(s)",
            reattach="gi.jobs.wait_many(job_ids) picks them up again.",
            timeout=timeout,
            interval=interval,
            progress=progress,
            fail_fast=fail_fast,
            on_failure=failed,
        )
        return final.value
