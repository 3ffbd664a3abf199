"""Benchmarks of galaxy-widgets against BioBlend and curl, in one run, printed as ratios.

    source /tmp/gw-dev/env.sh && python bench/run.py [--quick] [--url URL --api-key-env VAR]

The key is read from the named environment variable and never printed. Speed and memory claims of
the project are checked here, never by timed assertions in the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # galaxy_widgets from this checkout

import bench_batch
import bench_connections
import bench_download
import bench_import
import bench_latency
import bench_listing
import bench_panel
import bench_upload
import bench_upload_tus
from common import Ctx, Row, say, table

#: Run order: upload and batch go last, since the jobs they start keep the server busy.
BENCHMARKS = {
    "import": bench_import,
    "connections": bench_connections,
    "listing": bench_listing,
    "download": bench_download,
    "upload": bench_upload,
    "upload_tus": bench_upload_tus,  # 1 GB by TUS vs BioBlend and one raw PATCH; resume at 50%
    "batch": bench_batch,
    "latency": bench_latency,  # starts two local Galaxies of its own, one after the other (~4 min)
    "panel": bench_panel,  # starts a local Galaxy of its own with a 10,000-item history (~3 min)
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=os.environ.get("GALAXY_TEST_URL"), help="Galaxy URL (GALAXY_TEST_URL)")
    p.add_argument(
        "--api-key-env",
        default="GALAXY_TEST_API_KEY",
        metavar="VAR",
        help="name of the environment variable holding the API key (default GALAXY_TEST_API_KEY)",
    )
    p.add_argument("--quick", action="store_true", help="smaller files and fewer repeats (about 3 minutes)")
    p.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    p.add_argument(
        "--repeats", type=int, default=0, help="repeats of the transfer benchmarks (default 5, quick 3)"
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.url:
        sys.exit("No Galaxy URL: pass --url or set GALAXY_TEST_URL (source /tmp/gw-dev/env.sh).")
    api_key = os.environ.get(args.api_key_env)
    if not api_key:
        sys.exit(f"No API key in ${args.api_key_env}; set it or pass --api-key-env VAR.")
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"Unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}.")

    # SIGTERM ends the run through the finally below, so temp files go too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="gw-bench-", dir="/tmp"))
    ctx = Ctx(
        url=args.url.rstrip("/"),
        api_key=api_key,
        quick=args.quick,
        tmp=tmp,
        repeats=args.repeats or (3 if args.quick else 5),
    )
    gi = ctx.gw()
    header = (
        f"galaxy-widgets bench {'(quick) ' if ctx.quick else ''}against {ctx.url} "
        f"(Galaxy {gi.version().get('version_major')}), {time.strftime('%Y-%m-%d %H:%M')}, "
        f"Python {platform.python_version()}, bioblend {version('bioblend')}, "
        f"requests {version('requests')}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    say(header)
    rows: list[Row] = []
    t_start = time.perf_counter()
    try:
        for name in names:
            say(f"[{name}]")
            t0 = time.perf_counter()
            new = BENCHMARKS[name].run(ctx)
            rows.extend(new)
            say(table(new))
            say(f"  ({time.perf_counter() - t0:.0f} s)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(header)
    print(f"Total {time.perf_counter() - t_start:.0f} s; load at the end {os.getloadavg()[0]:.2f}.")
    print("gw / baseline: time, MB and requests lower is better; MB/s higher is better.\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
