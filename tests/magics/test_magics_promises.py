"""Issue 15: promises of the magics checked by behaviour on the real Galaxy (cache, %config,
provenance)."""

from __future__ import annotations

import itertools
import time

import pytest
from IPython.core.error import UsageError

from tests.scripted import scripted

TEXT = "zeta\nalpha\nmu\n"


@pytest.fixture(scope="module")
def own_history(gi):
    """A history of this module's own: these tests add and rename datasets in it."""
    return gi.histories.create("gw-tests magics promises")


def _edit_until_updated(gi, ds, **edit):
    for _ in range(3):
        new = gi.datasets.update(ds.id, **edit)
        if new.update_time != ds.update_time:
            return new
        time.sleep(1.1)
    raise AssertionError(f"update_time never changed: {ds.update_time}")


def _files(folder):
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def three(gi, own_history):
    """Three small text datasets, hids 1-3, in the module's history."""
    up = gi.uploads.texts(own_history.id, {f"pg{i}.txt": f"line {i}\n" for i in (1, 2, 3)}, ext="txt")
    return sorted(gi.uploads.wait(up).datasets, key=lambda d: d.hid)


@pytest.fixture(autouse=True)
def _defaults_after(magics):
    """What a test sets with %config never reaches the next test (in any module)."""
    yield
    for name, trait in magics.traits(config=True).items():
        setattr(magics, name, trait.default())
    magics.set_connection(None)


@pytest.fixture
def on_own(ip, galaxy_server, own_history):
    """Connected, on this module's history."""
    ip.run_cell("%galaxy connect")
    ip.run_cell(f"%galaxy use {own_history.id}")
    return ip


def test_get_downloads_again_after_rename(on_own, gi, own_history, tmp_path):
    ip = on_own
    ds = gi.uploads.paste(own_history.id, TEXT, name="magic-cache.txt", ext="txt", wait=True)
    ip.run_cell(f"%config GalaxyMagics.cache_dir = {str(tmp_path)!r}")
    assert ip.run(f"%galaxy get {ds.hid}") == TEXT
    (cached,) = _files(tmp_path)  # cache_dir took effect: the file landed there
    cached.write_text("STALE\n")
    assert ip.run(f"%galaxy get {ds.hid}") == "STALE\n"  # a cache hit
    _edit_until_updated(gi, gi.datasets.show(ds.id), name="magic-cache-renamed.txt")
    assert ip.run(f"%galaxy get {ds.hid}") == TEXT
    assert not cached.exists()
    assert len(_files(tmp_path)) == 1


# ---------------------------------------------------------------- %config takes effect (item 4)
def _job_polls(magics):
    """Record when the magics' client asks Galaxy about jobs (the wait engine's polls)."""
    seen: list[float] = []

    def hook(resp, *args, **kwargs):
        if resp.request.method == "GET" and "/api/jobs" in resp.request.url:
            seen.append(time.monotonic())

    magics.gi.session.hooks["response"].append(hook)
    return seen


def _timed_out_tool_run(ip, magics, dataset, capsys):
    """Run gw_sleep (20 s) on ``dataset`` under a 3 s wait_timeout: the wait must give up."""
    polls = _job_polls(magics)
    capsys.readouterr()
    started = time.monotonic()
    try:
        with pytest.raises(UsageError, match="not finished after 3 s") as err:
            ip.run_cell(f"%galaxy tool gw_sleep input1=#{dataset.hid} seconds=20")
    finally:
        magics.gi.session.hooks["response"].pop()
    waited = time.monotonic() - started
    return polls, waited, capsys.readouterr().out, str(err.value)


@pytest.fixture
def sleepers(gi, own_history):
    """Cancels the gw_sleep jobs a test leaves running (they would hold a job slot for 20 s)."""
    yield
    for job in gi.jobs.list(own_history.id):
        if job.tool_id == "gw_sleep" and job.state in ("new", "queued", "running"):
            gi.delete(f"jobs/{job.id}")


def test_wait_timeout_poll_interval_and_progress_take_effect(on_own, magics, three, capsys, sleepers):
    ip = on_own
    ip.run_cell("%config GalaxyMagics.wait_timeout = 3.0")
    ip.run_cell("%config GalaxyMagics.poll_interval = 0.25")
    fast, waited, shown, message = _timed_out_tool_run(ip, magics, three[0], capsys)
    assert "wait_timeout" in message
    assert waited < 15, f"gave up after {waited:.1f} s, not after about 3 s"  # the job sleeps 20 s
    assert "job" in shown, f"no progress line while waiting: {shown!r}"

    ip.run_cell("%config GalaxyMagics.poll_interval = 2.0")
    ip.run_cell("%config GalaxyMagics.progress = False")
    slow, _, quiet, _ = _timed_out_tool_run(ip, magics, three[1], capsys)
    # over the same 3 s a 0.25 s interval polls about 12 times; a 2 s one (the engine starts at
    # 1 s and backs off to the interval) about 3 times
    assert len(fast) >= 8, fast
    assert len(slow) <= 5, slow
    assert len(fast) >= 2 * len(slow), (fast, slow)
    gaps = [b - a for a, b in itertools.pairwise(fast)]
    assert max(gaps[2:]) < 1.0, gaps  # once backed off, polls come every ~0.25 s, not every 3 s
    assert quiet.strip() == "", f"progress=False still printed: {quiet!r}"


