"""Drag and drop in the HistoryBrowser, driven as the browser drives it, against the real Galaxy.

Rows carry the code that loads them (dragged into a cell as text/plain); files dropped on the browser
arrive as binary chunks, go to temp files, and reach Galaxy in one fetch request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from IPython.utils.text import DollarFormatter

from galaxy_widgets.magics.parser import split_line
from galaxy_widgets.records import Collection, Dataset
from galaxy_widgets.widgets import HistoryBrowser, dropzone
from galaxy_widgets.widgets import history as history_module
from galaxy_widgets.widgets._format import variable_name
from galaxy_widgets.widgets.history import load_code

FIRST = b"gene\tcount\nBRCA1\t12\nTP53\t7\n"
SECOND = b"hello from a dropped file\nsecond line\n"


class Talk:
    """The browser's side of the custom messages: what the kernel answered, and chunked sends."""

    def __init__(self, hb: HistoryBrowser) -> None:
        self.hb = hb
        self.answers: list[dict] = []
        hb.widget.send = lambda content, buffers=None: self.answers.append(content)

    def say(self, content: dict, buffers: list[Any] | None = None) -> dict:
        self.hb.widget._handle_custom_msg(content, buffers or [])
        return self.answers[-1]

    def drop(self, batch: str, files: dict[str, bytes], sizes: dict[str, int] | None = None) -> dict:
        """Announce the files, then send every accepted one chunk by chunk, as history.js does."""
        names = list(files)
        start = self.say(
            {
                "action": "upload_start",
                "batch": batch,
                "files": [{"name": n, "size": (sizes or {}).get(n, len(files[n]))} for n in names],
            }
        )
        if start["event"] != "upload_accept":
            return start
        for index in start["accepted"]:
            data = files[names[index]]
            offset = 0
            while offset < len(data):
                ack = self.say(
                    {"action": "upload_chunk", "batch": batch, "index": index, "offset": offset},
                    [memoryview(data[offset : offset + start["chunk"]])],
                )
                assert ack["event"] == "upload_ack", ack
                offset = ack["received"]
        return start


@pytest.fixture(scope="module")
def drop_history(gi):
    return gi.histories.create("gw-tests drop")


def test_variable_names_from_dataset_names():
    assert variable_name("table") == "table"
    assert variable_name("my counts (v2)", "data", "data_") == "my_counts__v2"
    assert variable_name("2024 run", "data", "data_") == "data_2024_run"
    assert variable_name("class", "data", "data_") == "data_class"
    assert variable_name("…", "data", "data_") == "data"


def test_rows_carry_code_that_loads_them(gi, history, uploaded, monkeypatch):
    monkeypatch.setattr(history_module, "_ipython", lambda: None)  # plain Python: gi's current history
    before = gi.history_id
    try:
        gi.history_id = history.id  # the browser shows the current history: a hid is enough
        hb = HistoryBrowser(gi, history, filter="name:table.tsv")
        (row,) = hb.rows
        assert row["code"] == f"table = %galaxy get #{uploaded.table.hid}"
        hb.widget.set_state({"filter_text": "name:samples"})
        (row,) = hb.rows
        assert row["type"] == "collection"
        assert row["code"] == f"samples = %galaxy get #{uploaded.samples.hid}"
        hb.close()
        gi.history_id = None  # another (or no) current history: the code says which history first
        hb = HistoryBrowser(gi, history, filter="name:notes.txt")
        (row,) = hb.rows
        assert row["code"] == f"%galaxy use {history.id}\nnotes = %galaxy get #{uploaded.text.hid}"
        hb.close()
    finally:
        gi.history_id = before


