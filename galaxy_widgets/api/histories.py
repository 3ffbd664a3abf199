"""Histories and their contents (a lazy, paged, server-filtered query)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import GalaxyError, NotFoundError
from ..filters import Filters, parse_filter_text, to_params
from ..records import Collection, Dataset, History, item_from_api
from ._base import Resource

HISTORY_KEYS = "id,name,count,size,update_time,create_time,tags,deleted,purged,annotation"
ENCODED_ID = re.compile(r"^[0-9a-f]{16,}$")
STATS_ACCEPT = "application/vnd.galaxy.history.contents.stats+json"


class ItemLookupError(GalaxyError, LookupError):
    """A hid, id or name did not name exactly one history item."""


@dataclass(frozen=True)
class Page:
    """One page of history contents and the total number of matches."""

    items: list[Dataset | Collection]
    total: int
    offset: int
    limit: int

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Dataset | Collection]:
        return iter(self.items)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1


class ContentsQuery:
    """History contents matching server-side filters, fetched a page at a time.

    Iterating fetches lazily; :meth:`page` returns one page with the total count in one request;
    :meth:`count` asks only for the count.
    """

    def __init__(
        self,
        gi: Any,
        history_id: str,
        filters: Filters,
        *,
        order: str = "hid-dsc",
        keys: Sequence[str] = (),
        page_size: int = 100,
        iter_page_size: int = 500,
    ) -> None:
        self._gi = gi
        self.iter_page_size = iter_page_size
        self.history_id = history_id
        self.filters = filters
        self.order = order
        self.keys = tuple(keys)
        self.page_size = page_size

    def __repr__(self) -> str:
        return f"ContentsQuery(history_id={self.history_id!r}, filters={self.filters!r})"

    def _params(self, offset: int, limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {"v": "dev", "order": self.order, "offset": offset, "limit": limit}
        params.update(to_params(self.filters))
        if self.keys:
            params["keys"] = ",".join(self.keys)
        return params

    def page(self, number: int = 0, size: int | None = None) -> Page:
        """Page ``number`` (from 0) and the total number of matches, in one request."""
        limit = size or self.page_size
        data = self._gi.get(
            f"histories/{self.history_id}/contents",
            params=self._params(number * limit, limit),
            headers={"Accept": STATS_ACCEPT},
            what=f"History {self.history_id}",
        )
        return Page(
            [item_from_api(d) for d in data["contents"]],
            int(data["stats"]["total_matches"]),
            number * limit,
            limit,
        )

    def count(self) -> int:
        """How many items match, without fetching them."""
        return self.page(0, 1).total

    def __iter__(self) -> Iterator[Dataset | Collection]:
        """All matches, fetched lazily in pages of ``iter_page_size`` (default 500: fewer round
        trips than the display page size); stops on the server's total, no empty last request."""
        offset, size = 0, max(self.page_size, self.iter_page_size)
        while True:
            page = self.page(offset // size, size)
            yield from page.items
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return

    def all(self) -> list[Dataset | Collection]:
        return list(self)

    def datasets(self) -> list[Dataset]:
        return [i for i in self if isinstance(i, Dataset)]


class Histories(Resource):
    def list(
        self,
        search: str | None = None,
        *,
        deleted: bool = False,
        limit: int | None = None,
        offset: int = 0,
        order: str = "update_time-dsc",
    ) -> list[History]:
        """Histories of the current user, newest first; ``search`` is Galaxy's own search text
        (words match the name, ``tag:x`` a tag) and is applied on the server."""
        params: dict[str, Any] = {
            "view": "summary",
            "keys": HISTORY_KEYS,
            "order": order,
            "limit": limit,
            "offset": offset or None,
            "search": search or None,
            "show_own": True,
        }
        if deleted:
            params["search"] = f"{search or ''} is:deleted".strip()
        return [History.from_api(h) for h in self._gi.get("histories", params=params)]

    def count(self, search: str | None = None) -> int:
        """Number of matching histories (from Galaxy's ``total_matches`` header)."""
        resp = self._gi.request(
            "GET",
            "histories",
            params={"search": search, "limit": 1, "keys": "id", "show_own": True},
            raw=True,
        )
        total = resp.headers.get("total_matches")
        return int(total) if total is not None else len(self.list(search))

    def show(self, history_id: str) -> History:
        data = self._gi.get(
            f"histories/{history_id}", params={"keys": HISTORY_KEYS}, what=f"History {history_id}"
        )
        return History.from_api(data)

    def get(self, spec: str | History) -> History:
        """A history by id or exact name (the newest if several share the name)."""
        if isinstance(spec, History):
            return spec
        if ENCODED_ID.match(spec):
            try:
                return self.show(spec)
            except NotFoundError:
                pass
        matches = [h for h in self.list(spec) if h.name == spec]
        if not matches:
            raise ItemLookupError(f"No history named or with id {spec!r}; list them with histories.list().")
        return matches[0]

    def create(self, name: str = "Unnamed history") -> History:
        data = self._gi.post("histories", json={"name": name})
        return History.from_api(data)

    def update(
        self,
        history_id: str,
        *,
        name: str | None = None,
        tags: Sequence[str] | None = None,
        annotation: str | None = None,
    ) -> History:
        """Rename, (re)tag or annotate a history."""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if tags is not None:
            body["tags"] = list(tags)
        if annotation is not None:
            body["annotation"] = annotation
        self._gi.put(f"histories/{history_id}", json=body, what=f"History {history_id}")
        return self.show(history_id)

    def rename(self, history_id: str, name: str) -> History:
        return self.update(history_id, name=name)

    def tag(self, history_id: str, *tags: str) -> History:
        """Add tags (keeping the existing ones)."""
        current = self.show(history_id).tags
        return self.update(history_id, tags=[*current, *(t for t in tags if t not in current)])

    def delete(self, history_id: str, *, purge: bool = False) -> None:
        """Delete (or purge: frees disk, can take minutes for a big history)."""
        self._gi.delete(
            f"histories/{history_id}",
            params={"purge": purge},
            what=f"History {history_id}",
            timeout=max(self._gi.timeout, 600) if purge else None,
        )

    def state(self, history_id: str) -> dict[str, Any]:
        """``{"state": "ok", "counts": {"ok": 3, "running": 1, ...}}``: the job-state summary."""
        data = self._gi.get(
            f"histories/{history_id}", params={"keys": "state,state_details"}, what=f"History {history_id}"
        )
        counts = {k: v for k, v in (data.get("state_details") or {}).items() if v}
        return {"state": data.get("state"), "counts": counts}

    # -- contents
    def contents(
        self,
        history_id: str,
        filter: str | None = None,
        *,
        q: Filters | None = None,
        order: str = "hid-dsc",
        keys: Sequence[str] = (),
        page_size: int = 100,
    ) -> ContentsQuery:
        """Items of a history matching the web UI's filter text and/or raw ``(q, qv)`` pairs."""
        filters = parse_filter_text(filter) if filter is not None or q is None else []
        if q:
            filters = [*(f for f in filters if f[0].split("-")[0] not in {k.split("-")[0] for k, _ in q}), *q]
        return ContentsQuery(self._gi, history_id, filters, order=order, keys=keys, page_size=page_size)

    def resolve(self, history_id: str | None, spec: Any) -> Dataset | Collection:
        """One history item from a hid (``12`` or ``#12``), an encoded id, or ``name:...``."""
        if isinstance(spec, Dataset | Collection):
            return spec
        text = str(spec).strip()
        hid = text[1:] if text.startswith("#") else text
        if hid.isdigit():
            if not history_id:
                raise ItemLookupError(f"#{hid} needs a current history; choose one first.")
            found = self.contents(history_id, f"hid:{hid} deleted:false visible:any").all()
            if not found:
                raise ItemLookupError(f"No item #{hid} in history {history_id}.")
            return self._full(found[0])
        if ENCODED_ID.match(text):
            for manager in (self._gi.datasets, self._gi.collections):
                try:
                    return manager.show(text)
                except NotFoundError:
                    continue
                except GalaxyError as exc:  # a dataset id looked up as a collection may give 400
                    if getattr(exc, "status", None) in (400, 403):
                        continue
                    raise
            raise ItemLookupError(f"No dataset or collection with id {text!r}.")
        name = text[5:] if text.startswith("name:") else text
        if not history_id:
            raise ItemLookupError(f"Finding {name!r} by name needs a current history; choose one first.")
        matches = self.contents(history_id, q=[("name-contains", name), ("deleted-eq", "false")]).all()
        exact = [m for m in matches if m.name == name]
        matches = exact or matches
        if not matches:
            raise ItemLookupError(f"No item named {name!r} in history {history_id}.")
        if len(matches) > 1:
            listing = ", ".join(f"#{m.hid} {m.name!r}" for m in matches[:10])
            raise ItemLookupError(f"{name!r} matches {len(matches)} items ({listing}); use a hid instead.")
        return self._full(matches[0])

    def _full(self, item: Dataset | Collection) -> Dataset | Collection:
        if isinstance(item, Collection):
            return self._gi.collections.show(item.id)
        return self._gi.datasets.show(item.id)