def test_page_size_sets_rows_of_ls(on_own, three):
    ip = on_own
    ip.run_cell("%config GalaxyMagics.page_size = 2")
    table = ip.run("%galaxy ls name:pg")
    assert [r[1] for r in table.rows] == ["pg3.txt", "pg2.txt"]
    assert table.total == 3
    ip.run_cell("%config GalaxyMagics.page_size = 1")
    assert [r[1] for r in ip.run("%galaxy ls name:pg").rows] == ["pg3.txt"]


def test_max_bytes_refuses_a_bigger_get(on_own, three, tmp_path):
    ip = on_own
    ip.run_cell(f"%config GalaxyMagics.cache_dir = {str(tmp_path)!r}")
    ip.run_cell("%config GalaxyMagics.max_bytes = 4")  # "line 1\n" is 7 bytes
    with pytest.raises(UsageError, match="limit of 4"):
        ip.run_cell(f"%galaxy get {three[0].hid}")
    assert _files(tmp_path) == []  # refused before any download
    ip.run_cell("%config GalaxyMagics.max_bytes = 7")
    assert ip.run(f"%galaxy get {three[0].hid}") == "line 1\n"
    (landed,) = _files(tmp_path)  # cache_dir: the file lands there
    assert landed.read_text() == "line 1\n"


def test_timeout_is_the_http_timeout_of_each_request(ip, magics):
    """A server that answers after 2 s: a 0.5 s timeout gives up, a 5 s one gets the answer."""
    from galaxy_widgets import Galaxy

    ip.run_cell("%config GalaxyMagics.timeout = 0.5")
    with scripted(("slow", 2.0, 200, {"late": True})) as srv:
        magics.set_connection(Galaxy(srv.url, api_key="not-a-key-scripted-server-only", retries=0))
        started = time.monotonic()
        with pytest.raises(UsageError, match="no answer"):
            ip.run_cell("%galaxy api GET version")
        assert time.monotonic() - started < 1.8  # gave up before the answer came
        ip.run_cell("%config GalaxyMagics.timeout = 5")  # reaches the connected client too
        assert ip.run("%galaxy api GET version") == {"late": True}
    assert len(srv.seen) == 2  # retries=0: one request each


# ---------------------------------------------------------------- provenance content (item 5)
# Expected values come from Galaxy's own JSON, read with plain requests (not this package's records).
def _raw(server, path, **params):
    import requests

    resp = requests.get(
        f"{server.url}/api/{path}", headers={"x-api-key": server.api_key}, params=params, timeout=60
    )
    resp.raise_for_status()
    return resp.json()


def _raw_output(server, dataset_id):
    """What the record should say of an output: Galaxy's id, hid and update_time for it."""
    d = _raw(server, f"datasets/{dataset_id}")
    return {"id": d["id"], "hid": d["hid"], "update_time": d["update_time"]}


def _new(server, path, before, **params):
    """The one item of ``path`` (jobs, invocations) that was not in ``before``."""
    (item,) = [x for x in _raw(server, path, **params) if x["id"] not in before]
    return item


def _ids(server, path, **params):
    return {x["id"] for x in _raw(server, path, **params)}


def _log_row(ip):
    """The last row of the `%galaxy log` table, as a dict of its columns."""
    table = ip.run("%galaxy log")
    assert table.columns == ["what", "name", "items", "history", "job/invocation", "updated", "server"]
    return dict(zip(table.columns, table.rows[-1], strict=True))


@pytest.fixture(scope="module")
def prov_input(galaxy_server, own_history, three):
    """pg1.txt as Galaxy describes it."""
    return _raw(galaxy_server, f"datasets/{three[0].id}")


def test_get_provenance_names_galaxy_ids_and_update_time(on_own, galaxy_server, own_history, prov_input):
    ip = on_own
    ip.run_cell(f"x = %galaxy get {prov_input['hid']}")
    rec = ip.run("%galaxy log --json")[-1]
    assert rec["what"] == "get"
    assert rec["server"] == galaxy_server.url.rstrip("/")
    assert rec["history_id"] == own_history.id == prov_input["history_id"]
    assert (rec["id"], rec["hid"], rec["name"]) == (prov_input["id"], prov_input["hid"], "pg1.txt")
    assert rec["update_time"] == prov_input["update_time"]
    assert rec["job_id"] == prov_input["creating_job"]
    assert _log_row(ip) == {
        "what": "get",
        "name": "pg1.txt",
        "items": f"#{prov_input['hid']} ({prov_input['id']})",
        "history": own_history.id,
        "job/invocation": prov_input["creating_job"],
        "updated": prov_input["update_time"],
        "server": galaxy_server.url.rstrip("/"),
    }


