"""galaxy-widgets: drive a Galaxy server from Jupyter.

``Galaxy`` is the API client; ``%load_ext galaxy_widgets`` adds the ``%galaxy`` magics; the widgets
(``HistoryBrowser``, ``DatasetPicker``, ``WorkflowLauncher``, ``InvocationMonitor``, ``Connect``)
open point-and-click views. Importing this package stays light: nothing heavy loads until used.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("galaxy-widgets")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_LAZY = {
    "Galaxy": "galaxy_widgets.client",
    "LocalGalaxy": "galaxy_widgets.local",
    "GalaxyError": "galaxy_widgets.errors",
    "Connect": "galaxy_widgets.widgets",
    "HistoryBrowser": "galaxy_widgets.widgets",
    "DatasetPicker": "galaxy_widgets.widgets",
    "WorkflowLauncher": "galaxy_widgets.widgets",
    "InvocationMonitor": "galaxy_widgets.widgets",
}

__all__ = [*_LAZY, "load_ipython_extension"]

if TYPE_CHECKING:
    from .client import Galaxy  # noqa: F401
    from .errors import GalaxyError  # noqa: F401
    from .local import LocalGalaxy  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'galaxy_widgets' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext galaxy_widgets``: register the ``%galaxy`` magics."""
    from .magics import load_ipython_extension as load

    load(ipython)
