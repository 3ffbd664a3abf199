"""Trivial-job latency of the local Galaxy: today's config against the config before issue 11.

Each config gets a Galaxy of its own, started by ``LocalGalaxy`` in a fresh data dir, one after the
other (never both at once): its start time (to ready, first start), one upload of a 3-line file, then
``head`` on it ``n`` times, each timed from the POST to the job's ``ok``. The "old" config is the one
before issue 11: no Celery worker (each job's metadata step imports Galaxy in a fresh Python) and the
6-tool toolbox. Runs without ``--url``: it starts its own servers.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from common import Ctx, Row, say

OLD_TOOLS = (
    "data_source/upload.xml",
    "filters/catWrapper.xml",
    "filters/sorter.xml",
    "filters/wc_gnu.xml",
    "filters/cutWrapper.xml",
    "filters/headWrapper.xml",
)
OLD_TOOL_CONF = (
    '<toolbox tool_path="@BUNDLED@">\n  <section id="basic" name="Basic tools">\n'
    + "".join(f'    <tool file="{t}"/>\n' for t in OLD_TOOLS)
    + "  </section>\n</toolbox>\n"
)
TABLE = "a\t1\nb\t2\nc\t3\n"


def _wait_job(s: requests.Session, api: str, job_id: str, t0: float, timeout: float = 300) -> float:
    while True:
        state = s.get(f"{api}/jobs/{job_id}", timeout=30).json()["state"]
        if state in ("ok", "error", "failed", "deleted"):
            if state != "ok":
                raise RuntimeError(f"job {job_id} ended {state}")
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"job {job_id} still {state} after {timeout:.0f} s")
        time.sleep(0.2)


def measure(name: str, n: int, tmp: Path, **kwargs: Any) -> dict[str, Any]:
    """Start one LocalGalaxy with ``kwargs``, time its start, an upload and ``n`` head jobs; stop it."""
    from galaxy_widgets.local import LocalGalaxy, _free_port

    lg = LocalGalaxy(tmp / name, port=_free_port(), **kwargs)  # never the user's default port
    t0 = time.perf_counter()
    st = lg.start(log=lambda m: None)
    start = time.perf_counter() - t0
    try:
        s = requests.Session()
        s.headers["x-api-key"] = st.api_key
        api = f"{st.url}/api"
        h = s.post(f"{api}/histories", json={"name": "gw-bench latency"}, timeout=30).json()["id"]
        t0 = time.perf_counter()
        element = {"src": "pasted", "paste_content": TABLE, "ext": "tabular", "name": "three.tsv"}
        target = {"destination": {"type": "hdas"}, "elements": [element]}
        r = s.post(f"{api}/tools/fetch", json={"history_id": h, "targets": [target]}, timeout=120).json()
        upload = _wait_job(s, api, r["jobs"][0]["id"], t0)
        dataset = r["outputs"][0]["id"]
        jobs = []
        for _ in range(n):
            t0 = time.perf_counter()
            body = {
                "tool_id": "Show beginning1",
                "history_id": h,
                "inputs": {"input": {"src": "hda", "id": dataset}, "lineNum": 2},
            }
            r = s.post(f"{api}/tools", json=body, timeout=120).json()
            jobs.append(_wait_job(s, api, r["jobs"][0]["id"], t0))
        say(f"  {name}: start {start:.1f} s, upload {upload:.1f} s, head {[round(j, 1) for j in jobs]} s")
        return {"start": start, "upload": upload, "head": statistics.median(jobs), "n": n}
    finally:
        lg.stop()


def run(ctx: Ctx) -> list[Row]:
    n = 5 if ctx.quick else 9
    with tempfile.TemporaryDirectory(prefix="gw-bench-latency-", dir=ctx.tmp) as d:
        old_conf = Path(d) / "old_tool_conf.xml"
        old_conf.write_text(OLD_TOOL_CONF)
        old = measure("old", n, Path(d), celery=False, tool_conf=old_conf)
        new = measure("new", n, Path(d))
    note = f"median of {n}"
    base = "old config (no Celery, 6 tools)"
    return [
        Row("latency: head job, submit to ok", "s", new["head"], base, old["head"], note=note),
        Row("latency: first upload, submit to ok", "s", new["upload"], base, old["upload"]),
        Row("latency: Galaxy start to ready", "s", new["start"], base, old["start"], note="fresh data dir"),
    ]


if __name__ == "__main__":  # python bench/bench_latency.py [--quick]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from common import table

    with tempfile.TemporaryDirectory(prefix="gw-bench-", dir="/tmp") as tmp:
        ctx = Ctx(url="", api_key="", quick="--quick" in sys.argv, tmp=Path(tmp), repeats=1)
        print(table(run(ctx)))
