"""1. Import cost, each in a fresh interpreter: time inside the process and the process's peak RSS."""

from __future__ import annotations

import sys

from common import REPO, Ctx, Row, median, run_measured, say

PROBE = (
    "import json, time; t0 = time.perf_counter(); {stmt}; "
    "print(json.dumps({{'s': time.perf_counter() - t0}}))"
)

PAIRS = [
    ("import galaxy_widgets", "import bioblend.galaxy", "package import"),
    ("from galaxy_widgets import Galaxy", "from bioblend.galaxy import GalaxyInstance", "client class"),
]


def _measure(ctx: Ctx, stmt: str, runs: int) -> tuple[float, float]:
    """Median import seconds and median peak RSS (MB) over ``runs`` fresh interpreters."""
    times, rss = [], []
    env = ctx.worker_env()
    env["PYTHONPATH"] = str(REPO)
    for _ in range(runs):
        res = run_measured([sys.executable, "-c", PROBE.format(stmt=stmt)], env=env)
        times.append(res.json()["s"])
        rss.append(res.maxrss_mb)
    return median(times), median(rss)


def run(ctx: Ctx) -> list[Row]:
    runs = 5 if ctx.quick else 10
    rows = []
    baseline_rss = _measure(ctx, "pass", runs)[1]
    for gw_stmt, bb_stmt, note in PAIRS:
        say(f"  {gw_stmt!r} vs {bb_stmt!r}, {runs} fresh interpreters each")
        # warm the disk cache once so the first run is not the odd one out
        _measure(ctx, gw_stmt, 1)
        _measure(ctx, bb_stmt, 1)
        gw_t, gw_rss = _measure(ctx, gw_stmt, runs)
        bb_t, bb_rss = _measure(ctx, bb_stmt, runs)
        rows.append(Row("1 import", "s", gw_t, "bioblend", bb_t, note=f"{note}, `{gw_stmt}`"))
        rows.append(
            Row(
                "1 import",
                "MB",
                gw_rss - baseline_rss,
                "bioblend",
                bb_rss - baseline_rss,
                note=f"{note}, RSS added over bare python",
            )
        )
    return rows
