"""One workflow over a paired-end run: mapped and per-item batches against the real Galaxy."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from galaxy_widgets import Galaxy
from galaxy_widgets.api.batches import MAPPED, PER_ITEM, Batch, BatchSubmitError
from galaxy_widgets.errors import GalaxyConnectionError

#: sample -> (read pairs, read length); bases = pairs * 2 * length (written out by hand below)
READS = {"A1": (2, 5), "A2": (3, 4), "B1": (1, 6), "B2": (4, 3), "C1": (2, 8), "C2": (5, 2)}
EXPECTED = {
    "A1": (2, 20),
    "A2": (3, 24),
    "B1": (1, 12),
    "B2": (4, 24),
    "C1": (2, 32),
    "C2": (5, 20),
}
BAD = "D1"  # 3 forward reads, 2 reverse reads: the count tool refuses it


def _fastq(path: Path, n: int, length: int) -> Path:
    with gzip.open(path, "wt") as f:
        for i in range(n):
            f.write(f"@read{i}\n{('ACGT' * 4)[:length]}\n+\n{'I' * length}\n")
    return path


@pytest.fixture(scope="module")
def run_history(gi):
    return gi.histories.create("gw-tests paired run")


@pytest.fixture(scope="module")
def reads(gi, run_history, tmp_path_factory) -> dict[str, list]:
    """Every sample's R1/R2 as datasets (one upload job), plus the bad sample's pair."""
    d = tmp_path_factory.mktemp("run")
    paths = []
    for sample, (n, length) in READS.items():
        for mate in (1, 2):
            paths.append(_fastq(d / f"{sample}_R{mate}.fastq.gz", n, length))
    paths.append(_fastq(d / f"{BAD}_R1.fastq.gz", 3, 4))
    paths.append(_fastq(d / f"{BAD}_R2.fastq.gz", 2, 4))
    up = gi.uploads.wait(gi.uploads.files(run_history.id, paths))
    good = [ds for ds in up.datasets if not ds.name.startswith(BAD)]
    bad = [ds for ds in up.datasets if ds.name.startswith(BAD)]
    return {"good": good, "bad": bad}


@pytest.fixture(scope="module")
def count_pairs(gi, demo_workflows):
    return demo_workflows["count_read_pairs"]


ROUNDS: dict[str, list[str]] = {}


def _requests_of(gi, call) -> list[str]:
    """The requests the client sends while ``call()`` runs (a session response hook)."""
    sent: list[str] = []
    hook = lambda r, *a, **k: sent.append(f"{r.request.method} {r.request.url}")  # noqa: E731
    gi.session.hooks["response"].append(hook)
    try:
        call()
    finally:
        gi.session.hooks["response"].remove(hook)
    return sent


def _check_rows(frame, samples) -> None:
    ok = frame[frame["state"] == "ok"].set_index("sample")
    assert sorted(ok.index) == sorted(samples)
    for sample in samples:
        assert (int(ok.loc[sample, "pairs"]), int(ok.loc[sample, "bases"])) == EXPECTED[sample], sample


@pytest.fixture(scope="module")
def mapped(gi, run_history, reads, count_pairs) -> Batch:
    batch = gi.batches.run(count_pairs, reads["good"] + reads["bad"], history=run_history, name="run 42")
    ROUNDS["running"] = _requests_of(gi, batch.snapshot)
    batch.wait(timeout=900)
    ROUNDS["done"] = _requests_of(gi, batch.snapshot)
    return batch


def test_mapped_batch_is_one_invocation_over_a_list_paired(gi, mapped):
    assert mapped.mode == MAPPED
    assert sorted(mapped.sample_names) == sorted([*READS, BAD])
    assert set(mapped.invocations.values()) == {mapped.invocation_id}  # ONE invocation for every sample
    inv = gi.invocations.show(mapped.invocation_id)
    coll = gi.collections.show(next(r["id"] for r in inv.raw["inputs"].values() if r["src"] == "hdca"))
    assert coll.collection_type == "list:paired"
    first = coll.elements[0].object
    assert [e.identifier for e in first.elements] == ["forward", "reverse"]


def test_mapped_batch_results_table_with_the_failed_sample_in_its_row(mapped):
    frame = mapped.results()
    _check_rows(frame, list(READS))
    bad = frame.set_index("sample").loc[BAD]
    assert bad["state"] == "error"
    assert "mates out of step: 3 forward reads but 2 reverse reads" in bad["stderr"]
    assert "mates out of step" in bad["error"]
    assert frame.attrs["galaxy_batch"] == mapped.id


def test_batch_reattached_by_a_fresh_client(galaxy_server, mapped):
    fresh = Galaxy(galaxy_server.url, api_key=galaxy_server.api_key)
    assert mapped.id == f"batch-{mapped.invocation_id}"
    again = fresh.batches.attach(mapped.id).wait(timeout=60)
    assert fresh.batches.attach(mapped.invocation_id).sample_names == again.sample_names
    assert sorted(again.sample_names) == sorted(mapped.sample_names)
    frame = again.results()
    _check_rows(frame, list(READS))
    outputs = again.outputs()
    assert outputs["A1"]["counts"].state == "ok"


def test_provenance_for_every_sample(gi, mapped):
    recs = {r["sample"]: r for r in mapped.provenance()}
    assert sorted(recs) == sorted([*READS, BAD])
    rec = recs["A1"]
    assert rec["server"] == gi.url and rec["invocation_id"] == mapped.invocation_id
    out = rec["outputs"]["counts"]
    assert out["type"] == "dataset" and out["update_time"]
    assert gi.datasets.show(out["id"]).name  # a real dataset id


def test_poll_round_costs_constant_requests(mapped):
    # 7 samples, but one round is one request (two more once, to name the failed job)
    assert len(ROUNDS["running"]) <= 3, ROUNDS["running"]
    assert len(ROUNDS["done"]) <= 3, ROUNDS["done"]
    assert all("/jobs_summary" in r or "/jobs?" in r for r in ROUNDS["done"]), ROUNDS["done"]


def test_per_item_batch_one_history_and_invocation_per_sample(gi, reads, count_pairs):
    batch = gi.batches.run(count_pairs, reads["good"], mode=PER_ITEM, name="per-item run")
    assert batch.mode == PER_ITEM and batch.id.startswith("batch-")
    assert len(set(batch.invocations.values())) == len(READS)
    assert len(set(batch.histories.values())) == len(READS)
    sent = _requests_of(gi, batch.snapshot)  # histories by tag + unscheduled invocations
    assert len(sent) <= 3, sent
    batch.wait(timeout=900)
    _check_rows(batch.results(), list(READS))
    # re-attached from Galaxy alone (the history tags), and resuming submits nothing twice
    again = gi.batches.attach(batch.id)
    assert again.invocations == batch.invocations
    resumed = gi.batches.resume(batch.id)
    assert resumed.invocations == batch.invocations
    for hist in batch.histories.values():
        assert len(gi.invocations.list(history_id=hist)) == 1


def test_interrupted_per_item_submit_resumes_without_duplicates(gi, reads, count_pairs, monkeypatch):
    """One invoke's answer is lost after Galaxy got it, another never leaves: resume finishes the
    batch with exactly one invocation per sample."""
    real_invoke = gi.workflows.invoke
    good = [d for d in reads["good"] if d.name[:2] in ("A1", "B1", "C1")]

    def flaky(wf, inputs, **kw):
        sample = gi.histories.show(kw["history"]).name.rsplit(" ", 1)[-1]
        if sample == "B1":
            raise GalaxyConnectionError("refused before sending (simulated)")
        inv = real_invoke(wf, inputs, **kw)
        if sample == "C1":
            raise GalaxyConnectionError("the answer was lost (simulated)")
        return inv

    monkeypatch.setattr(gi.workflows, "invoke", flaky)
    with pytest.raises(BatchSubmitError, match=r"gi\.batches\.resume\('batch-[0-9a-f]+', samples\)") as err:
        gi.batches.run(count_pairs, good, mode=PER_ITEM, name="resumed run", concurrency=1)
    monkeypatch.undo()
    batch = gi.batches.resume(err.value.batch_id, good)
    assert sorted(batch.invocations) == ["A1", "B1", "C1"]
    for sample, hist in batch.histories.items():
        invs = gi.invocations.list(history_id=hist)
        assert [i.id for i in invs] == [batch.invocations[sample]], sample
    assert len(gi.histories.list("resumed run")) >= 3
