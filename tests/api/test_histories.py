"""Histories and history contents against the real Galaxy."""

from __future__ import annotations

import secrets

import pytest

from galaxy_widgets.api.histories import ItemLookupError
from galaxy_widgets.records import Collection, Dataset, History


@pytest.fixture(scope="module")
def own(gi, uploaded, copy_uploaded_to):
    """A history of this module's own with copies of the session uploads and nothing else: its
    contents are known, so filters are checked against hand-written sets; tags go on the copies."""
    return copy_uploaded_to(gi, uploaded, "gw-tests histories")[1]


def test_current_user(gi, galaxy_server):
    import requests

    raw = requests.get(
        f"{galaxy_server.url}/api/users/current", headers={"x-api-key": galaxy_server.api_key}, timeout=60
    ).json()
    user = gi.users.current()
    assert (user.id, user.email) == (raw["id"], raw["email"])
    assert user.email == "admin@example.org"  # the test servers' admin (LocalGalaxy.ADMIN_EMAIL)
    assert gi.whoami() == f"admin@example.org on {galaxy_server.url.rstrip('/')}"


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


def test_pick_the_history_to_start_on(gi, galaxy_server):
    """What the history browser and the launcher open on: what was asked, else the current one."""
    from galaxy_widgets import Galaxy

    name = f"gw-pick {secrets.token_hex(3)}"
    asked, current = gi.histories.create(name), gi.histories.create(f"{name} current")
    fresh = Galaxy(galaxy_server.url, api_key=galaxy_server.api_key)
    try:
        assert fresh.histories.pick(asked).id == asked.id
        assert fresh.histories.pick(asked.id).id == asked.id
        assert fresh.histories.pick(name).id == asked.id
        fresh.history_id = current.id
        assert fresh.histories.pick(None).id == current.id
        assert fresh.histories.pick(name).id == asked.id
        with pytest.raises(ItemLookupError, match="No history named"):
            fresh.histories.pick(f"{name} nothing")
    finally:
        fresh.close()
        for h in (asked, current):
            gi.histories.delete(h.id, purge=True)


def test_state_summary(gi, own):
    state = gi.histories.state(own.history_id)
    assert state["state"] == "ok"
    assert state["counts"]["ok"] == 9  # 4 datasets + 5 collection elements, all ok


VISIBLE = {"table.tsv", "notes.txt", "data.json", "table.csv", "samples", "pair"}
HIDDEN = {"s1", "s2", "s3", "forward", "reverse"}  # the collections' elements


def _names(gi, history_id, text):
    return sorted(i.name for i in gi.histories.contents(history_id, text).all())


def test_contents_page_total_and_filters(gi, own, galaxy_release):
    h = own.history_id
    assert _names(gi, h, "visible:any") == sorted(VISIBLE | HIDDEN)
    page = gi.histories.contents(h).page(0, 4)
    assert len(page.items) == 4 and page.total == 6 and page.pages == 2
    visible = gi.histories.contents(h).all()
    assert sorted(i.name for i in visible) == sorted(VISIBLE)
    hids = [i.hid for i in visible]
    assert hids == sorted(hids, reverse=True)  # newest first, like the web UI
    assert [i.name for i in visible][-4:] == ["table.csv", "data.json", "notes.txt", "table.tsv"]
    # the web UI's filter text, applied by the server; a collection matches when its elements
    # have the extension (Galaxy 26.1; 25.0 matches datasets only: README, Compatibility)
    by_elements = galaxy_release > (25, 0)
    assert _names(gi, h, "extension:tabular") == (["samples", "table.tsv"] if by_elements else ["table.tsv"])
    assert _names(gi, h, "extension:tabular type:dataset") == ["table.tsv"]
    txt = ["forward", "notes.txt", "pair", "reverse"] if by_elements else ["forward", "notes.txt", "reverse"]
    assert _names(gi, h, "ext:txt visible:any") == txt
    assert gi.histories.contents(h, "name:table").count() == 2
    assert _names(gi, h, "type:collection") == ["pair", "samples"]
    assert _names(gi, h, f"hid>{own.csv.hid} type:collection") == ["pair", "samples"]
    assert _names(gi, h, f"hid<{own.json.hid}") == ["notes.txt", "table.tsv"]
    assert _names(gi, h, "visible:false") == sorted(HIDDEN)
    assert gi.histories.contents(h, "state:error").count() == 0
    assert gi.histories.contents(h, "state:ok visible:any").count() == 11  # 9 datasets, 2 collections


def test_contents_tags_keys_and_lazy_pages(gi, own):
    ds = own.text
    gi.datasets.update(ds.id, tags=["name:notes", "qc"])
    found = gi.histories.contents(own.history_id, "tag:qc").all()
    assert [i.id for i in found] == [ds.id]
    # lazy iteration over several small pages gives the same 11 items as one big page
    small = [i.id for i in gi.histories.contents(own.history_id, "visible:any", page_size=2)]
    assert len(small) == len(set(small)) == 11
    assert small == [i.id for i in gi.histories.contents(own.history_id, "visible:any").all()]
    with_keys = gi.histories.contents(own.history_id, "name:notes", keys=["file_size", "genome_build"]).all()
    assert with_keys[0].raw.get("file_size") == len("first line\nsecond line\n")


def test_resolve_hid_id_and_name(gi, uploaded, twin_history):
    table = uploaded.table
    h = uploaded.history_id
    assert gi.histories.resolve(h, table.hid).id == table.id
    assert gi.histories.resolve(h, f"#{table.hid}").id == table.id
    assert gi.histories.resolve(h, str(table.hid)).id == table.id
    if twin_history(table.id, "dataset") == h:
        # a fresh server gave the first dataset and the first collection one id: never a guess
        with pytest.raises(ItemLookupError, match="names both a dataset and a collection in this history"):
            gi.histories.resolve(h, table.id)
    else:
        assert gi.histories.resolve(h, table.id).id == table.id
    assert gi.histories.resolve(h, table.id, kind="dataset").id == table.id
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
