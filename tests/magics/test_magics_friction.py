"""What a new user tripped over in a Galaxy-101-style analysis through the magics (issue 11).

One history of this module's own (made with ``%galaxy use --new``). Its uploads start together in a
module fixture, without waiting, so their jobs run while the other tests go on.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import uuid
from typing import Any

import pytest
import yaml
from IPython.core.error import UsageError

from galaxy_widgets.local import DEMO_WORKFLOWS
from galaxy_widgets.records import Collection, Dataset, History

BED = "".join(f"chr1\t{100 * i}\t{100 * i + 50}\tpeak{i}\t{i}\t+\n" for i in range(1, 61))  # > 1 KiB
TABLE = "#gene\tcount\ng1\t3\ng2\t5\n"


def galaxy_magics(shell: Any) -> Any:
    from galaxy_widgets.magics import GalaxyMagics

    return next(c for c in shell.configurables if isinstance(c, GalaxyMagics))


@pytest.fixture(scope="module")
def friction(shell, galaxy_server, gi, tmp_path_factory) -> dict[str, Any]:
    """A fresh history made by `use --new`, and uploads started in it (nobody waits yet):
    a list of tables (identifiers without extensions), the same with --full-names, and a put
    with a genome build."""
    tmp = tmp_path_factory.mktemp("friction")
    for name in ("sample_01.tsv", "sample_02.tsv"):
        (tmp / name).write_text(TABLE)
    (tmp / "peaks.bed").write_text(BED)
    shell.run_cell("%load_ext galaxy_widgets")
    galaxy_magics(shell).set_connection(None)
    shell.run_cell("%galaxy connect")
    name = f"gw-tests friction {uuid.uuid4().hex[:6]}"
    shell.run_cell(f'h = %galaxy use --new "{name}"')
    history = shell.user_ns["h"]
    shell.run_cell(f"%galaxy upload {tmp}/sample_*.tsv --collection list tables -o tables")
    shell.run_cell(f"%galaxy upload {tmp}/sample_*.tsv --collection list full --full-names -o full")
    shell.run_cell("%galaxy put \"'chr1\\t1\\t2\\n'\" --name region.bed --ext bed --dbkey mm10 -o region")
    return {
        "dir": tmp,
        "name": name,
        "history": history,
        **{k: shell.user_ns[k] for k in ("tables", "full", "region")},
    }


@pytest.fixture
def fr(ip, friction, connect_to) -> Any:
    """Connected, with the module's history current."""
    return connect_to(ip, friction["history"].id)


# ---------------------------------------------------------------------------- 8. use --new
def test_use_new_returns_the_history_record(friction, fr, magics, gi):
    h = friction["history"]
    assert isinstance(h, History) and h.name == friction["name"]
    assert gi.histories.show(h.id).name == friction["name"]  # the server has it under that id
    name = f"gw-tests use-o {uuid.uuid4().hex[:6]}"
    assert fr.run(f'%galaxy use --new "{name}" -o other') is None
    other = fr.user_ns["other"]
    assert isinstance(other, History) and gi.histories.show(other.id).name == name
    assert magics.history_id == other.id
    again = fr.run(f"%galaxy use {h.id}")
    assert isinstance(again, History) and again.id == h.id == magics.history_id


# ---------------------------------------------------------------------------- 2, 3, 6, 7
def test_upload_single_file_with_name_dbkey_and_text_progress(friction, fr, gi, published, monkeypatch):
    """upload --name --dbkey; in a kernel the progress is one display with a text/plain line."""
    path = friction["dir"] / "peaks.bed"
    with monkeypatch.context() as mp:
        mp.setattr(fr, "kernel", object(), raising=False)  # what a Jupyter kernel's shell has
        ds = fr.run(f'%galaxy upload {path} --name "gw peaks.bed" --dbkey hg38 --wait')
    assert isinstance(ds, Dataset)
    server = gi.get(f"datasets/{ds.id}")
    assert server["name"] == "gw peaks.bed" and server["genome_build"] == "hg38"
    assert gi.datasets.show(ds.id).dbkey == "hg38"

    bundles = [data for data, _ in published.calls if "text/html" in data]
    assert bundles, "no progress display was published"
    for data in bundles:
        assert data["text/plain"].startswith("Uploading 1 file(s): "), data["text/plain"]
        assert "IPython.core.display" not in data["text/plain"]
    assert any(f"of {len(BED.encode()):,} bytes" in d["text/plain"] for d in bundles)

    view = fr.run(f"%galaxy show #{ds.hid}")
    text = repr(view)
    assert "genome build: hg38" in text
    size = server["file_size"]
    assert size > 1024 and f"size: {size / 1024:.1f} KiB" in text  # 1024-based, labelled KiB


