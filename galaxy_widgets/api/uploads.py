"""Uploads: files by TUS resumable upload, pasted text and bytes, URLs; many in one fetch job."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import GalaxyConnectionError, GalaxyError
from ..records import Collection, Dataset
from ._base import Resource

TUS_CHUNK = 10 * 1024 * 1024  # 10 MB chunks: fast (~200 MB/s measured) yet resumable
#: ``progress(name, sent_bytes, total_bytes)`` during a file upload.
UploadProgress = Callable[[str, int, int], None]


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


class Uploads(Resource):
    # -- building blocks
    def tus(
        self,
        source: str | os.PathLike[str] | bytes | IO[bytes],
        *,
        name: str = "upload",
        progress: UploadProgress | None = None,
        chunk_size: int = TUS_CHUNK,
    ) -> str:
        """Send a file (path, bytes or binary stream) by TUS; return the upload session id."""
        from tusclient.client import TusClient
        from tusclient.exceptions import TusCommunicationError, TusUploadFailed

        if isinstance(source, bytes):
            stream: IO[bytes] | None = io.BytesIO(source)
            path = None
        elif isinstance(source, str | os.PathLike):
            path = Path(source)
            if not path.is_file():
                raise GalaxyError(f"No file at {path}; check the path.")
            name = name if name != "upload" else path.name
            stream = None
        else:
            stream, path = source, None
        client = TusClient(
            f"{self._gi.api_url}/upload/resumable_upload/", headers={"x-api-key": self._gi.api_key}
        )
        try:
            uploader = client.uploader(
                file_path=str(path) if path else None,
                file_stream=stream,
                chunk_size=chunk_size,
                metadata={"filename": name},
                retries=3,
                retry_delay=2,
                verify_tls_cert=bool(self._gi.session.verify),
            )
            size = uploader.get_file_size()
            if progress:
                progress(name, 0, size)
            if uploader.url is None:
                uploader.set_url(uploader.create_url())
            while uploader.offset < size:
                uploader.upload_chunk()
                if progress:
                    progress(name, uploader.offset, size)
        except (TusCommunicationError, TusUploadFailed) as exc:
            status = getattr(exc, "status_code", None)
            raise GalaxyConnectionError(
                f"Resumable upload of {name!r} failed (status {status}); check the server and retry."
            ) from None
        return str(uploader.url).rstrip("/").rsplit("/", 1)[-1]

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
        paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
        *,
        ext: str = "auto",
        names: Sequence[str] | None = None,
        collection_type: str | None = None,
        collection_name: str | None = None,
        progress: UploadProgress | None = None,
        dbkey: str | None = None,
        wait: bool = False,
        timeout: float | None = 600,
    ) -> UploadResult:
        """Upload local files by TUS, then create them all in ONE fetch request (one job).

        With ``collection_type="list"`` (or ``"paired"``: two files, forward then reverse) they
        become one collection named ``collection_name``.
        """
        if isinstance(paths, str | os.PathLike):
            paths = [paths]
        paths = [Path(p) for p in paths]
        if not paths:
            raise GalaxyError("No files to upload.")
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise GalaxyError(f"No such file(s): {', '.join(missing)}.")
        names = list(names) if names else [p.name for p in paths]
        if collection_type == "paired":
            if len(paths) != 2:
                raise GalaxyError("A paired collection takes exactly two files: forward, then reverse.")
            names = ["forward", "reverse"]
        files = []
        elements = []
        for p, n in zip(paths, names, strict=True):
            session_id = self.tus(p, name=p.name, progress=progress)
            files.append({"session_id": session_id, "name": p.name})
            elements.append({"src": "files", "ext": ext, "name": n, "dbkey": "?"})
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


def _with_dbkey(element: Mapping[str, Any], dbkey: str) -> dict[str, Any]:
    """A fetch element (and its nested elements) with the genome build set."""
    if element.get("elements"):
        return {**element, "elements": [_with_dbkey(e, dbkey) for e in element["elements"]]}
    return {**element, "dbkey": dbkey}
