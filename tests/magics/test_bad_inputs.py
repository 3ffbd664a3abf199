"""The standing bad-input matrix (issue 10): the magics, the Python API and the CLI.

Every row gives one bad input and asserts that
- the error is of the expected type (``UsageError`` in the magics, so no traceback; the package's
  own classes in Python; an exit status and a message on stderr from the CLI);
- the message says what to do (each row names the advice it expects);
- no API key appears in it (neither the real one nor the fake one the rows use);
- nothing is left behind: no file in the row's folder, no item in the current history, no
  history with the row's name.
"""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripted import free_port, scripted

from galaxy_widgets import Galaxy
from galaxy_widgets import errors as E
from galaxy_widgets.filters import FilterSyntaxError

KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
STRAY = "gw-bad-input stray"  # a history of this name must never appear


@dataclass
class Ctx:
    ip: Any
    gi: Any
    up: Any
    tmp: Path
    url: str
    key: str
    monkeypatch: Any

    def magic(self, line: str) -> Any:
        return self.ip.run_cell(line)

    def connect(self) -> None:
        self.ip.run_cell("%galaxy connect")
        self.ip.run_cell(f"%galaxy use {self.up.history_id}")

    def cli(self, *argv: str) -> None:
        """Run the CLI; a non-zero status becomes ``CliError`` carrying stderr."""
        import contextlib
        import io

        from galaxy_widgets import cli

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                rc = cli.main(list(argv))
            except SystemExit as exc:
                rc = exc.code
        if rc:
            raise CliError(rc, err.getvalue())


class CliError(Exception):
    def __init__(self, status: Any, stderr: str) -> None:
        self.status = status
        super().__init__(stderr)


@dataclass
class Row:
    id: str
    surface: str  # magic | python | cli
    run: Callable[[Ctx], Any]
    exc: type[BaseException]
    advice: str  # a regex the message must match: what to do
    connected: bool = False


def _m(id: str, line: str, advice: str, connected: bool = True) -> Row:
    return Row(id, "magic", lambda c: c.magic(line), UsageError, advice, connected)


def _m_fn(id: str, fn: Callable[[Ctx], Any], advice: str, connected: bool = True) -> Row:
    return Row(id, "magic", fn, UsageError, advice, connected)


def _key_env(value: str, line: str) -> Callable[[Ctx], Any]:
    def run(c: Ctx) -> Any:
        c.monkeypatch.setenv("GW_TEST_KEY", value)
        return c.magic(line.format(url=c.url))

    return run


def _with_profile(line: str) -> Callable[[Ctx], Any]:
    def run(c: Ctx) -> Any:
        from galaxy_widgets import profiles

        profiles.save_profile("other", "http://127.0.0.1:1", KEY)
        return c.magic(line.format(url=c.url))

    return run


def _put_value(name: str, value: Any, line: str) -> Callable[[Ctx], Any]:
    def run(c: Ctx) -> Any:
        c.ip.user_ns[name] = value
        return c.magic(line)

    return run


def _in_tmp(make: Callable[[Path], Any], line: str) -> Callable[[Ctx], Any]:
    def run(c: Ctx) -> Any:
        make(c.tmp)
        return c.magic(line.format(tmp=c.tmp))

    return run


def _served(action: tuple, line: str) -> Callable[[Ctx], Any]:
    """Point the magics at a scripted server, then run ``line``."""

    def run(c: Ctx) -> Any:
        with scripted(action) as srv:
            gi = Galaxy(srv.url, api_key=KEY, retries=0)
            c.ip.run_cell("%load_ext galaxy_widgets")
            from galaxy_widgets.magics import GalaxyMagics

            m = next(x for x in c.ip.configurables if isinstance(x, GalaxyMagics))
            m.set_connection(gi)
            return c.magic(line)

    return run


def _login(password: str, line: str) -> Callable[[Ctx], Any]:
    def run(c: Ctx) -> Any:
        c.monkeypatch.setattr(getpass, "getpass", lambda prompt="": password)
        return c.magic(line.format(url=c.url))

    return run


