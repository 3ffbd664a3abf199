"""Datasets, uploads and collections against the real Galaxy.

Uploads made here are started together by one module fixture so their jobs run concurrently.
"""

from __future__ import annotations

import errno
import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from galaxy_widgets import convert
from galaxy_widgets.errors import DownloadError, GalaxyError
from galaxy_widgets.records import Collection, Dataset

FASTQ = "@r1\nACGTACGT\n+\nIIIIIIII\n"


@pytest.fixture(scope="module")
def served_dir(tmp_path_factory):
    """A local web server Galaxy can fetch URLs from."""
    root = tmp_path_factory.mktemp("served")
    (root / "remote.tsv").write_text("#k\tv\na\t1\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def started(gi, history, tmp_path_factory):
    """Start every upload of this module at once (three jobs, in parallel)."""
    folder = tmp_path_factory.mktemp("files")
    a = folder / "reads_1.fastq"
    b = folder / "reads_2.fastq"
    big = folder / "big.txt"
    a.write_text(FASTQ)
    b.write_text(FASTQ.replace("ACGT", "TTGA"))
    big.write_bytes(b"line of text\n" * 200_000)  # 2.6 MB: several TUS chunks at 1 MB
    progress: list[tuple[str, int, int]] = []
    files = gi.uploads.files(history.id, [a, b, big], ext="auto", progress=lambda *p: progress.append(p))
    pair = gi.uploads.files(
        history.id, [a, b], ext="fastqsanger", collection_type="paired", collection_name="reads pair"
    )
    raw = gi.uploads.paste(history.id, b"\x00\x01binary\x02", name="blob.bin", ext="data")
    return {"files": files, "pair": pair, "raw": raw, "progress": progress, "big": big}


def test_files_upload_is_one_job_with_progress(gi, started):
    res = started["files"]
    assert len(res.job_ids) == 1  # three files, one fetch request, one job
    assert [d.name for d in res.datasets] == ["reads_1.fastq", "reads_2.fastq", "big.txt"]
    done = gi.uploads.wait(res)
    assert [d.state for d in done.datasets] == ["ok", "ok", "ok"]
    assert done.datasets[0].extension == "fastqsanger"  # sniffed by Galaxy
    assert done.datasets[2].size == started["big"].stat().st_size
    big = [p for p in started["progress"] if p[0] == "big.txt"]
    assert big[0][1] == 0 and big[-1][1] == big[-1][2] == started["big"].stat().st_size


def test_paired_collection_from_files(gi, started):
    coll = gi.uploads.wait(started["pair"]).collection
    assert coll.collection_type == "paired" and coll.name == "reads pair"
    assert [e.identifier for e in coll.elements] == ["forward", "reverse"]
    assert gi.datasets.text(coll.elements[1].object.id) == FASTQ.replace("ACGT", "TTGA")


def test_url_upload_fetched_by_galaxy(gi, history, served_dir):
    ds = gi.uploads.urls(history.id, [f"{served_dir}/remote.tsv"], ext="tabular", wait=True).dataset
    assert ds.state == "ok" and ds.name == "remote.tsv"
    assert gi.datasets.text(ds.id) == "#k\tv\na\t1\n"


def test_bytes_upload_roundtrip(gi, started):
    ds = gi.datasets.wait(started["raw"].id)
    assert gi.datasets.content(ds.id) == b"\x00\x01binary\x02"


def test_show_peek_preview_wait(gi, uploaded):
    table = uploaded.table
    ds = gi.datasets.show(table.id)
    assert isinstance(ds, Dataset) and ds.state == "ok" and ds.extension == "tabular"
    assert ds.size == len(gi.datasets.content(ds.id))
    assert "alpha" in gi.datasets.peek(ds.id)
    assert gi.datasets.preview(ds.id, 2) == ["#name\tvalue\tgroup", "delta\t2\tb"]
    assert gi.datasets.wait(ds.id, timeout=5).state == "ok"
    assert "<table>" in ds._repr_html_() and "table.tsv" in ds._repr_html_()


def test_download_to_file_and_directory(gi, uploaded, tmp_path):
    table = uploaded.table
    seen: list[int] = []
    path = gi.datasets.download(table.id, tmp_path / "t.tsv", progress=lambda n, total: seen.append(n))
    assert path.read_text() == gi.datasets.text(table.id)
    assert seen[-1] == path.stat().st_size
    into_dir = gi.datasets.download(table.id, tmp_path)  # a directory: Galaxy's file name is used
    assert (
        into_dir.parent == tmp_path and into_dir.name != "t.tsv" and into_dir.read_text() == path.read_text()
    )
    converted = gi.datasets.download(table.id, tmp_path / "t2.tsv", to_ext="tabular")
    assert converted.read_text() == path.read_text()
    with pytest.raises(DownloadError, match="exists"):
        gi.datasets.download(table.id, path, overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp leftovers


def test_failed_write_leaves_no_partial_file(gi, uploaded, tmp_path, monkeypatch):
    """A write that fails (a full disk, no permission) leaves neither a partial nor a final file.

    Simulated at the last step, the rename into place, since root (as CI runs) ignores directory
    modes; only paths under this test's folder fail."""
    real_replace = os.replace

    def full_disk(src, dst, *args, **kwargs):
        if str(dst).startswith(str(tmp_path)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(DownloadError, match="Could not write .*No space left on device"):
        gi.datasets.download(uploaded.table.id, tmp_path / "x.tsv")
    assert list(tmp_path.iterdir()) == []  # no x.tsv, no .x.tsv.*.part


def test_download_interrupted_by_callback_leaves_nothing(gi, started, tmp_path):
    big = gi.uploads.wait(started["files"]).datasets[2]

    def stop(n, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        gi.datasets.download(big.id, tmp_path / "big.txt", progress=stop)
    assert list(tmp_path.iterdir()) == []


def test_collection_show_and_download(gi, uploaded, tmp_path):
    coll = uploaded.samples
    assert isinstance(coll, Collection) and coll.collection_type == "list" and coll.element_count == 3
    assert list(coll.datasets()) == ["s1", "s2", "s3"]
    paths = gi.collections.download(coll.id, tmp_path / "samples")
    assert sorted(paths) == ["s1", "s2", "s3"]
    assert paths["s2"].read_text() == "#id\tcount\nr1\t7\nr2\t5\nr3\t9\n"


def test_build_list_paired_and_nested_collections(gi, history, uploaded, tmp_path):
    t, n, j = uploaded.table, uploaded.text, uploaded.json
    lst = gi.collections.create(history.id, "built list", [t, n])
    assert lst.collection_type == "list" and [e.identifier for e in lst.elements] == [
        "table.tsv",
        "notes.txt",
    ]
    pair = gi.collections.create(history.id, "built pair", {"reverse": n, "forward": t})
    assert pair.collection_type == "paired" and [e.identifier for e in pair.elements] == [
        "forward",
        "reverse",
    ]
    nested = gi.collections.create(
        history.id,
        "built list:paired",
        {"sampleA": {"forward": t, "reverse": n}, "sampleB": {"forward": j, "reverse": t}},
    )
    assert nested.collection_type == "list:paired"
    assert [e.identifier for e in nested.elements] == ["sampleA", "sampleB"]
    assert nested.elements[0].object.elements[1].identifier == "reverse"
    # download keeps the nesting; loading gives nested dicts
    paths = gi.collections.download(nested.id, tmp_path)
    assert paths["sampleB"]["forward"].read_text() == gi.datasets.text(j.id)
    values = convert.load(gi, nested, as_="text")
    assert values["sampleA"]["reverse"] == "first line\nsecond line\n"
    with pytest.raises(GalaxyError, match="give a Dataset"):
        gi.collections.create(history.id, "bad", {"x": 3})


def test_missing_file_is_a_clear_error(gi, history, tmp_path):
    with pytest.raises(GalaxyError, match="No such file"):
        gi.uploads.files(history.id, [tmp_path / "nope.txt"])
    one = tmp_path / "one.txt"
    one.write_text("x\n")
    with pytest.raises(GalaxyError, match="exactly two files"):
        gi.uploads.files(history.id, [one], collection_type="paired")


def test_convert_load_by_datatype(gi, uploaded):
    df = convert.load(gi, uploaded.table)
    assert list(df.columns) == ["name", "value", "group"]
    assert df["value"].tolist() == [2, 5, 3, 1]
    assert convert.load(gi, uploaded.json) == {"a": 1, "b": [1, 2]}
    assert convert.load(gi, uploaded.text) == "first line\nsecond line\n"
    csv = convert.load(gi, uploaded.csv)
    assert list(csv.columns) == ["x", "y"] and csv["y"].sum() == 6
    path = convert.load(gi, uploaded.table, as_="path")
    assert isinstance(path, Path) and path.exists()
    again = convert.load(gi, uploaded.table, as_="path")  # cached by id + update_time
    assert again == path and again.stat().st_mtime == path.stat().st_mtime
    samples = convert.load(gi, uploaded.samples)
    assert sorted(samples) == ["s1", "s2", "s3"] and samples["s2"]["count"].sum() == 21
    with pytest.raises(GalaxyError, match="in-memory limit"):
        convert.load(gi, uploaded.table, max_bytes=5)
