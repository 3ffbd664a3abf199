"""The Galaxy client: one ``requests.Session``, one request choke point, resource managers."""

from __future__ import annotations

import ipaddress
import logging
import math
import time
import warnings
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import profiles
from .errors import (
    AuthenticationError,
    BadInputError,
    GalaxyAPIError,
    GalaxyConnectionError,
    GalaxyTimeoutError,
    NotGalaxyError,
    OutcomeUnknownError,
    RedirectRefusedError,
)
from .urls import api_path, base_url, origin

if TYPE_CHECKING:
    from .api.batches import Batches
    from .api.collections import Collections
    from .api.datasets import Datasets
    from .api.histories import Histories
    from .api.invocations import Invocations
    from .api.jobs import Jobs
    from .api.tools import Tools
    from .api.uploads import Uploads
    from .api.users import Users
    from .api.workflows import Workflows

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


_WARNED_HOSTS: set[str] = set()


def warn_plain_http(url: str) -> None:
    """Warn (once per host) that the key would cross the network unencrypted to a non-loopback host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or host in _WARNED_HOSTS or host == "localhost" or host.endswith(".localhost"):
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    _WARNED_HOSTS.add(host)
    warnings.warn(
        f"{url} is plain http:// to another machine: the API key and your data cross the network "
        "unencrypted. Use its https:// address if it has one.",
        UserWarning,
        stacklevel=3,
    )


def _tls_problem(url: str, exc: Exception) -> str:
    """The message for a failed TLS handshake; names the fix when the certificate is not trusted."""
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        reason = text[text.find("certificate verify failed") :].split(")", 1)[0].strip(" ('\"")
        return (
            f"{url}: TLS certificate not trusted ({reason or 'certificate verify failed'}); pass "
            "verify=PATH (Python) / --ca-bundle PATH (`%galaxy connect`) with the CA bundle that signed "
            "it (e.g. your institution's), or set REQUESTS_CA_BUNDLE=PATH."
        )
    return (
        f"{url}: the TLS handshake failed ({type(exc).__name__}); check the URL's scheme and port, or ask "
        "the server's admin. For a private CA pass verify=PATH / --ca-bundle PATH or set REQUESTS_CA_BUNDLE."
    )


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


class GalaxySession(requests.Session):
    """A Session that follows redirects only within the configured Galaxy's origin.

    requests strips ``Authorization`` on a host change but keeps custom headers such as
    ``x-api-key``; so a redirect to another scheme, host or port is refused, never followed.
    """

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.origin = origin(base)

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        target = str(prepared_request.url)
        if origin(target) != self.origin:
            parts = urlsplit(target)
            path = parts.path
            cut = path.find("/api/")
            suggest = f"{parts.scheme}://{parts.netloc}{path[:cut] if cut >= 0 else ''}"
            raise RedirectRefusedError(
                f"{self.base} redirected {response.request.method} {response.url.split('?', 1)[0]} to "
                f"another server, {parts.scheme}://{parts.netloc}; the API key is only ever sent to "
                f"{self.base}, so the redirect was not followed. If Galaxy now lives there, connect "
                f"to its final URL (e.g. {suggest})."
            )
        super().rebuild_auth(prepared_request, response)


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
        self.retries = retries
        if url is not None and not str(url).strip():
            raise BadInputError(
                "The Galaxy URL is empty; give one like https://usegalaxy.org (or leave it out to use "
                "GALAXY_URL or the default profile)."
            )
        if api_key is not None:
            api_key = profiles.clean_key(api_key, "the api_key argument")
        self.history_id: str | None = None
        if email is not None or password is not None:
            if not (url and email and password):
                raise BadInputError("Logging in needs url, email and password together.")
            self.url = base_url(url)
            self.session = self._new_session(verify)
            api_key = self._baseauth(email, password)
            self.source = f"login as {email}"
        else:
            creds = profiles.resolve(url, api_key, profile)
            self.url = base_url(creds.url)
            if verify is True and creds.ca_bundle:
                verify = creds.ca_bundle
            self.session = self._new_session(verify)
            api_key = creds.api_key
            self.source = creds.source
            self.history_id = creds.history_id
        self.session.auth = APIKeyAuth(profiles.clean_key(api_key, self.source))
        warn_plain_http(self.url)

    def _new_session(self, verify: bool | str) -> GalaxySession:
        session = GalaxySession(self.url)
        session.verify = verify
        session.headers["User-Agent"] = "galaxy-widgets"
        session.headers["Accept"] = "application/json"
        adapter = HTTPAdapter(max_retries=make_retry(self.retries), pool_maxsize=16)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    # ------------------------------------------------------------------ basics
    @property
    def timeout(self) -> float:
        """Seconds to wait for one HTTP answer (per try)."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._timeout = check_timeout(value)

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
        """Save this connection's URL and key (and a ``verify=PATH`` CA bundle) as a profile (mode 0600)."""
        bundle = self.session.verify if isinstance(self.session.verify, str) else None
        profiles.save_profile(name, self.url, self.api_key, default=default, ca_bundle=bundle)

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
        url = self._url(path)
        per_try = timeout or self.timeout
        safe = method in IDEMPOTENT
        started = time.monotonic()
        body_tries = 1 + (self.retries if safe and not stream else 0)
        for attempt in range(body_tries):
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=_clean_params(params),
                    json=json,
                    data=data,
                    headers=headers,
                    stream=stream,
                    timeout=per_try,
                    auth=auth,
                    # explicit, so a verify=PATH is not overridden by REQUESTS_CA_BUNDLE (which
                    # requests still applies when verify is True)
                    verify=self.session.verify,
                )
                break
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                # the answer started, then broke off (a reset or a truncated body)
                if attempt + 1 < body_tries:
                    log.debug("%s %s: answer broke off (%s); retrying", method, url, type(exc).__name__)
                    from .api.wait import pause_before_retry

                    pause_before_retry(attempt, 0.5 * _backoff(self), 4.0 * _backoff(self))
                    continue
                raise self._lost(method, url, exc, sent=True, tries=attempt + 1) from None
            except requests.exceptions.SSLError as exc:
                raise GalaxyConnectionError(_tls_problem(self.url, exc)) from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                tries = 1 + (self.retries if safe else 0)
                if _timed_out(exc):
                    raise GalaxyTimeoutError(
                        f"{method} {url} got no answer in {time.monotonic() - started:.0f} s "
                        f"({tries} tr{'y' if tries == 1 else 'ies'} of {per_try:g} s each); the server "
                        "may be busy (raise the timeout) or down." + ("" if safe else _NOT_RESENT)
                    ) from None if _hides_key(exc, self) else exc
                raise self._lost(method, url, exc, sent=_was_sent(exc), tries=tries) from (
                    None if _hides_key(exc, self) else exc
                )
        log.debug("%s %s -> %s", method, resp.url.split("?", 1)[0], resp.status_code)
        if resp.status_code >= 400:
            raise _api_error(resp, method, what)
        if raw or stream:
            return resp
        if not resp.content:
            return None
        kind = resp.headers.get("Content-Type", "")
        if "html" in kind:
            raise NotGalaxyError(_not_galaxy(url, kind))
        try:
            return resp.json()
        except ValueError:
            if "json" in kind:
                raise NotGalaxyError(_not_galaxy(url, f"{kind} that is not valid JSON")) from None
            return resp.text

    def _url(self, path: str) -> str:
        """The full URL of an API path; refuses paths naming another server or climbing out."""
        text = str(path).strip()
        if text.startswith("//") or "://" in text:
            netloc = urlsplit(text if "://" in text else f"http:{text}").netloc
            if netloc.lower() != urlsplit(self.url).netloc.lower():
                raise BadInputError(
                    f"The API path {text!r} names another server ({netloc}); give a path under "
                    f"{self.api_url}, e.g. 'histories' or '/api/histories'."
                )
        rel = api_path(text)
        if any(seg in (".", "..") for seg in rel.split("?", 1)[0].split("/")):
            raise BadInputError(
                f"The API path {text!r} has a '.' or '..' segment; give the path under /api as it is, "
                "e.g. 'datasets/ID'."
            )
        return f"{self.api_url}/{rel}"

    def _lost(
        self, method: str, url: str, exc: Exception, *, sent: bool, tries: int
    ) -> GalaxyConnectionError:
        """The error for a request whose answer never came (or came broken)."""
        why = type(exc).__name__
        if sent and method not in IDEMPOTENT:
            return OutcomeUnknownError(
                f"{method} {url} reached the server, but its answer was lost ({why}). It may have been "
                "done: look (e.g. at the history) before you try again; it was not resent."
            )
        if sent:
            return GalaxyConnectionError(
                f"{method} {url}: the answer broke off ({why}), {tries} time(s); the server or a proxy "
                "in front of it dropped the connection. Try again later, or ask its admin."
            )
        return GalaxyConnectionError(
            f"Could not reach {self.url} ({why}) for {method} {url}; check the URL, your network, and "
            "that the server is up."
        )

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
    def users(self) -> Users:
        from .api.users import Users

        return Users(self)

    @cached_property
    def histories(self) -> Histories:
        from .api.histories import Histories

        return Histories(self)

    @cached_property
    def datasets(self) -> Datasets:
        from .api.datasets import Datasets

        return Datasets(self)

    @cached_property
    def collections(self) -> Collections:
        from .api.collections import Collections

        return Collections(self)

    @cached_property
    def uploads(self) -> Uploads:
        from .api.uploads import Uploads

        return Uploads(self)

    @cached_property
    def tools(self) -> Tools:
        from .api.tools import Tools

        return Tools(self)

    @cached_property
    def workflows(self) -> Workflows:
        from .api.workflows import Workflows

        return Workflows(self)

    @cached_property
    def invocations(self) -> Invocations:
        from .api.invocations import Invocations

        return Invocations(self)

    @cached_property
    def batches(self) -> Batches:
        """One workflow over many samples: one mapped invocation, or one per sample."""
        from .api.batches import Batches

        return Batches(self)

    @cached_property
    def jobs(self) -> Jobs:
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


