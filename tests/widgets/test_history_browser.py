"""HistoryBrowser and DatasetPicker against the real Galaxy, driven as the browser drives them."""

from __future__ import annotations

import pandas as pd
import pytest

from galaxy_widgets.records import Collection, Dataset
from galaxy_widgets.widgets import DatasetPicker, HistoryBrowser


def test_browse_search_filter_and_page(gi, history, uploaded, browser_sets):
    uploaded.samples  # noqa: B018 - waits for the session uploads
    hb = HistoryBrowser(gi, history, page_size=3)
    w = hb.widget
    assert w.history_id == history.id and w.history_name == history.name
    # the history list is searched on the server
    browser_sets(w, history_search=history.name)
    assert w.histories and all(history.name in h["name"] for h in w.histories)
    assert history.id in {h["id"] for h in w.histories}
    # the filter goes to the server; the browser gets one page and the total
    browser_sets(w, filter_text="extension:tabular")
    expected = gi.histories.contents(history.id, "extension:tabular").all()
    assert w.total == len(expected) >= 1
    # Galaxy matches a collection by its elements' extension, as the web UI does
    assert {r["extension"] for r in w.rows if r["type"] == "dataset"} == {"tabular"}
    assert [r["id"] for r in w.rows] == [i.id for i in expected][:3]
    # paging: page 2 holds the next items, newest first, and never more than a page
    browser_sets(w, filter_text="")
    everything = gi.histories.contents(history.id).all()
    assert w.total == len(everything) and w.total > 3
    browser_sets(w, page=1)
    assert [r["hid"] for r in w.rows] == [i.hid for i in everything][3:6]
    assert len(w.rows) <= w.page_size
    # a collection row says what it is
    browser_sets(w, page=0, filter_text="type:collection name:samples")
    (row,) = w.rows
    assert row["type"] == "collection" and row["extension"] == "list" and row["elements"] == 3
    assert "samples" in repr(hb) and "1 item(s)" in repr(hb)
    hb.close()


def test_bad_filter_is_explained_and_keeps_the_rows(gi, history, uploaded, browser_sets):
    hb = HistoryBrowser(gi, history)
    before = list(hb.widget.rows)
    browser_sets(hb.widget, filter_text="hid>abc")
    assert "hid filters take a number" in hb.widget.filter_error
    assert hb.widget.rows == before
    browser_sets(hb.widget, filter_text="name:table")
    assert hb.widget.filter_error == ""
    assert {r["name"] for r in hb.widget.rows} == {"table.tsv", "table.csv"}
    hb.close()


def test_clicking_rows_shows_peeks(gi, history, uploaded, browser_sends):
    hb = HistoryBrowser(gi, history)
    browser_sends(hb.widget, {"action": "show", "key": uploaded.table.type_id})
    d = hb.widget.detail
    assert d["name"] == "table.tsv" and d["state"] == "ok"
    assert d["lines"][0] == "#name\tvalue\tgroup" and d["lines"][1] == "delta\t2\tb"
    browser_sends(hb.widget, {"action": "show", "key": uploaded.samples.type_id})
    assert [e["identifier"] for e in hb.widget.detail["elements"]] == ["s1", "s2", "s3"]
    browser_sends(hb.widget, {"action": "hide"})
    assert hb.widget.detail == {}
    hb.close()


def test_pick_two_datasets_and_pull_them(gi, history, uploaded, browser_sets):
    picker = DatasetPicker(gi, history)
    assert picker.widget.selectable
    browser_sets(picker.widget, selected=[uploaded.table.type_id, uploaded.text.type_id])
    assert [i.id for i in picker.value] == [uploaded.table.id, uploaded.text.id]
    assert all(isinstance(i, Dataset) for i in picker.value)
    assert "table.tsv" in picker.widget.selection_summary and "notes.txt" in picker.widget.selection_summary
    table, text = picker.get()
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["name", "value", "group"] and table["value"].sum() == 11
    assert text == "first line\nsecond line\n"
    assert list(picker.get_dict()) == ["table.tsv", "notes.txt"]
    assert picker.get(as_="text")[0].startswith("#name\tvalue")
    picker.close()


def test_selection_names_items_that_are_not_on_the_page_shown(gi, history, uploaded, browser_sets):
    picker = DatasetPicker(gi, history, page_size=1)  # the newest item only: table.tsv is far back
    assert uploaded.table.id not in {r["id"] for r in picker.widget.rows}
    browser_sets(picker.widget, selected=[uploaded.table.type_id, uploaded.text.type_id])
    assert picker.widget.selection_summary == "#1 table.tsv, #2 notes.txt"
    assert [i.name for i in picker.value] == ["table.tsv", "notes.txt"]
    picker.close()


def test_collections_are_picked_whole(gi, history, uploaded, browser_sets):
    picker = DatasetPicker(gi, history, kind="collection")
    assert {r["type"] for r in picker.widget.rows} == {"collection"}
    browser_sets(picker.widget, selected=[uploaded.samples.type_id])
    (coll,) = picker.value
    assert isinstance(coll, Collection) and coll.name == "samples"
    (samples,) = picker.get()
    assert sorted(samples) == ["s1", "s2", "s3"] and samples["s2"]["count"].tolist() == [7, 5, 9]
    picker.close()


def test_select_all_matching_uses_the_filter(gi, history, uploaded, browser_sets, browser_sends):
    picker = DatasetPicker(gi, history, page_size=1)
    browser_sets(picker.widget, filter_text="name:table")
    assert len(picker.widget.rows) == 1 and picker.widget.total == 2  # one page in the browser
    browser_sends(picker.widget, {"action": "select_all"})
    expected = {i.type_id for i in gi.histories.contents(history.id, "name:table").all()}
    assert set(picker.widget.selected) == expected == {uploaded.table.type_id, uploaded.csv.type_id}
    assert {i.name for i in picker.value} == {"table.tsv", "table.csv"}
    browser_sets(picker.widget, selected=[])
    assert picker.value == []
    with pytest.raises(Exception, match="Nothing is picked"):
        picker.get()
    picker.close()


def test_extension_restriction_is_server_side(gi, history, uploaded):
    picker = DatasetPicker(gi, history, extensions=["csv", "json"])
    assert picker.widget.extensions == ["csv", "json"]
    assert {r["name"] for r in picker.widget.rows} == {"table.csv", "data.json"}
    assert picker.widget.total == 2
    picker.close()


def test_single_choice_picker(gi, history, uploaded, browser_sets):
    picker = DatasetPicker(gi, history, multiple=False)
    browser_sets(picker.widget, selected=[uploaded.csv.type_id])
    assert [i.name for i in picker.value] == ["table.csv"]
    picker.close()
