"""TUS upload of a big file (1 GB): galaxy-widgets vs BioBlend ``upload_file`` vs one raw PATCH.

    python bench/bench_upload_tus.py [--size-mb 1000] [--repeats 2]   (or: bench/run.py --only upload_tus)

Rows (each client in a fresh process, so peak RSS is its own):

- ``gw uploads.files`` (TUS + the fetch request, default chunk size) vs BioBlend
  ``tools.upload_file`` (its TUS + fetch): throughput and peak RSS. Target >= 1.5x BioBlend,
  peak RSS < 100 MB.
- ``gw uploads.tus`` vs one raw streaming PATCH of the whole file (``http.client`` with 1 MiB
  blocks, no chunking: the physical limit here). Target >= 0.9x.
- resume after the uploader died at 50%: the time a new process needs to finish the file (HEAD,
  then the second half) vs the full upload. Target < 0.6x.
- a chunk-size sweep for ``uploads.tus`` (what the default ``TUS_CHUNK`` was picked from).

TUS-only uploads are deleted from the server afterwards (TUS termination); the fetch uploads go to
a scratch history that is purged at the end. The key travels in the environment only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import KEY_ENV, URL_ENV, Row, median, run_measured, say, table

MiB = 1024 * 1024


# ---------------------------------------------------------------------- worker side (one task each)


def _gi() -> Any:
    from galaxy_widgets import Galaxy

    return Galaxy(os.environ[URL_ENV], api_key=os.environ[KEY_ENV])


def _delete_session(gi: Any, session_id: str) -> None:
    from galaxy_widgets.api.uploads import TUS_HEADERS, TUS_PATH

    gi.request("DELETE", f"{TUS_PATH}/{session_id}", headers=TUS_HEADERS, raw=True)


def task(name: str, path: str, arg: str) -> dict[str, Any]:
    size = Path(path).stat().st_size
    if name == "gw-files":
        gi = _gi()
        t0 = time.perf_counter()
        gi.uploads.files(arg, [path], ext="data")
        return {"s": time.perf_counter() - t0}
    if name == "bioblend":
        from bioblend.galaxy import GalaxyInstance

        bb = GalaxyInstance(os.environ[URL_ENV], key=os.environ[KEY_ENV])
        t0 = time.perf_counter()
        bb.tools.upload_file(path, arg, file_type="data")
        return {"s": time.perf_counter() - t0}
    if name == "gw-tus":
        gi = _gi()
        kwargs = {"chunk_size": int(arg)} if arg else {}
        t0 = time.perf_counter()
        sid = gi.uploads.tus(path, **kwargs)
        seconds = time.perf_counter() - t0
        _delete_session(gi, sid)
        return {"s": seconds}
    if name == "raw":
        gi = _gi()
        sid = gi.uploads.tus_create(size, Path(path).name)
        url = urlsplit(gi.api_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, blocksize=MiB)
        headers = {
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(size),
            "x-api-key": os.environ[KEY_ENV],
        }
        t0 = time.perf_counter()
        with open(path, "rb") as f:
            conn.request("PATCH", f"{url.path}/upload/resumable_upload/{sid}", body=f, headers=headers)
            resp = conn.getresponse()
            resp.read()
        seconds = time.perf_counter() - t0
        if resp.status != 204:
            raise RuntimeError(f"raw PATCH answered {resp.status}")
        _delete_session(gi, sid)
        return {"s": seconds}
    if name == "resume":
        gi = _gi()

        class Died(Exception):
            pass

        def die_at_half(session_id: str, offset: int, total: int) -> None:
            if offset >= total // 2:
                raise Died(session_id)

        try:
            gi.uploads.tus(path, chunk_size=int(arg), on_offset=die_at_half)
        except Died as exc:
            sid = exc.args[0]
        gi.close()
        fresh = _gi()  # a restarted uploader: only the session id survived
        t0 = time.perf_counter()
        fresh.uploads.tus(path, chunk_size=int(arg), session_id=sid)
        seconds = time.perf_counter() - t0
        _delete_session(fresh, sid)
        return {"s": seconds}
    raise SystemExit(f"unknown task {name}")


# ---------------------------------------------------------------------- driver


def measure(env: dict[str, str], name: str, path: Path, arg: str = "") -> tuple[float, float]:
    """(seconds, peak RSS MB) of one task in a fresh process."""
    proc = run_measured([sys.executable, __file__, "--worker", name, str(path), arg], env=env)
    return proc.json()["s"], proc.maxrss_mb


def make_file(path: Path, size: int) -> Path:
    if not path.exists() or path.stat().st_size != size:
        say(f"  writing {size / MiB:.0f} MiB of random bytes to {path}")
        with path.open("wb") as f:
            left = size
            while left:
                block = os.urandom(min(16 * MiB, left))
                f.write(block)
                left -= len(block)
    return path


def measure_all(url: str, api_key: str, size_mb: int, repeats: int, sweep: list[int]) -> list[Row]:
    from galaxy_widgets import Galaxy
    from galaxy_widgets.api.uploads import TUS_CHUNK

    env = dict(os.environ, **{URL_ENV: url, KEY_ENV: api_key})
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")])
    )
    gi = Galaxy(url, api_key=api_key)
    tmp = Path(tempfile.mkdtemp(prefix="gw-bench-tus-", dir="/tmp"))
    path = make_file(tmp / "upload.bin", size_mb * 1_000_000)
    size_mb_real = path.stat().st_size / 1_000_000
    hist = gi.histories.create("gw-bench tus uploads (scratch)").id
    out: dict[str, list[tuple[float, float]]] = {}
    try:
        for i in range(repeats):
            for name, arg in (("gw-files", hist), ("bioblend", hist), ("gw-tus", ""), ("raw", "")):
                say(f"  [{i + 1}/{repeats}] {name}")
                out.setdefault(name, []).append(measure(env, name, path, arg))
            say(f"  [{i + 1}/{repeats}] resume after 50%")
            out.setdefault("resume", []).append(measure(env, "resume", path, str(TUS_CHUNK)))
        for chunk in sweep:
            say(f"  sweep: chunk {chunk} MiB")
            out[f"chunk-{chunk}"] = [measure(env, "gw-tus", path, str(chunk * MiB))]
    finally:
        path.unlink(missing_ok=True)
        tmp.rmdir()
        say("  purging the scratch history (its upload jobs are not needed)")
        gi.histories.delete(hist, purge=True)

    def rate(name: str) -> float:
        return size_mb_real / median([s for s, _ in out[name]])

    def rss(name: str) -> float:
        return max(m for _, m in out[name])

    note = f"{size_mb_real:.0f} MB, chunk {TUS_CHUNK // MiB} MiB"
    full = median([s for s, _ in out["gw-tus"]])
    rows = [
        Row("upload 1 GB", "MB/s", rate("gw-files"), "bioblend upload_file", rate("bioblend"), True, note),
        Row("upload 1 GB", "MB", rss("gw-files"), "bioblend upload_file", rss("bioblend"), note="peak RSS"),
        Row("upload 1 GB TUS", "MB/s", rate("gw-tus"), "one raw PATCH", rate("raw"), True, note),
        Row(
            "resume after 50%", "s", median([s for s, _ in out["resume"]]), "full gw upload", full, note=note
        ),
    ]
    rows += [
        Row(
            f"tus chunk {c} MiB",
            "MB/s",
            rate(f"chunk-{c}"),
            "one raw PATCH",
            rate("raw"),
            True,
            f"{size_mb_real:.0f} MB",
        )
        for c in sweep
    ]
    return rows


def run(ctx: Any) -> list[Row]:
    """The bench/run.py entry: 1 GB twice (quick: 200 MB once), chunk sweep 32/64/128 MiB (quick: none)."""
    if ctx.quick:
        return measure_all(ctx.url, ctx.api_key, 200, 1, [])
    return measure_all(ctx.url, ctx.api_key, 1000, 2, [32, 64, 128])


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        print(json.dumps(task(*sys.argv[2:5])))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=os.environ.get("GALAXY_TEST_URL"))
    p.add_argument("--api-key-env", default="GALAXY_TEST_API_KEY", metavar="VAR")
    p.add_argument("--size-mb", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--sweep", default="8,16,32,64,128,256", help="chunk sizes in MiB ('' to skip)")
    args = p.parse_args()
    key = os.environ.get(args.api_key_env)
    if not args.url or not key:
        sys.exit(f"Need --url (or GALAXY_TEST_URL) and the key in ${args.api_key_env}.")
    sweep = [int(x) for x in args.sweep.split(",") if x.strip()]
    print(table(measure_all(args.url.rstrip("/"), key, args.size_mb, args.repeats, sweep)))


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as exc:
        sys.exit(str(exc))
