"""The side panel (issue 13 item 1) on the Python side, against the real Galaxy: where it goes (side
panel or inline with a note), following the current history after each cell, refreshing while a job
runs and stopping when nothing is active, and only one page of rows in the widget state.

The browser half (JupyterLab's right-hand panel, updates while another cell sleeps, dark theme,
360 px) is tests/browser/test_panel_browser.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from IPython.core.events import EventManager, available_events

from galaxy_widgets.errors import BadInputError
from galaxy_widgets.widgets import HistoryBrowser
from galaxy_widgets.widgets.sidebar import PANEL_ENV, Frontend, SidePanel, detect_frontend

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class FakeKernelShell(SimpleNamespace):
    """What the panel reads of a shell: ``kernel`` (set in Jupyter), and IPython's real events."""


def shell_with(kernel: Any = None) -> FakeKernelShell:
    return FakeKernelShell(kernel=kernel, events=EventManager(None, available_events))


def cell_ran(shell: FakeKernelShell) -> None:
    """What IPython does at the end of every cell."""
    shell.events.trigger("post_run_cell", SimpleNamespace(success=True))


# ---------------------------------------------------------------------- where it goes (no server)
def test_side_panel_only_in_a_jupyter_kernel_with_sidecar_outside_vscode():
    kernel = object()
    lab = "/venv/bin/python -m jupyterlab --no-browser --port=8888"
    assert detect_frontend(shell_with(kernel), {}, lab) == Frontend(True)
    assert detect_frontend(shell_with(kernel), {}, "/venv/bin/jupyter-lab") == Frontend(True)
    for notebook7 in ("/venv/bin/python /venv/bin/jupyter-notebook", "/venv/bin/python -m notebook --port=1"):
        nb7 = detect_frontend(shell_with(kernel), {}, notebook7)
        assert not nb7.side_panel and "Notebook 7" in nb7.reason, notebook7
    plain = detect_frontend(shell_with(None), {})
    assert not plain.side_panel and "console" in plain.reason
    vscode = detect_frontend(shell_with(kernel), {"VSCODE_PID": "4242"})
    assert not vscode.side_panel and "VS Code" in vscode.reason and f"{PANEL_ENV}=side" in vscode.reason
    # the setting overrides the guess both ways, but never invents a frontend for a console
    assert detect_frontend(shell_with(kernel), {PANEL_ENV: "inline"}).side_panel is False
    assert detect_frontend(shell_with(kernel), {PANEL_ENV: "side", "VSCODE_PID": "1"}).side_panel is True
    assert detect_frontend(shell_with(None), {PANEL_ENV: "side"}).side_panel is False
    with pytest.raises(BadInputError, match="auto, side or inline"):
        detect_frontend(shell_with(kernel), {PANEL_ENV: "left"})


def test_without_sidecar_installed_it_says_how_to_get_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sidecar" else real(name, *a)
    )
    found = detect_frontend(shell_with(object()), {})
    assert not found.side_panel and "pip install sidecar" in found.reason


def test_jupyterlab_finds_the_sidecar_labextension():
    """The test environment installs sidecar (a dependency) with its prebuilt labextension."""
    from jupyter_core.paths import jupyter_path

    found = [
        p
        for p in jupyter_path("labextensions")
        if (Path(p) / "@jupyter-widgets" / "jupyterlab-sidecar" / "package.json").is_file()
    ]
    assert found, f"no @jupyter-widgets/jupyterlab-sidecar in {jupyter_path('labextensions')}"


# ---------------------------------------------------------------------- real Galaxy
@pytest.fixture(scope="module")
def second_history(gi, uploaded):
    """A history of its own with one small text dataset (a copy), for following and a gw_sleep run."""
    h = gi.histories.create("gw-tests panel")
    body = {"source": "hda", "content": uploaded.text.id, "type": "dataset"}
    gi.post(f"histories/{h.id}/contents", json=body)
    return h


def test_inline_fallback_is_the_browser_with_a_one_line_note(gi, history, uploaded):
    shell = shell_with(None)  # a plain console: no kernel
    panel = SidePanel(HistoryBrowser(gi, history), shell=shell, frontend=detect_frontend(shell, {}))
    try:
        assert panel.placement == "inline"
        assert panel.browser.widget.subtitle == f"shown here: {panel.note}"
        assert "\n" not in panel.note and "console" in panel.note
        data, _ = panel._repr_mimebundle_()
        assert data[WIDGET_VIEW]["model_id"] == panel.browser.widget.model_id  # the widget, in the cell
        assert data["text/plain"].startswith("Galaxy history panel inline (no notebook frontend")
    finally:
        panel.close()


