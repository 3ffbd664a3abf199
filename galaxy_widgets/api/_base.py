"""What every resource manager shares: the client, and polling until something is done."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ..errors import WaitTimeoutError

if TYPE_CHECKING:
    from ..client import Galaxy

T = TypeVar("T")
DEFAULT_POLL = 2.0


class Resource:
    """Base of the managers: holds the client."""

    def __init__(self, gi: Galaxy) -> None:
        self._gi = gi

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._gi.url}>"


def poll(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float | None,
    interval: float = DEFAULT_POLL,
    what: str,
    on_update: Callable[[T], None] | None = None,
) -> T:
    """Call ``fetch`` until ``done(result)``; raise WaitTimeoutError after ``timeout`` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = min(0.5, interval)
    while True:
        value = fetch()
        if on_update is not None:
            on_update(value)
        if done(value):
            return value
        if deadline is not None and time.monotonic() >= deadline:
            raise WaitTimeoutError(
                f"{what} not finished after {timeout:.0f} s; it goes on in Galaxy. Wait again, or "
                "raise the timeout."
            )
        time.sleep(delay if deadline is None else max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(interval, delay * 1.5)
