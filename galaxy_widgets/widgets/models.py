"""Trait-only anywidget classes: synced state and nothing else. The facades hold the logic.

No trait here ever holds an API key for longer than the kernel needs to read it: the Connect
model's ``api_key`` and ``password`` are emptied by the facade the moment it uses them, and are
never echoed back to the browser.
"""

from __future__ import annotations

from typing import Any, ClassVar

import anywidget
import traitlets as t

from ._bundle import bundle_text


class _Model(anywidget.AnyWidget):
    """Base: ``_esm`` is read from ``galaxy_widgets/static/<bundle>.js`` when a widget is made."""

    _bundle: ClassVar[str] = ""

    @property
    def _esm(self) -> str:
        # anywidget turns this into a synced trait in __init__; a missing bundle raises a clear error.
        return bundle_text(self._bundle)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)


class ConnectModel(_Model):
    _bundle = "connect"
    url = t.Unicode("").tag(sync=True)
    mode = t.Unicode("key").tag(sync=True)  # "key" or "login"
    email = t.Unicode("").tag(sync=True)
    api_key = t.Unicode("").tag(sync=True, echo_update=False)
    password = t.Unicode("").tag(sync=True, echo_update=False)
    submit = t.Int(0).tag(sync=True)
    status = t.Unicode("idle").tag(sync=True)  # idle, connecting, connected, error
    message = t.Unicode("").tag(sync=True)


class HistoryModel(_Model):
    _bundle = "history"
    title = t.Unicode("Galaxy histories").tag(sync=True)
    subtitle = t.Unicode("").tag(sync=True)
    show_histories = t.Bool(True).tag(sync=True)
    selectable = t.Bool(False).tag(sync=True)
    multiple = t.Bool(True).tag(sync=True)
    extensions = t.List(t.Unicode()).tag(sync=True)
    history_search = t.Unicode("").tag(sync=True)
    histories = t.List(t.Dict()).tag(sync=True)
    histories_total = t.Int(0).tag(sync=True)
    history_id = t.Unicode("").tag(sync=True)
    history_name = t.Unicode("").tag(sync=True)
    filter_text = t.Unicode("").tag(sync=True)
    filter_error = t.Unicode("").tag(sync=True)
    page = t.Int(0).tag(sync=True)
    page_size = t.Int(15).tag(sync=True)
    total = t.Int(0).tag(sync=True)
    rows = t.List(t.Dict()).tag(sync=True)
    selected = t.List(t.Unicode()).tag(sync=True)
    selection_summary = t.Unicode("").tag(sync=True)
    detail = t.Dict().tag(sync=True)
    loading = t.Bool(False).tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    # files dropped on the browser: one row per file (dropzone.py), the size limit, a note
    uploads = t.List(t.Dict()).tag(sync=True)
    max_upload_bytes = t.Int(0).tag(sync=True)
    upload_note = t.Unicode("").tag(sync=True)


class LauncherChooserModel(_Model):
    _bundle = "launcher"
    part = t.Unicode("chooser").tag(sync=True)
    workflows = t.List(t.Dict()).tag(sync=True)
    workflow_id = t.Unicode("").tag(sync=True)
    doc = t.Unicode("").tag(sync=True)
    histories = t.List(t.Dict()).tag(sync=True)
    history_id = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)


class LauncherFormModel(_Model):
    _bundle = "launcher"
    part = t.Unicode("form").tag(sync=True)
    params = t.List(t.Dict()).tag(sync=True)
    values = t.Dict().tag(sync=True)
    target = t.Unicode("same").tag(sync=True)  # "same" or "new"
    new_history_name = t.Unicode("").tag(sync=True)
    batch = t.Bool(False).tag(sync=True)
    batch_note = t.Unicode("").tag(sync=True)
    ready = t.Bool(False).tag(sync=True)
    running = t.Bool(False).tag(sync=True)
    run_label = t.Unicode("Run").tag(sync=True)
    summary = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)


class MonitorModel(_Model):
    _bundle = "monitor"
    invocation_id = t.Unicode("").tag(sync=True)
    workflow_name = t.Unicode("").tag(sync=True)
    history_name = t.Unicode("").tag(sync=True)
    state = t.Unicode("").tag(sync=True)
    phase = t.Unicode("running").tag(sync=True)  # running, ok, error
    totals = t.Dict().tag(sync=True)
    expected_jobs = t.Int(0).tag(sync=True)
    steps = t.List(t.Dict()).tag(sync=True)
    started = t.Float(0).tag(sync=True)
    finished = t.Float(0).tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    stderr = t.Unicode("").tag(sync=True)
    failed_tool = t.Unicode("").tag(sync=True)
    outputs = t.List(t.Dict()).tag(sync=True)
    variable_message = t.Unicode("").tag(sync=True)
    # cancel and rerun: the browser bumps a request counter, Python makes the calls
    can_cancel = t.Bool(False).tag(sync=True)
    can_rerun = t.Bool(False).tag(sync=True)
    cancel_request = t.Int(0).tag(sync=True)
    rerun_request = t.Int(0).tag(sync=True)
    use_cached_job = t.Bool(False).tag(sync=True)
    rerun_inputs = t.List(t.Dict()).tag(sync=True)  # {label, kind, value}: what a rerun would send
    replace = t.Dict().tag(sync=True)  # label -> text (a hid, id or name:, or a parameter value)
    busy = t.Unicode("").tag(sync=True)  # "cancelling" or "rerunning" while Python works
    action_message = t.Unicode("").tag(sync=True)
    action_failed = t.Bool(False).tag(sync=True)  # action_message is why a cancel or rerun failed
    rerun_of = t.Unicode("").tag(sync=True)