MAGIC_ROWS = [
    _m("unknown subcommand", "%galaxy lss", r"Did you mean `%galaxy ls`", connected=False),
    _m("not connected", "%galaxy ls", r"run `%galaxy connect URL`", connected=False),
    _m("cell body not taken", "%%galaxy ls\nx", r"use the line magic", connected=False),
    _m("unclosed quote", '%galaxy ls "name:x', r"check the quotes", connected=False),
    _m_fn(
        "connect ftp scheme",
        _key_env(KEY, "%galaxy connect ftp://x.org --key-env GW_TEST_KEY"),
        r"give one like https://",
        connected=False,
    ),
    _m_fn(
        "connect port out of range",
        _key_env(KEY, "%galaxy connect http://127.0.0.1:99999 --key-env GW_TEST_KEY"),
        r"from 1 to 65535",
        connected=False,
    ),
    _m_fn(
        "connect unreachable port",
        lambda c: (
            c.monkeypatch.setenv("GW_TEST_KEY", KEY),
            c.magic(f"%galaxy connect http://127.0.0.1:{free_port()} --key-env GW_TEST_KEY"),
        ),
        r"check the URL",
        connected=False,
    ),
    _m_fn(
        "connect empty key",
        _key_env("  ", "%galaxy connect {url} --key-env GW_TEST_KEY"),
        r"set it to your API key",
        connected=False,
    ),
    _m_fn(
        "connect wrong key",
        _key_env("f" * 32, "%galaxy connect {url} --key-env GW_TEST_KEY"),
        r"copy it again",
        connected=False,
    ),
    _m_fn(
        "connect key with inner newline",
        _key_env(KEY[:9] + "\n" + KEY[9:], "%galaxy connect {url} --key-env GW_TEST_KEY"),
        r"copy it again",
        connected=False,
    ),
    _m_fn(
        "connect key with inner space",
        _key_env(KEY[:9] + " " + KEY[9:], "%galaxy connect {url} --key-env GW_TEST_KEY"),
        r"copy it again",
        connected=False,
    ),
    _m_fn(
        "connect url with another server's profile",
        _with_profile("%galaxy connect {url} --profile other"),
        r"give it explicitly",
        connected=False,
    ),
    _m("connect no such profile", "%galaxy connect --profile nosuch", r"known:", connected=False),
    _m(
        "connect --key-env unset",
        "%galaxy connect http://127.0.0.1:1 --key-env GW_NO_SUCH_VAR",
        r"set it to your API key",
        connected=False,
    ),
    _m_fn(
        "login wrong password",
        _login("wrong-password", "%galaxy login {url} --email nobody@example.org"),
        r"Check them and try again",
        connected=False,
    ),
    _m_fn(
        "login empty password",
        _login("", "%galaxy login {url} --email nobody@example.org"),
        r"still not connected",
        connected=False,
    ),
    _m(
        "login without email",
        "%galaxy login http://127.0.0.1:1",
        r"See `%galaxy login --help`",
        connected=False,
    ),
    _m("use nothing", "%galaxy use", r"`%galaxy use NAME_OR_ID`"),
    _m("use no such history", "%galaxy use gw-no-such-history-xyz", r"`%galaxy histories`"),
    _m("use both name and --new", f"%galaxy use x --new '{STRAY}'", r"not both"),
    _m("histories page 0", "%galaxy histories --page 0", r"counts from 1"),
    _m("histories page not a number", "%galaxy histories --page two", r"See `%galaxy histories --help`"),
    _m("ls unknown filter", "%galaxy ls colour:red", r"use one of"),
    _m("ls hid not a number", "%galaxy ls hid>abc", r"as in hid>3"),
    _m("ls hid too large", "%galaxy ls hid>99999999999999999999", r"e\.g\. hid>3"),
    _m("ls deleted maybe", "%galaxy ls deleted:maybe", r"takes true, false or any"),
    _m("ls type unknown", "%galaxy ls type:table", r"takes dataset or collection"),
    _m("ls empty value", "%galaxy ls name:", r"write e\.g\. name:something"),
    _m("ls size 0", "%galaxy ls --size 0", r"--size 50"),
    _m("ls size negative", "%galaxy ls --size -3", r"--size 50|See `%galaxy ls --help`"),
    _m("ls page 0", "%galaxy ls --page 0", r"--page 2"),
    _m("ls unknown option", "%galaxy ls --colour", r"See `%galaxy ls --help`"),
    _m("show no such hid", "%galaxy show 987654", r"`%galaxy ls`"),
    _m("show hid too large", "%galaxy show 99999999999999999999", r"whole numbers up to"),
    _m("show no such name", "%galaxy show name:gw-no-such-item-xyz", r"`%galaxy ls`"),
    _m("show no such id", "%galaxy show 0123456789abcdef0123", r"hid|`%galaxy ls`"),
    _m("show dotted path as item", "%galaxy show ../users/current", r"`%galaxy ls`"),
    _m("get nothing", "%galaxy get", r"See `%galaxy get --help`"),
    _m("get bad --as", "%galaxy get 1 --as table", r"See `%galaxy get --help`"),
    _m("get bad -o name", "%galaxy get 1 -o 1bad", r"See `%galaxy get --help`"),
    _m_fn(
        "get --as json on text",
        lambda c: c.magic(f"%galaxy get {c.up.text.hid} --as json"),
        r"get it as text",
    ),
    _m("put nothing", "%galaxy put", r"`%galaxy put VARIABLE`"),
    _m_fn("put an object", _put_value("thing", object(), "%galaxy put thing"), r"give a DataFrame"),
    _m_fn("put a set", _put_value("aset", {1, 2}, "%galaxy put aset"), r"give a DataFrame"),
    _m("put unknown word", "%galaxy put gw_no_such_variable", r"Put a variable"),
    _m("put cell and value", "%%galaxy put x\nsome text", r"give no value on the line"),
    _m("put --ext missing", "%galaxy put 'x' --ext", r"See `%galaxy put --help`"),
    _m("upload missing file", "%galaxy upload /nonexistent/gw-file.txt", r"check the path"),
    _m("upload glob matching nothing", "%galaxy upload /nonexistent/*.gw", r"No files match"),
    _m_fn(
        "upload a folder",
        _in_tmp(lambda t: (t / "runs").mkdir(), "%galaxy upload {tmp}/runs"),
        r"with a glob",
    ),
    _m_fn(
        "upload paired with one file",
        _in_tmp(lambda t: (t / "a.txt").write_text("a"), "%galaxy upload {tmp}/a.txt --collection paired p"),
        r"exactly two files",
    ),
    _m_fn(
        "upload unknown collection type",
        _in_tmp(lambda t: (t / "a.txt").write_text("a"), "%galaxy upload {tmp}/a.txt --collection tree t"),
        r"takes list or paired",
    ),
    _m("tool missing data input", "%galaxy tool gw_head lines=1", r"Give it"),
    _m("tool misspelled input", "%galaxy tool gw_head input_1=1 lines=1", r"inputs: input1"),
    _m("tool word without =", "%galaxy tool gw_head lines", r"NAME=VALUE"),
    _m("tool no such tool", "%galaxy tool gw_no_such_tool", r"`%galaxy tools`"),
    _m("api unknown method", "%galaxy api FETCH histories", r"use one of"),
    _m("api path naming another host", "%galaxy api GET //evil.example.org/api/users", r"give a path under"),
    _m(
        "api full URL of another host",
        "%galaxy api GET http://evil.example.org/api/users",
        r"give a path under",
    ),
    _m("api dotted path", "%galaxy api GET datasets/../users/current", r"give the path under /api"),
    _m("api bad --param", "%galaxy api GET histories --param limit", r"KEY=VALUE"),
    _m("api bad JSON", "%galaxy api POST histories '{\"name\": '", r"check quotes and commas"),
    _m("api GET with body", "%galaxy api GET histories '{}'", r"--param KEY=VALUE"),
    _m_fn(
        "api html 200 from a proxy",
        _served(("html", 200, "<html>login</html>"), "%galaxy api GET version"),
        r"check the URL",
        connected=False,
    ),
    _m_fn(
        "api redirect to another host",
        _served(("redirect", 302, "http://127.0.0.1:1/x"), "%galaxy api GET version"),
        r"connect to its final URL",
        connected=False,
    ),
    _m_fn(
        "api broken answer",
        _served(("reset_mid",), "%galaxy api GET version"),
        r"Try again later",
        connected=False,
    ),
    _m_fn(
        "api lost POST answer",
        _served(("reset",), '%galaxy api POST histories \'{"name": "x"}\''),
        r"look .* before you try again",
        connected=False,
    ),
]


