"""browse, pick, launch, monitor: open the point-and-click widgets on this connection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..parser import arg, command, out_arg

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


def _show(m: GalaxyMagics, widget: Any, out: str | None) -> Any:
    """Show the widget; with ``-o VAR`` also keep it in VAR (to read ``.value`` etc. later)."""
    if out:
        from IPython.display import display

        m.ipython.push({out: widget})
        display(widget)
        return None
    return widget


@command("browse", "open the history browser (search, filter, page, peek)", example="%galaxy browse")
@arg("history", nargs="*", help="history name or id (default: the current one)")
@arg("--filter", default="", help="filter text, as for `ls`")
@out_arg()
def browse(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    from ...widgets import HistoryBrowser

    gi = m.require_gi()
    history = " ".join(args.history) or m.history_id
    return _show(m, HistoryBrowser(gi, history, filter=args.filter), args.out)


@command(
    "panel",
    "open the history browser in JupyterLab's right-hand side panel; it follows `use` and refreshes itself",
    example="%galaxy panel",
)
@arg("history", nargs="*", help="history name or id to show first (default: the current one)")
@arg("--filter", default="", help="filter text, as for `ls`")
@out_arg()
def panel(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    from ...widgets import HistoryBrowser
    from ...widgets.sidebar import open_panel

    gi = m.require_gi()
    history = " ".join(args.history) or m.history_id
    browser = HistoryBrowser(gi, history, filter=args.filter)
    return m.deliver(open_panel(browser, follow=lambda: (m.gi, m.history_id)), args.out)


@command(
    "pick",
    "open a dataset picker; VAR.value is what is ticked, VAR.get() loads it",
    example="%galaxy pick --ext tabular -o picker",
)
@arg("history", nargs="*", help="history name or id (default: the current one)")
@arg("--ext", action="append", default=[], metavar="EXT", help="only offer this datatype (repeatable)")
@out_arg()
def pick(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    from ...widgets import DatasetPicker

    gi = m.require_gi()
    history = " ".join(args.history) or m.history_id
    return _show(m, DatasetPicker(gi, history, extensions=args.ext or None), args.out)


@command("launch", "open the workflow launcher form (inputs by label, batch runs)", example="%galaxy launch")
@arg("workflow", nargs="*", help="workflow name or id (default: choose in the form)")
@arg("--history", metavar="HISTORY", help="history to run in (default: the current one)")
@out_arg()
def launch(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    from ...widgets import WorkflowLauncher

    gi = m.require_gi()
    workflow = " ".join(args.workflow) or None
    return _show(m, WorkflowLauncher(gi, workflow, history=args.history or m.history_id), args.out)


@command("monitor", "open a live monitor of an invocation (id or variable)", example="%galaxy monitor inv")
@arg("invocation", help="invocation id, or a variable holding an invocation or a run result")
@out_arg()
def monitor(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    from ...widgets import InvocationMonitor
    from .workflows import invocation_id_of

    gi = m.require_gi()
    return _show(m, InvocationMonitor(gi, invocation_id_of(m, args.invocation)), args.out)
