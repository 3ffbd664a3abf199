"""api: raw GET/POST/PUT/PATCH/DELETE on Galaxy's API, returning parsed JSON."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ..parser import arg, command, out_arg

if TYPE_CHECKING:
    from ..magic import GalaxyMagics

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: ``{name}`` or ``$name`` left in a path: IPython did not expand it.
UNEXPANDED = re.compile(r"\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)")


@command(
    "api",
    "raw API call: METHOD PATH [JSON]; returns parsed JSON (GET display, POST submit, PUT update, DELETE)",
    example='%galaxy api GET histories/most_recently_used\n  %galaxy api POST histories \'{"name": "x"}\'',
    cell="the JSON body of the request",
)
@arg("method", type=str.upper, help=" | ".join(METHODS))
@arg("path", help="path under /api, e.g. histories or /api/tools/sort1")
@arg("body", nargs="?", help="JSON body (or put it in a %%galaxy cell)")
@arg("--param", action="append", default=[], metavar="KEY=VALUE", help="query parameter (repeatable)")
@out_arg()
def api(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    gi = m.require_gi()
    if args.method not in METHODS:
        raise UsageError(f"Unknown method {args.method!r}; use one of {', '.join(METHODS)}.")
    if args.body is not None and cell is not None and cell.strip():
        raise UsageError("Give the JSON body on the line or in the cell, not both.")
    _check_expanded(m, args.method, args.path, bool(args.body))
    text = cell if cell is not None and cell.strip() else args.body
    body = None
    if text is not None:
        try:
            body = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"The body is not valid JSON ({exc}); check quotes and commas.") from None
        if args.method == "GET":
            raise UsageError("A GET takes no body; pass query parameters with --param KEY=VALUE.")
    params = {}
    for p in args.param:
        key, sep, value = p.partition("=")
        if not sep or not key:
            raise UsageError(f"--param takes KEY=VALUE, not {p!r}.")
        params[key] = value
    result = gi.request(
        args.method, args.path, params=params or None, json=body, what=f"{args.method} {args.path}"
    )
    result = _redact(result, gi.api_key)
    return m.deliver(result, args.out)


def _check_expanded(m: GalaxyMagics, method: str, path: str, body_on_line: bool) -> None:
    """Refuse a path still holding ``{name}``/``$name``: it would reach Galaxy as ``%7Bname%7D``."""
    found = UNEXPANDED.search(path)
    if not found:
        return
    name = found.group(1) or found.group(2)
    try:
        m.user_value(name)
        defined = True
    except KeyError:
        defined = False
    if not defined:
        why = f"there is no variable {name!r} in the notebook"
        fix = f"define {name} first, or write the value itself into the path"
    elif body_on_line:
        why = (
            "the JSON on the same line has braces, and IPython then expands nothing on that line "
            "(neither {name} nor $name)"
        )
        fix = (
            f"put the JSON in the cell body instead: `%%galaxy api {method} {path}` with the JSON on the "
            "lines below (or double the JSON's braces: '{{\"key\": 1}}')"
        )
    else:
        why = "IPython did not expand it"
        fix = f"write ${name} or the value itself into the path"
    raise UsageError(
        f"The path {path!r} still holds {found.group(0)!r} ({why}), so Galaxy would get it literally. "
        f"Fix: {fix}."
    )


def _redact(value: Any, key: str) -> Any:
    """The answer with the API key blanked out wherever it appears (it never reaches a notebook)."""
    if isinstance(value, str):
        return value.replace(key, "<hidden API key>") if key and key in value else value
    if isinstance(value, list):
        return [_redact(v, key) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v, key) for k, v in value.items()}
    return value
