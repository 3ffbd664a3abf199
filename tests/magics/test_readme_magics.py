"""README promises of the magics that had no test (issue 15 audit), on the real Galaxy."""

from __future__ import annotations

import pandas as pd
import pytest

from galaxy_widgets.records import Collection
from galaxy_widgets.widgets.sidebar import SidePanel


@pytest.fixture(scope="module")
def own_history(gi):
    """A history of this module's own: these tests add and edit datasets in it."""
    return gi.histories.create("gw-tests magics readme promises")


# Copies of the uploads in a history of this module's own: the folder's shared copy also gets other
# tests' items (a json named 'params', ...), which a filter would then match too.
@pytest.fixture(scope="module")
def uploaded(uploaded, gi, copy_uploaded_to):
    return copy_uploaded_to(gi, uploaded, "gw-tests magics readme uploads")[1]


@pytest.fixture
def on_own(ip, connect_to, own_history):
    return connect_to(ip, own_history.id)


# README L176: upload ... --collection paired NAME
def test_upload_two_files_as_a_paired_collection(on_own, gi, tmp_path):
    (tmp_path / "fwd.txt").write_text("AAAA\n")
    (tmp_path / "rev.txt").write_text("TTTT\n")
    coll = on_own.run(f"%galaxy upload {tmp_path}/fwd.txt {tmp_path}/rev.txt --collection paired pe --wait")
    assert isinstance(coll, Collection)
    server = gi.get(f"dataset_collections/{coll.id}")
    assert (server["name"], server["collection_type"]) == ("pe", "paired")
    texts = {e["element_identifier"]: gi.datasets.text(e["object"]["id"]) for e in server["elements"]}
    assert texts == {"forward": "AAAA\n", "reverse": "TTTT\n"}
    assert on_own.run(f"%galaxy get {coll.hid}") == {"forward": "AAAA\n", "reverse": "TTTT\n"}


# README L177: edit ITEM --ext E
def test_edit_ext_changes_the_datatype_in_galaxy(on_own, gi):
    ds = on_own.run("%galaxy put \"'#k\\tv\\nx\\t7\\ny\\t9\\n'\" --name kv --ext txt --wait")
    assert gi.get(f"datasets/{ds.id}")["extension"] == "txt"
    assert on_own.run(f"%galaxy get #{ds.hid}") == "#k\tv\nx\t7\ny\t9\n"  # text while it is txt
    on_own.run_cell(f"%galaxy edit #{ds.hid} --ext tabular")
    assert gi.get(f"datasets/{ds.id}")["extension"] == "tabular"
    frame = on_own.run(f"%galaxy get #{ds.hid}")  # now a table
    assert isinstance(frame, pd.DataFrame)
    assert frame.values.tolist() == [["x", 7], ["y", 9]]


# README L188: panel [HISTORY] [--filter F]
def test_panel_takes_a_history_and_a_filter(on_own, uploaded, own_history):
    panel = on_own.run(f"%galaxy panel {uploaded.history_id} --filter extension:json")
    try:
        assert isinstance(panel, SidePanel)
        assert panel.browser.history_id == uploaded.history_id != own_history.id
        assert [r["name"] for r in panel.browser.rows] == ["data.json"]
        assert panel.browser.widget.total == 1
    finally:
        panel.close()


# README L184: rerun ... --history H | --new-history N
def test_rerun_into_another_or_a_new_history(on_own, gi, uploaded, demo_workflows, own_history):
    wf = demo_workflows["sort_and_head"]
    on_own.run_cell(f"%galaxy use {uploaded.history_id}")
    on_own.run_cell(f"res = %galaxy run {wf.id} table=#{uploaded.table.hid} lines=2")
    first = gi.invocations.show(on_own.user_ns["res"].provenance["invocation_id"])
    assert first.history_id == uploaded.history_id
    name = f"gw-tests rerun {first.id[:8]}"
    on_own.run_cell(f'%galaxy rerun res --cached --no-wait --new-history "{name}" -o elsewhere')
    elsewhere = on_own.user_ns["elsewhere"]
    assert elsewhere.id != first.id and gi.histories.show(elsewhere.history_id).name == name
    on_own.run_cell(f"%galaxy rerun res --cached --no-wait --history {own_history.id} -o here")
    assert on_own.user_ns["here"].history_id == own_history.id
    for inv in (elsewhere, on_own.user_ns["here"]):
        top = gi.invocations.outputs(gi.invocations.wait(inv.id, timeout=600).id)["top"]
        assert gi.datasets.text(top.id) == "#name\tvalue\tgroup\nalpha\t3\ta\n"  # header + 1 line
