"""2. Listing a 1,000-dataset history: a server-side name filter, and full iteration."""

from __future__ import annotations

from typing import Any

from common import Ctx, Row, count_requests, repeat, say
from data import N_ITEMS, N_TARGETS, listing_history


def _counted(fn: Any, n: int) -> tuple[float, Any, int]:
    """Median seconds over ``n`` calls, the last result, and HTTP requests per call."""
    with count_requests() as counter:
        t, out = repeat(fn, n)
    return t, out, counter.count // n


def run(ctx: Ctx) -> list[Row]:
    gi, bb = ctx.gw(), ctx.bioblend()
    say(f"  finding (or making) the {N_ITEMS}-dataset history")
    hid = listing_history(gi)
    n = 3 if ctx.quick else 5
    rows: list[Row] = []

    # -- filtered: 10 matches by name, with the total
    say("  filter name:target_ (gw page(0, 100) vs bioblend show_matching_datasets)")
    gw_t, page, gw_req = _counted(lambda: gi.histories.contents(hid, "name:target_").page(0, 100), n)
    bb_t, matches, bb_req = _counted(lambda: bb.histories.show_matching_datasets(hid, "target_.*"), n)
    if not (page.total == len(page.items) == len(matches) == N_TARGETS):
        raise RuntimeError(f"filter found gw {page.total}/{len(page.items)}, bioblend {len(matches)} items")
    note = f"{N_TARGETS} of {N_ITEMS} match"
    rows.append(Row("2 list filtered", "s", gw_t, "bioblend show_matching_datasets", bb_t, note=note))
    rows.append(
        Row("2 list filtered", "requests", gw_req, "bioblend show_matching_datasets", bb_req, note=note)
    )

    # -- every item of the history
    say("  full listing (gw contents() iteration vs bioblend show_history(contents=True))")
    gw_t, items, gw_req = _counted(lambda: list(gi.histories.contents(hid)), n)
    bb_t, contents, bb_req = _counted(lambda: bb.histories.show_history(hid, contents=True), n)
    if not (len(items) == len(contents) == N_ITEMS):
        raise RuntimeError(f"full listing found gw {len(items)}, bioblend {len(contents)} items")
    base = "bioblend show_history(contents=True)"
    rows.append(Row("2 list all", "s", gw_t, base, bb_t, note="iterate, pages of 100"))
    rows.append(Row("2 list all", "requests", gw_req, base, bb_req, note="iterate, pages of 100"))

    # the same with one big page, and the narrow /api/datasets listing, against the same baseline
    gw_t, items, gw_req = _counted(lambda: list(gi.histories.contents(hid, page_size=N_ITEMS + 1)), n)
    if len(items) != N_ITEMS:
        raise RuntimeError(f"one-page listing found {len(items)} items")
    rows.append(Row("2 list all", "s", gw_t, base, bb_t, note=f"contents(page_size={N_ITEMS + 1})"))
    gw_t, items, gw_req = _counted(lambda: gi.datasets.list(hid, limit=N_ITEMS), n)
    if len(items) != N_ITEMS:
        raise RuntimeError(f"datasets.list found {len(items)} items")
    rows.append(Row("2 list all", "s", gw_t, base, bb_t, note="datasets.list(h, limit=1000)"))
    return rows
