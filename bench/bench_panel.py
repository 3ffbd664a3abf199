"""The side panel on a 10,000-item history (issue 13 item 5): time to the first page, and what goes
to the browser.

A Galaxy of its own (``LocalGalaxy`` in a fresh data dir, like the latency bench) gets one history of
about 10,000 visible datasets, made in batches: ONE fetch of 500 pasted texts as a list, then 19
copies of that list with ``copy_elements`` (database copies, no jobs), then ONE bulk ``unhide``.

Measured in one process, median of n:
- gw: ``HistoryBrowser(gi, h)`` plus ``SidePanel`` (the sidecar holding it), until its first page
  of rows and the total are in the widget state: what the kernel does before the browser can draw;
- baseline: BioBlend ``show_history(h, contents=True)``, the one call that lists a history's items.
Also the widget's synced state (what the browser receives) against the JSON of BioBlend's listing.
The browser's own drawing of 15 rows is not included. Runs without ``--url``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import Ctx, Row, count_requests, repeat, say

N_PASTED = 500
N_COPIES = 19
TARGET_S = 1.0


def make_history(gi: Any) -> tuple[str, int]:
    """A history of N_PASTED * (N_COPIES + 1) visible datasets; returns its id and visible item count."""
    h = gi.histories.create("gw-bench panel 10000")
    texts = {f"item_{i:05d}.txt": f"line {i}\n" for i in range(N_PASTED)}
    t0 = time.perf_counter()
    timeout, gi.timeout = gi.timeout, 900
    try:
        up = gi.uploads.texts(h.id, texts, ext="txt", collection_type="list", collection_name="items")
        for job_id in up.job_ids:
            gi.jobs.wait(job_id, timeout=1800)
    finally:
        gi.timeout = timeout
    coll = up.collection
    say(f"  {N_PASTED} pasted datasets as one list in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    body = {"source": "hdca", "content": coll.id, "type": "dataset_collection", "copy_elements": True}
    for _ in range(N_COPIES):
        gi.post(f"histories/{h.id}/contents", json=body)
    gi.request(
        "PUT",
        f"histories/{h.id}/contents/bulk",
        params={"q": ["visible-eq", "deleted-eq"], "qv": ["false", "false"]},
        json={"operation": "unhide"},
    )
    count = gi.histories.contents(h.id).count()
    say(f"  {N_COPIES} copies and one bulk unhide in {time.perf_counter() - t0:.0f} s: {count} visible items")
    return h.id, count


def measure(gi: Any, bb: Any, history_id: str, n: int) -> dict[str, Any]:
    from galaxy_widgets.widgets import HistoryBrowser
    from galaxy_widgets.widgets.sidebar import Frontend, SidePanel

    panels: list[Any] = []

    def open_panel() -> Any:
        browser = HistoryBrowser(gi, history_id)
        panels.append(SidePanel(browser, frontend=Frontend(True)))  # its first round runs in a thread
        return browser

    gw_t, browser = repeat(open_panel, n)
    with count_requests() as counter:  # the requests before the first page shows (the thread's aside)
        HistoryBrowser(gi, history_id).close()
    gw_requests = counter.count
    state = browser.widget.get_state()
    rows, total, page_size = len(state["rows"]), state["total"], state["page_size"]
    state_bytes = len(json.dumps({k: v for k, v in state.items() if k != "_esm"}))
    for p in panels:
        p.close()
    with count_requests() as counter:
        bb_t, contents = repeat(lambda: bb.histories.show_history(history_id, contents=True), n)
    bb_requests = counter.count // n
    return {
        "gw": gw_t,
        "bb": bb_t,
        "gw_requests": gw_requests,
        "bb_requests": bb_requests,
        "rows": rows,
        "total": total,
        "page_size": page_size,
        "state_bytes": state_bytes,
        "bb_bytes": len(json.dumps(contents)),
        "bb_items": len(contents),
    }


def run(ctx: Ctx) -> list[Row]:
    from bioblend.galaxy import GalaxyInstance

    from galaxy_widgets import Galaxy
    from galaxy_widgets.local import LocalGalaxy, _free_port

    n = 3 if ctx.quick else 5
    with tempfile.TemporaryDirectory(prefix="gw-bench-panel-", dir=ctx.tmp) as d:
        lg = LocalGalaxy(Path(d) / "galaxy", port=_free_port())  # never the user's default port
        say("  starting a Galaxy of its own (about a minute)")
        st = lg.start(log=lambda m: None)
        try:
            gi = Galaxy(st.url, api_key=st.api_key)
            bb = GalaxyInstance(st.url, key=st.api_key)
            history_id, count = make_history(gi)
            m = measure(gi, bb, history_id, n)
            gi.close()
        finally:
            lg.stop()
    if m["rows"] != m["page_size"] or m["total"] != count:
        raise RuntimeError(f"the panel showed {m['rows']} rows of {m['total']}; expected one page of {count}")
    say(
        f"  panel first page {m['gw']:.3f} s ({m['gw_requests']} requests), "
        f"bioblend listing {m['bb']:.3f} s ({m['bb_items']} items)"
    )
    met = "met" if m["gw"] < TARGET_S else "NOT met"
    note = f"{count} items; first page of {m['page_size']}; target < {TARGET_S:.0f} s: {met}"
    base = "bioblend show_history(contents=True)"
    return [
        Row("panel: open 10k history, first page", "s", m["gw"], base, m["bb"], note=note),
        Row("panel: open 10k history, first page", "requests", m["gw_requests"], base, m["bb_requests"]),
        Row(
            "panel: data sent to the browser",
            "KB",
            m["state_bytes"] / 1000,
            base + " JSON",
            m["bb_bytes"] / 1000,
            note=f"widget state without the JS bundle, {m['rows']} rows",
        ),
    ]


if __name__ == "__main__":  # python bench/bench_panel.py [--quick]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from common import table

    with tempfile.TemporaryDirectory(prefix="gw-bench-", dir="/tmp") as tmp:
        ctx = Ctx(url="", api_key="", quick="--quick" in sys.argv, tmp=Path(tmp), repeats=1)
        print(table(run(ctx)))
