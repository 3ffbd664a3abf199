"""Where the built JavaScript lives, and a clear error when it was never built."""

from __future__ import annotations

from pathlib import Path

from ..errors import GalaxyError

STATIC = Path(__file__).resolve().parent.parent / "static"


class BundleMissingError(GalaxyError, FileNotFoundError):
    """The widgets' JavaScript bundle was not built (a source checkout without ``npm run build``)."""


def bundle_path(name: str) -> Path:
    """``galaxy_widgets/static/<name>.js``, or raise BundleMissingError saying how to build it."""
    path = STATIC / f"{name}.js"
    if not path.is_file():
        js_dir = Path(__file__).resolve().parents[2] / "js"
        raise BundleMissingError(
            f"The widget bundle {path} is missing. In a source checkout build it once with "
            f"`npm install && npm run build` in {js_dir} (Node 18+; users of the wheel need no Node)."
        )
    return path


def bundle_text(name: str) -> str:
    return bundle_path(name).read_text(encoding="utf-8")
