"""workflows, workflow, run (single, --no-wait, --over), wait, tools, tool, api.

The slow parts start together: a module fixture launches a failing tool and a batch with
``--no-wait`` (and the notebook test's kernel), so their jobs run while the other tests wait.
"""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from galaxy_widgets.api.batches import Batch
from galaxy_widgets.magics.display import PROVENANCE_KEY
from galaxy_widgets.records import Invocation


def test_workflows_and_workflow(connected, demo_workflows):
    table = connected.run("%galaxy workflows gw-demo")
    assert {w.name for w in demo_workflows.values()} <= set(table.column("name"))
    inputs = connected.run(f'%galaxy workflow "{demo_workflows["sort_and_head"].name}"')
    assert inputs.column("label") == ["table", "lines"]
    assert inputs.column("kind") == ["dataset", "integer"]
    assert inputs.column("default") == [None, 5]
    by_id = connected.run(f"%galaxy workflow {demo_workflows['samples_stats'].id}")
    assert by_id.column("kind") == ["collection (list)", "integer"]


def test_run_waits_with_progress_and_returns_outputs(connected, launched, uploaded, gi, published, capsys):
    wf = launched["workflow"]
    connected.run_cell(
        f'%galaxy run "{wf}" table=#{uploaded.table.hid} lines=2 --param sort.reverse=true -o result'
    )
    result = connected.user_ns["result"]
    assert sorted(result) == ["sorted", "top"]
    # the table is delta, gamma, alpha, beta: reverse-sorted it starts with gamma
    assert result["sorted"].values.tolist() == [
        ["gamma", 5, "a"],
        ["delta", 2, "b"],
        ["beta", 1, "b"],
        ["alpha", 3, "a"],
    ]
    assert list(result["top"].columns) == ["name", "value", "group"]
    assert result["top"].values.tolist() == [["gamma", 5, "a"]]
    out = capsys.readouterr().out
    assert f"{wf} (invocation " in out and " ok" in out  # text progress in a plain shell
    (rec,) = [m["provenance"] for m in published.metadata(PROVENANCE_KEY)]
    inv = gi.invocations.show(rec["invocation_id"])
    assert inv.history_id == uploaded.history_id == rec["history_id"]
    assert rec["outputs"]["top"]["id"] == inv.outputs["top"]


def test_run_no_wait_and_over_give_invocations(launched, uploaded):
    batch = launched["batch"]
    assert isinstance(batch, Batch) and batch.mode == "mapped"
    assert batch.sample_names == ["forward", "reverse"]  # the paired collection's elements
    assert set(batch.invocations.values()) == {batch.invocation_id}  # ONE invocation mapped over both


def test_run_over_filter_text_into_a_new_history(connected, launched, uploaded, gi):
    """--over takes the web UI's filter text; --new-history sends the run to a new history."""
    over = launched["over"]
    assert over.sample_names == ["notes"]  # notes.txt, its extension stripped
    inv = gi.invocations.show(over.invocation_id)
    assert inv.history_id != uploaded.history_id
    assert gi.histories.show(inv.history_id).name == "gw-tests magics over"
    connected.push({"over": over})
    done = connected.run("%galaxy wait over")
    assert done["sample"].tolist() == ["notes"] and done["state"].tolist() == ["ok"]
    assert done["top"].tolist() == ["first line\n"]  # lines=1 of the sorted text
    assert done.attrs["galaxy_batch"] == over.id


def test_wait_on_a_batch_by_variable_and_id(connected, launched, uploaded, gi, magics):
    connected.push({"batch": launched["batch"]})
    done = connected.run("%galaxy wait batch")
    assert done["sample"].tolist() == ["forward", "reverse"]
    assert done["state"].tolist() == ["ok", "ok"]
    assert done["top"].tolist() == ["ACGT\n", "TGCA\n"]  # one line each: sorted and cut, it stays the same
    # provenance: one record per sample, and a summary line
    recs = [r for r in magics.log if r.get("what") == "batch" and r.get("sample")]
    assert sorted(r["sample"] for r in recs[-2:]) == ["forward", "reverse"]
    inv_id = launched["batch"].invocation_id
    assert all(r["invocation_id"] == inv_id and r["server"] == gi.url for r in recs[-2:])
    again = connected.run(f"%galaxy wait {launched['batch'].id}")
    assert again["top"].tolist() == done["top"].tolist()


def test_run_no_wait_then_wait_by_variable_and_id(connected, launched, uploaded, gi):
    inv = launched["inv"]
    assert isinstance(inv, Invocation) and inv.history_id == uploaded.history_id
    connected.push({"inv": inv})
    first = connected.run("%galaxy wait inv")
    assert first["top"] == "first line\n"
    again = connected.run(f"%galaxy wait {inv.id}")
    assert again == first