def test_side_panel_holds_the_browser_and_one_page_of_rows(gi, history, uploaded):
    uploaded.samples  # noqa: B018 - the session uploads are there
    shell = shell_with(object())
    browser = HistoryBrowser(gi, history, page_size=2)
    panel = SidePanel(browser, shell=shell, frontend=Frontend(True), title="Galaxy test")
    try:
        assert panel.placement == "side" and panel.note == ""
        sidecar = panel._sidecar
        assert sidecar.title == "Galaxy test" and sidecar.anchor == "right"
        (shown,) = sidecar.outputs
        assert shown["data"][WIDGET_VIEW]["model_id"] == browser.widget.model_id
        data, _ = panel._repr_mimebundle_()
        assert WIDGET_VIEW not in data and "in the side panel" in data["text/plain"]
        # only the visible page goes to the browser, whatever the history holds
        total = gi.histories.contents(history.id).count()
        assert total > 2 and browser.widget.total == total
        assert len(browser.widget.rows) == 2
        state = browser.widget.get_state()
        assert len(state["rows"]) == 2
        per_row = max(len(json.dumps(r)) for r in state["rows"])
        assert len(json.dumps(state["rows"])) <= 2 * per_row + 4  # "[", ", ", "]"
    finally:
        panel.close()
    assert sidecar.comm is None and browser.widget.comm is None


def test_show_in_sidebar_outside_a_kernel_stays_inline(gi, history, uploaded):
    panel = HistoryBrowser(gi, history).show_in_sidebar()  # pytest: no Jupyter kernel
    try:
        assert panel.placement == "inline" and "console" in panel.note
        assert panel.browser.widget.history_id == history.id
    finally:
        panel.close()


def test_panel_follows_the_current_history_and_refreshes_while_a_job_runs(
    gi, galaxy_server, history, uploaded, second_history, eventually
):
    from galaxy_widgets import Galaxy

    client = Galaxy(galaxy_server.url, api_key=galaxy_server.api_key)  # its own current history
    client.history_id = second_history.id  # quiet: jobs of other tests run in the shared one
    shell = shell_with(object())
    panel = SidePanel(HistoryBrowser(client), shell=shell, frontend=Frontend(False, "test"), interval=0.5)
    w = panel.browser.widget
    try:
        assert w.history_id == second_history.id
        eventually(lambda: not panel.polling, timeout=30)  # nothing runs there: the rounds stop
        # the user clicks another history in the panel: a later cell does not pull it back
        w.history_id = history.id
        cell_ran(shell)
        assert w.history_id == history.id
        w.history_id = second_history.id
        # `use` (the current history changes): after the cell the panel shows it
        client.history_id = history.id
        assert w.history_id == second_history.id  # nothing happens before the cell ends
        cell_ran(shell)
        assert w.history_id == history.id and w.history_name == history.name
        client.history_id = second_history.id
        cell_ran(shell)
        assert w.history_id == second_history.id and w.history_name == "gw-tests panel"
        eventually(lambda: not panel.polling, timeout=30)
        # a job started from a cell: the panel shows it running, then ok, by itself
        (src,) = panel.browser.items
        run = client.tools.run("gw_sleep", second_history.id, {"input1": src, "seconds": 6})
        out = run.outputs[0].id
        cell_ran(shell)
        assert panel.polling
        seen: set[str] = set()

        def state_of_output() -> str:
            row = next((r for r in w.rows if r["key"] == f"dataset-{out}"), None)
            if row:
                seen.add(row["state"])
            return row["state"] if row else ""

        eventually(lambda: state_of_output() == "ok", timeout=240)
        assert seen & {"new", "queued", "running"}, seen  # it was seen before it finished
        eventually(lambda: not panel.polling, timeout=30)
        rounds = panel.rounds
        time.sleep(1.5)
        assert panel.rounds == rounds  # idle: no requests at all
    finally:
        panel.close()
        client.close()
    assert not shell.events.callbacks["post_run_cell"]  # unhooked from the kernel
