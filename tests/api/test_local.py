"""The local Galaxy manager: install pins, config, stop leaves nothing behind, CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from galaxy_widgets import local
from galaxy_widgets.cli import main


def _fake_wheel(tmp_path, requires):
    wheel = tmp_path / "galaxy-26.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        meta = "Metadata-Version: 2.1\nName: galaxy\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
        zf.writestr("galaxy-26.1.2.dist-info/METADATA", meta)
    return wheel


def test_requirements_rewrite_the_missing_certifi_pin(tmp_path):
    wheel = _fake_wheel(tmp_path, ["certifi==2026.10.19", "requests==2.32.3", 'pytest; extra == "test"'])
    assert local._requirements_from_wheel(wheel) == ["certifi==2026.10.19.post1", "requests==2.32.3"]


def test_requirements_pin_the_twin_of_a_slim_package(tmp_path):
    """Galaxy 25.0 pins fastapi-slim; galaxy-web-apps' loose `fastapi` must not pull a newer one."""
    wheel = _fake_wheel(tmp_path, ["fastapi-slim==0.115.12", "galaxy-web_apps==25.0.4"])
    assert local._requirements_from_wheel(wheel) == [
        "fastapi-slim==0.115.12",
        "galaxy-web_apps==25.0.4",
        "fastapi==0.115.12",
    ]
    both = _fake_wheel(tmp_path, ["fastapi-slim==0.115.12", "fastapi==0.115.12"])
    assert local._requirements_from_wheel(both) == ["fastapi-slim==0.115.12", "fastapi==0.115.12"]


def test_install_of_a_release_not_on_the_index_says_which_are(tmp_path, monkeypatch, capsys):
    """24.2 exists only as split packages (galaxy-app, ...): a clear refusal, and no venv left behind."""
    monkeypatch.setenv("GALAXY_WIDGETS_CACHE_DIR", str(tmp_path))
    assert main(["local", "install", "--version", "24.2.4"]) == 1
    err = capsys.readouterr().err
    assert "Galaxy 24.2.4 is not on the package index as `galaxy`" in err and "25.0.1 and later" in err
    assert "Traceback" not in err
    assert not local.venv_dir("24.2.4").exists()


def test_running_server_state_and_config(galaxy_server, gi):
    if galaxy_server.local is None:
        pytest.skip("the session uses an external Galaxy")
    lg = galaxy_server.local
    assert lg.is_running() and lg.url == galaxy_server.url
    # the release asked for (--galaxy-version) is the one answering
    version = gi.get("version")
    assert f"{version['version_major']}.{version['version_minor']}" == lg.version
    assert oct(lg.state_file.stat().st_mode & 0o777) == "0o600"
    config = (lg.data_dir / "config" / "galaxy.yml").read_text()
    assert "timeout=60" in config and "fetch_url_allowlist: 127.0.0.0/8" in config
    assert (lg.data_dir / "config" / "id_secret").read_text().strip() in config
    assert "gw_stats.xml" in (lg.data_dir / "config" / "local_tool_conf.xml").read_text()


def test_stop_kills_the_whole_process_group(tmp_path):
    """The stop path on a stand-in server: a process group with a child, like galaxy-web's."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import subprocess,time; subprocess.Popen(['sleep','300']); time.sleep(300)"],
        start_new_session=True,
    )
    time.sleep(0.5)
    lg = local.LocalGalaxy(tmp_path)
    local._write_private(
        lg.state_file, json.dumps({"url": "http://127.0.0.1:9", "port": 9, "prefix": "", "pid": proc.pid})
    )
    assert lg.stop(timeout=5) is True
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
    assert lg.stop() is False  # nothing left to stop
    proc.wait(timeout=5)


def test_stop_escalates_to_sigkill(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)",
        ],
        start_new_session=True,
    )
    time.sleep(0.5)
    lg = local.LocalGalaxy(tmp_path)
    local._write_private(
        lg.state_file, json.dumps({"url": "http://127.0.0.1:9", "port": 9, "prefix": "", "pid": proc.pid})
    )
    assert lg.stop(timeout=1)
    # It ignores SIGTERM, so only the SIGKILL can have ended it. stop() may reap it first (it reaps the
    # server it started), and then Popen sees returncode 0 instead of -SIGKILL.
    assert proc.wait(timeout=5) in (-signal.SIGKILL, 0)


def test_cli_status_and_errors(tmp_path, capsys):
    assert main(["local", "status", "--data-dir", str(tmp_path)]) == 3
    assert "not running" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["local", "explode"])


def test_seed_demo_is_idempotent(gi):
    first = local.seed_demo(gi)
    again = local.seed_demo(gi)
    assert again["workflows"] == [] and again["upload"] is None
    assert again["history"].id == first["history"].id
    names = {w.name for w in gi.workflows.list()}
    assert {"gw-demo sort and head", "gw-demo collection stats"} <= names


def test_start_refuses_a_port_in_use(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(local.LocalGalaxyError, match=f"Port {port} .* in use"):
            local.LocalGalaxy(tmp_path, port=port).start(log=lambda m: None)
