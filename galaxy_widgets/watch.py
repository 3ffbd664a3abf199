"""Watch a folder for finished sequencer runs; upload each as a collection and invoke a workflow.

A sequencer writes one folder per run and, when the run is complete, a marker file (Illumina
instruments write ``RTAComplete.txt`` and, once copied, ``CopyComplete.txt``). The watcher picks up a
run only when all its markers exist, uploads the run's files as one list collection (one request),
invokes a workflow on it, and records the invocation in a ledger file in the watched folder so a
restart never launches the same run twice. Used by notebook 03 and ``galaxy-widgets watch``.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import GalaxyConnectionError, GalaxyError

if TYPE_CHECKING:
    from .client import Galaxy
    from .records import Workflow

DEFAULT_MARKERS = ("CopyComplete.txt",)
#: Files a sequencer writes besides the data: markers and run metadata are never uploaded.
ILLUMINA_MARKERS = frozenset({"RTAComplete.txt", "CopyComplete.txt", "RunCompletionStatus.xml"})
LEDGER_NAME = ".galaxy-widgets-watch.json"
Log = Callable[[str], None]


class WatchError(GalaxyError):
    """A watcher set-up mistake (unknown workflow input, missing folder, ...)."""


@dataclass
class Launch:
    """One run folder handed to Galaxy, as recorded in the ledger."""

    run: str
    status: str  # uploading, invoked, error
    files: list[str] = field(default_factory=list)
    history_id: str = ""
    collection_id: str = ""
    invocation_id: str = ""
    workflow_id: str = ""
    error: str = ""
    time: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", [])}


class Ledger:
    """The runs already handed to Galaxy: a small JSON file, rewritten atomically on each change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.runs: dict[str, dict[str, Any]] = {}
        if path.exists():
            try:
                self.runs = json.loads(path.read_text()).get("runs", {})
            except ValueError as exc:
                raise WatchError(f"The ledger {path} is not valid JSON ({exc}); fix or move it.") from None

    def __contains__(self, run: str) -> bool:
        return run in self.runs

    def record(self, launch: Launch) -> None:
        self.runs[launch.run] = launch.to_dict()
        self._save()

    def forget(self, run: str) -> None:
        if self.runs.pop(run, None) is not None:
            self._save()

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"runs": self.runs}, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, self.path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _identifier(path: Path, root: Path) -> str:
    """``S1_L001_R1_001.fastq.gz`` -> ``S1_L001_R1_001``; ``s1.tsv`` -> ``s1``."""
    return path.name.split(".", 1)[0] or path.relative_to(root).as_posix()


