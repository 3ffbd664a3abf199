"""Cancel and rerun (issue 13 item 4) against the real Galaxy: cancel stops a running invocation
(Galaxy says cancelled), a finished one is left alone; the invocation request; rerun with the same
inputs (and use_cached_job), and a failed run rerun with its bad input replaced succeeds."""

from __future__ import annotations

import time

import pytest

from galaxy_widgets import Galaxy
from galaxy_widgets.api.invocations import NothingToCancelError, ServerTooOldError
from galaxy_widgets.errors import BadRequestError, InvocationFailedError, NotFoundError
from galaxy_widgets.records import InputLabelError
from galaxy_widgets.states import SCHEDULED_INVOCATION_STATES
from tests.data.rerun_workflows import bad_pair, import_workflows, wait_job_running, wait_state
from tests.scripted import scripted


@pytest.fixture(scope="module")
def runs(gi, history, uploaded):
    """Three invocations started together: a long sleep (to cancel), a quick sleep (finishes) and
    a count of a bad pair (fails)."""
    wfs = import_workflows(gi)
    bad = bad_pair(gi, history.id)
    sleep, count = wfs["sleep"], wfs["count_pairs"]
    return {
        "wfs": wfs,
        "bad": bad,
        "long": gi.workflows.invoke(sleep, {"table": uploaded.table, "seconds": 600}, history=history),
        "quick": gi.workflows.invoke(sleep, {"table": uploaded.table, "seconds": 0}, history=history),
        "failing": gi.workflows.invoke(count, {"reads": bad}, history=history),
    }


def test_request_holds_the_inputs_by_label(gi, runs, uploaded, history):
    req = gi.invocations.request(runs["long"].id)
    print(req)
    assert req["workflow_id"] == runs["long"].workflow_id and req["instance"] is True
    assert req["history_id"] == history.id
    assert set(req["inputs"]) == {"table", "seconds"} and req["inputs"]["seconds"] == 600
    table = gi.datasets.show(req["inputs"]["table"]["id"])  # the copy Galaxy made in the run's history
    assert req["inputs"]["table"]["src"] == "hda" and (table.name, table.history_id) == (
        "table.tsv",
        history.id,
    )
    assert req["use_cached_job"] is False


def test_cancel_stops_a_running_invocation(gi, runs):
    inv = runs["long"]
    job_id = wait_job_running(gi, inv.id)
    got = gi.invocations.cancel(inv.id)
    assert got.id == inv.id and got.state in ("cancelling", "cancelled")
    assert wait_state(gi, inv.id, {"cancelled"}).state == "cancelled"
    # its sleeping job was stopped, not left to run its 600 s
    for _ in range(60):
        if gi.jobs.show(job_id).state in ("deleted", "deleting", "stopped"):
            break
        time.sleep(1)
    assert gi.jobs.show(job_id).state in ("deleted", "deleting", "stopped")
    with pytest.raises(NothingToCancelError, match="was cancelled: nothing to cancel"):
        gi.invocations.cancel(inv.id)


def test_cancel_of_a_finished_invocation_says_so_and_leaves_it(gi, runs):
    inv = gi.invocations.wait(runs["quick"].id, interval=1)
    with pytest.raises(NothingToCancelError, match=r"is over \(.*1 ok.*\): nothing to cancel") as err:
        gi.invocations.cancel(inv.id)
    assert err.value.invocation.id == inv.id
    # Galaxy was not asked to cancel it: still scheduled, or since marked completed by Galaxy
    # (26.1 moves a scheduled invocation whose jobs are over to "completed" a moment later); a
    # cancel request would have made it "cancelling" or "cancelled"
    assert gi.invocations.show(inv.id).state in SCHEDULED_INVOCATION_STATES


def test_rerun_with_the_same_inputs_and_cached_jobs(gi, runs, history):
    before = gi.invocations.request(runs["quick"].id)
    gi.invocations.wait(runs["quick"].id, interval=1)
    again = gi.invocations.rerun(runs["quick"], use_cached_job=True)
    assert again.id != runs["quick"].id and again.history_id == history.id
    req = gi.invocations.request(again.id)
    assert req["inputs"] == before["inputs"] and req["workflow_id"] == before["workflow_id"]
    assert req["use_cached_job"] is True  # Galaxy recorded what we passed
    done = gi.invocations.wait(again.id, interval=1)
    assert gi.invocations.outputs(done.id)["out"].state == "ok"


