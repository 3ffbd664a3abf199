"""``%load_ext galaxy_widgets``: the ``%galaxy`` line and ``%%galaxy`` cell magics.

``%galaxy --help`` lists the subcommands; ``%config GalaxyMagics`` lists the settings.
"""

from __future__ import annotations

from typing import Any

from .magic import GalaxyMagics

__all__ = ["GalaxyMagics", "load_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%galaxy`` (once) and make ``%config GalaxyMagics.<name>`` work."""
    from . import commands  # noqa: F401 - registers the subcommands

    if any(isinstance(c, GalaxyMagics) for c in ipython.configurables):
        return
    magics = GalaxyMagics(ipython)  # Magics.__init__ adds it to shell.configurables (for %config)
    ipython.register_magics(magics)
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)
