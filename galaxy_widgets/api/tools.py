"""Tools: search, show inputs, run with inputs by name, map over collections."""

from __future__ import annotations

import builtins
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import BadInputError, NotFoundError
from ..records import Collection, Dataset, Job, Tool
from ..urls import segment
from ._base import Resource

DATA_TYPES = frozenset({"data", "data_collection"})


@dataclass(frozen=True)
class ToolRun:
    """What running a tool created: jobs and outputs (``implicit_collections`` when mapped)."""

    jobs: list[Job]
    outputs: list[Dataset]
    output_collections: list[Collection]
    implicit_collections: list[Collection]
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def output(self) -> Dataset | Collection:
        """The single output: the mapped-over collection if any, else the one dataset."""
        if len(self.implicit_collections) == 1:
            return self.implicit_collections[0]
        if len(self.output_collections) == 1 and not self.outputs:
            return self.output_collections[0]
        if len(self.outputs) == 1:
            return self.outputs[0]
        raise ValueError(f"This run has {len(self.outputs)} outputs; use .outputs.")


def _as_input(value: Any, param_type: str | None) -> Any:
    """Records become ``{"src", "id"}``; a collection given to a data input is mapped over."""
    if isinstance(value, Dataset | Collection):
        if isinstance(value, Collection) and param_type == "data":
            return {"batch": True, "values": [value.ref()]}
        return value.ref()
    if isinstance(value, list) and value and all(isinstance(v, Dataset | Collection) for v in value):
        return {"values": [v.ref() for v in value]}
    return value


def _walk(inputs: list[dict[str, Any]], prefix: str, always: bool, out: dict[str, tuple[str, bool]]) -> None:
    """Flat input name (``sec|x``, ``rep_0|x`` as ``rep_N|x``) -> (type, required-and-always-present)."""
    for i in inputs:
        kind, name = i.get("type", ""), i.get("name") or ""
        if kind == "section":
            _walk(i.get("inputs") or [], f"{prefix}{name}|", always, out)
        elif kind == "repeat":
            _walk(i.get("inputs") or [], f"{prefix}{name}_N|", False, out)
        elif kind == "conditional":
            if i.get("test_param"):
                _walk([i["test_param"]], f"{prefix}{name}|", False, out)
            for case in i.get("cases") or ():
                _walk(case.get("inputs") or [], f"{prefix}{name}|", False, out)
        elif name:
            out[f"{prefix}{name}"] = (kind, always and kind in DATA_TYPES and not i.get("optional"))


def input_types(tool: Tool) -> dict[str, str]:
    """Every input, by flat name (``sec|x``, ``rep_N|x``) and by leaf name, -> its type."""
    known: dict[str, tuple[str, bool]] = {}
    _walk(tool.raw.get("inputs") or [], "", True, known)
    types = {name.rsplit("|", 1)[-1]: kind for name, (kind, _) in known.items()}
    types.update({name: kind for name, (kind, _) in known.items()})
    return types


def input_type(types: Mapping[str, str], name: str) -> str:
    """The type of input ``name`` (``rep_0|x`` found as ``rep_N|x``, else by its leaf name)."""
    flat = re.sub(r"_\d+\|", "_N|", name)
    return types.get(flat) or types.get(flat.rsplit("|", 1)[-1], "")


def check_inputs(tool: Tool, inputs: Mapping[str, Any]) -> None:
    """Refuse unknown input names and missing required data inputs before anything is run.

    Galaxy itself fills a required data input that was not given with the history's newest
    dataset, and ignores a misspelled name: either runs the tool on the wrong data without a word.
    """
    known: dict[str, tuple[str, bool]] = {}
    _walk(tool.raw.get("inputs") or [], "", True, known)
    leaves = {name.rsplit("|", 1)[-1] for name in known}
    given = set()
    for key in inputs:
        flat = re.sub(r"_\d+\|", "_N|", str(key))
        leaf = flat.rsplit("|", 1)[-1]
        if flat not in known and leaf not in leaves:
            close = difflib.get_close_matches(leaf, sorted(leaves), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            listing = ", ".join(sorted(known)) or "none"
            raise BadInputError(f"Tool {tool.id} has no input {key!r}.{hint} Its inputs: {listing}.")
        given.update({flat, leaf})
    missing = [
        n
        for n, (_, required) in known.items()
        if required and n not in given and n.rsplit("|", 1)[-1] not in given
    ]
    if missing:
        kinds = ", ".join(
            f"{n!r} ({'a collection' if known[n][0] == 'data_collection' else 'a dataset'})" for n in missing
        )
        raise BadInputError(
            f"Tool {tool.id} needs input {kinds}, which was not given. Give it (NAME=ITEM in `%galaxy tool`, "
            "or in inputs=) so Galaxy does not pick the history's newest dataset by itself."
        )


class Tools(Resource):
    def list(self, search: str | None = None) -> list[Tool]:
        """Installed tools; ``search`` filters on the server (by name, id, description)."""
        if search:
            ids = self._gi.get("tools", params={"q": search})
            tools = {t["id"]: t for t in self._gi.get("tools", params={"in_panel": False})}
            return [Tool.from_api(tools[i]) for i in ids if i in tools]
        return [Tool.from_api(t) for t in self._gi.get("tools", params={"in_panel": False})]

    def search(self, text: str) -> builtins.list[Tool]:
        return self.list(text)

    def show(self, tool_id: str) -> Tool:
        """A tool with its inputs (names, types, defaults, allowed formats)."""
        if not isinstance(tool_id, str) or not tool_id.strip():
            raise BadInputError("Say which tool: give its id (tools.list() or `%galaxy tools` lists them).")
        path = f"tools/{segment(tool_id)}"
        try:
            data = self._gi.get(path, params={"io_details": True}, what=f"Tool {tool_id}")
        except NotFoundError as exc:
            exc.hint = f"No tool {tool_id!r} here; tools.list() lists them (ids are case-sensitive)."
            raise
        return Tool.from_api(data)

    def run(
        self,
        tool_id: str,
        history_id: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        use_cached_job: bool = False,
    ) -> ToolRun:
        """Run a tool. ``inputs`` are by name (``"cond|param"`` for nested ones); datasets and
        collections may be given as records. A collection given to a dataset input maps the tool
        over it (one job per element). Never retried: one call, one run."""
        tool = self.show(tool_id)
        check_inputs(tool, inputs or {})
        types = {i.name: i.type for i in tool.inputs}
        body = {
            "tool_id": tool_id,
            "history_id": history_id,
            "inputs": {k: _as_input(v, types.get(k)) for k, v in (inputs or {}).items()},
            "use_cached_job": use_cached_job,
        }
        data = self._gi.post("tools", json=body, what=f"Run {tool_id}")
        return ToolRun(
            jobs=[Job.from_api(j) for j in data.get("jobs") or ()],
            outputs=[Dataset.from_api(o) for o in data.get("outputs") or ()],
            output_collections=[Collection.from_api(c) for c in data.get("output_collections") or ()],
            implicit_collections=[Collection.from_api(c) for c in data.get("implicit_collections") or ()],
            raw=data,
        )

    def wait(self, run: ToolRun, *, timeout: float | None = 600) -> ToolRun:
        """Wait for every job of a run; raise JobFailedError on the first failure."""
        jobs = [self._gi.jobs.wait(j.id, timeout=timeout) for j in run.jobs]
        return ToolRun(
            jobs,
            [self._gi.datasets.show(d.id) for d in run.outputs],
            [self._gi.collections.show(c.id) for c in run.output_collections],
            [self._gi.collections.show(c.id) for c in run.implicit_collections],
            run.raw,
        )
