"""Issue 10, the trust boundary: one regression test per defect the audit found (items 1-14).

Redirects and faults are played by a scripted server on 127.0.0.1 (tests/scripted.py); whatever
involves Galaxy's own behaviour runs against the real test Galaxy.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripted import free_port, scripted

from galaxy_widgets import Galaxy
from galaxy_widgets import profiles as profiles_mod
from galaxy_widgets.errors import (
    BadInputError,
    DownloadError,
    GalaxyConnectionError,
    GalaxyError,
    GalaxyTimeoutError,
    NotFoundError,
    NotGalaxyError,
    OutcomeUnknownError,
    RedirectRefusedError,
)
from galaxy_widgets.records import Collection, Dataset

KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def fast(gi: Galaxy) -> Galaxy:
    """No real backoff sleeps in tests."""
    for adapter in gi.session.adapters.values():
        adapter.max_retries.backoff_factor = 0
    return gi


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    d = tmp_path / "config"
    monkeypatch.setenv("GALAXY_WIDGETS_CONFIG_DIR", str(d))
    for var in ("GALAXY_URL", "GALAXY_API_KEY", "API_KEY"):
        monkeypatch.delenv(var, raising=False)
    return d


# ----------------------------------------------------------------------------- 1. redirects
@pytest.mark.parametrize(("method", "status"), [("GET", 302), ("GET", 301), ("POST", 307), ("POST", 308)])
def test_cross_host_redirect_is_refused_and_the_key_never_leaves(method, status):
    with (
        scripted(("json", 200, {"stolen": True})) as other,
        scripted(("redirect", status, f"{other.url}/x")) as first,
    ):
        gi = Galaxy(first.url, api_key=KEY)
        with pytest.raises(RedirectRefusedError) as info:
            gi.request(method, "version", json={"a": 1} if method == "POST" else None)
    msg = str(info.value)
    assert f"127.0.0.1:{other.port}" in msg and "final URL" in msg
    assert KEY not in msg
    assert other.seen == []  # nothing, let alone the key, reached the other port
    assert first.headers_seen()[0]["x-api-key"] == KEY


def test_redirect_to_another_scheme_is_refused_too():
    redirect = ("redirect", 302, "https://127.0.0.1:1/api/version")
    with scripted(redirect) as first, pytest.raises(RedirectRefusedError, match="https://127.0.0.1:1"):
        Galaxy(first.url, api_key=KEY).get("version")


def test_same_origin_redirect_is_followed_with_the_key():
    with scripted(("redirect", 302, "/api/version2"), ("json", 200, {"version_major": "26.1"})) as srv:
        assert Galaxy(srv.url, api_key=KEY).get("version") == {"version_major": "26.1"}
    assert [p for _, p, _ in srv.seen] == ["/api/version", "/api/version2"]
    assert all(h["x-api-key"] == KEY for h in srv.headers_seen())


# ----------------------------------------------------------------------------- 2. profile keys
def test_profile_key_goes_only_to_its_own_url(config_dir):
    with scripted(("json", 200, {})) as mine, scripted(("json", 200, {})) as stranger:
        profiles_mod.save_profile("p", mine.url, KEY)
        with pytest.raises(GalaxyError) as info:
            Galaxy(stranger.url, profile="p")
        assert "explicitly" in str(info.value) and KEY not in str(info.value)
        # explicit pairing is allowed; the profile's own URL is fine
        Galaxy(stranger.url, api_key="another0key0000000", profile="p").get("version")
        Galaxy(mine.url, profile="p").get("version")
    assert [h["x-api-key"] for h in stranger.headers_seen()] == ["another0key0000000"]
    assert [h["x-api-key"] for h in mine.headers_seen()] == [KEY]


def test_environment_key_goes_only_to_galaxy_url(config_dir, monkeypatch):
    with scripted(("json", 200, {})) as stranger:
        monkeypatch.setenv("GALAXY_URL", "http://127.0.0.1:1")
        monkeypatch.setenv("GALAXY_API_KEY", KEY)
        with pytest.raises(GalaxyError, match="No API key for"):
            Galaxy(stranger.url)
    assert stranger.seen == []


# ----------------------------------------------------------------------------- 3. key whitespace
@pytest.mark.parametrize("raw", [KEY + "\n", KEY + "\r\n", "  " + KEY + "\t"])
def test_key_with_surrounding_whitespace_is_stripped(raw):
    with scripted(("json", 200, {})) as srv:
        Galaxy(srv.url, api_key=raw).get("version")
    assert srv.headers_seen()[0]["x-api-key"] == KEY


@pytest.mark.parametrize("raw", [KEY[:8] + "\n" + KEY[8:], KEY[:8] + " " + KEY[8:], "", "  \n"])
def test_key_with_inner_whitespace_or_empty_is_refused_without_showing_it(raw):
    with pytest.raises(BadInputError) as info:
        Galaxy("http://127.0.0.1:1", api_key=raw)
    assert KEY[:8] not in str(info.value) and "API key" in str(info.value)


def test_watch_cli_with_a_newline_in_the_env_key(config_dir, monkeypatch, tmp_path, capsys):
    from galaxy_widgets import cli

    monkeypatch.setenv("GALAXY_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("GALAXY_API_KEY", KEY[:8] + "\n" + KEY[8:])
    rc = cli.main(["watch", str(tmp_path), "--workflow", "w", "--once"])
    out = capsys.readouterr()
    assert rc == 1
    assert "line break" in out.err and KEY[:8] not in out.err + out.out


# ----------------------------------------------------------------------------- 4./5. local secrets
def test_local_state_repr_hides_secrets(tmp_path):
    from galaxy_widgets.local import LocalGalaxy, ServerState

    st = ServerState(
        "http://127.0.0.1:1", 1, "", 1, api_key="K" * 32, admin_password="P" * 12, bootstrap_key="B" * 32
    )
    (tmp_path / "state.json").write_text(json.dumps(st.__dict__))
    shown = repr(LocalGalaxy(tmp_path).state()) + str(LocalGalaxy(tmp_path).state())
    assert "K" * 32 not in shown and "P" * 12 not in shown and "B" * 32 not in shown
    assert "127.0.0.1:1" in shown


def test_local_config_and_data_dir_are_private(tmp_path):
    from galaxy_widgets.local import LocalGalaxy

    lg = LocalGalaxy(tmp_path / "galaxy")
    config = lg._write_config(free_port(), "bootstrap0key0000000000000000000")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert "bootstrap0key" in config.read_text()
    assert stat.S_IMODE(lg.data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((lg.data_dir / "config" / "id_secret").stat().st_mode) == 0o600


def test_profiles_file_is_0600_before_the_key_is_written(config_dir, monkeypatch):
    modes = []
    real_dump = json.dump

    def dump(obj, fh, **kw):
        modes.append(stat.S_IMODE(os.fstat(fh.fileno()).st_mode))
        return real_dump(obj, fh, **kw)

    monkeypatch.setattr(profiles_mod.json, "dump", dump)
    path = profiles_mod.save_profile("p", "http://127.0.0.1:1", KEY)
    assert modes == [0o600]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert sorted(p.name for p in config_dir.iterdir()) == ["profiles.json"]  # no temp file left


# ----------------------------------------------------------------------------- 6. ids by kind
def test_collection_id_never_resolves_to_a_dataset(gi, uploaded, twin_history):
    samples, table, h = uploaded.samples, uploaded.table, uploaded.history_id
    # Galaxy encodes dataset and collection ids alike: a collection's id can name a dataset too
    # (elsewhere, or - on a fresh server - in the same history): the hazard this test is about.
    for item, kind, cls in ((samples, "collection", Collection), (table, "dataset", Dataset)):
        twin = twin_history(item.id, kind)
        if twin == h:
            with pytest.raises(LookupError, match="names both a dataset and a collection in this history"):
                gi.histories.resolve(h, item.id)
        else:
            got = gi.histories.resolve(h, item.id)
            assert isinstance(got, cls) and got.id == item.id
        assert isinstance(gi.histories.resolve(None, item.id, kind=kind), cls)
        # without a history: never the twin
        if twin is None:
            got = gi.histories.resolve(None, item.id)
            assert isinstance(got, cls) and got.id == item.id
        else:
            with pytest.raises(LookupError, match="both a dataset and a collection"):
                gi.histories.resolve(None, item.id)


def test_an_id_that_names_both_in_one_history(twin_items):
    """A dataset and a collection made to share an id in one history: the bare id is refused there,
    and resolves by kind or as Galaxy's type_id (``dataset-ID`` / ``dataset_collection-ID``)."""
    t = twin_items
    with Galaxy(t.server.url, api_key=t.server.api_key) as tgi:
        both = f"names both a dataset and a collection in this history.*#{t.dataset_hid}"
        with pytest.raises(LookupError, match=both):
            tgi.histories.resolve(t.history_id, t.item_id)
        for spec, kind, cls, hid in (
            (f"dataset-{t.item_id}", None, Dataset, t.dataset_hid),
            (f"dataset_collection-{t.item_id}", None, Collection, t.collection_hid),
            (t.item_id, "dataset", Dataset, t.dataset_hid),
            (t.item_id, "collection", Collection, t.collection_hid),
        ):
            got = tgi.histories.resolve(t.history_id, spec, kind)
            assert isinstance(got, cls) and (got.id, got.hid) == (t.item_id, hid)
        with pytest.raises(LookupError, match=f"dataset-{t.item_id} is a dataset, not a collection"):
            tgi.histories.resolve(t.history_id, f"dataset-{t.item_id}", kind="collection")
        # a kind never reaches past the history for an id the history has as the other kind
        with pytest.raises(LookupError, match=f"Id {t.lone_dataset_id} is a dataset in this history"):
            tgi.histories.resolve(t.history_id, t.lone_dataset_id, kind="collection")
        assert tgi.histories.resolve(t.history_id, t.lone_dataset_id, kind="dataset").id == t.lone_dataset_id