def _py(id: str, fn: Callable[[Ctx], Any], exc: type[BaseException], advice: str) -> Row:
    return Row(id, "python", fn, exc, advice)


def _gi_for(action: tuple, call: Callable[[Galaxy], Any]) -> Callable[[Ctx], Any]:
    def run(c: Ctx) -> Any:
        with scripted(action) as srv:
            return call(Galaxy(srv.url, api_key=KEY, retries=0))

    return run


def _profiles_file(text: str) -> Callable[[Ctx], Any]:
    def run(c: Ctx) -> Any:
        from galaxy_widgets import profiles

        c.monkeypatch.delenv("GALAXY_URL")
        c.monkeypatch.delenv("GALAXY_API_KEY")
        path = profiles.profiles_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        try:
            return Galaxy()
        finally:
            path.unlink()

    return run


PY_ROWS = [
    _py("Galaxy('')", lambda c: Galaxy(""), E.BadInputError, r"give one like"),
    _py("Galaxy(spaces)", lambda c: Galaxy("   ", api_key=KEY), E.BadInputError, r"give one like"),
    _py("Galaxy ftp URL", lambda c: Galaxy("ftp://x.org", api_key=KEY), E.BadInputError, r"give one like"),
    _py(
        "Galaxy bad port",
        lambda c: Galaxy("http://127.0.0.1:99999", api_key=KEY),
        E.BadInputError,
        r"1 to 65535",
    ),
    _py(
        "Galaxy port not a number",
        lambda c: Galaxy("http://127.0.0.1:abc", api_key=KEY),
        E.BadInputError,
        r"1 to 65535",
    ),
    _py("empty key", lambda c: Galaxy(c.url, api_key=""), E.BadInputError, r"copy it from"),
    _py(
        "key with inner space",
        lambda c: Galaxy(c.url, api_key=KEY[:5] + " " + KEY[5:]),
        E.BadInputError,
        r"copy it again",
    ),
    _py(
        "key with inner newline",
        lambda c: Galaxy(c.url, api_key=KEY[:5] + "\n" + KEY[5:]),
        E.BadInputError,
        r"copy it again",
    ),
    _py("key not text", lambda c: Galaxy(c.url, api_key=12345), E.BadInputError, r"give it as a str"),
    _py("timeout 0", lambda c: Galaxy(c.url, api_key=KEY, timeout=0), E.BadInputError, r"e\.g\. timeout=60"),
    _py(
        "timeout negative",
        lambda c: Galaxy(c.url, api_key=KEY, timeout=-5),
        E.BadInputError,
        r"e\.g\. timeout=60",
    ),
    _py(
        "login without password",
        lambda c: Galaxy(c.url, email="a@b.org"),
        E.BadInputError,
        r"needs url, email and password",
    ),
    _py(
        "login wrong password",
        lambda c: Galaxy(c.url, email="nobody@example.org", password="nope"),
        E.AuthenticationError,
        r"Check the email",
    ),
    _py(
        "wrong key",
        lambda c: Galaxy(c.url, api_key="f" * 32).users.current(),
        E.AuthenticationError,
        r"Check your API key",
    ),
    _py(
        "unreachable port",
        lambda c: Galaxy(f"http://127.0.0.1:{free_port()}", api_key=KEY, retries=0).version(),
        E.GalaxyConnectionError,
        r"check the URL",
    ),
    _py(
        "profile for another URL",
        lambda c: (_with_profile("")(c), Galaxy(c.url, profile="other")),
        E.GalaxyError,
        r"give it explicitly",
    ),
    _py("no such profile", lambda c: Galaxy(profile="nosuch"), E.GalaxyError, r"known:"),
    _py("profiles file is a list", _profiles_file("[]"), E.GalaxyError, r"delete it"),
    _py(
        "profiles entry is a string",
        _profiles_file('{"profiles": {"a": "http://x"}}'),
        E.GalaxyError,
        r"delete it",
    ),
    _py("profiles file not JSON", _profiles_file("{nope"), E.GalaxyError, r"fix or delete it"),
    _py(
        "redirect to another host",
        _gi_for(("redirect", 302, "http://127.0.0.1:1/x"), lambda g: g.version()),
        E.RedirectRefusedError,
        r"connect to its final URL",
    ),
    _py(
        "html 200",
        _gi_for(("html", 200, "<html>login</html>"), lambda g: g.histories.list()),
        E.NotGalaxyError,
        r"check the URL",
    ),
    _py(
        "html 404",
        _gi_for(("html", 404, "<html>" + "x" * 5000 + "</html>"), lambda g: g.version()),
        E.NotFoundError,
        r"Check the URL",
    ),
    _py(
        "broken JSON 200",
        _gi_for(("text", 200, "{nope", "application/json"), lambda g: g.version()),
        E.NotGalaxyError,
        r"check the URL",
    ),
    _py(
        "lost POST answer",
        _gi_for(("reset",), lambda g: g.histories.create(STRAY)),
        E.OutcomeUnknownError,
        r"before you try again",
    ),
    _py(
        "dataset id with dots",
        lambda c: c.gi.datasets.show("../users/current"),
        E.BadInputError,
        r"Copy the id",
    ),
    _py("history id too short", lambda c: c.gi.histories.show("abc"), E.BadInputError, r"Copy the id"),
    _py("history get empty", lambda c: c.gi.histories.get(""), E.BadInputError, r"give its name or id"),
    _py(
        "history get unknown",
        lambda c: c.gi.histories.get("gw-no-such-history-xyz"),
        LookupError,
        r"list them with histories\.list\(\)",
    ),
    _py(
        "path naming another host",
        lambda c: c.gi.get("//evil.example.org/api/users"),
        E.BadInputError,
        r"give a path under",
    ),
    _py(
        "path climbing out",
        lambda c: c.gi.get("datasets/../users/current"),
        E.BadInputError,
        r"give the path under /api",
    ),
    _py(
        "contents hid not a number",
        lambda c: c.gi.histories.contents(c.up.history_id, "hid>x"),
        FilterSyntaxError,
        r"as in hid>3",
    ),
    _py(
        "contents hid too large",
        lambda c: c.gi.histories.contents(c.up.history_id, "hid<99999999999999999999"),
        FilterSyntaxError,
        r"e\.g\. hid>3",
    ),
    _py(
        "contents page_size 0",
        lambda c: c.gi.histories.contents(c.up.history_id, page_size=0),
        E.BadInputError,
        r"1 or more",
    ),
    _py(
        "resolve hid without history",
        lambda c: c.gi.histories.resolve(None, "#3"),
        LookupError,
        r"choose one first",
    ),
    _py(
        "resolve bad kind",
        lambda c: c.gi.histories.resolve(c.up.history_id, c.up.table.id, kind="table"),
        E.BadInputError,
        r"'dataset' or 'collection'",
    ),
    _py(
        "resolve unknown name",
        lambda c: c.gi.histories.resolve(c.up.history_id, "name:gw-no-such"),
        LookupError,
        r"histories\.contents\(\) lists them",
    ),
    _py(
        "tool without data input",
        lambda c: c.gi.tools.run("gw_head", c.up.history_id, {"lines": 1}),
        E.BadInputError,
        r"Give it",
    ),
    _py(
        "tool misspelled input",
        lambda c: c.gi.tools.run("gw_head", c.up.history_id, {"input_1": c.up.text}),
        E.BadInputError,
        r"Did you mean 'input1'",
    ),
    _py("tool empty id", lambda c: c.gi.tools.show(""), E.BadInputError, r"tools\.list\(\)"),
    _py("tool unknown", lambda c: c.gi.tools.show("gw_no_such_tool"), E.NotFoundError, r"tools\.list\(\)"),
    _py(
        "download under a file",
        lambda c: (
            (c.tmp / "f").write_text("x"),
            c.gi.datasets.download(c.up.text.id, c.tmp / "f" / "out.txt"),
        ),
        E.DownloadError,
        r"choose another path",
    ),
    _py(
        "upload a folder",
        lambda c: ((c.tmp / "d").mkdir(), c.gi.uploads.files(c.up.history_id, [c.tmp / "d"])),
        E.GalaxyError,
        r"upload the files in it",
    ),
]


