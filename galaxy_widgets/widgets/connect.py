"""Connect: log in to a Galaxy from a form; the secret is dropped from widget state as soon as it is read."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..errors import AuthenticationError, GalaxyAPIError, GalaxyConnectionError, GalaxyError
from ._facade import Facade
from .models import ConnectModel


def _default_url() -> str:
    if os.environ.get("GALAXY_URL"):
        return os.environ["GALAXY_URL"]
    try:
        from ..profiles import _load

        data = _load()
        profile = data["profiles"].get(data.get("default") or "")
        return profile["url"] if profile else ""
    except (GalaxyError, OSError, KeyError, ValueError):
        return ""


def _saved_key_for(url: str) -> bool:
    """Whether a key for this very server is already known (environment or a saved profile)."""
    from ..profiles import _load, _same_server

    try:
        if os.environ.get("GALAXY_API_KEY") and _same_server(os.environ.get("GALAXY_URL") or "", url):
            return True
        return any(_same_server(p["url"], url) for p in _load()["profiles"].values())
    except (GalaxyError, OSError, KeyError, ValueError):
        return False


class Connect(Facade):
    """A login form: server URL, then an API key or email + password.

    >>> c = Connect()            # fill it in, press Connect
    >>> gi = c.gi                # the Galaxy client, once connected

    ``on_connect(gi)`` is called after a successful login. Leaving the key empty uses a key already
    saved for that server (``GALAXY_API_KEY`` or a saved profile). The key or password is cleared
    from the widget the moment the kernel reads it, and is never sent back to the browser.
    """

    def __init__(self, on_connect: Callable[[Any], None] | None = None, *, url: str | None = None) -> None:
        self.gi: Any = None
        self.on_connect = on_connect
        self.widget = ConnectModel(url=url if url is not None else _default_url())
        self.widget.observe(self._on_submit, "submit")

    @property
    def connected(self) -> bool:
        return self.gi is not None

    def __repr__(self) -> str:
        w = self.widget
        if w.status == "connected":
            return f"Connect: {w.message}"
        if w.status == "error":
            return f"Connect: not connected ({w.message})"
        return (
            f"Connect: not connected yet (server {w.url or 'not set'}); fill in the form and press Connect."
        )

    def _on_submit(self, change: dict) -> None:
        w = self.widget
        url, mode, email = w.url.strip(), w.mode, w.email.strip()
        api_key, password = w.api_key.strip(), w.password
        with w.hold_sync():  # the secret leaves widget state before anything else happens
            w.api_key = ""
            w.password = ""
        self.connect(
            url,
            api_key=api_key if mode != "login" else None,
            email=email if mode == "login" else None,
            password=password if mode == "login" else None,
        )

    def connect(
        self, url: str, api_key: str | None = None, *, email: str | None = None, password: str | None = None
    ) -> Any:
        """Connect as the form does; returns the client, or None with the reason shown in the widget."""
        from ..client import Galaxy

        w = self.widget
        if not url:
            return self._fail("Enter the Galaxy server's address, e.g. https://usegalaxy.org.")
        if email is not None or password is not None:
            if not (email and password):
                return self._fail("Enter both your email (or user name) and your password.")
        elif not api_key and not _saved_key_for(url):
            return self._fail("Paste your API key (in Galaxy: User > Preferences > Manage API Key).")
        with w.hold_sync():
            w.status, w.message = "connecting", f"Connecting to {url}…"
        try:
            if email is not None:
                gi = Galaxy(url, email=email, password=password)
            else:
                gi = Galaxy(url, api_key=api_key or None)
            user = gi.users.current()
        except AuthenticationError as exc:
            what = "email or password" if email is not None else "API key"
            reason = exc.err_msg or "not accepted"
            return self._fail(f"{url} did not accept the {what}: {reason}. {exc.hint}".strip())
        except GalaxyConnectionError:
            return self._fail(f"Could not reach {url}: check the address and that the server is up.")
        except GalaxyAPIError as exc:
            return self._fail(f"{url} answered with an error: {exc.err_msg or exc.status}.")
        except GalaxyError as exc:
            return self._fail(str(exc))
        self.gi = gi
        with w.hold_sync():
            w.status = "connected"
            w.message = f"Connected as {user.email or user.username} to {gi.url}"
        if self.on_connect is not None:
            self.on_connect(gi)
        return gi

    def _fail(self, message: str) -> None:
        with self.widget.hold_sync():
            self.widget.status, self.widget.message = "error", message
        return None
