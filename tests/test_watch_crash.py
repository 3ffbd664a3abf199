"""The watcher survives crashes, timeouts and a Galaxy that is down: every run is uploaded once and
invoked once. Real Galaxy; faults come from a proxy on 127.0.0.1 or from SIGKILL."""

from __future__ import annotations

import gzip
import hashlib
import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from galaxy_widgets import Galaxy
from galaxy_widgets.watch import LEDGER_NAME, Watcher
from tests.faultproxy import FaultProxy

MiB = 1024 * 1024
SHEET = """[Header]
FileFormatVersion,2
[BCLConvert_Data]
Lane,Sample_ID,Index,Index2
1,A,ACGT,TTTT
1,B,CCGT,GTTT
"""

#: Runs a watcher in a child process; with a stage, the child SIGKILLs itself right after
#: sending that request, before it can write the answer down.
DRIVER = """
import os, signal, sys
from galaxy_widgets import Galaxy
from galaxy_widgets.watch import Watcher
url, key, folder, workflow, stage, chunk = sys.argv[1:7]
gi = Galaxy(url, api_key=key)
def crash_after(obj, name):
    real = getattr(obj, name)
    def sent(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    setattr(obj, name, sent)
if stage == "fetch":
    crash_after(gi.uploads, "fetch")
elif stage == "invoke":
    crash_after(gi.workflows, "invoke")
Watcher(gi, folder, workflow, ext="fastqsanger.gz", chunk_size=int(chunk)).run(once=True)
"""


def reads(n: int, seed: int) -> bytes:
    """``n`` FASTQ records with pseudo-random bases and qualities (poorly compressible)."""
    raw = hashlib.shake_256(f"{seed}".encode()).digest(n * 100)
    bases = raw[: n * 50].translate(bytes(b"ACGT"[i % 4] for i in range(256)))
    quals = raw[n * 50 :].translate(bytes(33 + i % 41 for i in range(256)))
    return b"".join(
        b"@r%d\n%s\n+\n%s\n" % (i, bases[i * 50 : (i + 1) * 50], quals[i * 50 : (i + 1) * 50])
        for i in range(n)
    )


def make_run(root: Path, name: str, *, size: int = 0) -> Path:
    """A finished BCL Convert run: samples A and B, paired, gzipped FASTQs of about ``size`` bytes."""
    fastq = root / name / "Analysis" / "1" / "Data" / "fastq"
    fastq.mkdir(parents=True)
    for i, sample in enumerate("AB", 1):
        for r in (1, 2):
            path = fastq / f"{sample}_S{i}_L001_R{r}_001.fastq.gz"
            with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as gz:
                gz.write(reads(3, i))
                seed = 0
                while raw.tell() < size:
                    gz.write(reads(2000, i * 1000 + r * 100 + seed))
                    seed += 1
    (root / name / "SampleSheet.csv").write_text(SHEET)
    (root / name / "CopyComplete.txt").write_text("")
    return root / name


def ledger(folder: Path) -> dict:
    return json.loads((folder / LEDGER_NAME).read_text())["runs"]


