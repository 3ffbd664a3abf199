"""Frozen records for what Galaxy returns: histories, datasets, collections, workflows, ..."""

from __future__ import annotations

import html
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import GalaxyError
from .states import (  # noqa: F401  (re-exported: the one vocabulary lives in states.py)
    ERROR_DATASET_STATES,
    ERROR_JOB_STATES,
    TERMINAL_DATASET_STATES,
    TERMINAL_JOB_STATES,
)


def _html_table(title: str, rows: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
        if v not in (None, "", (), {})
    )
    return f"<table><caption style='text-align:left'><b>{html.escape(title)}</b></caption>{cells}</table>"


def nice_size(n: float | None) -> str:
    """``1536`` -> ``'1.5 KiB'``: 1024-based with IEC units, the one size formatter (empty for unknown)."""
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def _dbkey(value: Any) -> str:
    return "" if value in (None, "", "?") else str(value)


class _Record:
    """Shared helpers: ``raw`` keeps Galaxy's full dict; reprs show the key fields."""

    raw: dict

    def _rows(self) -> list[tuple[str, Any]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self) if f.repr]  # type: ignore[arg-type]

    def _repr_html_(self) -> str:
        return _html_table(type(self).__name__, self._rows())

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "raw"}  # type: ignore[arg-type]


@dataclass(frozen=True)
class User(_Record):
    id: str
    email: str = ""
    username: str = ""
    is_admin: bool = False
    total_disk_usage: float | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> User:
        return cls(
            id=d["id"],
            email=d.get("email", ""),
            username=d.get("username", ""),
            is_admin=bool(d.get("is_admin")),
            total_disk_usage=d.get("total_disk_usage"),
            raw=d,
        )


@dataclass(frozen=True)
class History(_Record):
    id: str
    name: str
    count: int | None = None
    size: int | None = None
    update_time: str = ""
    tags: tuple[str, ...] = ()
    deleted: bool = False
    purged: bool = False
    visible_count: int | None = None  # not deleted and not hidden: what `ls` and the web UI list
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> History:
        active = d.get("contents_active") or {}
        return cls(
            id=d["id"],
            name=d.get("name", ""),
            count=d.get("count"),
            visible_count=active.get("active"),
            size=d.get("size"),
            update_time=d.get("update_time", ""),
            tags=tuple(d.get("tags") or ()),
            deleted=bool(d.get("deleted")),
            purged=bool(d.get("purged")),
            raw=d,
        )

    @property
    def nice_size(self) -> str:
        return nice_size(self.size)

    @property
    def count_text(self) -> str:
        """``'13 visible (37 in all)'``: what `ls` lists, then every item incl. hidden and deleted."""
        if self.visible_count is None or self.visible_count == self.count:
            return f"{self.count or 0} items"
        return f"{self.visible_count} visible ({self.count or 0} in all)"


class _HistoryItem(_Record):
    """What datasets and collections share: Galaxy encodes their ids alike, so an id alone does not
    say which one it names; ``type_id`` does (Galaxy's own ``dataset-ID`` / ``dataset_collection-ID``)."""

    id: str
    history_content_type: str

    @property
    def type_id(self) -> str:
        return f"{self.history_content_type}-{self.id}"


@dataclass(frozen=True)
class Dataset(_HistoryItem):
    """A dataset in a history (an HDA)."""

    id: str
    name: str = ""
    hid: int | None = None
    extension: str = ""
    state: str = ""
    history_id: str = ""
    size: int | None = None
    update_time: str = ""
    tags: tuple[str, ...] = ()
    deleted: bool = False
    visible: bool = True
    dbkey: str = ""  # genome build, e.g. hg38 ("" when Galaxy has "?": unspecified)
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    history_content_type = "dataset"
    src = "hda"

    @classmethod
    def from_api(cls, d: dict) -> Dataset:
        return cls(
            id=d["id"],
            name=d.get("name") or "",
            hid=d.get("hid"),
            extension=d.get("extension") or d.get("file_ext") or "",
            state=d.get("state") or "",
            history_id=d.get("history_id") or "",
            size=d.get("file_size") if d.get("file_size") is not None else d.get("size"),
            update_time=d.get("update_time") or "",
            tags=tuple(d.get("tags") or ()),
            deleted=bool(d.get("deleted")),
            visible=d.get("visible", True) is not False,
            dbkey=_dbkey(d.get("genome_build") or d.get("metadata_dbkey")),
            raw=d,
        )

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_DATASET_STATES

    @property
    def column_names(self) -> list[str] | None:
        return self.raw.get("metadata_column_names") or None

    @property
    def column_types(self) -> list[str] | None:
        return self.raw.get("metadata_column_types") or None

    @property
    def peek(self) -> str:
        return self.raw.get("peek") or ""

    @property
    def creating_job(self) -> str | None:
        return self.raw.get("creating_job")

    def ref(self) -> dict[str, str]:
        """``{"src": "hda", "id": ...}`` as tool and workflow inputs want it."""
        return {"src": self.src, "id": self.id}


