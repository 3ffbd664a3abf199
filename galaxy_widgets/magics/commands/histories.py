"""histories, use, ls, show: find your way around histories and their contents."""

from __future__ import annotations

import html
import shlex
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ...records import Collection, Dataset, History, nice_size
from ..display import Table
from ..parser import arg, command, out_arg

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


@command(
    "histories",
    "a table of your histories (newest first), optionally searched",
    example="%galaxy histories rnaseq",
)
@arg("search", nargs="*", help="words in the name, or tag:NAME (Galaxy's own search)")
@arg("--page", type=int, default=1, help="page number (from 1)")
@out_arg()
def histories(m: GalaxyMagics, args: Any, cell: str | None) -> Table | None:
    gi = m.require_gi()
    search = " ".join(args.search) or None
    page = _page(args.page)
    rows = gi.histories.list(search, limit=m.page_size, offset=(page - 1) * m.page_size)
    total = gi.histories.count(search)
    table = Table(
        ["", "id", "name", "items", "size", "updated", "tags"],  # items: as `ls` counts them
        [
            [
                "*" if h.id == m.history_id else "",
                h.id,
                h.name,
                h.count_text,
                h.nice_size,
                h.update_time[:19],
                list(h.tags),
            ]
            for h in rows
        ],
        items=rows,
        title=f"Histories{f' matching {search!r}' if search else ''}",
        footer=_footer(page, m.page_size, len(rows), total, f"%galaxy histories {search or ''}".strip())
        + ("  (* = current)" if any(h.id == m.history_id for h in rows) else ""),
        total=total,
    )
    return m.deliver(table, args.out)


@command(
    "use",
    "choose the current history by name or id, or make one with --new NAME",
    example='%galaxy use "RNA-seq run 3"',
)
@arg("history", nargs="*", help="history name or id")
@arg("--new", metavar="NAME", help="create a new history with this name and use it")
@out_arg()
def use(m: GalaxyMagics, args: Any, cell: str | None) -> History | None:
    """The result is the history's record (``h = %galaxy use --new x``, or ``-o h``)."""
    gi = m.require_gi()
    spec = " ".join(args.history)
    if args.new and spec:
        raise UsageError("Give either a history to use or --new NAME, not both.")
    if args.new:
        h = gi.histories.create(args.new)
        print(f"Created history {h.name!r} ({h.id}); it is now the current history.")
    elif spec:
        h = gi.histories.get(spec)
        print(f"Current history: {h.name!r} ({h.id}, {h.count_text}).")
    else:
        raise UsageError("Say which history: `%galaxy use NAME_OR_ID`, or `%galaxy use --new NAME`.")
    m.set_history(h.id)
    return m.deliver(h, args.out)


@command(
    "ls",
    "contents of the current history, a page at a time, with web-UI filters",
    example="%galaxy ls extension:tabular state:ok hid>3",
)
@arg(
    "filter",
    nargs="*",
    help="filter text as in Galaxy: name:x extension:tabular state:ok tag:t hid>3 "
    "deleted:any visible:any (a bare word matches the name)",
)
@arg("--page", type=int, default=1, help="page number (from 1)")
@arg("--size", type=int, default=None, help="items per page (default: the page_size setting)")
@out_arg()
def ls(m: GalaxyMagics, args: Any, cell: str | None) -> Table | None:
    gi = m.require_gi()
    history_id = m.require_history()
    text = shlex.join(args.filter) if args.filter else None
    page, size = _page(args.page), m.page_size if args.size is None else args.size
    if size < 1:
        raise UsageError(f"--size must be 1 or more, not {size}; e.g. `%galaxy ls --size 50`.")
    result = gi.histories.contents(history_id, text).page(page - 1, size)
    table = Table(
        ["hid", "name", "type", "state", "tags"],
        [[i.hid, i.name, _kind(i), i.state, list(i.tags)] for i in result.items],
        items=result.items,
        title=f"History {history_id}" + (f", filter {text!r}" if text else ""),
        footer=_footer(page, size, len(result.items), result.total, f"%galaxy ls {text or ''}".strip()),
        total=result.total,
    )
    return m.deliver(table, args.out)