def test_an_id_made_only_of_digits_is_an_id_not_a_hid(gi, uploaded):
    """An encoded id can be all digits (one in the CI run was 5321284092324179): read bare, it is an
    id (no hid is that big); with '#', a hid that is too big."""
    digits = "5321284092324179"
    with pytest.raises(LookupError, match=f"No dataset or collection with id '{digits}'"):
        gi.histories.resolve(uploaded.history_id, digits)
    with pytest.raises(LookupError, match="is not a hid"):
        gi.histories.resolve(uploaded.history_id, f"#{digits}")
    assert gi.histories.resolve(uploaded.history_id, str(uploaded.table.hid)).id == uploaded.table.id


# ----------------------------------------------------------------------------- 7. tool inputs
def test_tool_run_refuses_missing_or_misspelled_data_inputs(gi, uploaded, history):
    before = gi.histories.contents(history.id, "deleted:any visible:any").count()
    with pytest.raises(BadInputError, match="needs input 'input1'"):
        gi.tools.run("gw_head", history.id, {"lines": 1})
    with pytest.raises(BadInputError, match="no input 'input_1'.*Did you mean 'input1'"):
        gi.tools.run("gw_head", history.id, {"input_1": uploaded.text, "lines": 1})
    with pytest.raises(BadInputError, match="no input 'line'"):
        gi.tools.run("gw_head", history.id, {"input1": uploaded.text, "line": 1})
    assert gi.histories.contents(history.id, "deleted:any visible:any").count() == before  # nothing ran


