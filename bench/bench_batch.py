"""6. Batch: one workflow over N small datasets (N=200), three ways, against one server.

- **mapped** (ours): ``gi.batches.run(wf, datasets, history=h)`` builds ONE list collection (no job)
  and makes ONE invocation mapped over it; ``batch.wait()`` polls it.
- **per item** (ours): ``mode="per_item"``: a history and an invocation per sample (4 at a time);
  ``batch.wait()`` polls every history's state in one listing.
- **BioBlend** as its docs suggest: ``invoke_workflow`` per dataset, then ``wait_for_invocation`` and
  ``wait_for_dataset`` for each output, one after another.

For each: submit time, client requests (submit + wait + confirming every output is ok), requests
per poll round, and wall time from the first request until every output is known to be ok. Ours are
counted with a response hook on the client's Session, BioBlend's by wrapping
``requests.Session.request`` (its module-level ``requests.get``/``post`` go through it). Last, the
mapped poll round is counted again at N=1,000 (collection + invocation, a few rounds, then cancelled).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common import Ctx, Row, count_requests, say
from data import _wait_history

#: A one-step workflow: the project's own gw_sort over one data input.
WORKFLOW: dict[str, Any] = {
    "class": "GalaxyWorkflow",
    "label": "gw-bench batch sort",
    "doc": "One step: sort a small text (bench/bench_batch.py).",
    "inputs": {"table": {"type": "data", "format": ["txt", "tabular"]}},
    "outputs": {"sorted": {"outputSource": "sort/output1"}},
    "steps": {"sort": {"tool_id": "gw_sort", "in": {"input1": "table"}, "state": {"reverse": False}}},
}
OUTPUT = "sorted"
N_ITEMS = 200
N_BIG = 1000
#: Waits longer than this are reported as a problem (the brief: reduce N for that mode).
WAIT_TIMEOUT = 1800


@dataclass
class Measure:
    """One way of running the batch: times in seconds and request counts."""

    n: int
    submit_s: float = 0.0
    wall_s: float = 0.0
    submit_requests: int = 0
    wait_requests: int = 0
    check_requests: int = 0
    rounds: list[int] = field(default_factory=list)  # requests of each poll round
    round_requests: int = 0  # one look at every sample (BioBlend: measured once, after the run)

    @property
    def total(self) -> int:
        return self.submit_requests + self.wait_requests + self.check_requests

    @property
    def per_round(self) -> int:
        return max(self.rounds) if self.rounds else self.round_requests

    def text(self) -> str:
        rounds = f"{len(self.rounds)} rounds of {sorted(set(self.rounds))}" if self.rounds else ""
        return (
            f"N={self.n}: submit {self.submit_s:.2f} s ({self.submit_requests} requests), wait "
            f"{self.wait_requests} requests {rounds}, check {self.check_requests} requests; total "
            f"{self.total} requests, {self.per_round} per poll round"
            + (f"; wall {self.wall_s:.1f} s" if self.wall_s else "")
        )


class _Hook:
    """Counts the responses of one Session (thread-safe: list.append)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.seen: list[str] = []

    def __call__(self, r: Any, *args: Any, **kwargs: Any) -> None:
        self.seen.append(f"{r.request.method} {r.request.path_url.split('?')[0]}")

    def __enter__(self) -> _Hook:
        self.session.hooks["response"].append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.hooks["response"].remove(self)

    @property
    def count(self) -> int:
        return len(self.seen)


def _inputs(gi: Any, n: int, name: str) -> tuple[str, list[Any]]:
    """A new history of ``n`` small pasted datasets made by ONE upload request (one job)."""
    h = gi.histories.create(name)
    texts = {f"row{i:04d}.txt": f"b\t{i}\na\t{n - i}\nc\t{i * 7 % 13}\n" for i in range(n)}
    timeout, gi.timeout = gi.timeout, 900  # Galaxy makes every dataset before it answers
    try:
        gi.uploads.texts(h.id, texts, ext="txt")
    finally:
        gi.timeout = timeout
    _wait_history(gi, h.id)
    datasets = sorted(gi.datasets.list(h.id, limit=n + 1), key=lambda d: d.hid or 0)
    if len(datasets) != n or any(d.state != "ok" for d in datasets):
        raise RuntimeError(f"input history {h.id}: {len(datasets)} datasets, expected {n} ok")
    return h.id, datasets