class Watcher:
    """Launch ``workflow`` once per finished run folder under ``directory``.

    >>> w = Watcher(gi, "/data/runs", "gw-demo collection stats", input_label="samples")
    >>> w.run(interval=60)                      # until interrupted (or timeout= / max_runs=)

    Each run goes into its own new history named after the folder, or into ``history`` (a name or
    id; created if no history has that name). ``inputs`` sets the workflow's other inputs by label.
    Only files matching ``pattern`` (a glob relative to the run folder; default: the files directly
    in it) are uploaded, as a list collection named after the run.
    """

    def __init__(
        self,
        gi: Galaxy,
        directory: str | os.PathLike[str],
        workflow: str | Workflow,
        *,
        input_label: str = "samples",
        inputs: Mapping[str, Any] | None = None,
        history: str | None = None,
        markers: Iterable[str] = DEFAULT_MARKERS,
        pattern: str = "*",
        ext: str = "auto",
        ledger: str | os.PathLike[str] | None = None,
        log: Log | None = print,
    ) -> None:
        self.gi = gi
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise WatchError(
                f"{self.directory} is not a folder; give the folder the sequencer writes runs into."
            )
        self.workflow = gi.workflows.get(workflow)
        labels = {i.label: i for i in self.workflow.inputs}
        known = ", ".join(repr(label) for label in labels) or "none"
        inp = labels.get(input_label)
        if inp is None:
            raise WatchError(
                f"Workflow {self.workflow.name!r} has no input labelled {input_label!r} (inputs: {known}); "
                "name the collection input with --input-label."
            )
        if inp.type != "data_collection_input" or (inp.collection_type and inp.collection_type != "list"):
            raise WatchError(
                f"Input {input_label!r} of {self.workflow.name!r} is a {inp.type} "
                f"{inp.collection_type}".rstrip()
                + "; the watcher needs a list collection input."
            )
        for label in inputs or {}:
            if label not in labels or label == input_label:
                raise WatchError(
                    f"Workflow {self.workflow.name!r} has no other input {label!r} (inputs: {known})."
                )
        self.input_label = input_label
        self.inputs = dict(inputs or {})
        self.history = history
        self._history_id: str | None = None
        self.markers = tuple(markers) or DEFAULT_MARKERS
        self.pattern = pattern
        self.ext = ext
        self.ledger = Ledger(Path(ledger) if ledger else self.directory / LEDGER_NAME)
        self.log: Log = log or (lambda _msg: None)
        self._warned: set[str] = set()

    # ------------------------------------------------------------------ finding runs
    def complete(self, run_dir: Path) -> bool:
        """True once every marker file exists in the run folder."""
        return all((run_dir / m).is_file() for m in self.markers)

    def files(self, run_dir: Path) -> list[Path]:
        """The data files of a run: ``pattern`` matches, minus markers and hidden files."""
        skip = ILLUMINA_MARKERS | set(self.markers)
        found = run_dir.glob(self.pattern) if self.pattern else run_dir.iterdir()
        return sorted(
            p
            for p in found
            if p.is_file()
            and p.name not in skip
            and not any(part.startswith(".") for part in p.relative_to(run_dir).parts)
        )

    def pending(self) -> list[Path]:
        """Finished run folders not yet in the ledger, oldest name first."""
        runs = []
        for d in sorted(p for p in self.directory.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if d.name in self.ledger:
                entry = self.ledger.runs[d.name]
                if entry.get("status") != "invoked" and d.name not in self._warned:
                    self._warned.add(d.name)
                    self.log(
                        f"{d.name}: left as {entry.get('status')!r} by an earlier watcher "
                        f"({entry.get('error') or 'interrupted'}); delete its entry in {self.ledger.path} "
                        "to launch it again."
                    )
                continue
            if self.complete(d):
                runs.append(d)
        return runs

    # ------------------------------------------------------------------ launching one
    def _target_history(self, run: str) -> str:
        if self.history is None:
            return self.gi.histories.create(run).id
        if self._history_id is None:
            from .api.histories import ENCODED_ID

            named = [h for h in self.gi.histories.list(self.history) if h.name == self.history]
            if named:
                self._history_id = named[0].id
            elif ENCODED_ID.match(self.history):
                self._history_id = self.gi.histories.get(self.history).id
            else:
                self._history_id = self.gi.histories.create(self.history).id
        return self._history_id

    def launch(self, run_dir: Path) -> Launch:
        """Upload one run as a list collection and invoke the workflow on it; record it."""
        run = run_dir.name
        files = self.files(run_dir)
        entry = Launch(
            run,
            "uploading",
            [p.relative_to(run_dir).as_posix() for p in files],
            workflow_id=self.workflow.id,
            time=_now(),
        )
        if not files:
            entry.status, entry.error = "error", f"no files matching {self.pattern!r}"
            self.ledger.record(entry)
            self.log(f"{run}: complete but no files match {self.pattern!r}; skipped.")
            return entry
        self.ledger.record(entry)  # from here on a restart will not launch it again
        try:
            entry.history_id = self._target_history(run)
            names = [_identifier(p, run_dir) for p in files]
            if len(set(names)) != len(names):
                names = [p.relative_to(run_dir).as_posix().replace("/", "_") for p in files]
            upload = self.gi.uploads.files(
                entry.history_id,
                files,
                ext=self.ext,
                names=names,
                collection_type="list",
                collection_name=run,
            )
            entry.collection_id = upload.collection.id
        except GalaxyConnectionError:
            self.ledger.forget(run)  # nothing was launched: try again on the next scan
            raise
        except GalaxyError as exc:
            entry.status, entry.error = "error", f"upload failed: {exc}"
            self.ledger.record(entry)
            self.log(f"{run}: {entry.error}")
            return entry
        entry.status = "invoking"
        self.ledger.record(entry)
        try:
            inv = self.gi.workflows.invoke(
                self.workflow, {self.input_label: upload.collection, **self.inputs}, history=entry.history_id
            )
        except GalaxyError as exc:
            entry.status = "error"
            entry.error = f"invoking failed ({exc}); check the history before launching it again"
            self.ledger.record(entry)
            self.log(f"{run}: {entry.error}")
            return entry
        entry.status, entry.invocation_id, entry.time = "invoked", inv.id, _now()
        self.ledger.record(entry)
        self.log(
            f"{run}: {len(files)} file(s) uploaded, {self.workflow.name!r} invoked "
            f"(invocation {inv.id}, history {entry.history_id})."
        )
        return entry

    # ------------------------------------------------------------------ the loop
    def scan(self) -> list[Launch]:
        """Launch every finished run not launched yet; return what was launched."""
        launched = []
        for run_dir in self.pending():
            launched.append(self.launch(run_dir))
        return launched

    def run(
        self,
        *,
        interval: float = 60.0,
        timeout: float | None = None,
        max_runs: int | None = None,
        once: bool = False,
        stop: threading.Event | None = None,
    ) -> list[Launch]:
        """Scan every ``interval`` seconds until ``timeout`` seconds pass, ``max_runs`` runs were
        launched, ``stop`` is set, or (``once``) after one scan. A lost connection is logged and
        retried on the next scan."""
        started = time.monotonic()
        stop = stop or threading.Event()
        launched: list[Launch] = []
        self.log(
            f"Watching {self.directory} for runs with {', '.join(self.markers)} "
            f"-> {self.workflow.name!r} (every {interval:g} s)."
        )
        while True:
            try:
                for run_dir in self.pending():
                    launched.append(self.launch(run_dir))
                    if max_runs is not None and len(launched) >= max_runs:
                        break
            except GalaxyConnectionError as exc:
                self.log(f"Galaxy unreachable ({exc}); trying again in {interval:g} s.")
            if once or (max_runs is not None and len(launched) >= max_runs):
                break
            left = None if timeout is None else timeout - (time.monotonic() - started)
            if left is not None and left <= 0:
                self.log(f"Stopping after {timeout:g} s.")
                break
            if stop.wait(interval if left is None else min(interval, left)):
                break
        return launched


# ---------------------------------------------------------------------- CLI


def _folder(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not an existing folder")
    return path


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _label_value(text: str) -> tuple[str, Any]:
    label, sep, raw = text.partition("=")
    if not sep or not label:
        raise argparse.ArgumentTypeError(f"{text!r} should look like LABEL=VALUE, e.g. column=3")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return label, value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``galaxy-widgets watch`` on the CLI's subparsers."""
    p = subparsers.add_parser(
        "watch",
        help="launch a workflow on each finished sequencer run written into a folder",
        description=(
            "Watch DIR for run folders. When a run folder holds its completion marker(s), upload its "
            "files as one list collection, invoke WORKFLOW on it, and record the invocation in "
            f"DIR/{LEDGER_NAME} so a restart never launches a run twice. Connects like everything "
            "else: GALAXY_URL/GALAXY_API_KEY, or --profile, or the default profile."
        ),
    )
    p.add_argument("directory", type=_folder, metavar="DIR", help="the folder the sequencer writes runs into")
    p.add_argument("--workflow", "-w", required=True, help="workflow name or id")
    p.add_argument(
        "--input-label", default="samples", help="the workflow's list collection input (default: samples)"
    )
    p.add_argument(
        "--set",
        dest="inputs",
        action="append",
        default=[],
        type=_label_value,
        metavar="LABEL=VALUE",
        help="another workflow input by label, e.g. --set column=3 (repeatable)",
    )
    p.add_argument(
        "--history",
        default=None,
        help="put every run into this history (name or id; created if missing); "
        "default: a new history per run, named after the run folder",
    )
    p.add_argument(
        "--marker",
        action="append",
        default=None,
        metavar="NAME",
        help="file that marks a finished run (repeatable: all must exist; default: CopyComplete.txt)",
    )
    p.add_argument(
        "--pattern",
        default="*",
        help="which files of a run to upload, a glob relative to the run folder "
        "(default: '*', the files directly in it; e.g. '**/*.fastq.gz')",
    )
    p.add_argument("--ext", default="auto", help="Galaxy datatype of the files (default: auto-detect)")
    p.add_argument(
        "--interval", type=_seconds, default=60.0, metavar="S", help="seconds between scans (default 60)"
    )
    p.add_argument("--timeout", type=_seconds, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("--max-runs", type=_count, default=None, metavar="N", help="stop after launching N runs")
    p.add_argument("--once", action="store_true", help="scan once, launch what is finished, and exit")
    p.add_argument("--profile", default=None, help="saved connection profile to use")
    p.set_defaults(func=_main)
    return p


def _main(args: argparse.Namespace) -> int:
    from .client import Galaxy

    def log(msg: str) -> None:
        print(f"{datetime.now().strftime('%Y-%m-%d %H:%M:%S')} {msg}", flush=True)

    gi = Galaxy(profile=args.profile)
    try:
        watcher = Watcher(
            gi,
            args.directory,
            args.workflow,
            input_label=args.input_label,
            inputs=dict(args.inputs),
            history=args.history,
            markers=args.marker or DEFAULT_MARKERS,
            pattern=args.pattern,
            ext=args.ext,
            log=log,
        )
        launched = watcher.run(
            interval=args.interval, timeout=args.timeout, max_runs=args.max_runs, once=args.once
        )
    finally:
        gi.close()
    failed = [x for x in launched if x.status != "invoked"]
    log(f"Launched {len(launched) - len(failed)} run(s)" + (f", {len(failed)} failed." if failed else "."))
    return 1 if failed else 0


__all__ = ["DEFAULT_MARKERS", "LEDGER_NAME", "Launch", "Ledger", "WatchError", "Watcher", "add_parser"]
