"""Fault paths: retries, resets, timeouts, short downloads, error mapping, key hygiene.

A tiny scripted HTTP server on 127.0.0.1 plays the misbehaving Galaxy (or proxy), so urllib3's real
retry logic runs over a real socket. The same error classes are also seen from the real Galaxy in
test_errors_real.py.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import responses

from galaxy_widgets import Galaxy
from galaxy_widgets.errors import (
    AuthenticationError,
    BadRequestError,
    DownloadError,
    ForbiddenError,
    GalaxyAPIError,
    GalaxyConnectionError,
    GalaxyTimeoutError,
    NotFoundError,
    RateLimitError,
    ServerError,
)

KEY = "f00dfeedf00dfeedf00dfeedf00dfeed"


class Script:
    """Responses to play, in order; the last one repeats. Records what arrived."""

    def __init__(self) -> None:
        self.actions: list[tuple] = []
        self.seen: list[tuple[str, str, dict]] = []
        self.times: list[float] = []  # when each request arrived (time.monotonic)

    def next(self) -> tuple:
        return self.actions.pop(0) if len(self.actions) > 1 else self.actions[0]


class Handler(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, *args) -> None:
        pass

    def _play(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.script.seen.append((self.command, self.path, dict(self.headers)))
        self.script.times.append(time.monotonic())
        action = self.script.next()
        kind = action[0]
        if kind == "reset":  # RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if kind == "sleep":
            time.sleep(action[1])
            kind, action = "json", ("json", 200, {"late": True})
        if kind == "short":  # announce more bytes than are sent, then hang up
            self.send_response(200)
            self.send_header("Content-Length", str(action[1]))
            self.end_headers()
            self.wfile.write(b"x" * action[2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, body = action[1], action[2]
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (action[3] if len(action) > 3 else {}).items():  # ("json", status, body, headers)
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _play


@pytest.fixture
def fake():
    script = Script()
    handler = type("H", (Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{server.server_address[1]}/galaxy"
    yield script
    server.shutdown()
    server.server_close()


def client(url: str, **kw) -> Galaxy:
    gi = Galaxy(url, api_key=KEY, **kw)
    for adapter in gi.session.adapters.values():  # no real backoff sleeps in tests
        adapter.max_retries.backoff_factor = 0
    return gi


def test_get_retried_on_503_then_succeeds(fake):
    fake.actions = [("json", 503, {}), ("json", 502, {}), ("json", 200, {"version_major": "26.1"})]
    assert client(fake.url).get("version") == {"version_major": "26.1"}
    assert [m for m, _, _ in fake.seen] == ["GET", "GET", "GET"]
    assert all(p == "/galaxy/api/version" for _, p, _ in fake.seen)


def test_get_gives_server_error_after_retries(fake):
    fake.actions = [("json", 503, {"err_msg": "maintenance", "err_code": 0})]
    with pytest.raises(ServerError, match="maintenance") as info:
        client(fake.url, retries=2).get("histories")
    assert info.value.status == 503
    assert len(fake.seen) == 3  # first try + 2 retries


def test_post_never_retried_on_503(fake):
    """Invoking a workflow twice because a proxy hiccupped would run it twice."""
    fake.actions = [("json", 503, {"err_msg": "busy"}), ("json", 200, {"id": "x"})]
    with pytest.raises(ServerError):
        client(fake.url).post("workflows/abc/invocations", json={"history_id": "h"})
    assert len(fake.seen) == 1


def test_get_waits_retry_after_on_503(fake):
    """Galaxy (or its proxy) says when to come back: the retry waits at least that long."""
    fake.actions = [("json", 503, {"err_msg": "busy"}, {"Retry-After": "2"}), ("json", 200, {"ok": 1})]
    started = time.monotonic()
    assert client(fake.url).get("version") == {"ok": 1}  # backoff_factor 0: only Retry-After waits
    assert len(fake.times) == 2
    assert fake.times[1] - fake.times[0] >= 1.95, fake.times
    assert time.monotonic() - started >= 1.95


def test_get_without_retry_after_retries_at_once(fake):
    """The control for the test above: with no Retry-After the same retry does not wait."""
    fake.actions = [("json", 503, {"err_msg": "busy"}), ("json", 200, {"ok": 1})]
    assert client(fake.url).get("version") == {"ok": 1}
    assert fake.times[1] - fake.times[0] < 1.0, fake.times


def test_post_with_retry_after_is_not_resent(fake):
    fake.actions = [("json", 503, {"err_msg": "busy"}, {"Retry-After": "1"}), ("json", 200, {"id": "x"})]
    started = time.monotonic()
    with pytest.raises(ServerError, match="busy"):
        client(fake.url).post("workflows/abc/invocations", json={"history_id": "h"})
    assert [m for m, _, _ in fake.seen] == ["POST"]
    assert time.monotonic() - started < 1.0  # nor waited for a retry it will not make


def test_post_not_resent_after_connection_reset(fake):
    fake.actions = [("reset",), ("json", 200, {"id": "x"})]
    with pytest.raises(GalaxyConnectionError):
        client(fake.url).post("tools", json={"tool_id": "cat1"})
    assert len(fake.seen) == 1


def test_get_retried_after_connection_reset(fake):
    fake.actions = [("reset",), ("json", 200, [{"id": "h1"}])]
    assert client(fake.url).get("histories") == [{"id": "h1"}]
    assert len(fake.seen) == 2


def test_timeout_becomes_clear_error(fake):
    fake.actions = [("sleep", 1.5)]
    with pytest.raises(GalaxyTimeoutError, match="no answer within 0 s|raise the timeout"):
        client(fake.url, timeout=0.3, retries=0).get("version")


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(GalaxyConnectionError, match="Could not reach") as info:
        client(f"http://127.0.0.1:{port}", retries=1).get("version")
    assert KEY not in str(info.value)


def test_key_sent_in_header_never_in_url(fake):
    fake.actions = [("json", 200, {})]
    client(fake.url).get("histories", params={"q": "name-eq", "qv": "x"})
    _method, path, headers = fake.seen[0]
    assert headers.get("x-api-key") == KEY
    assert KEY not in path
    assert "key=" not in path


def test_short_download_leaves_no_file(fake, tmp_path: Path):
    fake.actions = [("short", 1000, 100)]
    target = tmp_path / "out.txt"
    with pytest.raises(DownloadError, match="nothing was saved"):
        client(fake.url, retries=0).datasets.download("0123456789abcdef", target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (422, BadRequestError),
        (401, AuthenticationError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, ServerError),
        (418, GalaxyAPIError),
    ],
)
@responses.activate
def test_status_to_error_class(status, cls):
    url = "https://galaxy.example/galaxy/api/histories/123"
    responses.add(responses.GET, url, json={"err_msg": "nope", "err_code": status * 1000 + 1}, status=status)
    gi = Galaxy("https://galaxy.example/galaxy/api/", api_key=KEY)
    with pytest.raises(cls) as info:
        gi.get("histories/123", what="History 123")
    err = info.value
    assert type(err) is cls
    assert (err.status, err.method, err.url, err.err_msg, err.err_code) == (
        status,
        "GET",
        url,
        "nope",
        status * 1000 + 1,
    )
    assert str(err).startswith("History 123: nope (HTTP ")
    assert KEY not in str(err) and KEY not in repr(err)


@responses.activate
def test_error_body_that_is_not_json():
    responses.add(responses.GET, "https://g.example/api/version", body="<html>Bad Gateway</html>", status=502)
    gi = Galaxy("https://g.example", api_key=KEY, retries=0)
    with pytest.raises(ServerError, match="Bad Gateway"):
        gi.get("version")


def test_key_never_in_repr_or_debug_log(fake, caplog):
    fake.actions = [("json", 404, {"err_msg": "No such history", "err_code": 404001})]
    gi = client(fake.url)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(NotFoundError) as info:
        gi.histories.show("deadbeefdeadbeef")
    texts = [repr(gi), repr(gi.session.auth), str(info.value), repr(info.value), caplog.text]
    assert all(KEY not in t for t in texts)
    assert "deadbeefdeadbeef" in str(info.value)  # names what was looked up


def test_post_timeout_is_not_resent_and_says_so(fake):
    fake.actions = [("sleep", 1.0)]
    with pytest.raises(GalaxyTimeoutError, match="not resent.*check"):
        client(fake.url, timeout=0.3).post("workflows/w/invocations", json={"history_id": "h"})
    time.sleep(0.8)  # let the slow answer finish before counting
    assert len(fake.seen) == 1
