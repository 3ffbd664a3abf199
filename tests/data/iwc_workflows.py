"""Test workflows with the patterns the IWC's curated workflows use (issue 14), written by the tests.

``PATTERNS`` runs on the test Galaxy: labels with spaces, a trailing space, an apostrophe and a
colon; a range validator (with its own message) and a regex one; a ``restrictOnConnections``
parameter feeding the ``order`` select of ``sort1``; suggestions; a required boolean; a
``list:paired`` input; a subworkflow. ``MISSING`` uses two Tool Shed tools the server lacks, one
of them inside a subworkflow.
"""

from __future__ import annotations

import json
from typing import Any

PATTERNS_NAME = "gw-iwc MGnify's patterns: labels & validators"
RANGE_MESSAGE = "The adjusted p-value must be between 0 and 1"
REGEX_MESSAGE = "Please do not use blank spaces"

PATTERNS = f"""
class: GalaxyWorkflow
label: "{PATTERNS_NAME}"
doc: Sorts a table by its value column, then keeps the top rows in a subworkflow.
inputs:
  "Collection paired FASTQ files":
    type: collection
    collection_type: list:paired
    doc: The reads, as a list of pairs.
  "table ":
    type: data
    format: [txt]
    doc: A table to sort (this label ends in a space).
  "MGnify's sample":
    type: text
    doc: The sample name.
    validators:
      - type: regex
        expression: '^\\S+$'
        message: {REGEX_MESSAGE}
  "Adjusted p-value: cutoff":
    type: float
    default: 0.05
    min: 0
    max: 1
    doc: Keep hits below this adjusted p-value.
  "sort order":
    type: text
    restrictOnConnections: true
    doc: Its choices come from the sort tool.
  genome:
    type: text
    suggestions: [hg38, mm10]
    optional: true
  "keep header":
    type: boolean
outputs:
  sorted:
    outputSource: sort/out_file1
  top:
    outputSource: top rows/top
steps:
  sort:
    tool_id: sort1
    in:
      input: "table "
      order: "sort order"
    state:
      column: "2"
      style: num
  top rows:
    run:
      class: GalaxyWorkflow
      inputs:
        rows: data
      outputs:
        top:
          outputSource: head/output1
      steps:
        head:
          tool_id: gw_head
          in:
            input1: rows
          state:
            lines: 2
    in:
      rows: sort/out_file1
"""

MISSING_NAME = "gw-iwc needs missing tools"
MISSING = f"""
class: GalaxyWorkflow
label: "{MISSING_NAME}"
inputs:
  reads: data
outputs: {{}}
steps:
  trim:
    tool_id: toolshed.g2.bx.psu.edu/repos/iuc/fastp/fastp/0.23.4+galaxy0
    tool_version: 0.23.4+galaxy0
    in:
      single_paired|in1: reads
  quality control:
    run:
      class: GalaxyWorkflow
      inputs:
        x: data
      outputs: {{}}
      steps:
        qc:
          tool_id: toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0
          tool_version: 0.74+galaxy0
          in:
            input_file: x
    in:
      x: reads
"""


def import_patterns(gi: Any) -> Any:
    """Import PATTERNS with a message on its range validator.

    gxformat2 has no way to give a range a message (``min``/``max`` make an ``in_range`` validator
    without one), so the test goes through the ``.ga`` export, as IWC workflows are written.
    Galaxy 25.0's gxformat2 import drops parameter validators altogether (26.1 keeps them): the
    ``.ga`` then gets them as IWC's ``.ga`` files carry them (README, Compatibility).
    """
    draft = post(gi, {"yaml_content": PATTERNS})
    ga = gi.get(f"workflows/{draft.id}/download", params={"style": "ga"})
    written = {
        "MGnify's sample": {"type": "regex", "expression": r"^\S+$", "message": REGEX_MESSAGE},
        "Adjusted p-value: cutoff": {"type": "in_range", "min": 0.0, "max": 1.0},
    }
    for step in ga["steps"].values():
        if step.get("label") in written:
            state = json.loads(step["tool_state"])
            if not state["validators"]:  # Galaxy 25.0
                state["validators"] = [dict(written[step["label"]])]
            if step.get("label") == "Adjusted p-value: cutoff":
                (rng,) = [v for v in state["validators"] if v["type"] == "in_range"]
                rng["message"] = RANGE_MESSAGE
            step["tool_state"] = json.dumps(state)
    gi.workflows.delete(draft.id)
    return post(gi, ga)


def post(gi: Any, payload: dict) -> Any:
    """Import with a plain POST (the workflow as written, no content uuid), then show it."""
    return gi.workflows.show(gi.post("workflows", json={"workflow": payload})["id"])


def list_paired(gi: Any, history_id: str, pair: Any, name: str = "pairs") -> Any:
    """A list:paired collection of one pair built from a paired collection's datasets (no job)."""
    forward, reverse = (e.object for e in pair.elements)
    body = {
        "history_id": history_id,
        "collection_type": "list:paired",
        "name": name,
        "copy_elements": True,
        "element_identifiers": [
            {
                "name": "sample1",
                "src": "new_collection",
                "collection_type": "paired",
                "element_identifiers": [
                    {"name": "forward", "src": "hda", "id": forward.id},
                    {"name": "reverse", "src": "hda", "id": reverse.id},
                ],
            }
        ],
    }
    return gi.collections.show(gi.post("dataset_collections", json=body)["id"])
