"""One workflow over many samples: a mapped invocation (the default) or one invocation per sample.

**mapped**: the samples become one collection (no job when built from datasets in the history) and
the workflow is invoked ONCE over it; Galaxy maps every step over the elements. A dataset input gets
the implicit map-over, a collection input takes the collection whole (or maps over it when it is a
list of the input's type, e.g. a ``list:paired`` into a ``paired`` input).

**per_item**: one new history and one invocation per sample, submitted with bounded concurrency.
Each POST is sent once, and a ledger (a local JSON file, no secrets) records what was submitted so
that an interrupted submit resumes without duplicates; every history is tagged ``gw_batch:<id>`` so
the batch can be re-attached from Galaxy alone.

Either way the result is a :class:`Batch` whose id starts ``batch-`` (a mapped batch's is
``batch-<invocation id>``): re-attach it with ``gi.batches.attach(batch.id)`` after a
kernel restart; it knows each sample's state, outputs and error, and waits with O(1) requests per
poll round whatever the number of samples.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GalaxyError, InvocationFailedError
from ..records import Collection, Dataset, History, Invocation, Workflow, WorkflowInput
from ..states import (
    ERROR_DATASET_STATES,
    ERROR_JOB_STATES,
    FAILED_INVOCATION_STATES,
    TERMINAL_DATASET_STATES,
    TERMINAL_JOB_STATES,
    failure_text,
    stderr_tail,
)
from . import wait as engine
from ._base import Resource
from .collections import leaves

if TYPE_CHECKING:
    from ..client import Galaxy

MAPPED = "mapped"
PER_ITEM = "per_item"
BATCH_PREFIX = "batch-"
TAG = "gw_batch"
#: Histories whose state will not change any more (Galaxy's history states).
_HISTORY_DONE = frozenset({"ok", "error", "empty", "paused", "discarded", "failed_metadata", "deferred"})


class BatchError(GalaxyError):
    """A batch could not be built, submitted or re-attached; the message says what to do."""


class BatchSubmitError(BatchError):
    """A per-item submit stopped part way; ``batch_id`` says which batch to resume."""

    def __init__(self, message: str, batch_id: str) -> None:
        self.batch_id = batch_id
        super().__init__(message)


@dataclass(frozen=True)
class SampleResult:
    """One sample of a batch: its state, where it ran, its outputs by label, and its error."""

    sample: str
    state: str
    invocation_id: str
    history_id: str
    outputs: dict[str, Dataset | Collection | Any] = field(default_factory=dict)
    error: str = ""
    job_id: str | None = None
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def ledger_dir() -> Path:
    """Where per-item batches record their submissions (0700; no secrets in it)."""
    base = os.environ.get("GALAXY_WIDGETS_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "galaxy-widgets"
    )
    path = Path(base) / "batches"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class _Ledger:
    """The per-item submission record: sample -> history and invocation ids, written atomically."""

    def __init__(self, batch_id: str, data: dict[str, Any] | None = None) -> None:
        self.path = ledger_dir() / f"{batch_id}.json"
        self.data: dict[str, Any] = data or {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, batch_id: str) -> _Ledger | None:
        path = ledger_dir() / f"{batch_id}.json"
        if not path.is_file():
            return None
        return cls(batch_id, json.loads(path.read_text()))

    def set(self, sample: str, **values: Any) -> None:
        with self._lock:
            self.data.setdefault("samples", {}).setdefault(sample, {}).update(values)
        self._write()

    def _write(self) -> None:
        with self._lock:
            tmp = self.path.with_suffix(f".{threading.get_ident()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(self.data, f, indent=1)
            os.replace(tmp, self.path)

    def set_all(self, samples: Any) -> None:
        """Record every sample as not started yet (one write)."""
        with self._lock:
            self.data["samples"] = {s: {} for s in samples}
        self._write()

    def sample(self, name: str) -> dict[str, Any]:
        return dict((self.data.get("samples") or {}).get(name) or {})


class Batch:
    """A workflow run over many samples. ``wait()``, then ``results()`` for one table.

    ``samples()`` gives each sample's :class:`SampleResult`; ``snapshot()`` one progress look.
    """

    def __init__(
        self,
        gi: Galaxy,
        batch_id: str,
        mode: str,
        workflow_id: str,
        *,
        invocations: Mapping[str, str] | None = None,
        histories: Mapping[str, str] | None = None,
        name: str = "",
        invocation_id: str | None = None,
    ) -> None:
        self._gi = gi
        self.id = batch_id
        self.mode = mode
        self.workflow_id = workflow_id
        self.name = name
        #: sample -> invocation id (mapped: every sample shares the one invocation)
        self.invocations: dict[str, str] = dict(invocations or {})
        #: sample -> history id
        self.histories: dict[str, str] = dict(histories or {})
        self._samples: list[SampleResult] | None = None
        self._failed_job_id: str | None = None
        #: a mapped batch's one invocation (known even before its collection is populated)
        self._invocation_id = invocation_id or next(iter(self.invocations.values()), None)

    def __repr__(self) -> str:
        return f"<Batch {self.id} ({self.mode}, {len(self.invocations)} samples) on {self._gi.url}>"

    def _repr_html_(self) -> str:
        import html

        return (
            f"<b>Batch {html.escape(self.id)}</b> ({html.escape(self.mode)}): "
            f"{len(self.invocations)} samples of workflow {html.escape(self.name or self.workflow_id)}. "
            f"Re-attach with <code>gi.batches.attach({self.id!r})</code>."
        )

    @property
    def invocation_id(self) -> str | None:
        """A mapped batch's one invocation (None for a per-item batch: see ``invocations``)."""
        return self._invocation_id if self.mode == MAPPED else None

    @property
    def sample_names(self) -> list[str]:
        return list(self.invocations)

    @property
    def reattach(self) -> str:
        return f"gi.batches.attach({self.id!r}).wait() or `%galaxy wait {self.id}` picks it up again."

    def _mapped_id(self) -> str:
        if not self._invocation_id:
            raise BatchError(f"Batch {self.id} has no invocation recorded; re-attach it with its id.")
        return self._invocation_id

    # ------------------------------------------------------------------ progress
    def snapshot(self, started: float | None = None) -> engine.Snapshot[Batch]:
        """One progress look: O(1) requests whatever the number of samples."""
        started = time.monotonic() if started is None else started
        if self.mode == MAPPED:
            return self._mapped_snapshot(started)
        return self._per_item_snapshot(started)

    def _mapped_snapshot(self, started: float) -> engine.Snapshot[Batch]:
        """ONE request per round: the invocation's job summary. Galaxy counts subworkflow jobs in it,
        and says ``populated_state: ok`` only once every step (subworkflows included) is scheduled.
        A failure costs one more request, to name the failed job."""
        inv_id = self._mapped_id()
        summary = self._gi.invocations.jobs_summary(inv_id)
        states = {k: n for k, n in (summary.get("states") or {}).items() if n}
        populated = summary.get("populated_state") or ""
        bad = sum(n for s, n in states.items() if s in ERROR_JOB_STATES)
        failures: tuple[engine.Failure, ...] = ()
        if populated == "failed" or bad:
            if self._failed_job_id is None:
                self._failed_job_id = self._gi.invocations.failed_job(inv_id) or ""
            job_id = self._failed_job_id or None
            what = f"{bad} job(s) failed" if bad else "the invocation failed"
            failures = (engine.Failure("invocation", "error", what, job_id),)
        done = populated in ("ok", "failed") and all(s in TERMINAL_JOB_STATES for s in states)
        total = len(self.invocations)
        return engine.Snapshot(
            f"Batch {self.id}",
            self,
            states,
            done=done,
            failures=failures,
            elapsed=time.monotonic() - started,
            finished_items=total if done else None,
            total_items=total,
        )

    def _per_item_snapshot(self, started: float) -> engine.Snapshot[Batch]:
        # 1. every sample's history state in one listing (by the batch tag)
        rows = _tagged_histories(self._gi, self.id, keys="id,name,state,state_details")
        by_id = {r["id"]: r for r in rows}
        # 2. the batch's invocations still being scheduled, in one listing
        pending = _unscheduled_invocations(self._gi)
        states: Counter[str] = Counter()
        failures = []
        finished = 0
        for sample, hist in self.histories.items():
            row = by_id.get(hist) or {}
            for state, n in (row.get("state_details") or {}).items():
                if n:
                    states[state] += n
            inv = self.invocations.get(sample, "")
            if row.get("state") in _HISTORY_DONE and inv not in pending:
                finished += 1
                if row.get("state") == "error":
                    failures.append(engine.Failure(sample, "error", f"sample {sample!r} has failed datasets"))
        total = len(self.histories)
        return engine.Snapshot(
            f"Batch {self.id}",
            self,
            dict(states),
            done=finished == total,
            failures=tuple(failures),
            elapsed=time.monotonic() - started,
            finished_items=finished,
            total_items=total,
        )

    def wait(
        self,
        *,
        timeout: float | None = 3600,
        interval: float = 10.0,
        progress: Callable[[engine.Snapshot[Batch]], None] | None = None,
        fail_fast: bool = False,
    ) -> Batch:
        """Wait until every sample is finished. Failed samples are collected (see :meth:`samples`)
        unless ``fail_fast``, which raises InvocationFailedError at the first failure."""
        engine.wait(
            self.snapshot,
            what=f"Batch {self.id}",
            reattach=self.reattach,
            timeout=timeout,
            interval=interval,
            progress=progress,
            fail_fast=fail_fast,
            on_failure=lambda s: InvocationFailedError(
                f"Batch {self.id}: {s.failures[0].where} failed: {s.failures[0].message}. {self.reattach}"
            ),
        )
        self._samples = None
        return self

    # ------------------------------------------------------------------ results
    def samples(self) -> list[SampleResult]:
        """Each sample's state, outputs by label, and error with the failed job's stderr."""
        if self._samples is None:
            self._samples = self._mapped_samples() if self.mode == MAPPED else self._per_item_samples()
        return self._samples

    def _mapped_samples(self) -> list[SampleResult]:
        gi = self._gi
        inv_id = self._mapped_id()
        inv = gi.invocations.show(inv_id)
        if not self.invocations:  # attached before its collection was filled: read the samples now
            coll_ref = _collection_input(inv)
            names = [e.identifier for e in gi.collections.show(coll_ref).elements] if coll_ref else []
            self.invocations = dict.fromkeys(names, inv_id)
            self.histories = dict.fromkeys(names, inv.history_id)
        per_sample: dict[str, dict[str, Any]] = {s: {} for s in self.invocations}
        shared: dict[str, Any] = {}
        for label, coll_id in inv.output_collections.items():
            coll = gi.collections.show(coll_id)
            for el in coll.elements:
                if el.identifier in per_sample:
                    per_sample[el.identifier][label] = el.object
                else:
                    shared[label] = coll
        for label, ds_id in inv.outputs.items():
            shared[label] = gi.datasets.show(ds_id)
        invocation_error = ""
        if inv.state in FAILED_INVOCATION_STATES:
            invocation_error = f"invocation {inv.state}"
        out = []
        for sample, outputs in per_sample.items():
            state, error, job_id, stderr = _outputs_state(gi, outputs)
            if invocation_error and state != "error":
                state, error = "error", error or invocation_error
            out.append(
                SampleResult(
                    sample, state, inv.id, inv.history_id, {**shared, **outputs}, error, job_id, stderr
                )
            )
        return out

    def _per_item_samples(self) -> list[SampleResult]:
        gi = self._gi

        def one(sample: str) -> SampleResult:
            inv_id = self.invocations.get(sample, "")
            hist = self.histories.get(sample, "")
            if not inv_id:
                return SampleResult(
                    sample, "not submitted", "", hist, {}, "never submitted; resume the batch"
                )
            inv = gi.invocations.show(inv_id)
            outputs = {k: _unwrap(v, sample) for k, v in gi.invocations.outputs(inv_id).items()}
            state, error, job_id, stderr = _outputs_state(gi, outputs)
            if inv.state in FAILED_INVOCATION_STATES and state != "error":
                state, error = "error", error or f"invocation {inv.state}"
            return SampleResult(sample, state, inv_id, inv.history_id, outputs, error, job_id, stderr)

        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(one, self.invocations))

    def outputs(self) -> dict[str, dict[str, Any]]:
        """Sample -> output label -> Dataset/Collection/value."""
        return {s.sample: s.outputs for s in self.samples()}

    def results(self, label: str | None = None, *, cache_dir: Path | None = None) -> Any:
        """One pandas DataFrame for the whole batch.

        Tabular outputs are concatenated with a ``sample`` column (the element identifier) first;
        other outputs become a column of values (text, JSON) or local paths. Failed samples appear
        with their ``error`` and the failed job's ``stderr`` and are not raised. With several
        tabular outputs (and no ``label``), the rows carry an ``output`` column too.
        """
        import pandas as pd

        from ..convert import kind_for, load

        samples = self.samples()
        labels = sorted({k for s in samples for k in s.outputs})
        if label is not None:
            if label not in labels:
                raise BatchError(
                    f"Batch {self.id} has no output {label!r}; its outputs: "
                    f"{', '.join(labels) or 'none yet'}."
                )
            labels = [label]

        def is_table(v: Any) -> bool:
            return isinstance(v, Dataset) and kind_for(v.extension) == "df"

        table_labels = [lab for lab in labels if any(is_table(s.outputs.get(lab)) for s in samples)]
        other_labels = [lab for lab in labels if lab not in table_labels]
        base = []
        for s in samples:
            row: dict[str, Any] = {"sample": s.sample, "state": s.state, "error": s.error, "stderr": s.stderr}
            for lab in other_labels:
                value = s.outputs.get(lab)
                if isinstance(value, Dataset) and value.state == "ok":
                    kind = kind_for(value.extension)
                    row[lab] = load(self._gi, value, "path" if kind == "df" else None, cache_dir=cache_dir)
                elif isinstance(value, Dataset | Collection):
                    row[lab] = None
                else:
                    row[lab] = value
            base.append(row)
        frame = pd.DataFrame(base, columns=["sample", "state", "error", "stderr", *other_labels])
        if table_labels:
            parts = []
            for lab in table_labels:
                for s in samples:
                    value = s.outputs.get(lab)
                    if not (isinstance(value, Dataset) and is_table(value) and value.state == "ok"):
                        continue
                    df = load(self._gi, value, "df", cache_dir=cache_dir)
                    df.insert(0, "sample", s.sample)
                    if len(table_labels) > 1:
                        df.insert(1, "output", lab)
                    parts.append(df)
            if parts:
                tables = pd.concat(parts, ignore_index=True)
                frame = frame.merge(tables, on="sample", how="left")
        frame.attrs["galaxy_batch"] = self.id
        return frame

    def provenance(self) -> list[dict[str, Any]]:
        """One record per sample: server, history, invocation, workflow, and each output's ids."""
        recs = []
        for s in self.samples():
            recs.append(
                {
                    "what": "batch",
                    "server": self._gi.url,
                    "batch_id": self.id,
                    "mode": self.mode,
                    "sample": s.sample,
                    "state": s.state,
                    "workflow_id": self.workflow_id,
                    "history_id": s.history_id,
                    "invocation_id": s.invocation_id,
                    "outputs": {
                        k: {
                            "id": v.id,
                            "hid": v.hid,
                            "type": "collection" if isinstance(v, Collection) else "dataset",
                            **({"update_time": v.update_time} if isinstance(v, Dataset) else {}),
                        }
                        for k, v in s.outputs.items()
                        if isinstance(v, Dataset | Collection)
                    },
                }
            )
        return recs