def _ours(gi: Any, wf: Any, datasets: list[Any], history: str, mode: str) -> tuple[Measure, Any]:
    m = Measure(len(datasets))
    with _Hook(gi.session) as hook:
        t0 = time.perf_counter()
        kw = {"history": history} if mode == "mapped" else {"mode": "per_item"}
        batch = gi.batches.run(wf, datasets, name=f"gw-bench {mode}", **kw)
        m.submit_s = time.perf_counter() - t0
        m.submit_requests = hook.count
        mark = [hook.count]

        def progress(snap: Any) -> None:
            m.rounds.append(hook.count - mark[0])
            mark[0] = hook.count

        batch.wait(timeout=WAIT_TIMEOUT, progress=progress, fail_fast=True)
        m.wait_requests = hook.count - m.submit_requests
        samples = batch.samples()  # every sample's outputs, to confirm each one is ok
        m.wall_s = time.perf_counter() - t0
        m.check_requests = hook.count - m.submit_requests - m.wait_requests
    bad = [s for s in samples if not s.ok or getattr(s.outputs.get(OUTPUT), "state", "") != "ok"]
    if len(samples) != m.n or bad:
        which = [(s.sample, s.state) for s in bad[:5]]
        raise RuntimeError(f"{mode}: {len(samples)} samples of {m.n}; not ok: {which}")
    return m, batch


def _bioblend(ctx: Ctx, wf_id: str, datasets: list[Any], history: str) -> Measure:
    m = Measure(len(datasets))
    with count_requests() as counter:
        t0 = time.perf_counter()
        bb = ctx.bioblend()
        index = next(iter(bb.workflows.show_workflow(wf_id)["inputs"]))  # the docs' way to the input
        invocations = [
            bb.workflows.invoke_workflow(
                wf_id, inputs={index: {"src": "hda", "id": d.id}}, history_id=history
            )
            for d in datasets
        ]
        m.submit_s = time.perf_counter() - t0
        m.submit_requests = counter.count
        outputs = []
        for inv in invocations:
            done = bb.invocations.wait_for_invocation(inv["id"])
            for out in done["outputs"].values():
                outputs.append(bb.datasets.wait_for_dataset(out["id"]))
        m.wall_s = time.perf_counter() - t0
        m.wait_requests = counter.count - m.submit_requests
    if len(outputs) != m.n or any(o["state"] != "ok" for o in outputs):
        states = sorted({o["state"] for o in outputs})
        raise RuntimeError(f"bioblend: {len(outputs)} outputs of {m.n}, states {states}")
    # one look at every sample the way its wait does it (an invocation and its output each)
    with count_requests() as counter:
        for inv in invocations:
            done = bb.invocations.wait_for_invocation(inv["id"])
            for out in done["outputs"].values():
                bb.datasets.wait_for_dataset(out["id"])
    m.round_requests = counter.count
    return m


def _big_round(gi: Any, wf: Any, n: int) -> tuple[Measure, str]:
    """Mapped at ``n``: build + invoke, count a few poll rounds while jobs run, then cancel."""
    hist, datasets = _inputs(gi, n, f"gw-bench batch {n} (scratch)")
    m = Measure(n)
    with _Hook(gi.session) as hook:
        t0 = time.perf_counter()
        batch = gi.batches.run(wf, datasets, history=hist, name="gw-bench mapped big")
        m.submit_s = time.perf_counter() - t0
        m.submit_requests = hook.count
        started = time.monotonic()
        last = ""
        while time.monotonic() - started < 180:
            before = hook.count
            snap = batch.snapshot(started)
            m.rounds.append(hook.count - before)
            last = snap.summary()
            if sum(snap.states.values()) >= n or len(m.rounds) >= 30 or snap.done:
                break
            time.sleep(3)
    say(f"  N={n}: last round saw {last}")
    gi.invocations.cancel(batch.invocation_id or batch.id)
    return m, hist


