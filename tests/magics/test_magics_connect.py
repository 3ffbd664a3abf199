"""connect, login, status, disconnect against the real Galaxy; the key never shows."""

from __future__ import annotations

import getpass

import pytest
from IPython.core.error import UsageError

from galaxy_widgets import profiles


@pytest.fixture
def user_email(gi):
    return gi.users.current().email


def _prompt(monkeypatch, answer):
    asked = []

    def fake(prompt=""):
        asked.append(prompt)
        return answer

    monkeypatch.setattr(getpass, "getpass", fake)
    return asked


def test_connect_from_environment(ip, magics, galaxy_server, user_email, capsys):
    ip.run_cell("%galaxy connect")
    out = capsys.readouterr().out
    assert f"Connected as {user_email} to {galaxy_server.url.rstrip('/')}" in out
    assert galaxy_server.api_key not in out
    assert magics.gi.users.current().email == user_email
    assert magics.history_id is None


def test_connect_key_env(ip, magics, galaxy_server, own_config, monkeypatch, capsys):
    monkeypatch.setenv("MY_GALAXY_KEY", galaxy_server.api_key)
    ip.run_cell(f"%galaxy connect {galaxy_server.url} --key-env MY_GALAXY_KEY")
    assert magics.gi is not None and magics.gi.url == galaxy_server.url.rstrip("/")
    assert galaxy_server.api_key not in capsys.readouterr().out


def test_connect_key_env_unset(ip, galaxy_server, monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(UsageError, match="NO_SUCH_KEY_VAR is not set"):
        ip.run_cell(f"%galaxy connect {galaxy_server.url} --key-env NO_SUCH_KEY_VAR")


def test_connect_prompts_for_a_missing_key(ip, magics, galaxy_server, own_config, monkeypatch, capsys):
    asked = _prompt(monkeypatch, galaxy_server.api_key)
    ip.run_cell(f"%galaxy connect {galaxy_server.url}")
    assert len(asked) == 1 and "API key for" in asked[0]
    assert magics.gi is not None
    out = capsys.readouterr().out
    assert "Connected as" in out and galaxy_server.api_key not in out


def test_connect_with_a_wrong_key(ip, magics, galaxy_server, own_config, monkeypatch):
    _prompt(monkeypatch, "0123456789abcdef0123456789abcdef")
    with pytest.raises(UsageError, match="did not accept the API key") as err:
        ip.run_cell(f"%galaxy connect {galaxy_server.url}")
    assert "0123456789abcdef0123456789abcdef" not in str(err.value)
    assert magics.gi is None


def test_connect_with_nothing_configured(ip, own_config):
    with pytest.raises(UsageError, match="No Galaxy configured"):
        ip.run_cell("%galaxy connect")


def test_connect_profile(ip, magics, galaxy_server, own_config, capsys):
    profiles.save_profile("dev", galaxy_server.url, galaxy_server.api_key)
    ip.run_cell("%galaxy connect --profile dev")
    assert "credentials from profile dev" in capsys.readouterr().out
    with pytest.raises(UsageError, match="No profile named 'nope'"):
        ip.run_cell("%galaxy connect --profile nope")
    ip.run_cell("%config GalaxyMagics.profile = 'dev'")
    ip.run_cell("%galaxy disconnect")
    ip.run_cell("%galaxy connect")
    assert magics.gi is not None and magics.gi.source == "profile dev"


def test_connect_history_option_and_status(ip, magics, uploaded, capsys, galaxy_server):
    ip.run_cell(f"%galaxy connect --history {uploaded.history_id}")
    assert magics.history_id == uploaded.history_id
    capsys.readouterr()
    ip.run_cell("%galaxy status")
    out = capsys.readouterr().out
    assert "Connected as" in out and f"({uploaded.history_id}," in out
    assert galaxy_server.api_key not in out


def test_login_with_password_and_save_profile(
    ip, magics, galaxy_server, own_config, user_email, monkeypatch, capsys
):
    if not galaxy_server.admin_password:
        pytest.skip("this test server has no known password")
    asked = _prompt(monkeypatch, galaxy_server.admin_password)
    ip.run_cell(f"%galaxy login {galaxy_server.url} --email {user_email} --save-profile mine")
    assert "password" in asked[0]
    out = capsys.readouterr().out
    assert f"Connected as {user_email}" in out and "Saved profile 'mine'" in out
    assert galaxy_server.admin_password not in out
    assert profiles.list_profiles() == {"mine": galaxy_server.url.rstrip("/")}
    assert profiles.default_profile() == "mine"
    assert magics.gi.users.current().email == user_email


def test_login_wrong_password(ip, magics, galaxy_server, user_email, monkeypatch):
    _prompt(monkeypatch, "certainly-not-the-password")
    with pytest.raises(UsageError, match=f"Login to .* as {user_email} failed"):
        ip.run_cell(f"%galaxy login {galaxy_server.url} --email {user_email}")
    assert magics.gi is None


def test_login_needs_email(ip, galaxy_server):
    with pytest.raises(UsageError, match="--email"):
        ip.run_cell(f"%galaxy login {galaxy_server.url}")


def test_disconnect_then_commands_need_a_connection(connected, magics):
    connected.run_cell("%galaxy disconnect")
    assert magics.gi is None and magics.history_id is None
    with pytest.raises(UsageError, match="Not connected"):
        connected.run_cell("%galaxy ls")
