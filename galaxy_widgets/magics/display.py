"""What the magics show: tables, progress (an updating display in Jupyter, text lines in a shell),
and provenance lines carrying their record in the output's metadata."""

from __future__ import annotations

import html
import json
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

#: Key under which a provenance record sits in an output's metadata.
PROVENANCE_KEY = "galaxy_widgets"


class Table:
    """Rows for display, keeping the records they came from (``.items``).

    Shows as an HTML table in Jupyter and as aligned text in a shell; ``.to_dataframe()`` gives
    pandas. ``.total`` is the number of matches on the server (a page may show fewer).
    """

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        items: Sequence[Any] = (),
        title: str = "",
        footer: str = "",
        total: int | None = None,
    ) -> None:
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        self.items = list(items)
        self.title = title
        self.footer = footer
        self.total = len(self.rows) if total is None else total

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (dict(zip(self.columns, r, strict=True)) for r in self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return dict(zip(self.columns, self.rows[i], strict=True))

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def to_dataframe(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def __repr__(self) -> str:
        cells = [[_cell(c) for c in self.columns]] + [[_cell(v) for v in r] for r in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [self.title] if self.title else []
        for n, row in enumerate(cells):
            lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        if not self.rows:
            lines.append("(nothing)")
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.columns)
        body = (
            "".join(
                "<tr>"
                + "".join(f"<td style='text-align:left'>{html.escape(_cell(v))}</td>" for v in r)
                + "</tr>"
                for r in self.rows
            )
            or f"<tr><td colspan='{len(self.columns)}'><i>nothing</i></td></tr>"
        )
        title = (
            f"<caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>"
            if self.title
            else ""
        )
        foot = (
            f"<div style='white-space:pre-wrap'><small>{html.escape(self.footer)}</small></div>"
            if self.footer
            else ""
        )
        return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{foot}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


class Progress:
    """A progress line that updates in place in Jupyter and prints changed lines in a shell.

    In Jupyter each update is one display bundle with ``text/html`` and a ``text/plain`` line, so
    front-ends without HTML (nbconvert to text, ``jupyter execute``, VS Code logs) show the line.
    """

    def __init__(self, title: str, *, enabled: bool = True, rich: bool = False, every: float = 0.0) -> None:
        self.title = title
        self.enabled = enabled
        self.rich = rich
        self.every = every
        self._handle: Any = None
        self._last = ""
        self._last_time = 0.0

    def update(self, text: str, html_text: str | None = None, *, force: bool = False) -> None:
        if not self.enabled or text == self._last:
            return
        now = time.monotonic()
        if not force and self.every and now - self._last_time < self.every:
            return
        self._last, self._last_time = text, now
        line = f"{self.title}: {text}"
        if self.rich:
            from IPython.display import display

            body = html_text or f"<pre style='margin:0'>{html.escape(line)}</pre>"
            if html_text:
                body = f"<div><b>{html.escape(self.title)}</b></div>{html_text}"
            bundle = {"text/plain": line, "text/html": body}
            if self._handle is None:
                self._handle = display(bundle, raw=True, display_id=True)
            else:
                self._handle.update(bundle, raw=True)
        else:
            print(line, file=sys.stdout, flush=True)


def publish_provenance(rec: dict[str, Any], *, show: bool = True) -> None:
    """Show where data came from in one line, with ``rec`` in that output's metadata."""
    from IPython.display import publish_display_data

    if not show:
        return
    publish_display_data(
        data={"text/plain": provenance_line(rec)},
        metadata={PROVENANCE_KEY: {"provenance": json.loads(json.dumps(rec, default=str))}},
    )


def provenance_line(rec: dict[str, Any]) -> str:
    what = rec.get("what", "get")
    if what == "batch":
        return (
            f"galaxy: batch {rec.get('batch_id')} ({rec.get('mode')}): "
            f"{rec.get('ok')} of {rec.get('samples')} "
            f"samples ok; one record per sample in `%galaxy log`; on {rec.get('server')}"
        )
    if what == "run":
        outs = ", ".join(rec.get("outputs", {})) or "no outputs"
        return (
            f"galaxy: ran {rec.get('workflow', '')!r} (invocation {rec.get('invocation_id')}) -> {outs}; "
            f"history {rec.get('history_id')} on {rec.get('server')}"
        )
    if what == "tool":
        return (
            f"galaxy: ran tool {rec.get('tool_id')} (job {rec.get('job_id')}); history "
            f"{rec.get('history_id')} on {rec.get('server')}"
        )
    hid = f"#{rec['hid']} " if rec.get("hid") is not None else ""
    updated = f", updated {rec['update_time']}" if rec.get("update_time") else ""
    return (
        f"galaxy: {hid}{rec.get('name', '')!r} ({rec.get('type', 'dataset')} {rec.get('id')}{updated}) "
        f"from history {rec.get('history_id')} on {rec.get('server')}"
    )
