"""Watch a folder for finished sequencer runs; upload each run's samples and invoke a workflow on them.

A sequencer writes one folder per run and, when the run is complete, marker files (Illumina writes
``RTAComplete.txt`` and, once copied, ``CopyComplete.txt``). The watcher picks up a run once all its
markers exist, reads its layout and sample sheet (:mod:`galaxy_widgets.runfolder`), uploads the
FASTQs by resumable TUS, creates one collection (``list:paired`` for paired reads, ``list`` for
single-end; one per ``Sample_Project`` if asked) in one fetch request, and invokes the workflow on
each collection: one invocation maps the workflow over all samples.

Every step is written to a ledger (``.galaxy-widgets-watch.json`` in the watched folder, replaced
atomically) *before* it is sent, so a watcher killed at any point continues where it stopped:
a file mid-upload continues from the server's offset, a fetch or invocation request that may have
reached Galaxy is looked up in the history instead of being sent again. A run whose files do not
match its sample sheet is set aside in the ledger with the reason and never blocks the others.
Galaxy being down or answering 5xx is retried with backoff, each retry logged. Used by notebook 03
and ``galaxy-widgets watch``.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .api.uploads import TUS_CHUNK, TusSessionGone, file_elements
from .errors import GalaxyAPIError, GalaxyConnectionError, GalaxyError, ServerError
from .runfolder import RunFolderError, RunLayout, read_run

if TYPE_CHECKING:
    from .client import Galaxy
    from .records import Workflow

DEFAULT_MARKERS = ("CopyComplete.txt",)
#: Files a sequencer writes besides the data: markers and run metadata are never uploaded.
ILLUMINA_MARKERS = frozenset({"RTAComplete.txt", "CopyComplete.txt", "RunCompletionStatus.xml"})
LEDGER_NAME = ".galaxy-widgets-watch.json"
RESULTS_SUFFIX = ".galaxy-results.tsv"
#: Ledger states. A run moves uploading -> fetching -> invoking -> invoked (-> done once its result
#: table is written); ``set-aside`` runs wait for a person (delete the entry to launch again).
UPLOADING, FETCHING, INVOKING, INVOKED, DONE, SET_ASIDE = (
    "uploading",
    "fetching",
    "invoking",
    "invoked",
    "done",
    "set-aside",
)
IN_PROGRESS = frozenset({UPLOADING, FETCHING, INVOKING})
#: After a crash or timeout with a request maybe in flight, the watcher only ever LOOKS for what it
#: would have made; after this long without finding it, it asks a person (``--resend RUN``) instead
#: of sending it again on its own: a run is never launched twice.
IN_FLIGHT_GRACE = 120.0
Log = Callable[[str], None]


class WatchError(GalaxyError):
    """A watcher set-up mistake (unknown workflow input, missing folder, second watcher, ...)."""


class _Later(Exception):
    """This run cannot go on yet (a request may still be in flight); try it on a later scan."""


@dataclass(frozen=True)
class Launch:
    """One run as the ledger has it (a read-only view of its entry)."""

    run: str
    status: str
    files: list[str] = field(default_factory=list)
    history_id: str = ""
    collection_ids: list[str] = field(default_factory=list)
    invocation_ids: list[str] = field(default_factory=list)
    error: str = ""
    samples: int = 0

    @property
    def collection_id(self) -> str:
        return self.collection_ids[0] if self.collection_ids else ""

    @property
    def invocation_id(self) -> str:
        return self.invocation_ids[0] if self.invocation_ids else ""

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> Launch:
        colls = (entry.get("collections") or {}).values()
        return cls(
            run=entry["run"],
            status=entry.get("status", ""),
            files=list(entry.get("files") or {}),
            history_id=entry.get("history_id", ""),
            collection_ids=[c["collection_id"] for c in colls if c.get("collection_id")],
            invocation_ids=[c["invocation_id"] for c in colls if c.get("invocation_id")],
            error=entry.get("error", ""),
            samples=int(entry.get("samples") or 0),
        )


class Ledger:
    """The runs handed to Galaxy: a small JSON file, replaced atomically (and synced) on each change."""

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

    def save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w") as f:
            f.write(json.dumps({"runs": self.runs}, indent=1, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def resend(self, run: str) -> list[str]:
        """Clear the marks of requests sent but never confirmed, so the next scan sends them again.

        Only for what a person checked is NOT in Galaxy (the watcher itself never resends).
        Returns what will be sent again.
        """
        entry = self.runs.get(run)
        if entry is None:
            raise WatchError(f"No run {run!r} in {self.path}; `--status` lists them.")
        cleared = []
        for name, coll in (entry.get("collections") or {}).items():
            if coll.get("fetch_sent") and not coll.get("collection_id"):
                coll.pop("fetch_sent")
                cleared.append(f"the request creating collection {name!r}")
            elif coll.get("invoke_sent") and not coll.get("invocation_id"):
                coll.pop("invoke_sent")
                cleared.append(f"the invocation on {name!r}")
        if not cleared:
            raise WatchError(
                f"Run {run!r} has no request waiting for confirmation (state {entry.get('status')!r}); "
                "nothing to resend."
            )
        entry["error"] = ""
        self.save()
        return cleared

    def forget(self, run: str) -> None:
        if self.runs.pop(run, None) is not None:
            self.save()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's watcher lock: a second watcher on the same ledger is refused."""
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WatchError(
                    f"Another watcher is running on {self.path.parent} (it holds {lock}); stop it first."
                ) from None
            yield
        finally:
            os.close(fd)

    def table(self) -> str:
        """The ledger as a text table: run, samples, upload progress, invocation(s), state."""
        rows = [("RUN", "SAMPLES", "UPLOAD", "INVOCATION", "STATE")]
        for run in sorted(self.runs):
            e = self.runs[run]
            files = (e.get("files") or {}).values()
            size = sum(int(f.get("size") or 0) for f in files)
            sent = sum(int(f.get("offset") or 0) for f in files)
            upload = f"{100 * sent / size:.0f}% of {_size(size)}" if size else "-"
            invs = [c.get("invocation_id", "") for c in (e.get("collections") or {}).values()]
            state = e.get("status", "")
            if e.get("error"):
                state += f": {e['error']}"
            rows.append(
                (run, str(e.get("samples") or "-"), upload, ",".join(i for i in invs if i) or "-", state)
            )
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        return "\n".join(
            "  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[4]]) for r in rows
        )


