"""`run --over` and `wait` on batches: one workflow over many samples, thin over ``gi.batches``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ...api.batches import BATCH_PREFIX, MAPPED, PER_ITEM, Batch
from ...api.histories import is_item_id
from ...records import Collection, Dataset, Workflow
from ..display import Table

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


def run_over(
    m: GalaxyMagics,
    wf: Workflow,
    label: str,
    spec: str,
    inputs: dict[str, Any],
    params: dict[str, Any],
    target: str | None,
    args: Any,
) -> Any:
    """Run ``wf`` over the samples ``spec`` names: ONE mapped invocation, or one per sample."""
    gi = m.require_gi()
    history = target or (gi.histories.create(args.new_history).id if args.new_history else None)
    batch = gi.batches.run(
        wf,
        _samples(m, spec),
        input=label,
        inputs=inputs,
        params=params or None,
        history=history,
        mode=PER_ITEM if args.per_item else MAPPED,
        keep_names=args.keep_names,
    )
    how = (
        "one invocation mapped over them"
        if batch.mode == MAPPED
        else f"{len(batch.invocations)} invocations, one history each"
    )
    print(f"Batch {batch.id}: {wf.name!r} over {len(batch.sample_names)} samples of {spec!r} ({how}).")
    if args.no_wait:
        print(f"`%galaxy wait {batch.id}` waits for it and gives the results table.")
        return m.deliver(batch, args.out)
    return m.deliver(wait_batch(m, batch), args.out)


def wait_batch(m: GalaxyMagics, batch: Batch) -> Any:
    """Wait for a batch with one progress line; the result is one table, failed samples in their rows."""
    bar = m.progress_display(f"{batch.name or 'batch'} ({batch.id})")
    batch.wait(
        timeout=m.wait_seconds,
        interval=m.poll_interval,
        progress=lambda snap: bar.update(snap.summary()),
    )
    frame = batch.results(cache_dir=m.cache_path)
    samples = batch.samples()
    ok = sum(1 for s in samples if s.ok)
    bar.update(f"done: {ok} of {len(samples)} samples ok", force=True)
    recs = batch.provenance()
    m.log.extend(recs)
    m.record(
        {
            "what": "batch",
            "server": batch._gi.url,
            "batch_id": batch.id,
            "mode": batch.mode,
            "workflow_id": batch.workflow_id,
            "samples": len(samples),
            "ok": ok,
        }
    )
    if m.autopandas:
        return frame
    return Table(list(frame.columns), frame.values.tolist(), title=f"Batch {batch.id}")


def batch_of(m: GalaxyMagics, value: Any) -> Batch | None:
    """A Batch from what `wait` was given: a Batch, a ``batch-...`` id, or a results table."""
    gi = m.require_gi()
    if isinstance(value, Batch):
        return value
    if isinstance(value, str) and value.strip().startswith(BATCH_PREFIX):
        return gi.batches.attach(value.strip())
    attrs = getattr(value, "attrs", None)
    if isinstance(attrs, dict) and attrs.get("galaxy_batch"):
        return gi.batches.attach(attrs["galaxy_batch"])
    return None


def _samples(m: GalaxyMagics, spec: str) -> Any:
    """What ``--over`` names: a variable (collection, datasets, dict of samples), an ITEM, or a
    history filter text."""
    try:
        value = m.user_value(spec)
    except KeyError:
        value = None
    if isinstance(value, Collection | dict):
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(v, Dataset) for v in value):
        return list(value)
    if isinstance(value, Dataset):
        raise UsageError(
            f"--over {spec!r} is one dataset; give a collection, a list of datasets or a filter."
        )
    if value is not None:
        raise UsageError(
            f"--over {spec!r} holds a {type(value).__name__}, not Galaxy items; give a collection, a list "
            "of datasets, a dict of samples or a history filter."
        )
    text = spec.strip()
    if text.lstrip("#").isdigit() or is_item_id(text):
        item = m.resolve(text, "collection" if is_item_id(text) else None)
        if isinstance(item, Dataset):
            raise UsageError(
                f"--over {spec!r} is one dataset; give a collection, a list of datasets or a filter."
            )
        return item
    history_id = m.require_history()
    items = m.require_gi().histories.contents(history_id, text).all()
    found = [i for i in items if isinstance(i, Dataset)]
    collections = [i for i in items if isinstance(i, Collection)]
    if not found and len(collections) == 1:  # e.g. --over name:reads naming one collection
        return collections[0]
    if not found:
        raise UsageError(
            f"--over {spec!r} matches no dataset in the current history; check it with `%galaxy ls {spec}`."
        )
    return sorted(found, key=lambda d: d.hid or 0)
