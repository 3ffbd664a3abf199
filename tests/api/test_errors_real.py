"""Every error class, seen once from the real Galaxy."""

from __future__ import annotations

import secrets
import socket

import pytest

from galaxy_widgets import Galaxy
from galaxy_widgets.errors import (
    AuthenticationError,
    BadRequestError,
    ForbiddenError,
    GalaxyConnectionError,
    GalaxyTimeoutError,
    NotFoundError,
    ServerError,
)


def test_401_bad_key(galaxy_server):
    bad = "0" * 32
    with pytest.raises(AuthenticationError, match="check your API key|Check your API key") as info:
        Galaxy(galaxy_server.url, api_key=bad).users.current()
    assert info.value.status == 401 and info.value.err_code == 401001
    assert bad not in str(info.value)


def test_400_bad_filter_and_bad_id(gi, history):
    with pytest.raises(BadRequestError, match="bad filter") as info:
        gi.get(f"histories/{history.id}/contents", params={"v": "dev", "q": "bogus-eq", "qv": "x"})
    assert info.value.err_code == 400008
    with pytest.raises(BadRequestError, match="History 0000000000000000: .*decode"):
        gi.histories.show("0000000000000000")


def test_404_names_what_was_looked_up(gi):
    with pytest.raises(NotFoundError, match="Tool no_such_tool: Could not find tool"):
        gi.tools.show("no_such_tool")
    with pytest.raises(NotFoundError):
        gi.get("no/such/route")


def test_403_other_users_history(gi, history):
    name = f"u{secrets.token_hex(4)}"
    user = gi.post(
        "users", json={"username": name, "email": f"{name}@example.org", "password": secrets.token_hex(8)}
    )
    key = gi.post(f"users/{user['id']}/api_key")
    other = Galaxy(gi.url, api_key=key)
    assert other.users.current().username == name
    with pytest.raises(ForbiddenError) as info:
        other.histories.show(history.id)
    assert info.value.status == 403


def test_5xx_from_real_server(galaxy_server):
    """The bootstrap admin key cannot act as a user: Galaxy answers 500 on users/current."""
    if not galaxy_server.bootstrap_key:
        pytest.skip("set GALAXY_TEST_BOOTSTRAP_KEY to see a real 500 from an external Galaxy")
    with pytest.raises(ServerError) as info:
        Galaxy(galaxy_server.url, api_key=galaxy_server.bootstrap_key).users.current()
    assert info.value.status == 500
    assert galaxy_server.bootstrap_key not in str(info.value)


def test_timeout_from_real_server(galaxy_server):
    gi = Galaxy(galaxy_server.url, api_key=galaxy_server.api_key, timeout=0.0001, retries=0)
    with pytest.raises(GalaxyTimeoutError, match="raise the timeout"):
        gi.histories.list()


def test_connection_error_after_server_port_closes():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(GalaxyConnectionError, match="Could not reach"):
        Galaxy(f"http://127.0.0.1:{port}", api_key="k" * 32, retries=0).version()
