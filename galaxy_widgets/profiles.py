"""Saved connection profiles and the order in which credentials are looked up.

Order: explicit arguments; ``GALAXY_URL`` / ``GALAXY_API_KEY``; a named (or the default) profile in
``profiles.json`` under the config dir (mode 0600); and, inside a Galaxy Jupyter interactive tool,
its ``GALAXY_URL`` / ``API_KEY`` / ``HISTORY_ID``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .errors import GalaxyError


@dataclass(frozen=True)
class Credentials:
    """Where to connect and with which key. The key is left out of the repr."""

    url: str
    api_key: str = field(repr=False)
    source: str = "arguments"
    history_id: str | None = None


def profiles_file() -> Path:
    return paths.config_dir() / "profiles.json"


def _load() -> dict:
    try:
        data = json.loads(profiles_file().read_text())
    except FileNotFoundError:
        return {"default": None, "profiles": {}}
    except ValueError as exc:
        raise GalaxyError(f"{profiles_file()} is not valid JSON ({exc}); fix or delete it.") from exc
    data.setdefault("profiles", {})
    data.setdefault("default", None)
    return data


def list_profiles() -> dict[str, str]:
    """Profile name -> server URL (never the key)."""
    return {name: p["url"] for name, p in _load()["profiles"].items()}


def default_profile() -> str | None:
    return _load()["default"]


def save_profile(name: str, url: str, api_key: str, *, default: bool = False) -> Path:
    """Save (or replace) a profile in a file only the user can read."""
    data = _load()
    data["profiles"][name] = {"url": url, "api_key": api_key}
    if default or not data["default"]:
        data["default"] = name
    path = profiles_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def delete_profile(name: str) -> None:
    data = _load()
    data["profiles"].pop(name, None)
    if data["default"] == name:
        data["default"] = next(iter(data["profiles"]), None)
    if profiles_file().exists():
        save = data["profiles"]
        profiles_file().unlink()
        for n, p in save.items():
            save_profile(n, p["url"], p["api_key"], default=n == data["default"])


def _same_server(a: str, b: str) -> bool:
    from .urls import base_url

    return base_url(a) == base_url(b)


def resolve(url: str | None = None, api_key: str | None = None, profile: str | None = None) -> Credentials:
    """Find a URL and key in the documented order; raise ``GalaxyError`` saying what to set."""
    env = os.environ
    if profile:
        p = _load()["profiles"].get(profile)
        if p is None:
            known = ", ".join(list_profiles()) or "none saved yet"
            raise GalaxyError(f"No profile named {profile!r} (known: {known}).")
        return Credentials(url or p["url"], api_key or p["api_key"], f"profile {profile}")
    if url and api_key:
        return Credentials(url, api_key, "arguments")
    if env.get("GALAXY_API_KEY") and (url or env.get("GALAXY_URL")):
        return Credentials(url or env["GALAXY_URL"], api_key or env["GALAXY_API_KEY"], "environment")
    data = _load()
    if url:
        for name, p in data["profiles"].items():
            if _same_server(p["url"], url):
                return Credentials(url, p["api_key"], f"profile {name}")
    elif data["default"] and data["default"] in data["profiles"]:
        p = data["profiles"][data["default"]]
        return Credentials(p["url"], api_key or p["api_key"], f"profile {data['default']}")
    # Inside a Galaxy Jupyter interactive tool.
    if env.get("API_KEY") and (url or env.get("GALAXY_URL")):
        return Credentials(
            url or env["GALAXY_URL"],
            api_key or env["API_KEY"],
            "Galaxy interactive tool",
            env.get("HISTORY_ID"),
        )
    if url:
        raise GalaxyError(
            f"No API key for {url}: pass api_key=..., set GALAXY_API_KEY, or log in with email and password."
        )
    raise GalaxyError(
        "No Galaxy configured: pass url and api_key, set GALAXY_URL and GALAXY_API_KEY, save a "
        "profile, or start a local Galaxy with `galaxy-widgets local start`."
    )
