"""HistoryBrowser and DatasetPicker: a history's contents, one server-filtered page at a time."""

from __future__ import annotations

import shlex
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GalaxyError
from ..filters import FilterSyntaxError, parse_filter_text
from ..records import TERMINAL_DATASET_STATES, Collection, Dataset, History
from ._facade import Facade, Poller, widget_closed
from ._format import history_row, item_label, item_row, nice_size, strip_html, variable_name
from .dropzone import DEFAULT_MAX_UPLOAD, Dropzone
from .models import HistoryModel

if TYPE_CHECKING:
    from ..client import Galaxy
    from .sidebar import SidePanel

#: Keys asked of the contents API: what a row shows, and no more.
ROW_KEYS = (
    "id",
    "hid",
    "name",
    "history_content_type",
    "extension",
    "state",
    "file_size",
    "tags",
    "update_time",
    "deleted",
    "visible",
    "collection_type",
    "element_count",
    "populated_state",
    "job_states_summary",
    "history_id",
)
HISTORY_LIMIT = 50
SELECT_ALL_LIMIT = 5000
PREVIEW_LINES = 12
POLL_SECONDS = 3.0
_KINDS = {"any": None, "dataset": "dataset", "collection": "dataset_collection"}


def load_code(item: Dataset | Collection, shown_history: str, current_history: str | None) -> str:
    """The code a row carries when dragged into a cell: ``table = %galaxy get #12`` (``name:...``
    without a hid). When the row's history is not the current one, a ``%galaxy use`` line comes
    first, so the hid never resolves in another history."""
    var = variable_name(item.name.rsplit(".", 1)[0] if "." in item.name[1:] else item.name, "data", "data_")
    if item.hid is not None:
        spec = f"#{item.hid}"
    else:
        # the magic line is split like a shell line and IPython expands $name and {expr} in it
        spec = shlex.quote(f"name:{item.name}").replace("$", "$$").replace("{", "{{").replace("}", "}}")
    code = f"{var} = %galaxy get {spec}"
    return code if shown_history == current_history else f"%galaxy use {shown_history}\n{code}"