def _outputs_state(gi: Galaxy, outputs: Mapping[str, Any]) -> tuple[str, str, str | None, str]:
    """A sample's state from its outputs: error (with the failed job's stderr), running, or ok."""
    datasets: list[Dataset] = []
    for v in outputs.values():
        if isinstance(v, Dataset):
            datasets.append(v)
        elif isinstance(v, Collection):
            datasets.extend(leaves(v))
    for ds in datasets:
        if ds.state in ERROR_DATASET_STATES:
            full = gi.datasets.show(ds.id)
            job = gi.jobs.show(full.creating_job) if full.creating_job else None
            return (
                "error",
                failure_text(f"output {ds.name!r}", ds.state, job),
                full.creating_job,
                stderr_tail(job),
            )
    if not datasets:
        return "new", "", None, ""
    if any(ds.state not in TERMINAL_DATASET_STATES for ds in datasets):
        return "running", "", None, ""
    return "ok", "", None, ""


def _unwrap(value: Any, sample: str) -> Any:
    """A per-item run over a one-sample list gives one-element output lists: the element itself."""
    if isinstance(value, Collection) and len(value.elements) == 1 and value.elements[0].identifier == sample:
        return value.elements[0].object
    return value


def _unscheduled_invocations(gi: Galaxy) -> set[str]:
    """The user's invocations still being scheduled (one request per 100; usually one)."""
    out: set[str] = set()
    offset = 0
    while True:
        page = gi.get("invocations", params={"include_terminal": False, "limit": 100, "offset": offset})
        out.update(i["id"] for i in page)
        if len(page) < 100:
            return out
        offset += 100


