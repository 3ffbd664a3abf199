"""Turning what users type as a server address into the base under which every API call goes."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from .errors import BadInputError


def base_url(url: str) -> str:
    """``https://host/galaxy/api/`` -> ``https://host/galaxy`` (scheme added if missing)."""
    url = url.strip()
    if not url:
        raise BadInputError("The Galaxy URL is empty; give one like https://usegalaxy.org.")
    if "://" not in url:
        url = ("http://" if url.startswith(("localhost", "127.")) else "https://") + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInputError(f"{url!r} is not an http(s) URL; give one like https://usegalaxy.org.")
    try:
        parts.port  # noqa: B018 - raises on a port out of range or not a number
    except ValueError:
        raise BadInputError(
            f"{url!r} has a bad port; give one from 1 to 65535, like http://127.0.0.1:8080."
        ) from None
    path = parts.path.rstrip("/")
    if path.endswith("/api"):
        path = path[: -len("/api")]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def api_path(path: str) -> str:
    """Normalise ``/api/histories``, ``api/histories`` and ``histories`` to ``histories``.

    Galaxy's own ``url`` fields are NOT prefixed when it runs under a sub-path, so they are read as
    paths relative to the API root, never joined onto the prefixed base as they are.
    """
    path = path.strip()
    if "://" in path:
        parts = urlsplit(path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
    path = "/" + path.lstrip("/")
    marker = path.find("/api/")
    return path[marker + len("/api/") :] if marker >= 0 else path.lstrip("/")


def origin(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)``: where a key may go. ``https://h`` and ``https://h:443`` are one origin."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


def segment(value: object) -> str:
    """One path segment, quoted: ``'../users'`` becomes ``'..%2Fusers'`` and cannot climb out."""
    return quote(str(value), safe="")
