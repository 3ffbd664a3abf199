"""Tools, workflows, invocations and jobs against the real Galaxy.

Everything that runs jobs is launched by one module fixture, so the ~15 jobs run concurrently;
the tests then wait on what they check.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from galaxy_widgets import convert
from galaxy_widgets.errors import GalaxyError, InvocationFailedError, JobFailedError, WaitTimeoutError
from galaxy_widgets.records import Collection, Dataset, Invocation, Workflow

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def extra_workflows(gi):
    return {p.name.split(".")[0]: gi.workflows.import_(p) for p in sorted(DATA.glob("*.gxwf.yml"))}


@pytest.fixture(scope="module")
def launched(gi, history, uploaded, demo_workflows, extra_workflows):
    """Start every job of this module at once."""
    table, samples = uploaded.table, uploaded.samples
    return {
        "mapped": gi.tools.run("gw_sort", history.id, {"input1": samples, "reverse": True}),
        "failed_tool": gi.tools.run("gw_fail", history.id, {"input1": table, "message": "tool test"}),
        "stats": gi.workflows.invoke(
            demo_workflows["samples_stats"],
            {"samples": samples, "column": 2},
            params={"sort": {"reverse": True}},
            history=history,
        ),
        "head": gi.workflows.invoke(
            demo_workflows["sort_and_head"],
            {"table": table, "lines": 2},
            new_history_name="gw-tests new history",
        ),
        "nested": gi.workflows.invoke(extra_workflows["nested"], {"table": table}, history=history.id),
        "failing": gi.workflows.invoke(extra_workflows["failing"], {"table": table}, history=history.id),
    }


def test_tool_search_and_inputs(gi):
    found = gi.tools.list("sort lines")
    assert "gw_sort" in [t.id for t in found]
    tool = gi.tools.show("gw_head")
    assert tool.name == "First lines"
    lines = next(i for i in tool.inputs if i.name == "lines")
    assert (lines.type, str(lines.default)) == ("integer", "5")
    assert next(i for i in tool.inputs if i.name == "input1").type == "data"
    assert "lines (integer)" in tool._repr_html_()


def test_run_tool_by_name(gi, history, uploaded):
    run = gi.tools.run("gw_head", history.id, {"input1": uploaded.table, "lines": 3})
    assert len(run.jobs) == 1
    done = gi.tools.wait(run)
    assert done.jobs[0].state == "ok"
    assert gi.datasets.text(done.output.id) == "#name\tvalue\tgroup\ndelta\t2\tb\ngamma\t5\ta\n"


def test_map_tool_over_collection(gi, launched):
    run = launched["mapped"]
    assert len(run.jobs) == 3  # one job per element
    done = gi.tools.wait(run)
    out = done.output
    assert isinstance(out, Collection) and [e.identifier for e in out.elements] == ["s1", "s2", "s3"]
    assert gi.datasets.text(out.elements[1].object.id) == "#id\tcount\nr3\t9\nr2\t5\nr1\t7\n"


def test_failed_job_has_stderr(gi, launched):
    run = launched["failed_tool"]
    with pytest.raises(JobFailedError, match="fails on purpose \\(tool test\\)") as info:
        gi.tools.wait(run)
    job = info.value.job
    assert job.state == "error" and job.exit_code == 3
    assert "fails on purpose" in gi.jobs.show(job.id).stderr
    with pytest.raises(JobFailedError, match="fails on purpose"):
        gi.datasets.wait(run.outputs[0].id)


def test_workflow_list_show_inputs_by_label(gi, demo_workflows):
    wf = gi.workflows.show(demo_workflows["samples_stats"].id)
    assert isinstance(wf, Workflow)
    samples, column = wf.input("samples"), wf.input("column")
    assert (samples.type, samples.collection_type) == ("data_collection_input", "list")
    assert (column.type, column.parameter_type, column.default, column.optional) == (
        "parameter_input",
        "integer",
        2,
        True,
    )
    with pytest.raises(KeyError, match="no input labelled 'nope'.*'samples'"):
        wf.input("nope")
    assert wf.id in [w.id for w in gi.workflows.list("collection stats")]


def test_workflow_get_by_name_is_the_newest_of_that_name(gi, demo_workflows):
    import secrets

    from galaxy_widgets.api.workflows import AmbiguousNameWarning

    name = f"gw-test get {secrets.token_hex(3)}"
    ga = gi.get(f"workflows/{demo_workflows['samples_stats'].id}/download", params={"style": "ga"})
    older = gi.workflows.import_(ga, name=name)
    assert gi.workflows.get(name).id == older.id
    newer = gi.workflows.import_(ga, name=name)
    with pytest.warns(AmbiguousNameWarning, match=older.id):
        assert gi.workflows.get(name).id == newer.id
    for w in (older, newer):
        gi.workflows.delete(w.id)


def test_import_ga_dict_roundtrip(gi, demo_workflows):
    ga = gi.get(f"workflows/{demo_workflows['sort_and_head'].id}/download", params={"style": "ga"})
    assert ga["a_galaxy_workflow"] == "true"
    copy = gi.workflows.import_(ga, name="gw-test imported ga")
    assert copy.name == "gw-test imported ga"
    assert [i.label for i in copy.inputs] == ["table", "lines"]
    # its own name: never a second workflow named like a demo one, even for a moment
    text_copy = gi.workflows.import_(json.dumps(ga), name="gw-test imported ga text")
    assert text_copy.name == "gw-test imported ga text"
    assert [i.label for i in text_copy.inputs] == ["table", "lines"]
    for wf in (copy, text_copy):
        gi.workflows.delete(wf.id)


def test_invoke_errors_are_clear(gi, history, demo_workflows, uploaded):
    wf = demo_workflows["sort_and_head"]
    with pytest.raises(GalaxyError, match="no input labelled 'tabel'.*'table'"):
        gi.workflows.invoke(wf, {"tabel": uploaded.table}, history=history)
    with pytest.raises(GalaxyError, match="needs input\\(s\\): 'table'"):
        gi.workflows.invoke(wf, {}, history=history)
    with pytest.raises(GalaxyError, match="no step 'nope'"):
        gi.workflows.invoke(wf, {"table": uploaded.table}, params={"nope": {"x": 1}}, history=history)


def test_invoke_collection_input_wait_outputs_by_label(gi, launched):
    inv = launched["stats"]
    assert isinstance(inv, Invocation)
    snapshots = []
    done = gi.invocations.wait(inv.id, progress=snapshots.append)
    assert done.state in ("scheduled", "completed")
    last = snapshots[-1]
    assert last.done and last.states == {"ok": 6} and last.finished_jobs == 6
    assert [s.label for s in last.steps] == ["samples", "column", "sort", "stats"]
    assert last.steps[2].states == {"ok": 3} and last.steps[3].states == {"ok": 3}
    outputs = gi.invocations.outputs(inv.id)
    assert set(outputs) == {"sorted", "stats"}
    stats = convert.load(gi, outputs["stats"])
    assert {k: v["sum"].tolist() for k, v in stats.items()} == {"s1": [30], "s2": [21], "s3": [1]}
    # the step parameter set by label took effect: reverse sort
    sorted_s2 = convert.load(gi, outputs["sorted"], as_="text")["s2"]
    assert sorted_s2 == "#id\tcount\nr3\t9\nr2\t5\nr1\t7\n"
    summary = gi.invocations.jobs_summary(inv.id)
    assert summary["states"] == {"ok": 6}


def test_invoke_into_new_history_with_parameter(gi, launched, history):
    inv = gi.invocations.wait(launched["head"].id)
    assert inv.history_id != history.id
    assert gi.histories.show(inv.history_id).name == "gw-tests new history"
    top = gi.invocations.outputs(inv.id)["top"]
    assert isinstance(top, Dataset)
    assert gi.datasets.text(top.id) == "#name\tvalue\tgroup\nalpha\t3\ta\n"  # header + 1 = 2 lines


def test_use_cached_job(gi, launched, demo_workflows, uploaded):
    first = gi.invocations.wait(launched["head"].id)
    again = gi.workflows.invoke(
        demo_workflows["sort_and_head"],
        {"table": uploaded.table, "lines": 2},
        history=first.history_id,
        use_cached_job=True,
    )
    again = gi.invocations.wait(again.id)
    a, b = gi.invocations.outputs(first.id)["top"], gi.invocations.outputs(again.id)["top"]
    assert a.id != b.id
    assert gi.datasets.text(a.id) == gi.datasets.text(b.id) == "#name\tvalue\tgroup\nalpha\t3\ta\n"


def test_wait_follows_subworkflow(gi, launched):
    inv = launched["nested"]
    snaps = []
    gi.invocations.wait(inv.id, progress=snaps.append)
    last = snaps[-1]
    inner = next(s for s in last.steps if s.subworkflow_invocation_id)
    assert inner.label == "inner" and inner.states == {"ok": 2}
    assert last.states == {"ok": 2} and len(last.subinvocations) == 1
    top = gi.invocations.outputs(inv.id)["top"]
    assert gi.datasets.text(top.id) == "#name\tvalue\tgroup\nalpha\t3\ta\n"


def test_wait_fails_fast_with_stderr(gi, launched):
    with pytest.raises(InvocationFailedError, match="planned failure") as info:
        gi.invocations.wait(launched["failing"].id)
    assert info.value.job.tool_id == "gw_fail"
    assert info.value.invocation.id == launched["failing"].id


def test_wait_timeout(gi, history, uploaded):
    run = gi.tools.run("gw_head", history.id, {"input1": uploaded.text, "lines": 1})
    with pytest.raises(WaitTimeoutError, match="goes on in Galaxy"):
        gi.jobs.wait(run.jobs[0].id, timeout=0.1)
    assert gi.jobs.wait(run.jobs[0].id).state == "ok"


def test_invocation_listing_and_repr(gi, launched):
    inv = gi.invocations.wait(launched["stats"].id)
    assert inv.id in [i.id for i in gi.invocations.list(workflow_id=inv.workflow_id)]
    html = gi.invocations.show(inv.id)._repr_html_()
    assert "sort: scheduled" in html
    jobs = gi.jobs.list(history_id=inv.history_id)
    assert jobs and all(j.history_id == inv.history_id for j in jobs if j.history_id)
