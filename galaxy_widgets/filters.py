"""The Galaxy web UI's history filter text, turned into server-side ``q``/``qv`` filters.

``name:reads extension:fastqsanger state:ok tag:run1 hid>3 hid<10 deleted:false visible:any``.
A bare word filters on the name. As in the web UI, deleted and hidden items are left out unless
``deleted:`` / ``visible:`` say otherwise (``any`` lifts the filter).
"""

from __future__ import annotations

import re
import shlex

from .errors import GalaxyError

Filters = list[tuple[str, str]]

_ALIASES = {
    "name": "name",
    "extension": "extension",
    "ext": "extension",
    "format": "extension",
    "state": "state",
    "tag": "tag",
    "hid": "hid",
    "deleted": "deleted",
    "visible": "visible",
    "purged": "purged",
    "type": "history_content_type",
    "genome_build": "genome_build",
    "create_time": "create_time",
    "update_time": "update_time",
}
# tag-eq, not tag-has: Galaxy builds "has" on name || ":" || value, NULL for a value-less tag
_TEXT_OPS = {"name": "contains", "tag": "eq", "genome_build": "eq"}
_RANGE_OPS = {">": "gt", "<": "lt", ">=": "ge", "<=": "le", ":": "eq", "=": "eq"}
_TOKEN = re.compile(r"^(?P<key>[a-z_]+)(?P<op>>=|<=|>|<|:|=)(?P<value>.*)$")
_BOOLS = {"true": "true", "false": "false", "yes": "true", "no": "false", "1": "true", "0": "false"}
_TYPES = {
    "dataset": "dataset",
    "collection": "dataset_collection",
    "dataset_collection": "dataset_collection",
}


class FilterSyntaxError(GalaxyError, ValueError):
    """The filter text could not be read."""


def parse_filter_text(text: str | None) -> Filters:
    """Parse web-UI filter text into ``[(q, qv), ...]`` for Galaxy's contents API."""
    try:
        tokens = shlex.split(text or "")
    except ValueError as exc:
        raise FilterSyntaxError(f"Cannot read filter {text!r}: {exc}.") from None
    out: Filters = []
    seen: set[str] = set()
    for tok in tokens:
        m = _TOKEN.match(tok)
        if not m or m["key"] not in _ALIASES:
            if m and m["op"] in (":", "=") and m["key"] not in _ALIASES:
                known = ", ".join(sorted(k for k in _ALIASES if k not in ("ext", "format")))
                raise FilterSyntaxError(f"Unknown filter {m['key']!r} in {text!r}; use one of: {known}.")
            out.append(("name-contains", tok))
            continue
        key, op, value = _ALIASES[m["key"]], m["op"], m["value"]
        if not value:
            raise FilterSyntaxError(f"Filter {tok!r} has no value; write e.g. {m['key']}:something.")
        seen.add(key)
        if key in ("deleted", "visible", "purged"):
            if value.lower() == "any":
                continue
            if value.lower() not in _BOOLS:
                raise FilterSyntaxError(f"{m['key']}: takes true, false or any, not {value!r}.")
            out.append((f"{key}-eq", _BOOLS[value.lower()]))
        elif key in ("hid", "create_time", "update_time"):
            if key == "hid" and not value.isdigit():
                raise FilterSyntaxError(f"hid filters take a number, as in hid>3, not {tok!r}.")
            out.append((f"{key}-{_RANGE_OPS[op]}", value))
        elif op not in (":", "="):
            raise FilterSyntaxError(f"{m['key']} takes ':' (as in {m['key']}:value), not {op!r}.")
        elif key == "state":
            out.append(("state-eq", value.lower()))
        elif key == "extension":
            out.append(("extension-eq", value.lower()))
        elif key == "history_content_type":
            if value.lower() not in _TYPES:
                raise FilterSyntaxError(f"type: takes dataset or collection, not {value!r}.")
            out.append(("history_content_type-eq", _TYPES[value.lower()]))
        else:
            out.append((f"{key}-{_TEXT_OPS.get(key, 'eq')}", value))
    if "deleted" not in seen:
        out.append(("deleted-eq", "false"))
    if "visible" not in seen:
        out.append(("visible-eq", "true"))
    return out


def to_params(filters: Filters) -> dict[str, list[str]]:
    """``[(q, qv)]`` -> ``{"q": [...], "qv": [...]}`` for requests."""
    return {"q": [q for q, _ in filters], "qv": [v for _, v in filters]}
