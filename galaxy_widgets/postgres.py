"""A private PostgreSQL cluster for the production-like local Galaxy (Debian's ``postgresql``).

The cluster listens on a unix socket only (no TCP port), in a directory only its owner can enter,
with ``trust`` auth: whoever can reach the socket file may connect, and that is its owner (and root).
PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user and lives
under ``/var/lib/postgresql/galaxy-widgets/`` (the local Galaxy's own data dir is 0700 root).
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
from pathlib import Path

DB_NAME = "galaxy"
#: Celery's broker and results: a database of their own, so that the worker, starting beside the web
#: server, never creates its tables in Galaxy's database before Galaxy's migrations have run.
CELERY_DB = "galaxy_celery"
DB_USER = "galaxy"
PORT = 5432  # only names the socket file: the cluster has no TCP listener
PG_ROOT = Path("/usr/lib/postgresql")
ROOT_CLUSTERS = Path("/var/lib/postgresql/galaxy-widgets")


class PostgresError(RuntimeError):
    """The private PostgreSQL cluster could not be set up, started or stopped."""


def bin_dir() -> Path:
    """Debian's newest installed PostgreSQL server binaries."""
    found = sorted(PG_ROOT.glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise PostgresError(
            "PostgreSQL is not installed: run `apt-get install postgresql` (Debian/Ubuntu), then try again."
        )
    return found[-1].parent


class Cluster:
    """One private cluster for one local Galaxy (``data_dir`` is that Galaxy's data dir)."""

    def __init__(self, data_dir: Path) -> None:
        self.as_root = os.geteuid() == 0
        if self.as_root:
            digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
            self.dir = ROOT_CLUSTERS / digest
        else:
            self.dir = data_dir / "postgres"
        self.pgdata = self.dir / "data"
        self.socket_dir = self.dir / "socket"
        self.log_file = self.dir / "postgres.log"

    def __repr__(self) -> str:
        return f"Cluster({str(self.dir)!r})"

    def url(self, db: str = DB_NAME) -> str:
        """The SQLAlchemy URL (psycopg2) of one of the cluster's databases, over the unix socket."""
        return f"postgresql://{DB_USER}@/{db}?host={self.socket_dir}&port={PORT}"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(bin_dir() / argv[0]), *argv[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
        if proc.returncode != 0:
            raise PostgresError(
                f"{argv[0]} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}"
            )
        return proc

    def _make_dirs(self) -> None:
        if self.as_root:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresError(
                    "No `postgres` user: run `apt-get install postgresql`, then try again."
                ) from None
            for d in (ROOT_CLUSTERS, self.dir):
                d.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chown(d, pw.pw_uid, pw.pw_gid)
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def is_running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists() and (self.socket_dir / f".s.PGSQL.{PORT}").exists()

    def start(self) -> str:
        """Create the cluster and its databases if needed, start it; returns Galaxy's database URL."""
        if not (self.pgdata / "PG_VERSION").exists():
            self._make_dirs()
            self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                DB_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
            conf = (
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "unix_socket_permissions = 0700\n"
                f"port = {PORT}\n"
                "max_connections = 100\n"
                "fsync = on\n"
            )
            (self.pgdata / "postgresql.auto.conf").write_text(conf)
            if self.as_root:
                shutil.chown(self.pgdata / "postgresql.auto.conf", "postgres", "postgres")
        if not self.socket_dir.exists():
            self.socket_dir.mkdir(mode=0o700)
            if self.as_root:
                shutil.chown(self.socket_dir, "postgres", "postgres")
        if not self.is_running():
            self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_file), "-w", "-t", "60", "start")
        sock = f"--host={self.socket_dir}"
        for db in (DB_NAME, CELERY_DB):
            query = f"SELECT 1 FROM pg_database WHERE datname = '{db}'"
            found = self._run("psql", sock, f"--port={PORT}", "-U", DB_USER, "-d", "postgres", "-Atc", query)
            if found.stdout.strip() != "1":
                self._run("createdb", sock, f"--port={PORT}", "-U", DB_USER, db)
        return self.url()

    def stop(self) -> bool:
        """Stop the cluster (fast shutdown); True if it was running."""
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")
        return True

    def remove(self) -> None:
        """Stop the cluster and delete its files."""
        if self.pgdata.exists():
            try:
                self.stop()
            except PostgresError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
