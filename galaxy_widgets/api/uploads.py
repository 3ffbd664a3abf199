"""Uploads: files by TUS resumable upload, pasted text and bytes, URLs; many in one fetch job.

TUS (https://tus.io) goes through the client's one session and request choke point. A file is sent
in ``chunk_size`` PATCH requests streamed from disk in 1 MiB blocks (memory stays bounded whatever
the chunk size). After a dropped connection, a timeout, a 5xx or an offset conflict the upload asks
the server for its offset (``HEAD``) and continues from there; ``on_offset`` reports the session id
and offset after every chunk so a caller can keep them (the watcher's ledger) and resume in another
process with ``tus(path, session_id=...)``.

Galaxy's TUS server (tuspyserver) answers that ``HEAD`` with 400 unless the upload was created with
both ``filename`` and ``filetype`` in ``Upload-Metadata``; tuspy sent ``filename`` only, which is why
resume used to fail. Every upload here declares both.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import GalaxyAPIError, GalaxyConnectionError, GalaxyError
from ..records import Collection, Dataset
from ._base import Resource
from .wait import pause_before_retry

#: Default PATCH size. In bench/bench_upload_tus.py (1 GB, busy 2-core host) 8 and 16 MiB ran at 0.4x
#: and 0.5x one raw PATCH, 32 MiB and up at par with it; 64 MiB keeps that margin while a cut
#: resends at most 64 MiB. Memory does not grow with it (the body is streamed from disk).
TUS_CHUNK = 64 * 1024 * 1024
TUS_BLOCK = 1024 * 1024  # bytes read from disk per socket write
TUS_PATH = "upload/resumable_upload"
TUS_HEADERS = {"Tus-Resumable": "1.0.0"}
#: ``progress(name, sent_bytes, total_bytes)`` during a file upload.
UploadProgress = Callable[[str, int, int], None]
#: ``on_offset(session_id, offset, size)`` after the session is made and after every chunk.
OffsetCallback = Callable[[str, int, int], None]


class TusSessionGone(GalaxyError):
    """The server no longer has this TUS session (expired, consumed, or never existed)."""


class _Window:
    """``length`` bytes of a binary stream from its current position, read in blocks.

    Has ``__len__`` (so requests sends a Content-Length) and ``read``; no ``tell``/``fileno`` so
    requests does not second-guess the length.
    """

    def __init__(self, stream: IO[bytes], length: int) -> None:
        self._stream = stream
        self._left = length
        self._length = length

    def __len__(self) -> int:
        return self._length

    def read(self, _size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        block = self._stream.read(min(TUS_BLOCK, self._left))
        if not block:
            raise GalaxyError("The file got shorter while it was being uploaded; upload it again.")
        self._left -= len(block)
        return block


@dataclass(frozen=True)
class UploadResult:
    """What one ``/api/tools/fetch`` request created (one job for all of it)."""

    datasets: list[Dataset]
    collections: list[Collection]
    job_ids: list[str]
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def dataset(self) -> Dataset:
        if len(self.datasets) != 1:
            raise GalaxyError(f"This upload made {len(self.datasets)} datasets; use .datasets.")
        return self.datasets[0]

    @property
    def collection(self) -> Collection:
        if len(self.collections) != 1:
            raise GalaxyError(f"This upload made {len(self.collections)} collections; use .collections.")
        return self.collections[0]


def _metadata(**items: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode('ascii')}" for k, v in items.items())


class Uploads(Resource):
    # -- TUS building blocks
    def tus_create(self, size: int, name: str) -> str:
        """Open a TUS session for ``size`` bytes; return its id (the last segment of Location)."""
        headers = {
            **TUS_HEADERS,
            "Upload-Length": str(size),
            "Upload-Metadata": _metadata(filename=name, filetype="application/octet-stream"),
        }
        resp = self._gi.request("POST", TUS_PATH, headers=headers, raw=True, what="Upload session")
        location = resp.headers.get("Location", "")
        if not location:
            raise GalaxyError(f"Galaxy opened no TUS session for {name!r} (no Location header).")
        return location.rstrip("/").rsplit("/", 1)[-1]

    def tus_offset(self, session_id: str) -> tuple[int, int]:
        """``(offset, size)`` of a TUS session as the server has it; TusSessionGone if it is gone."""
        try:
            resp = self._gi.request(
                "HEAD", f"{TUS_PATH}/{session_id}", headers=TUS_HEADERS, raw=True, what="Upload session"
            )
        except GalaxyAPIError as exc:
            if exc.status in (404, 410):
                raise TusSessionGone(f"Upload session {session_id} is gone from the server.") from None
            raise
        return int(resp.headers["Upload-Offset"]), int(resp.headers.get("Upload-Length", -1))

    def tus(
        self,
        source: str | os.PathLike[str] | bytes | IO[bytes],
        *,
        name: str = "upload",
        progress: UploadProgress | None = None,
        chunk_size: int = TUS_CHUNK,
        session_id: str | None = None,
        on_offset: OffsetCallback | None = None,
        retries: int = 5,
        retry_delay: float = 1.0,
    ) -> str:
        """Send a file (path, bytes or seekable binary stream) by TUS; return the session id.

        With ``session_id`` an earlier upload of the same file continues from the server's offset
        (a new session is opened if that one is gone or has another size). A dropped connection,
        timeout, 5xx or offset conflict is retried up to ``retries`` times in a row, each time
        from the offset the server reports.
        """
        if chunk_size < 1:
            raise GalaxyError(f"chunk_size must be a positive number of bytes, not {chunk_size}.")
        opened: IO[bytes] | None = None
        if isinstance(source, bytes):
            stream: IO[bytes] = io.BytesIO(source)
        elif isinstance(source, str | os.PathLike):
            path = Path(source)
            if not path.is_file():
                raise GalaxyError(f"No file at {path}; check the path.")
            name = name if name != "upload" else path.name
            stream = opened = path.open("rb")
        else:
            stream = source
        try:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            offset = 0
            if session_id:
                try:
                    offset, known = self.tus_offset(session_id)
                    if known != size or offset > size:
                        session_id = None
                except TusSessionGone:
                    session_id = None
            if not session_id:
                session_id, offset = self.tus_create(size, name), 0
            if on_offset:
                on_offset(session_id, offset, size)
            if progress:
                progress(name, offset, size)
            failures = 0
            while offset < size:
                length = min(chunk_size, size - offset)
                stream.seek(offset)
                try:
                    resp = self._gi.request(
                        "PATCH",
                        f"{TUS_PATH}/{session_id}",
                        data=_Window(stream, length),
                        headers={
                            **TUS_HEADERS,
                            "Upload-Offset": str(offset),
                            "Content-Type": "application/offset+octet-stream",
                            # Galaxy 25.0 writes a body after its 204 and then drops the connection:
                            # a request reusing it would be reset (a POST is never resent).
                            "Connection": "close",
                        },
                        raw=True,
                        what=f"Upload of {name!r}",
                    )
                    offset = int(resp.headers["Upload-Offset"])
                    failures = 0
                except (GalaxyConnectionError, GalaxyAPIError) as exc:
                    conflict = isinstance(exc, GalaxyAPIError) and exc.status == 409
                    if isinstance(exc, GalaxyAPIError) and not conflict and exc.status < 500:
                        raise  # refused (404 gone, 413 too big, 403 ...): retrying will not help
                    failures += 1
                    if failures > retries:
                        raise GalaxyConnectionError(
                            f"Upload of {name!r} stopped at byte {offset:,} of {size:,} after {retries} "
                            f"retries ({exc}); call again with session_id={session_id!r} to continue."
                        ) from None
                    pause_before_retry(failures - 1, retry_delay, 30)
                    offset = self._offset_after_failure(session_id, offset, name)
                if on_offset:
                    on_offset(session_id, offset, size)
                if progress:
                    progress(name, offset, size)
            # Ask the server once more (a HEAD, retried on a proxy's 502): Galaxy 25.0 drops the
            # connection after each PATCH, a proxy pooling its connections to Galaxy (Apache) may send
            # the next request down the dead one, and the fetch POST that follows would get a 502
            # that is never resent. It also confirms that the server holds every byte.
            held = self.tus_offset(session_id)[0]
            if held != size:
                raise GalaxyConnectionError(
                    f"Upload of {name!r}: the server holds {held:,} of {size:,} bytes; call again with "
                    f"session_id={session_id!r} to continue."
                )
        finally:
            if opened is not None:
                opened.close()
        return session_id

    def _offset_after_failure(self, session_id: str, offset: int, name: str) -> int:
        """The server's offset after a failed PATCH (the old one if the server is unreachable)."""
        try:
            return self.tus_offset(session_id)[0]
        except TusSessionGone:
            raise TusSessionGone(f"Upload of {name!r}: the server dropped its session; start over.") from None
        except (GalaxyConnectionError, GalaxyAPIError):
            return offset

    def fetch(
        self,
        history_id: str,
        elements: Sequence[Mapping[str, Any]],
        *,
        collection_type: str | None = None,
        collection_name: str | None = None,
        files: Sequence[Mapping[str, str]] = (),
        dbkey: str | None = None,
        wait: bool = False,
        timeout: float | None = 600,
    ) -> UploadResult:
        """One ``/api/tools/fetch`` request (one Galaxy job) creating all ``elements``.

        Elements are fetch-API dicts (``src`` pasted/url/files, ``name``, ``ext``, nested
        ``elements`` for ``list:paired``). With ``collection_type`` they become one collection.
        ``dbkey`` sets the genome build (e.g. ``"hg38"``) of every dataset made.
        """
        if dbkey:
            elements = [_with_dbkey(e, dbkey) for e in elements]
        if collection_type:
            target: dict[str, Any] = {
                "destination": {"type": "hdca"},
                "collection_type": collection_type,
                "name": collection_name or "collection",
                "elements": list(elements),
            }
        else:
            target = {"destination": {"type": "hdas"}, "elements": list(elements)}
        payload: dict[str, Any] = {"history_id": history_id, "targets": [target]}
        for i, f in enumerate(files):
            payload[f"files_{i}|file_data"] = dict(f)
        # Galaxy creates every dataset before it answers: allow time in proportion (never resent).
        n_items = sum(len(e.get("elements") or ()) or 1 for e in elements)
        data = self._gi.post(
            "tools/fetch", json=payload, what="Upload", timeout=max(self._gi.timeout, 30 + 0.5 * n_items)
        )
        result = UploadResult(
            datasets=[Dataset.from_api(o) for o in data.get("outputs") or () if "collection_type" not in o],
            collections=[Collection.from_api(c) for c in data.get("output_collections") or ()],
            job_ids=[j["id"] for j in data.get("jobs") or ()],
            raw=data,
        )
        return self.wait(result, timeout=timeout) if wait else result

    def wait(self, result: UploadResult, *, timeout: float | None = 600) -> UploadResult:
        """Wait for the upload job(s), then return the datasets and collections as they are now."""
        for job_id in result.job_ids:
            self._gi.jobs.wait(job_id, timeout=timeout)
        datasets = [self._gi.datasets.wait(d.id, timeout=timeout) for d in result.datasets]
        collections = [self._gi.collections.wait(c.id, timeout=timeout) for c in result.collections]
        return UploadResult(datasets, collections, result.job_ids, result.raw)

    # -- what users call
    def files(
        self,
        history_id: str,
        paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str] | Mapping[str, Any],
        *,
        ext: str = "auto",
        names: Sequence[str] | None = None,
        collection_type: str | None = None,
        collection_name: str | None = None,
        progress: UploadProgress | None = None,
        dbkey: str | None = None,
        chunk_size: int = TUS_CHUNK,
        wait: bool = False,
        timeout: float | None = 600,
    ) -> UploadResult:
        """Upload local files by TUS, then create them all in ONE fetch request (one job).

        ``paths`` is a path, a list of paths, or samples as :func:`galaxy_widgets.pairing.pair`
        gives them: ``{identifier: path}`` (a ``list``) or ``{identifier: {"forward": p, "reverse":
        p}}`` (a ``list:paired``); a mapping is always one collection (its type found from its
        shape unless given). With a list of paths, ``collection_type="list"`` (or ``"paired"``: two
        files, forward then reverse) makes one collection named ``collection_name``.
        """
        if isinstance(paths, Mapping):
            from ..pairing import collection_type as shape

            grouped: dict[str, Any] = dict(paths)
            if not grouped:
                raise GalaxyError("No files to upload.")
            collection_type = collection_type or shape(grouped)
        else:
            if isinstance(paths, str | os.PathLike):
                paths = [paths]
            listed = [Path(p) for p in paths]
            if not listed:
                raise GalaxyError("No files to upload.")
            ids = list(names) if names else [p.name for p in listed]
            if collection_type == "paired":
                if len(listed) != 2:
                    raise GalaxyError("A paired collection takes exactly two files: forward, then reverse.")
                ids = ["forward", "reverse"]
            grouped = dict(zip(ids, listed, strict=True))
            if len(grouped) != len(listed):
                raise GalaxyError("Two files have the same name; give distinct names=[...].")
        local = [Path(p) for p in leaf_paths(grouped)]
        folders = [str(p) for p in local if p.is_dir()]
        if folders:
            raise GalaxyError(f"{', '.join(folders)}: a folder; upload the files in it (e.g. its glob('*')).")
        missing = [str(p) for p in local if not p.is_file()]
        if missing:
            raise GalaxyError(f"No such file(s): {', '.join(missing)}.")
        sessions = {str(p): self.tus(p, name=p.name, progress=progress, chunk_size=chunk_size) for p in local}
        elements, files = file_elements(grouped, sessions, ext=ext)
        return self.fetch(
            history_id,
            elements,
            collection_type=collection_type,
            collection_name=collection_name,
            files=files,
            dbkey=dbkey,
            wait=wait,
            timeout=timeout,
        )

    def paste(
        self,
        history_id: str,
        content: str | bytes,
        *,
        name: str = "pasted",
        ext: str = "auto",
        dbkey: str | None = None,
        wait: bool = False,
        timeout: float | None = 600,
    ) -> Dataset:
        """Create one dataset from text (pasted) or bytes (sent by TUS)."""
        if isinstance(content, bytes):
            session_id = self.tus(content, name=name)
            element = {"src": "files", "ext": ext, "name": name, "dbkey": "?"}
            files = [{"session_id": session_id, "name": name}]
        elif isinstance(content, str):
            element = {"src": "pasted", "paste_content": content, "ext": ext, "name": name, "dbkey": "?"}
            files = []
        else:
            raise GalaxyError(f"paste() takes str or bytes, not {type(content).__name__}.")
        return self.fetch(history_id, [element], files=files, dbkey=dbkey, wait=wait, timeout=timeout).dataset

    def texts(
        self,
        history_id: str,
        contents: Mapping[str, str],
        *,
        ext: str = "auto",
        collection_type: str | None = None,
        collection_name: str | None = None,
        wait: bool = False,
        timeout: float | None = 600,
    ) -> UploadResult:
        """Many pasted texts (name -> text) in ONE request, optionally as one collection."""
        elements = [
            {"src": "pasted", "paste_content": text, "ext": ext, "name": name, "dbkey": "?"}
            for name, text in contents.items()
        ]
        return self.fetch(
            history_id,
            elements,
            collection_type=collection_type,
            collection_name=collection_name,
            wait=wait,
            timeout=timeout,
        )

    def urls(
        self,
        history_id: str,
        urls: Sequence[str] | str,
        *,
        ext: str = "auto",
        names: Sequence[str] | None = None,
        collection_type: str | None = None,
        collection_name: str | None = None,
        wait: bool = False,
        timeout: float | None = 600,
    ) -> UploadResult:
        """Have Galaxy fetch URLs itself (no bytes pass through the notebook)."""
        urls = [urls] if isinstance(urls, str) else list(urls)
        names = list(names) if names else [u.rstrip("/").rsplit("/", 1)[-1] or "download" for u in urls]
        elements = [
            {"src": "url", "url": u, "ext": ext, "name": n, "dbkey": "?"}
            for u, n in zip(urls, names, strict=True)
        ]
        return self.fetch(
            history_id,
            elements,
            collection_type=collection_type,
            collection_name=collection_name,
            wait=wait,
            timeout=timeout,
        )


