"""Cancel and Rerun in the invocation monitor, in a real JupyterLab in headless Chromium, against the
real Galaxy (issue 13 item 4): Cancel asks first (No keeps the run, Yes cancels it and Galaxy says
cancelled), and Rerun of a failed run with its bad input replaced succeeds in Galaxy. Fails on any
console or page error, and on any null/undefined text a widget shows. Takes the screenshot
monitor-cancel-rerun.png (into docs/ with GW_DOCS_SCREENSHOTS=1)."""

from __future__ import annotations

import pytest

from tests.browser.test_widgets_e2e import NULLISH, WATCH_NULLISH, nullish_texts
from tests.data.rerun_workflows import bad_pair, import_workflows, wait_state

pytestmark = pytest.mark.browser

NOTEBOOK = "monitor_actions.ipynb"
CELLS = [
    "import os\n"
    "from galaxy_widgets import Galaxy\n"
    "from galaxy_widgets.widgets import InvocationMonitor\n"
    'gi = Galaxy(os.environ["GALAXY_URL"], api_key=os.environ["GALAXY_API_KEY"])\n'
    'running = InvocationMonitor(gi, os.environ["GW_MA_LONG"], poll_interval=1)\n'
    "running",
    'failed = InvocationMonitor(gi, os.environ["GW_MA_FAILING"], poll_interval=1)\nfailed',
]


@pytest.fixture(scope="module")
def runs(gi, history, uploaded) -> dict:
    wfs = import_workflows(gi)
    bad = bad_pair(gi, history.id)
    return {
        "long": gi.workflows.invoke(wfs["sleep"], {"table": uploaded.table, "seconds": 600}, history=history),
        "failing": gi.workflows.invoke(wfs["count_pairs"], {"reads": bad}, history=history),
    }


@pytest.fixture(scope="module")
def lab_env(lab_env, runs) -> dict[str, str]:
    return {**lab_env, "GW_MA_LONG": runs["long"].id, "GW_MA_FAILING": runs["failing"].id}


def test_cancel_with_confirmation_and_rerun_of_a_failed_run(open_notebook, page, shot, gi, runs, uploaded):
    from playwright.sync_api import expect

    nb = open_notebook(NOTEBOOK, CELLS)
    page.evaluate(WATCH_NULLISH, NULLISH)
    long_id, failing_id = runs["long"].id, runs["failing"].id

    # 1. Cancel asks first; "No" keeps the run going
    nb.run(0)
    running = nb.output(0).locator(".gw-monitor")
    expect(running).to_have_attribute("data-invocation", long_id)
    running.locator("button.gw-cancel").click()
    expect(running.locator(".gw-confirm-text")).to_contain_text("Really cancel this run?")
    running.locator("button.gw-cancel-no").click()
    expect(running.locator("button.gw-cancel")).to_be_visible()
    assert gi.invocations.show(long_id).state not in ("cancelling", "cancelled")
    # "Yes" cancels it: Galaxy says cancelled, and the widget offers Rerun instead
    running.locator("button.gw-cancel").click()
    running.locator("button.gw-cancel-yes").click()
    expect(running.locator(".gw-action-msg")).to_contain_text(f"Cancelling invocation {long_id}")
    assert wait_state(gi, long_id, {"cancelled"}).state == "cancelled"
    expect(running).to_have_attribute("data-state", "error", timeout=60_000)
    expect(running.locator("button.gw-rerun")).to_be_visible()
    expect(running.locator("button.gw-cancel")).to_have_count(0)
    expect(running.locator(".gw-action-msg")).to_contain_text(f"Invocation {long_id} is cancelled")

    # 2. Rerun of the failed run with its bad input replaced by the good pair's hid
    nb.run(1)
    failed = nb.output(1).locator(".gw-monitor")
    expect(failed).to_have_attribute("data-state", "error", timeout=120_000)
    expect(failed.locator(".gw-stderr")).to_contain_text("mates out of step")
    failed.locator(".gw-rerun-inputs summary").click()
    row = failed.locator(".gw-rerun-input[data-label='reads']")
    expect(row).to_contain_text("bad pair (collection)")
    row.locator("input.gw-replace").fill(f"#{uploaded.pair.hid}")
    page.set_viewport_size({"width": 1280, "height": 1500})
    first, last = nb.output(0).bounding_box(), nb.output(1).bounding_box()
    shot(
        page,
        "monitor-cancel-rerun.png",
        clip={
            "x": first["x"] - 8,
            "y": first["y"] - 8,
            "width": first["width"] + 16,
            "height": last["y"] + last["height"] - first["y"] + 16,
        },
    )
    failed.locator("button.gw-rerun").click()
    expect(failed).not_to_have_attribute("data-invocation", failing_id)
    new_id = failed.get_attribute("data-invocation")
    expect(failed.locator(".gw-title")).to_contain_text(f"rerun of {failing_id}")
    req = gi.invocations.request(new_id)
    assert req["inputs"]["reads"] == {"src": "hdca", "id": uploaded.pair.id}
    done = gi.invocations.wait(new_id, interval=1)  # Galaxy: the rerun succeeds
    assert gi.invocations.outputs(done.id)["counts"].state == "ok"
    expect(failed).to_have_attribute("data-state", "ok", timeout=60_000)
    expect(failed.locator(".gw-output[data-label='counts']")).to_be_visible()
    assert nullish_texts(page) == []
