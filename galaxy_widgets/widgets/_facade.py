"""What every widget facade shares: Jupyter display with a text fallback, and background polling."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("galaxy_widgets.widgets")


class Facade:
    """A user-facing object that owns a widget; displays as the widget, or as text without one."""

    widget: Any

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        data = self.widget._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        meta: dict = {}
        if isinstance(data, tuple):
            data, meta = data
        data = dict(data or {})
        data["text/plain"] = repr(self)
        return data, meta

    def _pollers(self) -> list[Poller]:
        return []

    def close(self) -> None:
        """Stop background polling and close the widget views."""
        for poller in self._pollers():
            poller.stop()
        self.widget.close()


class Poller:
    """Calls ``step`` every ``interval`` seconds in a daemon thread while it returns True.

    ``start()`` is safe to call at any time: it starts the thread, or tells a running one to go on
    even if its current step is about to report that there is nothing left to do.
    """

    def __init__(
        self,
        step: Callable[[], bool],
        interval: float,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "galaxy-widgets poller",
    ) -> None:
        self._step = step
        self.interval = interval
        self._on_error = on_error
        self._name = name
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._kick = False
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            self._kick = True
            self._stop.clear()
            if self.running:
                return
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._kick = False
            try:
                more = self._step()
            except Exception as exc:
                log.debug("poll failed", exc_info=True)
                if self._on_error:
                    self._on_error(exc)
                more = True
            with self._lock:
                if not more and not self._kick:
                    return
            if self._stop.wait(self.interval):
                return


def widget_closed(widget: Any) -> bool:
    """True once the widget was closed (its comm is gone)."""
    return getattr(widget, "comm", None) is None
