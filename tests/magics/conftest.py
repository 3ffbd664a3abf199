"""Fixtures for the magics: a real IPython shell, then the extension loaded, then connected.

``TestingShell`` is a real ``InteractiveShell`` whose ``run_cell`` re-raises what the cell raised
(a ``UsageError`` included), so tests can ``pytest.raises`` it and read values from ``user_ns``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell


class TestingShell(InteractiveShell):
    """An InteractiveShell that re-raises errors from the cells it runs."""

    def run_cell(self, raw_cell: str, *args: Any, **kwargs: Any) -> Any:
        result = super().run_cell(raw_cell, *args, **kwargs)
        result.raise_error()
        return result

    def run(self, cell: str) -> Any:
        """Run a cell and return its value (the last expression's result)."""
        return self.run_cell(cell).result


@pytest.fixture(scope="session")
def shell() -> TestingShell:
    if InteractiveShell.initialized() and not isinstance(InteractiveShell.instance(), TestingShell):
        InteractiveShell.clear_instance()  # a plain shell another test folder made (any test order)
    return TestingShell.instance()


def galaxy_magics(shell: InteractiveShell) -> Any:
    from galaxy_widgets.magics import GalaxyMagics

    return next(c for c in shell.configurables if isinstance(c, GalaxyMagics))


def _defaults(shell: TestingShell) -> None:
    """``%load_ext galaxy_widgets`` done, not connected, empty log, every setting at its default."""
    shell.run_cell("%load_ext galaxy_widgets")
    m = galaxy_magics(shell)
    m.set_connection(None)
    m.log.clear()
    for name, trait in m.traits(config=True).items():
        setattr(m, name, trait.default())


@pytest.fixture
def ip(shell: TestingShell) -> Iterator[TestingShell]:
    """The shell with ``%load_ext galaxy_widgets`` done, not connected, default settings; put back
    so after the test too (session fixtures such as ``launched`` use the same shell, in any order)."""
    _defaults(shell)
    shell.reset(new_session=False)
    yield shell
    _defaults(shell)


@pytest.fixture
def own_config(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Profiles in a fresh dir, and no key or URL in the environment."""
    monkeypatch.setenv("GALAXY_WIDGETS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("GALAXY_API_KEY", raising=False)
    monkeypatch.delenv("GALAXY_URL", raising=False)
    return tmp_path


@pytest.fixture
def magics(ip: TestingShell) -> Any:
    return galaxy_magics(ip)


@pytest.fixture(scope="session")
def magics_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("magics-cache")


@pytest.fixture
def connected(
    ip: TestingShell, galaxy_server: Any, uploaded: Any, magics_cache: Any, launched: dict[str, Any]
) -> TestingShell:
    """Connected to the session Galaxy (GALAXY_URL/GALAXY_API_KEY), with the uploads' history current.

    It asks for ``launched`` so the slow runs start with the first connected test and overlap the rest.
    """
    connect_to(ip, uploaded.history_id)
    ip.run_cell(f"%config GalaxyMagics.cache_dir = {str(magics_cache)!r}")
    return ip


def connect_to(ip: TestingShell, history_id: str) -> TestingShell:
    """``%galaxy connect`` (GALAXY_URL/GALAXY_API_KEY), ``use`` the history, poll every second."""
    ip.run_cell("%galaxy connect")
    ip.run_cell(f"%galaxy use {history_id}")
    ip.run_cell("%config GalaxyMagics.poll_interval = 1.0")
    return ip


@pytest.fixture(name="connect_to")
def _connect_to() -> Any:
    """:func:`connect_to`, for test modules (they cannot import this conftest)."""
    return connect_to


class Published:
    """Display data published while a cell ran (for provenance metadata)."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict, dict]] = []

    def metadata(self, key: str) -> list[Any]:
        return [md[key] for _, md in self.calls if md and key in md]


@pytest.fixture
def published(ip: TestingShell, monkeypatch: pytest.MonkeyPatch) -> Published:
    rec = Published()
    original = ip.display_pub.publish

    def publish(data: dict, metadata: dict | None = None, *args: Any, **kwargs: Any) -> None:
        rec.calls.append((data, metadata or {}))
        original(data, metadata, *args, **kwargs)

    monkeypatch.setattr(ip.display_pub, "publish", publish)
    return rec


class NotebookRun:
    """A notebook of magics executed by a real Jupyter kernel in a background thread.

    It starts when first asked for, so its slow workflow run overlaps the shell tests' jobs.
    """

    def __init__(self, cells: list[str], workdir: Any) -> None:
        import threading

        import nbformat

        self.nb = nbformat.v4.new_notebook()
        self.nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        self.workdir = workdir
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from nbclient import NotebookClient

        try:
            NotebookClient(
                self.nb,
                kernel_name="python3",
                timeout=900,
                resources={"metadata": {"path": str(self.workdir)}},
            ).execute()
        except BaseException as exc:
            self.error = exc

    def result(self) -> Any:
        self.thread.join(1200)
        if self.thread.is_alive():
            raise TimeoutError("the notebook did not finish in 20 minutes")
        if self.error is not None:
            raise self.error
        return self.nb


@pytest.fixture(scope="session")
def magics_notebook(
    galaxy_server: Any, uploaded: Any, demo_workflows: Any, tmp_path_factory: Any
) -> Iterator[NotebookRun]:
    """A full session of magics in a notebook, started in the background."""
    workdir = tmp_path_factory.mktemp("magics-notebook")
    hid = uploaded.table.hid
    cells = [
        "%load_ext galaxy_widgets\n%config GalaxyMagics.poll_interval = 1.0\n"
        f"%config GalaxyMagics.cache_dir = {str(workdir / 'cache')!r}",
        "%galaxy connect",
        f"%galaxy use {uploaded.history_id}",
        "%galaxy histories",
        "%galaxy ls",
        f"%galaxy show {hid}",
        f"df = %galaxy get {hid}\ndf",
        f'result = %galaxy run "{demo_workflows["sort_and_head"].name}" table=#{hid} lines=3',
        "result['top']",
        "%galaxy log",
        "%galaxy status",
        "%galaxy --help",
    ]
    run = NotebookRun(cells, workdir)
    yield run
    run.thread.join(900)  # never leave its kernel running past the session


@pytest.fixture(scope="session")
def launched(
    shell: TestingShell, galaxy_server: Any, uploaded: Any, demo_workflows: Any, magics_notebook: NotebookRun
) -> dict[str, Any]:
    """Started once with ``--no-wait``, waited on by the tests: a failing tool run, a two-run batch
    and one more run. Asking for it also starts the notebook, so all their jobs overlap."""
    _defaults(shell)  # set up before any test's `ip`: never what the previous test configured
    shell.run_cell("%galaxy connect")
    shell.run_cell(f"%galaxy use {uploaded.history_id}")
    wf = demo_workflows["sort_and_head"].name
    shell.run_cell("%galaxy tool gw_fail message=on-purpose --no-wait -o failrun")
    shell.run_cell(f'%galaxy run "{wf}" --over {uploaded.pair.hid} lines=1 --no-wait -o batch')
    shell.run_cell(f'inv = %galaxy run "{wf}" table={uploaded.text.hid} lines=1 --no-wait')
    shell.run_cell(
        f'%galaxy run "{wf}" --over "name:notes extension:txt" lines=1 --new-history "gw-tests magics over"'
        " --no-wait -o over"
    )
    return {k: shell.user_ns[k] for k in ("failrun", "batch", "inv", "over")} | {"workflow": wf}


# A history of this folder's own, with copies of the session's uploads: the magics write into the
# current history (put, upload, run) and list it (ls, browse), so they must not share one.
@pytest.fixture(scope="session")
def uploaded(uploaded, gi, copy_uploaded_to):
    return copy_uploaded_to(gi, uploaded, "gw-tests magics")[1]


@pytest.fixture(scope="session")
def history(gi, uploaded):
    return gi.histories.show(uploaded.history_id)
