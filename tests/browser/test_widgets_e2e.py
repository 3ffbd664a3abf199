"""End to end in JupyterLab: connect, browse, filter, pick, pull, launch, monitor, read the outputs.

One test, one notebook (``notebooks/widgets_e2e.ipynb``), run cell by cell as a scientist would,
with a screenshot of every widget (into ``docs/`` with ``GW_DOCS_SCREENSHOTS=1``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "widgets_e2e.ipynb"
#: Text a widget must never show: JavaScript values rendered as text ("nothing selectednullnull").
NULLISH = r"null|undefined|NaN|\[object Object\]"
#: Records every text in a widget (``.gw-root``) matching NULLISH, from the moment it appears:
#: a MutationObserver sees even states that last a moment. Data previews (pre, peeks) are skipped.
WATCH_NULLISH = """(pattern) => {
  const re = new RegExp(pattern);
  window.__gwNullish = [];
  const scan = () => {
    for (const root of document.querySelectorAll(".gw-root")) {
      const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        const el = node.parentElement;
        if (!el || el.closest("pre, .gw-peek, textarea") || !re.test(node.textContent)) continue;
        const where = `${el.closest(".gw-root").className} > ${el.tagName.toLowerCase()}.${el.className}`;
        const seen = `${where}: ${(el.textContent || "").slice(0, 120)}`;
        if (!window.__gwNullish.includes(seen)) window.__gwNullish.push(seen);
      }
    }
  };
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true });
}"""


@pytest.fixture(scope="module")
def lab_env(lab_env, history, uploaded, demo_workflows, twin_items) -> dict[str, str]:
    uploaded.samples  # noqa: B018 - the session's uploads are ready
    return {
        **lab_env,
        "GW_E2E_HISTORY": history.id,
        # a history with a dataset and a collection that share one id (on the /galaxy server)
        "GW_TWIN_URL": twin_items.server.url,
        "GW_TWIN_KEY": twin_items.server.api_key,
        "GW_TWIN_HISTORY": twin_items.history_id,
    }


TWIN_CELLS = [
    "import os\n"
    "from galaxy_widgets import Galaxy\n"
    "from galaxy_widgets.widgets import DatasetPicker\n"
    'tgi = Galaxy(os.environ["GW_TWIN_URL"], api_key=os.environ["GW_TWIN_KEY"])\n'
    'twins = DatasetPicker(tgi, os.environ["GW_TWIN_HISTORY"], page_size=50)\n'
    "twins.widget",
    'print("picked:", [f"{type(v).__name__} #{v.hid}" for v in twins.value])',
]


def test_a_dataset_and_a_collection_with_one_id_are_two_rows(open_notebook, twin_items):
    """In the browser: ticking the dataset ticks only it, and Python gets the dataset; a click on
    each row shows that item (the rows are keyed by Galaxy's type_id, not by the shared id)."""
    from playwright.sync_api import expect

    t = twin_items
    nb = open_notebook("twin_ids.ipynb", TWIN_CELLS)
    picker = nb.run_ok(0).locator(".gw-history")
    both = picker.locator(f".gw-history-row[data-id='{t.item_id}']")
    expect(both).to_have_count(2)
    dataset = picker.locator(f".gw-history-row[data-key='dataset-{t.item_id}']")
    collection = picker.locator(f".gw-history-row[data-key='dataset_collection-{t.item_id}']")
    dataset.locator(".gw-pick").check()
    expect(dataset).to_have_class(re.compile("gw-selected"))
    expect(collection).not_to_have_class(re.compile("gw-selected"))
    expect(collection.locator(".gw-pick")).not_to_be_checked()
    expect(picker.locator(".gw-selection-count")).to_have_text("1 selected")
    nb.run_ok(1)
    expect(nb.output(1)).to_have_text(f"picked: ['Dataset #{t.dataset_hid}']")
    collection.click()
    expect(collection).to_have_class(re.compile("gw-shown"))
    expect(dataset).not_to_have_class(re.compile("gw-shown"))
    expect(picker.locator(".gw-detail")).to_contain_text("0 element(s)")
    dataset.click()
    expect(picker.locator(".gw-detail")).to_contain_text("twin.tsv")
    expect(collection).not_to_have_class(re.compile("gw-shown"))


def nullish_texts(page: Any) -> list[str]:
    """Widget texts that showed null/undefined/NaN/[object Object] since the notebook opened."""
    return page.evaluate("window.__gwNullish || ['the null/undefined watcher was never installed']")


def pick(picker: Any, name: str, item: Any) -> None:
    """Filter a picker down to one name and tick it (the selection survives the filter)."""
    from playwright.sync_api import expect

    picker.locator(".gw-filter").fill(f"name:{name}")
    picker.locator(".gw-filter").press("Enter")
    expect(picker).not_to_have_class(re.compile("gw-loading"))
    expect(picker.locator(".gw-history-row")).to_have_count(1)  # the filtered page has arrived
    row = picker.locator(f".gw-history-row[data-key='{item.type_id}']")
    expect(row).to_be_visible()
    row.locator(".gw-pick").check()
    expect(row).to_have_class(re.compile("gw-selected"))


def test_scientist_session(open_notebook, page, shot, galaxy_server, history, uploaded):
    from playwright.sync_api import expect

    nb = open_notebook(NOTEBOOK)
    page.evaluate(WATCH_NULLISH, NULLISH)
    table, text = uploaded.table, uploaded.text

    # 1. connect: URL prefilled from GALAXY_URL, the key typed into the password field
    nb.run(0)
    connect = nb.output(0).locator(".gw-connect")
    expect(connect.locator(".gw-url")).to_have_value(galaxy_server.url)
    connect.locator(".gw-api-key").fill(galaxy_server.api_key)
    connect.locator(".gw-connect-button").click()
    expect(connect).to_have_attribute("data-status", "connected")
    expect(connect.locator(".gw-status")).to_contain_text("Connected as")
    expect(connect.locator(".gw-api-key")).to_have_value("")
    shot(connect, "connect.png")

    # 2. browse the session history, filter on the server, open a peek
    nb.run(1)
    hb = nb.output(1).locator(".gw-history")
    expect(hb.locator(f".gw-history-item[data-id='{history.id}']")).to_have_class(re.compile("gw-current"))
    hb.locator(".gw-filter").fill("extension:tabular")
    hb.locator(".gw-filter").press("Enter")
    expected = len(galaxy_server_items(galaxy_server, history.id, "extension:tabular"))
    expect(hb.locator(".gw-page-info")).to_contain_text(f"of {expected}")
    rows = hb.locator(".gw-history-row[data-type='dataset']")
    for ext in rows.locator(".gw-ext").all_inner_texts():
        assert ext == "tabular"
    assert expected >= 1
    hb.locator(f".gw-history-row[data-key='{table.type_id}']").click()
    expect(hb.locator(".gw-detail")).to_contain_text("alpha")
    expect(hb.locator(".gw-detail th").first).to_have_text("name")
    shot(hb, "history-browser.png")

    # 3. pick two datasets, then pull them into a variable in the next cell
    nb.run(2)
    picker = nb.output(2).locator(".gw-history")
    pick(picker, "table.tsv", table)
    pick(picker, "notes.txt", text)
    expect(picker.locator(".gw-selection-count")).to_have_text("2 selected")
    shot(picker, "dataset-picker.png")
    nb.run(3)
    expect(nb.output(3)).to_contain_text("pulled: ['DataFrame', 'str']")
    expect(nb.output(3)).to_contain_text("rows of the first: 4")

    # 4. launch the demo workflow in batch mode on the two datasets, lines = 3
    nb.run(4)
    launcher = nb.output(4).locator(".gw-launcher")
    expect(launcher.locator(".gw-workflow-select option:checked")).to_contain_text("gw-demo sort and head")
    launcher.locator(".gw-batch").check()
    tpicker = launcher.locator(".gw-history")
    expect(tpicker.locator(".gw-selection")).to_have_text("nothing selected")  # not "...nullnull"
    assert not nullish_texts(page), nullish_texts(page)
    pick(tpicker, "table.tsv", table)
    pick(tpicker, "notes.txt", text)
    lines = launcher.locator(".gw-param-integer")
    lines.fill("3")
    lines.press("Tab")
    run = launcher.locator(".gw-run-button")
    expect(run).to_have_text("Run over 2 samples")
    expect(run).to_be_enabled()
    shot(launcher, "workflow-launcher.png")
    run.click()

    # 5. it turns into the monitor of ONE run mapped over both picks, without blocking the kernel
    monitors = nb.output(4).locator(".gw-monitor")
    expect(monitors).to_have_count(1)
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle")
    shot(monitors.first, "invocation-monitor-running.png")
    expect(monitors.first).to_have_attribute("data-state", "ok", timeout=600_000)
    first = monitors.first
    expect(first.locator(".gw-output")).to_have_count(2)
    first.locator(".gw-output[data-label='top'] .gw-to-variable").click()
    expect(first).to_contain_text(re.compile(r"top = #\d+"))
    shot(first, "invocation-monitor.png")

    # 6. the outputs in a later cell
    nb.run(5)
    out = nb.output(5)
    expect(out).to_contain_text("labels: ['sorted', 'top']")
    expect(out).to_contain_text("states: ['ok']")
    expect(out).to_contain_text("top: [('notes', 'first line'), ('table', '#name\\tvalue\\tgroup')]")
    # lines=3 typed in the form reached Galaxy: the table's head kept 3 lines (notes has only 2)
    expect(out).to_contain_text("lines: [('notes', 2), ('table', 3)]")
    # the table starts delta, gamma: its head after the sort is alpha, beta
    expect(out).to_contain_text("table rows: ['alpha', 'beta']")

    # 7. reattach to the finished run by id
    nb.run(6)
    again = nb.output(6).locator(".gw-monitor")
    expect(again).to_have_attribute("data-state", "ok")
    expect(again.locator(".gw-step")).to_have_count(4)  # table, lines, sort, head

    # no widget ever rendered a JavaScript null/undefined as text
    assert not nullish_texts(page), nullish_texts(page)
    # the key never reached the page or the notebook
    assert galaxy_server.api_key not in page.content()
    for i in range(7):
        assert not nb.errors_in(i), nb.errors_in(i)


def galaxy_server_items(server: Any, history_id: str, filter_text: str) -> list[Any]:
    from galaxy_widgets import Galaxy

    with Galaxy(server.url, api_key=server.api_key) as gi:
        return gi.histories.contents(history_id, filter_text).all()


def test_the_null_watcher_sees_null_text_in_a_widget(page):
    """The watcher above catches what the picker once showed: native append() of nulls."""
    page.set_content("<div class='gw-root'><div class='gw-selection'></div></div><p>null outside</p>")
    page.evaluate(WATCH_NULLISH, NULLISH)
    page.evaluate("() => document.querySelector('.gw-selection').append('fine text')")
    page.wait_for_timeout(50)
    assert nullish_texts(page) == []  # text outside a widget, and clean text, are not reported
    page.evaluate(
        """() => {
            const span = document.createElement('span');
            span.textContent = 'nothing selected';
            document.querySelector('.gw-selection').append(span, null, null);
        }"""
    )
    page.wait_for_function("window.__gwNullish.length > 0")
    assert any("nothing selectednullnull" in t for t in nullish_texts(page)), nullish_texts(page)
