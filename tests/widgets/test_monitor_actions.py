"""The monitor's Cancel and Rerun, Python side, against the real Galaxy (issue 13 item 4): the
traits the browser sets drive the calls (cancel -> Galaxy says cancelled; rerun with an input
replaced by its hid -> the new run succeeds), and Python's own monitor.cancel()/rerun()."""

from __future__ import annotations

import pytest

from galaxy_widgets.api.invocations import NothingToCancelError
from galaxy_widgets.errors import GalaxyError
from galaxy_widgets.widgets import InvocationMonitor
from tests.data.rerun_workflows import bad_pair, import_workflows, wait_job_running, wait_state


@pytest.fixture(scope="module")
def runs(gi, history, uploaded):
    wfs = import_workflows(gi)
    bad = bad_pair(gi, history.id)
    return {
        "wfs": wfs,
        "long": gi.workflows.invoke(wfs["sleep"], {"table": uploaded.table, "seconds": 600}, history=history),
        "failing": gi.workflows.invoke(wfs["count_pairs"], {"reads": bad}, history=history),
    }


def test_cancel_button_traits_cancel_in_galaxy(gi, runs, browser_sets, eventually):
    inv = runs["long"]
    wait_job_running(gi, inv.id)
    mon = InvocationMonitor(gi, inv.id, poll_interval=1)
    try:
        w = mon.widget
        assert w.can_cancel and not w.can_rerun and w.phase == "running"
        browser_sets(w, cancel_request=1)  # the browser's "Yes, cancel" after the confirmation
        assert "Cancelling invocation" in w.action_message and w.busy == ""
        assert wait_state(gi, inv.id, {"cancelled"}).state == "cancelled"  # Galaxy says so
        eventually(lambda: mon.done)
        assert w.phase == "error" and "cancelled" in w.error
        assert w.action_message == f"Invocation {inv.id} is cancelled; Rerun runs it again."
        assert not w.can_cancel and w.can_rerun  # over: Rerun is offered instead
        with pytest.raises(NothingToCancelError):
            mon.cancel()
        # Rerun from the traits: a parameter replaced as typed, cached jobs allowed
        assert {r["label"]: r["value"] for r in w.rerun_inputs}["seconds"] == "600"
        browser_sets(w, replace={"seconds": "0"}, use_cached_job=True, rerun_request=1)
        req = gi.invocations.request(mon.invocation_id)
        assert mon.invocation_id != inv.id and req["inputs"]["seconds"] == 0 and req["use_cached_job"] is True
        assert mon.wait(300).ok and w.phase == "ok"
    finally:
        mon.close()


def test_rerun_button_replaces_a_failed_input_and_follows_the_new_run(
    gi, runs, uploaded, history, browser_sets, eventually
):
    failing = runs["failing"]
    mon = InvocationMonitor(gi, failing.id, poll_interval=1)
    try:
        w = mon.widget
        eventually(lambda: mon.done)
        assert w.phase == "error" and "mates out of step" in w.stderr and w.can_rerun
        rows = {r["label"]: r for r in w.rerun_inputs}
        assert rows["reads"]["kind"] == "collection" and "bad pair" in rows["reads"]["value"]
        pair = gi.histories.resolve(history.id, "name:pair", kind="collection")  # Galaxy's copy here
        # (use_cached_job stays off: Galaxy 26.1's job cache query for collection inputs fails on SQLite)
        browser_sets(w, replace={"reads": f"#{pair.hid}"}, rerun_request=1)
        new_id = w.invocation_id
        assert new_id != failing.id and w.rerun_of == failing.id and mon.invocation_id == new_id
        assert f"Rerun of invocation {failing.id} with reads replaced: following invocation {new_id}" in (
            w.action_message
        )
        req = gi.invocations.request(new_id)
        assert req["inputs"]["reads"]["id"] == pair.id and req["use_cached_job"] is False
        eventually(lambda: mon.done)
        assert mon.ok and w.phase == "ok" and [o["label"] for o in w.outputs] == ["counts"]
        assert gi.invocations.show(new_id).state in ("scheduled", "completed")
    finally:
        mon.close()


def test_python_rerun_and_errors_go_to_the_widget(gi, runs, uploaded, browser_sets, eventually):
    mon = InvocationMonitor(gi, runs["failing"].id, poll_interval=1)
    try:
        eventually(lambda: mon.done)
        w = mon.widget
        run_error = w.error
        browser_sets(w, replace={"reads": "#99999"}, rerun_request=1)  # no such hid
        assert "#99999" in w.action_message and w.action_failed and w.busy == ""
        assert mon.invocation_id == runs["failing"].id and w.error == run_error  # nothing run
        browser_sets(w, replace={"nope": "1"}, rerun_request=2)
        assert "No input 'nope' to replace" in w.action_message and w.action_failed
        new = mon.rerun(replace={"reads": uploaded.pair}, use_cached_job=False)
        assert mon.invocation_id == new.id and mon.widget.can_cancel and not mon.widget.can_rerun
        with pytest.raises(GalaxyError, match="still running"):
            mon.rerun()
        assert mon.wait(300).ok
    finally:
        mon.close()
