"""Issue 15: promises of the magics checked by behaviour on the real Galaxy (cache, %config,
provenance)."""

from __future__ import annotations

import time

import pytest

TEXT = "zeta\nalpha\nmu\n"


@pytest.fixture(scope="module")
def own_history(gi):
    """A history of this module's own: these tests add and rename datasets in it."""
    return gi.histories.create("gw-tests magics promises")


def _edit_until_updated(gi, ds, **edit):
    for _ in range(3):
        new = gi.datasets.update(ds.id, **edit)
        if new.update_time != ds.update_time:
            return new
        time.sleep(1.1)
    raise AssertionError(f"update_time never changed: {ds.update_time}")


def _files(folder):
    return [p for p in folder.rglob("*") if p.is_file()]


def test_get_downloads_again_after_rename(ip, gi, galaxy_server, own_history, tmp_path):
    ds = gi.uploads.paste(own_history.id, TEXT, name="magic-cache.txt", ext="txt", wait=True)
    ip.run_cell("%galaxy connect")
    ip.run_cell(f"%galaxy use {own_history.id}")
    ip.run_cell(f"%config GalaxyMagics.cache_dir = {str(tmp_path)!r}")
    assert ip.run(f"%galaxy get {ds.hid}") == TEXT
    (cached,) = _files(tmp_path)  # cache_dir took effect: the file landed there
    cached.write_text("STALE\n")
    assert ip.run(f"%galaxy get {ds.hid}") == "STALE\n"  # a cache hit
    _edit_until_updated(gi, gi.datasets.show(ds.id), name="magic-cache-renamed.txt")
    assert ip.run(f"%galaxy get {ds.hid}") == TEXT
    assert not cached.exists()
    assert len(_files(tmp_path)) == 1
