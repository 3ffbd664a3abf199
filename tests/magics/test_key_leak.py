"""The key-leak test (issue 10): run every magic, build every widget and record with a known key, at
DEBUG logging and through failing calls; then grep everything the user or a log could see.

Searched: stdout and stderr, every log record, reprs and HTML of results, records and widgets, every
widget's synced state, the download cache, the watch ledger, every file the package wrote (the
profiles file alone may hold the key, and only at mode 0600), error messages and tracebacks, and a
saved executed notebook. The expected number of hits is 0.
"""

from __future__ import annotations

import logging
import stat
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripted import scripted

FAKE = "5eed5eed5eed5eed5eed5eed5eed5eed"  # a wrong key, for the failing calls


def _texts(value: Any) -> list[str]:
    """Everything a notebook could show of ``value``."""
    out = [repr(value), str(value)]
    for attr in ("_repr_html_", "_repr_markdown_"):
        fn = getattr(value, attr, None)
        if callable(fn):
            try:
                out.append(str(fn()))
            except Exception as exc:  # a failing repr is itself shown
                out.append("".join(traceback.format_exception(exc)))
    bundle = getattr(value, "_repr_mimebundle_", None)
    if callable(bundle):
        out.append(repr(bundle()))
    return out


@pytest.fixture
def private_dirs(tmp_path, monkeypatch):
    dirs = {n: tmp_path / n for n in ("config", "cache", "data", "cwd")}
    for d in dirs.values():
        d.mkdir()
    monkeypatch.setenv("GALAXY_WIDGETS_CONFIG_DIR", str(dirs["config"]))
    monkeypatch.setenv("GALAXY_WIDGETS_CACHE_DIR", str(dirs["cache"]))
    monkeypatch.setenv("GALAXY_WIDGETS_DATA_DIR", str(dirs["data"]))
    monkeypatch.chdir(dirs["cwd"])
    return dirs


