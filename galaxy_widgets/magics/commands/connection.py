"""connect, login, status, disconnect: who talks to which Galaxy (the key is never shown)."""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ...errors import AuthenticationError, BadInputError, GalaxyError
from ..parser import arg, command

if TYPE_CHECKING:
    from ...client import Galaxy
    from ..magic import GalaxyMagics


@command(
    "connect",
    "connect to a Galaxy (key from --key-env, GALAXY_API_KEY, a saved profile, or a prompt)",
    example="%galaxy connect https://usegalaxy.org --key-env GALAXY_API_KEY",
)
@arg("url", nargs="?", help="server address (default: GALAXY_URL or the default profile)")
@arg("--profile", metavar="NAME", help="use this saved profile")
@arg("--key-env", metavar="VAR", help="read the API key from this environment variable")
@arg("--history", metavar="HISTORY", help="make this history (name or id) the current one")
@arg("--ca-bundle", metavar="PATH", help="verify the server's certificate with this CA bundle (PEM)")
def connect(m: GalaxyMagics, args: Any, cell: str | None) -> None:
    from ...client import Galaxy
    from ...urls import base_url

    key = None
    if args.key_env:
        key = os.environ.get(args.key_env, "")
        if not key.strip():
            raise UsageError(
                f"The environment variable {args.key_env} is not set; set it to your API key, or leave "
                "--key-env out to be asked for the key."
            )
    profile = args.profile or (m.profile if not (args.url or key) else "") or None
    verify = _ca_bundle(args.ca_bundle)
    try:
        gi = Galaxy(args.url, api_key=key, profile=profile, timeout=m.timeout, verify=verify)
    except BadInputError:
        raise
    except GalaxyError as exc:
        if not args.url:
            raise UsageError(
                f"{exc}\nOr name the server, `%galaxy connect URL`, to be asked for the key."
            ) from None
        if profile or key:
            raise UsageError(str(exc)) from None
        key = getpass.getpass(
            f"API key for {base_url(args.url)} (User > Preferences > Manage API Key): "
        ).strip()
        if not key:
            raise UsageError("No API key given; still not connected.") from None
        gi = Galaxy(args.url, api_key=key, timeout=m.timeout, verify=verify)
    _finish(m, gi, args.history)


def _ca_bundle(path: str | None) -> bool | str:
    """``--ca-bundle PATH`` as ``verify=``: the file's absolute path, or True (the default trust)."""
    if not path:
        return True
    bundle = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(bundle):
        raise UsageError(
            f"--ca-bundle {path}: no such file; give the PEM file of the CA that signed the server's "
            "certificate (ask the server's admin for it)."
        )
    return bundle


@command(
    "login",
    "log in with email and password (asked for, never shown); optionally save a profile",
    example="%galaxy login https://usegalaxy.eu --email me@example.org --save-profile eu",
)
@arg("url", help="server address")
@arg("--email", required=True, help="your Galaxy email (or username)")
@arg("--save-profile", metavar="NAME", help="save the server and key as this (default) profile")
@arg("--history", metavar="HISTORY", help="make this history (name or id) the current one")
def login(m: GalaxyMagics, args: Any, cell: str | None) -> None:
    from ...client import Galaxy
    from ...urls import base_url

    password = getpass.getpass(f"Galaxy password for {args.email} at {base_url(args.url)}: ")
    if not password:
        raise UsageError("No password given; still not connected.")
    try:
        gi = Galaxy(args.url, email=args.email, password=password, timeout=m.timeout)
    except AuthenticationError as exc:
        raise UsageError(
            f"Login to {base_url(args.url)} as {args.email} failed: "
            f"{(exc.err_msg or 'wrong email or password').rstrip('.')}. "
            "Check them and try again."
        ) from None
    _finish(m, gi, args.history)
    if args.save_profile:
        gi.save_profile(args.save_profile)
        print(
            f"Saved profile {args.save_profile!r} (the default from now on); `%galaxy connect` will use it."
        )


def _finish(m: GalaxyMagics, gi: Galaxy, history: str | None) -> None:
    """Check the key works, keep the connection, and say who is connected where."""
    try:
        user = gi.users.current()
    except AuthenticationError:
        gi.close()
        raise UsageError(
            f"{gi.url} did not accept the API key (from {gi.source}); copy it again from "
            "User > Preferences > Manage API Key, or use `%galaxy login`."
        ) from None
    except GalaxyError:
        gi.close()
        raise
    history_id = gi.history_id
    if history:
        history_id = gi.histories.get(history).id
    m.set_connection(gi, history_id)
    print(f"Connected as {user.email or user.username} to {gi.url} (credentials from {gi.source}).")
    print(_history_line(m))


def _history_line(m: GalaxyMagics) -> str:
    if not m.history_id or m.gi is None:
        return "No current history yet: `%galaxy histories` lists yours; `%galaxy use NAME` picks one."
    h = m.gi.histories.show(m.history_id)
    return f"Current history: {h.name!r} ({h.id}, {h.count_text})."


@command("status", "who is connected to which server, and the current history")
def status(m: GalaxyMagics, args: Any, cell: str | None) -> None:
    gi = m.require_gi()
    user = gi.users.current()
    print(f"Connected as {user.email or user.username} to {gi.url} (credentials from {gi.source}).")
    print(_history_line(m))


@command("disconnect", "forget the connection (and the key) held by this notebook")
def disconnect(m: GalaxyMagics, args: Any, cell: str | None) -> None:
    was = m.gi.url if m.gi is not None else None
    m.set_connection(None)
    print(f"Disconnected from {was}." if was else "Not connected.")
