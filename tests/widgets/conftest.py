"""Helpers for driving widgets the way the browser does: state updates and custom messages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest


def _browser_sets(widget: Any, **state: Any) -> None:
    """What a comm ``update`` from the browser does: ``set_state`` with the changed traits."""
    widget.set_state(state)


def _browser_sends(widget: Any, content: dict) -> None:
    """What ``model.send(content)`` in the browser does: a custom message to the kernel."""
    widget._handle_custom_msg(content, [])


def _eventually(check: Callable[[], Any], timeout: float = 240, interval: float = 0.5) -> Any:
    """Wait for a background thread's effect; the test fails with the last value on timeout."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"condition not met within {timeout:.0f} s (last value {value!r})")
        time.sleep(interval)


@pytest.fixture
def browser_sets() -> Callable[..., None]:
    return _browser_sets


@pytest.fixture
def browser_sends() -> Callable[[Any, dict], None]:
    return _browser_sends


@pytest.fixture
def eventually() -> Callable[..., Any]:
    return _eventually


# A history of each test module's own, with copies of the session's uploads (no job: copies share
# the files): these tests look at whole history pages, so they must not see what other tests add,
# in whatever order the tests run.
@pytest.fixture(scope="module")
def uploaded(uploaded, gi, copy_uploaded_to, request):
    return copy_uploaded_to(gi, uploaded, f"gw-tests widgets {request.module.__name__.rsplit('.', 1)[-1]}")[1]


@pytest.fixture(scope="module")
def history(gi, uploaded):
    return gi.histories.show(uploaded.history_id)