def _size(n: int) -> str:
    from .records import nice_size

    return nice_size(n)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Watcher:
    """Launch ``workflow`` once per finished run folder under ``directory``.

    >>> w = Watcher(gi, "/data/runs", "gw-demo count read pairs")
    >>> w.run(interval=60)                      # until interrupted (or timeout= / max_runs=)

    Each run goes into its own new history named after the folder, or into ``history`` (a name or
    id; created if no history has that name). ``inputs`` sets the workflow's other inputs by label.
    ``input_label`` names the collection input (default: the workflow's only one). ``pattern`` (a
    glob relative to the run folder) picks the files instead of finding the converter's output.
    ``lanes="merge"`` groups a sample's lanes; ``by_project`` makes one collection and invocation
    per ``Sample_Project``. ``results`` writes each finished invocation's result table next to the
    run folder (``<run>.galaxy-results.tsv``).
    """

    def __init__(
        self,
        gi: Galaxy,
        directory: str | os.PathLike[str],
        workflow: str | Workflow,
        *,
        input_label: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        history: str | None = None,
        markers: Iterable[str] = DEFAULT_MARKERS,
        pattern: str | None = None,
        ext: str = "auto",
        lanes: str = "split",
        by_project: bool = False,
        include_undetermined: bool = False,
        chunk_size: int | None = None,
        results: bool = False,
        retry_delay: float = 5.0,
        retry_max: float = 300.0,
        ledger: str | os.PathLike[str] | None = None,
        log: Log | None = print,
    ) -> None:
        self.gi = gi
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise WatchError(
                f"{self.directory} is not a folder; give the folder the sequencer writes runs into."
            )
        if lanes not in ("split", "merge"):
            raise WatchError(f"lanes must be 'split' or 'merge', not {lanes!r}.")
        self.workflow = gi.workflows.get(workflow)
        labels = {i.label: i for i in self.workflow.inputs}
        known = ", ".join(repr(label) for label in labels) or "none"
        if input_label is None:
            collections = [i.label for i in self.workflow.inputs if i.type == "data_collection_input"]
            if len(collections) != 1:
                raise WatchError(
                    f"Workflow {self.workflow.name!r} has {len(collections)} collection inputs (inputs: "
                    f"{known}); name the one for the run with --input-label."
                )
            input_label = collections[0]
        inp = labels.get(input_label)
        if inp is None:
            raise WatchError(
                f"Workflow {self.workflow.name!r} has no input labelled {input_label!r} (inputs: {known}); "
                "name the collection input with --input-label."
            )
        if inp.type != "data_collection_input" or not (inp.collection_type or "list").startswith("list"):
            raise WatchError(
                f"Input {input_label!r} of {self.workflow.name!r} is a {inp.type} "
                f"{inp.collection_type}".rstrip()
                + "; the watcher needs a list collection input (list, list:paired, ...)."
            )
        for label in inputs or {}:
            if label not in labels or label == input_label:
                raise WatchError(
                    f"Workflow {self.workflow.name!r} has no other input {label!r} (inputs: {known})."
                )
        self.input_label = input_label
        self.input_type = inp.collection_type
        self.inputs = dict(inputs or {})
        self.history = history
        self._history_id: str | None = None
        self.markers = tuple(markers) or DEFAULT_MARKERS
        self.pattern = pattern if pattern not in ("", None) else None
        self.ext = ext
        self.lanes = lanes
        self.by_project = by_project
        self.include_undetermined = include_undetermined
        self.chunk_size = chunk_size
        self.results = results
        self.retry_delay = retry_delay
        self.retry_max = retry_max
        self.ledger = Ledger(Path(ledger) if ledger else self.directory / LEDGER_NAME)
        self.log: Log = log or (lambda _msg: None)
        self._warned: set[str] = set()
        self._retry: dict[str, tuple[int, float]] = {}  # run -> (attempts, monotonic time of next try)

    # ------------------------------------------------------------------ finding runs
    def complete(self, run_dir: Path) -> bool:
        """True once every marker file exists in the run folder."""
        return all((run_dir / m).is_file() for m in self.markers)

    def layout(self, run_dir: Path) -> RunLayout:
        """What would be uploaded from ``run_dir`` (RunFolderError says what does not match)."""
        return read_run(
            run_dir,
            pattern=self.pattern,
            lanes="merge" if self.lanes == "merge" else "split",
            by_project=self.by_project,
            include_undetermined=self.include_undetermined,
            ignore=ILLUMINA_MARKERS | set(self.markers),
        )

    def pending(self) -> list[Path]:
        """Finished run folders to work on now: new ones and ones left part-way, oldest name first."""
        runs = []
        now = time.monotonic()
        for d in sorted(p for p in self.directory.iterdir() if p.is_dir() and not p.name.startswith(".")):
            entry = self.ledger.runs.get(d.name)
            if entry is not None and entry.get("status") not in IN_PROGRESS:
                if entry.get("status") == SET_ASIDE and d.name not in self._warned:
                    self._warned.add(d.name)
                    self.log(
                        f"{d.name}: set aside ({entry.get('error')}); fix the run and delete its entry "
                        f"in {self.ledger.path} to launch it."
                    )
                continue
            if d.name in self._retry and self._retry[d.name][1] > now:
                continue
            if entry is not None or self.complete(d):
                runs.append(d)
        return runs

    # ------------------------------------------------------------------ launching one
    def _record(self, entry: dict[str, Any], **changes: Any) -> None:
        entry.update(changes)
        entry["time"] = _now()
        self.ledger.runs[entry["run"]] = entry
        self.ledger.save()

    def _set_aside(self, entry: dict[str, Any], error: str) -> Launch:
        self._record(entry, status=SET_ASIDE, error=error)
        self._warned.add(entry["run"])
        self.log(f"{entry['run']}: set aside: {error}")
        return Launch.from_entry(entry)

    def _target_history(self, run: str) -> str:
        if self.history is None:
            return self.gi.histories.create(run).id
        if self._history_id is None:
            from .api.histories import is_encoded_id

            named = [h for h in self.gi.histories.list(self.history) if h.name == self.history]
            if named:
                self._history_id = named[0].id
            elif is_encoded_id(self.history):
                self._history_id = self.gi.histories.get(self.history).id
            else:
                self._history_id = self.gi.histories.create(self.history).id
        return self._history_id

    def launch(self, run_dir: Path) -> Launch:
        """Carry one run as far as it goes: upload, collection, invocation; record every step.

        Raises GalaxyConnectionError/ServerError when Galaxy is unreachable or failing (the
        entry keeps its place; :meth:`run` retries it with backoff).
        """
        run = run_dir.name
        entry = self.ledger.runs.get(run)
        if entry is None:
            entry = {"run": run, "workflow_id": self.workflow.id, "started": _now()}
            try:
                layout = self.layout(run_dir)
            except RunFolderError as exc:
                entry["files"] = {}
                return self._set_aside(entry, "; ".join(exc.problems))
            if self.input_type and self.input_type != layout.collection_type:
                return self._set_aside(
                    entry,
                    f"its reads make a {layout.collection_type} but input {self.input_label!r} of "
                    f"{self.workflow.name!r} takes a {self.input_type}",
                )
            files = {p.relative_to(run_dir).as_posix(): {"size": p.stat().st_size} for p in layout.files}
            collections = {
                name: {"elements": _relative(grouped, run_dir), "project": layout.projects.get(name, "")}
                for name, grouped in layout.collections.items()
            }
            self._record(
                entry,
                status=UPLOADING,
                files=files,
                collections=collections,
                collection_type=layout.collection_type,
                layout=layout.layout,
                samples=layout.samples,
                skipped=[p.relative_to(run_dir).as_posix() for p in layout.skipped],
            )
        try:
            self._advance(run_dir, entry)
        except _Later as wait:
            if str(wait):
                self.log(f"{run}: {wait}")
        except (GalaxyConnectionError, ServerError):
            raise
        except TusSessionGone as exc:
            raise GalaxyConnectionError(f"{exc} It is started again on the next try.") from None
        except GalaxyAPIError as exc:
            return self._set_aside(entry, f"Galaxy refused it ({exc})")
        except GalaxyError as exc:
            return self._set_aside(entry, str(exc))
        self._retry.pop(run, None)
        return Launch.from_entry(entry)

    def _advance(self, run_dir: Path, entry: dict[str, Any]) -> None:
        run = entry["run"]
        if not entry.get("history_id"):
            self._record(entry, history_id=self._target_history(run))
        self._upload(run_dir, entry)
        for name, coll in entry["collections"].items():
            if not coll.get("collection_id"):
                self._fetch(run_dir, entry, name, coll)
            if not coll.get("invocation_id"):
                self._invoke(entry, name, coll)
        if entry["status"] != INVOKED:
            self._record(entry, status=INVOKED, error="")
            self.log(
                f"{run}: {entry.get('samples')} sample(s), {len(entry['files'])} file(s) uploaded; "
                f"{self.workflow.name!r} invoked ("
                + ", ".join(f"invocation {c['invocation_id']}" for c in entry["collections"].values())
                + f", history {entry['history_id']})."
            )

    def _upload(self, run_dir: Path, entry: dict[str, Any]) -> None:
        """Send every file not yet complete on the server, resuming from the server's offset."""
        for rel, info in entry["files"].items():
            if info.get("done"):
                continue
            path = run_dir / rel
            if path.stat().st_size != info["size"]:
                raise GalaxyError(f"{rel} changed size after the run was marked complete.")

            def saved(session_id: str, offset: int, size: int, info: dict[str, Any] = info) -> None:
                info.update(session=session_id, offset=offset, size=size)
                self._record(entry)

            if info.get("session"):
                self.log(f"{entry['run']}: resuming {rel} (session {info['session']}).")
            self.gi.uploads.tus(
                path, session_id=info.get("session"), on_offset=saved, chunk_size=self.chunk_size or TUS_CHUNK
            )
            info["done"] = True
            self._record(entry)

    def _fetch(self, run_dir: Path, entry: dict[str, Any], name: str, coll: dict[str, Any]) -> None:
        """Create the collection in one fetch request, or find the one an earlier request made."""
        if coll.get("fetch_sent"):
            found = self._find_collection(entry["history_id"], name)
            if found:
                self._record(entry, status=FETCHING)
                coll["collection_id"] = found
                self._record(entry)
                self.log(f"{entry['run']}: found collection {name!r} made by an earlier request.")
                self._warned.discard(entry["run"])
                return
            self._unconfirmed(entry, coll["fetch_sent"], f"the request creating collection {name!r}")
        grouped = _absolute(coll["elements"], run_dir)
        sessions = {str(run_dir / rel): info["session"] for rel, info in entry["files"].items()}
        elements, files = file_elements(grouped, sessions, ext=self.ext)
        coll["fetch_sent"] = time.time()
        self._record(entry, status=FETCHING)  # from here a restart looks before it sends again
        result = self.gi.uploads.fetch(
            entry["history_id"],
            elements,
            collection_type=entry["collection_type"],
            collection_name=name,
            files=files,
        )
        coll["collection_id"] = result.collection.id
        self._record(entry)

    def _unconfirmed(self, entry: dict[str, Any], sent: float, what: str) -> None:
        """A request was sent but what it makes is not in Galaxy (yet): look again later, never resend.

        After ``IN_FLIGHT_GRACE`` the entry says so (``--status``) and the log asks a person once;
        ``galaxy-widgets watch DIR --resend RUN`` clears the mark so that the next scan sends it.
        """
        run = entry["run"]
        if time.time() - sent < IN_FLIGHT_GRACE:
            raise _Later(f"waiting for {what} (sent earlier) to show up in history {entry['history_id']}")
        error = (
            f"{what} was sent at {datetime.fromtimestamp(sent, timezone.utc):%Y-%m-%d %H:%M:%S} UTC but "
            f"nothing it makes is in history {entry['history_id']}; it is never sent twice on its own: "
            f"check that history, then run `galaxy-widgets watch {self.directory} --resend {run}` to send "
            "it once more"
        )
        if entry.get("error") != error:
            self._record(entry, error=error)
        if run not in self._warned:
            self._warned.add(run)
            raise _Later(f"needs a person: {error}.")
        raise _Later("")  # still looking; said once already

    def _find_collection(self, history_id: str, name: str) -> str:
        items = self.gi.get(
            f"histories/{history_id}/contents",
            params={
                "v": "dev",
                "q": ["name-eq", "history_content_type-eq", "deleted-eq"],
                "qv": [name, "dataset_collection", "false"],
                "keys": "id,name",
            },
        )
        return items[0]["id"] if items else ""

    def _invoke(self, entry: dict[str, Any], name: str, coll: dict[str, Any]) -> None:
        """Invoke the workflow on one collection, or find the invocation an earlier request made."""
        if coll.get("invoke_sent"):
            found = self._find_invocation(entry["history_id"], coll["collection_id"])
            if found:
                coll["invocation_id"] = found
                self._record(entry)
                self.log(f"{entry['run']}: found invocation {found} made by an earlier request.")
                self._warned.discard(entry["run"])
                return
            self._unconfirmed(
                entry, coll["invoke_sent"], f"the invocation of {self.workflow.name!r} on {name!r}"
            )
        coll["invoke_sent"] = time.time()
        self._record(entry, status=INVOKING)
        inv = self.gi.workflows.invoke(
            self.workflow,
            {self.input_label: {"src": "hdca", "id": coll["collection_id"]}, **self.inputs},
            history=entry["history_id"],
        )
        coll["invocation_id"] = inv.id
        self._record(entry)

    def _find_invocation(self, history_id: str, collection_id: str) -> str:
        for inv in self.gi.invocations.list(history_id=history_id):
            raw = self.gi.get(f"invocations/{inv.id}")
            refs = (raw.get("inputs") or {}).values()
            if any(r.get("src") == "hdca" and r.get("id") == collection_id for r in refs):
                return inv.id
        return ""

    def _write_results(self, entry: dict[str, Any]) -> bool:
        """Write each finished invocation's result table next to the run; True once all are written."""
        done = True
        for name, coll in entry["collections"].items():
            target = self.directory / f"{name}{RESULTS_SUFFIX}"
            if coll.get("results"):
                continue
            if self.gi.collections.show(coll["collection_id"]).populated_state != "ok":
                done = False  # its upload job has not filled the collection yet
                continue
            batch = self.gi.batches.attach(coll["invocation_id"])
            if not batch.snapshot().done:  # one look, no waiting: other runs go on meanwhile
                done = False
                continue
            table = batch.results()
            tmp = target.with_name(target.name + ".tmp")
            table.to_csv(tmp, sep="\t", index=False)
            os.replace(tmp, target)
            coll["results"] = target.name
            self._record(entry)
            self.log(f"{entry['run']}: results of {name!r} written to {target}.")
        return done

    # ------------------------------------------------------------------ the loop
    def _failed(self, run: str, exc: Exception) -> None:
        attempts = self._retry.get(run, (0, 0.0))[0] + 1
        delay = min(self.retry_delay * 2 ** (attempts - 1), self.retry_max)
        self._retry[run] = (attempts, time.monotonic() + delay)
        kind = "answered with a server error" if isinstance(exc, ServerError) else "is unreachable"
        self.log(f"{run}: Galaxy {kind} ({exc}); retry {attempts} in {delay:g} s.")

    def scan(self, *, max_runs: int | None = None) -> list[Launch]:
        """Work on every finished run that needs it; return the runs launched (or set aside) now."""
        launched: list[Launch] = []
        with self.ledger.locked():
            for run_dir in self.pending():
                try:
                    got = self.launch(run_dir)
                except (GalaxyConnectionError, ServerError) as exc:
                    self._failed(run_dir.name, exc)
                    continue
                if got.status in (INVOKED, SET_ASIDE):
                    launched.append(got)
                if max_runs is not None and len(launched) >= max_runs:
                    break
            if self.results:
                for entry in list(self.ledger.runs.values()):
                    if entry.get("status") == INVOKED:
                        try:
                            if self._write_results(entry):
                                self._record(entry, status=DONE)
                        except (GalaxyConnectionError, ServerError) as exc:
                            self._failed(entry["run"], exc)
        return launched

    def next_retry(self) -> float | None:
        """Seconds until the earliest scheduled retry, if any."""
        if not self._retry:
            return None
        return max(0.0, min(t for _, t in self._retry.values()) - time.monotonic())

    def run(
        self,
        *,
        interval: float = 60.0,
        timeout: float | None = None,
        max_runs: int | None = None,
        once: bool = False,
        stop: threading.Event | None = None,
    ) -> list[Launch]:
        """Scan every ``interval`` seconds (sooner when a retry is due) until ``timeout`` seconds
        pass, ``max_runs`` runs were launched, ``stop`` is set, or (``once``) after one scan."""
        started = time.monotonic()
        stop = stop or threading.Event()
        launched: list[Launch] = []
        self.log(
            f"Watching {self.directory} for runs with {', '.join(self.markers)} "
            f"-> {self.workflow.name!r} (every {interval:g} s)."
        )
        while True:
            left_runs = None if max_runs is None else max_runs - len(launched)
            launched.extend(self.scan(max_runs=left_runs))
            if once or (max_runs is not None and len(launched) >= max_runs):
                break
            left = None if timeout is None else timeout - (time.monotonic() - started)
            if left is not None and left <= 0:
                self.log(f"Stopping after {timeout:g} s.")
                break
            wait = interval
            retry = self.next_retry()
            if retry is not None:
                wait = min(wait, retry)
            if left is not None:
                wait = min(wait, left)
            if stop.wait(wait):
                break
        return launched