def test_put_dbkey(friction, fr, gi):
    region = gi.datasets.wait(friction["region"].id, timeout=300)
    assert region.state == "ok"
    assert gi.get(f"datasets/{region.id}")["genome_build"] == "mm10"
    assert region.dbkey == "mm10"
    assert "genome build: mm10" in repr(fr.run(f"%galaxy show #{region.hid}"))


def test_list_identifiers_drop_extensions_unless_full_names(friction, fr, gi):
    tables = gi.collections.wait(friction["tables"].id, timeout=300)
    full = gi.collections.wait(friction["full"].id, timeout=300)
    assert isinstance(friction["tables"], Collection)
    server = gi.get(f"histories/{friction['history'].id}/contents/dataset_collections/{tables.id}")
    assert [e["element_identifier"] for e in server["elements"]] == ["sample_01", "sample_02"]
    assert [e.identifier for e in full.elements] == ["sample_01.tsv", "sample_02.tsv"]


def test_upload_name_and_identifier_mistakes(friction, fr):
    d = friction["dir"]
    (d / "sample_01.csv").write_text("a,b\n")
    with pytest.raises(UsageError, match="would be called 'sample_01'; add --full-names"):
        fr.run_cell(f"%galaxy upload {d}/sample_01.tsv {d}/sample_01.csv --collection list x")
    with pytest.raises(UsageError, match="--name names a single uploaded file"):
        fr.run_cell(f"%galaxy upload {d}/sample_01.tsv {d}/sample_02.tsv --name both")


def test_counts_agree_with_ls_and_the_server(friction, fr, gi, capsys):
    """`use`, `status` and `histories` say '13 visible (37 in all)'; `ls` lists the visible ones."""
    gi.collections.wait(friction["tables"].id, timeout=300)  # the lists' elements are hidden items
    hid = friction["history"].id
    capsys.readouterr()
    fr.run_cell(f"%galaxy use {hid}")
    said = capsys.readouterr().out
    visible = fr.run("%galaxy ls").total
    server = gi.get(f"histories/{hid}", params={"keys": "count,contents_active"})
    assert server["count"] > visible  # hidden collection elements exist
    expected = f"{visible} visible ({server['count']} in all)"
    assert server["contents_active"]["active"] == visible
    assert expected in said
    fr.run_cell("%galaxy status")
    assert expected in capsys.readouterr().out
    table = fr.run(f'%galaxy histories "{friction["name"]}"')
    assert table.column("items") == [expected]


# ---------------------------------------------------------------------------- 5. api {var}
def test_api_unexpanded_variable_in_the_path(friction, fr, gi):
    hid = friction["history"].id
    fr.push({"hist_id": hid})
    before = gi.get(f"histories/{hid}")["annotation"]
    with pytest.raises(UsageError, match=r"still holds '\{hist_id\}'.*JSON on the same line.*cell body"):
        fr.run_cell('%galaxy api PUT histories/{hist_id} \'{"annotation": "x"}\'')
    with pytest.raises(UsageError, match=r"still holds '\$hist_id'"):
        fr.run_cell('%galaxy api PUT histories/$hist_id \'{"annotation": "x"}\'')
    with pytest.raises(UsageError, match="no variable 'nope'"):
        fr.run_cell("%galaxy api GET histories/{nope}")
    assert gi.get(f"histories/{hid}")["annotation"] == before  # nothing was sent
    note = f"note {uuid.uuid4().hex[:6]}"
    fr.run_cell(f'%%galaxy api PUT histories/{{hist_id}}\n{{"annotation": "{note}"}}')
    assert gi.get(f"histories/{hid}")["annotation"] == note
    assert fr.run("%galaxy api GET histories/{hist_id}")["id"] == hid  # expanded without JSON


