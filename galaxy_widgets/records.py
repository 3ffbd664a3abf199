"""Frozen records for what Galaxy returns: histories, datasets, collections, workflows, ..."""

from __future__ import annotations

import html
from dataclasses import dataclass, field, fields
from typing import Any

#: Dataset/job states after which nothing changes any more.
TERMINAL_DATASET_STATES = frozenset(
    {"ok", "error", "failed_metadata", "discarded", "paused", "deferred", "empty"}
)
ERROR_DATASET_STATES = frozenset({"error", "failed_metadata", "discarded"})
TERMINAL_JOB_STATES = frozenset(
    {"ok", "error", "failed", "deleted", "deleting", "skipped", "paused", "stopped"}
)
ERROR_JOB_STATES = frozenset({"error", "failed", "deleted", "deleting", "stopped"})


def _html_table(title: str, rows: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in rows
        if v not in (None, "", (), {})
    )
    return f"<table><caption style='text-align:left'><b>{html.escape(title)}</b></caption>{cells}</table>"


def nice_size(n: float | None) -> str:
    """``1536`` -> ``'1.5 KB'`` (empty for unknown)."""
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


_size = nice_size


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
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> History:
        return cls(
            id=d["id"],
            name=d.get("name", ""),
            count=d.get("count"),
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


@dataclass(frozen=True)
class Dataset(_Record):
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
class Collection(_Record):
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
    """One input of a workflow, addressed by its label."""

    index: int
    label: str
    type: str  # data_input, data_collection_input, parameter_input
    optional: bool = False
    formats: tuple[str, ...] = ()
    collection_type: str = ""
    parameter_type: str = ""  # text, integer, float, boolean, color, ...
    default: Any = None
    options: tuple[Any, ...] = ()
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Workflow(_Record):
    id: str
    name: str
    inputs: tuple[WorkflowInput, ...] = ()
    step_count: int | None = None
    owner: str = ""
    tags: tuple[str, ...] = ()
    update_time: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, d: dict) -> Workflow:
        steps = d.get("steps") or {}
        labels = {k: (v or {}).get("label") for k, v in (d.get("inputs") or {}).items()}
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
                    options=tuple(
                        (o.get("value") if isinstance(o, dict) else o)
                        for o in (ts.get("restrictions") or ts.get("suggestions") or ())
                    ),
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
            raw=d,
        )

    def input(self, label: str) -> WorkflowInput:
        for inp in self.inputs:
            if inp.label == label:
                return inp
        known = ", ".join(repr(i.label) for i in self.inputs) or "none"
        raise KeyError(f"Workflow {self.name!r} has no input labelled {label!r} (inputs: {known}).")

    def _rows(self) -> list[tuple[str, Any]]:
        rows = [r for r in super()._rows() if r[0] != "inputs"]
        return [*rows, ("inputs", ", ".join(f"{i.label} ({i.type})" for i in self.inputs))]


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
