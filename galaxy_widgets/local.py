"""A real Galaxy on 127.0.0.1, installed from PyPI into a cached venv and managed from Python.

It is both the default server for users who have none and the server the tests run against.
Galaxy pins ~340 exact dependencies, so it lives in a venv of its own, never the project's.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import paths

if TYPE_CHECKING:
    from .client import Galaxy

GALAXY_VERSION = "26.1.2"
#: Pins in Galaxy's metadata that the package index does not carry, and what it carries instead.
PIN_FIXES = {"certifi==2026.10.19": "certifi==2026.10.19.post1"}
#: Distributions that install the same modules as a pinned one: pinned to its version, or a Galaxy
#: split package's loose requirement pulls the newest, which overwrites them (Galaxy 25.0 pins
#: fastapi-slim 0.115.12 while galaxy-web-apps asks for any fastapi: 0.128 breaks its imports).
SAME_MODULES = {"fastapi-slim": "fastapi"}
#: Galaxy's own pin for PostgreSQL (galaxy/dependencies/conditional-requirements.txt).
PSYCOPG2 = "psycopg2-binary==2.9.10"
DEFAULT_PORT = 8089
ADMIN_EMAIL = "admin@example.org"
ADMIN_USERNAME = "admin"
LOCAL_TOOLS = Path(__file__).parent / "local_tools"
#: Galaxy's bundled tools that run offline with no extra dependency, in the sections of Galaxy's
#: sample tool_conf.xml (docs/toolbox.md lists what is left out and why). ``@BUNDLED@`` stands for
#: the bundled tools' directory in Galaxy's venv.
TOOL_CONF = Path(__file__).parent / "data" / "tool_conf.xml"

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class LocalGalaxyError(RuntimeError):
    """The local Galaxy could not be installed, started or reached."""


# ----------------------------------------------------------------------------- install


def venv_dir(version: str = GALAXY_VERSION) -> Path:
    """The cached venv holding Galaxy (outside any project checkout)."""
    return paths.cache_dir() / f"galaxy-{version}-venv"


def _requirements_from_wheel(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode()
    reqs = []
    for line in text.splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        req = line.split(":", 1)[1].strip()
        if "extra ==" in req:  # optional extras are not needed to run
            continue
        name_spec = req.split(";", 1)[0].strip()
        reqs.append(PIN_FIXES.get(name_spec.replace(" ", ""), req))
    pinned = dict(r.replace(" ", "").split("==", 1) for r in reqs if "==" in r and ";" not in r)
    for name, twin in SAME_MODULES.items():
        if name in pinned and twin not in pinned:
            reqs.append(f"{twin}=={pinned[name]}")
    return reqs


def _download(pip: list[str], spec: str, dest: str) -> Path | None:
    """Download one wheel without its dependencies; None when the index does not have it."""
    got = subprocess.run([*pip, "download", "--no-deps", "-d", dest, spec], capture_output=True, text=True)
    if got.returncode != 0:
        if "No matching distribution found" in got.stderr:
            return None
        raise LocalGalaxyError(f"Downloading {spec} failed:\n{got.stderr[-1500:]}")
    name = spec.split("==")[0].replace("-", "_")
    return next(Path(dest).glob(f"{name}-*.whl"))


def install(version: str = GALAXY_VERSION, log: Log = _stderr) -> Path:
    """Install Galaxy (25.0.1 or later) into its cached venv (idempotent); returns the venv path."""
    venv = venv_dir(version)
    marker = venv / ".galaxy-widgets-complete"
    if marker.exists():
        return venv
    started = time.monotonic()
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    log(f"Installing Galaxy {version} into {venv} (one time, a few minutes) ...")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = _download(pip, f"galaxy=={version}", tmp)
            if wheel is None:
                raise LocalGalaxyError(
                    f"Galaxy {version} is not on the package index as `galaxy` (it has 25.0.1 and later; "
                    "`pip index versions galaxy` lists them). Older releases come only as split packages "
                    "(galaxy-app, galaxy-web-apps), which are not installed (README, Compatibility)."
                )
            reqs = _requirements_from_wheel(wheel)
            req_file = Path(tmp) / "requirements.txt"
            req_file.write_text("\n".join(reqs) + "\n")
            proc = subprocess.run([*pip, "install", "-r", str(req_file)], capture_output=True, text=True)
            if proc.returncode != 0:
                missing = re.findall(r"No matching distribution found for (\S+)", proc.stderr)
                hint = f" Missing pin(s): {', '.join(missing)}; add them to PIN_FIXES." if missing else ""
                tail = proc.stderr[-3000:]
                raise LocalGalaxyError(f"Installing Galaxy's dependencies failed.{hint}\n{tail}")
            subprocess.run([*pip, "install", "--no-deps", str(wheel)], check=True)
    except BaseException:
        shutil.rmtree(venv, ignore_errors=True)  # never a half-made venv that looks usable
        raise
    marker.write_text(version)
    log(f"Galaxy {version} installed in {time.monotonic() - started:.0f} s.")
    return venv


# ----------------------------------------------------------------------------- server


@dataclass
class ServerState:
    """What a running local Galaxy's data dir records about it (file mode 0600)."""

    url: str
    port: int
    prefix: str
    pid: int
    api_key: str = field(default="", repr=False)
    admin_password: str = field(default="", repr=False)
    bootstrap_key: str = field(default="", repr=False)  # the config's admin-only key; it cannot act as a user


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only the user can read (mode 0600 from creation, replaced atomically)."""
    _private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _private_dir(path: Path) -> None:
    """Create ``path`` 0700 if missing (parents as the umask says)."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)