def _clean(gi: Any, histories: list[str]) -> None:
    for h in histories:
        try:
            gi.histories.delete(h)  # no purge: the bench leaves the disk to Galaxy's cleanup
        except Exception as exc:  # a leftover history is no reason to lose the figures
            say(f"  could not delete history {h}: {exc}")


def run(ctx: Ctx) -> list[Row]:
    gi = ctx.gw()
    n = int(os.environ.get("GW_BENCH_BATCH_N") or (20 if ctx.quick else N_ITEMS))
    n_big = int(os.environ.get("GW_BENCH_BATCH_BIG") or (200 if ctx.quick else N_BIG))
    # per-item ledgers go to the run's temp dir, not the user's state dir
    old_state = os.environ.get("GALAXY_WIDGETS_STATE_DIR")
    os.environ["GALAXY_WIDGETS_STATE_DIR"] = str(ctx.tmp / "state")
    wf = gi.workflows.import_(WORKFLOW, reuse=True)
    say(f"  uploading {n} small datasets in one request")
    hist, datasets = _inputs(gi, n, f"gw-bench batch {n}")
    say("  warm-up: the workflow once on one dataset (not measured)")
    warm = gi.workflows.invoke(wf, {"table": datasets[0]}, history=hist)
    gi.invocations.wait(warm.id, timeout=600)
    cleanup = [hist]
    try:
        results: dict[str, Measure] = {}
        runs: dict[str, Callable[[], Measure]] = {
            "bioblend": lambda: _bioblend(ctx, wf.id, datasets, hist),
            "mapped": lambda: _ours(gi, wf, datasets, hist, "mapped")[0],
            "per_item": lambda: _per_item(gi, wf, datasets, cleanup),
        }
        for name, fn in runs.items():
            say(f"  {name}: {n} datasets through {WORKFLOW['label']!r}")
            results[name] = fn()
            say(f"    {results[name].text()}")
        say(f"  mapped at N={n_big}: one poll round's requests, then cancel")
        big, big_hist = _big_round(gi, wf, n_big)
        cleanup.append(big_hist)
        say(f"    {big.text()}")
    finally:
        _clean(gi, cleanup)
        if old_state is None:
            os.environ.pop("GALAXY_WIDGETS_STATE_DIR", None)
        else:
            os.environ["GALAXY_WIDGETS_STATE_DIR"] = old_state
    return _rows(results, big)


def _per_item(gi: Any, wf: Any, datasets: list[Any], cleanup: list[str]) -> Measure:
    m, batch = _ours(gi, wf, datasets, "", "per_item")
    cleanup.extend(batch.histories.values())
    return m


def _rows(results: dict[str, Measure], big: Measure) -> list[Row]:
    bb = results["bioblend"]
    base = "bioblend invoke_workflow + waits"
    rows = []
    for name, label in (("mapped", "mapped"), ("per_item", "per item")):
        m = results[name]
        bench = f"6 batch {label}"
        rows += [
            Row(bench, "s", m.submit_s, base, bb.submit_s, note=f"N={m.n}, submit"),
            Row(bench, "requests", m.total, base, bb.total, note=f"N={m.n}, total"),
            Row(bench, "requests", m.per_round, base, bb.per_round, note=f"N={m.n}, per poll round"),
            Row(bench, "s", m.wall_s, base, bb.wall_s, note=f"N={m.n}, wall until every output ok"),
        ]
    rows.append(
        Row("6 batch mapped", "requests", big.per_round, "target", 3, note=f"N={big.n}, per poll round")
    )
    return rows
