"""`galaxy-widgets local start` tells a user what to do next, without printing a secret."""

from __future__ import annotations

import json

import pytest

from galaxy_widgets import local
from galaxy_widgets.cli import main, start_message


def _secrets(lg: local.LocalGalaxy) -> list[str]:
    st = lg.state()
    assert st is not None
    return [s for s in (st.api_key, st.admin_password, st.bootstrap_key) if s]


def test_start_message_names_url_login_notebook_and_stop(tmp_path):
    lg = local.LocalGalaxy(tmp_path / "g")
    state = local.ServerState(url="http://127.0.0.1:8123", port=8123, prefix="", pid=42, api_key="k" * 32)
    text = start_message(lg, state, "", str(tmp_path / "g"))
    assert "Galaxy is running at http://127.0.0.1:8123" in text
    assert f"log in as {local.ADMIN_EMAIL}" in text and str(lg.state_file) in text and "0600" in text
    assert "%load_ext galaxy_widgets\n  %galaxy connect\n" in text
    assert f"galaxy-widgets local stop --data-dir {tmp_path / 'g'}" in text
    assert "k" * 32 not in text
    assert "%galaxy connect --profile mine" in start_message(lg, state, "mine", None)
    no_profile = start_message(lg, state, None, None)
    assert "%galaxy connect http://127.0.0.1:8123" in no_profile and no_profile.endswith("local stop")


def test_cli_start_on_the_running_server(galaxy_server, tmp_path, monkeypatch, capsys):
    """The real command on the session's own local Galaxy (already running, so start returns it)."""
    if galaxy_server.local is None:
        pytest.skip("the session uses an external Galaxy")
    monkeypatch.setenv("GALAXY_WIDGETS_CONFIG_DIR", str(tmp_path / "config"))
    lg = galaxy_server.local
    assert main(["local", "start", "--data-dir", str(lg.data_dir), "--profile", "cli-test"]) == 0
    out = capsys.readouterr().out
    assert f"Galaxy is running at {galaxy_server.url}" in out
    assert "%load_ext galaxy_widgets" in out and "%galaxy connect\n" in out  # its profile is the default
    assert f"galaxy-widgets local stop --data-dir {lg.data_dir}" in out
    assert f'"admin_password" in {lg.state_file}' in out
    assert not [s for s in _secrets(lg) if s in out]
    saved = json.loads((tmp_path / "config" / "profiles.json").read_text())
    assert saved["default"] == "cli-test" and saved["profiles"]["cli-test"]["url"] == galaxy_server.url
