"""Jobs: show (with stderr/stdout), list, wait."""

from __future__ import annotations

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