# ----------------------------------------------------------------------------- 8. quoting
@pytest.mark.parametrize("bad", ["../users/current", "..", "abc", "0123456789abcdef/../x", ""])
def test_ids_are_validated_and_nothing_is_sent(bad):
    with scripted(("json", 200, {"id": "0123456789abcdef", "email": "x@y"})) as srv:
        gi = Galaxy(srv.url, api_key=KEY)
        with pytest.raises(BadInputError, match="is not a dataset id"):
            gi.datasets.show(bad)
        with pytest.raises(BadInputError, match="is not a history id"):
            gi.histories.show(bad)
    assert srv.seen == []


def test_raw_paths_cannot_climb_out_or_name_another_host():
    with scripted(("json", 200, {})) as srv:
        gi = Galaxy(srv.url, api_key=KEY)
        with pytest.raises(BadInputError, match=r"'\.\.' segment"):
            gi.get("datasets/../users/current")
        with pytest.raises(BadInputError, match="names another server"):
            gi.get("//evil.example.org/api/users")
        with pytest.raises(BadInputError, match="names another server"):
            gi.get("http://evil.example.org/api/users")
        gi.get(f"{srv.url}/api/version")  # its own full URL is fine
    assert [p for _, p, _ in srv.seen] == ["/api/version"]


