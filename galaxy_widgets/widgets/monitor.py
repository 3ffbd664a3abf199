"""InvocationMonitor: follow a workflow run from a background thread; outputs by label when done;
cancel it while it runs, rerun it (same inputs, some replaced) once it is over."""

from __future__ import annotations

import json
import keyword
import threading
import time
from typing import TYPE_CHECKING, Any

from ..errors import GalaxyError, WaitTimeoutError
from ..records import Collection, Dataset, Invocation, Workflow
from ..states import ACTIVE_STATES, stderr_tail
from ._facade import Facade, Poller, widget_closed
from ._format import epoch, item_label, variable_name
from .models import MonitorModel

if TYPE_CHECKING:
    from ..api.invocations import InvocationProgress
    from ..client import Galaxy

POLL_SECONDS = 3.0


_variable_name = variable_name


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) == 2:
        return f"{type(value).__name__}, {shape[0]} rows x {shape[1]} columns"
    if isinstance(value, dict):
        return f"dict of {len(value)} element(s)"
    if isinstance(value, str):
        return f"str, {len(value)} characters"
    return type(value).__name__


class InvocationMonitor(Facade):
    """Follow a workflow invocation: per-step job-state bars, overall progress, elapsed time.

    >>> mon = InvocationMonitor(gi, "f2db41e1fa331b3e")   # also reattaches after a kernel restart
    >>> mon.done, mon.outputs                              # {label: Dataset | Collection | value}

    Polling runs in a background thread and stops when the run is done or the widget is closed.
    ``wait()`` blocks until done, for scripts. ``cancel()`` stops a running invocation; ``rerun()``
    invokes a finished or failed one again (``replace={label: value}``) and follows the new run.
    The widget's Cancel (with a confirmation) and Rerun buttons call these; Python makes every call.
    """

    def __init__(
        self,
        gi: Galaxy,
        invocation_id: str | Invocation,
        *,
        workflow: Workflow | None = None,
        poll_interval: float = POLL_SECONDS,
    ) -> None:
        self.gi = gi
        self.invocation_id = invocation_id.id if isinstance(invocation_id, Invocation) else str(invocation_id)
        self.outputs: dict[str, Dataset | Collection | Any] = {}
        self.progress: InvocationProgress | None = None
        self.error = ""
        self._done = threading.Event()
        self._steps: dict[int, tuple[str, bool]] = {}
        self.history_id = ""
        self._request_inputs: dict[str, Any] = {}
        self.widget = MonitorModel(invocation_id=self.invocation_id)
        self.widget.on_msg(self._on_msg)
        self.widget.observe(self._on_cancel_request, "cancel_request")
        self.widget.observe(self._on_rerun_request, "rerun_request")
        self._poller = Poller(self._poll, poll_interval, self._poll_error, name="galaxy-widgets monitor")
        inv = gi.invocations.show(self.invocation_id)  # a wrong id fails here, clearly
        self.history_id = inv.history_id
        self._describe_workflow(inv, workflow)
        if self._poll():
            self._poller.start()

    # ------------------------------------------------------------------ public
    @property
    def done(self) -> bool:
        """True once every job finished (or the run failed); ``outputs`` is then filled."""
        return self._done.is_set()

    @property
    def ok(self) -> bool:
        return self.done and not self.error

    @property
    def state(self) -> str:
        return self.widget.phase

    def wait(self, timeout: float | None = 1800) -> InvocationMonitor:
        """Block until the run is done (the widget keeps updating meanwhile)."""
        if not self._done.wait(timeout):
            raise WaitTimeoutError(
                f"Invocation {self.invocation_id} not done after {timeout:.0f} s; it goes on in Galaxy."
            )
        return self

    def _pollers(self) -> list[Poller]:
        return [self._poller]

    # ------------------------------------------------------------------ cancel and rerun
    def cancel(self) -> Invocation:
        """Cancel the running invocation (Galaxy deletes its unfinished jobs); the monitor follows
        it until Galaxy says cancelled. A run that is over raises NothingToCancelError."""
        inv = self.gi.invocations.cancel(self.invocation_id)
        self.widget.action_failed = False
        self.widget.action_message = (
            f"Cancelling invocation {inv.id}: Galaxy stops scheduling it and deletes its unfinished jobs."
        )
        self._poller.start()
        return inv

    def rerun(
        self,
        replace: dict[str, Any] | None = None,
        *,
        use_cached_job: bool | None = None,
        history: str | None = None,
    ) -> Invocation:
        """Invoke this run's workflow again with the same inputs, those in ``replace`` (by label:
        Datasets, Collections, ids or parameter values) replaced, then follow the new invocation.
        ``use_cached_job`` defaults to the widget's checkbox. Only for a run that is over."""
        if not self.done:
            raise GalaxyError(
                f"Invocation {self.invocation_id} is still running: cancel it (monitor.cancel()) or "
                "wait for it before a rerun."
            )
        cached = self.widget.use_cached_job if use_cached_job is None else use_cached_job
        old = self.invocation_id
        new = self.gi.invocations.rerun(old, replace, use_cached_job=cached, history=history)
        self._follow(new, old)
        changed = f"{', '.join(replace)} replaced" if replace else "the same inputs"
        self.widget.action_message = (
            f"Rerun of invocation {old} with {changed}{' (cached jobs allowed)' if cached else ''}: "
            f"following invocation {new.id}."
        )
        return new

    def _follow(self, inv: Invocation, rerun_of: str) -> None:
        """Start following ``inv`` (a rerun) in place of the invocation shown so far."""
        self.invocation_id = inv.id
        self.history_id = inv.history_id
        self.outputs = {}
        self.progress = None
        self.error = ""
        self._request_inputs = {}
        w = self.widget
        with w.hold_sync():
            w.invocation_id = inv.id
            w.rerun_of = rerun_of
            w.state, w.phase, w.totals = inv.state, "running", {}
            w.steps, w.outputs, w.rerun_inputs, w.replace = [], [], [], {}
            w.error = w.stderr = w.failed_tool = w.variable_message = ""
            w.finished = 0.0
            w.started = epoch(inv.create_time) or time.time()
            w.can_cancel, w.can_rerun, w.action_failed = True, False, False
        if inv.history_id:
            try:
                w.history_name = self.gi.histories.show(inv.history_id).name
            except GalaxyError:
                pass
        self._done.clear()
        self._poller.start()

    def _on_cancel_request(self, change: dict) -> None:
        self._act("cancelling", self.cancel)

    def _on_rerun_request(self, change: dict) -> None:
        self._act("rerunning", lambda: self.rerun(self._replacements() or None))

    def _act(self, what: str, call: Any) -> None:
        """Run a button's call; its error goes into the widget, never into the kernel's log."""
        w = self.widget
        w.busy, w.action_message, w.action_failed = what, "", False
        try:
            call()
        except GalaxyError as exc:
            with w.hold_sync():
                w.action_message, w.action_failed = str(exc), True
        finally:
            w.busy = ""

    def _replacements(self) -> dict[str, Any]:
        """The widget's replacement texts as values: data inputs resolved in the run's history (a
        hid, id or name:), parameters as typed (the rerun checks them against the input)."""
        kinds = {r["label"]: r["kind"] for r in self.widget.rerun_inputs}
        out: dict[str, Any] = {}
        for label, text in (self.widget.replace or {}).items():
            text = str(text).strip()
            if not text:
                continue
            kind = kinds.get(label)
            if kind is None:
                raise GalaxyError(f"No input {label!r} to replace (inputs: {', '.join(kinds) or 'none'}).")
            if kind in ("dataset", "collection"):
                out[label] = self.gi.histories.resolve(self.history_id, text, kind=kind)
            else:
                out[label] = text
        return out

    def _load_rerun_inputs(self) -> None:
        """What a rerun would send (the invocation's request), shown as one row per input."""
        from ..api.invocations import ServerTooOldError

        try:
            req = self.gi.invocations.request(self.invocation_id)
        except ServerTooOldError as exc:
            self.widget.can_rerun = False
            self.widget.action_message = str(exc)
            return
        rows = []
        for label, value in (req.get("inputs") or {}).items():
            if isinstance(value, dict) and value.get("src") in ("hda", "hdca"):
                coll = value["src"] == "hdca"
                try:
                    item = (self.gi.collections if coll else self.gi.datasets).show(value["id"])
                    text = item_label(item)
                except GalaxyError:
                    text = value["id"]
                rows.append({"label": label, "kind": "collection" if coll else "dataset", "value": text})
            else:
                rows.append({"label": label, "kind": "parameter", "value": json.dumps(value)})
        self._request_inputs = dict(req.get("inputs") or {})
        self.widget.rerun_inputs = rows

    def __repr__(self) -> str:
        w = self.widget
        lines = [
            f"InvocationMonitor: {w.workflow_name or 'workflow'} (invocation {self.invocation_id}): {w.phase}"
        ]
        if self.progress is not None:
            lines[0] += f"; {self.progress.summary()}"
        for s in w.steps:
            if not s.get("input"):
                states = ", ".join(f"{n} {k}" for k, n in sorted(s["states"].items())) or "not scheduled yet"
                lines.append(f"  {s['label']}: {states}")
        if w.error:
            lines.append(f"  error: {w.error}")
        if w.stderr:
            lines.append("  stderr: " + w.stderr.strip().splitlines()[-1][:200])
        for o in w.outputs:
            lines.append(f"  output {o['label']}: {o['name']} ({o['extension']}, {o['state']})")
        return "\n".join(lines)

    # ------------------------------------------------------------------ polling
    def _describe_workflow(self, inv: Invocation, workflow: Workflow | None) -> None:
        w = self.widget
        raw = workflow.raw if workflow is not None else None
        try:
            if raw is None or not raw.get("steps"):
                raw = self.gi.get(f"workflows/{inv.workflow_id}", params={"instance": True})
            wf = Workflow.from_api(raw)
            inputs = {i.index for i in wf.inputs}
            for key, step in (raw.get("steps") or {}).items():
                idx = int(key)
                label = step.get("label") or (raw.get("inputs") or {}).get(key, {}).get("label")
                label = label or step.get("tool_id") or f"step {idx + 1}"
                self._steps[idx] = (label, idx in inputs)
            w.workflow_name = wf.name
        except GalaxyError:
            pass  # the monitor works without names
        try:
            w.history_name = self.gi.histories.show(inv.history_id).name
        except GalaxyError:
            pass
        w.started = epoch(inv.create_time)
        w.expected_jobs = sum(1 for _, is_input in self._steps.values() if not is_input)

    def _poll(self) -> bool:
        """One snapshot into the widget; False when there is nothing left to follow."""
        if self._done.is_set():
            return False
        followed = self.invocation_id
        snap = self.gi.invocations.snapshot(followed).value
        if followed != self.invocation_id:
            return True  # a rerun replaced it meanwhile: look at the new one next
        self.progress = snap
        active = any(s in ACTIVE_STATES for s, n in snap.states.items() if n)
        finished = snap.done or (bool(snap.error) and not active and snap.invocation.state != "new")
        if snap.invocation.state == "cancelling" or (snap.invocation.state == "cancelled" and active):
            finished = False  # follow a cancel until Galaxy has stopped its jobs
        steps = []
        for s in snap.steps:
            label, is_input = self._steps.get(s.order_index, (s.label or f"step {s.order_index + 1}", False))
            steps.append(
                {
                    "index": s.order_index,
                    "label": s.label or label,
                    "states": dict(s.states),
                    "input": is_input and not s.states,
                    "sub": bool(s.subworkflow_invocation_id),
                    "depth": 0,
                }
            )
        seen = {s["index"] for s in steps}
        for idx, (label, is_input) in self._steps.items():
            if idx not in seen and not finished:  # not scheduled yet: shown, with no jobs
                steps.append(
                    {"index": idx, "label": label, "states": {}, "input": is_input, "sub": False, "depth": 0}
                )
        steps.sort(key=lambda s: int(str(s["index"])))
        w = self.widget
        stderr, tool = w.stderr, w.failed_tool
        if snap.error and snap.failed_job_id and not stderr:
            job = self.gi.jobs.show(snap.failed_job_id)
            stderr, tool = stderr_tail(job, 3000) or "(the job wrote nothing to stderr)", job.tool_id
        outputs: list[dict] = []
        if finished:
            outputs = self._collect_outputs()
        with w.hold_sync():
            w.state = snap.invocation.state
            w.totals = dict(snap.states)
            w.steps = steps
            w.error = snap.error
            w.stderr, w.failed_tool = stderr, tool
            if finished:
                w.outputs = outputs
                w.finished = self._finish_time() or time.time()
                w.phase = "error" if snap.error else "ok"
            else:
                w.phase = "error" if snap.error else "running"
            w.can_cancel, w.can_rerun = not finished, finished
        self.error = snap.error
        if finished:
            if snap.invocation.state == "cancelled" and w.action_message.startswith("Cancelling"):
                w.action_message = f"Invocation {snap.invocation.id} is cancelled; Rerun runs it again."
            if not self._request_inputs:
                try:
                    self._load_rerun_inputs()
                except GalaxyError as exc:
                    w.action_message = f"Could not read what a rerun would send: {exc}"
            self._done.set()
            return False
        return not widget_closed(w)

    def _poll_error(self, exc: BaseException) -> None:
        self.widget.error = f"Could not update the run (retrying): {exc}"

    def _finish_time(self) -> float:
        try:
            jobs = self.gi.get("jobs", params={"invocation_id": self.invocation_id, "limit": 500})
        except GalaxyError:
            return 0.0
        return max((epoch(j.get("update_time")) for j in jobs), default=0.0)

    def _collect_outputs(self) -> list[dict]:
        try:
            self.outputs = self.gi.invocations.outputs(self.invocation_id)
        except GalaxyError as exc:
            self.widget.error = f"Could not list the outputs: {exc}"
            return []
        rows = []
        for label, value in self.outputs.items():
            row: dict[str, Any] = {
                "label": label,
                "variable": _variable_name(label),
                "name": "",
                "hid": None,
                "extension": "",
                "state": "",
                "id": "",
            }
            if isinstance(value, Dataset):
                row.update(
                    name=value.name, hid=value.hid, extension=value.extension, state=value.state, id=value.id
                )
            elif isinstance(value, Collection):
                row.update(
                    name=value.name,
                    hid=value.hid,
                    extension=value.collection_type,
                    state=value.populated_state,
                    id=value.id,
                )
            else:
                row.update(name=repr(value)[:80], extension="parameter")
            rows.append(row)
        return rows

    # ------------------------------------------------------------------ "to variable"
    def _on_msg(self, widget: Any, content: dict, buffers: Any) -> None:
        if content.get("action") == "to_variable":
            self.to_variable(str(content.get("label", "")), str(content.get("name", "")).strip())

    def to_variable(self, label: str, name: str | None = None, as_: str | None = None) -> Any:
        """Load output ``label`` into Python and bind it to ``name`` in the notebook's namespace."""
        w = self.widget
        name = name or _variable_name(label)
        if not name.isidentifier() or keyword.iskeyword(name):
            w.variable_message = ""
            w.error = f"{name!r} is not a valid Python variable name."
            return None
        if label not in self.outputs:
            w.error = f"No output labelled {label!r} (outputs: {', '.join(self.outputs) or 'none yet'})."
            return None
        from ..convert import load

        item = self.outputs[label]
        try:
            value = load(self.gi, item) if isinstance(item, Dataset | Collection) else item
        except GalaxyError as exc:
            w.error = f"Could not load {label!r}: {exc}"
            return None
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:  # pragma: no cover - IPython is a dependency
            shell = None
        if shell is None:
            w.error = "No IPython shell to put the variable in; use monitor.outputs instead."
            return value
        shell.push({name: value})
        what = item_label(item) if isinstance(item, Dataset | Collection) else label
        w.variable_message = f"{name} = {what} ({_describe(value)})"
        return value
