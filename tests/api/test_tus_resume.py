"""TUS uploads resume from the server's offset: after a dropped connection, and in a new process."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from galaxy_widgets import Galaxy
from galaxy_widgets.errors import GalaxyError
from tests.faultproxy import FaultProxy

MiB = 1024 * 1024


def random_file(path: Path, size: int) -> str:
    """Write ``size`` random bytes in blocks; return their md5."""
    md5 = hashlib.md5()
    with path.open("wb") as f:
        left = size
        while left:
            block = os.urandom(min(8 * MiB, left))
            md5.update(block)
            f.write(block)
            left -= len(block)
    return md5.hexdigest()


def md5_of(path: Path) -> str:
    md5 = hashlib.md5()
    with path.open("rb") as f:
        while block := f.read(8 * MiB):
            md5.update(block)
    return md5.hexdigest()


@pytest.fixture
def proxy(galaxy_server):
    p = FaultProxy(galaxy_server.url)
    yield p
    p.close()


def test_cut_connection_mid_upload_resumes_from_server_offset(gi, galaxy_server, proxy, tmp_path) -> None:
    """A 200 MB file; the connection is cut after 100 MB; the upload continues from the server's
    offset (not from 0) and Galaxy ends with one dataset, byte-identical."""
    size, chunk = 200 * MiB, 32 * MiB
    src = tmp_path / "big.bin"
    md5 = random_file(src, size)
    history = gi.histories.create("gw-tests tus resume")
    via_proxy = Galaxy(proxy.url, api_key=galaxy_server.api_key)
    proxy.cut_after = 100 * MiB
    seen: list[int] = []

    result = via_proxy.uploads.files(
        history.id, [src], ext="data", chunk_size=chunk, progress=lambda _n, sent, _t: seen.append(sent)
    )

    assert proxy.cuts == 1
    # Resumed, not restarted: what crossed the wire is the file plus at most the cut chunk again.
    assert size <= proxy.bytes_up < size + chunk + MiB
    assert seen[0] == 0 and seen[-1] == size and seen == sorted(seen)
    dataset = gi.datasets.wait(result.dataset.id, timeout=600)
    items = [i for i in gi.get(f"histories/{history.id}/contents", params={"v": "dev"}) if not i["deleted"]]
    assert [i["id"] for i in items] == [dataset.id]
    got = tmp_path / "back.bin"
    gi.datasets.download(dataset.id, got)
    assert got.stat().st_size == size
    assert md5_of(got) == md5


def test_killed_uploader_resumes_session_in_a_new_client(gi, galaxy_server, tmp_path) -> None:
    """The session id and offset outlive the process: a new client continues where it stopped."""
    src = tmp_path / "part.bin"
    random_file(src, 5 * MiB)
    offsets: list[int] = []

    class Killed(Exception):
        pass

    def die_after_first_chunk(session_id: str, offset: int, size: int) -> None:
        offsets.append(offset)
        if offset >= MiB:
            raise Killed(session_id)

    first = Galaxy(galaxy_server.url, api_key=galaxy_server.api_key)
    with pytest.raises(Killed) as killed:
        first.uploads.tus(src, chunk_size=MiB, on_offset=die_after_first_chunk)
    session_id = killed.value.args[0]
    first.close()
    assert offsets == [0, MiB]

    second = Galaxy(galaxy_server.url, api_key=galaxy_server.api_key)
    assert second.uploads.tus_offset(session_id) == (MiB, 5 * MiB)
    resumed: list[int] = []
    again = second.uploads.tus(
        src, chunk_size=2 * MiB, session_id=session_id, on_offset=lambda _s, off, _t: resumed.append(off)
    )
    assert again == session_id
    assert resumed == [MiB, 3 * MiB, 5 * MiB]
    assert second.uploads.tus_offset(session_id) == (5 * MiB, 5 * MiB)
    # A session for another file (different size) is not reused: a new one is opened.
    other = tmp_path / "other.bin"
    random_file(other, MiB)
    assert second.uploads.tus(other, session_id=session_id) != session_id


def test_tus_refuses_bad_chunk_size(gi, tmp_path) -> None:
    src = tmp_path / "x.bin"
    src.write_bytes(b"x")
    with pytest.raises(GalaxyError, match="chunk_size must be a positive"):
        gi.uploads.tus(src, chunk_size=0)


def test_files_from_paired_samples_make_one_list_paired(gi, tmp_path) -> None:
    """``{sample: {"forward", "reverse"}}`` (what pairing.pair gives) becomes one nested collection."""
    texts = {
        "a_R1.fastq": "@a1\nACGT\n+\nIIII\n",
        "a_R2.fastq": "@a1\nTTTT\n+\nIIII\n",
        "b_R1.fastq": "@b1\nGGGG\n+\nIIII\n@b2\nCCCC\n+\nIIII\n",
        "b_R2.fastq": "@b1\nAAAA\n+\nIIII\n@b2\nCGCG\n+\nIIII\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    grouped = {
        s: {"forward": tmp_path / f"{s}_R1.fastq", "reverse": tmp_path / f"{s}_R2.fastq"} for s in ("b", "a")
    }
    history = gi.histories.create("gw-tests list:paired upload")
    result = gi.uploads.files(history.id, grouped, ext="fastqsanger", collection_name="run")
    coll = gi.collections.wait(result.collection.id, timeout=600)
    assert (coll.name, coll.collection_type) == ("run", "list:paired")
    assert [e.identifier for e in coll.elements] == ["b", "a"]
    content = {}
    for outer in coll.raw["elements"]:
        for inner in outer["object"]["elements"]:
            key = (outer["element_identifier"], inner["element_identifier"])
            ds = gi.datasets.wait(inner["object"]["id"], timeout=600)
            content[key] = gi.datasets.download(ds.id, tmp_path / "-".join(key)).read_text()
    assert content == {
        ("b", "forward"): texts["b_R1.fastq"],
        ("b", "reverse"): texts["b_R2.fastq"],
        ("a", "forward"): texts["a_R1.fastq"],
        ("a", "reverse"): texts["a_R2.fastq"],
    }
