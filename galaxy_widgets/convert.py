"""Galaxy data <-> Python values: DataFrames, text, JSON, bytes, paths; collections as dicts.

Downloads go through a cache keyed by dataset id and ``update_time``: asking again costs nothing.
pandas is imported only when a table is asked for.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import paths
from .errors import GalaxyError, JobFailedError
from .records import Collection, Dataset
from .states import ERROR_DATASET_STATES, failure_text

if TYPE_CHECKING:
    from .client import Galaxy

TABLE_EXTS = frozenset(
    {
        "tabular",
        "tsv",
        "csv",
        "interval",
        "bed",
        "bed6",
        "bed12",
        "bedgraph",
        "gff",
        "gff3",
        "gtf",
        "vcf",
        "sam",
    }
)
TEXT_EXTS = frozenset(
    {"txt", "text", "fasta", "fastq", "fastqsanger", "fastqillumina", "html", "xml", "yaml", "md"}
)
JSON_EXTS = frozenset({"json", "geojson"})
KINDS = ("df", "text", "json", "bytes", "path")
#: Column types Galaxy records in metadata, as pandas dtypes.
_DTYPES = {"int": "Int64", "float": "float64", "str": "string", "list": "string"}


def kind_for(extension: str) -> str:
    """What ``get`` turns a dataset of this extension into: df, json, text or path."""
    ext = (extension or "").lower()
    if ext in TABLE_EXTS:
        return "df"
    if ext in JSON_EXTS:
        return "json"
    if ext in TEXT_EXTS:
        return "text"
    return "path"


def cache_root() -> Path:
    return paths.cache_dir() / "datasets"


def cached_path(gi: Galaxy, ds: Dataset, cache_dir: Path | None = None) -> Path:
    """Download ``ds`` once per (server, id, update_time); later calls reuse the file."""
    server = hashlib.sha1(gi.url.encode()).hexdigest()[:12]
    stamp = re.sub(r"[^0-9A-Za-z]", "", ds.update_time) or "0"
    folder = (cache_dir or cache_root()) / server / ds.id
    target = folder / f"{stamp}.{ds.extension or 'dat'}"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():  # an older version of this dataset: drop it
        if old.is_file():
            old.unlink(missing_ok=True)
    return gi.datasets.download(ds.id, target)


def _ready(gi: Galaxy, ds: Dataset, timeout: float | None) -> Dataset:
    if ds.state in ERROR_DATASET_STATES:
        job = gi.jobs.show(ds.creating_job) if ds.creating_job else None
        raise JobFailedError(failure_text(f"Dataset #{ds.hid} {ds.name!r}", ds.state, job), job, ds)
    if not ds.terminal or not ds.update_time:
        ds = gi.datasets.wait(ds.id, timeout=timeout)
    return ds


def load(
    gi: Galaxy,
    item: Dataset | Collection,
    as_: str | None = None,
    *,
    cache_dir: Path | None = None,
    max_bytes: int | None = None,
    timeout: float | None = 600,
) -> Any:
    """Pull a dataset (or every element of a collection) into Python.

    By datatype: tables -> pandas DataFrame (Galaxy's column names and types when known), json ->
    object, text -> str, anything else -> path of the cached file. ``as_`` forces one of
    ``df``, ``text``, ``json``, ``bytes``, ``path``. A collection gives a dict of element
    identifier -> value, nested for ``list:paired``.
    """
    if as_ is not None and as_ not in KINDS:
        raise GalaxyError(f"Cannot load as {as_!r}; choose one of {', '.join(KINDS)}.")
    if isinstance(item, Collection):
        coll = item if item.elements else gi.collections.show(item.id)
        if coll.populated_state not in ("ok", "") or any(
            isinstance(e.object, Dataset) and not e.object.terminal for e in coll.elements
        ):
            coll = gi.collections.wait(coll.id, timeout=timeout)
        return {
            el.identifier: load(gi, el.object, as_, cache_dir=cache_dir, max_bytes=max_bytes, timeout=timeout)
            for el in coll.elements
            if el.object is not None
        }
    ds = item if item.raw.get("file_size") is not None else gi.datasets.show(item.id)
    ds = _ready(gi, ds, timeout)
    kind = as_ or kind_for(ds.extension)
    if kind != "path" and max_bytes is not None and (ds.size or 0) > max_bytes:
        raise GalaxyError(
            f"Dataset #{ds.hid} {ds.name!r} is {ds.size:,} bytes, over the in-memory limit of "
            f"{max_bytes:,}; load it as a path instead (or raise the limit)."
        )
    path = cached_path(gi, ds, cache_dir)
    if kind == "path":
        return path
    if kind == "bytes":
        return path.read_bytes()
    if kind == "text":
        return path.read_text(errors="replace")
    if kind == "json":
        try:
            return json.loads(path.read_text())
        except ValueError as exc:
            raise GalaxyError(
                f"Dataset #{ds.hid} {ds.name!r} is not valid JSON ({exc}); get it as text."
            ) from None
    return read_table(path, ds)


def read_table(path: Path, ds: Dataset) -> Any:
    """A tabular file as a DataFrame, with Galaxy's column names (or a ``#`` header line) and
    column types."""
    import pandas as pd

    sep = "," if ds.extension == "csv" else "\t"
    names = ds.column_names
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
        if path.stat().st_size == 0:
            return pd.DataFrame(columns=names or [])
        header_in_file = False
        if names and (first.startswith("#") or first.rstrip("\r\n").split(sep) == names):
            header_in_file = True  # Galaxy took the names from this line (csv): do not read it as data
        elif not names and first.startswith("#"):
            names = first.lstrip("#").rstrip("\r\n").split(sep)
            header_in_file = True
        elif not names and ds.extension == "csv":
            header_in_file = True
            names = first.rstrip("\r\n").split(sep)
    df = pd.read_csv(
        path,
        sep=sep,
        header=None,
        names=names,
        skiprows=1 if header_in_file else 0,
    )
    if names is None:
        df.columns = [f"c{i + 1}" for i in range(df.shape[1])]
    types = ds.column_types or []
    if len(types) == df.shape[1]:
        for col, typ in zip(df.columns, types, strict=True):
            dtype = _DTYPES.get(typ)
            if dtype and dtype != "string":
                try:
                    df[col] = df[col].astype(dtype)
                except (TypeError, ValueError):
                    pass
    return df


# ----------------------------------------------------------------------------- put


def encode(value: Any, *, ext: str | None = None) -> tuple[str | bytes | Path, str]:
    """A Python value as (content or path, Galaxy extension) for upload."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is an optional extra
        pd = None
    if pd is not None and isinstance(value, pd.Series):
        value = value.to_frame()
    if pd is not None and isinstance(value, pd.DataFrame):
        if ext == "csv":
            return value.to_csv(index=False), "csv"
        buf = io.StringIO()
        frame = value.copy()
        frame.columns = [str(c) for c in frame.columns]
        buf.write("#" + "\t".join(frame.columns) + "\n")
        frame.to_csv(buf, sep="\t", index=False, header=False)
        return buf.getvalue(), ext or "tabular"
    if isinstance(value, os.PathLike):
        path = Path(value)
        if not path.is_file():
            raise GalaxyError(f"No file at {path}.")
        return path, ext or "auto"
    if isinstance(value, str):
        return value, ext or "txt"
    if isinstance(value, bytes | bytearray):
        return bytes(value), ext or "auto"
    if isinstance(value, Mapping | list | tuple) or value is None or isinstance(value, int | float | bool):
        try:
            return json.dumps(value, indent=1, default=str), ext or "json"
        except (TypeError, ValueError) as exc:
            raise GalaxyError(f"Cannot write this {type(value).__name__} as JSON: {exc}.") from None
    raise GalaxyError(
        f"Cannot put a {type(value).__name__}: give a DataFrame, str, bytes, dict/list (JSON) or a file path."
    )


def put(
    gi: Galaxy,
    history_id: str,
    value: Any,
    *,
    name: str | None = None,
    ext: str | None = None,
    dbkey: str | None = None,
    wait: bool = False,
    timeout: float | None = 600,
) -> Dataset:
    """Push a value into a history as a new dataset (extension inferred when not given;
    ``dbkey`` is the genome build, e.g. ``"hg38"``)."""
    content, ext = encode(value, ext=ext)
    if isinstance(content, Path):
        res = gi.uploads.files(
            history_id,
            [content],
            ext=ext,
            names=[name or content.name],
            dbkey=dbkey,
            wait=wait,
            timeout=timeout,
        )
        return res.dataset
    return gi.uploads.paste(
        history_id,
        content,
        name=name or f"from notebook.{ext}",
        ext=ext,
        dbkey=dbkey,
        wait=wait,
        timeout=timeout,
    )


def provenance(gi: Galaxy, item: Dataset | Collection, **extra: Any) -> dict[str, Any]:
    """A small record of where a value came from (no key, just ids and times)."""
    rec: dict[str, Any] = {
        "server": gi.url,
        "history_id": item.history_id,
        "hid": item.hid,
        "name": item.name,
        "type": "collection" if isinstance(item, Collection) else "dataset",
        "id": item.id,
    }
    if isinstance(item, Dataset):
        rec["update_time"] = item.update_time
        rec["job_id"] = item.creating_job
        rec["extension"] = item.extension
    rec.update({k: v for k, v in extra.items() if v is not None})
    return rec
