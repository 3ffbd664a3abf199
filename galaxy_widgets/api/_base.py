"""What every resource manager shares: the client."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client import Galaxy


class Resource:
    """Base of the managers: holds the client."""

    def __init__(self, gi: Galaxy) -> None:
        self._gi = gi

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._gi.url}>"
