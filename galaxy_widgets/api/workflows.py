"""Workflows: list, show inputs by label, import (.ga or gxformat2), invoke by label.

What a workflow needs before it can run is read the way the web UI's run form reads it
(``download?style=run``): the tools the server lacks, and the choices of ``restrictOnConnections``
parameters. Parameter values are coerced and checked against the inputs' own validators here, once,
for the magics, the launcher and ``invoke``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GalaxyAPIError, GalaxyError
from ..records import Collection, Dataset, History, Invocation, MissingTool, Workflow, WorkflowInput
from ._base import Resource

_MISSING = "Following tools missing:"


class MissingToolsError(GalaxyError):
    """The workflow uses tools this server does not have; ``tools`` says which and from where."""

    def __init__(self, workflow: Workflow) -> None:
        self.tools = workflow.missing_tools
        super().__init__(
            f"Workflow {workflow.name!r} cannot run here: {len(self.tools)} tool(s) are not installed: "
            + "; ".join(map(str, self.tools))
            + ". Ask the server's admin to install them from the Tool Shed."
        )


class MissingToolsWarning(UserWarning):
    """An imported workflow uses tools the server does not have."""


def collection_fits(wanted: str, given: str) -> bool:
    """Whether a collection of type ``given`` can feed an input of type ``wanted``: the same type,
    or one to map over (``list:paired`` into ``paired``), as Galaxy's collection type algebra says."""
    if not wanted:
        return True

    def norm(t: str) -> str:
        return "list" + t[len("sample_sheet") :] if t.startswith("sample_sheet") else t

    w, g = norm(wanted), norm(given)
    if w == g or g.endswith(f":{w}"):
        return True
    if w == "paired_or_unpaired":
        return True
    if w.endswith(":paired_or_unpaired"):
        rank = w[: -len(":paired_or_unpaired")]
        base = g[: -len(":paired")] if g.endswith(":paired") else g
        return base == rank or base.endswith(f":{rank}")
    return False


def _in_range(inp: WorkflowInput, v: dict, value: Any) -> str | None:
    lo, hi = v.get("min"), v.get("max")
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    ok = (lo is None or (x > float(lo) if v.get("exclude_min") else x >= float(lo))) and (
        hi is None or (x < float(hi) if v.get("exclude_max") else x <= float(hi))
    )
    if ok != bool(v.get("negate")):
        return None
    span = f"{'(' if v.get('exclude_min') else '['}{'-inf' if lo is None else lo}, "
    span += f"{'inf' if hi is None else hi}{')' if v.get('exclude_max') else ']'}"
    return v.get("message") or f"{value!r} is {'' if v.get('negate') else 'not '}in the range {span}"


def _regex(inp: WorkflowInput, v: dict, value: Any) -> str | None:
    matched = re.match(v.get("expression") or "", str(value)) is not None
    if matched != bool(v.get("negate")):
        return None
    return v.get("message") or f"{value!r} does not match the pattern {v.get('expression')!r}"


def _length(inp: WorkflowInput, v: dict, value: Any) -> str | None:
    n, lo, hi = len(str(value)), v.get("min"), v.get("max")
    ok = (lo is None or n >= int(lo)) and (hi is None or n <= int(hi))
    if ok != bool(v.get("negate")):
        return None
    return (
        v.get("message")
        or f"{value!r} must be {lo or 0} to {hi if hi is not None else 'any'} characters long"
    )


_VALIDATORS = {"in_range": _in_range, "regex": _regex, "length": _length}


def parameter_value(inp: WorkflowInput, value: Any) -> Any:
    """``value`` for the parameter input ``inp``: text coerced to its type, then checked against its
    choices and validators (with the validator's own message); raises BadParameterError."""
    kind = inp.parameter_type
    if isinstance(value, str):
        low = value.strip().lower()
        try:
            if kind == "boolean":
                if low not in ("true", "false", "yes", "no", "1", "0"):
                    raise ValueError(value)
                value = low in ("true", "yes", "1")
            elif kind == "integer":
                value = int(value)
            elif kind == "float":
                value = float(value)
                if not math.isfinite(value):
                    raise ValueError(value)
        except ValueError:
            raise BadParameterError(
                inp, f"{value!r} is not {'an' if kind[:1] in 'aeiou' else 'a'} {kind}"
            ) from None
    elif kind == "boolean" and not isinstance(value, bool):
        raise BadParameterError(inp, f"{value!r} is not true or false")
    elif kind in ("integer", "float") and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise BadParameterError(inp, f"{value!r} is not {'an integer' if kind == 'integer' else 'a number'}")
    if inp.options and value not in inp.options and str(value) not in map(str, inp.options):
        raise BadParameterError(inp, f"{value!r} is not one of {', '.join(map(repr, inp.options))}")
    for v in inp.validators:
        check = _VALIDATORS.get(v.get("type", ""))
        problem = check(inp, v, value) if check else None
        if problem:
            raise BadParameterError(inp, problem)
    return value