def test_tool_provenance_names_galaxy_job_and_outputs(on_own, galaxy_server, own_history, prov_input):
    ip = on_own
    ip.run_cell("%config GalaxyMagics.poll_interval = 1.0")
    before = _ids(galaxy_server, "jobs", history_id=own_history.id)
    ip.run_cell(f"%galaxy tool gw_head input1=#{prov_input['hid']} lines=1")
    rec = ip.run("%galaxy log --json")[-1]
    job = _new(galaxy_server, "jobs", before, history_id=own_history.id)
    out = _raw(galaxy_server, f"jobs/{job['id']}")["outputs"]["output1"]
    expected = _raw_output(galaxy_server, out["id"])
    assert rec["what"] == "tool" and rec["tool_id"] == "gw_head"
    assert rec["server"] == galaxy_server.url.rstrip("/")
    assert rec["history_id"] == own_history.id
    assert rec["job_id"] == job["id"]
    assert rec["outputs"] == {"output1": expected}
    row = _log_row(ip)
    assert (row["what"], row["name"], row["history"], row["job/invocation"]) == (
        "tool",
        "gw_head",
        own_history.id,
        job["id"],
    )
    assert row["items"] == f"output1=#{expected['hid']}"
    assert row["updated"] == expected["update_time"]


def test_run_provenance_names_galaxy_invocation_and_outputs(
    on_own, galaxy_server, own_history, prov_input, demo_workflows
):
    ip = on_own
    ip.run_cell("%config GalaxyMagics.poll_interval = 1.0")
    wf = demo_workflows["sort_and_head"]
    before = _ids(galaxy_server, "invocations", history_id=own_history.id)
    ip.run_cell(f'%galaxy run "{wf.name}" table=#{prov_input["hid"]} lines=1')
    rec = ip.run("%galaxy log --json")[-1]
    inv = _new(galaxy_server, "invocations", before, history_id=own_history.id)
    inv = _raw(galaxy_server, f"invocations/{inv['id']}")
    expected = {k: _raw_output(galaxy_server, v["id"]) for k, v in inv["outputs"].items()}
    assert sorted(expected) == ["sorted", "top"]
    assert rec["what"] == "run"
    assert rec["server"] == galaxy_server.url.rstrip("/")
    assert rec["history_id"] == own_history.id == inv["history_id"]
    assert rec["invocation_id"] == inv["id"]
    assert {k: {f: v[f] for f in ("id", "hid", "update_time")} for k, v in rec["outputs"].items()} == expected
    row = _log_row(ip)
    assert (row["what"], row["history"], row["job/invocation"]) == ("run", own_history.id, inv["id"])
    assert row["items"] == ", ".join(f"{k}=#{v['hid']}" for k, v in rec["outputs"].items())
    assert row["updated"] == max(v["update_time"] for v in expected.values())


def test_batch_provenance_names_galaxy_invocation_per_sample(
    on_own, galaxy_server, own_history, three, demo_workflows
):
    ip = on_own
    ip.run_cell("%config GalaxyMagics.poll_interval = 1.0")
    wf = demo_workflows["sort_and_head"]
    before = _ids(galaxy_server, "invocations", history_id=own_history.id)
    ip.run_cell(f'%galaxy run "{wf.name}" --over name:pg lines=1')
    recs = [r for r in ip.run("%galaxy log --json") if r["what"] == "batch" and r.get("sample")]
    assert sorted(r["sample"] for r in recs) == ["pg1", "pg2", "pg3"]
    inv = _new(galaxy_server, "invocations", before, history_id=own_history.id)
    inv = _raw(galaxy_server, f"invocations/{inv['id']}")
    top = _raw(galaxy_server, f"dataset_collections/{inv['output_collections']['top']['id']}")
    by_sample = {e["element_identifier"]: e["object"]["id"] for e in top["elements"]}
    assert sorted(by_sample) == ["pg1", "pg2", "pg3"]
    for r in recs:
        assert r["server"] == galaxy_server.url.rstrip("/")
        assert r["history_id"] == own_history.id and r["invocation_id"] == inv["id"]
        expected = _raw_output(galaxy_server, by_sample[r["sample"]])
        assert r["outputs"]["top"] == {**expected, "type": "dataset"}
    row = _log_row(ip)
    assert row["what"] == "batch" and row["server"] == galaxy_server.url.rstrip("/")
