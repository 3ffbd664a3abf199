"""Issue 15 item 3: the download cache follows a dataset's ``update_time`` on the real Galaxy."""

from __future__ import annotations

import time

from galaxy_widgets import convert

TEXT = "zeta\nalpha\nmu\n"


def _edit_until_updated(gi, ds, **edit):
    """Edit ``ds`` and return its new record once Galaxy reports a new ``update_time``."""
    for _ in range(3):
        new = gi.datasets.update(ds.id, **edit)
        if new.update_time != ds.update_time:
            return new
        time.sleep(1.1)  # update_time has one-second granularity on some databases
    raise AssertionError(f"update_time never changed: {ds.update_time}")


def test_changed_update_time_downloads_again_and_drops_stale_file(gi, history, tmp_path):
    ds = gi.uploads.paste(history.id, TEXT, name="cache-me.txt", ext="txt", wait=True)
    ds = gi.datasets.show(ds.id)
    first = convert.load(gi, ds, "path", cache_dir=tmp_path)
    assert first.read_text() == TEXT
    # Mark the cached copy: a hit returns it as is, so only a real download can bring TEXT back.
    first.write_text("STALE\n")
    assert convert.load(gi, gi.datasets.show(ds.id), "text", cache_dir=tmp_path) == "STALE\n"

    renamed = _edit_until_updated(gi, ds, name="cache-me-renamed.txt")
    assert convert.load(gi, renamed, "text", cache_dir=tmp_path) == TEXT
    assert not first.exists(), "the stale cached file was left behind"
    assert [p.name for p in first.parent.iterdir()] == [convert.cached_path(gi, renamed, tmp_path).name]

    # a metadata edit (tags) moves update_time too, and the cache follows again
    second = convert.cached_path(gi, renamed, tmp_path)
    second.write_text("STALE AGAIN\n")
    tagged = _edit_until_updated(gi, renamed, tags=["cache:edited"])
    assert convert.load(gi, tagged, "text", cache_dir=tmp_path) == TEXT
    assert not second.exists()
    assert len(list(first.parent.iterdir())) == 1

