"""4. Uploading a file by TUS until Galaxy has created the dataset (not waiting for the job)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common import MB, Ctx, Row, count_requests, median, say, timed
from data import make_file, scratch_history


def run(ctx: Ctx) -> list[Row]:
    size_mb = 20 if ctx.quick else 100
    gi, bb = ctx.gw(), ctx.bioblend()
    path = make_file(ctx.tmp / f"gw-bench-upload-{size_mb}MB.txt", size_mb * MB)
    hid = scratch_history(gi)
    runs = ctx.repeats
    times: dict[str, list[float]] = {"gw": [], "bioblend": []}
    reqs: dict[str, int] = {"gw": 0, "bioblend": 0}

    def gw_upload() -> Any:
        return gi.uploads.files(hid, [path], ext="txt").dataset.id

    def bb_upload() -> Any:
        return bb.tools.upload_file(str(path), hid, file_type="txt")["outputs"][0]["id"]

    say(f"  uploading {size_mb} MB x {runs} each (gw, bioblend interleaved)")
    try:
        for _ in range(runs):
            for tool, fn in (("gw", gw_upload), ("bioblend", bb_upload)):
                with count_requests() as counter:
                    seconds, dataset_id = timed(fn)
                if not dataset_id:
                    raise RuntimeError(f"{tool} upload returned no dataset")
                times[tool].append(seconds)
                reqs[tool] = counter.count
    finally:
        Path(path).unlink(missing_ok=True)
        say("  purging the scratch upload history (its upload jobs are not needed)")
        gi.histories.delete(hid, purge=True)
    gw_rate = size_mb / median(times["gw"])
    bb_rate = size_mb / median(times["bioblend"])
    base = "bioblend upload_file"
    note = f"{size_mb} MB"
    return [
        Row("4 upload", "MB/s", gw_rate, base, bb_rate, higher_is_better=True, note=note),
        Row("4 upload", "requests", reqs["gw"], base, reqs["bioblend"], note=note),
    ]