@dataclass(frozen=True)
class CollectionElement(_Record):
    identifier: str
    type: str  # "hda" or "dataset_collection"
    object: Dataset | Collection | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> CollectionElement:
        obj = d.get("object") or {}
        etype = d.get("element_type", "hda")
        child: Dataset | Collection | None
        if etype == "dataset_collection":
            child = Collection.from_api(obj)
        else:
            child = Dataset.from_api(obj) if obj else None
        return cls(identifier=d.get("element_identifier", ""), type=etype, object=child, raw=d)


@dataclass(frozen=True)
class Collection(_HistoryItem):
    """A dataset collection in a history (an HDCA), or a nested one inside it."""

    id: str
    name: str = ""
    hid: int | None = None
    collection_type: str = ""
    element_count: int | None = None
    populated_state: str = ""
    history_id: str = ""
    elements: tuple[CollectionElement, ...] = ()
    tags: tuple[str, ...] = ()
    deleted: bool = False
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    history_content_type = "dataset_collection"
    src = "hdca"

    @classmethod
    def from_api(cls, d: dict) -> Collection:
        return cls(
            id=d.get("id", ""),
            name=d.get("name") or "",
            hid=d.get("hid"),
            collection_type=d.get("collection_type", ""),
            element_count=d.get("element_count"),
            populated_state=d.get("populated_state", ""),
            history_id=d.get("history_id") or "",
            elements=tuple(CollectionElement.from_api(e) for e in d.get("elements") or ()),
            tags=tuple(d.get("tags") or ()),
            deleted=bool(d.get("deleted")),
            raw=d,
        )

    @property
    def state(self) -> str:
        return self.raw.get("populated_state") or self.raw.get("state") or ""

    @property
    def extension(self) -> str:
        return self.collection_type

    def datasets(self) -> dict[str, Any]:
        """Element identifier -> Dataset, nested dicts for nested collections."""
        out: dict[str, Any] = {}
        for el in self.elements:
            out[el.identifier] = el.object.datasets() if isinstance(el.object, Collection) else el.object
        return out

    def ref(self) -> dict[str, str]:
        return {"src": self.src, "id": self.id}

    def _rows(self) -> list[tuple[str, Any]]:
        rows = [r for r in super()._rows() if r[0] != "elements"]
        return [*rows, ("elements", ", ".join(e.identifier for e in self.elements))]


@dataclass(frozen=True)
class WorkflowInput(_Record):
    """One input of a workflow, addressed by its label.

    ``options`` are the only values allowed (static restrictions, or the choices Galaxy computes
    from the connected tools for ``restrictOnConnections``); ``suggestions`` are offered, but any
    text is allowed. ``validators`` are Galaxy's own (``in_range``, ``regex``, ...), with their
    messages; ``help`` is the step annotation.
    """

    index: int
    label: str
    type: str  # data_input, data_collection_input, parameter_input
    optional: bool = False
    formats: tuple[str, ...] = ()
    collection_type: str = ""
    parameter_type: str = ""  # text, integer, float, boolean, color, ...
    default: Any = None
    options: tuple[Any, ...] = ()
    help: str = ""
    validators: tuple[dict, ...] = ()
    suggestions: tuple[Any, ...] = ()
    restrict_on_connections: bool = False
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def required(self) -> bool:
        """Must be given at invoke: not optional and (for parameters) without a default."""
        return not self.optional and not (self.type == "parameter_input" and self.default is not None)


@dataclass(frozen=True)
class MissingTool(_Record):
    """A tool a workflow uses that the server does not have, and where it comes from."""

    tool_id: str
    version: str = ""
    tool_shed: str = ""
    owner: str = ""
    repository: str = ""
    steps: tuple[str, ...] = ()  # the steps using it ("subworkflow label / step label")
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_id(
        cls, tool_id: str, version: str = "", steps: tuple[str, ...] = (), raw: dict | None = None
    ) -> MissingTool:
        """Parse ``toolshed.g2.bx.psu.edu/repos/OWNER/REPO/TOOL/VERSION``; the step's
        ``tool_shed_repository`` (when the export has one) wins over the id."""
        parts = tool_id.split("/")
        shed = owner = repo = ""
        if len(parts) >= 5 and parts[1] == "repos":
            shed, owner, repo = parts[0], parts[2], parts[3]
            version = version or (parts[5] if len(parts) > 5 else "")
        tsr = (raw or {}).get("tool_shed_repository") or {}
        return cls(
            tool_id=tool_id,
            version=version,
            tool_shed=tsr.get("tool_shed") or shed,
            owner=tsr.get("owner") or owner,
            repository=tsr.get("name") or repo,
            steps=steps,
            raw=raw or {},
        )

    def __str__(self) -> str:
        text = self.tool_id
        if self.version and self.version not in self.tool_id:
            text += f" version {self.version}"
        if self.repository:
            text += f" (Tool Shed {self.tool_shed}: repository {self.repository!r} by {self.owner})"
        return text + (f", used by {', '.join(self.steps)}" if self.steps else "")