class LocalGalaxy:
    """One local Galaxy server: its data dir, config, process and first user."""

    def __init__(
        self,
        data_dir: Path | str | None = None,
        port: int | None = None,
        prefix: str = "",
        version: str = GALAXY_VERSION,
        production: bool = False,
        celery: bool = True,
        tool_conf: Path | str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir) if data_dir else paths.data_dir() / "galaxy"
        self.port = port
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.version = version
        #: PostgreSQL (a private cluster of Debian's server) instead of SQLite, as big servers run.
        self.production = production
        #: Galaxy's Celery worker beside the web server (off: Galaxy's slower default, and no worker:
        #: ~0.6 GB RSS, plus ~0.5 GB per process of its pool once it has run a task).
        self.celery = celery
        #: the toolbox: a tool_conf.xml whose ``@BUNDLED@`` stands for Galaxy's bundled tools directory
        self.tool_conf = Path(tool_conf) if tool_conf else TOOL_CONF
        self.state_file = self.data_dir / "state.json"
        self.log_file = self.data_dir / "galaxy.log"
        self.celery_log = self.data_dir / "celery.log"

    def __repr__(self) -> str:
        return f"LocalGalaxy(data_dir={str(self.data_dir)!r}, url={self.url!r})"

    # -- state
    def state(self) -> ServerState | None:
        try:
            return ServerState(**json.loads(self.state_file.read_text()))
        except (FileNotFoundError, ValueError, TypeError):
            return None

    @property
    def url(self) -> str | None:
        st = self.state()
        return st.url if st else None

    def is_running(self) -> bool:
        st = self.state()
        if not st:
            return False
        try:
            os.kill(st.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return self._version_ok(st.url)

    @staticmethod
    def _version_ok(url: str) -> bool:
        import requests

        try:
            return requests.get(f"{url}/api/version", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    # -- config
    def _id_secret(self) -> str:
        """Keep the id secret across restarts: every encoded id users hold depends on it."""
        path = self.data_dir / "config" / "id_secret"
        if not path.exists():
            _write_private(path, secrets.token_hex(16))
        return path.read_text().strip()

    def _write_config(self, port: int, bootstrap_key: str, database: str | None = None) -> Path:
        venv = install(self.version)
        site = next((venv / "lib").glob("python3*/site-packages"))
        bundled = site / "galaxy" / "tools" / "bundled"
        d = self.data_dir
        _private_dir(d)  # it holds the database, the config with its keys, and the users' data
        os.chmod(d, 0o700)
        for sub in ("files", "tmp", "jobs", "config"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        tools_conf = d / "config" / "tool_conf.xml"
        tools_conf.write_text(self.tool_conf.read_text().replace("@BUNDLED@", str(bundled)))
        local_conf = d / "config" / "local_tool_conf.xml"
        local_conf.write_text(
            f'<toolbox tool_path="{LOCAL_TOOLS}">\n'
            '  <section id="galaxy_widgets" name="galaxy-widgets">\n'
            + "".join(f'    <tool file="{p.name}"/>\n' for p in sorted(LOCAL_TOOLS.glob("*.xml")))
            + "  </section>\n</toolbox>\n"
        )
        infra = f"http://127.0.0.1:{port}{self.prefix}"
        celery: dict[str, Any] = {
            # Galaxy's Celery worker (started beside the web server) sets metadata and runs uploads in
            # processes that have Galaxy imported already: a trivial job takes ~1 s instead of ~9 s.
            "enable_celery_tasks": "true",
            "metadata_strategy": "directory_celery",
        }
        if not self.celery:  # every job imports Galaxy afresh for its metadata (Galaxy's default)
            celery = {"enable_celery_tasks": "false"}
        if database is None:
            # a 60 s busy timeout (Python's default is 5 s): jobs and requests share one SQLite file
            database = f"sqlite:///{d}/universe.sqlite?isolation_level=IMMEDIATE&timeout=60"
            # Celery's broker in a SQLite file of its own, so its polling never locks the main one;
            # task results go to Galaxy's default <data_dir>/results.sqlite.
            celery["amqp_internal_connection"] = (
                f"sqlalchemy+sqlite:///{d}/control.sqlite?isolation_level=IMMEDIATE"
            )
        else:  # Celery's broker and results in a PostgreSQL database of their own
            from .postgres import CELERY_DB, Cluster

            celery_db = Cluster(d).url(CELERY_DB)
            routes = {"galaxy.fetch_data": "galaxy.external", "galaxy.set_job_metadata": "galaxy.external"}
            celery["amqp_internal_connection"] = f"sqlalchemy+{celery_db}"
            celery["celery_conf"] = json.dumps({"result_backend": f"db+{celery_db}", "task_routes": routes})
        lines = {
            "data_dir": d,
            "managed_config_dir": d / "config",
            "file_path": d / "files",
            "new_file_path": d / "tmp",
            "job_working_directory": d / "jobs",
            "database_connection": database,
            "database_auto_migrate": "true",
            "admin_users": ADMIN_EMAIL,
            "bootstrap_admin_api_key": bootstrap_key,
            "allow_local_account_creation": "true",
            "id_secret": self._id_secret(),
            "conda_auto_init": "false",
            "conda_auto_install": "false",
            "dependency_resolvers": "[]",
            "enable_mulled_containers": "false",
            "watch_tools": "'false'",
            **celery,
            "galaxy_infrastructure_url": infra,
            # upload-from-URL may fetch from this machine (e.g. a local file server)
            "fetch_url_allowlist": "127.0.0.0/8",
            "tool_config_file": f"{tools_conf},{local_conf}",
        }
        if self.prefix:
            lines["galaxy_url_prefix"] = self.prefix
        config = d / "config" / "galaxy.yml"
        _write_private(config, "galaxy:\n" + "".join(f"  {k}: {v}\n" for k, v in lines.items()))
        return config

    # -- lifecycle
    def start(self, timeout: float = 240, log: Log = _stderr) -> ServerState:
        """Install if needed, start, wait for the API, create the first user and its key."""
        if self.is_running():
            st = self.state()
            assert st is not None
            return st
        port = self.port or (DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port())
        if not _port_free(port):  # else another server would answer our readiness checks
            raise LocalGalaxyError(f"Port {port} on 127.0.0.1 is in use; choose another with --port.")
        bootstrap_key = secrets.token_hex(16)
        database = self._start_postgres(log) if self.production else None
        config = self._write_config(port, bootstrap_key, database)
        url = f"http://127.0.0.1:{port}{self.prefix}"
        log(f"Starting Galaxy at {url} (about a minute) ...")
        started = time.monotonic()
        venv = venv_dir(self.version)
        web = [str(venv / "bin" / "galaxy-web"), "-c", str(config), "-b", f"127.0.0.1:{port}"]
        worker = [
            *(str(venv / "bin" / "celery"), "--app", "galaxy.celery", "worker", "--pool", "threads"),
            *("--concurrency", "2", "--queues", "celery,galaxy.internal,galaxy.external"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"),
            *("--hostname", f"galaxy-{port}@%h"),
        ]
        celery_from = self.celery_log.stat().st_size if self.celery_log.exists() else 0
        # One shell starts the Celery worker in the background and becomes the web server, so both
        # share one process group that stop() ends at once.
        script = f"{shlex.join(worker)} >> {shlex.quote(str(self.celery_log))} 2>&1 & " if self.celery else ""
        script += f"exec {shlex.join(web)}"
        # Galaxy reads a version.json in its working directory: start it in its own data dir.
        with open(self.log_file, "ab") as out:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", script],
                cwd=self.data_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=self._environ(config, venv),
            )
        old = self.state()
        state = ServerState(
            url=url,
            port=port,
            prefix=self.prefix,
            pid=proc.pid,
            api_key=old.api_key if old else "",
            admin_password=old.admin_password if old else "",
            bootstrap_key=bootstrap_key,
        )
        _write_private(self.state_file, json.dumps(asdict(state)))
        deadline = time.monotonic() + timeout
        web_ok, worker_ok = False, not self.celery
        while not (web_ok and worker_ok):
            if proc.poll() is not None:
                self.stop()
                raise LocalGalaxyError(
                    f"Galaxy exited with code {proc.returncode}; see {self.log_file}:\n"
                    + _tail(self.log_file)
                )
            web_ok = web_ok or self._version_ok(url)
            worker_ok = worker_ok or self._worker_ready(celery_from)
            if time.monotonic() > deadline:
                self.stop()
                what = "Galaxy did not answer" if not web_ok else "Galaxy's Celery worker was not ready"
                raise LocalGalaxyError(
                    f"{what} within {timeout:.0f} s; see {self.log_file if not web_ok else self.celery_log}"
                )
            time.sleep(0.5)
        log(f"Galaxy ready in {time.monotonic() - started:.0f} s.")
        state = self._bootstrap_user(state, bootstrap_key)
        _write_private(self.state_file, json.dumps(asdict(state)))
        return state

    @staticmethod
    def _environ(config: Path, venv: Path) -> dict[str, str]:
        """The server's environment: Galaxy's venv activated, as Galaxy < 26 finds it only from
        ``VIRTUAL_ENV`` (legacy tools such as join1 import ``galaxy`` in their job)."""
        path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        env = {**os.environ, "GALAXY_CONFIG_FILE": str(config), "VIRTUAL_ENV": str(venv), "PATH": path}
        env.pop("PYTHONHOME", None)
        return env

    def _worker_ready(self, offset: int) -> bool:
        """True once the Celery worker started by this start() logged that it is ready."""
        try:
            with open(self.celery_log, "rb") as fh:
                fh.seek(offset)
                text = fh.read()
        except FileNotFoundError:
            return False
        if b" ready." in text:
            return True
        if b"Traceback" in text:  # it stops before it is ready
            raise LocalGalaxyError(
                f"Galaxy's Celery worker failed to start; see {self.celery_log}:\n" + _tail(self.celery_log)
            )
        return False

    def _start_postgres(self, log: Log) -> str:
        """Start (creating on first use) the private PostgreSQL cluster; returns the database URL."""
        from .postgres import Cluster, PostgresError

        venv = install(self.version, log=log)
        python = venv / "bin" / "python"
        if subprocess.run([str(python), "-c", "import psycopg2"], capture_output=True).returncode != 0:
            log(f"Installing {PSYCOPG2} into Galaxy's venv (for PostgreSQL) ...")
            pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q", "install", PSYCOPG2]
            proc = subprocess.run(pip, capture_output=True, text=True)
            if proc.returncode != 0:
                raise LocalGalaxyError(f"Installing {PSYCOPG2} failed:\n{proc.stderr[-2000:]}")
        try:
            return Cluster(self.data_dir).start()
        except PostgresError as exc:
            raise LocalGalaxyError(str(exc)) from None

    def _bootstrap_user(self, state: ServerState, bootstrap_key: str) -> ServerState:
        from .client import Galaxy

        if state.api_key:
            try:
                Galaxy(state.url, api_key=state.api_key).users.current()
                return state
            except Exception:
                pass
        admin = Galaxy(state.url, api_key=bootstrap_key)
        password = state.admin_password or secrets.token_urlsafe(12)
        found = admin.get("users", params={"f_email": ADMIN_EMAIL})
        if found:
            user_id = found[0]["id"]
        else:
            user_id = admin.post(
                "users",
                json={"username": ADMIN_USERNAME, "email": ADMIN_EMAIL, "password": password},
            )["id"]
        state.api_key = admin.post(f"users/{user_id}/api_key")
        state.admin_password = password
        return state

    def stop(self, timeout: float = 20) -> bool:
        """Stop the server, its Celery worker and its PostgreSQL if any; True if one was running."""
        stopped = self._stop_group(timeout)
        from .postgres import Cluster, PostgresError

        cluster = Cluster(self.data_dir)
        if (cluster.pgdata / "postmaster.pid").exists():
            try:
                stopped = cluster.stop() or stopped
            except PostgresError as exc:
                raise LocalGalaxyError(str(exc)) from None
        return stopped

    def _stop_group(self, timeout: float) -> bool:
        st = self.state()
        if not st:
            return False
        try:
            os.killpg(st.pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(st.pid, 0)
            except ProcessLookupError:
                return True
            _reap(st.pid)
            time.sleep(0.2)
        try:
            os.killpg(st.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _reap(st.pid)
        return True

    def client(self) -> Galaxy:
        """A client connected as the local user."""
        from .client import Galaxy

        st = self.state()
        if not st or not st.api_key:
            raise LocalGalaxyError("The local Galaxy has not been started: run `galaxy-widgets local start`.")
        return Galaxy(st.url, api_key=st.api_key)


DEMO_HISTORY = "galaxy-widgets demo"
DEMO_WORKFLOWS = Path(__file__).parent / "workflows"
DEMO_TABLES = {
    "genes.tsv": "#gene\tlength\tgc\nBRCA1\t81189\t0.42\nTP53\t19149\t0.48\nEGFR\t188307\t0.44\n"
    "MYC\t5364\t0.55\nKRAS\t45684\t0.39\n",
    "samples.tsv": "#sample\treads\tcondition\nS1\t120000\tcontrol\nS2\t98000\tcontrol\n"
    "S3\t143000\ttreated\nS4\t87000\ttreated\n",
}


def seed_demo(gi: Galaxy, *, wait: bool = False) -> dict[str, Any]:
    """Import the demo workflows and create the demo history once (idempotent)."""
    names = {w.name for w in gi.workflows.list()}
    workflows = []
    for path in sorted(DEMO_WORKFLOWS.glob("*.gxwf.yml")):
        label = next(
            (ln.split(":", 1)[1].strip() for ln in path.read_text().splitlines() if ln.startswith("label:")),
            "",
        )
        if label not in names:
            workflows.append(gi.workflows.import_(path))
    history = next((h for h in gi.histories.list(DEMO_HISTORY) if h.name == DEMO_HISTORY), None)
    upload = None
    if history is None:
        history = gi.histories.create(DEMO_HISTORY)
        upload = gi.uploads.texts(history.id, DEMO_TABLES, ext="tabular", wait=wait)
    return {"history": history, "workflows": workflows, "upload": upload}


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except FileNotFoundError:
        return ""


if __name__ == "__main__":  # pragma: no cover - `python -m galaxy_widgets.local install`
    if sys.argv[1:] == ["install"]:
        install()
