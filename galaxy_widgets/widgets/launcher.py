"""WorkflowLauncher: a form built from a workflow's inputs; Run turns it into InvocationMonitors."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import ipywidgets

from ..api.workflows import AmbiguousNameWarning, MissingToolsError, collection_fits, parameter_value
from ..errors import GalaxyError
from ..records import Collection, Dataset, History, Workflow, WorkflowInput
from ._facade import Facade, Poller
from ._format import item_label
from .history import ROW_KEYS, DatasetPicker
from .models import LauncherChooserModel, LauncherFormModel
from .monitor import InvocationMonitor

if TYPE_CHECKING:
    from ..api.batches import Batch
    from ..client import Galaxy

PICKER_PAGE = 6
_PARAM_KINDS = {
    "text": "text",
    "integer": "integer",
    "int": "integer",
    "float": "float",
    "boolean": "boolean",
    "color": "text",
    "directory_uri": "text",
}


def _param(inp: WorkflowInput) -> dict:
    """One parameter as the form draws it. ``value`` is what the control shows AND what Python
    sends: a boolean is never blank (False unless its default says otherwise), a list of choices
    without a default starts on "choose…" (None), never silently on its first choice."""
    kind = _PARAM_KINDS.get(inp.parameter_type, "text")
    if inp.options and kind in ("text", "integer", "float"):
        kind = "select"
    value = inp.default
    if kind == "boolean":
        value = value if isinstance(value, bool) else str(value).lower() == "true"
    elif kind == "select" and value is not None and str(value) not in map(str, inp.options):
        value = None
    return {
        "label": inp.label,
        "kind": kind,
        "value": value,
        "optional": inp.optional,
        "options": [str(o) for o in inp.options],
        "suggestions": [str(o) for o in inp.suggestions],
        "help": inp.help,
        "hint": _hint(inp),
    }


def _hint(inp: WorkflowInput) -> str:
    """The validators in words (the validator's own message when it has one)."""
    parts = []
    for v in inp.validators:
        if v.get("message"):
            parts.append(v["message"])
        elif v.get("type") == "in_range":
            lo, hi = v.get("min"), v.get("max")
            parts.append(f"from {'-∞' if lo is None else lo} to {'∞' if hi is None else hi}")
        elif v.get("type") == "regex":
            parts.append(f"matching {v.get('expression')}")
    if inp.suggestions:
        parts.append("suggestions offered; any text allowed")
    return "; ".join(parts)


class _InputPicker(DatasetPicker):
    """A picker offering only what a workflow input accepts: its formats with their subtypes
    (Galaxy's datatype hierarchy) and, for a collection input, collections of a fitting type
    (the same, or one to map over)."""

    def __init__(self, gi: Galaxy, history: str | None, inp: WorkflowInput, **kwargs: Any) -> None:
        self.input = inp
        self.accepted = gi.workflows.accepted_extensions(inp.formats)
        super().__init__(gi, history, extensions=[f for f in inp.formats if f != "data"], **kwargs)

    def fits(self, item: Dataset | Collection) -> bool:
        if isinstance(item, Collection):
            if self.input.type != "data_collection_input":
                return False
            return collection_fits(self.input.collection_type, item.collection_type)
        return self.input.type == "data_input" and (self.accepted is None or item.extension in self.accepted)

    def _query(self):
        w = self.widget
        collection = self.input.type == "data_collection_input"
        q: list[tuple[str, str]] = [
            ("history_content_type-eq", "dataset_collection" if collection else "dataset")
        ]
        if self.accepted is not None:
            q.append(("extension-in", ",".join(sorted(self.accepted))))
        if collection and self.input.collection_type and w.history_id:
            every = self.gi.histories.contents(
                w.history_id, "deleted:false visible:any", q=q[:1], keys=("id", "collection_type")
            )
            ids = [f"dataset_collection-{c.id}" for c in every if isinstance(c, Collection) and self.fits(c)]
            q.append(("type_id-in", ",".join(ids)) if ids else ("hid-eq", "0"))
        return self.gi.histories.contents(w.history_id, w.filter_text, q=q, keys=ROW_KEYS)


def _menu_label(w: Workflow, *, shared: bool) -> str:
    """A workflow in the menu; same-named ones are told apart by their update time."""
    when = f", updated {w.update_time[:16].replace('T', ' ')}" if shared else ""
    return f"{w.name}  ({w.step_count or '?'} steps{when})"


class WorkflowLauncher(Facade):
    """Run a workflow from a form: its data inputs get pickers, its parameters the right controls.

    >>> launcher = WorkflowLauncher(gi, "gw-demo sort and head", history="my data")

    "Run" invokes the workflow; in batch mode, with several items picked for one input, it runs ONE
    invocation mapped over them (``launcher.batch``). The launcher then turns into the run's
    InvocationMonitor: ``launcher.monitor``.
    """

    def __init__(
        self,
        gi: Galaxy,
        workflow: str | Workflow | None = None,
        history: str | History | None = None,
    ) -> None:
        self.gi = gi
        self.workflow: Workflow | None = None
        self.pickers: dict[str, _InputPicker] = {}
        self.monitors: list[InvocationMonitor] = []
        #: in batch mode, the Batch that "Run" started (``batch.results()`` gives one table)
        self.batch: Batch | None = None
        self.chooser = LauncherChooserModel()
        self.form = LauncherFormModel()
        self._pickers_box = ipywidgets.VBox()
        self.widget = ipywidgets.VBox([self.chooser, self._pickers_box, self.form])
        self.widget.add_class("gw-launcher")
        listed_wfs = gi.workflows.list()
        names = [w.name for w in listed_wfs]
        self.chooser.workflows = [
            {"id": w.id, "name": w.name, "label": _menu_label(w, shared=names.count(w.name) > 1)}
            for w in listed_wfs
        ]
        start = gi.histories.pick(history)
        listed = [{"id": h.id, "name": h.name} for h in gi.histories.list(limit=50)]
        if start is not None and start.id not in {h["id"] for h in listed}:
            listed.insert(0, {"id": start.id, "name": start.name})
        self.chooser.histories = listed
        if start is not None:
            self.chooser.history_id = start.id
        self.chooser.observe(self._on_workflow, "workflow_id")
        self.chooser.observe(self._on_history, "history_id")
        self.form.observe(self._on_batch, "batch")
        self.form.observe(lambda change: self._update(), ["values", "target", "new_history_name"])
        self.form.on_msg(self._on_msg)
        if workflow is not None:
            with warnings.catch_warnings():  # the menu shows which one (the newest) was taken
                warnings.simplefilter("ignore", AmbiguousNameWarning)
                self.chooser.workflow_id = gi.workflows.get(workflow).id

    # ------------------------------------------------------------------ public
    @property
    def monitor(self) -> InvocationMonitor | None:
        """The first run's monitor (``monitors`` has them all)."""
        return self.monitors[0] if self.monitors else None

    def __repr__(self) -> str:
        if self.monitors:
            return "\n".join(repr(m) for m in self.monitors)
        if self.workflow is None:
            return f"WorkflowLauncher: choose one of {len(self.chooser.workflows)} workflow(s)."
        lines = [f"WorkflowLauncher: {self.workflow.name!r}"]
        for label, picker in self.pickers.items():
            chosen = ", ".join(item_label(i) for i in picker.value) or "(nothing picked)"
            lines.append(f"  {label}: {chosen}")
        for p in self.form.params:
            lines.append(f"  {p['label']} = {self.form.values.get(p['label'], p['value'])!r}")
        if self.form.error:
            lines.append(f"  error: {self.form.error}")
        return "\n".join(lines)

    def close(self) -> None:
        """Stop polling and close every widget the launcher made (form, pickers, monitors)."""
        super().close()
        for part in [*self.pickers.values(), *self.monitors]:
            part.close()
        for model in (self._pickers_box, self.chooser, self.form):
            model.close()

    def _pollers(self) -> list[Poller]:
        pollers = [p for picker in self.pickers.values() for p in picker._pollers()]
        return pollers + [p for m in self.monitors for p in m._pollers()]

    # ------------------------------------------------------------------ building the form
    def _on_workflow(self, change: dict) -> None:
        try:
            wf = self.gi.workflows.show(change["new"])
        except GalaxyError as exc:
            self.chooser.error = f"Could not load the workflow: {exc}"
            return
        self.workflow = wf
        for picker in self.pickers.values():
            picker.close()
        self.pickers = {}
        for inp in wf.inputs:
            if inp.type == "parameter_input":
                continue
            collection = inp.type == "data_collection_input"
            what = f"{inp.collection_type or 'any'} collection" if collection else "dataset"
            formats = [f for f in inp.formats if f and f != "data"]
            sub = " · ".join(
                [
                    what,
                    *([", ".join(formats) + " (and their subtypes)"] if formats else []),
                    *(["optional"] * inp.optional),
                    *([inp.help] if inp.help else []),
                ]
            )
            self.pickers[inp.label] = _InputPicker(
                self.gi,
                self.chooser.history_id or None,
                inp,
                kind="collection" if collection else "dataset",
                multiple=self.form.batch,
                show_histories=False,
                page_size=PICKER_PAGE,
                title=f"Input “{inp.label}”",
                subtitle=sub,
            )
            self.pickers[inp.label].widget.observe(lambda change: self._update(), "selected")
        self._pickers_box.children = [p.widget for p in self.pickers.values()]
        with self.form.hold_sync(), self.chooser.hold_sync():
            self.chooser.doc = wf.raw.get("annotation") or ""
            self.chooser.error = str(MissingToolsError(wf)) if wf.missing_tools else ""
            self.form.params = [_param(i) for i in wf.inputs if i.type == "parameter_input"]
            self.form.values = {}
            self.form.error = ""
            if not self.form.new_history_name:
                self.form.new_history_name = f"{wf.name} results"
        self._update()

    def _on_history(self, change: dict) -> None:
        for picker in self.pickers.values():
            picker.widget.history_id = change["new"]

    def _on_batch(self, change: dict) -> None:
        for picker in self.pickers.values():
            w = picker.widget
            w.multiple = change["new"]
            if not change["new"] and len(w.selected) > 1:
                w.selected = w.selected[-1:]
        self._update()

    # ------------------------------------------------------------------ validation and running
    def plan(self) -> list[dict[str, Any]]:
        """The inputs of each run to start (one dict per run); raises GalaxyError saying what is missing."""
        if self.workflow is None:
            raise GalaxyError("Choose a workflow first.")
        if self.workflow.missing_tools:
            raise MissingToolsError(self.workflow)
        picked = {label: p.value for label, p in self.pickers.items()}
        for label, items in picked.items():
            wrong = [i for i in items if not self.pickers[label].fits(i)]
            if wrong:
                inp = self.workflow.input(label)
                wants = (
                    f"a {inp.collection_type or 'any'} collection"
                    if inp.type == "data_collection_input"
                    else (f"a dataset ({', '.join(inp.formats) or 'any format'})")
                )
                raise GalaxyError(f"{label!r} takes {wants}; {item_label(wrong[0])} does not fit.")
        missing = [
            label for label, items in picked.items() if not items and not self.workflow.input(label).optional
        ]
        if missing:
            raise GalaxyError(f"Pick a dataset for: {', '.join(missing)}.")
        many = [label for label, items in picked.items() if len(items) > 1]
        if many and not self.form.batch:
            raise GalaxyError(f"Several items picked for {many[0]!r}: turn on batch mode, or pick one.")
        if len(many) > 1:
            raise GalaxyError(f"Batch mode varies one input; several are picked for {' and '.join(many)}.")
        base: dict[str, Any] = {label: items[0] for label, items in picked.items() if len(items) == 1}
        for p in self.form.params:
            value = self.form.values.get(p["label"], p["value"])
            if value is None or value == "":
                if not p["optional"]:
                    verb = "Choose" if p["kind"] == "select" else "Give"
                    raise GalaxyError(f"{verb} a value for {p['label']!r}.")
                continue
            base[p["label"]] = parameter_value(self.workflow.input(p["label"]), value)
        if not many:
            return [base]
        return [{**base, many[0]: item} for item in picked[many[0]]]

    def _update(self) -> None:
        f = self.form
        try:
            runs = self.plan()
        except GalaxyError as exc:
            with f.hold_sync():
                f.ready, f.summary, f.run_label = False, str(exc), "Run"
                f.batch_note = ""
            return
        n = len(runs)
        where = "a new history" if f.target == "new" else "the inputs' history"
        with f.hold_sync():
            f.ready = True
            f.error = ""
            f.run_label = f"Run over {n} samples" if n > 1 else "Run"
            f.summary = (
                f"starts one run mapped over {n} samples into {where}"
                if n > 1
                else f"starts one run into {where}"
            )
            f.batch_note = f" — one run over {n} samples" if f.batch and n > 1 else ""

    def _on_msg(self, widget: Any, content: dict, buffers: Any) -> None:
        if content.get("action") == "run":
            try:
                self.run()
            except GalaxyError as exc:
                with self.form.hold_sync():
                    self.form.running = False
                    self.form.error = str(exc)

    def run(self) -> list[InvocationMonitor]:
        """Invoke the workflow (once per batch item); the launcher then shows the monitors."""
        runs = self.plan()
        f = self.form
        f.running, f.error = True, ""
        assert self.workflow is not None
        if f.target == "new":
            history_id = self.gi.histories.create(
                f.new_history_name.strip() or f"{self.workflow.name} results"
            ).id
        else:
            history_id = self.chooser.history_id
            if not history_id:
                raise GalaxyError("Choose the history the inputs come from (results go there too).")
        if len(runs) > 1:  # batch mode: ONE invocation mapped over the picked items
            varied = next(k for k in runs[0] if any(r.get(k) != runs[0][k] for r in runs[1:]))
            base = {k: v for k, v in runs[0].items() if k != varied}
            self.batch = self.gi.batches.run(
                self.workflow, [r[varied] for r in runs], input=varied, inputs=base, history=history_id
            )
            invocations = [self.gi.invocations.show(self.batch.invocations[self.batch.sample_names[0]])]
        else:
            invocations = [self.gi.workflows.invoke(self.workflow, runs[0], history=history_id)]
        self.monitors = [InvocationMonitor(self.gi, inv, workflow=self.workflow) for inv in invocations]
        for picker in self.pickers.values():
            picker.close()
        self._pickers_box.children = ()  # an open box must not hold closed widgets
        f.running = False
        self.widget.children = [m.widget for m in self.monitors]
        return self.monitors
