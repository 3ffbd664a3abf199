"""get, put, upload: values that land in the notebook namespace, checked against Galaxy."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.error import UsageError

from galaxy_widgets.magics.display import PROVENANCE_KEY


def test_get_table_returns_a_dataframe(connected, uploaded, gi):
    df = connected.run(f"%galaxy get {uploaded.table.hid}")
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["name", "value", "group"]
    lines = gi.datasets.text(uploaded.table.id).splitlines()[1:]
    assert df.values.tolist() == [[n, int(v), g] for n, v, g in (x.split("\t") for x in lines)]


def test_assign_and_out_var(connected, uploaded):
    connected.run_cell(f"df = %galaxy get #{uploaded.table.hid}")
    assert isinstance(connected.user_ns["df"], pd.DataFrame)
    assert connected.run(f"%galaxy get {uploaded.table.hid} -o table") is None
    pd.testing.assert_frame_equal(connected.user_ns["table"], connected.user_ns["df"])


def test_get_by_kind(connected, uploaded, gi):
    assert connected.run(f"%galaxy get {uploaded.json.hid}") == {"a": 1, "b": [1, 2]}
    assert connected.run(f"%galaxy get {uploaded.text.hid}") == gi.datasets.text(uploaded.text.id)
    csv = connected.run(f"%galaxy get #{uploaded.csv.hid}")
    assert list(csv.columns) == ["x", "y"] and csv.values.tolist() == [[1, 2], [3, 4]]
    text = connected.run(f"%galaxy get {uploaded.table.hid} --as text")
    assert text == gi.datasets.text(uploaded.table.id)
    path = connected.run(f"%galaxy get {uploaded.table.hid} --as path")
    assert path.read_text() == text
    raw = connected.run(f"%galaxy get {uploaded.json.hid} --as bytes")
    assert raw == gi.datasets.content(uploaded.json.id)


def test_get_collections_as_dicts(connected, uploaded, gi):
    samples = connected.run("%galaxy get name:samples")
    assert list(samples) == ["s1", "s2", "s3"]
    for el in uploaded.samples.elements:
        frame = samples[el.identifier]
        assert list(frame.columns) == ["id", "count"]
        assert len(frame) == len(gi.datasets.text(el.object.id).splitlines()) - 1
    pair = connected.run(f"%galaxy get {uploaded.pair.hid}")
    assert pair == {"forward": "ACGT\n", "reverse": "TGCA\n"}


def test_get_from_a_variable_holding_a_record(connected, uploaded):
    connected.push({"ds": uploaded.json})
    assert connected.run("%galaxy get ds") == {"a": 1, "b": [1, 2]}


def test_autopandas_off_gives_text(connected, uploaded, gi):
    connected.run_cell("%config GalaxyMagics.autopandas = False")
    assert connected.run(f"%galaxy get {uploaded.table.hid}") == gi.datasets.text(uploaded.table.id)
    samples = connected.run(f"%galaxy get {uploaded.samples.hid}")
    assert all(isinstance(v, str) for v in samples.values()) and list(samples) == ["s1", "s2", "s3"]
    assert isinstance(connected.run(f"%galaxy get {uploaded.table.hid} --as df"), pd.DataFrame)


def test_max_bytes(connected, uploaded):
    connected.run_cell("%config GalaxyMagics.max_bytes = 10")
    with pytest.raises(UsageError, match="over the in-memory limit of 10; load it as a path"):
        connected.run_cell(f"%galaxy get {uploaded.table.hid}")
    assert connected.run(f"%galaxy get {uploaded.table.hid} --as path").is_file()


def test_get_uses_the_cache(connected, magics, uploaded, tmp_path, monkeypatch):
    connected.run_cell(f"%config GalaxyMagics.cache_dir = {str(tmp_path)!r}")
    calls = []
    real = magics.gi.datasets.download

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(magics.gi.datasets, "download", counting)
    first = connected.run(f"%galaxy get {uploaded.table.hid}")
    second = connected.run(f"%galaxy get {uploaded.table.hid}")
    pd.testing.assert_frame_equal(first, second)
    assert len(calls) == 1
    assert list(tmp_path.rglob(f"{uploaded.table.id}/*.tabular"))


def test_get_records_provenance(connected, magics, uploaded, published, galaxy_server, capsys):
    connected.run_cell(f"x = %galaxy get {uploaded.table.hid}")
    (rec,) = [m["provenance"] for m in published.metadata(PROVENANCE_KEY)]
    assert rec["server"] == magics.gi.url and rec["history_id"] == uploaded.history_id
    assert rec["id"] == uploaded.table.id and rec["hid"] == uploaded.table.hid
    assert rec["update_time"] == magics.gi.datasets.show(uploaded.table.id).update_time
    assert rec["job_id"] == magics.gi.datasets.show(uploaded.table.id).creating_job
    out = capsys.readouterr().out
    assert f"galaxy: #{uploaded.table.hid} 'table.tsv'" in out
    log = connected.run("%galaxy log --json")
    assert log[-1]["id"] == uploaded.table.id
    table = connected.run("%galaxy log")
    assert table.column("name") == ["table.tsv"]
    assert galaxy_server.api_key not in repr(table) + repr(log) + out
    connected.run_cell("%config GalaxyMagics.show_provenance = False")
    connected.run_cell(f"x = %galaxy get {uploaded.json.hid}")
    assert len(published.metadata(PROVENANCE_KEY)) == 1 and len(magics.log) == 2


def test_put_values_and_read_them_back(connected, tmp_path, uploaded):
    connected.push(
        {
            "params": {"alpha": 0.05, "genes": ["a", "b"]},
            "frame": pd.DataFrame({"gene": ["a", "b", "c"], "count": [3, 1, 2]}),
        }
    )
    path = tmp_path / "notes.md"
    path.write_text("# notes\nfirst\n")
    as_json = connected.run("%galaxy put params")
    cell = connected.run("%%galaxy put --name cell.txt -o cell_ds\nline one\nline two\n")
    from_file = connected.run(f"%galaxy put {path} --ext txt")
    table = connected.run("%galaxy put frame --wait")
    assert cell is None
    assert (as_json.name, table.name, from_file.name) == ("params", "frame", "notes.md")
    assert table.state == "ok" and table.extension == "tabular" and table.history_id == uploaded.history_id
    back = connected.run(f"%galaxy get {table.hid}")
    assert list(back.columns) == ["gene", "count"]
    assert back.values.tolist() == [["a", 3], ["b", 1], ["c", 2]]
    assert connected.run(f"%galaxy get {as_json.hid}") == {"alpha": 0.05, "genes": ["a", "b"]}
    assert connected.run("%galaxy get cell_ds") == "line one\nline two\n"
    assert connected.run(f"%galaxy get #{from_file.hid}") == "# notes\nfirst\n"


def test_put_errors(connected):
    connected.run_cell("def f():\n    return 1\n")
    with pytest.raises(UsageError, match=r"Cannot put a function.*f is a function"):
        connected.run_cell("%galaxy put f")
    with pytest.raises(UsageError, match="neither a variable, an existing file, nor a Python literal"):
        connected.run_cell("%galaxy put no_such_variable")
    with pytest.raises(UsageError, match="Say what to put"):
        connected.run_cell("%galaxy put")
    with pytest.raises(UsageError, match="uploads the cell's text"):
        connected.run_cell("%%galaxy put f\ntext")


def test_upload_files_as_a_list_collection(connected, tmp_path, capsys):
    for name, rows in (("a.tsv", "#k\tv\nx\t1\n"), ("b.tsv", "#k\tv\ny\t2\nz\t3\n")):
        (tmp_path / name).write_text(rows)
    coll = connected.run(f"%galaxy upload {tmp_path}/*.tsv --collection list pairs --ext tabular --wait")
    assert coll.name == "pairs" and coll.collection_type == "list"
    out = capsys.readouterr().out
    assert "Uploading 2 file(s): b.tsv: 100%" in out
    values = connected.run(f"%galaxy get {coll.hid}")
    assert list(values) == ["a", "b"]  # identifiers drop the extension, as Galaxy's list builder does
    assert values["b"].values.tolist() == [["y", 2], ["z", 3]]


def test_upload_errors(connected, tmp_path):
    with pytest.raises(UsageError, match="No files match"):
        connected.run_cell(f"%galaxy upload {tmp_path}/*.nothing")
    with pytest.raises(UsageError, match="No such file"):
        connected.run_cell(f"%galaxy upload {tmp_path}/missing.txt")
    (tmp_path / "one.txt").write_text("x")
    with pytest.raises(UsageError, match="exactly two files"):
        connected.run_cell(f"%galaxy upload {tmp_path}/one.txt --collection paired p")
    with pytest.raises(UsageError, match="list or paired"):
        connected.run_cell(f"%galaxy upload {tmp_path}/one.txt --collection set p")
