"""Datasets: show, preview, wait, and download (streamed, atomic)."""

from __future__ import annotations

import builtins
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import requests

from ..errors import DownloadError, GalaxyConnectionError, JobFailedError
from ..filters import to_params
from ..records import Dataset
from ..states import ERROR_DATASET_STATES, failure_text
from . import wait as engine
from ._base import Resource
from .histories import id_segment

CHUNK = 1024 * 1024  # 1 MiB: measured to keep pace with curl; 4 KB halves the speed
Progress = Callable[[int, int | None], None]


class Datasets(Resource):
    def show(self, dataset_id: str) -> Dataset:
        """Full details: name, state, extension, size, column names/types, peek, ..."""
        data = self._gi.get(f"datasets/{id_segment(dataset_id, 'dataset')}", what=f"Dataset {dataset_id}")
        return Dataset.from_api(data)

    def list(
        self,
        history_id: str | None = None,
        *,
        keys: Sequence[str] = ("id", "hid", "name", "state", "extension", "history_id", "update_time"),
        limit: int = 500,
        offset: int = 0,
        q: Sequence[tuple[str, str]] = (),
    ) -> list[Dataset]:
        """A fast, narrow listing (``/api/datasets`` with ``keys=``), filtered on the server by
        ``q`` pairs such as ``[("extension-eq", "tabular")]``."""
        params: dict[str, Any] = {"keys": ",".join(keys), "limit": limit, "offset": offset}
        if history_id:
            params["history_id"] = history_id
        params.update(to_params(list(q)))
        return [Dataset.from_api(d) for d in self._gi.get("datasets", params=params)]

    def peek(self, dataset_id: str) -> str:
        """Galaxy's short peek of the dataset (plain text, HTML removed)."""
        text = self.show(dataset_id).peek
        text = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", "\t", text)
        text = re.sub(r"</tr>", "\n", text)
        return re.sub(r"<[^>]+>", "", text).strip()

    def preview(self, dataset_id: str, lines: int = 10) -> builtins.list[str]:
        """The first ``lines`` lines, reading no more of the file than needed."""
        resp = self._gi.request(
            "GET",
            f"datasets/{id_segment(dataset_id, 'dataset')}/display",
            stream=True,
            what=f"Dataset {dataset_id}",
        )
        out: list[str] = []
        try:
            for line in resp.iter_lines(chunk_size=64 * 1024, decode_unicode=False):
                out.append(line.decode("utf-8", errors="replace"))
                if len(out) >= lines:
                    break
        except _BROKEN as exc:
            raise _broke_off(dataset_id, exc) from None
        finally:
            resp.close()
        return out

    def wait(
        self,
        dataset_id: str,
        *,
        timeout: float | None = 600,
        interval: float = 2.0,
        raise_on_error: bool = True,
    ) -> Dataset:
        """Wait until the dataset is terminal (ok, error, ...); raise JobFailedError on error."""
        ds = engine.simple(
            lambda: self.show(dataset_id),
            lambda d: d.terminal,
            what=f"Dataset {dataset_id}",
            reattach=f"gi.datasets.wait({dataset_id!r}) picks it up again.",
            timeout=timeout,
            interval=interval,
            states=lambda d: {d.state: 1},
        )
        if raise_on_error and ds.state in ERROR_DATASET_STATES:
            job = self._gi.jobs.show(ds.creating_job) if ds.creating_job else None
            raise JobFailedError(failure_text(f"Dataset #{ds.hid} {ds.name!r}", ds.state, job), job, ds)
        return ds

    def wait_all(self, dataset_ids: Sequence[str], **kw: Any) -> builtins.list[Dataset]:
        return [self.wait(i, **kw) for i in dataset_ids]

    def _display(self, dataset_id: str, to_ext: str | None) -> Any:
        params = {"to_ext": to_ext} if to_ext else None
        return self._gi.request(
            "GET",
            f"datasets/{id_segment(dataset_id, 'dataset')}/display",
            params=params,
            stream=True,
            what=f"Dataset {dataset_id}",
        )

    def content(self, dataset_id: str) -> bytes:
        """The whole dataset in memory (for small data; use :meth:`download` for big files)."""
        resp = self._display(dataset_id, None)
        try:
            return resp.content
        except _BROKEN as exc:
            raise _broke_off(dataset_id, exc) from None
        finally:
            resp.close()

    def text(self, dataset_id: str, encoding: str = "utf-8") -> str:
        return self.content(dataset_id).decode(encoding, errors="replace")

    def download(
        self,
        dataset_id: str,
        path: str | os.PathLike[str],
        *,
        to_ext: str | None = None,
        progress: Progress | None = None,
        overwrite: bool = True,
    ) -> Path:
        """Stream a dataset to ``path`` (a file, or a directory to put it in).

        Bytes go to a temporary file beside the target, renamed into place only when complete and
        its size matches what the server announced: a failed download leaves nothing under the
        final name.
        """
        target = Path(path)
        _check_target(target)
        resp = self._display(dataset_id, to_ext)
        try:
            if target.is_dir():
                target = target / _filename(resp.headers.get("Content-Disposition"), dataset_id, self)
            if target.exists() and not overwrite:
                raise DownloadError(f"{target} exists; pass overwrite=True or choose another path.")
            target.parent.mkdir(parents=True, exist_ok=True)
            expected = resp.headers.get("Content-Length")
            total = int(expected) if expected and "Content-Encoding" not in resp.headers else None
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            written = 0
            try:
                with os.fdopen(fd, "wb") as fh:
                    for chunk in resp.iter_content(chunk_size=CHUNK):
                        fh.write(chunk)
                        written += len(chunk)
                        if progress:
                            progress(written, total)
                if total is not None and written != total:
                    raise DownloadError(
                        f"Download of dataset {dataset_id} ended after {written} of {total} bytes; "
                        "nothing was saved. Try again."
                    )
                os.replace(tmp_name, target)
            except BaseException as exc:
                Path(tmp_name).unlink(missing_ok=True)
                if _is_network_error(exc):  # (requests' errors are OSErrors too: test them first)
                    raise DownloadError(
                        f"Download of dataset {dataset_id} broke off ({type(exc).__name__}); nothing "
                        "was saved. Try again."
                    ) from None
                if isinstance(exc, OSError):
                    raise DownloadError(f"Could not write {target}: {exc}") from exc
                raise
        finally:
            resp.close()
        return target

    def update(
        self,
        dataset_id: str,
        *,
        name: str | None = None,
        tags: Sequence[str] | None = None,
        extension: str | None = None,
        visible: bool | None = None,
        dbkey: str | None = None,
    ) -> Dataset:
        """Change a dataset's name, tags, datatype, visibility or genome build (``dbkey``, e.g. hg38)."""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if tags is not None:
            body["tags"] = list(tags)
        if extension is not None:
            body["datatype"] = extension
        if visible is not None:
            body["visible"] = visible
        if dbkey is not None:
            body["genome_build"] = dbkey
        self._gi.put(f"datasets/{id_segment(dataset_id, 'dataset')}", json=body, what=f"Dataset {dataset_id}")
        return self.show(dataset_id)

    def delete(self, dataset_id: str, *, purge: bool = False) -> None:
        path = f"datasets/{id_segment(dataset_id, 'dataset')}"
        self._gi.delete(path, json={"purge": purge}, what=f"Dataset {dataset_id}")


#: What reading a streamed answer raises when the connection breaks mid-body.
_BROKEN = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)


def _broke_off(dataset_id: str, exc: Exception) -> GalaxyConnectionError:
    return GalaxyConnectionError(
        f"Reading dataset {dataset_id} broke off ({type(exc).__name__}); nothing was kept. Try again."
    )


def _check_target(target: Path) -> None:
    """Refuse, before anything is fetched, a target that cannot be written: one under a file."""
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DownloadError(
                    f"Cannot save to {target}: {parent} is a file, not a folder; choose another path."
                )
            return


def _is_network_error(exc: BaseException) -> bool:
    import requests

    return isinstance(exc, requests.RequestException | GalaxyConnectionError | ConnectionError)


def _filename(disposition: str | None, dataset_id: str, datasets: Datasets) -> str:
    if disposition:
        m = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition)
        if m:
            return Path(m.group(1)).name
    ds = datasets.show(dataset_id)
    name = re.sub(r"[^\w.\-]+", "_", ds.name or dataset_id).strip("_") or dataset_id
    return name if name.endswith(f".{ds.extension}") else f"{name}.{ds.extension or 'dat'}"
