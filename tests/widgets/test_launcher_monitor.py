"""WorkflowLauncher and InvocationMonitor: a form from the workflow's inputs, batch runs, monitors.

The runs start together in one module fixture (Galaxy jobs take 20-40 s each here); the tests then
check what the background threads made of them.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from galaxy_widgets.errors import GalaxyError
from galaxy_widgets.records import Collection
from galaxy_widgets.widgets import HistoryBrowser, InvocationMonitor, WorkflowLauncher

FAILING_WORKFLOW = """
class: GalaxyWorkflow
label: gw-tests always fails
inputs:
  table:
    type: data
    format: [tabular, txt]
outputs:
  failed:
    outputSource: fail/output1
steps:
  fail:
    tool_id: gw_fail
    in:
      input1: table
"""


def test_form_is_built_from_the_workflow_inputs(gi, history, uploaded, demo_workflows, browser_sets):
    launcher = WorkflowLauncher(gi, demo_workflows["sort_and_head"], history=history)
    assert launcher.chooser.workflow_id == demo_workflows["sort_and_head"].id
    assert launcher.chooser.history_id == history.id
    assert [p["label"] for p in launcher.form.params] == ["lines"]
    (lines,) = launcher.form.params
    assert lines["kind"] == "integer" and lines["value"] == 5
    picker = launcher.pickers["table"]
    assert picker.widget.extensions == ["tabular", "txt"]
    # Galaxy's datatype hierarchy: subtypes of tabular and txt (csv, json, ...) are offered too
    accepted = gi.workflows.accepted_extensions(["tabular", "txt"])
    assert {r["extension"] for r in picker.widget.rows} <= accepted
    assert uploaded.table.id in {r["id"] for r in picker.widget.rows}
    assert not picker.widget.multiple and not launcher.form.ready
    assert "Pick a dataset for: table" in launcher.form.summary
    browser_sets(picker.widget, selected=[uploaded.table.type_id])
    assert launcher.form.ready and launcher.form.run_label == "Run"
    # two picks need batch mode; batch mode makes the pickers multi-select
    browser_sets(launcher.form, batch=True)
    assert picker.widget.multiple
    browser_sets(picker.widget, selected=[uploaded.table.type_id, uploaded.text.type_id])
    assert launcher.form.ready and launcher.form.run_label == "Run over 2 samples"
    assert len(launcher.plan()) == 2
    browser_sets(launcher.form, values={"lines": "x"})
    with pytest.raises(GalaxyError, match="'lines': 'x' is not an integer"):
        launcher.plan()
    browser_sets(launcher.form, batch=False)
    assert picker.widget.selected == [uploaded.text.type_id]  # single choice again: the last pick stays
    assert "WorkflowLauncher: 'gw-demo sort and head'" in repr(launcher)
    launcher.close()


@pytest.fixture(scope="module")
def launched(gi, history, uploaded, demo_workflows):
    """Start everything at once: a batch of two demo runs, a failing run, a running upload."""
    uploaded.samples  # noqa: B018 - waits for the session uploads

    launcher = WorkflowLauncher(gi, demo_workflows["sort_and_head"], history=history)
    launcher.form.set_state({"batch": True, "values": {"lines": 3}})
    launcher.pickers["table"].widget.set_state({"selected": [uploaded.table.type_id, uploaded.text.type_id]})
    launcher.form._handle_custom_msg({"action": "run"}, [])

    failing_wf = gi.workflows.import_(FAILING_WORKFLOW)
    failing = WorkflowLauncher(gi, failing_wf, history=history)
    failing.pickers["table"].widget.set_state({"selected": [uploaded.text.type_id]})
    failing.form.set_state({"target": "new", "new_history_name": "gw-tests failing run"})
    failing.form._handle_custom_msg({"action": "run"}, [])
    yield SimpleNamespace(launcher=launcher, failing=failing)
    launcher.close()
    failing.close()


def test_browser_updates_running_items_by_itself(gi, history, uploaded, browser_sets, eventually):
    # a job that sleeps 15 s: its output is surely not ok yet when the browser opens
    run = gi.tools.run("gw_sleep", history.id, {"input1": uploaded.text, "seconds": 15})
    (out,) = run.outputs
    hb = HistoryBrowser(gi, history, filter=f"hid:{out.hid}", poll_interval=1.0)
    (row,) = hb.widget.rows
    assert row["state"] != "ok", row
    assert hb._poller.running  # a background thread follows the running row; this thread is free
    closed = HistoryBrowser(gi, history, filter=f"hid:{out.hid}", poll_interval=0.5)
    assert closed._poller.running
    closed.close()  # closing the widget stops its thread
    eventually(lambda: not closed._poller.running, timeout=10)
    eventually(lambda: hb.widget.rows[0]["state"] == "ok")
    eventually(lambda: not hb._poller.running, timeout=10)
    assert hb.widget.rows[0]["size"] == "23 B"  # a copy of notes.txt
    hb.close()


def test_run_turns_the_launcher_into_monitors(launched):
    launcher = launched.launcher
    assert launcher.form.error == ""
    assert len(launcher.monitors) == 1  # ONE run mapped over both picks
    assert launcher.batch is not None and sorted(launcher.batch.sample_names) == ["notes", "table"]
    assert launcher.monitor.invocation_id == launcher.batch.invocation_id
    assert list(launcher.widget.children) == [m.widget for m in launcher.monitors]
    for monitor in launcher.monitors:
        assert monitor.widget.workflow_name == "gw-demo sort and head"
        assert monitor._poller.running or monitor.done
    # every open widget can still be sent to a browser: no open box holds a closed picker
    parts = [launcher.widget, launcher._pickers_box, launcher.chooser, launcher.form]
    for widget in parts + [m.widget for m in launcher.monitors]:
        widget.get_state()


def test_monitors_reach_done_with_outputs_by_label(gi, launched, uploaded):
    (monitor,) = launched.launcher.monitors
    monitor.wait(600)
    assert monitor.ok, monitor.widget.error
    assert monitor.widget.phase == "ok" and monitor.widget.finished >= monitor.widget.started > 0
    assert set(monitor.outputs) == {"sorted", "top"}
    assert [o["label"] for o in monitor.widget.outputs] == list(monitor.outputs)
    assert all(isinstance(v, Collection) for v in monitor.outputs.values())
    tool_steps = [s for s in monitor.widget.steps if not s["input"]]
    assert [s["label"] for s in tool_steps] == ["sort", "head"]
    assert all(s["states"] == {"ok": 2} for s in tool_steps)  # each step mapped over both picks
    assert monitor.widget.totals == {"ok": 4}
    assert not monitor._poller.running
    # the run went over both picked datasets, with lines=3 from the form
    tops = {k: gi.datasets.text(v.id) for k, v in monitor.outputs["top"].datasets().items()}
    assert tops == {
        "table": "#name\tvalue\tgroup\nalpha\t3\ta\nbeta\t1\tb\n",  # sorted, then 3 lines
        "notes": "first line\nsecond line\n",
    }
    assert "sorted" in repr(monitor) and ": ok" in repr(monitor)


@pytest.fixture
def shell():
    """The IPython shell the widget pushes into; made here, then dropped, so a later test can make
    its own kind of shell (the magics' TestingShell) in any order."""
    from IPython.core.interactiveshell import InteractiveShell

    made = not InteractiveShell.initialized()
    yield InteractiveShell.instance()
    if made:
        InteractiveShell.clear_instance()


def test_outputs_go_to_variables(launched, shell):
    (monitor,) = launched.launcher.monitors
    monitor.wait(600)
    monitor.widget._handle_custom_msg({"action": "to_variable", "label": "top", "name": "top_table"}, [])
    top = shell.user_ns["top_table"]  # a collection: a dict by sample
    assert isinstance(top["table"], pd.DataFrame) and top["table"]["name"].tolist() == ["alpha", "beta"]
    assert top["notes"] == "first line\nsecond line\n"
    assert monitor.widget.variable_message.startswith("top_table = #")
    monitor.widget._handle_custom_msg({"action": "to_variable", "label": "top", "name": "not valid"}, [])
    assert "not a valid Python variable name" in monitor.widget.error


def test_reattach_by_id(gi, launched):
    first = launched.launcher.monitors[0].wait(600)
    again = InvocationMonitor(gi, first.invocation_id)
    assert again.done and again.ok  # a finished run needs no thread
    assert not again._poller.running
    assert {k: v.id for k, v in again.outputs.items()} == {k: v.id for k, v in first.outputs.items()}
    assert again.widget.steps == first.widget.steps


def test_closing_a_launcher_closes_every_widget_it_made(gi, history, demo_workflows):
    launcher = WorkflowLauncher(gi, demo_workflows["sort_and_head"], history=history)
    made = [launcher.widget, launcher._pickers_box, launcher.chooser, launcher.form]
    made += [p.widget for p in launcher.pickers.values()]
    assert len(made) == 5 and all(w.comm is not None for w in made)
    launcher.close()
    assert [w for w in made if w.comm is not None] == []


def test_failing_run_shows_the_jobs_stderr(gi, launched):
    (monitor,) = launched.failing.monitors
    monitor.wait(600)
    assert monitor.done and not monitor.ok
    assert monitor.widget.phase == "error"
    assert "gw_fail: this tool fails on purpose (no reason)" in monitor.widget.stderr
    assert monitor.widget.failed_tool == "gw_fail"
    assert "error" in monitor.widget.error or "failed" in monitor.widget.error
    assert monitor.widget.history_name == "gw-tests failing run"  # "into a new history"
    assert "stderr: gw_fail: this tool fails on purpose" in repr(monitor)


def test_unknown_invocation_is_a_clear_error(gi):
    with pytest.raises(GalaxyError, match="Invocation"):
        InvocationMonitor(gi, "0123456789abcdef")