def test_the_key_is_nowhere(
    ip, magics, galaxy_server, gi, uploaded, demo_workflows, magics_notebook, private_dirs, capfd, monkeypatch
):
    import ipywidgets
    import nbformat

    from galaxy_widgets import Galaxy, cli
    from galaxy_widgets.widgets import (
        Connect,
        DatasetPicker,
        HistoryBrowser,
        InvocationMonitor,
        WorkflowLauncher,
    )

    key = galaxy_server.api_key
    seen: list[str] = []  # everything shown, raised or returned
    log_file = private_dirs["cwd"] / "debug.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    failures = 0

    def run(line: str, *, fails: bool = False) -> Any:
        nonlocal failures
        try:
            value = ip.run_cell(line).result
        except Exception as exc:
            if not fails:
                raise
            failures += 1
            seen.append("".join(traceback.format_exception(exc)))
            return None
        assert not fails, f"{line!r} was expected to fail"
        seen.extend(_texts(value))
        return value

    try:
        wf = demo_workflows["sort_and_head"]
        monkeypatch.setenv("MY_KEY", key + "\n")
        ip.run_cell(f"%config GalaxyMagics.cache_dir = {str(private_dirs['cache'] / 'downloads')!r}")
        ip.run_cell("%config GalaxyMagics.poll_interval = 1.0")
        # failing first: wrong key, wrong password, unknown things, a broken server
        monkeypatch.setenv("BAD_KEY", FAKE)
        run(f"%galaxy connect {galaxy_server.url} --key-env BAD_KEY", fails=True)
        monkeypatch.setattr("getpass.getpass", lambda prompt="": "not-the-password")
        run(f"%galaxy login {galaxy_server.url} --email nobody@example.org", fails=True)
        with scripted(
            ("redirect", 302, "http://127.0.0.1:1/stolen"), ("reset_mid",), ("html", 200, "<html/>")
        ) as srv:
            run(f"%galaxy connect {srv.url} --key-env MY_KEY", fails=True)
            run(f"%galaxy connect {srv.url} --key-env MY_KEY", fails=True)
            run(f"%galaxy connect {srv.url} --key-env MY_KEY", fails=True)
        # every magic, connected with the real key (read with a trailing newline)
        run(f"%galaxy connect {galaxy_server.url} --key-env MY_KEY")
        run("%galaxy status")
        run("%galaxy histories")
        run(f"%galaxy use {uploaded.history_id}")
        run("%galaxy ls")
        run("%galaxy ls --size 2 --page 2")
        run(f"%galaxy show {uploaded.table.hid}")
        run(f"%galaxy show dataset_collection-{uploaded.samples.id}")
        run(f"%galaxy get {uploaded.table.hid}")
        run(f"%galaxy get {uploaded.json.hid}")
        run(f"%galaxy get {uploaded.text.hid} --as path")
        run(f"%galaxy get {uploaded.samples.hid}")
        ip.user_ns["small"] = {"a": 1}
        run("%galaxy put small --name leak-check.json")
        (private_dirs["cwd"] / "up.txt").write_text("upload\n")
        run(f"%galaxy upload {private_dirs['cwd'] / 'up.txt'}")
        run("%galaxy tools gw_")
        run(f"%galaxy tool gw_head input1={uploaded.text.hid} lines=1 --no-wait")
        run("%galaxy tool gw_head lines=1", fails=True)
        run("%galaxy workflows")
        run(f'%galaxy workflow "{wf.name}"')
        inv = run(f'%galaxy run "{wf.name}" table={uploaded.table.hid} lines=1 --no-wait')
        run("%galaxy api GET users/current")
        run("%galaxy api GET histories --param limit=1")
        run("%galaxy api GET no/such/route", fails=True)
        run("%galaxy show 987654", fails=True)
        run("%galaxy get 0123456789abcdef0123", fails=True)
        run("%galaxy browse")
        run("%galaxy pick --ext tabular")
        run(f'%galaxy launch "{wf.name}"')
        if inv is not None:
            ip.user_ns["inv_for_monitor"] = inv
            run("%galaxy monitor inv_for_monitor")
        run("%galaxy log")
        run("%galaxy disconnect")
        # the Python API: records, widgets, failing calls
        g = Galaxy(galaxy_server.url, api_key=key + "\r\n")
        seen.extend(_texts(g))
        for value in (
            g.users.current(),
            g.histories.show(uploaded.history_id),
            g.datasets.show(uploaded.table.id),
            g.collections.show(uploaded.samples.id),
            g.workflows.show(wf.id),
            g.tools.show("gw_head"),
            *g.histories.contents(uploaded.history_id).page(0, 5).items,
            g.histories.contents(uploaded.history_id),
            g.session.auth,
            g.histories,
        ):
            seen.extend(_texts(value))
        for exc_call in (
            lambda: Galaxy(galaxy_server.url, api_key=FAKE).users.current(),
            lambda: g.datasets.show("../users/current"),
            lambda: g.tools.run("gw_head", uploaded.history_id, {"lines": 1}),
            lambda: Galaxy(galaxy_server.url, api_key=key[:6] + " " + key[6:]),
            lambda: g.get("//evil.example.org/api/users"),
        ):
            try:
                exc_call()
            except Exception as exc:
                failures += 1
                seen.append("".join(traceback.format_exception(exc)))
                seen.extend(_texts(exc))
            else:
                pytest.fail("a failing call did not fail")
        widgets = [
            HistoryBrowser(g, uploaded.history_id),
            DatasetPicker(g, uploaded.history_id),
            WorkflowLauncher(g, wf.id, uploaded.history_id),
        ]
        if inv is not None:
            widgets.append(InvocationMonitor(g, getattr(inv, "id", inv)))
        connect = Connect(url=galaxy_server.url)
        connect.widget.api_key = key
        connect.widget.submit = connect.widget.submit + 1
        assert connect.gi is not None and connect.widget.api_key == ""
        wrong = Connect(url=galaxy_server.url)
        wrong.widget.api_key = FAKE
        wrong.widget.submit = wrong.widget.submit + 1
        widgets += [connect, wrong]
        for w in widgets:
            seen.extend(_texts(w))
        seen.extend(repr(model.get_state()) for model in list(ipywidgets.widgets.widget._instances.values()))
        for w in widgets:
            w.close()
        # the watch CLI and its ledger (one run launched; a key with a newline from the environment)
        watch_dir = private_dirs["cwd"] / "runs"
        (watch_dir / "run1").mkdir(parents=True)
        for name, text in (("s1.tsv", "#id\tcount\nr1\t1\n"), ("s2.tsv", "#id\tcount\nr1\t2\n")):
            (watch_dir / "run1" / name).write_text(text)
        (watch_dir / "run1" / "CopyComplete.txt").write_text("")
        monkeypatch.setenv("GALAXY_URL", galaxy_server.url)
        monkeypatch.setenv("GALAXY_API_KEY", key + "\n")
        samples_wf = demo_workflows["samples_stats"]
        rc = cli.main(["watch", str(watch_dir), "-w", samples_wf.id, "--once", "--ext", "tabular"])
        assert rc in (0, 1)
        from galaxy_widgets.watch import LEDGER_NAME

        assert (watch_dir / LEDGER_NAME).is_file(), "the watch wrote no ledger"
        # a saved executed notebook
        nb = magics_notebook.result()
        saved = private_dirs["cwd"] / "executed.ipynb"
        nbformat.write(nb, saved)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()

    out = capfd.readouterr()
    hits: list[str] = []
    for label, text in [("stdout", out.out), ("stderr", out.err), ("log", log_file.read_text())] + [
        (f"seen[{i}]", t) for i, t in enumerate(seen)
    ]:
        for k in (key, FAKE):
            if k in text:
                hits.append(f"{label}: {text[max(0, text.index(k) - 80) : text.index(k) + 40]!r}")
    allowed = {private_dirs["config"] / "profiles.json"}
    files = [p for d in private_dirs.values() for p in d.rglob("*") if p.is_file()]
    files += [p for p in (watch_dir).rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        if key.encode() in data or FAKE.encode() in data:
            if path in allowed and stat.S_IMODE(path.stat().st_mode) == 0o600:
                continue
            hits.append(f"file {path} (mode {oct(stat.S_IMODE(path.stat().st_mode))})")
    assert hits == []
    # the test looked at real things: the failing calls failed, the log has DEBUG lines, files exist
    assert failures >= 14
    assert "DEBUG" in log_file.read_text()
    assert any(p.is_relative_to(private_dirs["cache"]) for p in files), "nothing was downloaded"
    assert saved.stat().st_size > 1000