def test_code_follows_the_magics_current_history(gi, history, uploaded, monkeypatch):
    """In IPython the code is for the magics: after `%galaxy use` elsewhere, the rows say which history."""
    from types import SimpleNamespace

    from IPython.core.events import EventManager

    from galaxy_widgets.magics.magic import GalaxyMagics

    magics = GalaxyMagics(shell=None)
    magics.history_id = history.id
    shell = SimpleNamespace(configurables=[magics], events=EventManager(None, {"post_run_cell"}))
    monkeypatch.setattr(history_module, "_ipython", lambda: shell)
    before = gi.history_id
    try:
        gi.history_id = None  # the magics' history counts, not the client's
        hb = HistoryBrowser(gi, history, filter="name:table.tsv")
        hid = uploaded.table.hid
        assert [r["code"] for r in hb.rows] == [f"table = %galaxy get #{hid}"]
        magics.history_id = "f2db41e1fa331b3e"  # a cell ran `%galaxy use` another history
        shell.events.trigger("post_run_cell", None)
        assert [r["code"] for r in hb.rows] == [f"%galaxy use {history.id}\ntable = %galaxy get #{hid}"]
        magics.history_id = history.id
        shell.events.trigger("post_run_cell", None)
        assert [r["code"] for r in hb.rows] == [f"table = %galaxy get #{hid}"]
        hb.close()
        assert hb._recode not in shell.events.callbacks["post_run_cell"]
        # a browser whose widget went away without close() unhooks itself at the next cell
        other = HistoryBrowser(gi, history, filter="name:table.tsv")
        assert other._recode in shell.events.callbacks["post_run_cell"]
        other.widget.close()
        shell.events.trigger("post_run_cell", None)
        assert other._recode not in shell.events.callbacks["post_run_cell"]
        other.close()
    finally:
        gi.history_id = before


@pytest.mark.parametrize("name", ["plain.tsv", "two words.txt", "it's $HOME {x}.csv", "tab\there"])
def test_code_without_a_hid_names_the_item_and_survives_ipython_and_the_parser(name):
    item = Dataset.from_api({"id": "f2db41e1fa331b3e", "name": name, "hid": None})
    code = load_code(item, "h1", "h1")
    var, _, line = code.partition(" = %galaxy ")
    assert var.isidentifier()
    # what IPython does to a magic line ($name, {expr}), then how %galaxy splits it
    expanded = DollarFormatter().vformat(line, [], {"HOME": "/root", "x": 1})
    assert split_line(expanded) == ["get", f"name:{name}"]


def test_code_for_a_collection_without_hid():
    coll = Collection.from_api(
        {"id": "f2db41e1fa331b3e", "name": "samples", "hid": None, "collection_type": "list"}
    )
    assert load_code(coll, "h1", "h1") == "samples = %galaxy get name:samples"


