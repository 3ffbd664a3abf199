"""Tools: search, show inputs, run with inputs by name, map over collections."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..records import Collection, Dataset, Job, Tool
from ._base import Resource


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


class Tools(Resource):
    def list(self, search: str | None = None) -> list[Tool]:
        """Installed tools; ``search`` filters on the server (by name, id, description)."""
        if search:
            ids = self._gi.get("tools", params={"q": search})
            tools = {t["id"]: t for t in self._gi.get("tools", params={"in_panel": False})}
            return [Tool.from_api(tools[i]) for i in ids if i in tools]
        return [Tool.from_api(t) for t in self._gi.get("tools", params={"in_panel": False})]

    def search(self, text: str) -> list[Tool]:
        return self.list(text)

    def show(self, tool_id: str) -> Tool:
        """A tool with its inputs (names, types, defaults, allowed formats)."""
        data = self._gi.get(f"tools/{tool_id}", params={"io_details": True}, what=f"Tool {tool_id}")
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
