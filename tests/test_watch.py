"""The sequencer watch-folder: real uploads and invocations on the test Galaxy, plus CLI errors."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from galaxy_widgets import Galaxy
from galaxy_widgets.cli import main
from galaxy_widgets.convert import load
from galaxy_widgets.watch import LEDGER_NAME, Ledger, Watcher, WatchError

SAMPLES = {"s1.tsv": "#id\tcount\nr1\t4\nr2\t6\n", "s2.tsv": "#id\tcount\nr1\t9\nr2\t1\nr3\t2\n"}


def write_run(
    root: Path, name: str, *, markers: tuple[str, ...] = ("RTAComplete.txt", "CopyComplete.txt")
) -> Path:
    """A run folder as an Illumina instrument leaves it: data files first, markers last."""
    run = root / name
    run.mkdir()
    for fname, text in SAMPLES.items():
        (run / fname).write_text(text)
    for marker in markers:
        (run / marker).write_text("done\n")
    return run


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    """A watched folder with one finished run and one still being written."""
    write_run(tmp_path, "240101_M0001_0001_A")
    write_run(tmp_path, "240102_M0001_0002_B", markers=("RTAComplete.txt",))  # not copied yet
    return tmp_path


def test_watcher_launches_finished_run_once(gi, demo_workflows, watched: Path) -> None:
    history_name = f"gw-tests watch {uuid.uuid4().hex[:8]}"
    logs: list[str] = []
    watcher = Watcher(
        gi,
        watched,
        demo_workflows["samples_stats"],
        input_label="samples",
        history=history_name,
        log=logs.append,
    )

    launched = watcher.run(once=True)

    assert [x.run for x in launched] == ["240101_M0001_0001_A"]
    entry = launched[0]
    assert entry.status == "invoked", entry.error
    assert entry.files == ["s1.tsv", "s2.tsv"]
    ledger = json.loads((watched / LEDGER_NAME).read_text())["runs"]
    assert set(ledger) == {"240101_M0001_0001_A"}  # the half-written run B was left alone
    [coll] = ledger["240101_M0001_0001_A"]["collections"].values()
    assert coll["invocation_id"] == entry.invocation_id
    assert any(entry.invocation_id in line for line in logs)

    # A restarted watcher reads the ledger and launches nothing again.
    again = Watcher(
        gi,
        watched,
        demo_workflows["samples_stats"],
        input_label="samples",
        history=history_name,
        log=logs.append,
    )
    assert again.scan() == []
    assert again.pending() == []
    # Once run B's copy completes, it (and only it) becomes pending.
    (watched / "240102_M0001_0002_B" / "CopyComplete.txt").write_text("done\n")
    assert [p.name for p in again.pending()] == ["240102_M0001_0002_B"]

    # The workflow really ran on the run's files: rows, sum and mean of column 2 per sample.
    gi.invocations.wait(entry.invocation_id, timeout=600)
    # The run went in as one list collection named after the run, into the named history.
    coll = gi.collections.wait(entry.collection_id)
    assert coll.name == "240101_M0001_0001_A"
    assert [e.identifier for e in coll.elements] == ["s1", "s2"]
    assert gi.histories.show(entry.history_id).name == history_name

    invocations = gi.invocations.list(history_id=entry.history_id)
    assert [i.id for i in invocations] == [entry.invocation_id]
    stats = load(gi, gi.invocations.outputs(entry.invocation_id)["stats"])
    assert {k: v.iloc[0].tolist() for k, v in stats.items()} == {"s1": [2, 10, 5], "s2": [3, 12, 4]}


def test_complete_run_without_files_is_recorded_not_launched(gi, demo_workflows, tmp_path: Path) -> None:
    run = tmp_path / "run_empty"
    run.mkdir()
    (run / "CopyComplete.txt").write_text("")
    logs: list[str] = []
    watcher = Watcher(gi, tmp_path, demo_workflows["samples_stats"], pattern="*.fastq.gz", log=logs.append)
    [entry] = watcher.scan()
    assert entry.status == "set-aside"
    assert entry.error == "no files matching '*.fastq.gz'"
    assert Ledger(tmp_path / LEDGER_NAME).runs["run_empty"]["status"] == "set-aside"
    assert watcher.scan() == []  # recorded, so not retried
    assert any("set aside: no files" in line for line in logs)


def test_lost_connection_keeps_the_run_and_retries_it(gi, demo_workflows, watched: Path) -> None:
    logs: list[str] = []
    watcher = Watcher(gi, watched, demo_workflows["samples_stats"], retry_delay=30, log=logs.append)
    watcher.gi = Galaxy("http://127.0.0.1:9", api_key="not-a-key", retries=0)  # nothing listens there
    assert watcher.run(once=True) == []
    entry = Ledger(watched / LEDGER_NAME).runs["240101_M0001_0001_A"]
    assert entry["status"] == "uploading" and "history_id" not in entry  # kept, nothing sent yet
    assert any("unreachable" in line and "retry 1 in 30 s" in line for line in logs)
    assert watcher.pending() == []  # not before its retry time
    assert 29 < (watcher.next_retry() or 0) <= 30


def test_watcher_setup_mistakes(gi, demo_workflows, tmp_path: Path) -> None:
    with pytest.raises(WatchError, match=r"no input labelled 'reads'.*'samples'"):
        Watcher(gi, tmp_path, demo_workflows["samples_stats"], input_label="reads")
    with pytest.raises(WatchError, match="needs a list collection input"):
        Watcher(gi, tmp_path, demo_workflows["sort_and_head"], input_label="table")
    with pytest.raises(WatchError, match="no other input 'colour'"):
        Watcher(gi, tmp_path, demo_workflows["samples_stats"], inputs={"colour": 3})
    with pytest.raises(WatchError, match="is not a folder"):
        Watcher(gi, tmp_path / "missing", demo_workflows["samples_stats"])
    (tmp_path / LEDGER_NAME).write_text("{not json")
    with pytest.raises(WatchError, match="not valid JSON"):
        Watcher(gi, tmp_path, demo_workflows["samples_stats"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workflow", "w"], "the following arguments are required: DIR"),
        (["{dir}/missing", "--workflow", "w"], "is not an existing folder"),
        (["{dir}", "--workflow", "w", "--interval", "0"], "must be more than 0 seconds"),
        (["{dir}", "--workflow", "w", "--timeout", "soon"], "is not a number of seconds"),
        (["{dir}", "--workflow", "w", "--set", "column"], "should look like LABEL=VALUE"),
        (["{dir}", "--workflow", "w", "--max-runs", "0"], "must be 1 or more"),
    ],
)
def test_cli_argument_errors(tmp_path: Path, capsys, args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["watch", *(a.format(dir=tmp_path) for a in args)])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_without_workflow_says_what_to_do(tmp_path: Path, capsys) -> None:
    assert main(["watch", str(tmp_path)]) == 1
    assert "Say which workflow to run with --workflow" in capsys.readouterr().err
    assert main(["watch", str(tmp_path), "--status"]) == 0
    assert "No runs in" in capsys.readouterr().out


def test_cli_launches_a_run_with_set_pattern_marker_history(
    galaxy_server, gi, demo_workflows, tmp_path, capsys
):
    """The CLI as a sequencer host runs it: only the --pattern files of runs holding every --marker go
    up, into the --history, and --set reaches the workflow (column 3 is summed, not the default 2)."""
    wf = demo_workflows["samples_stats"]
    history_name = f"gw-tests watch cli {uuid.uuid4().hex[:8]}"
    tables = {
        "s1.tsv": "#id\tcount\tlength\nr1\t4\t100\nr2\t6\t50\n",
        "s2.tsv": "#id\tcount\tlength\nr1\t9\t10\nr2\t1\t20\nr3\t2\t30\n",
    }
    for run, markers in (("run_A", ("RTAComplete.txt", "Ready.txt")), ("run_B", ("RTAComplete.txt",))):
        (tmp_path / run / "data").mkdir(parents=True)
        for name, text in tables.items():
            (tmp_path / run / "data" / name).write_text(text)
        (tmp_path / run / "notes.tsv").write_text("#not\tdata\n")  # outside the pattern
        for marker in markers:
            (tmp_path / run / marker).write_text("")
    args = ["watch", str(tmp_path), "--workflow", wf.id, "--once", "--set", "column=3"]
    args += ["--pattern", "data/*.tsv", "--marker", "RTAComplete.txt", "--marker", "Ready.txt"]
    args += ["--history", history_name]

    assert main(args) == 0

    out = capsys.readouterr().out
    assert "Launched 1 run(s)." in out
    runs = Ledger(tmp_path / LEDGER_NAME).runs
    assert set(runs) == {"run_A"}  # run_B lacks Ready.txt
    entry = runs["run_A"]
    assert entry["status"] == "invoked"
    assert sorted(entry["files"]) == ["data/s1.tsv", "data/s2.tsv"]
    [coll] = entry["collections"].values()
    [history] = [h for h in gi.histories.list(history_name) if h.name == history_name]
    assert entry["history_id"] == history.id
    assert [i.id for i in gi.invocations.list(history_id=history.id)] == [coll["invocation_id"]]
    gi.invocations.wait(coll["invocation_id"], timeout=600)
    stats = load(gi, gi.invocations.outputs(coll["invocation_id"])["stats"])
    assert {k: v.iloc[0].tolist() for k, v in stats.items()} == {"s1": [2, 150, 75], "s2": [3, 60, 20]}

    # --status prints the ledger as a table; a second pass launches nothing.
    assert main(["watch", str(tmp_path), "--status"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["RUN", "SAMPLES", "UPLOAD", "INVOCATION", "STATE"]
    row = table[1].split()
    assert (row[:4], row[-2:]) == (["run_A", "2", "100%", "of"], [coll["invocation_id"], "invoked"])
    assert main(args) == 0
    assert "Launched 0 run(s)." in capsys.readouterr().out
    assert [i.id for i in gi.invocations.list(history_id=history.id)] == [coll["invocation_id"]]