class BadParameterError(GalaxyError, ValueError):
    """A parameter value the input's type, choices or validators refuse."""

    def __init__(self, inp: WorkflowInput, problem: str) -> None:
        self.input = inp
        self.problem = problem
        super().__init__(f"Input {inp.label!r}: {problem}.")


#: Namespace of the uuids derived from a workflow's content (a file without a uuid of its own).
CONTENT_UUID_NAMESPACE = uuid.UUID("5d1c9e3e-0f55-4a8e-9c36-7b0f3b1d2a61")
MAX_WORKFLOW_BYTES = 20 * 1024 * 1024


class AmbiguousNameWarning(UserWarning):
    """Several workflows share the name asked for; the newest was taken (give an id to be exact)."""


@dataclass(frozen=True)
class WorkflowSource:
    """A workflow read for import: the dict sent to Galaxy and what identifies its content.

    ``uuid`` is the file's own uuid, or one derived from the sha256 of its content (then written
    into ``payload``, so Galaxy keeps it and a later import of the same content finds it).
    """

    payload: dict[str, Any] = field(repr=False)
    name: str
    uuid: str
    sha256: str
    origin: str = ""
    own_uuid: bool = False

    @property
    def format(self) -> str:
        return "gxformat2" if self.payload.get("class") == "GalaxyWorkflow" else "ga"


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
        """A workflow with its inputs by label (type, formats, parameter type, default, help,
        validators, choices) and the tools it needs that the server lacks (``missing_tools``)."""
        data = self._gi.get(f"workflows/{workflow_id}", what=f"Workflow {workflow_id}")
        form, missing = self._run_form(data)
        return Workflow.from_api(data, form, missing)

    def check(self, workflow: str | Workflow) -> tuple[MissingTool, ...]:
        """The tools ``workflow`` uses that this server lacks (empty when it can run), read fresh."""
        return self.show(self.get(workflow).id).missing_tools

    def _run_form(self, data: dict) -> tuple[dict | None, tuple[MissingTool, ...]]:
        """What the web UI's run form reads (``download?style=run``): the runtime inputs, or
        Galaxy's 400 "Following tools missing: ..." turned into MissingTool records."""
        history_id = self._gi.history_id
        if not history_id:  # the run form needs one, though nothing here depends on which
            newest = self._gi.get("histories", params={"limit": 1, "keys": "id"}, what="Histories")
            history_id = newest[0]["id"] if newest else None
        params = {"style": "run", **({"history_id": history_id} if history_id else {})}
        try:
            form = self._gi.get(f"workflows/{data['id']}/download", params=params, what="Workflow run form")
        except GalaxyAPIError as exc:
            if exc.status == 400 and _MISSING in (exc.err_msg or ""):
                ids = [t.strip() for t in exc.err_msg.split(_MISSING, 1)[1].split(",") if t.strip()]
                return None, self._missing(data["id"], ids)
            return None, ()  # the inputs are still known from the plain show
        return form, ()

    def _missing(self, workflow_id: str, tool_ids: Sequence[str]) -> tuple[MissingTool, ...]:
        """MissingTool records for ``tool_ids``: versions, Tool Shed repositories and the steps
        using them, from the exported steps (subworkflows included)."""
        export = self._gi.get(f"workflows/{workflow_id}/download", params={"style": "ga"}, what="Workflow")
        uses: dict[str, list[tuple[str, dict]]] = {}

        def walk(steps: dict, prefix: str) -> None:
            for key, step in sorted(steps.items(), key=lambda kv: int(kv[0])):
                name = f"{prefix}{step.get('label') or f'step {key}'}"
                if step.get("subworkflow"):
                    walk(step["subworkflow"].get("steps") or {}, f"{name} / ")
                elif step.get("tool_id"):
                    uses.setdefault(step["tool_id"], []).append((name, step))

        walk(export.get("steps") or {}, "")
        out = []
        for tool_id in tool_ids:
            found = uses.get(tool_id, [])
            raw = found[0][1] if found else {}
            out.append(
                MissingTool.from_id(tool_id, raw.get("tool_version") or "", tuple(n for n, _ in found), raw)
            )
        return tuple(out)

    def accepted_extensions(self, formats: Sequence[str]) -> frozenset[str] | None:
        """Every extension a data input declared with ``formats`` accepts (their subtypes included,
        from Galaxy's datatype hierarchy, as the web UI does); None when it accepts anything."""
        wanted = [f for f in formats if f]
        if not wanted or "data" in wanted:
            return None
        mapping = self._datatypes()
        ext_class = mapping.get("ext_to_class_name") or {}
        parents = mapping.get("class_to_classes") or {}
        classes = {ext_class[f] for f in wanted if f in ext_class}
        out = set(wanted)
        out.update(ext for ext, cls in ext_class.items() if classes & set(parents.get(cls) or ()))
        return frozenset(out)

    def _datatypes(self) -> dict[str, Any]:
        if getattr(self, "_datatypes_mapping", None) is None:
            data = self._gi.get("datatypes/types_and_mapping", what="Datatypes")
            self._datatypes_mapping = data.get("datatypes_mapping") or {}
        return self._datatypes_mapping

    def get(self, spec: str | Workflow) -> Workflow:
        """A workflow by id or exact name (the newest of that name)."""
        if isinstance(spec, Workflow):
            return spec
        from ..errors import NotFoundError
        from .histories import ItemLookupError, is_encoded_id

        if is_encoded_id(spec):
            try:
                return self.show(spec)
            except NotFoundError:
                pass  # not a workflow id: maybe a name that looks like one
        named = [w for w in self.list(spec) if w.name == spec]  # newest first
        if not named:
            raise ItemLookupError(f"No workflow named or with id {spec!r}; list them with workflows.list().")
        if len(named) > 1:
            newest = named[0]
            others = ", ".join(w.id for w in named[1:4]) + (", ..." if len(named) > 4 else "")
            warnings.warn(
                f"{len(named)} workflows are named {spec!r}; using the newest, {newest.id} (updated "
                f"{newest.update_time[:19].replace('T', ' ')}). Give an id to pick another: {others}.",
                AmbiguousNameWarning,
                stacklevel=2,
            )
        return self.show(named[0].id)

    def read(
        self, source: str | os.PathLike[str] | Mapping[str, Any], *, name: str | None = None
    ) -> WorkflowSource:
        """Read a workflow for import: a ``.ga`` or gxformat2 (``.gxwf.yml``) file, an http(s) URL,
        the text of either, or a dict. Nothing is sent to Galaxy; a URL is fetched without the key.
        """
        origin = ""
        if isinstance(source, Mapping):
            data: Any = dict(source)
        else:
            text = os.fspath(source) if isinstance(source, os.PathLike) else str(source)
            stripped = text.strip()
            if isinstance(source, str) and stripped.lower().startswith(("http://", "https://")):
                origin = stripped
                text = _download_text(stripped, timeout=self._gi.timeout)
            elif isinstance(source, os.PathLike) or not (stripped.startswith("{") or "\n" in stripped):
                path = Path(text).expanduser()
                if not path.is_file():
                    raise GalaxyError(f"No workflow file at {text}; check the path.")
                origin = str(path)
                text = path.read_text(encoding="utf-8")
            data = _parse_workflow_text(text, origin or "The workflow text")
        if not isinstance(data, dict) or not (
            data.get("a_galaxy_workflow") or data.get("class") == "GalaxyWorkflow"
        ):
            raise GalaxyError(
                f"{origin or 'The workflow'} is not a Galaxy workflow (.ga JSON with a_galaxy_workflow, "
                "or gxformat2 YAML with class: GalaxyWorkflow)."
            )
        payload = dict(data)
        format2 = payload.get("class") == "GalaxyWorkflow"
        if name:
            payload["label" if format2 else "name"] = name
        content = {k: v for k, v in payload.items() if k != "uuid"}
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
        own = str(payload.get("uuid") or "")
        if not own:
            # Galaxy accepts only version-4 uuids: the content hash with the v4 bits set
            payload["uuid"] = str(uuid.UUID(bytes=bytes.fromhex(digest)[:16], version=4))
        title = str(payload.get("label" if format2 else "name") or payload.get("name") or "")
        return WorkflowSource(payload, title, str(payload["uuid"]), digest, origin, bool(own))

    def find_copy(self, source: WorkflowSource) -> Workflow | None:
        """The newest imported workflow identical to ``source`` (same uuid), or None.

        The uuid is the file's own, or for a file without one a uuid derived from its content, so
        a re-import of the same content is found.
        """
        for w in self.list():
            if w.raw.get("latest_workflow_uuid") == source.uuid and (
                not source.own_uuid or not source.name or w.name == source.name
            ):
                return w
        return None

    def import_(
        self,
        source: str | os.PathLike[str] | Mapping[str, Any] | WorkflowSource,
        *,
        name: str | None = None,
        reuse: bool = False,
    ) -> Workflow:
        """Import a workflow from a ``.ga`` / gxformat2 (``.gxwf.yml``) file, a URL, its text, or a dict.

        With ``reuse`` an identical workflow already imported (same uuid, or same content: see
        :meth:`find_copy`) is returned instead of a second copy being made.
        """
        src = source if isinstance(source, WorkflowSource) else self.read(source, name=name)
        found = self.find_copy(src) if reuse else None
        if found is not None:
            return self.show(found.id)
        data = self._gi.post("workflows", json={"workflow": src.payload}, what="Workflow import")
        wf = self.show(data["id"])
        if wf.missing_tools:
            warnings.warn(
                f"Imported {wf.name!r}, but it cannot run here until these tools are installed: "
                + "; ".join(map(str, wf.missing_tools)),
                MissingToolsWarning,
                stacklevel=2,
            )
        return wf

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
        instance_id: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Invocation:
        """Invoke a workflow with inputs by label.

        ``inputs`` maps input labels to Datasets/Collections (or ``{"src","id"}``) and parameter
        labels to values. ``params`` sets tool parameters by step label (or index):
        ``{"sort step": {"reverse": True}}``. The run goes into ``history`` or a new history.
        POSTed once and never retried, so a flaky network cannot launch it twice.
        ``allow_tool_state_corrections`` (on, as in the web UI's run form) lets a step whose saved
        state lacks a parameter use the tool's default instead of refusing with "upgrade messages".
        ``instance_id`` runs that exact version of the workflow (an invocation's ``workflow_id``)
        rather than the latest; ``extra`` adds fields to Galaxy's request as they are (a rerun
        carries over the original's ``replacement_params``, ``resource_params``, object stores).
        """
        wf = self.get(workflow)
        if wf.missing_tools:
            raise MissingToolsError(wf)
        body_inputs: dict[str, Any] = {}
        for label, value in (inputs or {}).items():
            inp = wf.input(label)
            if str(inp.index) in body_inputs:
                raise GalaxyError(f"Input {inp.label!r} is given twice (as {label!r} too).")
            if inp.type == "parameter_input":
                value = parameter_value(inp, value)
            elif isinstance(value, Dataset | Collection):
                value = value.ref()
            elif isinstance(value, str):
                value = {"src": "hdca" if inp.type == "data_collection_input" else "hda", "id": value}
            body_inputs[str(inp.index)] = value
        missing = [i.label for i in wf.inputs if i.required and str(i.index) not in body_inputs]
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
        body.update(extra or {})
        if instance_id:
            body["instance"] = True
        path = f"workflows/{instance_id or wf.id}/invocations"
        data = self._gi.post(path, json=body, what=f"Invoke {wf.name!r}")
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


def _parse_workflow_text(text: str, where: str) -> Any:
    """A ``.ga`` (JSON) or gxformat2 (YAML) text as a dict."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise GalaxyError(f"{where} is not valid .ga JSON: {exc}.") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GalaxyError(f"{where} is neither .ga JSON nor valid gxformat2 YAML: {exc}.") from None


def _download_text(url: str, *, timeout: float | None) -> str:
    """A workflow file from another server: a plain GET, never on the Galaxy session (no API key)."""
    import requests

    body = bytearray()
    try:
        with requests.get(url, timeout=timeout or 60, stream=True) as resp:
            if resp.status_code != 200:
                raise GalaxyError(f"Could not fetch the workflow from {url}: HTTP {resp.status_code}.")
            for chunk in resp.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_WORKFLOW_BYTES:
                    raise GalaxyError(f"{url} is over {MAX_WORKFLOW_BYTES} bytes: not a workflow file.")
            encoding = resp.encoding or "utf-8"
    except requests.RequestException as exc:
        raise GalaxyError(f"Could not fetch the workflow from {url} ({type(exc).__name__}).") from None
    return bytes(body).decode(encoding, errors="replace")
