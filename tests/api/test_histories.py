"""Histories and history contents against the real Galaxy."""

from __future__ import annotations

import secrets

import pytest

from galaxy_widgets.api.histories import ItemLookupError
from galaxy_widgets.records import Collection, Dataset, History


def test_current_user(gi):
    user = gi.users.current()
    assert user.email == "admin@example.org" or user.id
    assert "admin" in gi.whoami() or user.email in gi.whoami()


def test_create_rename_tag_search_delete(gi):
    name = f"gw-hist-{secrets.token_hex(3)}"
    h = gi.histories.create(name)
    assert isinstance(h, History) and h.name == name
    h = gi.histories.rename(h.id, name + "-renamed")
    assert h.name == name + "-renamed"
    h = gi.histories.tag(h.id, "project:x", "batch1")
    h = gi.histories.tag(h.id, "batch1", "extra")
    assert sorted(h.tags) == ["batch1", "extra", "project:x"]
    # server-side search by name, newest first
    found = gi.histories.list(name)
    assert [x.id for x in found] == [h.id]
    assert gi.histories.count(name) == 1
    assert gi.histories.get(name + "-renamed").id == h.id
    assert gi.histories.get(h.id).id == h.id
    gi.histories.delete(h.id)
    assert gi.histories.show(h.id).deleted
    assert gi.histories.list(name) == []
    assert [x.id for x in gi.histories.list(name, deleted=True)] == [h.id]
    gi.histories.delete(h.id, purge=True)
    assert gi.histories.show(h.id).purged
    with pytest.raises(ItemLookupError, match="No history named"):
        gi.histories.get(f"no history {secrets.token_hex(3)}")


def test_history_listing_is_newest_first(gi):
    a = gi.histories.create("gw-order-a")
    b = gi.histories.create("gw-order-b")
    ids = [h.id for h in gi.histories.list("gw-order-")]
    assert ids.index(b.id) < ids.index(a.id)
    for h in (a, b):
        gi.histories.delete(h.id, purge=True)


def test_state_summary(gi, uploaded):
    _ = uploaded.table  # waits for the uploads
    state = gi.histories.state(uploaded.history_id)
    assert state["state"] == "ok"
    assert state["counts"].get("ok", 0) >= 4


def test_contents_page_total_and_filters(gi, uploaded, galaxy_release):
    _ = uploaded.table
    h = uploaded.history_id
    everything = gi.histories.contents(h, "visible:any").all()
    names = {i.name for i in everything}
    assert {"table.tsv", "notes.txt", "data.json", "table.csv", "samples", "pair"} <= names
    page = gi.histories.contents(h).page(0, 2)
    assert len(page.items) == 2
    visible = gi.histories.contents(h).all()
    assert page.total == len(visible) and page.pages == -(-len(visible) // 2)
    hids = [i.hid for i in visible]
    assert hids == sorted(hids, reverse=True)  # newest first, like the web UI
    # the web UI's filter text, applied by the server
    tab = gi.histories.contents(h, "extension:tabular").all()
    # like the web UI, a collection matches when its elements have the extension (Galaxy 26.1; 25.0
    # matches datasets only: README, Compatibility)
    assert {i.name for i in tab} == ({"table.tsv", "samples"} if galaxy_release > (25, 0) else {"table.tsv"})
    assert {i.name for i in gi.histories.contents(h, "extension:tabular type:dataset").all()} == {"table.tsv"}
    assert gi.histories.contents(h, "name:table").count() == 2
    assert {i.name for i in gi.histories.contents(h, "type:collection").all()} == {"samples", "pair"}
    samples = next(i for i in everything if i.name == "samples")
    above = gi.histories.contents(h, f"hid>{samples.hid} visible:any").all()
    assert above and all(i.hid > samples.hid for i in above)
    # elements of collections are hidden: they show with visible:false
    hidden = gi.histories.contents(h, "visible:false").all()
    assert {"s1", "s2", "s3"} <= {i.name for i in hidden}
    assert gi.histories.contents(h, "state:error").count() == 0


def test_contents_tags_keys_and_lazy_pages(gi, uploaded):
    ds = uploaded.text
    gi.datasets.update(ds.id, tags=["name:notes", "qc"])
    found = gi.histories.contents(uploaded.history_id, "tag:qc").all()
    assert [i.id for i in found] == [ds.id]
    # lazy iteration over several small pages gives the same items as one big page
    small = gi.histories.contents(uploaded.history_id, "visible:any", page_size=2)
    assert [i.id for i in small] == [
        i.id for i in gi.histories.contents(uploaded.history_id, "visible:any").all()
    ]
    with_keys = gi.histories.contents(
        uploaded.history_id, "name:notes", keys=["file_size", "genome_build"]
    ).all()
    assert with_keys[0].raw.get("file_size") == len("first line\nsecond line\n")


def test_resolve_hid_id_and_name(gi, uploaded):
    table = uploaded.table
    h = uploaded.history_id
    assert gi.histories.resolve(h, table.hid).id == table.id
    assert gi.histories.resolve(h, f"#{table.hid}").id == table.id
    assert gi.histories.resolve(h, str(table.hid)).id == table.id
    assert gi.histories.resolve(h, table.id).id == table.id
    assert gi.histories.resolve(h, "name:notes.txt").id == uploaded.text.id
    coll = gi.histories.resolve(h, "name:samples")
    assert isinstance(coll, Collection) and coll.element_count == 3
    assert isinstance(gi.histories.resolve(h, "name:data.json"), Dataset)
    with pytest.raises(ItemLookupError, match="matches 2 items.*use a hid"):
        gi.histories.resolve(h, "name:table")
    with pytest.raises(ItemLookupError, match="No item #9999"):
        gi.histories.resolve(h, "#9999")
    with pytest.raises(ItemLookupError, match="No item named"):
        gi.histories.resolve(h, "name:nothing-like-this")
    with pytest.raises(ItemLookupError, match="needs a current history"):
        gi.histories.resolve(None, "#1")
