"""Subprocess side of the benchmarks: one task, one JSON line on stdout.

Usage: ``python bench/worker.py TASK ARGS...`` with the server in GW_BENCH_URL and the key in
GW_BENCH_API_KEY (the environment, so it never shows in a process list or in output).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path


def _download_gw(dataset_id: str, out: str) -> Callable[[], int]:
    from galaxy_widgets import Galaxy

    gi = Galaxy(os.environ["GW_BENCH_URL"], api_key=os.environ["GW_BENCH_API_KEY"])
    return lambda: gi.datasets.download(dataset_id, out).stat().st_size


def _download_bioblend(dataset_id: str, out: str) -> Callable[[], int]:
    from bioblend.galaxy import GalaxyInstance

    bb = GalaxyInstance(os.environ["GW_BENCH_URL"], key=os.environ["GW_BENCH_API_KEY"])

    def download() -> int:
        bb.datasets.download_dataset(dataset_id, file_path=out, use_default_filename=False)
        return Path(out).stat().st_size

    return download


TASKS = {"download-gw": _download_gw, "download-bioblend": _download_bioblend}


def main() -> None:
    """Set up (imports, client) untimed, then time only the task itself."""
    task, *args = sys.argv[1:]
    fn = TASKS[task](*args)
    t0 = time.perf_counter()
    size = fn()
    print(json.dumps({"s": time.perf_counter() - t0, "bytes": size}))


if __name__ == "__main__":
    main()