def _cli(
    id: str, argv: list[str], advice: str, env: dict[str, str] | None = None, dir_arg: bool = False
) -> Row:
    def run(c: Ctx) -> Any:
        for k, v in (env or {}).items():
            c.monkeypatch.setenv(k, v.format(url=c.url))
        return c.cli(*[a.format(tmp=c.tmp) for a in argv])

    return Row(id, "cli", run, CliError, advice)


CLI_ROWS = [
    _cli("no subcommand", [], r"usage: galaxy-widgets"),
    _cli("local unknown action", ["local", "frobnicate"], r"choose from"),
    _cli("local port out of range", ["local", "start", "--port", "99999"], r"from 1 to 65535"),
    _cli("local port not a number", ["local", "start", "--port", "http"], r"from 1 to 65535"),
    _cli("local port 0", ["local", "status", "--port", "0"], r"from 1 to 65535"),
    _cli(
        "watch missing folder",
        ["watch", "/nonexistent/gw-runs", "-w", "x", "--once"],
        r"not an existing folder",
    ),
    _cli("watch interval 0", ["watch", "{tmp}", "-w", "x", "--interval", "0"], r"more than 0 seconds"),
    _cli("watch bad --set", ["watch", "{tmp}", "-w", "x", "--set", "novalue"], r"LABEL=VALUE"),
    _cli(
        "watch key with inner newline",
        ["watch", "{tmp}", "-w", "x", "--once"],
        r"copy it again",
        env={"GALAXY_URL": "{url}", "GALAXY_API_KEY": KEY[:7] + "\n" + KEY[7:]},
    ),
    _cli(
        "watch unreachable server",
        ["watch", "{tmp}", "-w", "x", "--once"],
        r"check the URL",
        env={"GALAXY_URL": "http://127.0.0.1:1", "GALAXY_API_KEY": KEY},
    ),
    _cli("watch no such profile", ["watch", "{tmp}", "-w", "x", "--once", "--profile", "nosuch"], r"known:"),
]