def test_two_dropped_files_become_two_datasets_in_one_fetch(gi, drop_history, monkeypatch):
    monkeypatch.setattr(dropzone, "CHUNK_BYTES", 8)  # many chunks per file, in order
    monkeypatch.setattr(dropzone, "PROGRESS_EVERY", 0)  # every chunk shows
    hb = HistoryBrowser(gi, drop_history)
    talk = Talk(hb)
    start = talk.say(
        {
            "action": "upload_start",
            "batch": "b1",
            "files": [{"name": "genes.tsv", "size": len(FIRST)}, {"name": "note.txt", "size": len(SECOND)}],
        }
    )
    assert start == {"event": "upload_accept", "batch": "b1", "accepted": [0, 1], "chunk": 8}
    # the first half of the first file: on disk already, nothing kept in memory
    batch = hb.dropzone._batches["b1"]
    for offset in range(0, 16, 8):
        talk.say(
            {"action": "upload_chunk", "batch": "b1", "index": 0, "offset": offset},
            [memoryview(FIRST[offset : offset + 8])],
        )
    assert batch.files[0].path.read_bytes() == FIRST[:16]
    assert batch.folder.stat().st_mode & 0o077 == 0
    (row,) = [u for u in hb.widget.uploads if u["name"] == "genes.tsv"]
    assert row["received"] == 16 and row["state"] == "receiving"
    # the rest, as history.js sends it
    for index, data in ((0, FIRST), (1, SECOND)):
        offset = batch.files[index].received
        while offset < len(data):
            ack = talk.say(
                {"action": "upload_chunk", "batch": "b1", "index": index, "offset": offset},
                [memoryview(data[offset : offset + 8])],
            )
            offset = ack["received"]
    for thread in hb.dropzone.threads:
        thread.join(120)
    rows = {u["name"]: u for u in hb.widget.uploads}
    assert {n: r["state"] for n, r in rows.items()} == {"genes.tsv": "done", "note.txt": "done"}, rows
    assert not batch.folder.exists()  # temp files removed
    # in Galaxy: two datasets with the dropped names and bytes, made by ONE fetch job
    made = {d.name: d for d in gi.histories.contents(drop_history.id, "deleted:false").all()}
    assert set(made) == {"genes.tsv", "note.txt"}
    assert {rows[n]["hid"] for n in made} == {d.hid for d in made.values()}
    done = {n: gi.datasets.wait(d.id, timeout=300) for n, d in made.items()}
    assert gi.datasets.text(done["genes.tsv"].id) == FIRST.decode()
    assert gi.datasets.text(done["note.txt"].id) == SECOND.decode()
    jobs = {gi.get(f"datasets/{d.id}")["creating_job"] for d in done.values()}
    assert len(jobs) == 1
    # the browser shows them
    hb.refresh()
    assert {r["name"] for r in hb.rows} == {"genes.tsv", "note.txt"}
    hb.close()


def test_files_over_the_limit_are_refused_with_a_pointer_to_upload(gi, drop_history):
    hb = HistoryBrowser(gi, drop_history, max_upload=1000)
    assert hb.widget.max_upload_bytes == 1000
    talk = Talk(hb)
    answer = talk.drop("big", {"huge.fastq": b""}, sizes={"huge.fastq": 5_000_000})
    assert answer["event"] == "upload_refused"
    note = hb.widget.upload_note
    assert "huge.fastq" in note and "limit" in note and "%galaxy upload PATH" in note
    assert [(u["name"], u["state"]) for u in hb.widget.uploads] == [("huge.fastq", "refused")]
    # a mixed drop: the small file is accepted, the big one refused, and the note says so
    answer = talk.say(
        {
            "action": "upload_start",
            "batch": "mixed",
            "files": [{"name": "a.txt", "size": 10}, {"name": "b.bam", "size": 2000}],
        }
    )
    assert answer["event"] == "upload_accept" and answer["accepted"] == [0]
    assert "b.bam" in hb.widget.upload_note and "a.txt" not in hb.widget.upload_note
    folder = hb.dropzone._batches["mixed"].folder
    hb.close()  # an unfinished drop leaves no temp files behind
    assert not folder.exists()
    with pytest.raises(TypeError, match="max_upload"):
        HistoryBrowser(gi, drop_history, max_upload=0)


def test_a_bad_chunk_stops_the_drop_and_cleans_up(gi, drop_history):
    hb = HistoryBrowser(gi, drop_history)
    talk = Talk(hb)
    talk.say({"action": "upload_start", "batch": "b", "files": [{"name": "x.txt", "size": 4}]})
    folder: Path = hb.dropzone._batches["b"].folder
    answer = talk.say({"action": "upload_chunk", "batch": "b", "index": 0, "offset": 2}, [b"ab"])
    assert answer["event"] == "upload_error" and "byte 0 expected" in answer["message"]
    assert not folder.exists() and "b" not in hb.dropzone._batches
    (row,) = hb.widget.uploads
    assert row["state"] == "error" and "drop it again" in row["message"]
    # more bytes than announced
    talk.say({"action": "upload_start", "batch": "c", "files": [{"name": "y.txt", "size": 2}]})
    answer = talk.say({"action": "upload_chunk", "batch": "c", "index": 0, "offset": 0}, [b"abc"])
    assert answer["event"] == "upload_error" and "more bytes than the 2 announced" in answer["message"]
    # a chunk for a drop that is gone
    answer = talk.say({"action": "upload_chunk", "batch": "c", "index": 0, "offset": 0}, [b"ab"])
    assert answer["event"] == "upload_error"
    hb.close()


