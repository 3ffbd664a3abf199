"""The Galaxy client: one ``requests.Session``, one request choke point, resource managers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import profiles
from .errors import (
    AuthenticationError,
    GalaxyAPIError,
    GalaxyConnectionError,
    GalaxyError,
    GalaxyTimeoutError,
)
from .urls import api_path, base_url

log = logging.getLogger("galaxy_widgets")

DEFAULT_TIMEOUT = 60.0
#: Methods that are safe to send twice. POST (run a tool, invoke a workflow, upload) is not.
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class APIKeyAuth(requests.auth.AuthBase):
    """Sends the key in the ``x-api-key`` header, never in the URL."""

    def __init__(self, api_key: str) -> None:
        self._key = api_key

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["x-api-key"] = self._key
        return r

    def __repr__(self) -> str:
        return "APIKeyAuth(<hidden>)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, APIKeyAuth) and other._key == self._key


def make_retry(total: int) -> Retry:
    """Backoff retries on connection errors and 502/503/504, idempotent methods only.

    Connection errors before the request was sent are retried for any method (nothing reached the
    server); read errors and error statuses are retried only for idempotent methods.
    """
    return Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=0.5,
        status_forcelist=(502, 503, 504),
        allowed_methods=IDEMPOTENT,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class Galaxy:
    """A connection to one Galaxy server as one user.

    >>> gi = Galaxy("https://usegalaxy.org", api_key="...")    # or Galaxy() to use a saved profile
    >>> gi.histories.list()
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        email: str | None = None,
        password: str | None = None,
        profile: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 3,
        verify: bool | str = True,
    ) -> None:
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["User-Agent"] = "galaxy-widgets"
        self.session.headers["Accept"] = "application/json"
        adapter = HTTPAdapter(max_retries=make_retry(retries), pool_maxsize=16)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.history_id: str | None = None
        if email is not None or password is not None:
            if not (url and email and password):
                raise GalaxyError("Logging in needs url, email and password together.")
            self.url = base_url(url)
            api_key = self._baseauth(email, password)
            self.source = f"login as {email}"
        else:
            creds = profiles.resolve(url, api_key, profile)
            self.url = base_url(creds.url)
            api_key = creds.api_key
            self.source = creds.source
            self.history_id = creds.history_id
        self.session.auth = APIKeyAuth(api_key)

    # ------------------------------------------------------------------ basics
    def __repr__(self) -> str:
        return f"Galaxy({self.url!r})"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    @property
    def api_key(self) -> str:
        """The key in use (for saving a profile); never printed by this package."""
        return self.session.auth._key  # type: ignore[union-attr]

    def _baseauth(self, email: str, password: str) -> str:
        data = self.request("GET", "authenticate/baseauth", auth=(email, password), what="Login")
        return data["api_key"]

    def save_profile(self, name: str, *, default: bool = True) -> None:
        """Save this connection's URL and key as a profile (file mode 0600)."""
        profiles.save_profile(name, self.url, self.api_key, default=default)

    # ------------------------------------------------------------------ the choke point
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: float | None = None,
        auth: Any = None,
        what: str = "",
        raw: bool = False,
    ) -> Any:
        """Send one request to ``/api/<path>``; return parsed JSON (or the response if ``raw``).

        Errors become :class:`GalaxyAPIError` subclasses chosen by status; network failures become
        :class:`GalaxyConnectionError`. ``what`` names the thing looked up, for error messages.
        """
        method = method.upper()
        url = f"{self.api_url}/{api_path(path)}"
        try:
            resp = self.session.request(
                method,
                url,
                params=_clean_params(params),
                json=json,
                data=data,
                headers=headers,
                stream=stream,
                timeout=timeout or self.timeout,
                auth=auth,
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            if not _timed_out(exc):
                raise GalaxyConnectionError(
                    f"Could not reach {self.url} ({type(exc).__name__}) for {method} {url}; "
                    "check the URL, your network, and that the server is up."
                ) from None if _hides_key(exc, self) else exc
            unsafe = (
                " It was not resent: the server may still carry it out, so check (e.g. the history) "
                "before trying again."
                if method not in IDEMPOTENT
                else ""
            )
            raise GalaxyTimeoutError(
                f"{method} {url} got no answer within {timeout or self.timeout:.0f} s; "
                f"the server may be busy (raise the timeout) or down.{unsafe}"
            ) from None if _hides_key(exc, self) else exc
        log.debug("%s %s -> %s", method, resp.url, resp.status_code)
        if resp.status_code >= 400:
            raise _api_error(resp, method, what)
        if raw or stream:
            return resp
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            return resp.text

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """GET ``/api/<path>`` (Galaxy's "display")."""
        return self.request("GET", path, params=params, **kw)

    def post(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """POST ``/api/<path>`` (Galaxy's "submit"); never retried once sent."""
        return self.request("POST", path, params=params, json=json, **kw)

    def put(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """PUT ``/api/<path>`` (Galaxy's "update")."""
        return self.request("PUT", path, params=params, json=json, **kw)

    def delete(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """DELETE ``/api/<path>``."""
        return self.request("DELETE", path, params=params, json=json, **kw)

    def patch(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """PATCH ``/api/<path>``."""
        return self.request("PATCH", path, params=params, json=json, **kw)

    # ------------------------------------------------------------------ resources
    @cached_property
    def users(self):
        from .api.users import Users

        return Users(self)

    @cached_property
    def histories(self):
        from .api.histories import Histories

        return Histories(self)

    @cached_property
    def datasets(self):
        from .api.datasets import Datasets

        return Datasets(self)

    @cached_property
    def collections(self):
        from .api.collections import Collections

        return Collections(self)

    @cached_property
    def uploads(self):
        from .api.uploads import Uploads

        return Uploads(self)

    @cached_property
    def tools(self):
        from .api.tools import Tools

        return Tools(self)

    @cached_property
    def workflows(self):
        from .api.workflows import Workflows

        return Workflows(self)

    @cached_property
    def invocations(self):
        from .api.invocations import Invocations

        return Invocations(self)

    @cached_property
    def jobs(self):
        from .api.jobs import Jobs

        return Jobs(self)

    def version(self) -> dict:
        return self.get("version")

    def whoami(self) -> str:
        """``'user@example.org on https://host'`` (or raises AuthenticationError)."""
        user = self.users.current()
        return f"{user.email or user.username} on {self.url}"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Galaxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    out: dict[str, Any] = {}
    for k, v in params.items():
        if v is None:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        out[k] = v
    return out


def _timed_out(exc: Exception) -> bool:
    """requests reports a read timeout after retries as a ConnectionError wrapping it."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    if isinstance(exc, requests.ConnectTimeout | requests.ReadTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NewConnectionError (refused) subclasses ConnectTimeoutError in urllib3: not a timeout.
    return isinstance(reason, Urllib3Timeout) and not isinstance(reason, NewConnectionError)


def _hides_key(exc: Exception, gi: Galaxy) -> bool:
    """True if chaining ``exc`` would show the key (it never should, but be sure)."""
    return gi.api_key in repr(exc)


def _api_error(resp: requests.Response, method: str, what: str) -> GalaxyAPIError:
    err_msg, err_code, body = "", None, None
    try:
        body = resp.json()
    except ValueError:
        body = resp.text[:2000]
    if isinstance(body, dict):
        err_msg = str(body.get("err_msg") or body.get("detail") or "")
        err_code = body.get("err_code")
    elif isinstance(body, str):
        err_msg = body.strip()[:300]
    url = resp.url.split("?", 1)[0]
    cls = GalaxyAPIError.from_status(resp.status_code)
    if resp.status_code == 401 and not err_msg:
        err_msg = "not authenticated"
    hint = None
    if cls is AuthenticationError and what == "Login":
        err_msg = err_msg or "wrong email or password"
        hint = "Check the email (or username) and password."
    return cls(resp.status_code, method, url, err_msg, err_code, body, what, hint)