# ---------------------------------------------------------------------------- 1. workflow import
class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path) -> Any:
    """A plain HTTP server on 127.0.0.1 serving ``tmp_path``: (dir, base URL, request headers seen)."""
    seen: list[dict[str, str]] = []

    class Handler(_Files):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def _named(gi, name):
    return [w for w in gi.workflows.list(name) if w.name == name]


def test_workflow_import_reuses_identical_copies(fr, gi, served, galaxy_server, capsys):
    folder, base, seen = served
    name = f"gw-tests import {uuid.uuid4().hex[:6]}"
    doc = yaml.safe_load((DEMO_WORKFLOWS / "sort_and_head.gxwf.yml").read_text())
    doc["label"] = name
    yml = folder / "sort.gxwf.yml"
    yml.write_text(yaml.safe_dump(doc))

    first = fr.run(f"%galaxy workflow import {yml}")
    assert "Imported workflow" in capsys.readouterr().out
    again = fr.run(f"%galaxy workflow import {yml}")
    said = capsys.readouterr().out
    assert "Reusing workflow" in said and "same content" in said
    assert again.id == first.id
    assert [w.id for w in _named(gi, name)] == [first.id]  # no second copy on the server

    # a .ga export carries the workflow's uuid: importing it finds the same workflow
    ga = gi.get(f"workflows/{first.id}/download", params={"style": "ga"})
    ga_path = folder / "sort.ga"
    ga_path.write_text(json.dumps(ga))
    capsys.readouterr()
    by_uuid = fr.run(f"%galaxy workflow import {ga_path} -o wf")
    assert by_uuid is None and fr.user_ns["wf"].id == first.id
    assert "same uuid" in capsys.readouterr().out

    # by URL (fetched without the API key), then again: one copy
    ga.pop("uuid")
    ga["name"] = f"{name} from url"
    (folder / "url.ga").write_text(json.dumps(ga))
    from_url = fr.run(f"%galaxy workflow import {base}/url.ga")
    assert from_url.name == f"{name} from url" and {i.label for i in from_url.inputs} == {"table", "lines"}
    assert fr.run(f"%galaxy workflow import {base}/url.ga").id == from_url.id
    assert len(_named(gi, f"{name} from url")) == 1
    assert seen and all(galaxy_server.api_key not in json.dumps(h) for h in seen)

    # --new makes a second copy on purpose
    copy = fr.run(f"%galaxy workflow import {yml} --new")
    assert copy.id != first.id and len(_named(gi, name)) == 2
    for wf in (first, from_url, copy):
        gi.workflows.delete(wf.id)


def test_workflow_import_mistakes(fr, tmp_path):
    with pytest.raises(UsageError, match="No workflow file at"):
        fr.run_cell(f"%galaxy workflow import {tmp_path}/nothing.ga")
    bad = tmp_path / "notes.yml"
    bad.write_text("just: a mapping\n")
    with pytest.raises(UsageError, match="is not a Galaxy workflow"):
        fr.run_cell(f"%galaxy workflow import {bad}")
    with pytest.raises(UsageError, match="Could not fetch the workflow from http://127.0.0.1:9/x.ga"):
        fr.run_cell("%galaxy workflow import http://127.0.0.1:9/x.ga")


