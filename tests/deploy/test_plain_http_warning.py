"""Plain http:// to a host that is not loopback warns once per host (no server needed)."""

from __future__ import annotations

import uuid
import warnings

import pytest

from galaxy_widgets import Galaxy


def _made(url: str) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        Galaxy(url, api_key="not-a-real-key").close()
    return [w for w in seen if "plain http://" in str(w.message)]


def test_plain_http_to_another_host_warns_once_per_host():
    host = f"galaxy-{uuid.uuid4().hex[:8]}.example.org"
    first = _made(f"http://{host}/galaxy")
    assert len(first) == 1
    assert issubclass(first[0].category, UserWarning)
    assert f"http://{host}/galaxy" in str(first[0].message) and "https://" in str(first[0].message)
    assert first[0].filename == __file__  # points at the caller's line, not the package
    assert _made(f"http://{host}:8080/") == []  # same host: said once
    other = f"galaxy-{uuid.uuid4().hex[:8]}.example.org"
    assert len(_made(f"http://{other}")) == 1


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://127.0.0.2/galaxy", "http://localhost:8080", "http://[::1]:8080",
     "https://galaxy-tls.example.org"],
)  # fmt: skip
def test_no_warning_for_loopback_or_https(url):
    assert _made(url) == []
