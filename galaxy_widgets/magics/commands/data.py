"""get, put, upload: Galaxy data into notebook variables and back."""

from __future__ import annotations

import ast
import glob
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from IPython.core.error import UsageError

from ... import convert
from ...errors import GalaxyError
from ...records import Collection, Dataset
from ...results import Outputs
from ..parser import arg, command, out_arg

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


@command(
    "get",
    "pull a dataset (DataFrame, JSON, text, path) or a collection (dict) into Python",
    example="df = %galaxy get 12          # or: %galaxy get name:counts.tsv -o df",
)
@arg("item", help="hid (12 or #12), encoded id, name:NAME, or a variable holding a dataset/collection")
@arg("--as", dest="as_", choices=convert.KINDS, help="force the kind: df, text, json, bytes or path")
@out_arg()
def get(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    gi = m.require_gi()
    item = m.resolve(args.item)
    value = m.load(item, args.as_)
    if isinstance(item, Dataset):
        item = gi.datasets.show(item.id)  # the update_time the value was read at
    m.record({"what": "get", **convert.provenance(gi, item)})
    return m.deliver(value, args.out)


@command(
    "put",
    "push a DataFrame, str, bytes, dict/list (JSON) or file path into the current history",
    example="%galaxy put df --name counts.tsv",
    cell="the cell's text is uploaded as a dataset",
)
@arg("value", nargs="?", help="a variable name, a file path, or a Python literal ('text', [1, 2])")
@arg("--name", help="dataset name (default: the variable or file name)")
@arg("--ext", help="Galaxy datatype, e.g. tabular, csv, json, txt (default: inferred)")
@arg("--dbkey", metavar="BUILD", help="genome build, e.g. hg38 (default: unspecified, '?')")
@arg("--wait", action="store_true", help="wait until Galaxy has the dataset ready")
@out_arg()
def put(m: GalaxyMagics, args: Any, cell: str | None) -> Dataset | None:
    gi = m.require_gi()
    history_id = m.require_history()
    if cell is not None:
        if args.value:
            raise UsageError("`%%galaxy put` uploads the cell's text; give no value on the line.")
        value, name, source = cell, args.name or "from notebook", None
    elif not args.value:
        raise UsageError(
            "Say what to put: `%galaxy put VARIABLE`, `%galaxy put path/to/file`, or a "
            "literal like `%galaxy put 'some text'`."
        )
    else:
        value, name, source = _value(m, args.value)
        name = args.name or name
    if isinstance(value, Outputs):
        raise UsageError(
            f"{args.value} holds the outputs of a run; put one of them: "
            + ", ".join(f"{args.value}[{label!r}]" for label in value)
            + "."
        )
    ext = args.ext
    if ext is None and isinstance(source, Dataset) and isinstance(value, str | pd.DataFrame):
        ext = source.extension or None  # a value read from Galaxy goes back as the same datatype
    try:
        convert.encode(value, ext=ext)  # fail before anything is sent
    except GalaxyError as exc:
        raise UsageError(f"{exc} ({args.value or 'cell'} is {_a(type(value).__name__)}.)") from None
    ds = convert.put(
        gi,
        history_id,
        value,
        name=name,
        ext=ext,
        dbkey=args.dbkey,
        wait=args.wait,
        timeout=m.wait_seconds,
    )
    state = "ready" if args.wait else "uploading; `--wait` waits for it"
    build = f", genome build {args.dbkey}" if args.dbkey else ""
    origin = f"; made from #{source.hid} {source.name!r}" if source is not None else ""
    print(
        f"Put {name!r} into the current history as #{ds.hid} "
        f"({ds.extension or ext or 'auto'}{build}, {state}{origin})."
    )
    if source is not None:
        m.record({"what": "put", **convert.provenance(gi, ds), "made_from": convert.provenance(gi, source)})
    return m.deliver(ds, args.out)


def _a(word: str) -> str:
    """``'a str'``, ``'an object'``."""
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _value(m: GalaxyMagics, text: str) -> tuple[Any, str | None, Dataset | Collection | None]:
    """What ``put`` was given: a variable (or ``res["label"]``, which also names the Galaxy record the
    value was read from), an existing file, or a Python literal. Returns (value, name, source)."""
    ref = m.follow(text)
    if ref is not None:
        source = ref.item if ref.item is not ref.value else None  # the record a loaded value came from
        return ref.value, ref.name, source
    path = Path(os.path.expanduser(text))
    if path.is_file():
        return path, path.name, None
    try:
        return ast.literal_eval(text), None, None
    except (ValueError, SyntaxError):
        pass
    raise UsageError(
        f"{text!r} is neither a variable, an existing file, nor a Python literal. Put a variable "
        "(`%galaxy put df`), a file (`%galaxy put data/x.tsv`), or quoted text (`%galaxy put \"'hello'\"`)."
    )


@command(
    "edit",
    "change a dataset's name, genome build, datatype or tags in Galaxy",
    example="%galaxy edit #3 --dbkey hg38 --name peaks.bed",
)
@arg("item", help="hid (12 or #12), encoded id, name:NAME, or a variable holding a dataset")
@arg("--name", help="new dataset name")
@arg("--dbkey", metavar="BUILD", help="genome build, e.g. hg38 ('?' for unspecified)")
@arg("--ext", help="Galaxy datatype, e.g. tabular, bed, fastqsanger.gz")
@arg("--tag", action="append", metavar="TAG", help="set the tags (repeat for several; replaces the old ones)")
@out_arg()
def edit(m: GalaxyMagics, args: Any, cell: str | None) -> Dataset | None:
    gi = m.require_gi()
    if not any(v is not None for v in (args.name, args.dbkey, args.ext, args.tag)):
        raise UsageError("Say what to change: --name, --dbkey, --ext and/or --tag.")
    item = m.resolve(args.item)
    if not isinstance(item, Dataset):
        raise UsageError(f"{args.item!r} is a collection; edit its datasets one by one (`%galaxy ls`).")
    ds = gi.datasets.update(item.id, name=args.name, dbkey=args.dbkey, extension=args.ext, tags=args.tag)
    changed = ", ".join(
        f"{what} {value!r}"
        for what, value in (("name", args.name), ("genome build", args.dbkey), ("datatype", args.ext))
        if value is not None
    )
    if args.tag is not None:
        changed = ", ".join(filter(None, [changed, f"tags {', '.join(args.tag)}"]))
    print(f"Changed #{ds.hid}: {changed}.")
    return m.deliver(ds, args.out)


@command(
    "upload",
    "upload local files (resumable, with progress), optionally as one list or paired collection",
    example="%galaxy upload reads/*.fastq --collection list reads",
)
@arg("paths", nargs="+", help="files (globs like data/*.tsv are expanded)")
@arg(
    "--collection",
    nargs=2,
    metavar=("TYPE", "NAME"),
    help="make one collection: list or paired, and its name",
)
@arg("--ext", default="auto", help="Galaxy datatype for all files (default: detected by Galaxy)")
@arg("--dbkey", metavar="BUILD", help="genome build for all files, e.g. hg38 (default: unspecified, '?')")
@arg("--name", help="dataset name for a single file (default: the file name)")
@arg(
    "--full-names",
    action="store_true",
    help="keep file extensions in collection element identifiers (default: sample_01.tsv -> sample_01)",
)
@arg("--wait", action="store_true", help="wait until Galaxy has the data ready")
@out_arg()
def upload(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    gi = m.require_gi()
    history_id = m.require_history()
    paths: list[str] = []
    for pattern in args.paths:
        pattern = os.path.expanduser(pattern)
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not found:
            raise UsageError(f"No files match {pattern!r}; check the folder and the pattern.")
        paths += found
    folders = [p for p in paths if Path(p).is_dir()]
    if folders:
        raise UsageError(
            f"{', '.join(folders)} {'is a folder' if len(folders) == 1 else 'are folders'}; upload the files "
            f"in it with a glob, e.g. `%galaxy upload {folders[0].rstrip('/')}/*`."
        )
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise UsageError(f"No such file(s): {', '.join(missing)}; check the path(s).")
    ctype, cname = args.collection or (None, None)
    if ctype not in (None, "list", "paired"):
        raise UsageError(f"--collection takes list or paired, not {ctype!r}.")
    if ctype == "paired" and len(paths) != 2:
        raise UsageError(f"A paired collection takes exactly two files (forward, reverse); got {len(paths)}.")
    names = _upload_names(paths, args.name, ctype, args.full_names)
    bar = m.progress_display(f"Uploading {len(paths)} file(s)")
    bar.every = 0.5

    def on_progress(name: str, sent: int, total: int) -> None:
        pct = 100 * sent / total if total else 100
        bar.update(f"{name}: {pct:.0f}% of {total:,} bytes", force=sent >= total)

    result = gi.uploads.files(
        history_id,
        paths,
        ext=args.ext,
        names=names,
        dbkey=args.dbkey,
        collection_type=ctype,
        collection_name=cname,
        progress=on_progress,
    )
    if args.wait:
        bar.update("sent; waiting for Galaxy to process it", force=True)
        result = gi.uploads.wait(result, timeout=m.wait_seconds)
    made: list[Dataset | Collection] = [*result.collections] or [*result.datasets]
    listing = ", ".join(f"#{i.hid} {i.name!r}" for i in made)
    print(
        f"Uploaded {len(paths)} file(s) as {listing}"
        + ("." if args.wait else " (Galaxy is still processing).")
    )
    return m.deliver(made[0] if len(made) == 1 else made, args.out)


def _upload_names(paths: list[str], name: str | None, ctype: str | None, full: bool) -> list[str] | None:
    """Dataset names (or list element identifiers) for ``upload``; None: Galaxy's own default.

    Element identifiers of a list drop the file extension, as Galaxy's list builder does
    (``sample_01.tsv`` -> ``sample_01``), unless ``--full-names``.
    """
    from ...pairing import strip_extension

    if name is not None:
        if ctype or len(paths) != 1:
            raise UsageError(
                "--name names a single uploaded file; a collection takes its name from "
                "`--collection TYPE NAME`, and its elements from the file names."
            )
        return [name]
    if ctype != "list":
        return None
    names = [Path(p).name for p in paths]
    if full:
        return names
    short = [strip_extension(n) for n in names]
    clash = sorted({n for n in short if short.count(n) > 1})
    if clash:
        raise UsageError(
            f"Without their extensions, several files would be called {clash[0]!r}; add --full-names "
            "to keep the extensions in the element identifiers."
        )
    return short