def test_dotted_id_does_not_reach_users_on_real_galaxy(gi):
    with pytest.raises(BadInputError):
        gi.datasets.show("../users/current")


# ----------------------------------------------------------------------------- 9. id-like names
def test_history_named_like_an_id_is_found_by_name(gi):
    name = secrets.token_hex(8)  # 16 hex digits: looks exactly like an encoded id
    h = gi.histories.create(name)
    try:
        assert gi.histories.get(name).id == h.id
    finally:
        gi.histories.delete(h.id)


# ----------------------------------------------------------------------------- 10. mid-response faults
@pytest.mark.parametrize("fault", [("reset_mid",), ("short", 500, 20)])
def test_broken_answer_to_a_get_is_retried(fault):
    with scripted(fault, ("json", 200, {"version_major": "26.1"})) as srv:
        assert fast(Galaxy(srv.url, api_key=KEY)).get("version") == {"version_major": "26.1"}
    assert len(srv.seen) == 2


@pytest.mark.parametrize("fault", [("reset_mid",), ("short", 500, 20)])
def test_broken_answer_every_time_is_a_connection_error(fault):
    with scripted(fault) as srv, pytest.raises(GalaxyConnectionError, match="broke off") as info:
        fast(Galaxy(srv.url, api_key=KEY, retries=2)).get("version")
    assert len(srv.seen) == 3
    assert KEY not in str(info.value)


@pytest.mark.parametrize("read", ["content", "preview", "text"])
def test_broken_dataset_body_is_a_connection_error(read):
    with scripted(("reset_mid",)) as srv:
        gi = fast(Galaxy(srv.url, api_key=KEY, retries=0))
        with pytest.raises(GalaxyConnectionError, match="broke off"):
            getattr(gi.datasets, read)("0123456789abcdef")


# ----------------------------------------------------------------------------- 11. lost POST answers
@pytest.mark.parametrize("fault", [("reset",), ("reset_mid",), ("short", 500, 20)])
def test_post_whose_answer_was_lost_says_it_may_have_been_done(fault):
    with scripted(fault, ("json", 200, [])) as srv, pytest.raises(OutcomeUnknownError) as info:
        fast(Galaxy(srv.url, api_key=KEY)).post("tools", json={"tool_id": "x"})
    msg = str(info.value)
    assert "may have been done" in msg and "before you try again" in msg
    assert "check the URL" not in msg
    assert [m for m, _, _ in srv.seen] == ["POST"]  # never resent


def test_post_to_nothing_says_could_not_reach():
    with pytest.raises(GalaxyConnectionError, match="Could not reach") as info:
        fast(Galaxy(f"http://127.0.0.1:{free_port()}", api_key=KEY, retries=0)).post("tools", json={})
    assert not isinstance(info.value, OutcomeUnknownError)