def test_run_by_name_says_which_of_several_it_chose(friction, fr, gi, capsys, tmp_path):
    name = f"gw-tests twins {uuid.uuid4().hex[:6]}"
    doc = yaml.safe_load((DEMO_WORKFLOWS / "sort_and_head.gxwf.yml").read_text())
    doc["label"] = name
    path = tmp_path / "twin.gxwf.yml"
    path.write_text(yaml.safe_dump(doc))
    older = fr.run(f"%galaxy workflow import {path}")
    newer = fr.run(f"%galaxy workflow import {path} --new")
    table = gi.datasets.wait(fr.run("%galaxy ls name:region.bed").items[0].id, timeout=300)
    capsys.readouterr()
    inv = fr.run(f'%galaxy run "{name}" table=#{table.hid} lines=1 --no-wait')
    out = capsys.readouterr().out
    assert re.search(rf"Note: 2 workflows are named '{name}'; using the newest, {newer.id} \(updated ", out)
    assert older.id in out  # how to pick the other one
    stored = gi.get(f"workflows/{inv.workflow_id}", params={"instance": True})
    assert stored["id"] == newer.id  # it did run the newest
    # by id: exact, no note
    inv2 = fr.run(f"%galaxy run {older.id} table=#{table.hid} lines=1 --no-wait")
    assert "Note:" not in capsys.readouterr().out
    assert gi.get(f"workflows/{inv2.workflow_id}", params={"instance": True})["id"] == older.id
    # the two runs go on in the module's own history; nothing waits for them


# ---------------------------------------------------------------------------- 6. a real kernel
def test_progress_in_a_saved_notebook_is_readable_text(magics_notebook):
    """`jupyter execute`/nbconvert keep text/plain: the run's progress must be a line, not a repr."""
    nb = magics_notebook.result()
    for cell in nb.cells:
        for out in cell.outputs:
            plain = (out.get("data") or {}).get("text/plain", "")
            assert not plain.startswith("<IPython.core.display"), (cell.source, plain)
    run_cell = next(c for c in nb.cells if "%galaxy run" in c.source)
    lines = [o["data"]["text/plain"] for o in run_cell.outputs if "text/html" in (o.get("data") or {})]
    assert any("(invocation " in x and "done" in x for x in lines), lines


def test_help_lists_workflow_import(ip, capsys):
    ip.run_cell("%galaxy --help")
    assert re.search(r"^  workflow import +import a workflow", capsys.readouterr().out, re.M)
    with pytest.raises(UsageError, match="Unknown subcommand 'import'.*workflow import"):
        ip.run_cell("%galaxy import x.ga")


def test_sizes_use_iec_units():
    from galaxy_widgets.records import nice_size

    assert [nice_size(n) for n in (None, 512, 1536, 5 * 1024**2)] == ["", "512 B", "1.5 KiB", "5.0 MiB"]


# ---------------------------------------------------------------------------- 4. results keep records
UNSORTED = "#gene\tcount\ng3\t1\ng1\t3\ng2\t5\n"


