"""Shared bench helpers: timing, request counting, subprocess peak RSS, result rows."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
MB = 1_000_000
#: Env var that carries the key into worker subprocesses (never argv, never printed).
KEY_ENV = "GW_BENCH_API_KEY"
URL_ENV = "GW_BENCH_URL"


@dataclass
class Row:
    """One compared measurement: galaxy-widgets against one baseline."""

    bench: str
    metric: str  # "s", "MB/s", "MB", "requests"
    gw: float
    baseline: str
    base: float
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float:
        """galaxy-widgets divided by the baseline."""
        return self.gw / self.base if self.base else float("inf")

    @property
    def verdict(self) -> str:
        if not self.base:
            return "n/a"
        r = self.ratio
        if r <= 0:
            return "gw lower (~0)"
        if 0.9 <= r <= 1.1:
            return "same"
        better = r > 1 if self.higher_is_better else r < 1
        factor = r if r >= 1 else 1 / r
        return f"gw {factor:.1f}x {'better' if better else 'WORSE'}"


@dataclass
class Ctx:
    """What every benchmark gets: the server, the key, the size settings and a temp dir."""

    url: str
    api_key: str = field(repr=False)
    quick: bool
    tmp: Path
    repeats: int

    def gw(self) -> Any:
        from galaxy_widgets import Galaxy

        return Galaxy(self.url, api_key=self.api_key)

    def bioblend(self) -> Any:
        from bioblend.galaxy import GalaxyInstance

        return GalaxyInstance(self.url, key=self.api_key)

    def worker_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env[URL_ENV] = self.url
        env[KEY_ENV] = self.api_key
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        return env


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """``(seconds, result)`` of one call."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def repeat(fn: Callable[[], Any], n: int) -> tuple[float, Any]:
    """Median seconds over ``n`` calls, and the last call's result."""
    times, out = [], None
    for _ in range(n):
        t, out = timed(fn)
        times.append(t)
    return median(times), out


class RequestCounter:
    """Counts every HTTP request made through ``requests`` (Sessions and ``requests.get`` alike)."""

    def __init__(self) -> None:
        self.count = 0


@contextmanager
def count_requests() -> Iterator[RequestCounter]:
    counter = RequestCounter()
    original = requests.Session.request

    def counting(self: requests.Session, *args: Any, **kwargs: Any) -> Any:
        counter.count += 1
        return original(self, *args, **kwargs)

    requests.Session.request = counting  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        requests.Session.request = original  # type: ignore[method-assign]


@contextmanager
def count_connections() -> Iterator[RequestCounter]:
    """Counts new TCP connections opened by urllib3 (what a pooled Session saves)."""
    from urllib3.connection import HTTPConnection

    counter = RequestCounter()
    original = HTTPConnection.connect

    def counting(self: HTTPConnection) -> None:
        counter.count += 1
        original(self)

    HTTPConnection.connect = counting  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        HTTPConnection.connect = original  # type: ignore[method-assign]


@dataclass
class ProcResult:
    seconds: float  # wall time of the whole process
    maxrss_mb: float  # peak resident set size of the process
    stdout: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.stdout.strip().splitlines()[-1])


def run_measured(
    argv: list[str], *, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> ProcResult:
    """Run a subprocess to completion; return wall time, its own peak RSS and its stdout.

    Peak RSS comes from GNU time, which forks the command from its own small process. wait4's
    ru_maxrss read here would be wrong: a child forked from this (big) process starts its
    high-water mark at our size, so every child would seem as big as the bench itself.
    """
    if not Path("/usr/bin/time").exists():
        raise RuntimeError(
            "The bench needs GNU time (/usr/bin/time, Debian package 'time') to read peak RSS."
        )
    with tempfile.TemporaryDirectory(prefix="gw-bench-proc-", dir="/tmp") as d:
        rss_file = Path(d) / "maxrss"
        err_file = Path(d) / "stderr"
        t0 = time.perf_counter()
        with open(err_file, "wb") as err:
            proc = subprocess.run(
                ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *argv],
                input=stdin or b"",
                stdout=subprocess.PIPE,
                stderr=err,
                env=env,
                check=False,
            )
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            tail = err_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{Path(argv[0]).name} {argv[1:2]} exited {proc.returncode}: {tail}")
        maxrss_kb = int(rss_file.read_text().split()[-1])
    return ProcResult(seconds, maxrss_kb / 1024, proc.stdout.decode(errors="replace"))


def python_worker(ctx: Ctx, *args: str) -> ProcResult:
    """Run ``bench/worker.py <args>`` in a fresh interpreter."""
    return run_measured([sys.executable, str(BENCH_DIR / "worker.py"), *args], env=ctx.worker_env())


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fmt(value: float, metric: str) -> str:
    if metric in ("requests", "TCP conns"):
        return f"{value:.0f}"
    if metric == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.1f} {metric}"


def table(rows: list[Row]) -> str:
    """A Markdown table of the rows."""
    lines = [
        "| benchmark | metric | galaxy-widgets | baseline | baseline value | gw / baseline | verdict |",
        "|---|---|---:|---|---:|---:|---|",
    ]
    for r in rows:
        name = f"{r.bench} ({r.note})" if r.note else r.bench
        lines.append(
            f"| {name} | {r.metric} | {fmt(r.gw, r.metric)} | {r.baseline} | {fmt(r.base, r.metric)} "
            f"| {r.ratio:.2f} | {r.verdict} |"
        )
    return "\n".join(lines)