def test_lost_history_creation_names_the_history_it_made(galaxy_server, gi):
    name = f"gw-trust lost answer {secrets.token_hex(4)}"
    with scripted(("proxy_then_reset", galaxy_server.url), ("proxy", galaxy_server.url)) as proxy:
        via = fast(Galaxy(proxy.url, api_key=galaxy_server.api_key))
        with pytest.raises(OutcomeUnknownError) as info:
            via.histories.create(name)
    made = info.value.found
    try:
        assert made is not None and made.name == name
        assert made.id in str(info.value)
        assert [h.id for h in gi.histories.list(name) if h.name == name] == [made.id]  # exactly one
        assert galaxy_server.api_key not in str(info.value)
    finally:
        if made is not None:
            gi.histories.delete(made.id)


# ----------------------------------------------------------------------------- 12. not Galaxy
def test_html_200_is_not_a_galaxy_api():
    page = ("html", 200, "<html><body>Please log in</body></html>")
    with scripted(page) as srv, pytest.raises(NotGalaxyError, match=r"like a Galaxy API \(got text/html\)"):
        Galaxy(srv.url, api_key=KEY).histories.list()


def test_html_404_is_not_dumped_into_the_message():
    page = "<html><head><title>404</title></head><body>" + "nginx " * 200 + "</body></html>"
    with scripted(("html", 404, page)) as srv, pytest.raises(NotFoundError) as info:
        Galaxy(srv.url, api_key=KEY).get("version")
    msg = str(info.value)
    assert "did not answer like a Galaxy API (got text/html)" in msg
    assert "<html" not in msg and "nginx" not in msg and "Check the URL" in msg


# ----------------------------------------------------------------------------- 13. profiles shape
@pytest.mark.parametrize(
    "content",
    ["[]", '"x"', '{"profiles": []}', '{"profiles": {"a": "http://x"}}', '{"profiles": {"a": {"url": 1}}}'],
)
def test_profiles_file_of_the_wrong_shape(config_dir, content):
    config_dir.mkdir(parents=True)
    (config_dir / "profiles.json").write_text(content)
    with pytest.raises(GalaxyError) as info:
        Galaxy()
    assert str(config_dir / "profiles.json") in str(info.value) and "delete it" in str(info.value)


# ----------------------------------------------------------------------------- 14. smaller ones
def test_local_start_with_port_out_of_range(capsys):
    from galaxy_widgets import cli

    with pytest.raises(SystemExit) as info:
        cli.main(["local", "start", "--port", "99999"])
    assert info.value.code == 2
    assert "from 1 to 65535" in capsys.readouterr().err


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), "5", True])
def test_bad_timeout(timeout):
    with pytest.raises(BadInputError, match="timeout must be a number of seconds above 0"):
        Galaxy("http://127.0.0.1:1", api_key=KEY, timeout=timeout)


def test_download_under_a_regular_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with (
        scripted(("text", 200, "data")) as srv,
        pytest.raises(DownloadError, match="is a file, not a folder"),
    ):
        Galaxy(srv.url, api_key=KEY).datasets.download("0123456789abcdef", tmp_path / "file" / "out.txt")
    assert srv.seen == [] and sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_timeout_message_counts_the_retries():
    import socket

    # a listening socket that never answers: every try times out
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        with pytest.raises(GalaxyTimeoutError) as info:
            fast(Galaxy(url, api_key=KEY, timeout=0.2, retries=2)).get("version")
    msg = str(info.value)
    assert "3 tries of 0.2 s each" in msg and "within 0 s" not in msg


def test_empty_url_is_refused(config_dir):
    profiles_mod.save_profile("default", "http://127.0.0.1:1", KEY)
    with pytest.raises(BadInputError, match="The Galaxy URL is empty"):
        Galaxy("")
    with pytest.raises(BadInputError, match="The Galaxy URL is empty"):
        Galaxy("   ", api_key=KEY)


def test_page_size_zero(gi, uploaded):
    with pytest.raises(BadInputError, match="page_size must be 1 or more"):
        gi.histories.contents(uploaded.history_id, page_size=0)


def test_hid_too_large_is_a_filter_error(gi, uploaded):
    from galaxy_widgets.filters import FilterSyntaxError

    with pytest.raises(FilterSyntaxError, match="a hid is a whole number up to"):
        gi.histories.contents(uploaded.history_id, "hid>99999999999999999999")