class _Widget:
    """What Dropzone needs of a widget: the traits it sets, ``history_id`` and ``send``."""

    history_id = "h1"
    uploads: list[dict] = []
    upload_note = ""
    max_upload_bytes = 0

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, content: dict, buffers: Any = None) -> None:
        self.sent.append(content)


def test_receiving_a_big_file_keeps_memory_flat():
    """64 MiB in chunks: what Python holds at its peak stays near one chunk, whatever the size."""
    import tracemalloc

    size = 64 * 1024 * 1024
    got: list[tuple[str, list[int], list[str]]] = []
    w = _Widget()
    dz = dropzone.Dropzone(
        w,
        lambda h, paths, names, progress: got.append((h, [p.stat().st_size for p in paths], names)) or [],
        max_bytes=size,
    )
    dz.start("m", [{"name": "big.bin", "size": size}])
    path = dz._batches["m"].files[0].path
    tracemalloc.start()
    try:
        for offset in range(0, size, dropzone.CHUNK_BYTES):
            chunk = bytes([offset // dropzone.CHUNK_BYTES % 251]) * dropzone.CHUNK_BYTES
            dz.chunk("m", 0, offset, [memoryview(chunk)])
            del chunk
            if offset == size // 2:
                assert path.stat().st_size == offset + dropzone.CHUNK_BYTES  # on disk as it comes
        for thread in dz.threads:
            thread.join(10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got == [("h1", [size], ["big.bin"])]
    assert peak < 4 * dropzone.CHUNK_BYTES, f"peak {peak:,} bytes while receiving {size:,}"
    assert w.sent[-1]["event"] == "upload_ack" and w.sent[-1]["received"] == size
    assert not path.exists()


def test_a_dropped_folder_is_refused_and_an_unreadable_file_cancels_the_drop():
    w = _Widget()
    dz = dropzone.Dropzone(w, lambda *a: pytest.fail("nothing may be sent"), max_bytes=100)
    dz.start("f", [{"name": "reads", "size": 4096, "folder": True}, {"name": "big.bam", "size": 500}])
    assert w.sent[-1]["event"] == "upload_refused"
    assert (
        "reads: a folder; drop the files in it" in w.upload_note and "%galaxy upload DIR/*" in w.upload_note
    )
    assert "big.bam (500 B): over the 100 B limit" in w.upload_note
    assert [(u["name"], u["state"], u["message"]) for u in w.uploads] == [
        ("reads", "refused", "a folder"),
        ("big.bam", "refused", "over the size limit"),
    ]
    # the browser could not read a file half way: it says so, the kernel drops the batch and its files
    dz.handle({"action": "upload_start", "batch": "g", "files": [{"name": "a.txt", "size": 4}]}, [])
    folder = dz._batches["g"].folder
    dz.handle({"action": "upload_chunk", "batch": "g", "index": 0, "offset": 0}, [b"ab"])
    dz.handle(
        {"action": "upload_cancel", "batch": "g", "reason": "could not read the file: NotFoundError"}, []
    )
    assert not folder.exists() and "g" not in dz._batches
    row = w.uploads[-1]
    assert (row["name"], row["state"]) == ("a.txt", "error")
    assert row["message"] == "could not read the file: NotFoundError; drop it again."


def test_files_of_one_drop_with_the_same_name_get_distinct_names():
    w = _Widget()
    dz = dropzone.Dropzone(w, lambda *a: [], max_bytes=100)
    dz.start("d", [{"name": "a.txt", "size": 1}, {"name": "a.txt", "size": 1}, {"name": "README", "size": 1}])
    assert [u["name"] for u in w.uploads] == ["a.txt", "a (2).txt", "README"]
    dz.close()
