"""A real JupyterLab in headless Chromium, isolated per test module, pointed at the test Galaxy.

JupyterLab runs with fresh config/runtime/settings/workspace dirs in a temp dir, autosave off (the
notebook under test is never written back), and the test Galaxy's URL and key in the *server's*
environment, so kernels get them without the key ever being written into a notebook. Every browser
console error and uncaught page error fails the test.

Needs: ``pip install jupyterlab playwright`` and a Chromium at ``/usr/bin/chromium`` (Debian's
``chromium`` package); ``GW_CHROMIUM`` overrides the path. Never ``playwright install``.

What the tests share: ``lab_env`` (a module overrides it to add its own variables), ``open_notebook``
(writes a notebook, opens it, waits for its kernel, gives a ``Notebook`` driver) and ``shot`` (the
one screenshot helper: ``docs/`` only with ``GW_DOCS_SCREENSHOTS=1``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE / "notebooks"
DOCS = HERE.parents[1] / "docs"
#: The test notebooks are driven through the browser, not executed by nbval.
collect_ignore_glob = ["notebooks/*.ipynb"]
CHROMIUM = os.environ.get("GW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    proc: subprocess.Popen
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


@pytest.fixture(scope="module")
def lab_env(galaxy_server) -> dict[str, str]:
    """Extra environment for the JupyterLab server and its kernels: the test Galaxy's URL and key.

    A module adds its own variables by overriding this fixture and extending it
    (``def lab_env(lab_env, ...): return {**lab_env, "GW_X": ...}``). The key lives in the server's
    environment only, never in a notebook.
    """
    return {"GALAXY_URL": galaxy_server.url, "GALAXY_API_KEY": galaxy_server.api_key}


@pytest.fixture(scope="module")
def lab(lab_env: dict[str, str]) -> Iterator[Lab]:
    if not Path(CHROMIUM).exists():
        why = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GW_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; under CI a missing browser fails the browser tests")
        pytest.skip(why)
    if os.environ.get("CI"):
        import playwright.sync_api  # noqa: F401 - under CI a missing playwright fails, never skips
    pytest.importorskip("playwright.sync_api")
    base = Path(tempfile.mkdtemp(prefix="gw-lab-"))
    root = base / "notebooks"
    root.mkdir()
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "IPYTHONDIR",
    ):
        env[name] = str(base / name.lower())
        Path(env[name]).mkdir()
    for rel, value in SETTINGS.items():
        path = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env.update(lab_env)
    token = secrets.token_hex(16)
    port = _free_port()
    log = base / "jupyterlab.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    yield Lab(url, token, root, proc, log)
    os.killpg(proc.pid, signal.SIGTERM)  # the server and its kernels
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    shutil.rmtree(base, ignore_errors=True)


def make_notebook(cells: list[str]) -> dict[str, Any]:
    """An nbformat 4 notebook of code cells, no outputs, with a kernelspec (without one, JupyterLab
    opens a "Select Kernel" dialog and the test hangs)."""
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
            for src in cells
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


#: Runs cell ``i`` of the open notebook; with ``wait`` the promise (it ends with the cell) is returned
#: for Playwright to await, without it the cell may go on running (a busy kernel) while the test acts.
RUN_CELL = """([i, wait]) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    nb.activeCellIndex = i;
    const done = window.jupyterapp.commands.execute('notebook:run-cell');
    return wait ? done : null;
}"""
#: A cell's prompt once it has run: ``[3]:`` (``[*]:`` while it runs).
RAN = re.compile(r"\[\d+\]:")


class Notebook:
    """Drive the notebook open in the page: run a cell, read its source and output, list its errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.cells = page.locator(".jp-NotebookPanel .jp-CodeCell")

    def run(self, index: int, *, wait: bool = True, timeout: float = 120_000) -> Any:
        """Run cell ``index``; with ``wait``, until its prompt shows an execution count. The cell."""
        from playwright.sync_api import expect

        self.page.evaluate(RUN_CELL, [index, wait])
        cell = self.cells.nth(index)
        if wait:
            expect(cell.locator(".jp-InputPrompt")).to_have_text(RAN, timeout=timeout)
        return cell

    def run_ok(self, index: int) -> Any:
        """Run cell ``index`` to its end and fail if it wrote to stderr or raised. The cell."""
        cell = self.run(index)
        assert not self.errors_in(index), self.errors_in(index)
        return cell

    def source(self, index: int) -> str:
        return self.page.evaluate(
            "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel.getSource()",
            index,
        )

    def output(self, index: int) -> Any:
        return self.cells.nth(index).locator(".jp-OutputArea-output")

    def errors_in(self, index: int) -> list[str]:
        """What cell ``index`` wrote to stderr, and its traceback if it raised."""
        kinds = ("stderr", "error")
        bad = ", ".join(f".jp-RenderedText[data-mime-type='application/vnd.jupyter.{k}']" for k in kinds)
        return self.cells.nth(index).locator(bad).all_inner_texts()


@pytest.fixture
def open_notebook(lab: Lab, page: Any) -> Callable[..., Notebook]:
    """``open_notebook(name, cells)``: write a notebook of ``cells`` (or, without cells, copy
    ``notebooks/<name>``) into the lab, open it in the page and wait until its kernel is idle."""
    from playwright.sync_api import expect

    def open_(name: str, cells: list[str] | None = None) -> Notebook:
        if cells is None:
            shutil.copy(NOTEBOOKS / name, lab.root / name)
        else:
            (lab.root / name).write_text(json.dumps(make_notebook(cells)))
        page.goto(lab.notebook_url(name))
        expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=60_000)
        expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=60_000)
        return Notebook(page)

    return open_


@pytest.fixture
def shot(tmp_path: Path) -> Callable[..., Path]:
    """``shot(page_or_locator, "name.png", **screenshot_options)``: take a screenshot, animations off.

    The README shows the screenshots in docs/; they are written there only when GW_DOCS_SCREENSHOTS=1
    (to refresh them on purpose), otherwise into the test's tmp folder, so an ordinary test run leaves
    the git tree clean while the screenshot code still runs.
    """
    folder = DOCS if os.environ.get("GW_DOCS_SCREENSHOTS") == "1" else tmp_path

    def take(target: Any, name: str, **options: Any) -> Path:
        folder.mkdir(exist_ok=True)
        path = folder / name
        target.screenshot(path=str(path), animations="disabled", **options)
        return path

    return take


@dataclass
class Problems:
    """Console errors and uncaught exceptions seen in the page."""

    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    pg = context.new_page()
    problems = Problems()
    pg.on("console", lambda m: problems.errors.append(f"console: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.errors.append(f"page error: {e}"))
    pg.problems = problems
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        where = Path(tempfile.gettempdir()) / f"gw-failure-{request.node.name}.png"
        pg.screenshot(path=str(where), full_page=True)
    context.close()
    assert not problems.errors, "browser errors:\n" + "\n".join(problems.errors)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


# A history of this folder's own, with copies of the session's uploads: these tests look at whole
# history pages, so they must not see what other test folders add to the shared session history.
@pytest.fixture(scope="session")
def uploaded(uploaded, gi, copy_uploaded_to):
    return copy_uploaded_to(gi, uploaded, "gw-tests browser")[1]


@pytest.fixture(scope="session")
def history(gi, uploaded):
    return gi.histories.show(uploaded.history_id)
