"""log: where this notebook's data came from (one provenance record per get/run/tool)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..display import Table
from ..parser import arg, command, out_arg

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


@command(
    "log",
    "provenance of this session's get/run/tool results (server, history, ids, times)",
    example="%galaxy log --json",
)
@arg("--json", action="store_true", help="the records as a list of dicts")
@arg("--clear", action="store_true", help="forget the records")
@out_arg()
def log(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    if args.clear:
        n = len(m.log)
        m.log.clear()
        print(f"Forgot {n} provenance record(s).")
        return None
    if args.json:
        return m.deliver(json.loads(json.dumps(m.log, default=str)), args.out)
    rows = []
    for rec in m.log:
        if rec.get("what") in ("run", "tool"):
            ids = rec.get("invocation_id") or rec.get("job_id")
            item = ", ".join(f"{k}=#{v.get('hid')}" for k, v in (rec.get("outputs") or {}).items())
            name = rec.get("workflow") or rec.get("tool_id")
            # the newest of its outputs' update times
            outputs = (rec.get("outputs") or {}).values()
            updated = max((v.get("update_time") or "" for v in outputs), default="")
        else:
            ids = rec.get("job_id")
            item = f"#{rec.get('hid')} ({rec.get('id')})"
            name = rec.get("name")
            updated = rec.get("update_time", "")
        rows.append(
            [
                rec.get("what"),
                name,
                item,
                rec.get("history_id"),
                ids,
                updated,
                rec.get("server"),
            ]
        )
    table = Table(
        ["what", "name", "items", "history", "job/invocation", "updated", "server"],
        rows,
        items=list(m.log),
        title="Provenance of this session's Galaxy data",
    )
    return m.deliver(table, args.out)
