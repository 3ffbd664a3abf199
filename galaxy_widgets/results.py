"""Run results that remember where each value came from.

``res = %galaxy run ...`` (and ``wait``, ``tool``) gives an :class:`Outputs`: a dict of output label
-> loaded value (DataFrame, text, JSON, dict for a collection), which also keeps each output's
Galaxy record and the run's provenance, so ``%galaxy get res["top"]``, ``show`` and ``put`` know
which dataset a value is.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .records import Collection, Dataset

Item = Dataset | Collection


class Outputs(dict[str, Any]):
    """Output label -> loaded value; ``.records[label]`` is its Galaxy record, ``.provenance`` the run's."""

    def __init__(
        self,
        values: Mapping[str, Any],
        records: Mapping[str, Item],
        provenance: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(values)
        self.records: dict[str, Item] = dict(records)
        self.provenance: dict[str, Any] = dict(provenance or {})

    def record(self, label: str) -> Item:
        """The Galaxy dataset or collection behind output ``label``."""
        try:
            return self.records[label]
        except KeyError:
            raise KeyError(
                f"No output {label!r}; this result has {', '.join(map(repr, self.records)) or 'none'}."
            ) from None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Outputs, (dict(self), self.records, self.provenance))


@dataclass(frozen=True)
class Reference:
    """Where a variable reference led: ``trail`` as written back (``res['top']``), its last key (or
    the variable's name), the value there, and the Galaxy item behind it when known."""

    trail: str
    name: str
    value: Any
    item: Item | None


_REFERENCE = re.compile(r"([A-Za-z_]\w*)((?:\[[^\[\]]*\])*)")


def parse_reference(text: str) -> tuple[str, list[str]] | None:
    """``res["top"][0]`` -> ``("res", ["top", "0"])``; None when ``text`` is not such a reference.

    The magics' line splitter has removed quotes by then, so ``res[top]`` and ``res[my output]``
    are read the same way; quotes that are still there are dropped. Nothing is evaluated.
    """
    match = _REFERENCE.fullmatch(text.strip())
    if match is None or keyword.iskeyword(match.group(1)):
        return None
    keys = [k.strip().strip("\"'") for k in re.findall(r"\[([^\[\]]*)\]", match.group(2))]
    return match.group(1), keys


def describe(value: Any) -> str:
    """``'a DataFrame'``, ``'an int'``: what a variable holds, for messages."""
    word = type(value).__name__
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


__all__ = ["Item", "Outputs", "Reference", "describe", "parse_reference"]
