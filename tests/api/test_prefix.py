"""A second real Galaxy served under /galaxy: prefix handling and email/password login."""

from __future__ import annotations

import pytest

from galaxy_widgets import Galaxy
from galaxy_widgets.errors import AuthenticationError, NotFoundError

pytestmark = pytest.mark.prefix


@pytest.fixture(scope="module")
def base(prefixed_server):
    assert prefixed_server.url.endswith("/galaxy")
    return prefixed_server.url


@pytest.mark.parametrize("suffix", ["", "/", "/api", "/api/"])
def test_every_spelling_of_the_url_reaches_the_api(prefixed_server, base, suffix):
    gi = Galaxy(base + suffix, api_key=prefixed_server.api_key)
    assert gi.url == base
    assert gi.users.current().email == "admin@example.org"


def test_without_the_prefix_there_is_no_api(prefixed_server, base):
    root = base[: -len("/galaxy")]
    with pytest.raises(NotFoundError):
        Galaxy(root, api_key=prefixed_server.api_key).version()


def test_galaxy_url_fields_are_not_joined_onto_the_prefix(prefixed_server, base):
    """Galaxy's own `url` fields lack the prefix; following them must still work."""
    gi = Galaxy(base, api_key=prefixed_server.api_key)
    h = gi.histories.create("gw prefix test")
    ds = gi.uploads.paste(h.id, "a\tb\n", name="p.tsv", ext="tabular")
    item = gi.get(f"histories/{h.id}/contents")[0]
    assert item["url"].startswith("/api/")  # not /galaxy/api/
    assert gi.get(item["url"])["id"] == ds.id  # followed under the prefix
    assert gi.get(f"histories/{h.id}")["contents_url"].startswith("/api/")
    assert gi.histories.contents(h.id).count() == 1
    gi.histories.delete(h.id, purge=True)


def test_baseauth_login_gives_a_working_key(prefixed_server, base):
    if not prefixed_server.admin_password:
        pytest.skip("set GALAXY_TEST_PREFIX_PASSWORD to test login on an external Galaxy")
    gi = Galaxy(base + "/", email="admin@example.org", password=prefixed_server.admin_password)
    assert gi.users.current().email == "admin@example.org"
    by_username = Galaxy(base, email="admin", password=prefixed_server.admin_password)
    assert by_username.users.current().username == "admin"
    assert prefixed_server.admin_password not in repr(gi.__dict__)


def test_baseauth_wrong_password(base):
    with pytest.raises(AuthenticationError, match="Invalid password.*Check the email") as info:
        Galaxy(base, email="admin@example.org", password="not-the-password")
    assert info.value.err_code == 401001
    assert "not-the-password" not in str(info.value)
