"""Saved connection profiles and the order in which credentials are looked up.

Order: explicit arguments; ``GALAXY_URL`` / ``GALAXY_API_KEY``; a named (or the default) profile in
``profiles.json`` under the config dir (mode 0600); and, inside a Galaxy Jupyter interactive tool,
its ``GALAXY_URL`` / ``API_KEY`` / ``HISTORY_ID``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths
from .errors import BadInputError, GalaxyError


@dataclass(frozen=True)
class Credentials:
    """Where to connect and with which key. The key is left out of the repr."""

    url: str
    api_key: str = field(repr=False)
    source: str = "arguments"
    history_id: str | None = None
    #: a CA bundle (PEM file) to verify the server's certificate with, from the profile
    ca_bundle: str | None = None


def profiles_file() -> Path:
    return paths.config_dir() / "profiles.json"


def clean_key(key: Any, source: str) -> str:
    """The key without surrounding whitespace (a newline from a file or env var); refuses an empty
    key or one with whitespace inside. Messages never contain the key."""
    if not isinstance(key, str):
        raise BadInputError(
            f"The API key from {source} is a {type(key).__name__}, not text; give it as a str."
        )
    key = key.strip()
    if not key:
        raise BadInputError(
            f"The API key from {source} is empty; copy it from User > Preferences > Manage API Key in Galaxy."
        )
    if any(c.isspace() or not c.isprintable() or not c.isascii() for c in key):
        raise BadInputError(
            f"The API key from {source} has a space, line break or other unprintable character inside it; "
            "copy it again from User > Preferences > Manage API Key (it is one word of letters and digits)."
        )
    return key


def _load() -> dict:
    path = profiles_file()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {"default": None, "profiles": {}}
    except ValueError as exc:
        raise GalaxyError(f"{path} is not valid JSON ({exc}); fix or delete it.") from None
    problem = _shape_problem(data)
    if problem:
        raise GalaxyError(
            f"{path} is not a galaxy-widgets profiles file ({problem}); fix it, or delete it and save "
            'your profiles again. It should look like {"default": "NAME", "profiles": {"NAME": '
            '{"url": "https://...", "api_key": "..."}}}.'
        )
    data.setdefault("profiles", {})
    data.setdefault("default", None)
    return data


def _shape_problem(data: Any) -> str:
    """What is wrong with a parsed profiles file ("" if nothing)."""
    if not isinstance(data, dict):
        return f"the top level is a {type(data).__name__}, not an object"
    profs = data.get("profiles", {})
    if not isinstance(profs, dict):
        return f"'profiles' is a {type(profs).__name__}, not an object"
    if not isinstance(data.get("default"), str | None):
        return "'default' is not a profile name"
    for name, p in profs.items():
        if not isinstance(p, dict):
            return f"profile {name!r} is a {type(p).__name__}, not an object"
        for field_name in ("url", "api_key"):
            if not isinstance(p.get(field_name), str):
                return f"profile {name!r} has no {field_name} text"
        if not isinstance(p.get("ca_bundle"), str | None):
            return f"profile {name!r} has a ca_bundle that is not a path"
    return ""


def list_profiles() -> dict[str, str]:
    """Profile name -> server URL (never the key)."""
    return {name: p["url"] for name, p in _load()["profiles"].items()}


def default_profile() -> str | None:
    return _load()["default"]


def save_profile(
    name: str, url: str, api_key: str, *, default: bool = False, ca_bundle: str | None = None
) -> Path:
    """Save (or replace) a profile in a file only the user can read; ``ca_bundle``: the PEM file of
    the CA that signed the server's certificate (an institutional CA), kept as an absolute path."""
    data = _load()
    data["profiles"][name] = {"url": url, "api_key": api_key}
    if ca_bundle:
        data["profiles"][name]["ca_bundle"] = str(Path(ca_bundle).expanduser().resolve())
    if default or not data["default"]:
        data["default"] = name
    path = profiles_file()
    private_dir(path.parent)
    # mkstemp creates the file 0600 (and new: never an old file with wider rights) before the key
    # is written into it
    fd, tmp = tempfile.mkstemp(prefix=".profiles.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) with the last one 0700, as the package's config dir is."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
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
            save_profile(
                n, p["url"], p["api_key"], default=n == data["default"], ca_bundle=p.get("ca_bundle")
            )


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
        if url and not api_key and not _same_server(url, p["url"]):
            # a profile's key goes to that profile's server only
            raise GalaxyError(
                f"Profile {profile!r} is for {p['url']}, not {url}; its key is only sent there. To use "
                f"a key with {url}, give it explicitly (api_key=..., or --key-env VAR in the magics)."
            )
        return Credentials(
            url or p["url"], api_key or p["api_key"], f"profile {profile}", None, p.get("ca_bundle")
        )
    if url and api_key:
        return Credentials(url, api_key, "arguments")
    env_url = env.get("GALAXY_URL")
    # an environment key pairs with GALAXY_URL: never sent to another URL given in code
    pairs = bool(url or env_url) and (not url or not env_url or _same_server(url, env_url))
    if env.get("GALAXY_API_KEY") and pairs:
        return Credentials(url or env["GALAXY_URL"], api_key or env["GALAXY_API_KEY"], "environment")
    data = _load()
    if url:
        for name, p in data["profiles"].items():
            if _same_server(p["url"], url):
                return Credentials(url, p["api_key"], f"profile {name}", None, p.get("ca_bundle"))
    elif data["default"] and data["default"] in data["profiles"]:
        p = data["profiles"][data["default"]]
        return Credentials(
            p["url"], api_key or p["api_key"], f"profile {data['default']}", None, p.get("ca_bundle")
        )
    # Inside a Galaxy Jupyter interactive tool.
    if env.get("API_KEY") and pairs:
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