def leaf_paths(grouped: Mapping[str, Any]) -> list[str | os.PathLike[str]]:
    """The file paths of ``{id: path}`` or ``{id: {"forward": p, "reverse": p}}``, in order."""
    out: list[str | os.PathLike[str]] = []
    for value in grouped.values():
        if isinstance(value, Mapping):
            out.extend(leaf_paths(value))
        else:
            out.append(value)
    return out


def file_elements(
    grouped: Mapping[str, Any], sessions: Mapping[str, str], *, ext: str = "auto"
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Fetch-API ``elements`` and ``files`` for uploaded TUS sessions, nested like ``grouped``.

    ``sessions`` maps ``str(path)`` to its TUS session id. Galaxy pairs ``src: files`` elements
    with ``files_<i>`` in depth-first order, which is the order built here.
    """
    files: list[dict[str, str]] = []

    def build(tree: Mapping[str, Any]) -> list[dict[str, Any]]:
        elements: list[dict[str, Any]] = []
        for identifier, value in tree.items():
            if isinstance(value, Mapping):
                elements.append({"name": identifier, "elements": build(value)})
                continue
            path = Path(value)
            try:
                session_id = sessions[str(path)]
            except KeyError:
                raise GalaxyError(f"{path} was not uploaded (no TUS session for it).") from None
            files.append({"session_id": session_id, "name": path.name})
            elements.append({"src": "files", "ext": ext, "name": identifier, "dbkey": "?"})
        return elements

    return build(grouped), files


def _with_dbkey(element: Mapping[str, Any], dbkey: str) -> dict[str, Any]:
    """A fetch element (and its nested elements) with the genome build set."""
    if element.get("elements"):
        return {**element, "elements": [_with_dbkey(e, dbkey) for e in element["elements"]]}
    return {**element, "dbkey": dbkey}
