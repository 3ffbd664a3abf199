"""README promises of `galaxy-widgets watch` that had no test (issue 15 audit): every CLI flag reaches
the watcher, the retry backoff (5 s doubling up to --retry-max), and the lock against a second watcher.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from galaxy_widgets import Galaxy
from galaxy_widgets import client as client_mod
from galaxy_widgets import watch as watch_mod
from galaxy_widgets.api.uploads import TUS_CHUNK
from galaxy_widgets.cli import main
from galaxy_widgets.watch import Watcher, WatchError
from tests.scripted import free_port


def _finished_run(root: Path, name: str = "241201_M0001_0001_A") -> Path:
    run = root / name
    run.mkdir()
    (run / "s1.tsv").write_text("#id\tcount\nr1\t4\n")
    (run / "CopyComplete.txt").write_text("done\n")
    return run


# ---------------------------------------------------------------- README L326-330, L359
class _Recorder:
    """Stands in for Watcher and Galaxy: records what the CLI hands them."""

    made: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _Recorder.made.setdefault(type(self).__name__, []).append((args, kwargs))

    def run(self, **kwargs: Any) -> list:
        _Recorder.made["run"] = kwargs
        return []

    def close(self) -> None:
        pass


class FakeWatcher(_Recorder):
    pass


class FakeGalaxy(_Recorder):
    pass


@pytest.fixture
def recorded(monkeypatch):
    _Recorder.made = {}
    monkeypatch.setattr(watch_mod, "Watcher", FakeWatcher)
    monkeypatch.setattr(client_mod, "Galaxy", FakeGalaxy)
    return _Recorder.made


def test_every_cli_flag_reaches_the_watcher(recorded, tmp_path):
    args = ["watch", str(tmp_path), "--workflow", "wf one", "--input-label", "reads", "--set", "column=3"]
    args += ["--set", "mode=fast", "--history", "runs", "--marker", "RTAComplete.txt", "--marker", "Ready"]
    args += ["--pattern", "data/*.fq", "--ext", "fastqsanger.gz", "--lanes", "merge", "--by-project"]
    args += ["--include-undetermined", "--results", "--chunk-size", "8", "--interval", "300"]
    args += ["--retry-max", "120", "--timeout", "3600", "--max-runs", "2", "--once", "--profile", "lab"]
    assert main(args) == 0
    [((), galaxy_kw)] = recorded["FakeGalaxy"]
    assert galaxy_kw == {"profile": "lab"}
    [((_gi, directory, workflow), kw)] = recorded["FakeWatcher"]
    assert (directory, workflow) == (tmp_path, "wf one")
    kw.pop("log")
    assert kw == {
        "input_label": "reads",
        "inputs": {"column": 3, "mode": "fast"},
        "history": "runs",
        "markers": ["RTAComplete.txt", "Ready"],
        "pattern": "data/*.fq",
        "ext": "fastqsanger.gz",
        "lanes": "merge",
        "by_project": True,
        "include_undetermined": True,
        "chunk_size": 8 * 1024 * 1024,  # --chunk-size is in MiB
        "results": True,
        "retry_max": 120.0,
    }
    assert recorded["run"] == {"interval": 300.0, "timeout": 3600.0, "max_runs": 2, "once": True}


def test_cli_defaults_are_the_readme_ones(recorded, tmp_path):
    assert main(["watch", str(tmp_path), "--workflow", "wf"]) == 0
    [(_, kw)] = recorded["FakeWatcher"]
    assert (kw["markers"], kw["lanes"], kw["retry_max"]) == (("CopyComplete.txt",), "split", 300.0)
    assert kw["chunk_size"] is None and TUS_CHUNK == 64 * 1024 * 1024  # None: the 64 MiB default
    assert recorded["run"] == {"interval": 60.0, "timeout": None, "max_runs": None, "once": False}


# ---------------------------------------------------------------- README L361-362, L397
def test_retries_wait_5_s_doubling_up_to_retry_max(gi, demo_workflows, tmp_path, monkeypatch):
    run = _finished_run(tmp_path)
    logs: list[str] = []
    watcher = Watcher(gi, tmp_path, demo_workflows["samples_stats"], retry_max=12, log=logs.append)
    watcher.gi = Galaxy(f"http://127.0.0.1:{free_port()}", api_key="not-a-key", retries=0)  # Galaxy down
    now = [1000.0]
    monkeypatch.setattr(watch_mod, "time", SimpleNamespace(monotonic=lambda: now[0], time=time.time))
    seen = []
    for _ in range(4):
        assert watcher.pending() == [run]
        assert watcher.scan() == []
        m = re.search(
            r"^241201_M0001_0001_A: Galaxy is unreachable \(.*\); retry (\d+) in (\S+) s\.$", logs[-1]
        )
        assert m, logs[-1]
        seen.append((int(m.group(1)), float(m.group(2))))
        now[0] += 1
        assert watcher.pending() == []  # not before its time
        now[0] += watcher.next_retry()
    assert seen == [(1, 5.0), (2, 10.0), (3, 12.0), (4, 12.0)]


# ---------------------------------------------------------------- README L353-354
def test_a_second_watcher_on_the_same_folder_is_refused(gi, demo_workflows, tmp_path, monkeypatch, capsys):
    _finished_run(tmp_path)
    wf = demo_workflows["samples_stats"]
    first = Watcher(gi, tmp_path, wf, log=None)
    second = Watcher(gi, tmp_path, wf, log=None)
    with first.ledger.locked():
        with pytest.raises(WatchError, match=f"Another watcher is running on {re.escape(str(tmp_path))}"):
            second.scan()
        with pytest.raises(WatchError, match="Another watcher is running"):
            second.run(once=True)
        # the CLI says so and launches nothing
        monkeypatch.setenv("GALAXY_URL", gi.url)
        monkeypatch.setenv("GALAXY_API_KEY", gi.api_key)
        assert main(["watch", str(tmp_path), "--workflow", wf.id, "--once"]) == 1
        assert "Another watcher is running" in capsys.readouterr().err
    assert second.ledger.runs == {}  # nothing was recorded, nothing sent
