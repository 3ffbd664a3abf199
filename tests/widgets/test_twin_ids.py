"""A dataset and a collection with the same encoded id, in one history (Galaxy numbers them in two
tables and encodes both with one secret): the browser, the picker and the launcher's pickers keep
them apart and never hand back the wrong kind. Seen in CI: a launcher's collection picker refused
the id of the collection it was given, because a dataset of that history had the same id."""

from __future__ import annotations

import pytest
import requests

from galaxy_widgets import Galaxy
from galaxy_widgets.api.histories import ItemLookupError
from galaxy_widgets.records import Collection, Dataset
from galaxy_widgets.widgets import DatasetPicker


@pytest.fixture(scope="module")
def twin_gi(twin_items):
    client = Galaxy(twin_items.server.url, api_key=twin_items.server.api_key)
    yield client
    client.close()


def _galaxy_type_ids(twin_items) -> dict[int, str]:
    """hid -> Galaxy's own type_id of each item in the twin history (plain requests)."""
    r = requests.get(
        f"{twin_items.server.url}/api/histories/{twin_items.history_id}/contents",
        headers={"x-api-key": twin_items.server.api_key},
        params={"v": "dev", "keys": "hid,type_id"},
        timeout=60,
    )
    r.raise_for_status()
    return {c["hid"]: c["type_id"] for c in r.json()}


def test_the_fixture_made_a_real_twin(twin_items):
    type_ids = _galaxy_type_ids(twin_items)
    assert type_ids[twin_items.dataset_hid] == f"dataset-{twin_items.item_id}"
    assert type_ids[twin_items.collection_hid] == f"dataset_collection-{twin_items.item_id}"


def test_rows_are_keyed_by_galaxys_type_id_and_picks_keep_their_kind(
    twin_gi, twin_items, browser_sets, browser_sends
):
    t = twin_items
    picker = DatasetPicker(twin_gi, t.history_id, page_size=200)
    try:
        twins = [r for r in picker.widget.rows if r["id"] == t.item_id]
        assert sorted(r["hid"] for r in twins) == sorted([t.dataset_hid, t.collection_hid])
        galaxy = _galaxy_type_ids(t)
        assert {r["hid"]: r["key"] for r in picker.widget.rows} == galaxy
        dataset_key, collection_key = f"dataset-{t.item_id}", f"dataset_collection-{t.item_id}"

        # the browser ticks the dataset only: Python gets the dataset, and only its row is marked
        browser_sets(picker.widget, selected=[dataset_key])
        [got] = picker.value
        assert isinstance(got, Dataset) and got.hid == t.dataset_hid
        marked = [line for line in repr(picker).splitlines() if line.lstrip().startswith("[x]")]
        assert len(marked) == 1 and f"#{t.dataset_hid} " in marked[0]
        assert picker.widget.selection_summary == f"#{t.dataset_hid} twin.tsv"

        # then the collection too, in the order picked
        browser_sets(picker.widget, selected=[collection_key, dataset_key])
        first, second = picker.value
        assert isinstance(first, Collection) and first.hid == t.collection_hid
        assert isinstance(second, Dataset) and second.hid == t.dataset_hid

        # a click on each row shows that item, not its twin
        browser_sends(picker.widget, {"action": "show", "key": collection_key})
        detail = picker.widget.detail
        assert (detail["type"], detail["hid"]) == ("collection", t.collection_hid)
        browser_sends(picker.widget, {"action": "show", "key": dataset_key})
        detail = picker.widget.detail
        assert (detail["type"], detail["hid"]) == ("dataset", t.dataset_hid)
        assert detail["lines"][:1] == ["a\tb"]
    finally:
        picker.close()


def test_a_picker_of_one_kind_takes_a_bare_id_that_names_both(twin_gi, twin_items):
    t = twin_items
    collections = DatasetPicker(twin_gi, t.history_id, kind="collection")
    datasets = DatasetPicker(twin_gi, t.history_id, kind="dataset")
    anything = DatasetPicker(twin_gi, t.history_id)
    try:
        collections.value = [t.item_id]
        [c] = collections.value
        assert isinstance(c, Collection) and c.hid == t.collection_hid
        assert collections.widget.selected == [f"dataset_collection-{t.item_id}"]
        datasets.value = [t.item_id]
        [d] = datasets.value
        assert isinstance(d, Dataset) and d.hid == t.dataset_hid
        # a picker of any kind cannot tell: it refuses, and says to use the hid
        with pytest.raises(ItemLookupError, match="names both a dataset and a collection.*use the hid"):
            anything.value = [t.item_id]
        assert anything.widget.selected == []
        anything.value = [f"#{t.collection_hid}"]
        assert isinstance(anything.value[0], Collection)
    finally:
        for p in (collections, datasets, anything):
            p.close()
