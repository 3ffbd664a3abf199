"""Issue 14 in a real JupyterLab: the launcher on an IWC-style workflow shows help, validator
messages, choices computed from connected tools and suggestions; what each control shows is what
Python sends; a workflow with missing tools lists them and cannot be run."""

from __future__ import annotations

import json

import pytest

from tests.data.iwc_workflows import MISSING, REGEX_MESSAGE, import_patterns, list_paired, post

pytestmark = pytest.mark.browser

NOTEBOOK = "launcher_iwc.ipynb"
CELLS = [
    # 0: the launcher, with its data inputs picked from Python (the form is what is tested here)
    "import os\n"
    "from galaxy_widgets import Galaxy\n"
    "from galaxy_widgets.widgets import WorkflowLauncher\n"
    'gi = Galaxy(os.environ["GALAXY_URL"], api_key=os.environ["GALAXY_API_KEY"])\n'
    'launcher = WorkflowLauncher(gi, os.environ["GW_IWC_WORKFLOW"], history=os.environ["GW_IWC_HISTORY"])\n'
    'launcher.pickers["table "].value = [os.environ["GW_IWC_TABLE"]]\n'
    'launcher.pickers["Collection paired FASTQ files"].value = [os.environ["GW_IWC_PAIRS"]]\n'
    "launcher.widget",
    # 1: what Python would send now
    "import json\n"
    "plan = launcher.plan()[0]\n"
    "print(json.dumps({k: v for k, v in plan.items() if isinstance(v, str | bool | float | int)}))",
    # 2: a workflow whose tools are missing
    'missing = WorkflowLauncher(gi, os.environ["GW_IWC_MISSING"], history=os.environ["GW_IWC_HISTORY"])\n'
    "missing.widget",
]


@pytest.fixture(scope="module")
def lab_env(lab_env, gi, history, uploaded) -> dict[str, str]:
    pairs = list_paired(gi, uploaded.history_id, uploaded.pair, name="gw-iwc pairs")
    return {
        **lab_env,
        "GW_IWC_HISTORY": history.id,
        "GW_IWC_WORKFLOW": import_patterns(gi).id,
        "GW_IWC_MISSING": post(gi, {"yaml_content": MISSING}).id,
        "GW_IWC_TABLE": uploaded.table.id,
        "GW_IWC_PAIRS": pairs.id,
    }


def _sent(nb) -> dict:
    """What cell 1 prints: the plan Python would send now."""
    nb.run(1)
    return json.loads(nb.output(1).inner_text().strip().splitlines()[-1])


def test_launcher_shows_what_python_sends(open_notebook, page):
    from playwright.sync_api import expect

    nb = open_notebook(NOTEBOOK, CELLS)

    form = nb.run(0).locator(".gw-launcher-form")
    expect(form).to_be_visible()
    labels = form.locator(".gw-param-label")
    sample = labels.filter(has_text="MGnify's sample")
    expect(sample.locator(".gw-param-help")).to_have_text(f"The sample name. · {REGEX_MESSAGE}")
    # a select without a default starts on "choose…", which Python holds as None: Run stays off
    order = form.locator("select.gw-param-select")
    expect(order.locator("option:checked")).to_have_text("choose…")
    expect(order.locator("option:not(.gw-choose)")).to_have_text(["DESC", "ASC"])
    run = form.locator(".gw-run-button")
    expect(run).to_be_disabled()
    # suggestions: a free-text box with a datalist
    genome = form.locator("input.gw-param-suggested")
    list_id = genome.get_attribute("list")
    expect(page.locator(f"datalist#{list_id} option")).to_have_count(2)
    # the required boolean with no default: unticked, and False in Python
    box = form.locator("input.gw-param-boolean")
    expect(box).not_to_be_checked()

    texts = form.locator("input.gw-param-text")
    texts.nth(0).fill("two words")  # MGnify's sample
    texts.nth(0).press("Enter")
    order.select_option("ASC")
    expect(form.locator(".gw-run-summary")).to_contain_text(REGEX_MESSAGE)
    expect(run).to_be_disabled()
    texts.nth(0).fill("s1")
    texts.nth(0).press("Enter")
    genome.fill("hg19")
    genome.press("Enter")
    expect(run).to_be_enabled()
    # genome is optional, so Run was already on: wait (bounded) until the kernel has the commit,
    # which travels as a comm message of its own (a commit that never arrives fails here)
    for _ in range(20):
        sent = _sent(nb)
        if "genome" in sent:
            break
        page.wait_for_timeout(500)
    assert sent["keep header"] is False and sent["sort order"] == "ASC"
    assert sent["MGnify's sample"] == "s1" and sent["genome"] == "hg19"
    box.check()
    expect(box).to_be_checked()
    assert _sent(nb)["keep header"] is True

    chooser = nb.run(2).locator(".gw-launcher-chooser")
    expect(chooser.locator(".gw-msg")).to_contain_text("2 tool(s) are not installed")
    expect(chooser.locator(".gw-msg")).to_contain_text("repository 'fastqc' by devteam")
    expect(nb.cells.nth(2).locator(".gw-run-button")).to_be_disabled()
