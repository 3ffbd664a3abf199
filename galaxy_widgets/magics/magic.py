"""``GalaxyMagics``: the ``%galaxy`` / ``%%galaxy`` magic, its settings and its connection state."""

from __future__ import annotations

import contextlib
import keyword
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Bool, Float, Int, TraitError, Unicode, observe, validate
from traitlets.config import Configurable

from ..api.histories import is_item_id
from ..errors import GalaxyError, JobFailedError
from ..records import Collection, Dataset
from . import parser
from .display import Progress, publish_provenance

if TYPE_CHECKING:
    from ..client import Galaxy
    from ..results import Reference


@magics_class
class GalaxyMagics(Magics, Configurable):
    """``%galaxy SUBCOMMAND ...``: see ``%galaxy --help``. Settings: ``%config GalaxyMagics``."""

    profile = Unicode(
        "", help="Saved profile that `%galaxy connect` uses when given no URL (empty: the default profile)."
    ).tag(config=True)
    timeout = Float(60.0, help="Seconds to wait for one HTTP answer from Galaxy.").tag(config=True)
    wait_timeout = Float(
        3600.0, help="Seconds `get`, `run`, `tool` and `wait` wait for jobs before giving up (0: forever)."
    ).tag(config=True)
    poll_interval = Float(3.0, help="Seconds between status checks while waiting.").tag(config=True)
    progress = Bool(True, help="Show progress while uploading and waiting.").tag(config=True)
    autopandas = Bool(
        True, help="Turn tabular datasets into pandas DataFrames (False: they come as text)."
    ).tag(config=True)
    max_bytes = Int(
        512 * 1024 * 1024,
        help="Largest dataset `get` loads into memory; bigger ones need `--as path` (0: no limit).",
    ).tag(config=True)
    cache_dir = Unicode("", help="Where downloads are cached (empty: the galaxy-widgets cache dir).").tag(
        config=True
    )
    page_size = Int(25, help="Rows per page for `ls` and `histories`.").tag(config=True)
    show_provenance = Bool(
        True, help="Print a provenance line under each `get`/`run` (it is always kept in `%galaxy log`)."
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        Configurable.__init__(self, config=shell.config if shell is not None else None)
        Magics.__init__(self, shell=shell, **kwargs)
        self.gi: Galaxy | None = None
        self.history_id: str | None = None
        self.log: list[dict[str, Any]] = []

    @validate("timeout")
    def _check_timeout(self, proposal: dict[str, Any]) -> float:
        if not proposal["value"] > 0:
            raise TraitError(f"GalaxyMagics.timeout must be above 0 s, e.g. 60; not {proposal['value']}.")
        return proposal["value"]

    @validate("page_size")
    def _check_page_size(self, proposal: dict[str, Any]) -> int:
        if proposal["value"] < 1:
            raise TraitError(f"GalaxyMagics.page_size must be 1 or more, e.g. 25; not {proposal['value']}.")
        return proposal["value"]

    @observe("timeout")
    def _timeout_changed(self, change: dict[str, Any]) -> None:
        if self.gi is not None:
            self.gi.timeout = change["new"]

    # ------------------------------------------------------------------ the magic
    @line_cell_magic
    def galaxy(self, line: str, cell: str | None = None) -> Any:
        """Drive a Galaxy server from the notebook. ``%galaxy --help`` lists the subcommands."""
        from . import commands  # noqa: F401 - registers the subcommands

        words = parser.split_line(line)
        if not words or words[0] in ("-h", "--help", "help"):
            if len(words) > 1:
                return self.galaxy(f"{' '.join(words[1:])} --help")  # type: ignore[misc,call-arg]
            print(parser.overview())
            return None
        cmd, rest = parser.lookup(words)
        if cell is not None and not cmd.cell:
            raise UsageError(
                f"`%%galaxy {cmd.name}` takes no cell body; use the line magic `%galaxy {cmd.name}`."
            )
        try:
            args = cmd.parser.parse(rest)
        except parser.HelpShown:
            return None
        try:
            with _notes_as_lines():
                return cmd.handler(self, args, cell)
        except GalaxyError as exc:
            raise UsageError(_in_magic_words(str(exc))) from None

    # ------------------------------------------------------------------ state the subcommands share
    def require_gi(self) -> Galaxy:
        if self.gi is None:
            raise UsageError(
                "Not connected to Galaxy: run `%galaxy connect URL` (or `%galaxy connect --profile NAME`, "
                "or `%galaxy login URL --email EMAIL`) first."
            )
        return self.gi

    def require_history(self) -> str:
        self.require_gi()
        if not self.history_id:
            raise UsageError(
                "No current history: choose one with `%galaxy use NAME_OR_ID` or make one with "
                "`%galaxy use --new NAME` (`%galaxy histories` lists yours)."
            )
        return self.history_id

    def set_connection(self, gi: Galaxy | None, history_id: str | None = None) -> None:
        if self.gi is not None and self.gi is not gi:
            self.gi.close()
        self.gi = gi
        self.history_id = history_id
        if gi is not None:
            gi.timeout = self.timeout
            gi.history_id = history_id

    def set_history(self, history_id: str | None) -> None:
        self.history_id = history_id
        if self.gi is not None:
            self.gi.history_id = history_id

    @property
    def wait_seconds(self) -> float | None:
        return self.wait_timeout or None

    @property
    def ipython(self) -> InteractiveShell:
        """The shell the magics run in (always set once the extension is loaded)."""
        if self.shell is None:
            raise UsageError("The galaxy magics need IPython: `%load_ext galaxy_widgets` in a notebook.")
        return self.shell

    @property
    def cache_path(self) -> Path | None:
        """``%config GalaxyMagics.cache_dir`` as a path (None: the package's cache dir)."""
        return Path(self.cache_dir).expanduser() if self.cache_dir else None

    def user_value(self, name: str) -> Any:
        """The notebook variable ``name`` (or a ``KeyError``)."""
        if not name.isidentifier() or keyword.iskeyword(name):
            raise KeyError(name)
        return self.ipython.user_ns[name]

    def resolve(self, spec: Any, kind: str | None = None) -> Dataset | Collection:
        """An ITEM: a hid (12, #12), an encoded id or ``type_id``, ``name:NAME``, a bare dataset name,
        or a variable (also ``res["label"]``, ``res["reads"]["A"]``) holding a dataset, a collection
        or a run result. ``kind`` (``"dataset"``/``"collection"``): what the caller takes, so a bare
        id that names both kinds in the history is read as that one.

        A variable that holds something else is an error; its name is never taken as a dataset name.
        """
        gi = self.require_gi()
        if isinstance(spec, Dataset | Collection):
            return spec
        if isinstance(spec, str):
            found = self._item_in_variable(spec)
            if found is not None:
                return found
        text = str(spec).strip()
        if (text.startswith("#") or not is_item_id(text)) and not self.history_id:
            self.require_history()
        return gi.histories.resolve(self.history_id, text, kind)

    def follow(self, text: str) -> Reference | None:
        """Follow a variable reference (``res``, ``res["top"]``, ``tables["A"][0]``) to its value and
        the Galaxy item behind it; None when ``text`` names no variable."""
        from ..results import Outputs, Reference, parse_reference

        ref = parse_reference(text)
        if ref is None:
            return None
        name, keys = ref
        try:
            value = self.user_value(name)
        except KeyError:
            if keys:
                raise UsageError(
                    f"No variable {name!r} in the notebook; run the cell that makes it first."
                ) from None
            return None  # a plain word: a dataset name
        item = value if isinstance(value, Dataset | Collection) else None
        trail = name
        for key in keys:
            if isinstance(value, Outputs):
                if key not in value.records:
                    raise UsageError(
                        f"{trail} has no output {key!r}; its outputs: {', '.join(map(repr, value.records))}."
                    )
                item = value.records[key]
                value = value.get(key, item)
            elif isinstance(value, Collection):
                value = item = self._element(value, key, trail)
            else:
                value = _subscript(value, key, trail)
                item = value if isinstance(value, Dataset | Collection) else None
            trail += f"[{key!r}]"
        return Reference(trail, keys[-1] if keys else name, value, item)

    def _item_in_variable(self, text: str) -> Dataset | Collection | None:
        """The item a variable reference names; None when ``text`` names no variable."""
        from ..results import Outputs, describe

        ref = self.follow(text)
        if ref is None:
            return None
        value = ref.value
        if isinstance(value, Outputs) and len(value.records) == 1:
            return next(iter(value.records.values()))
        if ref.item is not None:
            return ref.item
        if isinstance(value, Outputs):
            raise UsageError(
                f"{ref.trail} holds the outputs of a run; pick one: "
                + ", ".join(f"{ref.trail}[{label!r}]" for label in value.records)
                + "."
            )
        raise UsageError(
            f"{ref.trail} holds {describe(value)}, not a Galaxy dataset or collection. Give a run's result "
            '(res["label"]), a record from `%galaxy ls`/`upload`, a hid (#12), or name:NAME for the '
            "dataset of that name."
        )

    def _element(self, coll: Collection, key: str, trail: str) -> Dataset | Collection:
        """Element ``key`` (its identifier, or its position) of a collection."""
        if not coll.elements:
            coll = self.require_gi().collections.show(coll.id)
        by_name = {el.identifier: el.object for el in coll.elements}
        if key not in by_name and key.isdigit() and int(key) < len(coll.elements):
            key = coll.elements[int(key)].identifier  # res["reads"][0]: by position
        found = by_name.get(key)
        if found is None:
            raise UsageError(
                f"{trail} has no element {key!r}; its elements: "
                + ", ".join(repr(el.identifier) for el in coll.elements[:10])
                + (" ..." if len(coll.elements) > 10 else "")
                + "."
            )
        return found

    def load(self, item: Dataset | Collection, as_: str | None = None) -> Any:
        """A dataset or collection as a Python value (the same conversion for get, run and tool)."""
        from .. import convert

        gi = self.require_gi()
        if as_ is None and not self.autopandas:
            if isinstance(item, Collection):  # element by element, so tables stay text
                coll = gi.collections.wait(item.id, timeout=self.wait_seconds, raise_on_error=False)
                return {el.identifier: self.load(el.object) for el in coll.elements if el.object is not None}
            if _is_table(item):
                as_ = "text"
        try:
            return convert.load(
                gi,
                item,
                as_,
                cache_dir=self.cache_path,
                max_bytes=self.max_bytes or None,
                timeout=self.wait_seconds,
            )
        except JobFailedError as exc:
            raise UsageError(f"{exc}\nFix the inputs and run the step again; nothing was loaded.") from None

    def deliver(self, value: Any, out: str | None) -> Any:
        """Return ``value`` (so ``x = %galaxy ...`` works), or store it in ``out`` and show nothing."""
        if out:
            self.ipython.push({out: value})
            return None
        return value

    def record(self, rec: dict[str, Any]) -> None:
        """Keep a provenance record (for ``%galaxy log``) and attach it to the cell's output."""
        self.log.append(rec)
        publish_provenance(rec, show=self.show_provenance)

    def progress_display(self, title: str) -> Progress:
        return Progress(title, enabled=self.progress, rich=_in_kernel(self.shell))


#: The API layer's advice, as the magics would say it.
_MAGIC_WORDS = {
    "histories.list()": "`%galaxy histories`",
    "workflows.list()": "`%galaxy workflows`",
    "histories.contents()": "`%galaxy ls`",
    "tools.list()": "`%galaxy tools`",
    "choose one first": "choose one with `%galaxy use`",
}


def _in_magic_words(message: str) -> str:
    for api, magic in _MAGIC_WORDS.items():
        message = message.replace(api, magic)
    return message


@contextlib.contextmanager
def _notes_as_lines() -> Iterator[None]:
    """Show the API layer's choice notes (e.g. which of several same-named workflows was taken)
    as plain lines, every time, while a subcommand runs; other warnings pass through unchanged."""
    from ..api.workflows import AmbiguousNameWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", AmbiguousNameWarning)
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, AmbiguousNameWarning):
                print(f"Note: {message}")
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


def _is_table(item: Dataset | Collection) -> bool:
    from ..convert import kind_for

    return isinstance(item, Dataset) and kind_for(item.extension) == "df"


def _in_kernel(shell: Any) -> bool:
    """True in a Jupyter kernel (rich, updating displays); False in a plain IPython shell."""
    return getattr(shell, "kernel", None) is not None


def _subscript(value: Any, key: str, trail: str) -> Any:
    """``value[key]``, with ``key`` also tried as an int (the line splitter made it text)."""
    for k in (key, int(key)) if key.isdigit() else (key,):
        try:
            return value[k]
        except (KeyError, IndexError, TypeError):
            continue
    raise UsageError(f"{trail}[{key!r}] does not exist in {trail}.")
