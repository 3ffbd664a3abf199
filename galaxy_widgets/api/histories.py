"""Histories and their contents (a lazy, paged, server-filtered query)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import (
    BadInputError,
    BadRequestError,
    ForbiddenError,
    GalaxyError,
    NotFoundError,
    OutcomeUnknownError,
)
from ..filters import Filters, FilterSyntaxError, parse_filter_text, to_params
from ..records import Collection, Dataset, History, item_from_api
from ..urls import segment
from ._base import Resource
from .wait import pause_before_retry

HISTORY_KEYS = "id,name,count,contents_active,size,update_time,create_time,tags,deleted,purged,annotation"
#: What Galaxy's encoded ids look like. Use :func:`is_encoded_id` / :func:`id_segment`, not this.
ENCODED_ID = re.compile(r"^[0-9a-f]{16,}$")
#: Galaxy's ``type_id`` of a history item (``dataset-ID``, ``dataset_collection-ID``): an id with its kind.
TYPE_ID = re.compile(r"^(dataset|dataset_collection)-([0-9a-f]{16,})$")
STATS_ACCEPT = "application/vnd.galaxy.history.contents.stats+json"
LIST_ITEMS = "histories.contents() lists them."
#: The largest hid a filter may name (Galaxy stores hids as 32-bit integers).
MAX_HID = 2**31 - 1


class ItemLookupError(GalaxyError, LookupError):
    """A hid, id or name did not name exactly one history item."""


def is_encoded_id(text: Any) -> bool:
    """True if ``text`` looks like a Galaxy encoded id (16+ lowercase hex digits).

    Galaxy encodes every table's integer ids with one secret, so a dataset, a collection, a history
    and a job may share an encoded id: this says nothing about which kind of object it names.
    """
    return isinstance(text, str) and bool(ENCODED_ID.match(text))


def is_item_id(text: Any) -> bool:
    """True for what names a history item by id: an encoded id, or a ``type_id`` (``dataset-ID``)."""
    return is_encoded_id(text) or (isinstance(text, str) and bool(TYPE_ID.match(text)))


def id_segment(value: Any, kind: str = "item") -> str:
    """An id as a URL path segment, checked at the API edge: ``'../users/current'`` is refused,
    never sent (and every segment is quoted, so nothing can climb out of its resource)."""
    if not is_encoded_id(value):
        shown = repr(value) if len(repr(value)) < 80 else repr(value)[:77] + "..."
        raise BadInputError(
            f"{shown} is not a {kind} id: Galaxy ids are 16 or more hex digits, like 1cd8e2f6b131e891. "
            f"Copy the id from Galaxy or from a record's .id."
        )
    return segment(value)


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
        if page_size < 1 or iter_page_size < 1:
            raise BadInputError(f"page_size must be 1 or more, not {min(page_size, iter_page_size)}.")
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
        if limit < 1 or number < 0:
            raise BadInputError(f"Page {number} of size {limit}: pages count from 0 and hold 1 item or more.")
        data = self._gi.get(
            f"histories/{id_segment(self.history_id, 'history')}/contents",
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
            f"histories/{id_segment(history_id, 'history')}",
            params={"keys": HISTORY_KEYS},
            what=f"History {history_id}",
        )
        return History.from_api(data)

    def get(self, spec: str | History) -> History:
        """A history by id or exact name (the newest if several share the name).

        A name that looks like an id (``deadbeefdeadbeef``) is looked up as a name when no history
        has that id.
        """
        if isinstance(spec, History):
            return spec
        if not isinstance(spec, str) or not spec.strip():
            raise BadInputError("Say which history: give its name or id (histories.list() lists them).")
        if is_encoded_id(spec):
            try:
                return self.show(spec)
            except (NotFoundError, BadRequestError, ForbiddenError):  # 400 "Wrong id": not an id after all
                pass
        matches = [h for h in self.list(spec) if h.name == spec]
        if not matches:
            raise ItemLookupError(f"No history named or with id {spec!r}; list them with histories.list().")
        return matches[0]

    def pick(self, spec: str | History | None = None) -> History | None:
        """The history to start on: ``spec`` (a History, id or name), else the client's current
        history, else the newest one; None for a user with no history."""
        if spec:
            return self.get(spec)
        if self._gi.history_id:
            return self.show(self._gi.history_id)
        newest = self.list(limit=1)
        return newest[0] if newest else None

    def create(self, name: str = "Unnamed history") -> History:
        """A new history. If the answer is lost, the error names the history it may have made."""
        started = datetime.now(timezone.utc)
        try:
            data = self._gi.post("histories", json={"name": name})
        except OutcomeUnknownError as exc:
            made = self._made_since(name, started - timedelta(minutes=1))
            more = (
                f" A history {name!r} was created at {made.raw.get('create_time', '')[:19]} UTC "
                f"({made.id}): most likely this one; use it rather than creating another."
                if made
                else f" No history named {name!r} was created in the last minute, so far."
            )
            lost = OutcomeUnknownError(f"{exc}{more}")
            lost.found = made
            raise lost from None
        return History.from_api(data)

    def _made_since(self, name: str, since: datetime) -> History | None:
        """The newest history called ``name`` created after ``since`` (for a POST whose answer was lost)."""
        for attempt in range(3):
            try:
                found = [h for h in self.list(name, limit=20, order="create_time-dsc") if h.name == name]
            except GalaxyError:
                found = []
            for h in found:
                created = _when(h.raw.get("create_time"))
                if created is not None and created >= since:
                    return h
            pause_before_retry(attempt, 0.5, 1.5)  # 0.5, 1, 1.5 s
        return None

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
        self._gi.put(
            f"histories/{id_segment(history_id, 'history')}", json=body, what=f"History {history_id}"
        )
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
            f"histories/{id_segment(history_id, 'history')}",
            params={"purge": purge},
            what=f"History {history_id}",
            timeout=max(self._gi.timeout, 600) if purge else None,
        )

    def state(self, history_id: str) -> dict[str, Any]:
        """``{"state": "ok", "counts": {"ok": 3, "running": 1, ...}}``: the job-state summary."""
        data = self._gi.get(
            f"histories/{id_segment(history_id, 'history')}",
            params={"keys": "state,state_details"},
            what=f"History {history_id}",
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
        _check_filters(filters)
        return ContentsQuery(self._gi, history_id, filters, order=order, keys=keys, page_size=page_size)

    def resolve(self, history_id: str | None, spec: Any, kind: str | None = None) -> Dataset | Collection:
        """THE id resolver: one history item from a record, a hid (``12`` or ``#12``), an encoded id,
        a ``type_id`` (``dataset-ID``, ``dataset_collection-ID``) or ``name:...``.

        Galaxy encodes dataset and collection ids alike, so an id is resolved knowing its kind: from
        a ``type_id`` or ``kind`` (``"dataset"`` or ``"collection"``: what the caller takes), else
        from the current history's contents (where the type is known), else by trying both kinds
        and refusing if both exist. An id the current history has only as the other kind than
        ``kind`` is refused, never taken from another history. Never a guess.
        """
        if isinstance(spec, Dataset | Collection):
            return spec
        if kind not in (None, "dataset", "collection"):
            raise BadInputError(f"kind is 'dataset' or 'collection', not {kind!r}.")
        text = str(spec).strip()
        if not text:
            raise ItemLookupError("Say which item: a hid (12 or #12), an id, or name:NAME.")
        hid = text[1:] if text.startswith("#") else text
        # an encoded id (16 hex digits) can be all digits ("5321284092324179"); no hid is that big
        digits_id = hid == text and len(text) == 16 and text.isdigit() and int(text) > MAX_HID
        if hid.isdigit() and not digits_id:
            if not history_id:
                raise ItemLookupError(f"#{hid} needs a current history; choose one first.")
            if int(hid) > MAX_HID:
                raise ItemLookupError(f"#{hid} is not a hid: hids are whole numbers up to {MAX_HID}.")
            found = self.contents(history_id, f"hid:{hid} deleted:false visible:any").all()
            if not found:
                raise ItemLookupError(f"No item #{hid} in history {history_id}; {LIST_ITEMS}")
            return self._full(found[0])
        typed = TYPE_ID.match(text)
        if typed:
            said = "dataset" if typed[1] == "dataset" else "collection"
            if kind not in (None, said):
                raise ItemLookupError(f"{text} is a {said}, not a {kind}.")
            return self._by_id(history_id, typed[2], said)
        if is_encoded_id(text):
            return self._by_id(history_id, text, kind)
        name = text[5:] if text.startswith("name:") else text
        if not history_id:
            raise ItemLookupError(f"Finding {name!r} by name needs a current history; choose one first.")
        matches = self.contents(history_id, q=[("name-contains", name), ("deleted-eq", "false")]).all()
        exact = [m for m in matches if m.name == name]
        matches = exact or matches
        if not matches:
            raise ItemLookupError(f"No item named {name!r} in history {history_id}; {LIST_ITEMS}")
        if len(matches) > 1:
            listing = ", ".join(f"#{m.hid} {m.name!r}" for m in matches[:10])
            raise ItemLookupError(f"{name!r} matches {len(matches)} items ({listing}); use a hid instead.")
        return self._full(matches[0])

    def _by_id(self, history_id: str | None, item_id: str, kind: str | None) -> Dataset | Collection:
        """An item by encoded id, its kind known (see :meth:`resolve`)."""
        wanted = {"dataset": Dataset, "collection": Collection}.get(kind or "")
        if history_id:
            try:
                here = self.contents(
                    history_id,
                    q=[("type_id-in", f"dataset-{item_id},dataset_collection-{item_id}")],
                    order="hid-dsc",
                ).all()
            except BadRequestError:  # an id Galaxy cannot decode: no item has it
                here = []
            if wanted is not None:
                mine = [i for i in here if isinstance(i, wanted)]
                if mine:
                    return self._full(mine[0])
                if here:  # the other kind is what this history has under that id
                    other = "collection" if kind == "dataset" else "dataset"
                    raise ItemLookupError(
                        f"Id {item_id} is a {other} in this history (#{here[0].hid} {here[0].name!r}), "
                        f"not a {kind}."
                    )
            elif len(here) == 1:
                return self._full(here[0])
            if len(here) > 1:
                listing = " and ".join(f"#{i.hid} {i.name!r}" for i in here)
                raise ItemLookupError(
                    f"Id {item_id} names both a dataset and a collection in this history ({listing}); "
                    "use the hid instead."
                )
        if kind == "dataset":
            return self._gi.datasets.show(item_id)
        if kind == "collection":
            return self._gi.collections.show(item_id)
        found: list[Dataset | Collection] = []
        for manager in (self._gi.datasets, self._gi.collections):
            try:
                found.append(manager.show(item_id))
            except (NotFoundError, BadRequestError, ForbiddenError):  # not that kind (or not yours)
                continue
        if len(found) == 1:
            return found[0]
        if not found:
            raise ItemLookupError(
                f"No dataset or collection with id {item_id!r}; use a hid or name:NAME of the current "
                f"history instead: {LIST_ITEMS}"
            )
        raise ItemLookupError(
            f"Id {item_id} is not in the current history, and Galaxy has both a dataset and a collection "
            "with that id (ids do not say their kind). Choose the history that holds it and use its hid, "
            "or say which kind: resolve(..., kind='dataset' or 'collection')."
        )

    def _full(self, item: Dataset | Collection) -> Dataset | Collection:
        if isinstance(item, Collection):
            return self._gi.collections.show(item.id)
        return self._gi.datasets.show(item.id)


def _check_filters(filters: Filters) -> None:
    """Refuse filter values the server would choke on (a 500 is not the user's fault, a bad hid is)."""
    for key, value in filters:
        if key.split("-", 1)[0] == "hid":
            text = str(value).strip()
            if not text.lstrip("-").isdigit() or abs(int(text)) > MAX_HID:
                raise FilterSyntaxError(
                    f"hid filter {key}={value!r}: a hid is a whole number up to {MAX_HID}; e.g. hid>3."
                )


def _when(text: str | None) -> datetime | None:
    """Galaxy's ISO time (UTC, often without a zone) as an aware datetime."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
