"""Pairing by read tags, and the wait engine's timeout / Ctrl-C / failure handling (no server)."""

from __future__ import annotations

import pytest

from galaxy_widgets.api import wait as engine
from galaxy_widgets.errors import GalaxyError, WaitInterrupted, WaitTimeoutError
from galaxy_widgets.pairing import PairingError, collection_type, pair, sample_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("S1_L001_R1_001.fastq.gz", ("S1_L001", "1")),
        ("S1_L001_R2_001.fastq.gz", ("S1_L001", "2")),
        ("ctrl_R1.fastq", ("ctrl", "1")),
        ("ctrl_2.fq.gz", ("ctrl", "2")),
        ("liver.R1.fastq.gz", ("liver", "1")),
        ("liver.R2.fq", ("liver", "2")),
        ("sample_01.tsv", ("sample_01", None)),
        ("sample_11.tsv", ("sample_11", None)),
        ("plain.fastqsanger.gz", ("plain", None)),
    ],
)
def test_sample_names_and_mates(name, expected):
    assert sample_name(name) == expected


def test_pairs_make_a_list_paired_in_name_order():
    files = ["B_R2.fq.gz", "A_R1.fq.gz", "B_R1.fq.gz", "A_R2.fq.gz"]
    grouped = pair(files)
    assert grouped == {
        "A": {"forward": "A_R1.fq.gz", "reverse": "A_R2.fq.gz"},
        "B": {"forward": "B_R1.fq.gz", "reverse": "B_R2.fq.gz"},
    }
    assert list(grouped) == ["A", "B"]
    assert collection_type(grouped) == "list:paired"
    assert list(pair(files, keep_names=True)) == ["A_R1.fq.gz", "B_R1.fq.gz"]


def test_single_end_makes_a_list_without_extensions():
    grouped = pair(["s2.tsv", "s1.tsv"])
    assert grouped == {"s1": "s1.tsv", "s2": "s2.tsv"}
    assert collection_type(grouped) == "list"
    assert pair(["s1.tsv"], keep_names=True) == {"s1.tsv": "s1.tsv"}
    assert collection_type({"forward": "a", "reverse": "b"}) == "paired"
    assert collection_type({"x": {"a": 1, "b": 2}}) == "list:list"


def test_paired_false_keeps_every_file():
    assert pair(["a_1.fq", "a_2.fq"], paired=False) == {"a_1": "a_1.fq", "a_2": "a_2.fq"}


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["A_R1.fq", "A_R2.fq", "B_R1.fq"], r"'B_R1.fq' has no mate: the reverse \(R2\) read of sample 'B'"),
        (["A_R2.fq"], r"'A_R2.fq' has no mate: the forward \(R1\) read of sample 'A'"),
        (["A_R1.fq", "A_R1.fastq", "A_R2.fq"], "'A_R1.fq' and 'A_R1.fastq' are both the forward read"),
        (["A_R1.fq", "A_R2.fq", "B_1.fq", "B_2.fq"], r"read tags are mixed \('A_R1.fq', 'B_1.fq'\)"),
        (["A_R1.fq", "A_R2.fq", "notes.txt"], "Some names carry a read tag .* and some do not"),
        (["x.tsv", "x.txt"], "'x.tsv' and 'x.txt' give the same sample name 'x'"),
        ([], "Nothing to group"),
    ],
)
def test_pairing_refuses_to_guess(names, message):
    with pytest.raises(PairingError, match=message):
        pair(names)


def _looks(values):
    """A look function returning the given snapshots one after the other."""
    it = iter(values)

    def look(started: float) -> engine.Snapshot:
        return next(it)

    return look


def test_wait_returns_the_done_snapshot_and_reports_progress():
    seen = []
    snaps = [engine.Snapshot("x", i, {"running": 1}) for i in range(2)] + [
        engine.Snapshot("x", 9, {"ok": 1}, done=True)
    ]
    final = engine.wait(_looks(snaps), what="x", reattach="again", interval=0.01, progress=seen.append)
    assert final.value == 9 and [s.value for s in seen] == [0, 1, 9]


def test_wait_fail_fast_raises_the_callers_error_and_collect_mode_returns_failures():
    bad = engine.Failure("S3", "error", "boom", "job1")
    snaps = [engine.Snapshot("x", 0, {"error": 1}, failures=(bad,)), engine.Snapshot("x", 1, done=True)]
    with pytest.raises(GalaxyError, match="S3 failed: boom"):
        engine.wait(
            _looks(snaps),
            what="x",
            reattach="again",
            interval=0.01,
            on_failure=lambda s: GalaxyError(f"{s.failures[0].where} failed: {s.failures[0].message}"),
        )
    done = engine.Snapshot("x", 1, done=True, failures=(bad,))
    final = engine.wait(_looks([snaps[0], done]), what="x", reattach="", interval=0.01, fail_fast=False)
    assert final.failures == (bad,)


def test_wait_timeout_and_ctrl_c_say_the_work_goes_on_and_how_to_reattach():
    forever = lambda started: engine.Snapshot("x", 0, {"running": 2})  # noqa: E731
    timed_out = r"Batch b1 not finished after 0 s .*goes on in Galaxy\. attach"
    with pytest.raises(WaitTimeoutError, match=timed_out):
        engine.wait(forever, what="Batch b1", reattach="attach it", timeout=0.05, interval=0.01)

    def interrupted(started: float) -> engine.Snapshot:
        raise KeyboardInterrupt

    with pytest.raises(WaitInterrupted, match=r"Stopped waiting; Batch b1 goes on in Galaxy\. gi.batches"):
        engine.wait(interrupted, what="Batch b1", reattach="gi.batches.attach('b1')", interval=0.01)


@pytest.mark.parametrize(("timeout", "interval"), [(0, 1.0), (-1, 1.0), (10, 0)])
def test_wait_refuses_nonsense_times(timeout, interval):
    with pytest.raises(ValueError, match="positive number of seconds"):
        engine.wait(_looks([]), what="x", reattach="", timeout=timeout, interval=interval)


def test_snapshot_summary_counts_items_jobs_and_failures():
    snap = engine.Snapshot(
        "Batch b1",
        None,
        {"ok": 3, "running": 1},
        failures=(engine.Failure("S1", "error", "boom"),),
        elapsed=12.3,
        finished_items=3,
        total_items=4,
    )
    assert snap.summary() == "Batch b1: 3 of 4 finished; 3 ok, 1 running; 1 failed (12 s)"
