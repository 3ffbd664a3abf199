"""The local Galaxy's toolbox: Galaxy's bundled tools, in sections, running a Galaxy-101-style workflow."""

from __future__ import annotations

import re

import pytest

from galaxy_widgets import local

GENES = "BRCA1\tchr17\t81189\nTP53\tchr17\t19149\nEGFR\tchr7\t188307\nMYC\tchr8\t5364\nKRAS\tchr12\t45684\n"
FUNCTIONS = "TP53\ttumor suppressor\nEGFR\treceptor kinase\nKRAS\tGTPase\nABL1\tkinase\n"

#: Galaxy 101 in small: Filter, Sort, Select first, Join, Group and Compare (four of them new).
WORKFLOW = """
class: GalaxyWorkflow
label: gw-tests toolbox 101
inputs:
  genes: {type: data, format: tabular}
  functions: {type: data, format: tabular}
outputs:
  top: {outputSource: top/out_file1}
  joined: {outputSource: join/out_file1}
  per_chrom: {outputSource: group/out_file1}
  unannotated: {outputSource: compare/out_file1}
steps:
  long:
    tool_id: Filter1
    tool_version: 1.1.1
    in: {input: genes}
    state: {cond: "c3>10000", header_lines: 0}
  sort:
    tool_id: sort1
    in: {input: long/out_file1}
    state: {column: 3, style: num, order: DESC, column_set: [], header_lines: 0}
  top:
    tool_id: Show beginning1
    in: {input: sort/out_file1}
    state: {lineNum: 3, header: false}
  join:
    tool_id: join1
    in: {input1: top/out_file1, input2: functions}
    state:
      field1: 1
      field2: 1
      unmatched: ""
      partial: ""
      fill_empty_columns: {fill_empty_columns_switch: no_fill}
  group:
    tool_id: Grouping1
    in: {input1: genes}
    state:
      groupcol: 2
      ignorecase: false
      operations: [{optype: length, opcol: 1, opround: "no"}]
  compare:
    tool_id: comp1
    in: {input1: genes, input2: functions}
    state: {field1: 1, field2: 1, mode: V}
"""


def test_tool_conf_lists_bundled_tools_in_sections():
    conf = local.TOOL_CONF.read_text()
    sections = re.findall(r'<section id="(\w+)"', conf)
    assert {"textutil", "filter", "group", "stats", "collection_operations"} <= set(sections)
    for tool in ("filters/joiner.xml", "stats/filtering.xml", "stats/grouping.xml", "filters/compare.xml"):
        assert f'file="{tool}"' in conf


@pytest.fixture(scope="module")
def tool_ids(gi, galaxy_server) -> set[str]:
    """The server's tool ids; an external Galaxy without our toolbox skips (its toolbox is its own)."""
    ids = {t.id for t in gi.tools.list()}
    if galaxy_server.local is None and "join1" not in ids:
        pytest.skip("the session uses an external Galaxy without the local Galaxy's toolbox")
    return ids


def test_galaxy_101_tools_are_loaded(tool_ids):
    ids = tool_ids
    assert {"join1", "Filter1", "Grouping1", "sort1", "Show beginning1", "comp1", "Count1"} <= ids
    assert not {"meme_meme", "Summary_Statistics1", "ucsc_table_direct1"} & ids  # left out: see docs


def test_workflow_of_bundled_tools(gi, tool_ids, history, tmp_path):
    up = gi.uploads.fetch(
        history.id,
        [
            {"src": "pasted", "paste_content": GENES, "ext": "tabular", "name": "genes.tsv"},
            {"src": "pasted", "paste_content": FUNCTIONS, "ext": "tabular", "name": "functions.tsv"},
        ],
    )
    up = gi.uploads.wait(up)
    genes, functions = (next(d for d in up.datasets if d.name == n) for n in ("genes.tsv", "functions.tsv"))
    path = tmp_path / "toolbox_101.gxwf.yml"
    path.write_text(WORKFLOW)
    wf = gi.workflows.import_(path, reuse=True)
    inv = gi.workflows.invoke(wf, {"genes": genes, "functions": functions}, history=history.id)
    gi.invocations.wait(inv.id, timeout=600)
    out = gi.invocations.outputs(inv.id)
    text = {label: gi.datasets.text(ds.id) for label, ds in out.items()}
    assert text["top"] == "EGFR\tchr7\t188307\nBRCA1\tchr17\t81189\nKRAS\tchr12\t45684\n"
    assert text["joined"] == "EGFR\tchr7\t188307\tEGFR\treceptor kinase\nKRAS\tchr12\t45684\tKRAS\tGTPase\n"
    assert text["per_chrom"] == "chr12\t1\nchr17\t2\nchr7\t1\nchr8\t1\n"
    assert text["unannotated"] == "BRCA1\tchr17\t81189\nMYC\tchr8\t5364\n"
