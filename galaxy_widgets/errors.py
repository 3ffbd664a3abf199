"""Errors raised by galaxy-widgets, mapped from HTTP status codes and Galaxy's error bodies."""

from __future__ import annotations

from typing import Any


class GalaxyError(Exception):
    """Base class of every galaxy-widgets error."""


class GalaxyConnectionError(GalaxyError):
    """The server could not be reached (refused, reset, DNS, TLS) after any retries."""


class GalaxyTimeoutError(GalaxyConnectionError):
    """The server did not answer within the timeout."""


class OutcomeUnknownError(GalaxyConnectionError):
    """A request that is not safe to repeat (a POST) was sent, but its answer was lost.

    The server may have carried it out: look (e.g. at the history) before trying again.
    ``found`` holds what a look-up for the user turned up, if one was made.
    """

    found: object = None


class NotGalaxyError(GalaxyConnectionError):
    """The URL answered, but not like a Galaxy API (an HTML login page, a proxy's error page)."""


class RedirectRefusedError(GalaxyConnectionError):
    """The server redirected to another origin; the API key is sent to the configured one only."""


class BadInputError(GalaxyError, ValueError):
    """An argument cannot be right (an empty URL, a malformed id, a zero timeout, ...)."""


class GalaxyAPIError(GalaxyError):
    """Galaxy answered with an error status.

    Carries ``status``, ``method``, ``url`` (never with the key), and Galaxy's
    ``err_msg`` / ``err_code`` when the body holds them.
    """

    hint = ""

    def __init__(
        self,
        status: int,
        method: str,
        url: str,
        err_msg: str = "",
        err_code: int | None = None,
        body: Any = None,
        what: str = "",
        hint: str | None = None,
    ) -> None:
        if hint is not None:
            self.hint = hint
        self.status = status
        self.method = method
        self.url = url
        self.err_msg = err_msg
        self.err_code = err_code
        self.body = body
        self.what = what
        super().__init__(str(self))

    def __str__(self) -> str:
        msg = self.err_msg or "no message from Galaxy"
        code = f", err_code {self.err_code}" if self.err_code else ""
        what = f"{self.what}: " if self.what else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"{what}{msg} (HTTP {self.status}{code} for {self.method} {self.url}).{hint}"

    @classmethod
    def from_status(cls, status: int) -> type[GalaxyAPIError]:
        """The subclass for an HTTP status."""
        if status in (400, 422):
            return BadRequestError
        if status == 401:
            return AuthenticationError
        if status == 403:
            return ForbiddenError
        if status == 404:
            return NotFoundError
        if status == 429:
            return RateLimitError
        if status >= 500:
            return ServerError
        return cls


class BadRequestError(GalaxyAPIError):
    """400/422: Galaxy rejected the request; its message says why."""


class AuthenticationError(GalaxyAPIError):
    """401: the API key (or email/password) was not accepted."""

    hint = "Check your API key (User > Preferences > Manage API Key in Galaxy) or log in again."


class ForbiddenError(GalaxyAPIError):
    """403: the user may not do this (not the owner, or not an admin)."""

    hint = "Your user lacks permission for this; is the item shared with you?"


class NotFoundError(GalaxyAPIError):
    """404: no such item (or no such API route on this server)."""


class RateLimitError(GalaxyAPIError):
    """429: too many requests."""


class ServerError(GalaxyAPIError):
    """5xx: Galaxy or a proxy in front of it failed."""

    hint = "The server failed; retry later or ask its admin."


class WaitTimeoutError(GalaxyError, TimeoutError):
    """A wait for a dataset, job or invocation ran out of time (the work may go on)."""


class WaitInterrupted(GalaxyError):
    """Waiting was stopped (Ctrl-C); the work goes on in Galaxy. The message says how to re-attach."""


class JobFailedError(GalaxyError):
    """A job (or the dataset it makes) ended in error. ``job`` holds its stderr/stdout."""

    def __init__(self, message: str, job: Any = None, dataset: Any = None) -> None:
        self.job = job
        self.dataset = dataset
        super().__init__(message)


class InvocationFailedError(JobFailedError):
    """A workflow invocation failed, was cancelled, or one of its jobs failed."""

    def __init__(self, message: str, invocation: Any = None, job: Any = None) -> None:
        self.invocation = invocation
        super().__init__(message, job=job)


class DownloadError(GalaxyError):
    """A download ended short or could not be written; no partial file is left behind."""
