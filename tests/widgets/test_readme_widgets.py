"""README promises of the widgets that had no test (issue 15 audit), on the real Galaxy."""

from __future__ import annotations

from galaxy_widgets.widgets import DatasetPicker


# README L217: picker.get() gives values in the order picked; picker.value the records
def test_picker_keeps_the_order_of_picking_not_of_the_history(gi, history, uploaded, browser_sets):
    picker = DatasetPicker(gi, history)
    try:
        # json (hid 3) first, then notes (hid 2), then the table (hid 1): the reverse of the history
        picks = [uploaded.json.type_id, uploaded.text.type_id, uploaded.table.type_id]
        browser_sets(picker.widget, selected=picks)
        assert [i.name for i in picker.value] == ["data.json", "notes.txt", "table.tsv"]
        as_json, text, table = picker.get()
        assert as_json == {"a": 1, "b": [1, 2]}
        assert text == "first line\nsecond line\n"
        assert table["name"].tolist() == ["delta", "gamma", "alpha", "beta"]
        browser_sets(picker.widget, selected=[uploaded.text.type_id, uploaded.json.type_id])
        assert picker.get(as_="text") == ["first line\nsecond line\n", '{"a": 1, "b": [1, 2]}']
    finally:
        picker.close()


# README L268: in Colab the panel falls back inline with a note saying why
def test_colab_gets_the_browser_inline_with_the_reason(monkeypatch):
    import sys
    import types

    from galaxy_widgets.widgets.sidebar import detect_frontend

    shell = types.SimpleNamespace(kernel=object())
    assert detect_frontend(shell, {}, "/venv/bin/jupyter-lab").side_panel is True
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    colab = detect_frontend(shell, {}, "/venv/bin/jupyter-lab")
    assert colab.side_panel is False and "Colab" in colab.reason
