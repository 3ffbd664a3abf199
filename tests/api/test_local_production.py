"""The production-like local Galaxy: PostgreSQL (a private cluster of Debian's server) and Celery.

It starts a Galaxy of its own (about a minute), so it carries the ``production`` marker; it needs
Debian's ``postgresql`` package (scripts/test installs it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from galaxy_widgets import local
from galaxy_widgets.postgres import Cluster, bin_dir

pytestmark = pytest.mark.production

TABLE = "#name\tvalue\nalpha\t3\nbeta\t1\ngamma\t5\n"


@pytest.fixture(scope="module")
def production(request):
    try:
        bin_dir()
    except RuntimeError as exc:
        if os.environ.get("CI"):  # scripts/test installs PostgreSQL: under CI its absence fails
            pytest.fail(f"{exc}; under CI a missing PostgreSQL fails the production tests")
        pytest.skip(str(exc))
    base = Path(os.environ.get("GALAXY_WIDGETS_TEST_TMP", tempfile.gettempdir()))
    lg = local.LocalGalaxy(
        Path(tempfile.mkdtemp(prefix="galaxy-production-", dir=base)),
        port=local._free_port(),
        production=True,
        version=request.config.getoption("galaxy_version") or local.GALAXY_VERSION,  # --galaxy-version
    )
    try:
        lg.start(log=lambda m: None)
        yield lg
    finally:
        lg.stop()
        Cluster(lg.data_dir).remove()


def test_runs_on_postgresql_with_celery(production):
    config = (production.data_dir / "config" / "galaxy.yml").read_text()
    assert "database_connection: postgresql://" in config and "sqlite" not in config
    assert "enable_celery_tasks: true" in config and "metadata_strategy: directory_celery" in config
    cluster = Cluster(production.data_dir)
    assert cluster.is_running()
    assert oct(cluster.socket_dir.stat().st_mode & 0o777) == "0o700"  # no TCP listener, a private socket


def test_upload_tool_collection_and_workflow(production):
    gi = production.client()
    history = gi.histories.create("gw-tests production")
    up = gi.uploads.fetch(
        history.id, [{"src": "pasted", "paste_content": TABLE, "ext": "tabular", "name": "t.tsv"}]
    )
    table = gi.uploads.wait(up).datasets[0]
    assert gi.datasets.text(table.id) == TABLE
    run = gi.tools.wait(gi.tools.run("gw_head", history.id, {"input1": table, "lines": 2}))
    assert gi.datasets.text(run.output.id) == "#name\tvalue\nalpha\t3\n"
    pair = {"s1": "b\na\n", "s2": "d\nc\n"}
    samples = gi.uploads.texts(
        history.id, pair, ext="txt", collection_type="list", collection_name="pair", wait=True
    )
    mapped = gi.tools.wait(gi.tools.run("gw_sort", history.id, {"input1": samples.collection}))
    assert [gi.datasets.text(e.object.id) for e in mapped.output.elements] == ["a\nb\n", "c\nd\n"]
    local.seed_demo(gi)
    inv = gi.workflows.invoke("gw-demo sort and head", {"table": table, "lines": 2}, history=history.id)
    gi.invocations.wait(inv.id, timeout=600)
    out = gi.invocations.outputs(inv.id)
    assert gi.datasets.text(out["top"].id) == "#name\tvalue\nalpha\t3\n"
