"""A private Apache (Debian's apache2) in front of a Galaxy: ``/galaxy`` proxied, TLS from a test CA.

Nothing of the system service is used: its own ServerRoot, config, PidFile and logs in a temp dir,
listening on 127.0.0.1 only. The config follows Galaxy's proxy docs (mod_proxy + mod_proxy_http,
``ProxyPass``/``ProxyPassReverse`` for the prefix, the scheme forwarded in a header), plus what a
large TUS upload needs: no request body limit and a long proxy timeout.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
NEEDED = ("mod_mpm_event", "mod_authz_core", "mod_proxy", "mod_proxy_http", "mod_ssl", "mod_headers")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@dataclass(frozen=True)
class TestCA:
    """A private CA and a server certificate it signed for 127.0.0.1 and localhost."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


def make_ca(directory: Path, name: str = "gw-test-ca") -> TestCA:
    """A CA (key + self-signed cert) and a server cert with subjectAltName IP:127.0.0.1, DNS:localhost."""
    d = directory
    d.mkdir(parents=True, exist_ok=True)
    ca_ext = [
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]
    new_key = ["-newkey", "rsa:2048", "-nodes"]
    _openssl("req", "-x509", *new_key, "-days", "2", "-subj", f"/CN={name}", *ca_ext,
             "-keyout", "ca.key", "-out", "ca.pem", cwd=d)  # fmt: skip
    _openssl("req", *new_key, "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr", cwd=d)
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
    )
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", "server.ext", "-out", "server.pem", cwd=d)  # fmt: skip
    return TestCA(d / "ca.pem", d / "server.pem", d / "server.key")


CONFIG = """\
ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{root}/apache2.pid"
ErrorLog "{root}/logs/error.log"
LogLevel warn
# bytes sent, microseconds taken, bytes received (mod_logio)
LogFormat "%h %t \\"%r\\" %>s %B %D %I" timed
CustomLog "{root}/logs/access.log" timed
Mutex file:{root}
DefaultRuntimeDir "{root}"
{modules}
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32

SSLEngine on
SSLCertificateFile "{cert}"
SSLCertificateKeyFile "{key}"
SSLSessionCache none

# Galaxy's proxy docs: the app is served under the same prefix, so the path passes unchanged
ProxyRequests Off
ProxyPreserveHost On
RequestHeader set X-Forwarded-Proto "https"
# a 100 MB TUS upload: no body limit, and time for Galaxy to take each chunk
LimitRequestBody 0
ProxyTimeout 600
Timeout 600
<Location "/galaxy">
    ProxyPass "{upstream}" retry=0
    ProxyPassReverse "{upstream}"
</Location>
"""


class Apache:
    """``Apache(upstream, workdir).start()`` -> ``https://127.0.0.1:PORT/galaxy``; ``stop()`` ends it."""

    def __init__(self, upstream: str, workdir: Path, ca: TestCA) -> None:
        self.upstream = upstream.rstrip("/")
        self.root = workdir
        self.ca = ca
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None
        self.start_seconds = 0.0

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/galaxy"

    @property
    def conf(self) -> Path:
        return self.root / "apache2.conf"

    def write_config(self) -> Path:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        modules = "\n".join(f"LoadModule {m[4:]}_module {MODULES / (m + '.so')}" for m in NEEDED)
        self.conf.write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                modules=modules,
                cert=self.ca.server_cert,
                key=self.ca.server_key,
                upstream=self.upstream,
            )
        )
        return self.conf

    def start(self, timeout: float = 30.0) -> str:
        self.write_config()
        check = subprocess.run([APACHE, "-t", "-f", str(self.conf)], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"apache2 config test failed: {check.stderr.strip()}")
        started = time.monotonic()
        # -DFOREGROUND: our child, stopped by its pid; never the system service
        self.proc = subprocess.Popen(
            [APACHE, "-f", str(self.conf), "-DFOREGROUND"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "logs" / "stderr.log", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"apache2 exited: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    self.start_seconds = time.monotonic() - started
                    return self.url
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"apache2 did not listen on {self.port} in {timeout:g} s: {self.log_tail()}")

    def log_tail(self, n: int = 20) -> str:
        lines: list[str] = []
        for name in ("stderr.log", "error.log"):
            p = self.root / "logs" / name
            if p.exists():
                lines += p.read_text(errors="replace").splitlines()[-n:]
        return "\n".join(lines)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # SIGTERM to the parent: apache stops its children
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    @staticmethod
    def binary() -> str:
        return APACHE

    @staticmethod
    def version() -> str:
        out = subprocess.run([APACHE, "-v"], capture_output=True, text=True).stdout
        return out.splitlines()[0].split(":", 1)[1].strip() if out else "unknown"