class InputLabelError(GalaxyError, KeyError):
    """No input has that label, or (after whitespace normalisation) several have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _norm_label(label: str) -> str:
    return " ".join(label.split())


def _step_input(step: dict, ts: dict, form: dict | None) -> dict[str, Any]:
    """The help, validators, choices and suggestions of one input step (with its run form entry)."""
    param = ((form or {}).get("inputs") or [{}])[0]
    validators = [dict(v) for v in ts.get("validators") or ()]
    lo, hi = ts.get("min", param.get("min")), ts.get("max", param.get("max"))
    if (lo is not None or hi is not None) and not any(v.get("type") == "in_range" for v in validators):
        validators.append({"type": "in_range", "min": lo, "max": hi})
    if param.get("type") == "select" and param.get("options"):
        options = tuple(o[1] for o in param["options"])  # [label, value, selected]
    else:
        options = tuple((o.get("value") if isinstance(o, dict) else o) for o in ts.get("restrictions") or ())
    return {
        "help": (step.get("annotation") or "").strip(),
        "validators": tuple(validators),
        "options": options,
        "suggestions": tuple(
            (o.get("value") if isinstance(o, dict) else o) for o in ts.get("suggestions") or ()
        ),
        "restrict_on_connections": bool(ts.get("restrictOnConnections")),
    }


@dataclass(frozen=True)
class Workflow(_Record):
    id: str
    name: str
    inputs: tuple[WorkflowInput, ...] = ()
    step_count: int | None = None
    owner: str = ""
    tags: tuple[str, ...] = ()
    update_time: str = ""
    missing_tools: tuple[MissingTool, ...] = ()
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(
        cls, d: dict, run_form: dict | None = None, missing_tools: tuple[MissingTool, ...] = ()
    ) -> Workflow:
        """From ``GET /api/workflows/{id}``; ``run_form`` (``download?style=run``, what the web
        UI's run form reads) adds the choices Galaxy computes from connected tools."""
        steps = d.get("steps") or {}
        labels = {k: (v or {}).get("label") for k, v in (d.get("inputs") or {}).items()}
        forms = {str(s.get("step_index")): s for s in (run_form or {}).get("steps") or ()}
        inputs = []
        for key, step in sorted(steps.items(), key=lambda kv: int(kv[0])):
            if step.get("type") not in ("data_input", "data_collection_input", "parameter_input"):
                continue
            ts = step.get("tool_inputs") or {}
            fmt = ts.get("format") or []
            inputs.append(
                WorkflowInput(
                    index=int(key),
                    label=labels.get(key) or step.get("label") or step.get("annotation") or f"input {key}",
                    type=step["type"],
                    optional=bool(ts.get("optional")),
                    formats=tuple(fmt if isinstance(fmt, list) else [fmt]),
                    collection_type=ts.get("collection_type") or "",
                    parameter_type=ts.get("parameter_type") or "",
                    default=ts.get("default"),
                    **_step_input(step, ts, forms.get(key)),
                    raw=step,
                )
            )
        return cls(
            id=d["id"],
            name=d.get("name", ""),
            inputs=tuple(inputs),
            step_count=len(steps) if steps else d.get("number_of_steps"),
            owner=d.get("owner", ""),
            tags=tuple(d.get("tags") or ()),
            update_time=d.get("update_time", ""),
            missing_tools=tuple(missing_tools),
            raw=d,
        )

    def input(self, label: str) -> WorkflowInput:
        """The input with this label: exactly, else after collapsing whitespace (``"a  b "`` finds
        ``"a b"``) when that leaves one; raises InputLabelError otherwise."""
        for inp in self.inputs:
            if inp.label == label:
                return inp
        loose = [i for i in self.inputs if _norm_label(i.label) == _norm_label(label)]
        if len(loose) == 1:
            return loose[0]
        if loose:
            raise InputLabelError(
                f"Workflow {self.name!r}: {label!r} could be any of "
                f"{', '.join(repr(i.label) for i in loose)}; give the exact label (quoted, spaces included)."
            )
        known = ", ".join(repr(i.label) for i in self.inputs) or "none"
        raise InputLabelError(f"Workflow {self.name!r} has no input labelled {label!r} (inputs: {known}).")

    def _rows(self) -> list[tuple[str, Any]]:
        rows = [r for r in super()._rows() if r[0] not in ("inputs", "missing_tools")]
        rows.append(("inputs", ", ".join(f"{i.label} ({i.type})" for i in self.inputs)))
        if self.missing_tools:
            rows.append(("missing tools", "; ".join(map(str, self.missing_tools))))
        return rows


@dataclass(frozen=True)
class InvocationStep(_Record):
    order_index: int
    label: str = ""
    state: str = ""
    job_id: str | None = None
    subworkflow_invocation_id: str | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> InvocationStep:
        return cls(
            order_index=d.get("order_index", 0),
            label=d.get("workflow_step_label") or "",
            state=d.get("state") or "",
            job_id=d.get("job_id"),
            subworkflow_invocation_id=d.get("subworkflow_invocation_id"),
            raw=d,
        )


@dataclass(frozen=True)
class Invocation(_Record):
    id: str
    workflow_id: str = ""
    history_id: str = ""
    state: str = ""
    steps: tuple[InvocationStep, ...] = ()
    outputs: dict[str, str] = field(default_factory=dict)
    output_collections: dict[str, str] = field(default_factory=dict)
    output_values: dict[str, Any] = field(default_factory=dict)
    create_time: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> Invocation:
        return cls(
            id=d["id"],
            workflow_id=d.get("workflow_id", ""),
            history_id=d.get("history_id", ""),
            state=d.get("state", ""),
            steps=tuple(InvocationStep.from_api(s) for s in d.get("steps") or ()),
            outputs={k: v["id"] for k, v in (d.get("outputs") or {}).items()},
            output_collections={k: v["id"] for k, v in (d.get("output_collections") or {}).items()},
            output_values=dict(d.get("output_values") or {}),
            create_time=d.get("create_time", ""),
            raw=d,
        )

    def __hash__(self) -> int:
        return hash(self.id)

    def _rows(self) -> list[tuple[str, Any]]:
        rows = [r for r in super()._rows() if r[0] != "steps"]
        return [*rows, ("steps", ", ".join(f"{s.label or s.order_index}: {s.state}" for s in self.steps))]


@dataclass(frozen=True)
class Job(_Record):
    id: str
    tool_id: str = ""
    state: str = ""
    exit_code: int | None = None
    stderr: str = ""
    stdout: str = ""
    history_id: str = ""
    create_time: str = ""
    update_time: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> Job:
        stderr = (
            "\n".join(s for s in (d.get("tool_stderr"), d.get("job_stderr")) if s) or d.get("stderr") or ""
        )
        stdout = (
            "\n".join(s for s in (d.get("tool_stdout"), d.get("job_stdout")) if s) or d.get("stdout") or ""
        )
        return cls(
            id=d["id"],
            tool_id=d.get("tool_id", ""),
            state=d.get("state", ""),
            exit_code=d.get("exit_code"),
            stderr=stderr,
            stdout=stdout,
            history_id=d.get("history_id") or "",
            create_time=d.get("create_time", ""),
            update_time=d.get("update_time", ""),
            raw=d,
        )

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_JOB_STATES


@dataclass(frozen=True)
class ToolInput(_Record):
    name: str
    type: str
    label: str = ""
    optional: bool = False
    default: Any = None
    formats: tuple[str, ...] = ()
    options: tuple[Any, ...] = ()
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> ToolInput:
        return cls(
            name=d.get("name", ""),
            type=d.get("type", ""),
            label=d.get("label") or "",
            optional=bool(d.get("optional")),
            default=d.get("value"),
            formats=tuple(d.get("extensions") or ()),
            options=tuple(o[1] for o in d.get("options") or () if isinstance(o, list | tuple) and len(o) > 1),
            raw=d,
        )


@dataclass(frozen=True)
class Tool(_Record):
    id: str
    name: str = ""
    version: str = ""
    description: str = ""
    inputs: tuple[ToolInput, ...] = ()
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> Tool:
        return cls(
            id=d["id"],
            name=d.get("name", ""),
            version=d.get("version", ""),
            description=d.get("description") or "",
            inputs=tuple(ToolInput.from_api(i) for i in d.get("inputs") or ()),
            raw=d,
        )

    def _rows(self) -> list[tuple[str, Any]]:
        rows = [r for r in super()._rows() if r[0] != "inputs"]
        return [*rows, ("inputs", ", ".join(f"{i.name} ({i.type})" for i in self.inputs))]


def item_from_api(d: dict) -> Dataset | Collection:
    """A history item as a Dataset or a Collection, by its ``history_content_type``."""
    kind = d.get("history_content_type") or ("dataset_collection" if "collection_type" in d else "dataset")
    return Collection.from_api(d) if kind == "dataset_collection" else Dataset.from_api(d)
