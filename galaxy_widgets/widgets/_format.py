"""Small text helpers for widget rows and text reprs."""

from __future__ import annotations

import keyword
import re
from datetime import datetime, timezone

from ..records import Collection, Dataset, History, nice_size
from ..states import overall_state

__all__ = ["epoch", "history_row", "item_label", "item_row", "nice_size", "strip_html", "variable_name"]


def epoch(iso: str | None) -> float:
    """Galaxy's naive UTC ISO time as seconds since the epoch (0 if unreadable)."""
    if not iso:
        return 0.0
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def history_row(h: History) -> dict:
    return {
        "id": h.id,
        "name": h.name,
        "count": h.count,
        "count_text": h.count_text,  # "13 visible (37 in all)", as the magics say it
        "size": nice_size(h.size) if h.size else "",
        "update_time": h.update_time,
        "tags": list(h.tags),
    }


def collection_state(c: Collection) -> str:
    """One state for a collection row: how far its elements' jobs have got."""
    if c.populated_state and c.populated_state not in ("ok",):
        return c.populated_state
    jobs = c.raw.get("job_states_summary") or {}
    return overall_state({s: n for s, n in jobs.items() if isinstance(n, int)})


def item_row(item: Dataset | Collection) -> dict:
    if isinstance(item, Collection):
        return {
            "key": item.type_id,
            "id": item.id,
            "hid": item.hid,
            "name": item.name,
            "type": "collection",
            "extension": item.collection_type,
            "elements": item.element_count,
            "state": collection_state(item),
            "size": "",
            "tags": list(item.tags),
        }
    return {
        "key": item.type_id,
        "id": item.id,
        "hid": item.hid,
        "name": item.name,
        "type": "dataset",
        "extension": item.extension,
        "state": item.state,
        "size": nice_size(item.size) if item.size else "",
        "tags": list(item.tags),
    }


def item_label(item: Dataset | Collection) -> str:
    return f"#{item.hid} {item.name}" if item.hid is not None else item.name


def strip_html(text: str) -> str:
    text = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", "\t", text)
    text = re.sub(r"</tr>", "\n", text)
    return re.sub(r"<[^>]+>", "", text).strip()


def variable_name(label: str, default: str = "output", prefix: str = "out_") -> str:
    """``label`` made a Python identifier: other characters become ``_``; ``prefix`` before a digit
    or a keyword; ``default`` when nothing is left."""
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in label).strip("_") or default
    if not name.isidentifier() or name[0].isdigit() or keyword.iskeyword(name):
        name = f"{prefix}{name}"
    return name if name.isidentifier() else default
