"""The side panel in the real JupyterLab (issue 13 items 1 and 5): `%galaxy panel` opens the history
browser in the right-hand panel, follows `%galaxy use`, and a dataset's row goes from running to ok
while another cell sleeps (trait updates from the panel's thread reach the browser while the kernel
is busy). Then the same panel at 360 px (no horizontal overflow) and in the dark theme (readable
contrast), with screenshots (into docs/ with GW_DOCS_SCREENSHOTS=1).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "panel.ipynb"
PANEL = "#jp-right-stack .gw-history"
SLEEP_JOB_SECONDS = 15

#: WCAG contrast of an element's text against what is behind it (ancestors' backgrounds composited,
#: alpha included); colours go through a canvas so any CSS colour syntax (color-mix, color()) works.
CONTRAST = """(el) => {
  const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "rgba(0,0,0,0)";
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const layers = [];
  for (let n = el; n; n = n.parentElement) {
    const bg = rgba(getComputedStyle(n).backgroundColor);
    if (bg[3] > 0) layers.push(bg);
    if (bg[3] >= 1) break;
  }
  let back = [255, 255, 255, 1];
  for (const layer of layers.reverse()) back = over(layer, back);
  const fore = over(rgba(getComputedStyle(el).color), back);
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(fore), lum(back)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""


def cells(first: Any, second: Any, source_id: str, stop: Path) -> list[str]:
    return [
        f"%load_ext galaxy_widgets\n%galaxy connect\n%galaxy use {first.id}",
        "%galaxy panel",
        f"%galaxy use {second.id}",
        "from galaxy_widgets import Galaxy\n"
        "gi = Galaxy()  # GALAXY_URL / GALAXY_API_KEY from the server's environment\n"
        f"run = gi.tools.run('gw_sleep', {second.id!r}, "
        f"{{'input1': gi.datasets.show({source_id!r}), 'seconds': {SLEEP_JOB_SECONDS}}})\n"
        "print('started', run.outputs[0].id)",
        "import os, time\n"
        "for _ in range(600):  # the kernel is busy here until the test says stop\n"
        f"    if os.path.exists({str(stop)!r}):\n"
        "        break\n"
        "    time.sleep(0.5)\n"
        "print('slept')",
    ]


def right_panel_width(page: Any, width: int) -> None:
    """Drag the handle between the notebook and the right-hand panel until the panel is ``width`` px."""
    for _ in range(3):
        box = page.locator("#jp-right-stack").bounding_box()
        if abs(box["width"] - width) <= 2:
            return
        handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)").last
        hb = handle.bounding_box()
        x, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + box["width"] - width, y, steps=5)
        page.mouse.up()
        page.wait_for_timeout(300)
    assert abs(page.locator("#jp-right-stack").bounding_box()["width"] - width) <= 2


