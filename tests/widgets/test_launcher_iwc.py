"""Issue 14: the launcher on IWC-style workflows: help, validators, choices computed from connected
tools, suggestions; pickers filtered by collection type (map-over included) and by Galaxy's datatype
hierarchy; what a control shows is what Python sends; a workflow with missing tools cannot run."""

from __future__ import annotations

import pytest

from galaxy_widgets.errors import GalaxyError
from galaxy_widgets.widgets import WorkflowLauncher
from tests.data.iwc_workflows import (
    MISSING,
    RANGE_MESSAGE,
    REGEX_MESSAGE,
    import_patterns,
    list_paired,
    post,
)

PAIRED_INPUT = """
class: GalaxyWorkflow
label: gw-iwc one paired input
inputs:
  "reads pair":
    type: collection
    collection_type: paired
outputs: {}
steps: {}
"""


@pytest.fixture(scope="module")
def patterns(gi):
    return import_patterns(gi)


@pytest.fixture(scope="module")
def pairs(gi, uploaded):
    return list_paired(gi, uploaded.history_id, uploaded.pair, name="gw-iwc pairs")


def _rows(picker):
    picker.refresh()
    return {r["id"]: r for r in picker.widget.rows}


def test_params_show_help_validators_choices_and_suggestions(gi, history, patterns):
    launcher = WorkflowLauncher(gi, patterns, history=history)
    params = {p["label"]: p for p in launcher.form.params}
    assert params["MGnify's sample"]["help"] == "The sample name."
    assert params["MGnify's sample"]["hint"] == REGEX_MESSAGE
    assert params["Adjusted p-value: cutoff"]["hint"] == RANGE_MESSAGE
    assert params["Adjusted p-value: cutoff"]["value"] == 0.05
    # restrictOnConnections: the choices Galaxy computes from sort1's `order` select
    assert params["sort order"]["kind"] == "select" and params["sort order"]["options"] == ["DESC", "ASC"]
    # suggestions are suggestions: free text, with a list offered
    assert params["genome"]["kind"] == "text" and params["genome"]["suggestions"] == ["hg38", "mm10"]
    # what the control shows is what Python sends: an unticked box is False, a select starts unset
    assert params["keep header"]["kind"] == "boolean" and params["keep header"]["value"] is False
    assert params["sort order"]["value"] is None
    launcher.close()


def test_pickers_filter_by_datatype_hierarchy_and_collection_type(gi, history, uploaded, patterns, pairs):
    launcher = WorkflowLauncher(gi, patterns, history=history)
    table = launcher.pickers["table "]
    rows = _rows(table)
    accepted = gi.workflows.accepted_extensions(["txt"])
    assert "tabular" in accepted and "csv" in accepted and "txt" in accepted
    # a tabular, a csv and a json dataset are all text: Galaxy accepts them for a txt input
    assert {uploaded.table.id, uploaded.csv.id, uploaded.text.id, uploaded.json.id} <= set(rows)
    assert all(r["extension"] in accepted for r in rows.values())
    reads = _rows(launcher.pickers["Collection paired FASTQ files"])
    assert pairs.id in reads
    assert uploaded.samples.id not in reads and uploaded.pair.id not in reads  # list, paired
    # plan() refuses what the picker would not offer
    launcher.pickers["Collection paired FASTQ files"].value = [uploaded.samples]
    with pytest.raises(GalaxyError, match="takes a list:paired collection"):
        launcher.plan()
    launcher.close()
    paired = WorkflowLauncher(gi, post(gi, {"yaml_content": PAIRED_INPUT}), history=history)
    offered = _rows(paired.pickers["reads pair"])
    assert pairs.id in offered and uploaded.pair.id in offered  # a list:paired maps over a paired input
    assert uploaded.samples.id not in offered
    paired.close()


def test_values_checked_and_sent_as_shown(
    gi, history, uploaded, patterns, pairs, browser_sets, browser_sends
):
    launcher = WorkflowLauncher(gi, patterns, history=history)
    browser_sets(launcher.pickers["Collection paired FASTQ files"].widget, selected=[pairs.type_id])
    browser_sets(launcher.pickers["table "].widget, selected=[uploaded.table.type_id])
    assert not launcher.form.ready and launcher.form.summary == """Give a value for "MGnify's sample"."""
    browser_sets(launcher.form, values={"MGnify's sample": "s1"})
    assert launcher.form.summary == "Choose a value for 'sort order'."
    browser_sets(launcher.form, values={"MGnify's sample": "two words", "sort order": "ASC"})
    assert REGEX_MESSAGE in launcher.form.summary and not launcher.form.ready
    values = {"MGnify's sample": "s1", "sort order": "ASC", "Adjusted p-value: cutoff": 1.5}
    browser_sets(launcher.form, values=values)
    assert RANGE_MESSAGE in launcher.form.summary and not launcher.form.ready
    browser_sets(launcher.form, values={**values, "Adjusted p-value: cutoff": 0.2, "genome": "hg19"})
    assert launcher.form.ready, launcher.form.summary
    (plan,) = launcher.plan()
    assert plan["keep header"] is False  # the unticked box, as shown
    assert plan["genome"] == "hg19"  # not a suggestion: free text is allowed
    browser_sends(launcher.form, {"action": "run"})
    assert not launcher.form.error, launcher.form.error
    inv_id = launcher.monitors[0].widget.invocation_id
    sent = gi.get(f"invocations/{inv_id}")["input_step_parameters"]
    got = {v["label"]: v["parameter_value"] for v in sent.values()}
    assert got["keep header"] is False and got["sort order"] == "ASC" and got["genome"] == "hg19"
    assert got["Adjusted p-value: cutoff"] == 0.2
    launcher.close()


def test_missing_tools_disable_run_and_are_listed(gi, history):
    wf = post(gi, {"yaml_content": MISSING})
    launcher = WorkflowLauncher(gi, wf, history=history)
    assert "2 tool(s) are not installed" in launcher.chooser.error
    assert "repository 'fastp' by iuc" in launcher.chooser.error
    assert "repository 'fastqc' by devteam" in launcher.chooser.error
    assert not launcher.form.ready and "cannot run here" in launcher.form.summary
    with pytest.raises(GalaxyError, match="cannot run here"):
        launcher.run()
    assert gi.get(f"workflows/{wf.id}/invocations") == []
    launcher.close()
