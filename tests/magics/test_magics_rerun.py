"""`%galaxy cancel` and `%galaxy rerun` against the real Galaxy (issue 13 item 4): cancel by variable,
cancel of a run that is over says so, rerun of a failed run with a fixed input gives its outputs,
--cached reaches Galaxy, and bad input is a UsageError that launches nothing."""

from __future__ import annotations

import re

import pytest
from IPython.core.error import UsageError

from galaxy_widgets.records import Invocation
from tests.data.rerun_workflows import bad_pair, import_workflows, wait_state


@pytest.fixture(scope="module")
def setup(gi, history, uploaded):
    """The two workflows, the bad pair, a count run that fails on it and a quick sleep run."""
    wfs = import_workflows(gi)
    bad = bad_pair(gi, history.id)
    failing = gi.workflows.invoke(wfs["count_pairs"], {"reads": bad}, history=history)
    quick = gi.workflows.invoke(wfs["sleep"], {"table": uploaded.table, "seconds": 0}, history=history)
    return {"wfs": wfs, "bad": bad, "failing": failing, "quick": quick}


@pytest.fixture
def conn(ip, connect_to, history, magics_cache):
    connect_to(ip, history.id)
    ip.run_cell(f"%config GalaxyMagics.cache_dir = {str(magics_cache)!r}")
    return ip


def _count(gi, history) -> int:
    return len(gi.invocations.list(history_id=history.id, limit=100))


def test_cancel_a_running_run_held_in_a_variable(conn, gi, setup, uploaded, capsys):
    wf = setup["wfs"]["sleep"]
    conn.run_cell(f"%galaxy run {wf.id} table=#{uploaded.table.hid} seconds=600 --no-wait -o inv")
    inv = conn.user_ns["inv"]
    assert isinstance(inv, Invocation)
    capsys.readouterr()
    conn.run_cell("%galaxy cancel inv")
    out = capsys.readouterr().out
    assert f"Cancelling invocation {inv.id}" in out and f"`%galaxy rerun {inv.id}`" in out
    assert wait_state(gi, inv.id, {"cancelled"}).state == "cancelled"
    conn.run_cell(f"%galaxy cancel {inv.id}")  # already over: said, not an error, nothing sent
    out = capsys.readouterr().out
    assert f"Invocation {inv.id} was cancelled: nothing to cancel" in out and "gi.invocations" not in out


def test_rerun_of_a_failed_run_with_a_fixed_input_gives_its_outputs(conn, gi, setup, uploaded, capsys):
    failing = setup["failing"]
    with pytest.raises(Exception, match="mates out of step"):
        gi.invocations.wait(failing.id, interval=1)
    conn.run_cell(f"res = %galaxy rerun {failing.id} reads=#{uploaded.pair.hid}")
    out = capsys.readouterr().out
    assert f"Rerun of invocation {failing.id} with reads replaced: invocation " in out
    counts = conn.user_ns["res"]["counts"]
    assert list(counts.columns) == ["pairs", "bases"] and counts.iloc[0].tolist() == [0, 4]
    new_id = re.search(r"with reads replaced: invocation (\w+)\.", out).group(1)
    assert new_id != failing.id and gi.invocations.show(new_id).history_id == failing.history_id


def test_rerun_cached_without_waiting_from_a_variable(conn, gi, setup):
    conn.user_ns["quick"] = setup["quick"]
    conn.run_cell("%galaxy rerun quick --cached --no-wait -o again")
    again = conn.user_ns["again"]
    assert isinstance(again, Invocation) and again.id != setup["quick"].id
    req = gi.invocations.request(again.id)
    assert (
        req["use_cached_job"] is True and req["inputs"] == gi.invocations.request(setup["quick"].id)["inputs"]
    )
    assert gi.invocations.wait(again.id, interval=1).state in ("scheduled", "completed")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%galaxy cancel", r"%galaxy cancel: the following arguments are required: invocation"),
        ("%galaxy cancel not-an-id", r"'not-an-id' is not an invocation: give an invocation id"),
        ("%galaxy cancel number", r"'number' is not an invocation"),
        ("%galaxy rerun {inv} reads", r"'reads' has no '='\. Without any, the run repeats"),
        ("%galaxy rerun {inv} read=#1", r"has no input labelled 'read'\. Did you mean 'reads'\?"),
        ("%galaxy rerun {inv} reads=#99999", r"#99999"),
        ("%galaxy rerun {inv} --history x --new-history y", r"Give --history or --new-history, not both"),
        ("%galaxy rerun {inv} --bogus", r"unrecognized arguments: --bogus"),
        ("%galaxy rerun {sleep_inv} seconds=soon", r"Input 'seconds': 'soon' is not an integer"),
    ],
)
def test_bad_input_is_a_usage_error_and_launches_nothing(conn, gi, history, setup, uploaded, line, message):
    conn.user_ns["number"] = 3
    before = _count(gi, history)
    with pytest.raises(UsageError, match=message):
        conn.run_cell(line.format(inv=setup["failing"].id, sleep_inv=setup["quick"].id))
    assert _count(gi, history) == before


def test_cancel_reads_a_run_result_variable(conn, gi, setup, capsys):
    """A `%galaxy run` result names its invocation in its provenance (results.Outputs)."""
    from galaxy_widgets import results
    quick = gi.invocations.wait(setup["quick"].id, interval=1)
    conn.user_ns["res"] = results.Outputs({}, {}, {"invocation_id": quick.id})
    capsys.readouterr()
    conn.run_cell("%galaxy cancel res")
    assert f"Invocation {quick.id} is over (" in capsys.readouterr().out
    assert gi.invocations.show(quick.id).state == quick.state  # left alone
