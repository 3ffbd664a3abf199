"""Every nbval marker in the example notebooks is one nbval reads.

nbval takes a comment line as a marker only when the whole comment is the marker: a line such as
``# NBVAL_CHECK_OUTPUT (why)`` is silently NOT a marker, and its cell's output goes unchecked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nbval.plugin import find_comment_markers

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_nbval_comment_is_a_marker_nbval_reads(path: Path) -> None:
    cells = json.loads(path.read_text())["cells"]
    for number, cell in enumerate(c for c in cells if c["cell_type"] == "code"):
        for line in "".join(cell["source"]).splitlines():
            if "NBVAL_" in line:
                where = f"{path.name} code cell {number}"
                assert list(find_comment_markers(line)), f"{where}: nbval ignores {line!r}"


def test_the_prefixed_part_of_notebook_05_is_checked() -> None:
    """Its output proves the /galaxy part ran (CI gives the notebook the prefixed server)."""
    cells = json.loads((Path(__file__).parents[1] / "notebooks" / "05_raw_api.ipynb").read_text())["cells"]
    checked = [c for c in cells if c["cell_type"] == "code" and "prefixed.post" in "".join(c["source"])]
    assert len(checked) == 1
    assert dict(find_comment_markers("".join(checked[0]["source"]))).get("check")
    assert "deleted: True" in "".join(checked[0]["outputs"][0]["text"])
