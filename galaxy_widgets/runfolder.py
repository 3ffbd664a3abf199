"""Sequencer run folders: where the FASTQs are, what the sample sheet says, and the samples to upload.

Illumina's converters write ``<Sample>_S<n>_L00<lane>_R<1|2>_001.fastq.gz`` under
``Analysis/<n>/Data/fastq/`` (BCL Convert on the instrument), ``Fastq/`` or
``Data/Intensities/BaseCalls/`` (bcl2fastq), possibly in one subfolder per project. The sample sheet
(``SampleSheet.csv``, v1 ``[Data]`` or v2 ``[BCLConvert_Data]``) names the samples; their
``Sample_ID`` becomes the element identifier. A plain folder of FASTQs (or any files) works too.

:func:`read_run` returns a :class:`RunLayout`: one or more collections (one per ``Sample_Project``
if asked), each ``{identifier: path}`` or ``{identifier: {"forward": p, "reverse": p}}`` (the shape
:func:`galaxy_widgets.pairing.pair` gives), or, with lanes grouped per sample,
``{sample: {"L001": ...}}``. A run that does not match its sample sheet raises
:class:`RunFolderError` listing every problem.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import GalaxyError
from .pairing import PairingError, pair

SAMPLE_SHEET = "SampleSheet.csv"
#: Where converters put FASTQs, relative to the run folder, most specific first.
FASTQ_ROOTS = ("Analysis/*/Data/fastq", "Fastq", "Data/Intensities/BaseCalls")
FASTQ_GLOBS = ("*.fastq.gz", "*.fq.gz", "*.fastq", "*.fq", "*.fastq.bz2", "*.fastqsanger.gz")
#: ``Sample_S1_L001_R1_001.fastq.gz``; the lane is absent with ``--no-lane-splitting``.
ILLUMINA_NAME = re.compile(
    r"^(?P<sample>.+?)_S(?P<number>\d+)(?:_L(?P<lane>\d{3}))?_(?P<read>[RI][123])_001"
    r"\.(?:fastq|fq)(?:\.gz|\.bz2)?$"
)
Lanes = Literal["split", "merge"]


class RunFolderError(GalaxyError):
    """A run folder whose files do not match its sample sheet (``problems`` lists each)."""

    def __init__(self, run: str, problems: Sequence[str]) -> None:
        self.run = run
        self.problems = list(problems)
        super().__init__(f"Run {run}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class SheetSample:
    """One sample of a sample sheet (a sample sequenced on several lanes is one entry)."""

    sample_id: str
    sample_name: str = ""
    project: str = ""
    lanes: tuple[int, ...] = ()


@dataclass(frozen=True)
class SampleSheet:
    """A parsed ``SampleSheet.csv``: its format version (1 or 2) and samples in sheet order."""

    version: int
    samples: tuple[SheetSample, ...]
    path: Path | None = None

    def by_name(self) -> dict[str, SheetSample]:
        """Sample_ID and Sample_Name (as used in file names) -> sample."""
        out: dict[str, SheetSample] = {}
        for s in self.samples:
            if s.sample_name:
                out.setdefault(s.sample_name, s)
        for s in self.samples:
            out[s.sample_id] = s
        return out


@dataclass(frozen=True)
class Fastq:
    """One FASTQ file with what its Illumina name says (``lane``/``read`` None if not given)."""

    path: Path
    sample: str
    number: int | None = None
    lane: int | None = None
    read: str | None = None
    project: str = ""


@dataclass(frozen=True)
class RunLayout:
    """What to upload for one run: collections by name, each grouped samples, and what was left out."""

    run: str
    collections: dict[str, dict[str, Any]]
    collection_type: str
    layout: str
    sheet: SampleSheet | None = None
    skipped: tuple[Path, ...] = ()
    projects: dict[str, str] = field(default_factory=dict)  # collection name -> Sample_Project

    @property
    def files(self) -> list[Path]:
        out: list[Path] = []
        for grouped in self.collections.values():
            out.extend(_leaves(grouped))
        return out

    @property
    def samples(self) -> int:
        return sum(len(g) for g in self.collections.values())


# ---------------------------------------------------------------------- sample sheets


def _sections(text: str) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text)):
        cells = [c.strip() for c in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if cells[0].startswith("[") and cells[0].endswith("]"):
            current = sections.setdefault(cells[0][1:-1].strip(), [])
            continue
        if current is not None:
            current.append(cells)
    return sections


def read_sample_sheet(path: str | Path) -> SampleSheet:
    """Parse a v1 (``[Data]``) or v2 (``[BCLConvert_Data]``) sample sheet."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    sections = _sections(text)
    header = {r[0]: (r[1] if len(r) > 1 else "") for r in sections.get("Header", [])}
    if "BCLConvert_Data" in sections or header.get("FileFormatVersion") == "2":
        version, rows = 2, sections.get("BCLConvert_Data")
        where = "[BCLConvert_Data]"
    else:
        version, rows = 1, sections.get("Data")
        where = "[Data]"
    if not rows:
        raise RunFolderError(path.parent.name, [f"{path.name} has no {where} section with samples"])
    columns = rows[0]
    if "Sample_ID" not in columns:
        raise RunFolderError(
            path.parent.name, [f"{path.name} {where} has no Sample_ID column (columns: {', '.join(columns)})"]
        )
    projects_v2 = {}
    if version == 2 and sections.get("Cloud_Data"):
        cloud = sections["Cloud_Data"]
        if "Sample_ID" in cloud[0] and "ProjectName" in cloud[0]:
            i, j = cloud[0].index("Sample_ID"), cloud[0].index("ProjectName")
            projects_v2 = {r[i]: r[j] for r in cloud[1:] if len(r) > max(i, j)}
    order: list[str] = []
    found: dict[str, dict[str, Any]] = {}
    for row in rows[1:]:
        rec = dict(zip(columns, row + [""] * (len(columns) - len(row)), strict=False))
        sid = rec.get("Sample_ID", "")
        if not sid:
            continue
        entry = found.get(sid)
        if entry is None:
            order.append(sid)
            entry = found[sid] = {
                "name": rec.get("Sample_Name", ""),
                "project": rec.get("Sample_Project", "") or projects_v2.get(sid, ""),
                "lanes": [],
            }
        lane = rec.get("Lane", "")
        if lane.isdigit():
            entry["lanes"].append(int(lane))
    samples = tuple(
        SheetSample(sid, found[sid]["name"], found[sid]["project"], tuple(sorted(set(found[sid]["lanes"]))))
        for sid in order
    )
    return SampleSheet(version, samples, path)