def _ipython() -> Any:
    """The running IPython shell, or None (plain Python)."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def _running(row: dict) -> bool:
    if row["type"] == "collection":
        return row["state"] not in ("ok", "error", "failed")
    return row["state"] not in TERMINAL_DATASET_STATES


class HistoryBrowser(Facade):
    """Browse histories and their contents: server-side search and filter, paging, peeks.

    >>> HistoryBrowser(gi)                       # the current (or newest) history
    >>> HistoryBrowser(gi, "my history", filter="extension:tabular")

    Running datasets on the visible page update by themselves (a background thread polls while any
    is running; the kernel stays free). ``close()`` stops it.
    """

    _selectable = False
    _default_title = "Galaxy histories"

    def __init__(
        self,
        gi: Galaxy,
        history: str | History | None = None,
        *,
        filter: str = "",
        page_size: int = 15,
        extensions: list[str] | tuple[str, ...] | str | None = None,
        kind: str = "any",
        multiple: bool = True,
        show_histories: bool = True,
        title: str | None = None,
        subtitle: str = "",
        poll_interval: float = POLL_SECONDS,
        max_upload: int = DEFAULT_MAX_UPLOAD,
    ) -> None:
        if kind not in _KINDS:
            raise TypeError(f"kind must be one of {', '.join(_KINDS)}, not {kind!r}.")
        if isinstance(extensions, str):
            extensions = [extensions]
        self.gi = gi
        self.kind = kind
        self._records: dict[str, Dataset | Collection] = {}
        self._lock = threading.RLock()
        self.widget = HistoryModel(
            title=title or self._default_title,
            subtitle=subtitle,
            selectable=self._selectable,
            multiple=multiple,
            show_histories=show_histories,
            extensions=[e.lower() for e in extensions or () if e and e != "data"],
            page_size=max(1, page_size),
        )
        self._poller = Poller(self._poll, poll_interval, self._poll_error, name="galaxy-widgets history poll")
        self.dropzone = Dropzone(self.widget, self._upload_dropped, max_upload)
        self._coded_for: str | None = None  # the current history the rows' code was written for
        self._shell = _ipython()
        if self._shell is not None:
            self._shell.events.register("post_run_cell", self._recode)
        w = self.widget
        w.observe(self._on_search, "history_search")
        w.observe(self._on_history, "history_id")
        w.observe(self._on_filter, "filter_text")
        w.observe(self._on_page, "page")
        w.observe(self._on_selected, "selected")
        w.on_msg(self._on_msg)
        self._load_histories()
        start = self.gi.histories.pick(history)
        w.filter_text = filter  # no history yet: nothing is fetched until one is set below
        if start is not None:
            w.history_id = start.id
            if start.id not in {h["id"] for h in w.histories}:
                w.histories = [history_row(start), *w.histories]

    # ------------------------------------------------------------------ public
    @property
    def history_id(self) -> str:
        return self.widget.history_id

    @property
    def rows(self) -> list[dict]:
        """The visible page, as shown."""
        return list(self.widget.rows)

    @property
    def total(self) -> int:
        """How many items match the filter (all pages)."""
        return self.widget.total

    @property
    def items(self) -> list[Dataset | Collection]:
        """The visible page as records."""
        return [self._records[r["key"]] for r in self.widget.rows if r["key"] in self._records]

    def refresh(self) -> None:
        self._load_histories()
        self._load_page()

    def show_in_sidebar(self, title: str = "Galaxy") -> SidePanel:
        """Move this browser into JupyterLab's right-hand side panel, following ``gi.history_id`` and
        refreshing while work runs; inline with a one-line note where there is no side panel."""
        from .sidebar import open_panel

        return open_panel(self, title=title)

    def _pollers(self) -> list[Poller]:
        return [self._poller]

    def close(self) -> None:
        self.dropzone.close()
        self._unhook()
        super().close()

    def _unhook(self) -> None:
        if self._shell is not None:
            try:
                self._shell.events.unregister("post_run_cell", self._recode)
            except ValueError:
                pass

    def _current_history(self) -> str | None:
        """The history ``%galaxy get #hid`` reads: the magics' current one once they are loaded."""
        magic = sys.modules.get("galaxy_widgets.magics.magic")
        if magic is not None and self._shell is not None:
            for c in getattr(self._shell, "configurables", ()):
                if isinstance(c, magic.GalaxyMagics):
                    return c.history_id
        return self.gi.history_id

    def _recode(self, *args: Any) -> None:
        """After each cell: if the current history changed (``%galaxy use``), rewrite the rows' code
        from the records at hand (no request), so a dragged hid is never read in another history."""
        w = self.widget
        if widget_closed(w):
            self._unhook()  # a browser closed with its view (never through close())
            return
        current = self._current_history()
        with self._lock:
            if current == self._coded_for:
                return
            self._coded_for = current
            w.rows = [
                {**r, "code": load_code(self._records[r["key"]], w.history_id, current)}
                if r["key"] in self._records
                else r
                for r in w.rows
            ]

    def __repr__(self) -> str:
        w = self.widget
        if not w.history_id:
            return f"{type(self).__name__}: no history chosen ({len(w.histories)} histories)"
        pages = max(1, -(-w.total // w.page_size))
        head = f"{type(self).__name__}: history {w.history_name!r}, {w.total} item(s)"
        if w.filter_text:
            head += f" matching {w.filter_text!r}"
        lines = [f"{head}; page {w.page + 1} of {pages}"]
        chosen = set(w.selected)
        for r in w.rows:
            mark = "[x] " if r["key"] in chosen else "[ ] " if w.selectable else ""
            lines.append(
                f"  {mark}#{r['hid']:<4} {r['name'][:48]:<48} {r['extension']:<10} "
                f"{r['state']:<8} {r['size']}"
            )
        if w.error:
            lines.append(f"  error: {w.error}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ loading
    def _load_histories(self) -> None:
        w = self.widget
        search = w.history_search.strip() or None
        try:
            found = self.gi.histories.list(search, limit=HISTORY_LIMIT)
            total = self.gi.histories.count(search) if len(found) >= HISTORY_LIMIT else len(found)
        except GalaxyError as exc:
            w.error = f"Could not list histories: {exc}"
            return
        with w.hold_sync():
            w.histories = [history_row(h) for h in found]
            w.histories_total = total
            w.error = ""

    def _query(self):
        w = self.widget
        q: list[tuple[str, str]] = []
        if w.extensions:
            q.append(("extension-in", ",".join(w.extensions)))
        if _KINDS[self.kind]:
            q.append(("history_content_type-eq", _KINDS[self.kind]))
        return self.gi.histories.contents(w.history_id, w.filter_text, q=q or None, keys=ROW_KEYS)

    def _fetch(self) -> tuple[tuple, Any]:
        w = self.widget
        key = (w.history_id, w.filter_text, w.page, w.page_size)
        return key, self._query().page(w.page, w.page_size)

    def _current_key(self) -> tuple:
        w = self.widget
        return (w.history_id, w.filter_text, w.page, w.page_size)

    def _apply(self, key: tuple, page: Any) -> bool:
        """Show a fetched page if it still answers what is asked; True if any row is running."""
        w = self.widget
        with self._lock:
            if key != self._current_key():
                return False
            for item in page.items:
                self._records[item.type_id] = item
            current = self._coded_for = self._current_history()
            rows = [{**item_row(i), "code": load_code(i, w.history_id, current)} for i in page.items]
            with w.hold_sync():
                w.rows = rows
                w.total = page.total
                w.error = ""
                w.loading = False
            self._summarize()
        return any(_running(r) for r in rows)

    def _load_page(self) -> None:
        w = self.widget
        if not w.history_id:
            with w.hold_sync():
                w.rows, w.total = [], 0
            return
        try:
            parse_filter_text(w.filter_text)
        except FilterSyntaxError as exc:
            w.filter_error = str(exc)
            return
        w.filter_error = ""
        w.loading = True
        try:
            key, page = self._fetch()
        except GalaxyError as exc:
            with w.hold_sync():
                w.loading = False
                w.rows, w.total = [], 0
                w.error = f"Could not load the history: {exc}"
            return
        if self._apply(key, page):
            self._poller.start()

    def _poll(self) -> bool:
        if widget_closed(self.widget):
            return False
        if not any(_running(r) for r in self.widget.rows):
            return False
        key, page = self._fetch()
        running = self._apply(key, page)
        self._follow_shown()
        return running

    def _follow_shown(self) -> None:
        """Show the item under the table again when its row's state has changed."""
        w = self.widget
        shown = w.detail.get("key")
        row = next((r for r in w.rows if r["key"] == shown), None) if shown else None
        if row and row["state"] != w.detail.get("state"):
            self.show(shown)

    def _poll_error(self, exc: BaseException) -> None:
        self.widget.error = f"Updating running items failed (retrying): {exc}"

    # ------------------------------------------------------------------ events from the browser
    def _on_search(self, change: dict) -> None:
        self._load_histories()

    def _on_history(self, change: dict) -> None:
        w = self.widget
        hid = change["new"]
        name = next((h["name"] for h in w.histories if h["id"] == hid), "")
        if hid and not name:
            try:
                name = self.gi.histories.show(hid).name
            except GalaxyError as exc:
                w.error = f"Could not open history {hid}: {exc}"
                return
        with w.hold_sync():
            w.history_name = name
            w.detail = {}
        self._reset_page()

    def _on_filter(self, change: dict) -> None:
        self._reset_page()

    def _reset_page(self) -> None:
        if self.widget.page != 0:
            self.widget.page = 0  # its observer loads
        else:
            self._load_page()

    def _on_page(self, change: dict) -> None:
        w = self.widget
        last = max(0, -(-w.total // w.page_size) - 1) if w.total else 0
        if change["new"] < 0 or (w.total and change["new"] > last):
            w.page = min(max(0, change["new"]), last)
            return
        self._load_page()

    def _on_selected(self, change: dict) -> None:
        self._summarize()

    def _on_msg(self, widget: Any, content: dict, buffers: Any) -> None:
        if self.dropzone.handle(content, buffers or []):
            return
        action = content.get("action")
        if action == "show":
            self.show(str(content.get("key", "")))
        elif action == "hide":
            self.widget.detail = {}
        elif action == "select_all":
            self.select_all()
        elif action == "refresh":
            self.refresh()

    def _upload_dropped(
        self, history_id: str, paths: list[Path], names: list[str], progress: Callable[[str, int, int], None]
    ) -> Sequence[tuple[str, Any]]:
        """Files dropped on the browser, into the history shown when they were dropped: TUS, then
        ONE fetch request for them all (``gi.uploads.files``). Returns ``(name, hid)`` pairs."""
        result = self.gi.uploads.files(history_id, paths, names=names, progress=progress)
        self._load_histories()  # its size and count
        if history_id == self.widget.history_id:
            self._load_page()  # the new items, running; the poller follows them
        return [(d.name, d.hid) for d in result.datasets]

    # ------------------------------------------------------------------ actions
    def show(self, item: str | int | Dataset | Collection) -> dict:
        """Show an item's peek (first lines, or a collection's elements) under the table: a record,
        a row's ``key``, or what :meth:`Histories.resolve` takes (hid, id, ``name:...``)."""
        w = self.widget
        key = item.type_id if isinstance(item, Dataset | Collection) else str(item)
        try:
            record = self._records.get(key) or self._resolve(item)
            if isinstance(record, Collection):
                detail = self._collection_detail(record.id)
            else:
                detail = self._dataset_detail(record.id)
        except GalaxyError as exc:
            known = self._records.get(key)
            detail = {"key": key, "id": getattr(known, "id", ""), "name": getattr(known, "name", ""),
                      "error": str(exc)}
        w.detail = detail
        return detail

    def _dataset_detail(self, dataset_id: str) -> dict:
        from ..convert import kind_for

        ds = self.gi.datasets.show(dataset_id)
        self._records[ds.type_id] = ds
        lines: list[str] = []
        if ds.state == "ok" and ds.size:
            if kind_for(ds.extension) in ("df", "text", "json"):
                lines = self.gi.datasets.preview(ds.id, PREVIEW_LINES)
            else:
                lines = strip_html(ds.peek).splitlines()[:PREVIEW_LINES]
        info = " · ".join(s for s in (ds.raw.get("misc_blurb"), ds.raw.get("misc_info")) if s)
        return {
            "key": ds.type_id,
            "id": ds.id,
            "hid": ds.hid,
            "name": ds.name,
            "extension": ds.extension,
            "state": ds.state,
            "size": nice_size(ds.size) if ds.size else "",
            "info": info[:500],
            "lines": lines,
            "columns": list(ds.column_names or []),
            "type": "dataset",
        }

    def _collection_detail(self, collection_id: str) -> dict:
        coll = self.gi.collections.show(collection_id)
        elements = []
        for el in coll.elements[:50]:
            obj = el.object
            ext = obj.extension if isinstance(obj, Dataset) else getattr(obj, "collection_type", "")
            state = obj.state if obj is not None else ""
            elements.append({"identifier": el.identifier, "extension": ext, "state": state})
        return {
            "key": coll.type_id,
            "id": coll.id,
            "hid": coll.hid,
            "name": coll.name,
            "extension": coll.collection_type,
            "state": coll.populated_state,
            "info": f"{coll.element_count} element(s)",
            "elements": elements,
            "type": "collection",
        }

    def select_all(self) -> int:
        """Select every item matching the current filter (all pages); returns how many are selected."""
        w = self.widget
        if not (w.selectable and w.multiple and w.history_id):
            return len(w.selected)
        total = self._query().count()
        if total > SELECT_ALL_LIMIT:
            w.error = (
                f"{total} items match; narrow the filter to at most {SELECT_ALL_LIMIT} to select them all."
            )
            return len(w.selected)
        found = []
        for item in self._query():
            self._records[item.type_id] = item
            found.append(item.type_id)
        chosen = list(w.selected)
        w.selected = chosen + [i for i in found if i not in set(chosen)]
        return len(w.selected)

    def _summarize(self) -> None:
        w = self.widget
        names = []
        for item_id in w.selected[:4]:
            try:
                names.append(item_label(self._record(item_id)))
            except (LookupError, GalaxyError):  # gone since it was picked: counted, not named
                continue
        more = len(w.selected) - len(names)
        w.selection_summary = ", ".join(names) + (f" and {more} more" if more > 0 else "")


    def _record(self, key: str) -> Dataset | Collection:
        """The record behind a row key (``dataset-ID`` / ``dataset_collection-ID``), also when it is
        not on the page shown; anything else the resolver takes, in this browser's kind."""
        if key not in self._records:
            self._records[key] = self._resolve(key)
        return self._records[key]

    def _resolve(self, spec: Any) -> Dataset | Collection:
        """One item of the history shown, by anything the resolver takes, in this browser's kind."""
        kind = None if self.kind == "any" else self.kind
        return self.gi.histories.resolve(self.widget.history_id, spec, kind)


class DatasetPicker(HistoryBrowser):
    """A HistoryBrowser with checkboxes: pick datasets (and whole collections) to use in Python.

    >>> picker = DatasetPicker(gi, extensions=["tabular", "csv"])
    >>> picker.value          # the picked Dataset / Collection records, in the order picked
    >>> tables = picker.get() # their contents, like %galaxy get: a list, in the same order

    ``get()`` returns a list (names need not be unique in a history); ``get_dict()`` keys the same
    values by item name for when they are.
    """

    _selectable = True
    _default_title = "Pick datasets"

    def __init__(
        self,
        gi: Galaxy,
        history: str | History | None = None,
        extensions: list[str] | tuple[str, ...] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(gi, history, extensions=extensions, **kwargs)

    @property
    def value(self) -> list[Dataset | Collection]:
        """The selected datasets and collections, in the order they were picked."""
        return [self._record(item_id) for item_id in self.widget.selected]

    @value.setter
    def value(self, items: list[Dataset | Collection | str]) -> None:
        keys = []
        for item in items:
            record = item if isinstance(item, Dataset | Collection) else self._resolve(item)
            self._records[record.type_id] = record
            keys.append(record.type_id)
        self.widget.selected = keys

    def get(self, as_: str | None = None, **kwargs: Any) -> list[Any]:
        """Pull every picked item into Python (DataFrame, text, JSON, path; a dict for a collection),
        as ``convert.load`` does; returns a list in the order of ``value``."""
        from ..convert import load

        items = self.value
        if not items:
            raise GalaxyError("Nothing is picked yet: tick some datasets in the picker first.")
        return [load(self.gi, item, as_, **kwargs) for item in items]

    def get_dict(self, as_: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Like :meth:`get`, keyed by item name (raises if two picked items share a name)."""
        items = self.value
        names = [i.name for i in items]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise GalaxyError(f"Picked items share names ({', '.join(dupes)}); use get() for a list instead.")
        return dict(zip(names, self.get(as_, **kwargs), strict=True))