_NOT_RESENT = (
    " It was not resent: the server may still carry it out, so check (e.g. the history) before trying again."
)


def check_timeout(value: Any) -> float:
    """A timeout in seconds: a number above 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise BadInputError(f"timeout must be a number of seconds above 0, e.g. timeout=60, not {value!r}.")
    return float(value)


def _backoff(gi: Galaxy) -> float:
    """The adapters' backoff factor over the default 0.5 (tests set it to 0)."""
    adapter = gi.session.adapters.get("https://") or gi.session.adapters.get("http://")
    retry = getattr(adapter, "max_retries", None)
    return float(getattr(retry, "backoff_factor", 0.5)) / 0.5 if retry else 1.0


def _was_sent(exc: Exception) -> bool:
    """False when the request never left (refused, DNS, TLS, connect timeout); True otherwise."""
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

    if isinstance(
        exc, requests.exceptions.SSLError | requests.exceptions.ProxyError | requests.ConnectTimeout
    ):
        return False
    reason: Any = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return not isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _not_galaxy(url: str, got: str) -> str:
    return (
        f"{url.split('?', 1)[0]} did not answer like a Galaxy API (got {got.split(';', 1)[0] or got}); check "
        "the URL: it should be the Galaxy's own address (with its path prefix, if any), not a login page "
        "or a proxy in front of it."
    )


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
    kind = resp.headers.get("Content-Type", "")
    try:
        body = resp.json()
    except ValueError:
        body = resp.text[:2000]
    hint = None
    if "html" in kind:  # a proxy's or a web server's page, not Galaxy's API
        err_msg = f"this URL did not answer like a Galaxy API (got {kind.split(';', 1)[0]})"
        hint = (
            "Check the URL: it should be the Galaxy's own address (with its path prefix, if any), "
            "and the path one of its API's."
        )
    elif isinstance(body, dict):
        err_msg = str(body.get("err_msg") or body.get("detail") or "")
        err_code = body.get("err_code")
    elif isinstance(body, str):
        err_msg = body.strip()[:300]
    url = resp.url.split("?", 1)[0]
    cls = GalaxyAPIError.from_status(resp.status_code)
    if what == "Login" and resp.status_code in (401, 403, 404):  # 404: "The user does not exist."
        cls = AuthenticationError
    if resp.status_code == 401 and not err_msg:
        err_msg = "not authenticated"
    if cls is AuthenticationError and what == "Login":
        err_msg = err_msg or "wrong email or password"
        hint = "Check the email (or username) and password."
    return cls(resp.status_code, method, url, err_msg, err_code, body, what, hint)
