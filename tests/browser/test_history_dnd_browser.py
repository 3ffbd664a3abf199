"""Drag and drop in the real JupyterLab, headless Chromium, against the real Galaxy.

1. A dataset row and a collection row of ``%galaxy browse`` are dragged with the mouse into empty
   code cells (Playwright's ``drag_to``: real mouse events; Chromium runs the HTML5 drag itself). The
   cells then hold the code the rows carry; running them loads a DataFrame and a dict of DataFrames,
   checked against the values written out here.
2. Files are dropped on a browser of a fresh history. The desktop cannot be driven from a headless
   page, so the drop is dispatched: ``dragover`` then ``drop`` on the widget, with one
   ``DataTransfer`` holding ``File`` objects made in the page. Two files (one of several chunks)
   become two datasets with the right bytes, made by one upload job; a file over the limit is
   refused with the note pointing to ``%galaxy upload PATH``.
3. A row of the side panel (``%galaxy panel``) is dragged into a cell the same way, and loads.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "history_dnd.ipynb"
LIMIT = 3 * 1024 * 1024
#: 1.7 MiB of numbered lines: four chunks on the way to the kernel (CHUNK below)
CHUNK = 512 * 1024
BIG_LINES = 150_000
SMALL = "hello from the desktop\nsecond line\n"
CELLS = [
    # 0: the magics on the test Galaxy (URL and key from the server's environment), its history current
    "import os\n%load_ext galaxy_widgets\n%galaxy connect\n%galaxy use @HISTORY@",
    # 1, 2: empty cells to drop rows into (above the browser: a drag target must be on screen)
    "",
    "",
    # 3: the browser of the current history: rows drag out as %galaxy get #hid
    "%galaxy browse -o hb",
    # 4: what the dropped code loaded
    "print('table:', list(table.columns), table.values.tolist())\n"
    "print('samples:', {k: (list(v.columns), v.values.tolist()) for k, v in sorted(samples.items())})",
    # 5: a browser of a fresh history, with a small drop limit
    "from galaxy_widgets.widgets import HistoryBrowser, dropzone\n"
    "dropzone.CHUNK_BYTES = @CHUNK@  # several chunks for a small file\n"
    "drop = HistoryBrowser(hb.gi, os.environ['GW_DND_HISTORY'], max_upload=@LIMIT@)\ndrop",
    # 6: the side panel (same browser, in JupyterLab's right-hand panel); 7: a cell to drop into; 8: check
    "%galaxy panel",
    "",
    "print('notes:', repr(notes))",
]


def cells(history: str) -> list[str]:
    return [
        c.replace("@HISTORY@", history).replace("@LIMIT@", str(LIMIT)).replace("@CHUNK@", str(CHUNK))
        for c in CELLS
    ]


def big_text() -> str:
    return "".join(f"line {i:06d}\n" for i in range(BIG_LINES))


@pytest.fixture(scope="module")
def drop_history(gi):
    return gi.histories.create("gw-tests browser drop")


@pytest.fixture(scope="module")
def lab_env(lab_env, history, uploaded, drop_history) -> dict[str, str]:
    uploaded.samples  # noqa: B018 - the session's uploads are ready
    return {**lab_env, "GW_DND_HISTORY": drop_history.id}


DROP_FILES = """([target, files]) => {
  const dt = new DataTransfer();
  for (const [name, text, size] of files) {
    dt.items.add(new File([text === null ? new Uint8Array(size) : text], name, { type: "text/plain" }));
  }
  for (const type of ["dragenter", "dragover", "drop"]) {
    target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }
}"""


def test_drag_rows_into_cells_and_drop_files_into_galaxy(
    open_notebook, page, shot, gi, galaxy_server, history, uploaded, drop_history
):
    from playwright.sync_api import expect

    nb = open_notebook(NOTEBOOK, cells(history.id))
    nb.run_ok(0)
    page.set_viewport_size({"width": 1280, "height": 1600})
    nb.run(3)
    hb = nb.output(3).locator(".gw-history")
    table_row = hb.locator(f".gw-history-row[data-key='{uploaded.table.type_id}']")
    samples_row = hb.locator(f".gw-history-row[data-key='{uploaded.samples.type_id}']")
    expect(table_row).to_be_visible()
    expect(samples_row).to_be_visible()

    # 1. real mouse drags of a dataset row and a collection row into the two empty cells
    table_row.drag_to(nb.cells.nth(1).locator(".cm-content"))
    expect(nb.cells.nth(1).locator(".cm-content")).to_contain_text("%galaxy get")
    samples_row.drag_to(nb.cells.nth(2).locator(".cm-content"))
    expect(nb.cells.nth(2).locator(".cm-content")).to_contain_text("%galaxy get")
    assert nb.source(1) == f"table = %galaxy get #{uploaded.table.hid}"
    assert nb.source(2) == f"samples = %galaxy get #{uploaded.samples.hid}"
    for i in (1, 2, 4):
        nb.run_ok(i)
    out = nb.output(4)
    expect(out).to_contain_text(
        "table: ['name', 'value', 'group'] "
        "[['delta', 2, 'b'], ['gamma', 5, 'a'], ['alpha', 3, 'a'], ['beta', 1, 'b']]"
    )
    expect(out).to_contain_text(
        "samples: {'s1': (['id', 'count'], [['r1', 10], ['r2', 20]]), "
        "'s2': (['id', 'count'], [['r1', 7], ['r2', 5], ['r3', 9]]), "
        "'s3': (['id', 'count'], [['r1', 1]])}"
    )

    # 2. files dropped on a browser of a fresh history: two go in, one is over the limit
    nb.run(5)
    drop = nb.output(5).locator(".gw-history")
    expect(drop.locator(".gw-contents-head")).to_contain_text("gw-tests browser drop")
    big = big_text()
    target = drop.element_handle()
    page.evaluate(DROP_FILES, [target, [["numbers.txt", big, 0], ["hello.txt", SMALL, 0]]])
    uploads = drop.locator(".gw-upload")
    expect(uploads).to_have_count(2)
    expect(drop.locator(".gw-upload progress")).to_have_count(2)
    expect(drop.locator(".gw-upload[data-state='done']")).to_have_count(2, timeout=120_000)
    expect(drop.locator(".gw-upload[data-name='hello.txt'] .gw-upload-state")).to_contain_text(
        re.compile(r"added as #\d+")
    )
    expect(drop.locator(".gw-history-row")).to_have_count(2)  # the browser shows the new datasets

    made = {d.name: d for d in gi.histories.contents(drop_history.id, "deleted:false").all()}
    assert set(made) == {"numbers.txt", "hello.txt"}
    done = {n: gi.datasets.wait(d.id, timeout=300) for n, d in made.items()}
    assert gi.datasets.text(done["hello.txt"].id) == SMALL
    numbers = gi.datasets.text(done["numbers.txt"].id)
    assert len(numbers) == 12 * BIG_LINES  # 1.7 MiB: four chunks of the browser-to-kernel trip
    assert numbers.startswith("line 000000\nline 000001\n") and numbers.endswith("line 149999\n")
    assert numbers == big
    jobs = {gi.get(f"datasets/{d.id}")["creating_job"] for d in done.values()}
    assert len(jobs) == 1, jobs  # one upload request for the batch
    expect(drop.locator(".gw-history-row[data-state='ok']")).to_have_count(2, timeout=60_000)
    shot(drop, "history-drop.png")

    page.evaluate(DROP_FILES, [target, [["huge.bam", None, LIMIT + 1]]])
    note = drop.locator(".gw-upload-note")
    expect(note).to_contain_text("huge.bam")
    expect(note).to_contain_text("%galaxy upload PATH")
    expect(drop.locator(".gw-upload[data-name='huge.bam']")).to_have_attribute("data-state", "refused")
    assert len(gi.histories.contents(drop_history.id, "deleted:false").all()) == 2

    # 3. the same drag from the side panel
    nb.run(6)
    panel = page.locator("#jp-right-stack .gw-history")
    notes_row = panel.locator(f".gw-history-row[data-key='{uploaded.text.type_id}']")
    expect(notes_row).to_be_visible()
    nb.cells.nth(7).scroll_into_view_if_needed()
    notes_row.drag_to(nb.cells.nth(7).locator(".cm-content"))
    expect(nb.cells.nth(7).locator(".cm-content")).to_contain_text("%galaxy get")
    assert nb.source(7) == f"notes = %galaxy get #{uploaded.text.hid}"
    nb.run(7)
    nb.run(8)
    expect(nb.output(8)).to_contain_text("notes: 'first line\\nsecond line\\n'")

    assert galaxy_server.api_key not in page.content()
    for i in range(9):
        assert not nb.errors_in(i), nb.errors_in(i)
