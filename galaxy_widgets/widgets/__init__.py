"""Jupyter widgets for Galaxy: Connect, HistoryBrowser, DatasetPicker, WorkflowLauncher, InvocationMonitor.

Each is a Python facade that owns a trait-only anywidget (JavaScript in ``galaxy_widgets/static``,
built from ``js/``). Python does all the HTTP; the browser only ever sees what is on screen.
"""

from __future__ import annotations

from ._bundle import BundleMissingError
from .connect import Connect
from .history import DatasetPicker, HistoryBrowser
from .launcher import WorkflowLauncher
from .monitor import InvocationMonitor

__all__ = [
    "BundleMissingError",
    "Connect",
    "DatasetPicker",
    "HistoryBrowser",
    "InvocationMonitor",
    "WorkflowLauncher",
]