def _tagged_histories(gi: Galaxy, batch_id: str, keys: str = "id,name") -> list[dict[str, Any]]:
    """The histories of a per-item batch, found by their tag (one request per 500)."""
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = gi.get(
            "histories",
            params={"q": "tag", "qv": f"{TAG}:{batch_id}", "keys": keys, "limit": 500, "offset": offset},
        )
        out.extend(page)
        if len(page) < 500:
            return out
        offset += 500


@dataclass(frozen=True)
class _Submission:
    """What a per-item submit sends: each of ``samples`` (sample -> value) into a history of its own
    named ``"{label} {sample}"``, recorded in ``ledger`` and filled into ``batch``."""

    batch: Batch
    ledger: _Ledger
    workflow: Workflow
    target: WorkflowInput
    samples: Mapping[str, Any]
    inputs: Mapping[str, Any] | None
    params: Mapping[str, Mapping[str, Any]] | None
    label: str
    concurrency: int
    use_cached_job: bool


class Batches(Resource):
    """Run one workflow over many samples, and re-attach to such runs."""

    def run(
        self,
        workflow: str | Workflow,
        samples: Any,
        *,
        input: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        history: str | History | None = None,
        mode: str = MAPPED,
        name: str | None = None,
        collection_type: str | None = None,
        keep_names: bool = False,
        concurrency: int = 4,
        use_cached_job: bool = False,
    ) -> Batch:
        """Run ``workflow`` over ``samples`` and return the :class:`Batch` at once (call ``wait()``).

        ``samples``: a Collection, a history filter text, datasets, local file paths, or a dict of
        sample -> dataset / ``{"forward", "reverse"}`` (see :meth:`Collections.build`; R1/R2 files
        are paired into a ``list:paired``). ``input`` is the label they feed (default: the one data
        input not given in ``inputs``); ``inputs`` and ``params`` are the same for every sample.
        ``mode`` is ``"mapped"`` (one collection, ONE invocation) or ``"per_item"`` (a history and an
        invocation per sample, ``concurrency`` submissions at a time).
        """
        if mode not in (MAPPED, PER_ITEM):
            raise BatchError(f"mode is {MAPPED!r} or {PER_ITEM!r}, not {mode!r}.")
        if concurrency < 1:
            raise BatchError(f"concurrency must be at least 1, not {concurrency!r}.")
        gi = self._gi
        wf = gi.workflows.get(workflow)
        target = _input(wf, input, inputs or {})
        label = name or wf.name
        if mode == MAPPED:
            history_id = _history_id(gi, history, label)
            # R1/R2 are paired only for a paired input; a dataset input maps over a plain list
            paired = None if "paired" in target.collection_type else False
            coll = gi.collections.build(
                history_id,
                samples,
                name=label,
                collection_type=collection_type,
                keep_names=keep_names,
                paired=paired,
            )
            if not coll.elements and coll.populated_state != "ok":
                coll = gi.collections.populated(coll.id)
            inv = gi.workflows.invoke(
                wf,
                {**(inputs or {}), target.label: coll},
                params=params,
                history=history_id,
                use_cached_job=use_cached_job,
            )
            names = [e.identifier for e in coll.elements]
            return Batch(
                gi,
                BATCH_PREFIX + inv.id,
                MAPPED,
                wf.id,
                invocation_id=inv.id,
                invocations=dict.fromkeys(names, inv.id),
                histories=dict.fromkeys(names, history_id),
                name=wf.name,
            )
        grouped = _grouped(gi, samples, history, keep_names)
        batch_id = BATCH_PREFIX + secrets.token_hex(6)
        ledger = _Ledger(batch_id, {"workflow_id": wf.id, "name": label, "samples": {}})
        ledger.set_all(grouped)
        batch = Batch(gi, batch_id, PER_ITEM, wf.id, name=wf.name)
        try:
            self._submit(
                _Submission(
                    batch, ledger, wf, target, grouped, inputs, params, label, concurrency, use_cached_job
                )
            )
        except GalaxyError as exc:
            raise BatchSubmitError(
                f"Submitting batch {batch_id} stopped ({exc}). What was submitted is recorded: "
                f"gi.batches.resume({batch_id!r}, samples) submits the rest, never a sample twice.",
                batch_id,
            ) from exc
        return batch

    def _submit(self, plan: _Submission) -> None:
        gi = self._gi
        batch, ledger, wf, target, label = plan.batch, plan.ledger, plan.workflow, plan.target, plan.label

        def one(sample: str) -> tuple[str, str, str]:
            rec = ledger.sample(sample)
            started = bool(rec)  # the ledger saw this sample begin: look in Galaxy before acting
            hist = rec.get("history_id") or ""
            if not hist and started:
                found = [h for h in _tagged_histories(gi, batch.id) if h["name"] == f"{label} {sample}"]
                hist = found[0]["id"] if found else ""
            created = False
            if not hist:
                ledger.set(sample, creating=True)
                hist = gi.histories.create(f"{label} {sample}").id
                ledger.set(sample, history_id=hist)
                gi.put(f"histories/{hist}", json={"tags": [f"{TAG}:{batch.id}"]}, what=f"History {hist}")
                created = True
            inv_id = rec.get("invocation_id") or ""
            if not inv_id and not created:
                done = gi.invocations.list(workflow_id=wf.id, history_id=hist, limit=1)
                inv_id = done[0].id if done else ""
            if not inv_id:
                value = _sample_value(gi, hist, sample, plan.samples[sample], target)
                ledger.set(sample, submitting=True)
                inv = gi.workflows.invoke(
                    wf,
                    {**(plan.inputs or {}), target.label: value},
                    params=plan.params,
                    history=hist,
                    use_cached_job=plan.use_cached_job,
                )
                inv_id = inv.id
            ledger.set(sample, history_id=hist, invocation_id=inv_id, submitting=False)
            return sample, hist, inv_id

        with ThreadPoolExecutor(max_workers=plan.concurrency) as pool:
            for sample, hist, inv_id in pool.map(one, plan.samples):
                batch.histories[sample] = hist
                batch.invocations[sample] = inv_id

    def resume(self, batch_id: str, samples: Any = None, **run_kw: Any) -> Batch:
        """Finish submitting a per-item batch that was interrupted: samples with an invocation are
        kept, the rest are submitted (each sample's history is checked first, so nothing runs twice)."""
        ledger = _Ledger.load(batch_id)
        if ledger is None:
            raise BatchError(f"No local record of batch {batch_id!r}; use gi.batches.attach({batch_id!r}).")
        batch = self.attach(batch_id)
        pending = [s for s in ledger.data.get("samples", {}) if not ledger.sample(s).get("invocation_id")]
        if pending:
            if samples is None:
                raise BatchError(
                    f"Batch {batch_id} has {len(pending)} unsubmitted sample(s) ({', '.join(pending[:5])}); "
                    "pass the same samples=... to resume()."
                )
            wf = self._gi.workflows.get(ledger.data["workflow_id"])
            grouped = _grouped(self._gi, samples, None, run_kw.get("keep_names", False))
            grouped = {s: grouped[s] for s in pending if s in grouped}
            target = _input(wf, run_kw.get("input"), run_kw.get("inputs") or {})
            label = ledger.data.get("name") or wf.name
            self._submit(
                _Submission(
                    batch,
                    ledger,
                    wf,
                    target,
                    grouped,
                    inputs=run_kw.get("inputs"),
                    params=run_kw.get("params"),
                    label=label,
                    concurrency=run_kw.get("concurrency", 4),
                    use_cached_job=run_kw.get("use_cached_job", False),
                )
            )
        return batch

    def attach(self, batch_id: str) -> Batch:
        """A batch from its ``batch-...`` id (a mapped batch's bare invocation id works too)."""
        gi = self._gi
        batch_id = str(batch_id).strip()
        rest = batch_id[len(BATCH_PREFIX) :] if batch_id.startswith(BATCH_PREFIX) else batch_id
        if batch_id.startswith(BATCH_PREFIX) and len(rest) < 16:  # a per-item batch's own id
            rows = _tagged_histories(gi, batch_id)
            ledger = _Ledger.load(batch_id)
            if not rows and ledger is None:
                raise BatchError(f"No batch {batch_id!r} on {gi.url}: no history carries its tag.")
            invocations: dict[str, str] = {}
            histories: dict[str, str] = {}
            workflow_id = (ledger.data.get("workflow_id") if ledger else "") or ""
            name = (ledger.data.get("name") if ledger else "") or ""
            for row in sorted(rows, key=lambda r: r["name"]):
                invs = gi.invocations.list(history_id=row["id"], limit=1)
                sample = (
                    row["name"][len(name) + 1 :]
                    if name and row["name"].startswith(name + " ")
                    else row["name"]
                )
                histories[sample] = row["id"]
                if invs:
                    invocations[sample] = invs[0].id
                    workflow_id = workflow_id or invs[0].workflow_id
            if ledger is not None:
                for sample in ledger.data.get("samples", {}):
                    rec = ledger.sample(sample)
                    if rec.get("history_id"):
                        histories.setdefault(sample, rec["history_id"])
                    if rec.get("invocation_id"):
                        invocations.setdefault(sample, rec["invocation_id"])
            return Batch(gi, batch_id, PER_ITEM, workflow_id, invocations=invocations, histories=histories)
        inv = gi.invocations.show(rest)  # a mapped batch: batch-<invocation id> (or the bare id)
        coll_ref = _collection_input(inv)
        if coll_ref is None:
            raise BatchError(
                f"Invocation {rest} did not run over a collection, so it is not a batch; "
                f"use gi.invocations.wait({rest!r})."
            )
        coll = gi.collections.show(coll_ref)
        names = [e.identifier for e in coll.elements]
        wf_name = ""
        try:
            wf_name = gi.get(f"workflows/{inv.workflow_id}", params={"instance": True}).get("name", "")
        except GalaxyError:
            pass
        return Batch(
            gi,
            BATCH_PREFIX + inv.id,
            MAPPED,
            inv.workflow_id,
            invocation_id=inv.id,
            invocations=dict.fromkeys(names, inv.id),
            histories=dict.fromkeys(names, inv.history_id),
            name=wf_name,
        )


