"""Workflows: list, show inputs by label, import (.ga or gxformat2), invoke by label."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import GalaxyError
from ..records import Collection, Dataset, History, Invocation, Workflow
from ._base import Resource


class Workflows(Resource):
    def list(self, search: str | None = None, *, published: bool = False) -> list[Workflow]:
        """The user's workflows (``search`` is applied on the server), newest first."""
        params = {
            "search": search or None,
            "show_published": published,
            "sort_by": "update_time",
            "sort_desc": True,
        }
        return [Workflow.from_api(w) for w in self._gi.get("workflows", params=params)]

    def show(self, workflow_id: str) -> Workflow:
        """A workflow with its inputs by label (type, formats, parameter type, default)."""
        return Workflow.from_api(self._gi.get(f"workflows/{workflow_id}", what=f"Workflow {workflow_id}"))

    def get(self, spec: str | Workflow) -> Workflow:
        """A workflow by id or exact name (the newest of that name)."""
        if isinstance(spec, Workflow):
            return spec
        from .histories import ENCODED_ID, ItemLookupError

        if ENCODED_ID.match(spec):
            try:
                return self.show(spec)
            except GalaxyError:
                pass
        named = [w for w in self.list(spec) if w.name == spec]
        if not named:
            raise ItemLookupError(f"No workflow named or with id {spec!r}; list them with workflows.list().")
        return self.show(named[0].id)

    def import_(
        self, source: str | os.PathLike[str] | Mapping[str, Any], *, name: str | None = None
    ) -> Workflow:
        """Import a workflow from a ``.ga`` / gxformat2 (``.gxwf.yml``) file, its text, or a dict."""
        if isinstance(source, Mapping):
            payload: dict[str, Any] = dict(source)
        else:
            text = str(source)
            if isinstance(source, os.PathLike) or (
                len(text) < 1024 and "\n" not in text and Path(text).is_file()
            ):
                text = Path(source).read_text()
            stripped = text.lstrip()
            payload = json.loads(text) if stripped.startswith("{") else {"yaml_content": text}
        if name and "yaml_content" not in payload:
            payload["name"] = name
        data = self._gi.post("workflows", json={"workflow": payload}, what="Workflow import")
        return self.show(data["id"])

    def delete(self, workflow_id: str) -> None:
        self._gi.delete(f"workflows/{workflow_id}", what=f"Workflow {workflow_id}")

    def invoke(
        self,
        workflow: str | Workflow,
        inputs: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        history: str | History | None = None,
        new_history_name: str | None = None,
        use_cached_job: bool = False,
        allow_tool_state_corrections: bool = True,
    ) -> Invocation:
        """Invoke a workflow with inputs by label.

        ``inputs`` maps input labels to Datasets/Collections (or ``{"src","id"}``) and parameter
        labels to values. ``params`` sets tool parameters by step label (or index):
        ``{"sort step": {"reverse": True}}``. The run goes into ``history`` or a new history.
        POSTed once and never retried, so a flaky network cannot launch it twice.
        ``allow_tool_state_corrections`` (on, as in the web UI's run form) lets a step whose saved
        state lacks a parameter use the tool's default instead of refusing with "upgrade messages".
        """
        wf = self.get(workflow)
        labels = {i.label: i for i in wf.inputs}
        body_inputs: dict[str, Any] = {}
        for label, value in (inputs or {}).items():
            if label not in labels:
                known = ", ".join(repr(lab) for lab in labels) or "none"
                raise GalaxyError(f"Workflow {wf.name!r} has no input labelled {label!r} (inputs: {known}).")
            inp = labels[label]
            if isinstance(value, Dataset | Collection):
                value = value.ref()
            elif inp.type != "parameter_input" and isinstance(value, str):
                value = {"src": "hdca" if inp.type == "data_collection_input" else "hda", "id": value}
            body_inputs[str(inp.index)] = value
        missing = [
            i.label
            for i in wf.inputs
            if not i.optional
            and str(i.index) not in body_inputs
            and not (i.type == "parameter_input" and i.default is not None)
        ]
        if missing:
            raise GalaxyError(f"Workflow {wf.name!r} needs input(s): {', '.join(map(repr, missing))}.")
        body: dict[str, Any] = {
            "inputs": body_inputs,
            "inputs_by": "step_index",
            "use_cached_job": use_cached_job,
            "allow_tool_state_corrections": allow_tool_state_corrections,
        }
        if params:
            body["parameters"] = self._step_params(wf, params, self._step_labels(wf.id))
            body["parameters_normalized"] = True
        if new_history_name:
            body["new_history_name"] = new_history_name
        elif history is not None:
            body["history_id"] = history.id if isinstance(history, History) else history
        elif self._gi.history_id:
            body["history_id"] = self._gi.history_id
        else:
            raise GalaxyError("Say where the run goes: history=... or new_history_name=....")
        data = self._gi.post(f"workflows/{wf.id}/invocations", json=body, what=f"Invoke {wf.name!r}")
        if isinstance(data, list):
            data = data[0]
        return Invocation.from_api(data)

    def _step_labels(self, workflow_id: str) -> dict[str, str]:
        """Step label -> step index (the plain show leaves step labels out)."""
        steps = self._gi.get(f"workflows/{workflow_id}/download", params={"style": "ga"})["steps"]
        return {s["label"]: k for k, s in steps.items() if s.get("label")}

    @staticmethod
    def _step_params(
        wf: Workflow, params: Mapping[str, Mapping[str, Any]], by_label: dict[str, str]
    ) -> dict[str, Any]:
        steps = wf.raw.get("steps") or {}
        out: dict[str, Any] = {}
        for key, values in params.items():
            index = by_label.get(str(key), str(key))
            if index not in steps:
                known = ", ".join(repr(lab) for lab in by_label) or "none labelled"
                raise GalaxyError(f"Workflow {wf.name!r} has no step {key!r} (steps: {known}).")
            out[index] = dict(values)
        return out