@command("show", "details of a dataset or collection, with its first lines", example="%galaxy show #12")
@arg("item", help="hid (12 or #12), encoded id, name:NAME, or a variable holding a dataset")
@arg("--lines", type=int, default=10, help="how many lines to preview")
@out_arg()
def show(m: GalaxyMagics, args: Any, cell: str | None) -> ItemView | None:
    gi = m.require_gi()
    item = m.resolve(args.item)
    preview: list[str] = []
    if isinstance(item, Dataset) and item.state == "ok":
        from ...convert import kind_for

        if kind_for(item.extension) == "path":
            preview = gi.datasets.peek(item.id).splitlines()[: args.lines]
        else:
            preview = gi.datasets.preview(item.id, args.lines)
    return m.deliver(ItemView(item, preview), args.out)


class ItemView:
    """A dataset or collection with a preview: ``.item`` (the record) and ``.preview`` (lines)."""

    def __init__(self, item: Dataset | Collection, preview: list[str]) -> None:
        self.item = item
        self.preview = preview

    def _details(self) -> list[tuple[str, Any]]:
        i = self.item
        rows: list[tuple[str, Any]] = [("hid", i.hid), ("name", i.name), ("id", i.id), ("state", i.state)]
        if isinstance(i, Dataset):
            rows += [
                ("extension", i.extension),
                ("size", nice_size(i.size)),
                ("genome build", i.dbkey),
                ("updated", i.update_time),
                ("columns", ", ".join(i.column_names or ())),
                ("job", i.creating_job),
            ]
            info = i.raw.get("misc_info") or ""
            rows.append(("info", info.strip()[:300]))
        else:
            rows += [("type", i.collection_type), ("elements", i.element_count)]
        rows.append(("tags", ", ".join(i.tags)))
        return [(k, v) for k, v in rows if v not in (None, "")]

    def _elements(self) -> Table | None:
        if not isinstance(self.item, Collection):
            return None
        return Table(
            ["identifier", "type", "state", "id"],
            [
                [
                    e.identifier,
                    _kind(e.object) if e.object else e.type,
                    getattr(e.object, "state", ""),
                    getattr(e.object, "id", ""),
                ]
                for e in self.item.elements
            ],
        )

    def __repr__(self) -> str:
        kind = "Collection" if isinstance(self.item, Collection) else "Dataset"
        lines = [f"{kind} #{self.item.hid} {self.item.name!r}"]
        lines += [f"  {k}: {v}" for k, v in self._details()]
        elements = self._elements()
        if elements is not None:
            lines += ["", repr(elements)]
        if self.preview:
            lines += ["", "First lines:", *(f"  {x}" for x in self.preview)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        kind = "Collection" if isinstance(self.item, Collection) else "Dataset"
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
            f"{html.escape(str(v))}</td></tr>"
            for k, v in self._details()
        )
        out = (
            f"<table><caption style='text-align:left'><b>{kind} #{self.item.hid} "
            f"{html.escape(self.item.name)}</b></caption>{rows}</table>"
        )
        elements = self._elements()
        if elements is not None:
            out += elements._repr_html_()
        if self.preview:
            out += "<pre>" + html.escape("\n".join(self.preview)) + "</pre>"
        return out


def _kind(item: Any) -> str:
    if isinstance(item, Collection):
        return f"collection ({item.collection_type})" if item.collection_type else "collection"
    return getattr(item, "extension", "") or "dataset"


def _page(page: int) -> int:
    if page < 1:
        raise UsageError(f"--page counts from 1, not {page}; e.g. `--page 2`.")
    return page


def _footer(page: int, size: int, shown: int, total: int, again: str) -> str:
    if not total:
        return "No matches."
    first = (page - 1) * size + 1
    pages = max(1, -(-total // size))
    text = (
        f"{first}-{first + shown - 1} of {total} (page {page} of {pages})"
        if shown
        else (f"page {page} is past the end: {total} matches, {pages} page(s)")
    )
    if page < pages:
        text += f"; next: `{again} --page {page + 1}`"
    return text
