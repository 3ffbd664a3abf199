"""Dataset collections: show with elements, build list/paired collections, download elements."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import GalaxyError, JobFailedError
from ..records import ERROR_DATASET_STATES, Collection, Dataset
from . import wait as engine
from ._base import Resource


def _identifiers(elements: Mapping[str, Any] | Sequence[Any]) -> list[dict[str, Any]]:
    """``{"a": ds, "b": {"forward": ds1, "reverse": ds2}}`` -> Galaxy's element_identifiers."""
    if not isinstance(elements, Mapping):
        elements = {getattr(e, "name", None) or f"element_{i}": e for i, e in enumerate(elements)}
    out = []
    for name, value in elements.items():
        if isinstance(value, Mapping):
            kind = "paired" if set(value) == {"forward", "reverse"} else "list"
            out.append(
                {
                    "name": name,
                    "src": "new_collection",
                    "collection_type": kind,
                    "element_identifiers": _identifiers(value),
                }
            )
        elif isinstance(value, Dataset):
            out.append({"name": name, "src": "hda", "id": value.id})
        elif isinstance(value, Collection):
            out.append({"name": name, "src": "hdca", "id": value.id})
        elif isinstance(value, str):
            out.append({"name": name, "src": "hda", "id": value})
        else:
            raise GalaxyError(
                f"Element {name!r}: give a Dataset, a dataset id or a dict, not {type(value).__name__}."
            )
    return out