def test_get_of_a_failed_dataset_shows_stderr(connected, launched):
    (output,) = launched["failrun"].outputs
    with pytest.raises(
        UsageError, match=r"(?s)ended in state error.*gw_fail: this tool fails on purpose \(on-purpose\)"
    ):
        connected.run_cell(f"%galaxy get {output.hid}")


def test_run_usage_errors(connected, demo_workflows, uploaded):
    wf = f'"{demo_workflows["sort_and_head"].name}"'
    stats = f'"{demo_workflows["samples_stats"].name}"'
    cases = [
        (
            f"{wf} tabel=1",
            r"no input labelled 'tabel'. Did you mean 'table'\?.*table \(dataset\), lines \(integer\)",
        ),
        (f"{wf} table=1 lines=many", "Input 'lines': 'many' is not an integer"),
        (f"{stats} samples={uploaded.table.hid}", "takes a collection .*is a dataset"),
        ('"no such workflow" x=1', "No workflow named or with id 'no such workflow'.*`%galaxy workflows`"),
        (
            "gw-demo sort and head table=1",
            "'sort' has no '='. Quote names and labels that hold spaces",
        ),
        (f"{wf} table=1 --param sortreverse=true", "--param takes STEP.NAME=VALUE"),
        (f"{wf} table=1 --param nostep.x=1", "has no step 'nostep'"),
        (f"{wf} table=1 --history a --new-history b", "not both"),
        (f"{wf} table=1 --over 1", "Say which input --over feeds"),
        (f"{wf} --over name:nothing-matches-this", "matches no dataset in the current history"),
        (f"{wf} table=9999", "No item #9999"),
    ]
    for line, message in cases:
        with pytest.raises(UsageError, match=message):
            connected.run_cell(f"%galaxy run {line}")


def test_wait_usage_error(connected):
    connected.run_cell("x = 3")
    with pytest.raises(UsageError, match="'x' is not an invocation: give an invocation id, a `batch-...` id"):
        connected.run_cell("%galaxy wait x")


def test_tools_and_tool(connected, uploaded, gi):
    found = connected.run("%galaxy tools sort")
    assert "gw_sort" in found.column("id")
    inputs = connected.run("%galaxy tool gw_head --help-inputs")
    assert inputs.column("name") == ["input1", "lines"]
    out = connected.run(f"%galaxy tool gw_head input1=#{uploaded.table.hid} lines=2")
    lines = gi.datasets.text(uploaded.table.id).splitlines()
    assert list(out) == ["output1"]
    assert [list(map(str, r)) for r in out["output1"].values.tolist()] == [lines[1].split("\t")]
    unknown = r"Tool gw_head has no input 'line'\. Did you mean 'lines'\? Its inputs: input1, lines\."
    with pytest.raises(UsageError, match=unknown):
        connected.run_cell(f"%galaxy tool gw_head input1={uploaded.table.hid} line=2")
    with pytest.raises(UsageError, match="Give each tool input as NAME=VALUE"):
        connected.run_cell("%galaxy tool gw_head 12")
    with pytest.raises(UsageError, match="Tool no_such_tool"):
        connected.run_cell("%galaxy tool no_such_tool x=1")


def test_api_line_and_cell(connected, gi, uploaded):
    assert connected.run("%galaxy api GET version") == gi.version()
    h = connected.run(f"%galaxy api get histories/{uploaded.history_id}")
    assert h["id"] == uploaded.history_id
    made = connected.run('%galaxy api POST /api/histories \'{"name": "gw-magics api"}\'')
    assert gi.histories.show(made["id"]).name == "gw-magics api"
    connected.run_cell(f'%%galaxy api PUT histories/{made["id"]} -o updated\n{{"annotation": "from a cell"}}')
    assert connected.user_ns["updated"]["annotation"] == "from a cell"
    assert gi.histories.show(made["id"]).raw["annotation"] == "from a cell"
    limited = connected.run("%galaxy api GET histories --param limit=1 --param keys=id")
    assert len(limited) == 1 and set(limited[0]) == {"id"}
    connected.run_cell(f"%galaxy api DELETE histories/{made['id']}")
    assert gi.histories.show(made["id"]).deleted


def test_api_usage_errors(connected):
    with pytest.raises(UsageError, match="not valid JSON"):
        connected.run_cell("%galaxy api POST histories '{name: x}'")
    with pytest.raises(UsageError, match="A GET takes no body"):
        connected.run_cell("%galaxy api GET histories '{}'")
    with pytest.raises(UsageError, match="Unknown method 'FETCH'"):
        connected.run_cell("%galaxy api FETCH histories")
    with pytest.raises(UsageError, match=r"HTTP 404"):
        connected.run_cell("%galaxy api GET no_such_route")


def test_api_never_returns_the_key(connected, galaxy_server, gi):
    user = gi.users.current()
    answer = connected.run(f"%galaxy api GET users/{user.id}/api_key/detailed")
    assert galaxy_server.api_key not in repr(answer)
    assert "<hidden API key>" in repr(answer)