def test_panel_follows_use_updates_while_a_cell_sleeps_and_fits_360px_dark(
    open_notebook, page, shot, gi, galaxy_server, uploaded, tmp_path
):
    from playwright.sync_api import expect

    first = gi.histories.show(uploaded.history_id)
    second = gi.histories.create("gw-tests panel browser")
    stop = tmp_path / "stop-sleeping"
    nb = open_notebook(NOTEBOOK, cells(first, second, uploaded.text.id, stop))

    # 1. %galaxy panel: the browser opens in the right-hand side panel, on the current history
    nb.run_ok(0)
    out = nb.run_ok(1).locator(".jp-OutputArea-output")
    expect(out).to_contain_text("Galaxy history panel in the side panel")
    expect(out.locator(".gw-root")).to_have_count(0)  # not in the cell
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    expect(panel.locator(".gw-cname")).to_have_text(first.name)
    expect(panel.locator(f".gw-history-row[data-key='{uploaded.table.type_id}']")).to_be_visible()
    shot(page, "panel.png")

    # 2. %galaxy use switches it
    nb.run_ok(2)
    expect(panel.locator(".gw-cname")).to_have_text(second.name)
    expect(panel.locator(".gw-empty")).to_contain_text("This history is empty")

    # 3. a job starts in one cell; the next cell keeps the kernel busy while the row goes to ok
    started = nb.run_ok(3).locator(".jp-OutputArea-output").inner_text()
    out_id = re.search(r"started (\w+)", started).group(1)
    row = panel.locator(f".gw-history-row[data-key='dataset-{out_id}']")
    expect(row).to_be_visible()  # the panel looked after the cell that started it
    busy = nb.run(4, wait=False)
    prompt = busy.locator(".jp-InputPrompt")
    expect(prompt).to_have_text("[*]:")
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Busy")
    seen = [row.get_attribute("data-state")]
    running_contrast: list[float] = []
    assert seen[0] != "ok", "the job finished before the busy cell started; nothing would be shown"
    deadline = time.monotonic() + 300
    while seen[-1] != "ok":
        assert time.monotonic() < deadline, f"the row never reached ok while the kernel was busy: {seen}"
        page.wait_for_timeout(300)
        state = row.get_attribute("data-state")
        if state != seen[-1]:
            seen.append(state)
        if state in ("queued", "running"):
            running_contrast.append(row.locator(".gw-state").evaluate(CONTRAST))
        assert prompt.inner_text() == "[*]:", "the busy cell ended before the row reached ok"
    assert "running" in seen or "queued" in seen or "new" in seen, seen
    assert running_contrast and min(running_contrast) >= 4.5, running_contrast  # light theme badge
    expect(row.locator(".gw-state")).to_have_text("ok")
    stop.write_text("")
    expect(prompt).to_have_text(re.compile(r"\[\d+\]:"))
    expect(busy.locator(".jp-OutputArea-output")).to_have_text("slept")

    # 4. 360 px wide: nothing wider than the panel
    nb.run_ok(0)  # back to the first history (more rows, a peek)
    expect(panel.locator(".gw-cname")).to_have_text(first.name)
    panel.locator(f".gw-history-row[data-key='{uploaded.table.type_id}']").click()
    expect(panel.locator(".gw-detail")).to_contain_text("alpha")
    right_panel_width(page, 360)
    sizes = panel.evaluate("(el) => [el.scrollWidth, el.clientWidth, el.getBoundingClientRect().width]")
    assert sizes[2] <= 360 and sizes[0] <= sizes[1], f"horizontal overflow at 360 px: {sizes}"
    for part in (".gw-contents-table", ".gw-toolbar", ".gw-pager", ".gw-histories"):
        w = panel.locator(part).evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert w[0] <= w[1], f"{part} overflows at 360 px: {w}"
    # the page holds no more rows than one page, whatever the history holds
    assert panel.locator(".gw-history-row").count() <= 15
    shot(panel, "panel-360.png")

    # 5. readable text in the light theme, then in the dark one (JupyterLab's variables)
    checks = {
        "row name": panel.locator(".gw-history-row .gw-name").first,
        "ok badge": panel.locator(".gw-state-ok").first,
        "history name": panel.locator(".gw-history-item.gw-current .gw-hname"),
        "pager": panel.locator(".gw-page-info"),
        "close link": panel.locator(".gw-detail-close"),
        "peek": panel.locator(".gw-peek td").first,
    }

    def low_contrast() -> dict[str, float]:
        ratios = {name: loc.evaluate(CONTRAST) for name, loc in checks.items()}
        return {name: round(r, 2) for name, r in ratios.items() if r < 4.5}

    assert not low_contrast(), f"text below WCAG AA contrast (4.5) in the light theme: {low_contrast()}"
    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})"
    )
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_timeout(500)
    back = panel.evaluate("(el) => getComputedStyle(el).backgroundColor")
    rgb = [int(v) for v in re.findall(r"\d+", back)[:3]]
    assert max(rgb) < 80, f"the panel's background is not dark in the dark theme: {back}"
    assert not low_contrast(), f"text below WCAG AA contrast (4.5) in the dark theme: {low_contrast()}"
    right_panel_width(page, 520)
    shot(page, "panel-dark.png")
    assert galaxy_server.api_key not in page.content()
