"""`%galaxy panel`: the history browser in the side panel, following `%galaxy use` after each cell.

The test shell has no Jupyter kernel, so the panel falls back to inline here; the side panel itself
is checked in JupyterLab by tests/browser/test_panel_browser.py.
"""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from galaxy_widgets.widgets.sidebar import SidePanel


def test_panel_follows_use_and_reconnects(ip, magics, gi, uploaded):
    with pytest.raises(UsageError, match="Not connected"):
        ip.run_cell("%galaxy panel")
    ip.run_cell("%galaxy connect")
    ip.run_cell(f"%galaxy use {uploaded.history_id}")
    panel = ip.run("%galaxy panel")
    try:
        assert isinstance(panel, SidePanel)
        assert panel.placement == "inline" and "console" in panel.note  # no kernel in this shell
        assert panel.browser.history_id == uploaded.history_id
        other = gi.histories.create("gw-tests panel use")
        ip.run_cell(f"%galaxy use {other.id}")
        assert panel.browser.history_id == other.id
        assert panel.browser.widget.history_name == "gw-tests panel use"
        # a new connection: the panel goes on with the new client (the old one is closed)
        ip.run_cell("%galaxy connect")
        assert panel.browser.gi is magics.gi
        # a second panel replaces the first; -o keeps it in a variable and shows nothing
        assert ip.run("%galaxy panel -o side") is None
        assert isinstance(ip.user_ns["side"], SidePanel) and ip.user_ns["side"] is not panel
        assert panel.browser.widget.comm is None  # the first one was closed
    finally:
        panel.close()
        if "side" in ip.user_ns:
            ip.user_ns["side"].close()