def test_rerun_of_a_failed_run_with_a_fixed_input_succeeds(gi, runs, uploaded):
    with pytest.raises(InvocationFailedError, match="mates out of step"):
        gi.invocations.wait(runs["failing"].id, interval=1)
    fixed = gi.invocations.rerun(runs["failing"].id, replace={"reads": uploaded.pair})
    req = gi.invocations.request(fixed.id)
    assert list(req["inputs"]) == ["reads"] and req["inputs"]["reads"]["src"] == "hdca"
    assert gi.collections.show(req["inputs"]["reads"]["id"]).name == uploaded.pair.name  # not the bad pair
    assert req["use_cached_job"] is False
    done = gi.invocations.wait(fixed.id, interval=1)
    counts = gi.invocations.outputs(done.id)["counts"]
    assert counts.state == "ok"
    assert gi.datasets.text(counts.id).splitlines()[1].startswith("0\t")


def test_rerun_replaces_a_parameter_by_label_with_its_type_checked(gi, runs):
    # any state will do: a rerun repeats the request, whether the run is going, over or cancelled
    with pytest.raises(InputLabelError, match="no input labelled 'secs'"):
        gi.invocations.rerun(runs["long"].id, replace={"secs": 1})
    shorter = gi.invocations.rerun(runs["long"].id, replace={"  seconds ": "1"})  # text, label loosely
    req = gi.invocations.request(shorter.id)
    assert (
        req["inputs"]["seconds"] == 1
        and req["inputs"]["table"] == gi.invocations.request(runs["long"].id)["inputs"]["table"]
    )
    gi.invocations.cancel(shorter.id)  # its job is not needed


def test_request_of_a_wrong_id_is_an_error_about_the_id(gi):
    with pytest.raises(BadRequestError, match="unable to decode"):
        gi.invocations.request("f" * 16)
    with (
        scripted(
            ("json", 404, {"detail": "Not Found"}), ("json", 404, {"err_msg": "No such invocation"})
        ) as s,
        pytest.raises(NotFoundError, match="No such invocation"),
    ):  # not "Galaxy too old"
        Galaxy(s.url, api_key="k" * 32).invocations.request("1234567890abcdef")


def test_request_on_a_server_before_24_2_names_the_version():
    """A scripted old Galaxy: the route is missing (404) though the invocation exists."""
    with scripted(
        ("json", 404, {"detail": "Not Found"}),
        ("json", 200, {"id": "1234567890abcdef", "state": "scheduled"}),
        ("json", 200, {"version_major": "24.1", "version_minor": "3"}),
    ) as script:
        gi = Galaxy(script.url, api_key="k" * 32)
        with pytest.raises(ServerTooOldError, match=r"needs Galaxy 24\.2 or newer.*is Galaxy 24\.1\.3"):
            gi.invocations.rerun("1234567890abcdef")
        assert [p.split("?")[0] for _, p, _ in script.seen] == [
            "/api/invocations/1234567890abcdef/request",
            "/api/invocations/1234567890abcdef",
            "/api/version",
        ]
        assert all(m == "GET" for m, _, _ in script.seen)  # nothing was invoked


def test_rerun_carries_the_step_parameters_over(gi, demo_workflows, history, uploaded):
    """A run with a tool parameter set at run time (sort.reverse) is rerun with it."""
    wf = demo_workflows["sort_and_head"]
    first = gi.workflows.invoke(
        wf, {"table": uploaded.table, "lines": 2}, params={"sort": {"reverse": True}}, history=history
    )
    params = gi.invocations.request(first.id)["parameters"]
    again = gi.invocations.rerun(first.id)
    assert gi.invocations.request(again.id)["parameters"] == params and params
    tops = [
        gi.datasets.text(gi.invocations.outputs(gi.invocations.wait(i.id, interval=1).id)["top"].id)
        for i in (first, again)
    ]
    assert tops[0] == tops[1] == "#name\tvalue\tgroup\ngamma\t5\ta\n"  # reversed: gamma first