def _collection_input(inv: Invocation) -> str | None:
    for ref in (inv.raw.get("inputs") or {}).values():
        if isinstance(ref, dict) and ref.get("src") == "hdca":
            return ref["id"]
    return None


def _input(wf: Workflow, label: str | None, given: Mapping[str, Any]) -> WorkflowInput:
    data = [i for i in wf.inputs if i.type != "parameter_input"]
    if label is not None:
        for i in data:
            if i.label == label:
                return i
        raise BatchError(
            f"Workflow {wf.name!r} has no data input {label!r}; its data inputs: "
            + (", ".join(repr(i.label) for i in data) or "none")
            + "."
        )
    free = [i for i in data if i.label not in given]
    if len(free) != 1:
        raise BatchError(
            f"Say which input the samples feed: input=... (data inputs of {wf.name!r}: "
            + (", ".join(repr(i.label) for i in data) or "none")
            + ")."
        )
    return free[0]


def _history_id(gi: Galaxy, history: str | History | None, name: str) -> str:
    if isinstance(history, History):
        return history.id
    if history:
        return gi.histories.get(history).id
    if gi.history_id:
        return gi.history_id
    return gi.histories.create(name).id


def _grouped(gi: Galaxy, samples: Any, history: str | History | None, keep_names: bool) -> dict[str, Any]:
    """Samples for per-item mode: sample -> Dataset, ``{"forward", "reverse"}`` or Collection."""
    from ..pairing import pair

    if isinstance(samples, Collection):
        coll = samples if samples.elements else gi.collections.show(samples.id)
        return {
            e.identifier: (e.object.datasets() if isinstance(e.object, Collection) else e.object)
            for e in coll.elements
        }
    if isinstance(samples, Mapping):
        return dict(samples)
    if isinstance(samples, str):
        hist = history.id if isinstance(history, History) else (history or gi.history_id)
        if not hist:
            raise BatchError("A filter needs a history: pass history=... or set gi.history_id.")
        samples = [i for i in gi.histories.contents(hist, samples).all() if isinstance(i, Dataset)]
    listed = list(samples)
    if listed and all(isinstance(x, Dataset) for x in listed):
        return pair(listed, name=lambda d: d.name, keep_names=keep_names)
    raise BatchError(
        "Per-item mode takes datasets, a collection, a history filter or a dict of samples "
        f"(got {type(listed[0]).__name__ if listed else 'nothing'}); upload local files first "
        "(gi.collections.build(history_id, paths))."
    )


def _sample_value(gi: Galaxy, history_id: str, sample: str, value: Any, target: WorkflowInput) -> Any:
    """What one sample gives the workflow input: a dataset, or a collection built in its history."""
    if isinstance(value, Dataset | Collection):
        return value
    if isinstance(value, Mapping):
        kind = target.collection_type or "paired"
        if kind == "paired" or set(value) != {"forward", "reverse"}:
            return gi.collections.create(history_id, sample, value, hide_source_items=False)
        # a list:paired (or list) input: a collection of this one sample
        return gi.collections.create(history_id, sample, {sample: value}, hide_source_items=False)
    raise BatchError(f"Sample {sample!r}: cannot feed {type(value).__name__} to input {target.label!r}.")
