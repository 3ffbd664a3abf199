"""Files dropped on a widget: received from the browser in chunks, then uploaded in ONE fetch.

The browser asks first (``upload_start`` with names and sizes); files over the limit are refused with
a note pointing to ``%galaxy upload PATH``. Accepted files then come as widget binary buffers, one
chunk of at most ``CHUNK_BYTES`` per ``upload_chunk`` message, each acknowledged before the next is
sent, and each written at once to a temp file of its own: memory stays flat whatever the file size.
When every file of the batch is in, ``send(history_id, paths, names, progress)`` runs in a background thread
(the owner calls ``gi.uploads.files``: TUS, then one ``/api/tools/fetch`` for the whole batch). The
temp files are removed when it returns, and on ``close()``. Nothing with the API key goes to the
browser: it only ever sees names, sizes, states and the hids Galaxy gave.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GalaxyError
from ..records import nice_size

#: Default limit for one dropped file; bigger files go by ``%galaxy upload PATH`` (from the kernel's disk).
DEFAULT_MAX_UPLOAD = 100 * 1024 * 1024
#: Bytes per widget message (the browser reads, sends and waits for the ack one chunk at a time).
#: Browser to kernel, 200 MiB in JupyterLab/Chromium here: 1 MiB 9.9 MiB/s, 4 MiB 19.5, 8 MiB 24.5;
#: 4 MiB stays well under the 10 MiB websocket message limit (tornado's default).
CHUNK_BYTES = 4 * 1024 * 1024
#: Least time between two progress updates sent to the browser while receiving.
PROGRESS_EVERY = 0.2
#: Rows of finished drops kept on show.
KEEP_ROWS = 20
#: ``send(history_id, paths, names, progress) -> [(name, hid)]``; ``progress(file name, sent, total)``.
Sender = Callable[[str, list[Path], list[str], Callable[[str, int, int], None]], Sequence[tuple[str, Any]]]


def too_big_note(names: Sequence[str], limit: int) -> str:
    """The message for files over the drop limit."""
    listed = ", ".join(names)
    return (
        f"{listed}: over the {nice_size(limit)} limit for dropped files. Upload big files from the "
        "kernel instead, e.g. `%galaxy upload PATH` (or raise max_upload=... on the browser)."
    )


def _safe_name(name: str) -> str:
    """A file name for the temp file: no folders, no control characters."""
    base = re.sub(r"[\x00-\x1f/\\]", "_", name).strip()
    return base if base not in ("", ".", "..") else "upload"


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).ext`` etc. when a file of the same drop already has it."""
    stem, dot, ext = name.rpartition(".") if "." in name[1:] else (name, "", "")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    taken.add(candidate)
    return candidate


@dataclass
class _File:
    name: str
    size: int
    path: Path
    received: int = 0
    sent: int = 0
    state: str = "waiting"  # waiting, receiving, uploading, done, error, refused
    message: str = ""
    hid: Any = None


@dataclass
class _Batch:
    id: str
    history_id: str
    files: dict[int, _File]
    folder: Path
    refused: list[dict] = field(default_factory=list)
    last_progress: float = 0.0
    sending: bool = False


