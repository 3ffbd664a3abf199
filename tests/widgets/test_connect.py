"""Connect: log in from the form; secrets leave widget state at once; errors in words."""

from __future__ import annotations

import pytest

from galaxy_widgets.widgets import BundleMissingError, Connect


def _no_secret_anywhere(connect: Connect, secret: str) -> None:
    state = connect.widget.get_state()
    assert all(secret not in str(v) for v in state.values())
    assert secret not in repr(connect)
    assert secret not in str(connect._repr_mimebundle_())


def test_connect_with_key_clears_it_and_says_who(gi, galaxy_server, browser_sets):
    seen = []
    c = Connect(on_connect=seen.append, url="")
    browser_sets(c.widget, url=galaxy_server.url, mode="key", api_key=galaxy_server.api_key, submit=1)
    assert c.widget.api_key == ""
    assert c.widget.status == "connected", c.widget.message
    me = gi.users.current()
    assert c.widget.message == f"Connected as {me.email} to {gi.url}"
    assert c.gi is not None and c.gi.users.current().id == me.id
    assert seen == [c.gi]
    _no_secret_anywhere(c, galaxy_server.api_key)
    # the browser never gets the key back: the secret traits are not echoed
    assert c.widget.trait_metadata("api_key", "echo_update") is False
    assert c.widget.trait_metadata("password", "echo_update") is False


def test_wrong_key_shows_galaxys_refusal(galaxy_server, browser_sets):
    c = Connect(url=galaxy_server.url)
    browser_sets(c.widget, api_key="0123456789abcdef-not-a-key", submit=1)
    assert c.widget.api_key == ""
    assert c.widget.status == "error"
    assert "did not accept the API key" in c.widget.message
    assert c.gi is None
    assert "not connected" in repr(c)


def test_login_with_a_wrong_password_clears_it_and_shows_why(gi, galaxy_server, browser_sets):
    email = gi.users.current().email
    c = Connect(url=galaxy_server.url)
    browser_sets(c.widget, mode="login", email=email, password="wrong-password-123", submit=1)
    assert c.widget.password == ""
    assert c.widget.status == "error"
    assert "did not accept the email or password" in c.widget.message
    assert "Invalid password" in c.widget.message  # Galaxy's own words
    _no_secret_anywhere(c, "wrong-password-123")


def test_login_with_email_and_password(gi, galaxy_server, browser_sets):
    if not galaxy_server.admin_password:
        pytest.skip("the server's password is not known here (GALAXY_TEST_PASSWORD unset)")
    email = gi.users.current().email
    c = Connect(url=galaxy_server.url)
    browser_sets(c.widget, mode="login", email=email, password=galaxy_server.admin_password, submit=1)
    assert c.widget.password == ""
    assert c.widget.status == "connected", c.widget.message
    assert c.gi.users.current().email == email


def test_form_mistakes_are_explained_without_a_request(browser_sets):
    c = Connect(url="")
    browser_sets(c.widget, api_key="abc", submit=1)
    assert c.widget.status == "error" and "Enter the Galaxy server's address" in c.widget.message
    browser_sets(c.widget, url="https://galaxy.example.invalid", api_key="", submit=2)
    assert "Paste your API key" in c.widget.message
    browser_sets(c.widget, mode="login", email="me@example.org", password="", submit=3)
    assert "both your email" in c.widget.message


def test_unreachable_server_is_named(browser_sets):
    c = Connect(url="http://127.0.0.1:9")
    browser_sets(c.widget, api_key="some-key", submit=1)
    assert c.widget.status == "error"
    assert c.widget.message.startswith("Could not reach http://127.0.0.1:9")


def test_text_fallback_and_widget_view(galaxy_server):
    c = Connect(url=galaxy_server.url)
    data, _ = c._repr_mimebundle_()
    assert data["text/plain"] == repr(c)
    assert "press Connect" in data["text/plain"]
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == c.widget.model_id


def test_missing_bundle_says_how_to_build(monkeypatch, tmp_path):
    from galaxy_widgets.widgets import _bundle

    monkeypatch.setattr(_bundle, "STATIC", tmp_path)
    with pytest.raises(BundleMissingError, match="npm run build"):
        Connect()
