"""Bench data on the server, created once and found again by name on later runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from common import MB, say

LIST_HISTORY = "gw-bench 1000"
FILES_HISTORY = "gw-bench files"
UPLOADS_HISTORY = "gw-bench uploads (scratch)"
N_ITEMS = 1000
FAILED_STATES = {"error", "failed_metadata", "discarded", "paused"}
N_TARGETS = 10  # items named target_NNNN among the 1,000


def item_name(i: int) -> str:
    """``target_0000``, ``target_0100``, ... for every 100th item, ``file_NNNN`` otherwise."""
    return f"target_{i:04d}" if i % (N_ITEMS // N_TARGETS) == 0 else f"file_{i:04d}"


def _history(gi: Any, name: str) -> Any | None:
    matches = [h for h in gi.histories.list(name) if h.name == name]
    return matches[0] if matches else None


def listing_history(gi: Any) -> str:
    """A history of 1,000 small pasted datasets (10 named ``target_*``), made by ONE fetch request."""
    h = _history(gi, LIST_HISTORY)
    if h is not None:
        failed = set(gi.histories.state(h.id)["counts"]) & FAILED_STATES
        if not failed and gi.histories.contents(h.id).count() == N_ITEMS:
            return _wait_history(gi, h.id)  # done, or still running from an earlier run
        say(f"  history {LIST_HISTORY!r} is incomplete or failed; making it again")
        gi.histories.delete(h.id)  # no purge: purging 1,000 datasets takes minutes here
    h = gi.histories.create(LIST_HISTORY)
    texts = {item_name(i): f"line {i}\n" for i in range(N_ITEMS)}
    say(f"  uploading {N_ITEMS} pasted datasets in one request (one job; a few minutes on a busy server)")
    timeout, gi.timeout = gi.timeout, 900  # creating 1,000 datasets took > 60 s on the loaded dev server
    try:
        gi.uploads.texts(h.id, texts, ext="txt")
    finally:
        gi.timeout = timeout
    return _wait_history(gi, h.id)


def _wait_history(gi: Any, history_id: str, timeout: float = 1800) -> str:
    """Wait until every item of the history is ok; raise if any failed."""
    deadline = time.monotonic() + timeout
    while True:
        state = gi.histories.state(history_id)
        counts = state["counts"]
        if set(counts) <= {"ok"} and state["state"] == "ok":
            return history_id
        bad = {k: v for k, v in counts.items() if k in FAILED_STATES}
        if bad:
            raise RuntimeError(f"Bench history {history_id} has failed items: {bad}; delete it and rerun.")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Bench history {history_id} not ready after {timeout:.0f} s: {counts}")
        time.sleep(3)


def make_file(path: Path, size: int) -> Path:
    """A text file of ``size`` bytes (numbered lines, not compressible to nothing)."""
    line = b"%09d\tACGTTGCAACGTAGCTAGCTAGGATCCGATCGATCGTAGCTAGCTGACTGATCGA\n"
    block = b"".join(line % i for i in range(1 << 16))
    with open(path, "wb") as fh:
        written = 0
        while written < size:
            chunk = block[: size - written]
            fh.write(chunk)
            written += len(chunk)
    return path


def big_dataset(gi: Any, size_mb: int, tmp: Path) -> str:
    """The id of an ok ``gw-bench-<size>MB.txt`` dataset, uploaded by TUS on the first run."""
    name = f"gw-bench-{size_mb}MB.txt"
    h = _history(gi, FILES_HISTORY) or gi.histories.create(FILES_HISTORY)
    for item in gi.histories.contents(h.id, f"name:{name}"):
        if item.name == name and item.state not in FAILED_STATES:
            return gi.datasets.wait(item.id, timeout=1800).id  # ok, or still running from an earlier run
    path = make_file(tmp / name, size_mb * MB)
    say(f"  uploading {name} by TUS (once; later runs reuse it)")
    try:
        result = gi.uploads.files(h.id, [path], ext="txt")
    finally:
        path.unlink(missing_ok=True)
    for job_id in result.job_ids:
        gi.jobs.wait(job_id, timeout=1800)
    return gi.datasets.wait(result.dataset.id, timeout=1800).id


def scratch_history(gi: Any) -> str:
    """A history for the upload benchmark's throwaway datasets (purged after each run)."""
    h = _history(gi, UPLOADS_HISTORY)
    return h.id if h is not None else gi.histories.create(UPLOADS_HISTORY).id