class Dropzone:
    """Receives dropped files for one widget (its ``uploads`` and ``upload_note`` traits)."""

    def __init__(self, widget: Any, send: Sender, max_bytes: int = DEFAULT_MAX_UPLOAD) -> None:
        if max_bytes <= 0:
            raise TypeError(f"max_upload must be a positive number of bytes, not {max_bytes!r}.")
        self.widget = widget
        self.max_bytes = max_bytes
        self._send = send
        self._batches: dict[str, _Batch] = {}
        self._done_rows: list[dict] = []  # rows of finished drops, newest last (at most KEEP_ROWS)
        self._lock = threading.RLock()
        self.threads: list[threading.Thread] = []
        widget.max_upload_bytes = max_bytes

    # ------------------------------------------------------------------ messages from the browser
    def handle(self, content: dict, buffers: Sequence[Any]) -> bool:
        """Handle an upload message; False if it is not one."""
        action = content.get("action")
        if action == "upload_start":
            self.start(str(content.get("batch", "")), content.get("files") or [])
        elif action == "upload_chunk":
            self.chunk(
                str(content.get("batch", "")),
                int(content.get("index", -1)),
                int(content.get("offset", -1)),
                buffers,
            )
        elif action == "upload_cancel":
            why = str(content.get("reason") or "cancelled in the browser")[:300]
            self.cancel(str(content.get("batch", "")), f"{why}; drop it again.")
        else:
            return False
        return True

    def start(self, batch_id: str, files: Sequence[dict]) -> None:
        """A drop: accept the files under the limit, refuse the others with a note."""
        w = self.widget
        if not batch_id or batch_id in self._batches:
            self._reply({"event": "upload_refused", "batch": batch_id, "message": "bad or repeated batch id"})
            return
        if not w.history_id:
            w.upload_note = "Choose a history first: dropped files go into the history shown."
            self._reply({"event": "upload_refused", "batch": batch_id, "message": w.upload_note})
            return
        folder = Path(tempfile.mkdtemp(prefix="gw-drop-"))  # 0700
        batch = _Batch(batch_id, w.history_id, {}, folder)
        big, folders = [], []
        taken: set[str] = set()
        for index, spec in enumerate(files):
            name, size = _unique(str(spec.get("name") or "upload"), taken), int(spec.get("size") or 0)
            if spec.get("folder"):
                folders.append(name)
                batch.refused.append({"name": name, "size": 0, "why": "a folder"})
                continue
            if size > self.max_bytes or size < 0:
                big.append(f"{name} ({nice_size(size)})")
                batch.refused.append({"name": name, "size": size, "why": "over the size limit"})
                continue
            path = folder / str(index) / _safe_name(name)
            path.parent.mkdir()
            path.touch()
            batch.files[index] = _File(name, size, path)
        with self._lock:
            self._batches[batch_id] = batch
        notes = [too_big_note(big, self.max_bytes)] if big else []
        if folders:
            notes.append(
                f"{', '.join(folders)}: a folder; drop the files in it "
                "(or `%galaxy upload DIR/*` from the kernel)."
            )
        w.upload_note = "\n".join(notes)
        self._show()
        if not batch.files:
            self._drop(batch_id)
            self._reply({"event": "upload_refused", "batch": batch_id, "message": w.upload_note})
            return
        self._reply(
            {
                "event": "upload_accept",
                "batch": batch_id,
                "accepted": sorted(batch.files),
                "chunk": CHUNK_BYTES,
            }
        )
        self._maybe_send(batch)  # a batch of empty files is complete at once

    def chunk(self, batch_id: str, index: int, offset: int, buffers: Sequence[Any]) -> None:
        """One chunk of one file, written at once to its temp file; acknowledged (or the batch stops)."""
        batch = self._batches.get(batch_id)
        f = batch.files.get(index) if batch else None
        if batch is None or f is None:
            self._reply(
                {"event": "upload_error", "batch": batch_id, "message": "no such upload (cancelled?)"}
            )
            return
        data = memoryview(buffers[0]).cast("B") if buffers else memoryview(b"")
        problem = ""
        if offset != f.received:
            problem = f"chunk at byte {offset} arrived, byte {f.received} expected"
        elif not len(data) or len(data) > CHUNK_BYTES:
            problem = f"a chunk of {len(data)} bytes (1 to {CHUNK_BYTES} expected)"
        elif f.received + len(data) > f.size:
            problem = f"more bytes than the {f.size} announced"
        if problem:
            self.cancel(batch_id, f"{f.name}: {problem}; drop it again.")
            return
        with f.path.open("r+b") as out:
            out.seek(offset)
            out.write(data)
        f.received += len(data)
        f.state = "receiving" if f.received < f.size else "received"
        self._reply({"event": "upload_ack", "batch": batch_id, "index": index, "received": f.received})
        now = time.monotonic()
        if f.received == f.size or now - batch.last_progress >= PROGRESS_EVERY:
            batch.last_progress = now
            self._show()
        self._maybe_send(batch)

    def cancel(self, batch_id: str, why: str) -> None:
        batch = self._batches.get(batch_id)
        if batch is None:
            return
        for f in batch.files.values():
            if f.state not in ("done", "error"):
                f.state, f.message = "error", why
        self._drop(batch_id)
        self._reply({"event": "upload_error", "batch": batch_id, "message": why})

    def close(self) -> None:
        """Forget unfinished drops and remove their temp files."""
        for batch_id in list(self._batches):
            self._drop(batch_id)

    # ------------------------------------------------------------------ to Galaxy
    def _maybe_send(self, batch: _Batch) -> None:
        if any(f.received < f.size for f in batch.files.values()):
            return
        with self._lock:
            if self._batches.get(batch.id) is not batch or batch.sending:
                return
            batch.sending = True
        for f in batch.files.values():
            f.state = "uploading"
        self._show()
        thread = threading.Thread(
            target=self._upload, args=(batch,), name="galaxy-widgets drop upload", daemon=True
        )
        self.threads.append(thread)
        thread.start()

    def _upload(self, batch: _Batch) -> None:
        files = [batch.files[i] for i in sorted(batch.files)]
        by_name = {f.path.name: f for f in files}

        def progress(name: str, sent: int, total: int) -> None:
            f = by_name.get(name)
            if f is not None:
                f.sent = sent
                now = time.monotonic()
                if sent >= total or now - batch.last_progress >= PROGRESS_EVERY:
                    batch.last_progress = now
                    self._show()

        try:
            made = self._send(batch.history_id, [f.path for f in files], [f.name for f in files], progress)
        except GalaxyError as exc:
            for f in files:
                f.state, f.message = "error", str(exc)
        except Exception as exc:  # a thread has no one else to tell
            for f in files:
                f.state, f.message = "error", f"{type(exc).__name__}: {exc}"
        else:
            hids = dict(made)
            for f in files:
                f.state, f.sent, f.hid = "done", f.size, hids.get(f.name)
        finally:
            self._drop(batch.id)

    # ------------------------------------------------------------------ state
    def _drop(self, batch_id: str) -> None:
        """End a batch: remove its temp files, keep its rows on show as finished."""
        with self._lock:
            batch = self._batches.pop(batch_id, None)
            if batch is None:
                return
            self._done_rows = [*self._done_rows, *self._rows(batch)][-KEEP_ROWS:]
        shutil.rmtree(batch.folder, ignore_errors=True)
        self._show()

    def _rows(self, batch: _Batch) -> list[dict]:
        rows = [
            {
                "batch": batch.id,
                "index": i,
                "name": f.name,
                "size": f.size,
                "size_text": nice_size(f.size),
                "received": f.received,
                "sent": f.sent,
                "state": f.state,
                "message": f.message,
                "hid": f.hid,
            }
            for i, f in sorted(batch.files.items())
        ]
        rows += [
            {
                "batch": batch.id,
                "index": -1,
                "name": r["name"],
                "size": r["size"],
                "size_text": nice_size(r["size"]),
                "received": 0,
                "sent": 0,
                "state": "refused",
                "message": r["why"],
                "hid": None,
            }
            for r in batch.refused
        ]
        return rows

    def _show(self) -> None:
        with self._lock:
            self.widget.uploads = [
                *self._done_rows,
                *(r for b in self._batches.values() for r in self._rows(b)),
            ]

    def _reply(self, content: dict) -> None:
        self.widget.send(content)
