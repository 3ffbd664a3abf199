"""3. Downloading a big dataset: galaxy-widgets vs curl vs BioBlend, each in its own process.

Time is measured inside the process around the download call (curl: its own ``time_total``), so
interpreter start-up and imports are not counted; peak RSS is the whole process's.
"""

from __future__ import annotations

import json
from pathlib import Path

from common import MB, Ctx, ProcResult, Row, median, python_worker, run_measured, say
from data import big_dataset


def _curl(ctx: Ctx, dataset_id: str, out: Path) -> tuple[float, int, ProcResult]:
    """curl with the key given in a config read from stdin (never on the command line)."""
    config = f'header = "x-api-key: {ctx.api_key}"\n'.encode()
    res = run_measured(
        [
            "curl",
            "--config",
            "-",
            "--silent",
            "--show-error",
            "--fail",
            "--output",
            str(out),
            "--write-out",
            '{"s": %{time_total}, "bytes": %{size_download}}\\n',
            f"{ctx.url}/api/datasets/{dataset_id}/display",
        ],
        stdin=config,
    )
    data = json.loads(res.stdout.strip().splitlines()[-1])
    return data["s"], data["bytes"], res


def run(ctx: Ctx) -> list[Row]:
    size_mb = 20 if ctx.quick else 200
    gi = ctx.gw()
    say(f"  finding (or uploading) the {size_mb} MB dataset")
    dataset_id = big_dataset(gi, size_mb, ctx.tmp)
    expected = gi.datasets.show(dataset_id).raw.get("file_size")
    runs = ctx.repeats
    results: dict[str, list[tuple[float, float]]] = {"gw": [], "curl": [], "bioblend": []}
    say(f"  downloading {size_mb} MB x {runs} each (gw, curl, bioblend interleaved)")
    for i in range(runs):
        for tool in results:
            out = ctx.tmp / f"download-{tool}-{i}.bin"
            if tool == "curl":
                seconds, size, proc = _curl(ctx, dataset_id, out)
            else:
                proc = python_worker(ctx, f"download-{tool}", dataset_id, str(out))
                seconds, size = proc.json()["s"], proc.json()["bytes"]
            out.unlink(missing_ok=True)
            if expected is not None and size != expected:
                raise RuntimeError(f"{tool} downloaded {size} bytes, expected {expected}")
            results[tool].append((size / MB / seconds, proc.maxrss_mb))
    rows = []
    gw_rate = median([r for r, _ in results["gw"]])
    gw_rss = median([m for _, m in results["gw"]])
    note = f"{size_mb} MB"
    for base in ("curl", "bioblend"):
        label = "curl" if base == "curl" else "bioblend download_dataset"
        rate = median([r for r, _ in results[base]])
        rss = median([m for _, m in results[base]])
        rows.append(Row("3 download", "MB/s", gw_rate, label, rate, higher_is_better=True, note=note))
        rows.append(Row("3 download", "MB", gw_rss, label, rss, note=f"{note}, peak RSS of the process"))
    return rows
