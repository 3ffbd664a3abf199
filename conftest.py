"""Shared test fixtures: a real Galaxy for the whole session, and data uploaded to it once.

The session starts a local Galaxy through the package's own ``LocalGalaxy`` (fresh data dir), or
uses an existing one when ``GALAXY_TEST_URL`` and ``GALAXY_TEST_API_KEY`` are set. Profiles are
redirected to a temporary config dir so the user's own are never touched. Notebooks run by nbval
get the server through ``GALAXY_URL`` / ``GALAXY_API_KEY``.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# GW_TESTS_TMP_PARENT: where scripts/test looks for the servers this session left running (its own only)
_TMP = Path(tempfile.mkdtemp(prefix="gw-tests-", dir=os.environ.get("GW_TESTS_TMP_PARENT") or None))
os.environ["GALAXY_WIDGETS_CONFIG_DIR"] = str(_TMP / "config")
os.environ.setdefault("GALAXY_WIDGETS_TEST_TMP", str(_TMP))
# never the user's own servers
_USER_VARS = ("GALAXY_URL", "GALAXY_API_KEY", "API_KEY", "HISTORY_ID")
_USER_VARS += ("GALAXY_PREFIX_URL", "GALAXY_PREFIX_API_KEY")
for _var in _USER_VARS:
    os.environ.pop(_var, None)


@dataclass
class Server:
    """A test Galaxy; secrets stay out of the repr (pytest prints reprs in failure reports)."""

    url: str
    api_key: str = field(repr=False)
    admin_password: str = field(default="", repr=False)
    bootstrap_key: str = field(default="", repr=False)
    local: Any = None


_lock = threading.Lock()
_servers: dict[str, Server] = {}
_threads: dict[str, threading.Thread] = {}
_errors: dict[str, BaseException] = {}


#: the Galaxy release the session's servers run (``--galaxy-version``; default LocalGalaxy's own)
GALAXY_VERSION: str | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--galaxy-version",
        default=os.environ.get("GALAXY_TEST_VERSION") or None,
        help="start the session's Galaxy servers at this release, e.g. 25.0.4 (env GALAXY_TEST_VERSION; "
        "default: galaxy_widgets.local.GALAXY_VERSION)",
    )


def pytest_configure(config: pytest.Config) -> None:
    from galaxy_widgets import local

    global GALAXY_VERSION
    GALAXY_VERSION = config.getoption("galaxy_version") or local.GALAXY_VERSION


def _start(name: str, prefix: str) -> None:
    from galaxy_widgets import local

    try:
        # a random free port: never the user's own local Galaxy's default one
        version = GALAXY_VERSION or local.GALAXY_VERSION
        port = local._free_port()
        lg = local.LocalGalaxy(_TMP / f"galaxy-{name}", port=port, prefix=prefix, version=version)
        st = lg.start()
        _servers[name] = Server(st.url, st.api_key, st.admin_password, st.bootstrap_key, lg)
    except BaseException as exc:
        _errors[name] = exc


def _server(name: str, prefix: str, env: str) -> Server:
    url, key = os.environ.get(f"{env}_URL"), os.environ.get(f"{env}_API_KEY")
    if url and key:
        return Server(
            url, key, os.environ.get(f"{env}_PASSWORD", ""), os.environ.get(f"{env}_BOOTSTRAP_KEY", "")
        )
    with _lock:
        if name not in _servers and name not in _threads:
            _threads[name] = threading.Thread(target=_start, args=(name, prefix), daemon=True)
            _threads[name].start()
    _threads[name].join()
    if name in _errors:
        raise _errors[name]
    return _servers[name]


def main_server() -> Server:
    """The test Galaxy (started once per session)."""
    srv = _server("main", "", "GALAXY_TEST")
    os.environ["GALAXY_URL"] = srv.url
    os.environ["GALAXY_API_KEY"] = srv.api_key
    return srv


def prefetch_prefixed() -> None:
    """Start the /galaxy-prefixed Galaxy in the background so its start overlaps other work."""
    if os.environ.get("GALAXY_TEST_PREFIX_URL"):
        return
    with _lock:
        if "prefix" not in _threads:
            _threads["prefix"] = threading.Thread(target=_start, args=("prefix", "/galaxy"), daemon=True)
            _threads["prefix"].start()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    _notebook_cells_in_order(items)
    if config.option.collectonly:
        return
    if any(item.nodeid.split("::")[0].startswith("tests/") and "prefix" in item.keywords for item in items):
        prefetch_prefixed()
    if any(str(item.path).endswith(".ipynb") for item in items):
        # nbval kernels read the servers from the environment: GALAXY_URL / GALAXY_API_KEY, and
        # GALAXY_PREFIX_URL / GALAXY_PREFIX_API_KEY for the raw-API notebook's /galaxy part.
        prefetch_prefixed()
        main_server()
        prefixed = _server("prefix", "/galaxy", "GALAXY_TEST_PREFIX")
        os.environ["GALAXY_PREFIX_URL"] = prefixed.url
        os.environ["GALAXY_PREFIX_API_KEY"] = prefixed.api_key


def _notebook_cells_in_order(items: list) -> None:
    """A notebook's cells run in order, one notebook after another, after the tests.

    pytest-randomly (the shuffled CI pass) shuffles the test functions; it would shuffle nbval's
    cells too, which are steps of one story, not independent tests. Notebooks keep the shuffled
    order of their first cell."""
    cells = [item for item in items if hasattr(item, "cell_num")]
    if not cells:
        return
    books: dict[Any, list] = {}
    for cell in cells:
        books.setdefault(cell.path, []).append(cell)
    rest = [item for item in items if not hasattr(item, "cell_num")]
    items[:] = rest + [cell for book in books.values() for cell in sorted(book, key=lambda c: c.cell_num)]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for srv in _servers.values():
        if srv.local is not None:
            srv.local.stop()


@pytest.fixture(scope="session")
def galaxy_server() -> Server:
    return main_server()


@pytest.fixture(scope="session")
def prefixed_server() -> Server:
    """A second Galaxy served under /galaxy (for prefix handling and baseauth)."""
    return _server("prefix", "/galaxy", "GALAXY_TEST_PREFIX")


@pytest.fixture(scope="session")
def gi(galaxy_server: Server):
    from galaxy_widgets import Galaxy

    client = Galaxy(galaxy_server.url, api_key=galaxy_server.api_key)
    yield client
    client.close()


@pytest.fixture(scope="session")
def galaxy_release(gi) -> tuple[int, ...]:
    """The test server's release, e.g. ``(25, 0)``, for the few tests that check a known difference
    between releases (each one listed in README, Compatibility)."""
    return tuple(int(x) for x in gi.get("version")["version_major"].split("."))


@pytest.fixture(scope="session")
def _session_history(gi):
    return gi.histories.create("gw-tests session")


@pytest.fixture(scope="session")
def history(gi):
    """A scratch history for what tests create (left in place for inspection). The session's
    uploads live in a history of their own that no test writes to, so tests can assert on it."""
    return gi.histories.create("gw-tests scratch")


# unsorted on purpose: its head is neither the start of the sorted nor of the reverse-sorted table
TABLE = "#name\tvalue\tgroup\ndelta\t2\tb\ngamma\t5\ta\nalpha\t3\ta\nbeta\t1\tb\n"
SAMPLES = {
    "s1": "#id\tcount\nr1\t10\nr2\t20\n",
    "s2": "#id\tcount\nr1\t7\nr2\t5\nr3\t9\n",
    "s3": "#id\tcount\nr1\t1\n",
}


@dataclass
class Uploaded:
    """Data uploaded once per session (three fetch jobs, run concurrently)."""

    gi: Any
    history_id: str
    _plain: Any
    _samples: Any
    _pair: Any
    _done: bool = False

    def _ensure(self) -> None:
        if not self._done:
            self._plain = self.gi.uploads.wait(self._plain)
            self._samples = self.gi.uploads.wait(self._samples)
            self._pair = self.gi.uploads.wait(self._pair)
            self._done = True

    def _ds(self, name: str):
        self._ensure()
        return next(d for d in self._plain.datasets if d.name == name)

    @property
    def table(self):
        """table.tsv (tabular, header line ``#name value group``, 4 rows)."""
        return self._ds("table.tsv")

    @property
    def text(self):
        return self._ds("notes.txt")

    @property
    def json(self):
        return self._ds("data.json")

    @property
    def csv(self):
        return self._ds("table.csv")

    @property
    def samples(self):
        """A list collection of three tabular samples s1, s2, s3."""
        self._ensure()
        return self.gi.collections.show(self._samples.collection.id)

    @property
    def pair(self):
        self._ensure()
        return self.gi.collections.show(self._pair.collection.id)


@pytest.fixture(scope="session")
def uploaded(gi, _session_history) -> Uploaded:
    history = _session_history
    plain = gi.uploads.fetch(
        history.id,
        [
            {"src": "pasted", "paste_content": TABLE, "ext": "tabular", "name": "table.tsv"},
            {
                "src": "pasted",
                "paste_content": "first line\nsecond line\n",
                "ext": "txt",
                "name": "notes.txt",
            },
            {"src": "pasted", "paste_content": '{"a": 1, "b": [1, 2]}', "ext": "json", "name": "data.json"},
            {"src": "pasted", "paste_content": "x,y\n1,2\n3,4\n", "ext": "csv", "name": "table.csv"},
        ],
    )
    samples = gi.uploads.texts(
        history.id, SAMPLES, ext="tabular", collection_type="list", collection_name="samples"
    )
    pair = gi.uploads.texts(
        history.id,
        {"forward": "ACGT\n", "reverse": "TGCA\n"},
        ext="txt",
        collection_type="paired",
        collection_name="pair",
    )
    return Uploaded(gi, history.id, plain, samples, pair)


@pytest.fixture(scope="session")
def demo_workflows(gi) -> dict[str, Any]:
    """The two demo workflows, imported once: 'sort_and_head' and 'samples_stats'."""
    from galaxy_widgets.local import DEMO_WORKFLOWS

    return {p.name.split(".")[0]: gi.workflows.import_(p) for p in sorted(DEMO_WORKFLOWS.glob("*.gxwf.yml"))}


@dataclass
class CopiedData:
    """The session's uploads copied into a history of their own (no job: copies share the files).

    For tests that look at a whole history (widgets, browser) and must not see what other tests
    add to the shared session history. Same attributes as ``Uploaded``.
    """

    history_id: str
    table: Any
    text: Any
    json: Any
    csv: Any
    samples: Any
    pair: Any


def copy_uploaded(gi: Any, uploaded: Uploaded, name: str) -> tuple[Any, CopiedData]:
    """A new history holding copies of every session upload, in the original order."""
    h = gi.histories.create(name)

    def copy(item: Any) -> Any:
        if item.src == "hdca":
            body = {"source": "hdca", "content": item.id, "type": "dataset_collection", "copy_elements": True}
            return gi.collections.show(gi.post(f"histories/{h.id}/contents", json=body)["id"])
        body = {"source": "hda", "content": item.id, "type": "dataset"}
        return gi.datasets.show(gi.post(f"histories/{h.id}/contents", json=body)["id"])

    items = [uploaded.table, uploaded.text, uploaded.json, uploaded.csv, uploaded.samples, uploaded.pair]
    copies = [copy(i) for i in items]
    return h, CopiedData(h.id, *copies)


@pytest.fixture(scope="session")
def copy_uploaded_to():
    """``copy_uploaded_to(gi, uploaded, name) -> (history, CopiedData)``, for folder conftests that
    override ``history``/``uploaded`` with an isolated copy."""
    return copy_uploaded


@pytest.fixture(scope="session")
def twin_history(galaxy_server: Server):
    """``twin_history(item_id, kind) -> history id or None``: the history of the item of the OTHER
    kind that has the same encoded id (Galaxy encodes dataset and collection ids alike, and on a
    fresh server the first dataset and the first collection share one). Read with plain requests,
    not through the client under test."""
    import requests

    def twin(item_id: str, kind: str) -> str | None:
        other = "dataset_collections" if kind == "dataset" else "datasets"
        headers = {"x-api-key": galaxy_server.api_key}
        r = requests.get(f"{galaxy_server.url}/api/{other}/{item_id}", headers=headers, timeout=30)
        return r.json()["history_id"] if r.ok else None

    return twin


@dataclass(frozen=True)
class TwinItems:
    """A history holding a dataset and a collection that share one encoded id (see ``twin_items``)."""

    server: Server
    history_id: str
    item_id: str
    dataset_hid: int
    collection_hid: int
    lone_dataset_id: str  # a dataset of that history whose id no collection there has


@pytest.fixture(scope="session")
def twin_items(prefixed_server: Server) -> TwinItems:
    """A dataset and a collection with the same encoded id, in one history, made on purpose.

    Galaxy numbers datasets and collections in two tables and encodes both with one secret, so the
    n-th dataset and the n-th collection have the same id. On the lightly used /galaxy server the
    two counters are close: this adds empty lists (or copies of one pasted dataset, whichever
    counter is behind; no job either way) to a new history until one of them takes the id of an
    item already there. Built with plain requests, not through the client under test.
    """
    import requests

    s = requests.Session()
    s.headers["x-api-key"] = prefixed_server.api_key
    api = f"{prefixed_server.url}/api"

    def post(path: str, body: dict) -> dict:
        r = s.post(f"{api}/{path}", json=body, timeout=60)
        r.raise_for_status()
        return r.json()

    h = post("histories", {"name": "gw-tests twin ids"})["id"]
    target = {
        "destination": {"type": "hdas"},
        "elements": [
            {"src": "pasted", "paste_content": "a\tb\n1\t2\n", "ext": "tabular", "name": "twin.tsv"}
        ],
    }
    first = post("tools/fetch", {"history_id": h, "targets": [target]})["outputs"][0]
    datasets = {first["id"]: first["hid"]}
    collections: dict[str, int] = {}

    def new_collection() -> tuple[str, int]:
        body = {"type": "dataset_collection", "collection_type": "list", "element_identifiers": [],
                "name": f"twin list {len(collections) + 1}"}
        made = post(f"histories/{h}/contents", body)
        collections[made["id"]] = made["hid"]
        return made["id"], made["hid"]

    def new_dataset() -> tuple[str, int]:
        made = post(f"histories/{h}/contents", {"type": "dataset", "source": "hda", "content": first["id"]})
        datasets[made["id"]] = made["hid"]
        return made["id"], made["hid"]

    made, _ = new_collection()
    # does a dataset with this collection's id exist yet? then collections are behind
    collections_behind = s.get(f"{api}/datasets/{made}", timeout=60).ok
    for _ in range(400):
        shared = set(datasets) & set(collections)
        if shared:
            item_id = shared.pop()
            lone, _ = new_dataset()  # newer than every collection here: the dataset counter is past them
            for _ in range(180):  # the pasted dataset (and so its copies) ready to read
                if s.get(f"{api}/datasets/{first['id']}", timeout=60).json()["state"] == "ok":
                    return TwinItems(
                        prefixed_server, h, item_id, datasets[item_id], collections[item_id], lone
                    )
                time.sleep(1)
            raise AssertionError("the pasted dataset of the twin history did not become ok in 180 s")
        if collections_behind:
            new_collection()
        else:
            new_dataset()
    raise AssertionError("could not make a dataset and a collection share an id in 400 steps")