ROWS = MAGIC_ROWS + PY_ROWS + CLI_ROWS


def test_matrix_is_big_enough():
    assert len(ROWS) >= 80
    assert len({(r.surface, r.id) for r in ROWS}) == len(ROWS)
    assert {r.surface for r in ROWS} == {"magic", "python", "cli"}


# A history of this module's own: its tests check that nothing was added to the current history,
# and the folder's shared copy also receives the background runs of other tests (in any order).
@pytest.fixture(scope="module")
def uploaded(uploaded, gi, copy_uploaded_to):
    return copy_uploaded_to(gi, uploaded, "gw-tests magics bad inputs")[1]


@pytest.fixture
def ctx(ip, gi, uploaded, galaxy_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GALAXY_WIDGETS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GALAXY_URL", galaxy_server.url)
    monkeypatch.setenv("GALAXY_API_KEY", galaxy_server.api_key)
    work = tmp_path / "work"
    work.mkdir()
    return Ctx(ip, gi, uploaded, work, galaxy_server.url, galaxy_server.api_key, monkeypatch)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.surface}: {r.id}" for r in ROWS])
def test_bad_input(row: Row, ctx: Ctx, gi, uploaded):
    if row.connected:
        ctx.connect()
    before_items = gi.histories.contents(uploaded.history_id, "deleted:any visible:any").count()
    before_files = sorted(p.relative_to(ctx.tmp) for p in ctx.tmp.rglob("*"))
    with pytest.raises(row.exc) as info:
        row.run(ctx)
    err = info.value
    msg = str(err)
    assert re.search(row.advice, msg, re.S), f"no advice /{row.advice}/ in: {msg}"
    assert KEY not in msg and ctx.key not in msg
    assert KEY[:9] not in msg  # not even the part before an inner newline
    # nothing left behind
    made = sorted(p.relative_to(ctx.tmp) for p in ctx.tmp.rglob("*"))
    assert [p for p in made if p not in before_files and p.name not in ("runs", "d", "f", "a.txt")] == []
    assert not any(p.name.endswith((".part", ".tmp")) for p in ctx.tmp.rglob("*"))
    assert gi.histories.contents(uploaded.history_id, "deleted:any visible:any").count() == before_items
    assert [h for h in gi.histories.list(STRAY) if h.name == STRAY] == []
