"""Where galaxy-widgets keeps its files: config, cache and the local Galaxy."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / default


def config_dir() -> Path:
    """Profiles live here (``$GALAXY_WIDGETS_CONFIG_DIR`` overrides)."""
    override = os.environ.get("GALAXY_WIDGETS_CONFIG_DIR")
    return Path(override) if override else _xdg("XDG_CONFIG_HOME", ".config") / "galaxy-widgets"


def cache_dir() -> Path:
    """Downloads cache and the local Galaxy's venv (``$GALAXY_WIDGETS_CACHE_DIR`` overrides)."""
    override = os.environ.get("GALAXY_WIDGETS_CACHE_DIR")
    return Path(override) if override else _xdg("XDG_CACHE_HOME", ".cache") / "galaxy-widgets"


def data_dir() -> Path:
    """The local Galaxy's database and files (``$GALAXY_WIDGETS_DATA_DIR`` overrides)."""
    override = os.environ.get("GALAXY_WIDGETS_DATA_DIR")
    return Path(override) if override else _xdg("XDG_DATA_HOME", ".local/share") / "galaxy-widgets"
