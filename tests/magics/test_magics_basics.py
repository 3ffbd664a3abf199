"""Loading, help, settings and the usage errors that need no server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from galaxy_widgets.magics.parser import COMMANDS

EXPECTED = {
    "connect",
    "login",
    "histories",
    "use",
    "ls",
    "show",
    "get",
    "put",
    "upload",
    "tools",
    "tool",
    "workflows",
    "workflow",
    "run",
    "wait",
    "api",
    "log",
    "status",
    "disconnect",
}


def test_load_ext_registers_line_and_cell_magic_and_configurable(ip, magics):
    assert "galaxy" in ip.magics_manager.magics["line"]
    assert "galaxy" in ip.magics_manager.magics["cell"]
    assert magics in ip.configurables
    ip.run_cell("%load_ext galaxy_widgets")  # loading twice registers nothing new
    assert sum(type(c).__name__ == "GalaxyMagics" for c in ip.configurables) == 1


def test_help_lists_every_subcommand_on_one_line(ip, capsys):
    assert ip.run("%galaxy --help") is None
    out = capsys.readouterr().out
    rows = [line.strip() for line in out.splitlines() if line.startswith("  ") and line.split()]
    names = [row.split("  ")[0] for row in rows]
    assert set(COMMANDS) >= EXPECTED
    assert set(COMMANDS) <= set(names)  # two-word subcommands ("workflow import") included
    for name in COMMANDS:
        assert names.count(name) == 1


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_subcommand_help_prints_usage_without_raising(ip, capsys, name):
    assert ip.run(f"%galaxy {name} --help") is None
    out = capsys.readouterr().out
    assert out.startswith(f"usage: %galaxy {name}")
    assert COMMANDS[name].summary in " ".join(out.split())


def test_help_subcommand_form(ip, capsys):
    ip.run_cell("%galaxy help get")
    assert "--as {df,text,json,bytes,path}" in capsys.readouterr().out


def test_unknown_subcommand_suggests_the_closest(ip):
    with pytest.raises(UsageError, match=r"Unknown subcommand 'lss'.*`%galaxy ls`"):
        ip.run_cell("%galaxy lss")


def test_bad_option_is_a_usage_error(ip):
    with pytest.raises(UsageError, match=r"%galaxy get: .*--bogus"):
        ip.run_cell("%galaxy get 1 --bogus")
    with pytest.raises(UsageError, match="invalid choice"):
        ip.run_cell("%galaxy get 1 --as parquet")
    with pytest.raises(UsageError, match="not a valid Python variable name"):
        ip.run_cell("%galaxy get 1 -o 2x")


def test_unbalanced_quote_is_a_usage_error(ip):
    with pytest.raises(UsageError, match="check the quotes"):
        ip.run_cell('%galaxy use "my history')


@pytest.mark.parametrize("line", ["ls", "get 1", "histories", "run wf x=1", "api GET version", "status"])
def test_not_connected_says_how_to_connect(ip, line):
    with pytest.raises(UsageError, match=r"Not connected to Galaxy: run `%galaxy connect URL`"):
        ip.run_cell(f"%galaxy {line}")


def test_cell_body_for_a_line_only_subcommand(ip):
    with pytest.raises(UsageError, match="takes no cell body"):
        ip.run_cell("%%galaxy ls\nsomething")


def test_settings_via_config(connected, uploaded):
    """autopandas takes effect (the others: tests/magics/test_magics_promises.py)."""
    import pandas as pd

    assert isinstance(connected.run(f"%galaxy get {uploaded.table.hid}"), pd.DataFrame)
    connected.run_cell("%config GalaxyMagics.autopandas = False")
    assert connected.run(f"%galaxy get {uploaded.table.hid}") == (
        "#name\tvalue\tgroup\ndelta\t2\tb\ngamma\t5\ta\nalpha\t3\ta\nbeta\t1\tb\n"
    )


def test_config_lists_the_settings_readme_documents(ip, capsys):
    """`%config GalaxyMagics` lists exactly the settings README names, each with a help line and
    its current value (what each one does is checked in test_magics_promises and friends)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    sentence = readme[readme.index("Settings: `%config GalaxyMagics.") :]
    sentence = sentence[: sentence.index("Mistakes raise")]
    documented = set(re.findall(r"`(?:%config GalaxyMagics)?\.(\w+)", sentence))
    ip.run_cell("%config GalaxyMagics")
    out = capsys.readouterr().out
    listed = re.findall(r"^GalaxyMagics\.(\w+)=<\w+>\n((?:    .*\n)+)", out, flags=re.M)
    assert {name for name, _ in listed} == documented, "README's settings and %config's differ"
    for name, body in listed:
        lines = [line.strip() for line in body.splitlines()]
        assert lines[-1].startswith("Current: ") and len(lines) >= 2, (name, lines)  # help text, then value
    magics = ip.magics_manager.registry["GalaxyMagics"]
    before = magics.page_size
    ip.run_cell("%config GalaxyMagics.page_size = 7")
    try:
        ip.run_cell("%config GalaxyMagics")
        shown = capsys.readouterr().out
        assert re.search(r"^GalaxyMagics\.page_size=<Int>\n(?:    .*\n)*?    Current: 7$", shown, re.M)
    finally:
        magics.page_size = before
