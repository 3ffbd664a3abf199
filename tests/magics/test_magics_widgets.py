"""browse, pick, launch, monitor open the widgets on the magics' connection."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.error import UsageError

from galaxy_widgets import Galaxy
from galaxy_widgets.widgets import DatasetPicker, HistoryBrowser, InvocationMonitor, WorkflowLauncher


def test_browse_opens_on_the_current_history(connected, uploaded):
    browser = connected.run("%galaxy browse --filter extension:json")
    assert isinstance(browser, HistoryBrowser)
    assert browser.history_id == uploaded.history_id
    # other magics tests put json datasets into this history too: compare with Galaxy's own answer
    expected = [i.name for i in Galaxy().histories.contents(uploaded.history_id, "extension:json").all()]
    assert [i.name for i in browser.items] == expected
    assert "data.json" in expected
    browser.close()


def test_pick_into_a_variable_then_get(connected, uploaded):
    assert connected.run("%galaxy pick --ext tabular -o picker") is None
    picker = connected.user_ns["picker"]
    assert isinstance(picker, DatasetPicker) and picker.value == []
    picker.value = [str(uploaded.table.hid)]
    (frame,) = picker.get()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["name", "value", "group"]
    picker.close()


def test_launch_with_a_workflow(connected, demo_workflows, uploaded):
    launcher = connected.run(f'%galaxy launch "{demo_workflows["sort_and_head"].name}"')
    assert isinstance(launcher, WorkflowLauncher)
    assert launcher.workflow is not None and launcher.workflow.id == demo_workflows["sort_and_head"].id
    assert launcher.chooser.history_id == uploaded.history_id
    launcher.close()


def test_monitor_an_invocation_variable(connected, launched):
    connected.push({"inv": launched["inv"]})
    mon = connected.run("%galaxy monitor inv")
    assert isinstance(mon, InvocationMonitor) and mon.invocation_id == launched["inv"].id
    mon.wait(timeout=900)
    assert mon.ok and set(mon.outputs) == {"sorted", "top"}
    mon.close()
    with pytest.raises(UsageError, match="Invocation 0123456789abcdef"):
        connected.run_cell("%galaxy monitor 0123456789abcdef")