def history_items(gi: Galaxy, history_id: str) -> list[dict]:
    """Every item not deleted, hidden ones (collection elements) included."""
    return [i for i in gi.get(f"histories/{history_id}/contents") if not i["deleted"]]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def driver(
    galaxy_url: str, key: str, folder: Path, workflow_id: str, stage: str, chunk: int
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, galaxy_url, key, str(folder), workflow_id, stage, str(chunk)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def pairs_workflow(demo_workflows):
    return demo_workflows["count_read_pairs"]


@pytest.fixture
def proxy(galaxy_server):
    p = FaultProxy(galaxy_server.url)
    yield p
    p.close()


def assert_launched_once(gi: Galaxy, entry: dict, files: dict[str, Path]) -> None:
    """One collection of the run's samples, one invocation, and no other datasets in its history."""
    [coll] = entry["collections"].values()
    invocations = gi.invocations.list(history_id=entry["history_id"])
    assert [i.id for i in invocations] == [coll["invocation_id"]]
    gi.collections.wait(coll["collection_id"], timeout=600)  # its elements exist once the upload ran
    items = history_items(gi, entry["history_id"])
    [name] = entry["collections"]
    collections = [
        i for i in items if i["history_content_type"] == "dataset_collection" and i["name"] == name
    ]
    assert [c["id"] for c in collections] == [coll["collection_id"]]
    uploaded = [
        i for i in items if i["history_content_type"] == "dataset" and i["name"] in ("forward", "reverse")
    ]
    assert len(uploaded) == len(files)
    shown = gi.collections.show(coll["collection_id"])
    assert [e.identifier for e in shown.elements] == ["A_L001", "B_L001"]


def test_sigkill_mid_upload_resumes_and_invokes_once(
    gi, galaxy_server, pairs_workflow, proxy, tmp_path
) -> None:
    run = make_run(tmp_path, f"run-{uuid.uuid4().hex[:6]}", size=3 * MiB)
    proxy.rate = 3 * MiB  # ~4 s for the run: time to kill the watcher mid-file
    child = driver(proxy.url, galaxy_server.api_key, tmp_path, pairs_workflow.id, "none", MiB)
    deadline = time.monotonic() + 120
    partial = None
    while time.monotonic() < deadline and partial is None:
        time.sleep(0.1)
        if (tmp_path / LEDGER_NAME).exists():
            for rel, info in ledger(tmp_path).get(run.name, {}).get("files", {}).items():
                if 0 < info.get("offset", 0) < info["size"]:
                    partial = rel, info
    assert partial is not None, child.communicate()[0]
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    before = ledger(tmp_path)[run.name]
    assert before["status"] == "uploading"
    rel, info = partial
    assert not before["files"][rel].get("done")

    logs: list[str] = []
    watcher = Watcher(gi, tmp_path, pairs_workflow, ext="fastqsanger.gz", chunk_size=MiB, log=logs.append)
    [launched] = watcher.scan()

    assert launched.status == "invoked"
    after = ledger(tmp_path)[run.name]
    assert after["files"][rel]["session"] == before["files"][rel]["session"]  # the same upload, continued
    assert any(f"resuming {rel}" in line for line in logs)
    files = {p.relative_to(run).as_posix(): p for p in sorted(run.rglob("*.fastq.gz"))}
    assert_launched_once(gi, after, files)
    # Byte-identical on the server.
    coll = gi.collections.show(after["collections"][run.name]["collection_id"])
    for outer in coll.raw["elements"]:
        for inner in outer["object"]["elements"]:
            ds = gi.datasets.wait(inner["object"]["id"], timeout=600)
            got = gi.datasets.download(
                ds.id, tmp_path / f"{outer['element_identifier']}-{inner['element_identifier']}"
            )
            sample = outer["element_identifier"].split("_")[0]
            mate = "1" if inner["element_identifier"] == "forward" else "2"
            local = next(p for k, p in files.items() if f"/{sample}_S" in k and f"_R{mate}_" in k)
            assert md5(got.read_bytes()) == md5(local.read_bytes()), local
    assert watcher.scan() == []


@pytest.mark.parametrize(
    ("stage", "left_as", "found"), [("fetch", "fetching", "collection"), ("invoke", "invoking", "invocation")]
)
def test_sigkill_after_a_request_was_sent(
    gi, galaxy_server, pairs_workflow, tmp_path, stage, left_as, found
) -> None:
    """Killed right after POSTing the upload (or the invocation), before writing the answer down:
    the restarted watcher finds what that request made instead of sending it again."""
    run = make_run(tmp_path, f"run-{stage}-{uuid.uuid4().hex[:6]}")
    child = driver(galaxy_server.url, galaxy_server.api_key, tmp_path, pairs_workflow.id, stage, MiB)
    out = child.communicate(timeout=300)[0]
    assert child.returncode == -signal.SIGKILL, out
    before = ledger(tmp_path)[run.name]
    assert before["status"] == left_as
    [coll] = before["collections"].values()
    assert not coll.get(f"{found}_id")

    logs: list[str] = []
    watcher = Watcher(gi, tmp_path, pairs_workflow, ext="fastqsanger.gz", results=True, log=logs.append)
    [launched] = watcher.scan()

    assert launched.status == "invoked"
    assert any(f"found {found}" in line for line in logs)
    after = ledger(tmp_path)[run.name]
    files = {p.relative_to(run).as_posix(): p for p in run.rglob("*.fastq.gz")}
    assert_launched_once(gi, after, files)

    # Later scans launch nothing; once the workflow is done one writes the result table next to the run.
    deadline = time.monotonic() + 600
    while ledger(tmp_path)[run.name]["status"] != "done" and time.monotonic() < deadline:
        assert watcher.scan() == []
        time.sleep(3)
    table = pd.read_csv(tmp_path / f"{run.name}.galaxy-results.tsv", sep="\t")
    # 3 reads of 50 bases in each mate: 3 pairs and 300 bases per sample.
    assert table[["sample", "state", "pairs", "bases"]].values.tolist() == [
        ["A_L001", "ok", 3, 300],
        ["B_L001", "ok", 3, 300],
    ]
    assert [i.id for i in gi.invocations.list(history_id=after["history_id"])] == [launched.invocation_id]


def test_galaxy_down_when_the_run_completes_then_back(
    gi, galaxy_server, pairs_workflow, proxy, tmp_path
) -> None:
    via_proxy = Galaxy(proxy.url, api_key=galaxy_server.api_key, retries=0)
    logs: list[str] = []
    watcher = Watcher(
        via_proxy, tmp_path, pairs_workflow, ext="fastqsanger.gz", retry_delay=0.2, log=logs.append
    )
    run = make_run(tmp_path, f"run-down-{uuid.uuid4().hex[:6]}")

    proxy.set_mode("down")
    assert watcher.scan() == []
    proxy.set_mode("503")
    time.sleep(0.5)
    assert watcher.scan() == []
    retries = [line for line in logs if "retry" in line]
    assert "unreachable" in retries[0] and "retry 1 in 0.2 s" in retries[0]
    assert "server error" in retries[1] and "retry 2 in 0.4 s" in retries[1]
    assert ledger(tmp_path)[run.name]["status"] == "uploading"  # kept, not dropped

    proxy.set_mode("pass")
    launched = watcher.run(interval=0.2, max_runs=1, timeout=300)

    assert [x.run for x in launched] == [run.name]
    entry = ledger(tmp_path)[run.name]
    files = {p.relative_to(run).as_posix(): p for p in run.rglob("*.fastq.gz")}
    assert_launched_once(gi, entry, files)
    assert len([h for h in gi.histories.list(run.name) if h.name == run.name]) == 1
    assert watcher.scan() == []


def test_upload_request_timeout_keeps_the_run_and_sends_nothing_again(
    gi, galaxy_server, pairs_workflow, proxy, tmp_path
) -> None:
    """The fetch request times out (Galaxy did the work; its answer is held back): the run stays
    in the ledger, its files are not sent again, and the collection Galaxy made is used."""
    # timeout=15: a fetch request then gets max(15, 30 + 0.5 per file) = 32 s, less than the hold.
    via_proxy = Galaxy(proxy.url, api_key=galaxy_server.api_key, timeout=15)
    logs: list[str] = []
    watcher = Watcher(
        via_proxy, tmp_path, pairs_workflow, ext="fastqsanger.gz", retry_delay=0.5, log=logs.append
    )
    run = make_run(tmp_path, f"run-timeout-{uuid.uuid4().hex[:6]}")
    proxy.hold(b"POST /api/tools/fetch", 45)

    assert watcher.scan() == []

    entry = ledger(tmp_path)[run.name]
    assert entry["status"] == "fetching"
    assert all(f["done"] for f in entry["files"].values())
    assert any("unreachable" in line and "retry 1" in line for line in logs)
    sent = proxy.bytes_up
    time.sleep(0.6)
    [launched] = watcher.scan()
    assert launched.status == "invoked"
    assert proxy.bytes_up - sent < 64 * 1024  # no file went up again
    assert any("found collection" in line for line in logs)
    files = {p.relative_to(run).as_posix(): p for p in run.rglob("*.fastq.gz")}
    assert_launched_once(gi, ledger(tmp_path)[run.name], files)


def test_a_request_that_never_arrived_is_not_resent_without_a_person(
    gi, galaxy_server, pairs_workflow, tmp_path, monkeypatch
) -> None:
    """The upload request is lost on the way (Galaxy never saw it). The watcher only looks for what
    it would have made, asks a person once, and sends it again only after ``--resend RUN``."""
    import galaxy_widgets.watch as watch_module
    from galaxy_widgets.errors import GalaxyConnectionError

    monkeypatch.setattr(watch_module, "IN_FLIGHT_GRACE", 0.0)
    run = make_run(tmp_path, f"run-lost-{uuid.uuid4().hex[:6]}")
    logs: list[str] = []
    watcher = Watcher(gi, tmp_path, pairs_workflow, ext="fastqsanger.gz", retry_delay=0.1, log=logs.append)
    real_fetch = gi.uploads.fetch
    sent: list[str] = []

    def lost(history_id, *args, **kwargs):
        sent.append(history_id)
        raise GalaxyConnectionError("Connection reset by peer (simulated: the request never arrived)")

    monkeypatch.setattr(gi.uploads, "fetch", lost)
    assert watcher.scan() == []
    assert len(sent) == 1
    entry = ledger(tmp_path)[run.name]
    assert entry["status"] == "fetching"
    history_id = entry["history_id"]

    for _ in range(3):  # later scans only look: nothing is sent, the person is asked once
        time.sleep(0.15)
        assert watcher.scan() == []
    assert len(sent) == 1
    asked = [line for line in logs if "needs a person" in line]
    assert len(asked) == 1, logs
    assert f"--resend {run.name}" in asked[0] and history_id in asked[0]
    status = subprocess.run(
        [sys.executable, "-m", "galaxy_widgets.cli", "watch", str(tmp_path), "--status"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "never sent twice on its own" in status
    assert [
        c for c in history_items(gi, history_id) if c["history_content_type"] == "dataset_collection"
    ] == []

    # A person checked the history (empty) and asks for it once more; a running watcher refuses that.
    def resend() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "galaxy_widgets.cli", "watch", str(tmp_path), "--resend", run.name],
            capture_output=True,
            text=True,
        )

    with watcher.ledger.locked():
        refused = resend()
    assert refused.returncode != 0 and "Another watcher" in refused.stderr
    done = resend()
    assert done.returncode == 0, done.stderr
    assert f"collection '{run.name}'" in done.stdout or "will be sent again" in done.stdout

    monkeypatch.setattr(gi.uploads, "fetch", real_fetch)
    watcher = Watcher(gi, tmp_path, pairs_workflow, ext="fastqsanger.gz", log=logs.append)
    [launched] = watcher.scan()
    assert launched.status == "invoked"
    files = {p.relative_to(run).as_posix(): p for p in run.rglob("*.fastq.gz")}
    assert_launched_once(gi, ledger(tmp_path)[run.name], files)
    assert resend().returncode != 0  # nothing left to resend


SHEET_PROJECTS = """[Header]
FileFormatVersion,2
[BCLConvert_Data]
Lane,Sample_ID,Index,Index2,Sample_Project
1,A,ACGT,TTTT,ProjX
1,B,CCGT,GTTT,ProjY
1,C,GCGT,CTTT,ProjY
"""


def test_by_project_one_collection_and_one_invocation_each(gi, pairs_workflow, tmp_path) -> None:
    """--by-project: a run with two Sample_Projects gives two collections named <run>_<project>,
    two invocations, and a result table for each, with counts written by hand."""
    run = tmp_path / f"run-proj-{uuid.uuid4().hex[:6]}"
    fastq = run / "Analysis" / "1" / "Data" / "fastq"
    fastq.mkdir(parents=True)
    for i, (sample, n) in enumerate((("A", 2), ("B", 3), ("C", 4)), 1):
        for r in (1, 2):
            with gzip.open(fastq / f"{sample}_S{i}_L001_R{r}_001.fastq.gz", "wb") as gz:
                gz.write(reads(n, i))
    with gzip.open(fastq / "Undetermined_S0_L001_R1_001.fastq.gz", "wb") as gz:
        gz.write(reads(7, 99))
    (run / "SampleSheet.csv").write_text(SHEET_PROJECTS)
    (run / "CopyComplete.txt").write_text("")

    watcher = Watcher(gi, tmp_path, pairs_workflow, ext="fastqsanger.gz", by_project=True, results=True)
    [launched] = watcher.scan()
    assert launched.status == "invoked"
    entry = ledger(tmp_path)[run.name]
    names = {f"{run.name}_ProjX": "ProjX", f"{run.name}_ProjY": "ProjY"}
    assert {n: c["project"] for n, c in entry["collections"].items()} == names
    assert "Undetermined_S0_L001_R1_001.fastq.gz" not in " ".join(entry["files"])
    invocations = {c["invocation_id"] for c in entry["collections"].values()}
    assert len(invocations) == 2
    assert {i.id for i in gi.invocations.list(history_id=entry["history_id"])} == invocations
    for name, coll in entry["collections"].items():
        shown = gi.collections.wait(coll["collection_id"], timeout=600)
        assert shown.name == name

    deadline = time.monotonic() + 600
    while ledger(tmp_path)[run.name]["status"] != "done" and time.monotonic() < deadline:
        assert watcher.scan() == []
        time.sleep(3)
    x = pd.read_csv(tmp_path / f"{run.name}_ProjX.galaxy-results.tsv", sep="\t")
    y = pd.read_csv(tmp_path / f"{run.name}_ProjY.galaxy-results.tsv", sep="\t")
    # n reads of 50 bases in each mate: n pairs and 100 * n bases
    assert x[["sample", "state", "pairs", "bases"]].values.tolist() == [["A_L001", "ok", 2, 200]]
    assert y[["sample", "state", "pairs", "bases"]].values.tolist() == [
        ["B_L001", "ok", 3, 300],
        ["C_L001", "ok", 4, 400],
    ]


LANES_WORKFLOW = """
class: GalaxyWorkflow
label: gw-tests count pairs per lane
inputs:
  reads:
    type: collection
    collection_type: list:list:paired
outputs:
  counts:
    outputSource: count/counts
steps:
  count:
    tool_id: gw_count_pairs
    in:
      reads: reads
"""


def test_lanes_merged_per_sample_end_to_end(gi, tmp_path) -> None:
    """--lanes merge: each sample is a list of its lanes (list:list:paired); a workflow taking that
    maps over every lane of every sample, and the counts come back per sample and lane."""
    wf = gi.workflows.import_(LANES_WORKFLOW, reuse=True)
    run = tmp_path / f"run-lanes-{uuid.uuid4().hex[:6]}"
    fastq = run / "Analysis" / "1" / "Data" / "fastq"
    fastq.mkdir(parents=True)
    for i, sample in enumerate("AB", 1):
        for lane in (1, 2):
            for r in (1, 2):
                with gzip.open(fastq / f"{sample}_S{i}_L00{lane}_R{r}_001.fastq.gz", "wb") as gz:
                    gz.write(reads(i + lane, 10 * i + lane))  # A: 2 and 3 reads, B: 3 and 4
    (run / "SampleSheet.csv").write_text(SHEET)
    (run / "CopyComplete.txt").write_text("")

    watcher = Watcher(gi, tmp_path, wf, ext="fastqsanger.gz", lanes="merge")
    [launched] = watcher.scan()
    assert launched.status == "invoked"
    entry = ledger(tmp_path)[run.name]
    assert entry["collection_type"] == "list:list:paired"
    [coll] = entry["collections"].values()
    shown = gi.collections.wait(coll["collection_id"], timeout=600)
    assert [(e.identifier, [x.identifier for x in e.object.elements]) for e in shown.elements] == [
        ("A", ["L001", "L002"]),
        ("B", ["L001", "L002"]),
    ]
    inv = gi.invocations.wait(coll["invocation_id"], timeout=600)
    counts = gi.collections.wait(gi.invocations.outputs(inv.id)["counts"].id, timeout=600)
    got = {
        (sample.identifier, lane.identifier): gi.datasets.text(lane.object.id).splitlines()[-1]
        for sample in counts.elements
        for lane in sample.object.elements
    }
    assert got == {
        ("A", "L001"): "2\t200",
        ("A", "L002"): "3\t300",
        ("B", "L001"): "3\t300",
        ("B", "L002"): "4\t400",
    }