# ---------------------------------------------------------------------- finding FASTQs


def find_layout(run_dir: Path) -> tuple[str, Path]:
    """``(layout, fastq_root)``: the converter's output folder if there is one, else the run folder."""
    for root in FASTQ_ROOTS:
        matches = sorted(
            (p for p in run_dir.glob(root) if p.is_dir()),
            key=lambda p: [int(x) if x.isdigit() else x for x in p.relative_to(run_dir).parts],
        )
        if matches and any(_fastqs(matches[-1])):
            return root.split("/")[0] if root != FASTQ_ROOTS[0] else "Analysis", matches[-1]
    return "plain", run_dir


def _fastqs(root: Path) -> Iterable[Path]:
    for glob in FASTQ_GLOBS:
        for p in root.rglob(glob):
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts):
                yield p


def _parse(path: Path, root: Path) -> Fastq:
    m = ILLUMINA_NAME.match(path.name)
    rel = path.relative_to(root).parts
    project = rel[0] if len(rel) > 1 else ""
    if not m:
        return Fastq(path, path.name, project=project)
    return Fastq(
        path,
        m["sample"],
        int(m["number"]),
        int(m["lane"]) if m["lane"] else None,
        m["read"].upper(),
        project,
    )


def _empty(path: Path) -> bool:
    """True for a zero-byte file, or a compressed one that holds no data."""
    if path.stat().st_size == 0:
        return True
    if path.name.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as f:
                return not f.read(1)
        except (OSError, EOFError):
            return False  # not gzip after all: Galaxy's upload will say so
    return False


# ---------------------------------------------------------------------- the run


def read_run(
    run_dir: str | Path,
    *,
    pattern: str | None = None,
    lanes: Lanes = "split",
    by_project: bool = False,
    include_undetermined: bool = False,
    ignore: Iterable[str] = (),
) -> RunLayout:
    """What to upload from one finished run folder; :class:`RunFolderError` lists any mismatch.

    ``pattern`` (a glob relative to the run folder) picks the files instead of finding the
    converter's output; ``ignore`` names files never uploaded (markers). ``lanes="merge"`` nests
    lanes inside each sample (``list:list:paired``) instead of ``<sample>_L00n`` elements;
    ``by_project`` makes one collection per ``Sample_Project``.
    """
    run_dir = Path(run_dir)
    run = run_dir.name
    sheet_path = run_dir / SAMPLE_SHEET
    sheet = read_sample_sheet(sheet_path) if sheet_path.is_file() else None
    skip = set(ignore) | {SAMPLE_SHEET}
    if pattern:
        layout, root = "pattern", run_dir
        found = sorted(
            p
            for p in run_dir.glob(pattern)
            if p.is_file()
            and p.name not in skip
            and not any(part.startswith(".") for part in p.relative_to(run_dir).parts)
        )
    else:
        layout, root = find_layout(run_dir)
        found = sorted(set(_fastqs(root)))
        if layout == "plain" and not found:
            found = sorted(
                p
                for p in run_dir.iterdir()
                if p.is_file() and p.name not in skip and not p.name.startswith(".")
            )
    fastqs = [_parse(p, root) for p in found]
    skipped = [f.path for f in fastqs if f.read in {"I1", "I2", "R3"}]
    if not include_undetermined:
        skipped += [f.path for f in fastqs if f.sample.startswith("Undetermined")]
    fastqs = [f for f in fastqs if f.path not in skipped]
    if not fastqs:
        where = f"matching {pattern!r}" if pattern else f"under {root.relative_to(run_dir.parent)}"
        raise RunFolderError(run, [f"no files {where}"])
    problems = [f"{f.path.relative_to(run_dir)} is empty" for f in fastqs if _empty(f.path)]
    illumina = [f for f in fastqs if f.number is not None]
    if illumina and len(illumina) != len(fastqs):
        odd = next(f for f in fastqs if f.number is None)
        problems.append(
            f"{odd.path.relative_to(run_dir)} is not named like <Sample>_S<n>_L00<lane>_R1_001.fastq.gz"
        )
    if not illumina:
        grouped, problems = _plain(fastqs, run_dir, sheet, problems)
        if problems:
            raise RunFolderError(run, problems)
        ctype = _collection_type(grouped)
        return RunLayout(run, {run: grouped}, ctype, layout, sheet, tuple(skipped))
    return _illumina(run, run_dir, illumina, sheet, lanes, by_project, layout, skipped, problems)


