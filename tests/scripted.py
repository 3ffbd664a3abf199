"""A scripted HTTP server on 127.0.0.1 that plays a misbehaving Galaxy, proxy or stranger.

Each request takes the next action of the script (the last one repeats) and is recorded with its
headers, so a test can see exactly what reached which port. ``("proxy", url)`` forwards the request
to a real Galaxy (``("proxy_then_reset", url)`` forwards it, then drops the answer).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Script:
    """Actions to play, in order; the last one repeats. ``seen`` holds (method, path, headers)."""

    def __init__(self, *actions: tuple) -> None:
        self.actions: list[tuple] = list(actions)
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.url = ""
        self.port = 0

    def next(self) -> tuple:
        return self.actions.pop(0) if len(self.actions) > 1 else self.actions[0]

    def headers_seen(self) -> list[dict[str, str]]:
        return [{k.lower(): v for k, v in h.items()} for _, _, h in self.seen]


class _Handler(BaseHTTPRequestHandler):
    script: Script
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _play(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        self.script.seen.append((self.command, self.path, dict(self.headers)))
        action = self.script.next()
        kind = action[0]
        if kind == "reset":  # RST instead of an answer
            self._reset()
        elif kind == "reset_mid":  # headers and part of the body, then RST
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"partial": ')
            self.wfile.flush()
            self._reset()
        elif kind == "short":  # announce more bytes than are sent, then hang up
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(action[1]))
            self.end_headers()
            self.wfile.write(b"[" + b" " * (action[2] - 1))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif kind == "slow":  # ("slow", seconds, status, body): answer JSON after a pause
            time.sleep(action[1])
            self._send(action[2], json.dumps(action[3]).encode(), "application/json")
        elif kind == "redirect":
            self._send(action[1], b"", "text/plain", {"Location": action[2]})
        elif kind == "html":
            self._send(action[1], action[2].encode(), "text/html; charset=utf-8")
        elif kind == "text":
            self._send(action[1], action[2].encode(), action[3] if len(action) > 3 else "text/plain")
        elif kind in ("proxy", "proxy_then_reset"):
            import requests

            headers = {
                k: v for k, v in self.headers.items() if k.lower() in ("x-api-key", "content-type", "accept")
            }
            resp = requests.request(
                self.command, action[1] + self.path, data=payload, headers=headers, timeout=60
            )
            if kind == "proxy_then_reset":
                self._reset()
            else:
                self._send(
                    resp.status_code, resp.content, resp.headers.get("Content-Type", "application/json")
                )
        else:  # ("json", status, body)
            self._send(action[1], json.dumps(action[2]).encode(), "application/json")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _play


@contextmanager
def scripted(*actions: tuple) -> Iterator[Script]:
    """A server on a free 127.0.0.1 port playing ``actions``; ``script.url`` is its base URL."""
    script = Script(*actions)
    handler = type("H", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script.port = server.server_address[1]
    script.url = f"http://127.0.0.1:{script.port}"
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for 'unreachable' cases)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