class Collections(Resource):
    def show(self, collection_id: str) -> Collection:
        """A history's collection (HDCA) with its elements (nested for list:paired)."""
        data = self._gi.get(
            f"dataset_collections/{collection_id}",
            params={"instance_type": "history"},
            what=f"Collection {collection_id}",
        )
        return Collection.from_api(data)

    def create(
        self,
        history_id: str,
        name: str,
        elements: Mapping[str, Any] | Sequence[Any],
        *,
        collection_type: str | None = None,
        hide_source_items: bool = False,
    ) -> Collection:
        """Build a collection from datasets already in Galaxy.

        ``elements`` maps identifiers to datasets (or dataset ids); a dict of ``{"forward",
        "reverse"}`` makes a pair, so ``{"s1": {"forward": f, "reverse": r}}`` is a list:paired.
        """
        identifiers = _identifiers(elements)
        if collection_type is None:
            if {e["name"] for e in identifiers} == {"forward", "reverse"} and len(identifiers) == 2:
                collection_type = "paired"
            elif identifiers and all(e["src"] == "new_collection" for e in identifiers):
                collection_type = f"list:{identifiers[0]['collection_type']}"
            else:
                collection_type = "list"
        if collection_type == "paired":
            identifiers.sort(key=lambda e: e["name"] != "forward")
        data = self._gi.post(
            f"histories/{history_id}/contents",
            json={
                "type": "dataset_collection",
                "collection_type": collection_type,
                "name": name,
                "element_identifiers": identifiers,
                "copy_elements": True,
                "hide_source_items": hide_source_items,
            },
            what="New collection",
        )
        return self.show(data["id"])

    def build(
        self,
        history_id: str,
        source: Any,
        *,
        name: str = "samples",
        collection_type: str | None = None,
        paired: bool | None = None,
        keep_names: bool = False,
        hide_source_items: bool = False,
    ) -> Collection:
        """A ``list``, ``paired``, ``list:paired`` or ``list:list`` collection from samples, without a job
        (local files cost the one upload job).

        ``source`` is a Collection (returned as is), a history filter text (``"extension:fastqsanger"``),
        datasets, local file paths, or a dict of identifier -> dataset (or ``{"forward", "reverse"}``,
        or a dict for a nested list). Datasets and files are paired by their read tags
        (``_R1``/``_R2``, ``_1``/``_2``, ``.R1.``/``.R2.``, with or without ``_001``) and named by sample,
        extensions and tags stripped (``keep_names`` keeps the full names); a mate without a partner or
        two items with one sample name raise :class:`~galaxy_widgets.pairing.PairingError`.
        """
        from ..pairing import collection_type as shape
        from ..pairing import pair

        if isinstance(source, Collection):
            return source if source.elements else self.show(source.id)
        if isinstance(source, str) and not _is_file(source):
            items = [
                i for i in self._gi.histories.contents(history_id, source).all() if isinstance(i, Dataset)
            ]
            if not items:
                raise GalaxyError(
                    f"The filter {source!r} matches no dataset in history {history_id}; check it with "
                    "gi.histories.contents(history_id, filter)."
                )
            source = sorted(items, key=lambda d: d.hid or 0)
        if isinstance(source, str | os.PathLike):
            source = [source]
        if isinstance(source, Mapping):
            grouped = dict(source)
        else:
            listed = list(source)
            if listed and all(isinstance(x, str | os.PathLike) and _is_file(x) for x in listed):
                grouped = pair(
                    [Path(x) for x in listed], name=lambda p: p.name, paired=paired, keep_names=keep_names
                )
                up = self._gi.uploads.files(
                    history_id,
                    grouped,
                    collection_type=collection_type or shape(grouped),
                    collection_name=name,
                )
                return self.populated(up.collection.id)
            if listed and all(isinstance(x, Collection) for x in listed):  # e.g. pairs -> list:paired
                named = {x.name: x for x in listed}
                if len(named) != len(listed):
                    raise GalaxyError("Two collections have the same name; rename one or give a dict.")
                kinds = {x.collection_type for x in listed}
                kind = collection_type or (f"list:{kinds.pop()}" if len(kinds) == 1 else None)
                if kind is None:
                    raise GalaxyError("The collections differ in type; a list of them needs one type.")
                return self.create(history_id, name, named, collection_type=kind, hide_source_items=False)
            bad = [x for x in listed if not isinstance(x, Dataset)]
            if bad:
                raise GalaxyError(
                    f"Cannot build a collection from {type(bad[0]).__name__} {bad[0]!r}: give datasets, "
                    "existing file paths, a history filter or a dict."
                )
            grouped = pair(listed, name=lambda d: d.name, paired=paired, keep_names=keep_names)
        if not grouped:
            raise GalaxyError("No elements to build a collection from.")
        return self.create(
            history_id,
            name,
            grouped,
            collection_type=collection_type or shape(grouped),
            hide_source_items=hide_source_items,
        )

    def populated(self, collection_id: str, *, timeout: float | None = 600) -> Collection:
        """The collection once its elements exist (an upload's collection fills when its job runs)."""
        return engine.simple(
            lambda: self.show(collection_id),
            lambda c: c.populated_state in ("ok", "failed"),
            what=f"Collection {collection_id}",
            reattach=f"gi.collections.populated({collection_id!r}) picks it up again.",
            timeout=timeout,
            interval=1.0,
        )

    def wait(
        self,
        collection_id: str,
        *,
        timeout: float | None = 600,
        interval: float = 2.0,
        raise_on_error: bool = True,
    ) -> Collection:
        """Wait until the collection is populated and every element dataset is terminal."""

        def done(c: Collection) -> bool:
            if c.populated_state not in ("ok", "failed", ""):
                return False
            return all(d.terminal for d in leaves(c))

        coll = engine.simple(
            lambda: self.show(collection_id),
            done,
            what=f"Collection {collection_id}",
            reattach=f"gi.collections.wait({collection_id!r}) picks it up again.",
            timeout=timeout,
            interval=interval,
            states=lambda c: dict(Counter(d.state for d in leaves(c))),
        )
        bad = [d for d in leaves(coll) if d.state in ERROR_DATASET_STATES]
        if raise_on_error and (bad or coll.populated_state == "failed"):
            which = ", ".join(sorted({d.name or d.id for d in bad})) or coll.raw.get(
                "populated_state_message", ""
            )
            raise JobFailedError(f"Collection {coll.name!r} has failed elements: {which}", dataset=coll)
        return coll

    def download(self, collection_id: str, directory: str | os.PathLike[str]) -> dict[str, Any]:
        """Download every element into ``directory`` (sub-folders for nested collections).

        Returns identifier -> path, nested like the collection.
        """
        coll = self.show(collection_id)
        return self._download(coll, Path(directory))

    def _download(self, coll: Collection, directory: Path) -> dict[str, Any]:
        directory.mkdir(parents=True, exist_ok=True)
        out: dict[str, Any] = {}
        for el in coll.elements:
            if isinstance(el.object, Collection):
                out[el.identifier] = self._download(el.object, directory / el.identifier)
            elif el.object is not None:
                ds = el.object
                name = el.identifier if "." in el.identifier else f"{el.identifier}.{ds.extension or 'dat'}"
                out[el.identifier] = self._gi.datasets.download(ds.id, directory / name)
        return out


def _is_file(x: str | os.PathLike[str]) -> bool:
    try:
        return Path(x).is_file()
    except (OSError, ValueError):
        return False


def leaves(coll: Collection) -> list[Dataset]:
    """Every dataset of a (nested) collection, depth first."""
    out: list[Dataset] = []
    for el in coll.elements:
        if isinstance(el.object, Collection):
            out.extend(leaves(el.object))
        elif isinstance(el.object, Dataset):
            out.append(el.object)
    return out