def test_run_and_tool_results_keep_their_records_for_get_show_put(fr, gi, demo_workflows, magics):
    """`res = %galaxy run` maps labels to values AND keeps each output's record and provenance;
    get/show/put/tool take res["label"]; a variable holding something else is never read as a name."""
    from galaxy_widgets.results import Outputs

    ip = fr
    ip.run_cell(f'%galaxy use --new "gw-tests results {uuid.uuid4().hex[:6]}"')
    ip.run_cell(f'%galaxy put "{UNSORTED!r}" --name unsorted.tsv --ext tabular --wait -o unsorted')
    wf = demo_workflows["sort_and_head"]
    res = ip.run(f'res = %galaxy run "{wf.name}" table=unsorted lines=2\nres')

    assert isinstance(res, Outputs) and isinstance(res, dict)
    assert sorted(res) == ["sorted", "top"] == sorted(res.records)
    invocation = gi.get(f"invocations/{res.provenance['invocation_id']}")  # Galaxy's own answer
    assert {k: v["id"] for k, v in invocation["outputs"].items()} == {k: r.id for k, r in res.records.items()}
    assert res.provenance["history_id"] == invocation["history_id"] == ip.user_ns["unsorted"].history_id

    # get and show find the dataset behind a value; nested keys reach into collections too
    top_id = invocation["outputs"]["top"]["id"]
    assert ip.run('%galaxy show res["top"]').item.id == top_id
    again = ip.run("%galaxy get res['top']")
    assert type(again) is type(res["top"]) and str(again) == str(res["top"])
    assert magics.log[-1]["id"] == top_id and magics.log[-1]["what"] == "get"

    # a tool takes res["label"] as its input, and its result keeps records too
    t = ip.run('t = %galaxy tool gw_head input1=res["sorted"] lines=1\nt')
    assert isinstance(t, Outputs)
    job_inputs = gi.get(f"jobs/{t.provenance['job_id']}")["inputs"]
    assert job_inputs["input1"]["id"] == invocation["outputs"]["sorted"]["id"]
    assert sorted(t.records) == ["output1"]

    # put sends a value back under its label, as the datatype it was read as, and says where from
    new = ip.run('%galaxy put res["top"] --wait')
    source = res.records["top"]
    assert new.name == "top" and new.id != source.id
    assert gi.get(f"datasets/{new.id}")["extension"] == source.extension
    assert magics.log[-1]["made_from"]["id"] == source.id

    # what is not a Galaxy item is said so
    with pytest.raises(
        UsageError, match=r"res holds the outputs of a run; pick one: res\['sorted'\], res\['top'\]"
    ):
        ip.run_cell("%galaxy get res")
    with pytest.raises(UsageError, match=r"res has no output 'nope'; its outputs: 'sorted', 'top'"):
        ip.run_cell('%galaxy get res["nope"]')
    with pytest.raises(UsageError, match="put one of them"):
        ip.run_cell("%galaxy put res")
    # a dataset named x exists, and x is an int: the variable wins, with an error, never the name
    ip.run_cell("%galaxy put \"'named x'\" --name x --wait")
    ip.run_cell("x = 5")
    with pytest.raises(UsageError, match="x holds an int, not a Galaxy dataset or collection.*name:NAME"):
        ip.run_cell("%galaxy get x")
    assert ip.run("%galaxy get name:x") == "named x"
    with pytest.raises(UsageError, match=r"No variable 'nothere'"):
        ip.run_cell('%galaxy get nothere["top"]')


def test_collection_elements_by_key(friction, fr, gi):
    tables = gi.collections.wait(friction["tables"].id, timeout=300)
    server = gi.get(f"histories/{friction['history'].id}/contents/dataset_collections/{tables.id}")
    second = server["elements"][1]
    assert second["element_identifier"] == "sample_02"
    fr.push({"tables": friction["tables"]})  # the record `upload ... -o tables` gave
    assert fr.run('%galaxy show tables["sample_02"]').item.id == second["object"]["id"]
    assert fr.run("%galaxy show tables[1]").item.id == second["object"]["id"]
    with pytest.raises(
        UsageError, match="tables has no element 'sample_09'; its elements: 'sample_01', 'sample_02'"
    ):
        fr.run_cell('%galaxy show tables["sample_09"]')


def test_edit_sets_the_genome_build_after_upload(friction, fr, gi):
    ds = fr.run("%galaxy put \"'chr2\\t5\\t9\\n'\" --name later.bed --ext bed --wait")
    assert gi.get(f"datasets/{ds.id}")["genome_build"] == "?"
    edited = fr.run(f"%galaxy edit #{ds.hid} --dbkey hg19 --name peaks-hg19.bed --tag group:a")
    server = gi.get(f"datasets/{ds.id}")
    assert (server["genome_build"], server["name"], server["tags"]) == ("hg19", "peaks-hg19.bed", ["group:a"])
    assert edited.dbkey == "hg19"
    assert "genome build: hg19" in repr(fr.run(f"%galaxy show #{ds.hid}"))
    with pytest.raises(UsageError, match="Say what to change"):
        fr.run_cell(f"%galaxy edit #{ds.hid}")
    fr.push({"tables": friction["tables"]})
    with pytest.raises(UsageError, match="is a collection"):
        fr.run_cell("%galaxy edit tables --dbkey hg19")
