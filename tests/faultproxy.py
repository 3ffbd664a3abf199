"""A TCP proxy on 127.0.0.1 in front of the test Galaxy that injects faults on demand.

- ``cut_after = n``: close the connection carrying byte ``n`` (client to server, counted from when
  it was set) abruptly, once: a dropped connection mid-upload.
- ``rate = b``: forward at most ``b`` bytes/s client to server (time to SIGKILL a client mid-file).
- ``mode = "down"``: every connection is reset (Galaxy unreachable); ``"503"``: every request is
  answered 503 (a failing proxy or server); ``"pass"``: forward.
- ``hold(marker, seconds)``: on a connection whose request contains ``marker``, hold the answer back
  for ``seconds`` (the server did the work; the client times out).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

BLOCK = 1024 * 1024


class FaultProxy:
    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.path = parts.path.rstrip("/")
        self.mode = "pass"
        self.rate: float | None = None
        self.cuts = 0
        self.bytes_up = 0
        self.requests_seen: list[bytes] = []
        self._cut_at: int | None = None
        self._hold: tuple[bytes, float] | None = None
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    @property
    def cut_after(self) -> int | None:
        return None if self._cut_at is None else self._cut_at - self.bytes_up

    @cut_after.setter
    def cut_after(self, n: int | None) -> None:
        with self._lock:
            self._cut_at = None if n is None else self.bytes_up + n

    def hold(self, marker: bytes, seconds: float) -> None:
        self._hold = (marker, seconds)

    def set_mode(self, mode: str) -> None:
        """Switch mode; leaving "pass" resets the open connections too (pooled ones included)."""
        self.mode = mode
        if mode != "pass":
            for conn in list(self._conns):
                _reset(conn)

    def close(self) -> None:
        self._closed = True
        self._server.close()
        for conn in list(self._conns):
            _reset(conn)

    # ------------------------------------------------------------------ plumbing
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self.mode == "down":
                _reset(client)
                continue
            if self.mode == "503":
                threading.Thread(target=self._answer_503, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                _reset(client)
                continue
            self._conns.update((client, upstream))
            state = {"held": False}
            threading.Thread(target=self._up, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client, state), daemon=True).start()

    def _answer_503(self, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            client.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                got = client.recv(65536)
                if not got:
                    break
                data += got
            client.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                b'Content-Length: 30\r\nConnection: close\r\n\r\n{"err_msg": "proxy says 503"}\n'
            )
        _close(client)

    def _up(self, src: socket.socket, dst: socket.socket, state: dict) -> None:
        started = time.monotonic()
        sent_here = 0
        try:
            while True:
                data = src.recv(BLOCK)
                if not data:
                    break
                if self._hold and self._hold[0] in data:
                    state["held"] = True
                if data[:4] in (b"POST", b"PATC", b"HEAD", b"GET ", b"PUT ", b"DELE"):
                    self.requests_seen.append(data.split(b"\r\n", 1)[0])
                with self._lock:
                    cut = self._cut_at is not None and self.bytes_up + len(data) >= self._cut_at
                    if cut:
                        data = data[: max(0, self._cut_at - self.bytes_up)]  # type: ignore[operator]
                        self._cut_at = None
                        self.cuts += 1
                    self.bytes_up += len(data)
                if data:
                    dst.sendall(data)
                if cut:
                    _reset(src)
                    _reset(dst)
                    return
                sent_here += len(data)
                if self.rate:
                    ahead = sent_here / self.rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
        except OSError:
            pass
        _close(src)
        _close(dst)

    def _down(self, src: socket.socket, dst: socket.socket, state: dict) -> None:
        try:
            while True:
                data = src.recv(BLOCK)
                if not data:
                    break
                if state["held"] and self._hold:
                    state["held"] = False
                    time.sleep(self._hold[1])
                    self._hold = None
                dst.sendall(data)
        except OSError:
            pass
        _close(src)
        _close(dst)


def _reset(sock: socket.socket) -> None:
    """Close with RST (the peer sees 'connection reset', as when a network drops)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(sock)


def _close(sock: socket.socket) -> None:
    # shutdown() first: close() alone does not end a connection another thread is blocked on.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