def _plain(
    fastqs: list[Fastq], run_dir: Path, sheet: SampleSheet | None, problems: list[str]
) -> tuple[dict[str, Any], list[str]]:
    try:
        grouped = pair([f.path for f in fastqs])
    except PairingError as exc:
        return {}, [*problems, str(exc)]
    if sheet:
        names = set(sheet.by_name())
        problems += [
            f"sample {s!r} has no files" for s in (x.sample_id for x in sheet.samples) if s not in grouped
        ]
        problems += [f"{k!r} is not a sample of {SAMPLE_SHEET}" for k in grouped if k not in names]
    return grouped, problems


def _illumina(
    run: str,
    run_dir: Path,
    fastqs: list[Fastq],
    sheet: SampleSheet | None,
    lanes: Lanes,
    by_project: bool,
    layout: str,
    skipped: list[Path],
    problems: list[str],
) -> RunLayout:
    known = sheet.by_name() if sheet else {}
    # (Sample_ID, lane) -> files; the sample sheet's Sample_ID names the sample.
    groups: dict[tuple[str, int | None], list[Fastq]] = {}
    project_of: dict[str, str] = {}
    for f in fastqs:
        entry = known.get(f.sample)
        if sheet and entry is None:
            problems.append(f"{f.path.relative_to(run_dir)}: sample {f.sample!r} is not in {SAMPLE_SHEET}")
            continue
        sid = entry.sample_id if entry else f.sample
        project_of[sid] = (entry.project if entry else "") or f.project
        groups.setdefault((sid, f.lane), []).append(f)
    if sheet:
        have = {sid for sid, _ in groups}
        problems += [
            f"sample {s.sample_id!r} of {SAMPLE_SHEET} has no reads"
            for s in sheet.samples
            if s.sample_id not in have
        ]
    # R1/R2 of one sample and lane -> forward/reverse (pairing refuses a mate without partner).
    paired = any(f.read == "R2" for f in fastqs)
    units: dict[tuple[str, int | None], Any] = {}
    for key, files in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if not paired:
            if len(files) > 1:
                problems.append(
                    f"sample {key[0]!r} has several R1 files: " + ", ".join(f.path.name for f in files)
                )
            else:
                units[key] = files[0].path
            continue
        try:
            grouped = pair(files, name=lambda f: f.path.name, paired=True)
        except PairingError as exc:
            problems.append(str(exc))
            continue
        if len(grouped) != 1:
            problems.append(f"sample {key[0]!r} has files of several samples: " + ", ".join(grouped))
            continue
        mates = next(iter(grouped.values()))
        units[key] = {"forward": mates["forward"].path, "reverse": mates["reverse"].path}
    if problems:
        raise RunFolderError(run, problems)
    collections: dict[str, dict[str, Any]] = {}
    projects: dict[str, str] = {}
    for (sid, lane), value in units.items():
        name = run
        if by_project:
            project = project_of.get(sid) or "no-project"
            name = f"{run}_{project}"
            projects[name] = project
        target = collections.setdefault(name, {})
        if lanes == "merge":
            target.setdefault(sid, {})[f"L{lane:03d}" if lane else "L000"] = value
        else:
            target[f"{sid}_L{lane:03d}" if lane else sid] = value
    ctype = _collection_type(next(iter(collections.values())))
    return RunLayout(run, collections, ctype, layout, sheet, tuple(skipped), projects)


def _collection_type(grouped: dict[str, Any]) -> str:
    first = next(iter(grouped.values()))
    if not isinstance(first, dict):
        return "list"
    if set(first) == {"forward", "reverse"}:
        return "list:paired"
    return "list:" + _collection_type(first)


def _leaves(grouped: dict[str, Any]) -> list[Path]:
    out: list[Path] = []
    for value in grouped.values():
        out.extend(_leaves(value) if isinstance(value, dict) else [Path(value)])
    return out


__all__ = [
    "FASTQ_ROOTS",
    "SAMPLE_SHEET",
    "Fastq",
    "RunFolderError",
    "RunLayout",
    "SampleSheet",
    "SheetSample",
    "find_layout",
    "read_run",
    "read_sample_sheet",
]
