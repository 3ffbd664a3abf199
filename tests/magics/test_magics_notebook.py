"""A notebook after a full session of magics, run by a real kernel: no key anywhere in it."""

from __future__ import annotations

import json

import nbformat

from galaxy_widgets.magics.display import PROVENANCE_KEY


def _outputs(nb, index):
    return nb.cells[index].outputs


def test_saved_notebook_has_results_and_provenance_but_no_key(
    magics_notebook, galaxy_server, uploaded, gi, tmp_path
):
    nb = magics_notebook.result()
    path = tmp_path / "session.ipynb"
    nbformat.write(nb, path)
    saved = path.read_text()
    assert galaxy_server.api_key not in saved
    if galaxy_server.admin_password:
        assert galaxy_server.admin_password not in saved
    nbformat.validate(nbformat.read(path, as_version=4))

    for cell in nb.cells:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
    connected = "".join(o.get("text", "") for o in _outputs(nb, 1))
    assert f"to {galaxy_server.url.rstrip('/')}" in connected

    # get: the DataFrame, with its provenance in the output metadata
    get_outputs = _outputs(nb, 6)
    (prov,) = [
        o.metadata[PROVENANCE_KEY]["provenance"]
        for o in get_outputs
        if PROVENANCE_KEY in o.get("metadata", {})
    ]
    assert prov["id"] == uploaded.table.id and prov["history_id"] == uploaded.history_id
    frame = next(o for o in get_outputs if o.output_type == "execute_result")
    assert "alpha" in frame.data["text/plain"] and "text/html" in frame.data

    # run: an updating HTML progress display, then provenance with the invocation
    run_outputs = _outputs(nb, 7)
    progress = [o for o in run_outputs if o.output_type == "display_data" and "text/html" in o.data]
    assert any("invocation" in o.data["text/html"] and "done" in o.data["text/html"] for o in progress)
    (run_prov,) = [
        o.metadata[PROVENANCE_KEY]["provenance"]
        for o in run_outputs
        if PROVENANCE_KEY in o.get("metadata", {})
    ]
    inv = gi.invocations.show(run_prov["invocation_id"])
    assert run_prov["outputs"]["top"]["id"] == inv.outputs["top"]
    # lines=3: the header and the first two rows of the SORTED table (the table starts delta, gamma)
    top_text = next(o for o in _outputs(nb, 8) if o.output_type == "execute_result").data["text/plain"]
    assert [w for w in ("alpha", "beta", "delta", "gamma") if w in top_text] == ["alpha", "beta"]

    help_text = "".join(o.get("text", "") for o in _outputs(nb, 11))
    assert "Subcommands:" in help_text and "  run " in help_text
    assert json.dumps(nb).count(galaxy_server.api_key) == 0