def _relative(grouped: Mapping[str, Any], run_dir: Path) -> dict[str, Any]:
    return {
        k: _relative(v, run_dir) if isinstance(v, Mapping) else Path(v).relative_to(run_dir).as_posix()
        for k, v in grouped.items()
    }


def _absolute(grouped: Mapping[str, Any], run_dir: Path) -> dict[str, Any]:
    return {k: _absolute(v, run_dir) if isinstance(v, Mapping) else run_dir / v for k, v in grouped.items()}


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
            "Watch DIR for run folders. When a run folder holds its completion marker(s), read its "
            "sample sheet and FASTQs (BCL Convert, bcl2fastq or a plain folder), upload the samples as "
            "one list:paired (or list) collection by resumable upload, invoke WORKFLOW on it, and "
            f"record every step in DIR/{LEDGER_NAME} so a restart continues where it stopped and never "
            "launches a run twice. Connects like everything else: GALAXY_URL/GALAXY_API_KEY, or "
            "--profile, or the default profile."
        ),
    )
    p.add_argument("directory", type=_folder, metavar="DIR", help="the folder the sequencer writes runs into")
    p.add_argument("--status", action="store_true", help="print the ledger as a table and exit")
    p.add_argument(
        "--resend",
        metavar="RUN",
        help="send again RUN's request that never showed up in Galaxy (check first), then exit",
    )
    p.add_argument("--workflow", "-w", help="workflow name or id (required unless --status or --resend)")
    p.add_argument(
        "--input-label", default=None, help="the workflow's collection input (default: its only one)"
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
        default=None,
        help="which files of a run to upload, a glob relative to the run folder (default: the "
        "converter's FASTQs, or the files directly in a plain run folder; e.g. '**/*.fastq.gz')",
    )
    p.add_argument("--ext", default="auto", help="Galaxy datatype of the files (default: auto-detect)")
    p.add_argument(
        "--lanes",
        choices=("split", "merge"),
        default="split",
        help="split: one element per sample and lane (<sample>_L001); merge: lanes nested in their sample",
    )
    p.add_argument(
        "--by-project", action="store_true", help="one collection and invocation per Sample_Project"
    )
    p.add_argument(
        "--include-undetermined",
        action="store_true",
        help="upload Undetermined_* reads too (skipped by default)",
    )
    p.add_argument(
        "--chunk-size", type=_count, default=None, metavar="MB", help="upload chunk size in MiB (default 64)"
    )
    p.add_argument(
        "--results",
        action="store_true",
        help=f"when an invocation finishes, write its result table next to the run (<run>{RESULTS_SUFFIX})",
    )
    p.add_argument(
        "--interval", type=_seconds, default=60.0, metavar="S", help="seconds between scans (default 60)"
    )
    p.add_argument(
        "--retry-max",
        type=_seconds,
        default=300.0,
        metavar="S",
        help="longest wait between retries while Galaxy is down (default 300)",
    )
    p.add_argument("--timeout", type=_seconds, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("--max-runs", type=_count, default=None, metavar="N", help="stop after launching N runs")
    p.add_argument("--once", action="store_true", help="scan once, launch what is finished, and exit")
    p.add_argument("--profile", default=None, help="saved connection profile to use")
    p.set_defaults(func=_main)
    return p


def _main(args: argparse.Namespace) -> int:
    from .client import Galaxy

    if args.status:
        ledger = Ledger(args.directory / LEDGER_NAME)
        print(ledger.table() if ledger.runs else f"No runs in {ledger.path} yet.")
        return 0
    if args.resend:
        ledger = Ledger(args.directory / LEDGER_NAME)
        with ledger.locked():  # a running watcher would overwrite the change: refused while it runs
            ledger = Ledger(ledger.path)
            for what in ledger.resend(args.resend):
                print(f"{args.resend}: {what} will be sent again by the next watcher scan.")
        return 0
    if not args.workflow:
        raise WatchError("Say which workflow to run with --workflow NAME_OR_ID (or use --status).")

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
            lanes=args.lanes,
            by_project=args.by_project,
            include_undetermined=args.include_undetermined,
            chunk_size=args.chunk_size * 1024 * 1024 if args.chunk_size else None,
            results=args.results,
            retry_max=args.retry_max,
            log=log,
        )
        launched = watcher.run(
            interval=args.interval, timeout=args.timeout, max_runs=args.max_runs, once=args.once
        )
    finally:
        gi.close()
    failed = [x for x in launched if x.status == SET_ASIDE]
    ok = len(launched) - len(failed)
    log(f"Launched {ok} run(s)" + (f", {len(failed)} set aside." if failed else "."))
    return 1 if failed else 0


__all__ = [
    "DEFAULT_MARKERS",
    "LEDGER_NAME",
    "Launch",
    "Ledger",
    "WatchError",
    "Watcher",
    "add_parser",
]
