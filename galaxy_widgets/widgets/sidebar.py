"""The history browser in JupyterLab's right-hand side panel (jupyterlab-sidecar).

The panel follows the current history (``%galaxy use``, or ``gi.history_id`` in Python) and refreshes
by itself while the history has work going on: a background thread asks Galaxy for the history's
state counts (one small request a round) and reloads the visible page only when they change. It
stops when nothing is active and is kicked again after every cell the kernel runs, since a cell may
have started jobs. Trait updates from that thread reach the browser while another cell is busy.

Where there is no side panel (VS Code, a plain console, no ``sidecar`` package, or
``GALAXY_WIDGETS_PANEL=inline``) the same browser is shown inline with a one-line note.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, GalaxyError
from ..states import ACTIVE_STATES
from ._facade import Poller, widget_closed

if TYPE_CHECKING:
    from ..client import Galaxy
    from .history import HistoryBrowser

log = logging.getLogger("galaxy_widgets.widgets")

#: ``auto`` (default): a side panel where one can be found; ``side``: always try; ``inline``: never.
PANEL_ENV = "GALAXY_WIDGETS_PANEL"
PANEL_SECONDS = 3.0
#: Variables VS Code sets for the kernels it starts; its notebook UI has no JupyterLab side panel.
VSCODE_VARS = ("VSCODE_PID", "VSCODE_CWD", "VSCODE_IPC_HOOK_CLI")

#: Where the current history comes from: ``() -> (client, history id)``, read after every cell.
Follow = Callable[[], "tuple[Galaxy | None, str | None]"]


@dataclass(frozen=True)
class Frontend:
    """Whether a JupyterLab side panel can be used here, and if not, why (the note shown inline)."""

    side_panel: bool
    reason: str = ""


def detect_frontend(
    shell: Any = None, environ: Mapping[str, str] | None = None, server_cmdline: str | None = None
) -> Frontend:
    """Decide from the environment whether the side panel can be used.

    A kernel cannot see its frontend, so this looks at what it can see: a Jupyter kernel at all (a
    plain IPython console has none), whether ``sidecar`` is installed, VS Code's variables, Colab,
    and the command line of the server that started the kernel (``jupyter notebook``: Notebook 7,
    where sidecar's panel did not show). ``GALAXY_WIDGETS_PANEL=inline`` or ``side`` overrides it.
    """
    env = os.environ if environ is None else environ
    mode = (env.get(PANEL_ENV) or "auto").strip().lower()
    if mode not in ("auto", "side", "inline"):
        raise BadInputError(f"{PANEL_ENV} must be auto, side or inline, not {env.get(PANEL_ENV)!r}.")
    if mode == "inline":
        return Frontend(False, f"{PANEL_ENV}=inline")
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if getattr(shell, "kernel", None) is None:
        return Frontend(False, "no notebook frontend here (a plain Python or IPython console)")
    if importlib.util.find_spec("sidecar") is None:
        return Frontend(False, "the side panel needs the sidecar package (pip install sidecar)")
    if mode == "side":
        return Frontend(True)
    if any(name in env for name in VSCODE_VARS):
        return Frontend(False, f"VS Code has no JupyterLab side panel (set {PANEL_ENV}=side to try anyway)")
    if "google.colab" in sys.modules:
        return Frontend(False, "Colab has no JupyterLab side panel")
    server = _server_cmdline() if server_cmdline is None else server_cmdline
    if re.search(r"(^|[/\s])(jupyter-notebook|notebook)(\s|$)", server):
        return Frontend(False, f"Notebook 7 shows no sidecar panel ({PANEL_ENV}=side tries anyway)")
    return Frontend(True)


def _server_cmdline() -> str:
    """The command line of the kernel's parent (the Jupyter server), where /proc tells; else ""."""
    try:
        raw = Path(f"/proc/{os.getppid()}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


class SidePanel:
    """A HistoryBrowser shown in JupyterLab's right-hand side panel, following the current history.

    >>> panel = HistoryBrowser(gi).show_in_sidebar()   # or %galaxy panel
    >>> panel.placement                                # "side", or "inline" (see panel.note)
    >>> panel.close()
    """

    def __init__(
        self,
        browser: HistoryBrowser,
        *,
        follow: Follow | None = None,
        title: str = "Galaxy",
        interval: float = PANEL_SECONDS,
        frontend: Frontend | None = None,
        shell: Any = None,
    ) -> None:
        from IPython import get_ipython

        self.browser = browser
        self._follow: Follow = follow or (lambda: (browser.gi, browser.gi.history_id))
        self._followed = self._follow()[1]
        self._shell = shell if shell is not None else get_ipython()
        self.frontend = frontend or detect_frontend(self._shell)
        self._last_look: tuple | None = None
        self.rounds = 0  # state requests made so far (tests and the bench read it)
        # One poller per browser: the panel's history-level rounds replace the browser's page poll,
        # so the browser's own restarts (after a page load with running rows) kick these rounds.
        browser._poller.stop()
        self._poller = Poller(self._round, interval, browser._poll_error, name="galaxy-widgets panel poll")
        browser._poller = self._poller
        self._sidecar: Any = None
        if self.frontend.side_panel:
            from sidecar import Sidecar

            self._sidecar = Sidecar(title=title, anchor="right")
            # the output the sidecar shows, built here (append_display_data would make an IPython
            # shell singleton where there is none, e.g. in a script)
            data, meta = browser._repr_mimebundle_()
            shown = {"output_type": "display_data", "data": data, "metadata": meta}
            self._sidecar.outputs = (*self._sidecar.outputs, shown)
        else:
            browser.widget.subtitle = f"shown here: {self.frontend.reason}"
        if self._shell is not None:
            self._shell.events.register("post_run_cell", self._after_cell)
        self._poller.start()

    # ------------------------------------------------------------------ public
    @property
    def placement(self) -> str:
        """``"side"`` in the side panel, ``"inline"`` in the cell output (the fallback)."""
        return "side" if self._sidecar is not None else "inline"

    @property
    def note(self) -> str:
        """Why the panel is inline ("" in the side panel)."""
        return self.frontend.reason

    @property
    def polling(self) -> bool:
        """True while the background rounds run (work is active in the history)."""
        return self._poller.running

    def close(self) -> None:
        """Stop refreshing, unhook from the kernel and close the panel."""
        if self._shell is not None:
            try:
                self._shell.events.unregister("post_run_cell", self._after_cell)
            except ValueError:
                pass
        self.browser.close()
        if self._sidecar is not None:
            self._sidecar.close()

    def __repr__(self) -> str:
        w = self.browser.widget
        where = "in the side panel" if self._sidecar is not None else f"inline ({self.note})"
        return f"Galaxy history panel {where}: {w.history_name or 'no history'!r}, {w.total} item(s)"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        if self._sidecar is None:  # the fallback: the browser itself, in the cell
            data, meta = self.browser._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
            data["text/plain"] = repr(self)
            return data, meta
        return {"text/plain": repr(self)}, {}

    # ------------------------------------------------------------------ following and refreshing
    def follow_now(self) -> None:
        """Show the current history if it changed since last looked, and look for changes once."""
        gi, current = self._follow()
        if gi is None:
            return
        browser = self.browser
        if gi is not browser.gi:  # reconnected: the old client is closed
            browser.gi = gi
        if current and current != self._followed:
            self._followed = current
            browser.widget.history_id = current  # its observer loads the first page
        self._poller.start()

    def _after_cell(self, *args: Any) -> None:
        if widget_closed(self.browser.widget):
            return
        try:
            self.follow_now()
        except GalaxyError as exc:
            self.browser.widget.error = f"Could not follow the current history: {exc}"
        except Exception:  # never a traceback under the user's cell from this hook
            log.debug("panel follow failed", exc_info=True)

    def _round(self) -> bool:
        """One look: the history's state counts; reload the page when they changed. True: go on."""
        browser = self.browser
        w = browser.widget
        if widget_closed(w) or not w.history_id:
            return False
        history_id = w.history_id
        state = browser.gi.histories.state(history_id)
        self.rounds += 1
        look = (history_id, state["state"], tuple(sorted(state["counts"].items())))
        if look != self._last_look:
            key, page = browser._fetch()
            browser._apply(key, page)
            self._last_look = look
            browser._follow_shown()
        return state["state"] in ACTIVE_STATES or any(s in ACTIVE_STATES for s in state["counts"])


_open: SidePanel | None = None


def open_panel(browser: HistoryBrowser, **kwargs: Any) -> SidePanel:
    """Show ``browser`` as THE side panel of this kernel (a previous one is closed)."""
    global _open
    if _open is not None:
        _open.close()
    _open = SidePanel(browser, **kwargs)
    return _open
