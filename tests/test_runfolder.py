"""Run folder layouts, sample sheets and mismatches (pure file-system logic: no Galaxy needed)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from galaxy_widgets.runfolder import RunFolderError, read_run, read_sample_sheet

SHEET_V1 = """[Header]
IEMFileVersion,5
Experiment Name,demo
[Reads]
151
151
[Settings]
Adapter,CTGTCTCTTATACACATCT
[Data]
Lane,Sample_ID,Sample_Name,index,index2,Sample_Project,Description
1,ID-A,liver,ACGT,TTTT,ProjX,
1,ID-B,brain,CCGT,GTTT,ProjY,
2,ID-A,liver,ACGT,TTTT,ProjX,
2,ID-B,brain,CCGT,GTTT,ProjY,
,,,,,,
"""

SHEET_V2 = """[Header]
FileFormatVersion,2
RunName,demo
[Reads]
Read1Cycles,151
Read2Cycles,151
[BCLConvert_Settings]
SoftwareVersion,4.2.7
[BCLConvert_Data]
Lane,Sample_ID,Index,Index2,Sample_Project
1,S-001,ACGT,TTTT,Alpha
1,S-002,CCGT,GTTT,Beta
[Cloud_Data]
Sample_ID,ProjectName,LibraryName
S-001,Alpha,L1
"""


def fastq(path: Path, reads: int = 2, *, gz: bool = True) -> Path:
    """A tiny FASTQ (gzipped unless gz=False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"@r{i}\nACGTACGT\n+\nIIIIIIII\n" for i in range(reads))
    if gz:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return path


def illumina(root: Path, sample: str, number: int, lanes=(1,), reads=("R1", "R2")) -> list[Path]:
    return [fastq(root / f"{sample}_S{number}_L{lane:03d}_{r}_001.fastq.gz") for lane in lanes for r in reads]


def rel(grouped, run: Path):
    """Paths relative to the run folder, for readable expected values."""
    return {
        k: rel(v, run) if isinstance(v, dict) else Path(v).relative_to(run).as_posix()
        for k, v in grouped.items()
    }


def test_bcl_convert_v2_sheet_lanes_split(tmp_path: Path) -> None:
    run = tmp_path / "run1"
    old = run / "Analysis/1/Data/fastq"
    illumina(old, "S-001", 1)  # an older analysis: the newest (2) wins
    new = run / "Analysis/2/Data/fastq"
    illumina(new, "S-001", 1, lanes=(1, 2))
    illumina(new, "S-002", 2, lanes=(1, 2))
    illumina(new, "Undetermined", 0, lanes=(1, 2))
    fastq(new / "S-001_S1_L001_I1_001.fastq.gz")  # index read: not a sample read
    (run / "SampleSheet.csv").write_text(SHEET_V2)

    layout = read_run(run)

    assert layout.layout == "Analysis"
    assert layout.sheet is not None and layout.sheet.version == 2
    assert layout.collection_type == "list:paired"
    f = "Analysis/2/Data/fastq/"
    assert rel(layout.collections["run1"], run) == {
        "S-001_L001": {
            "forward": f + "S-001_S1_L001_R1_001.fastq.gz",
            "reverse": f + "S-001_S1_L001_R2_001.fastq.gz",
        },
        "S-001_L002": {
            "forward": f + "S-001_S1_L002_R1_001.fastq.gz",
            "reverse": f + "S-001_S1_L002_R2_001.fastq.gz",
        },
        "S-002_L001": {
            "forward": f + "S-002_S2_L001_R1_001.fastq.gz",
            "reverse": f + "S-002_S2_L001_R2_001.fastq.gz",
        },
        "S-002_L002": {
            "forward": f + "S-002_S2_L002_R1_001.fastq.gz",
            "reverse": f + "S-002_S2_L002_R2_001.fastq.gz",
        },
    }
    assert sorted(p.name for p in layout.skipped) == [
        "S-001_S1_L001_I1_001.fastq.gz",
        "Undetermined_S0_L001_R1_001.fastq.gz",
        "Undetermined_S0_L001_R2_001.fastq.gz",
        "Undetermined_S0_L002_R1_001.fastq.gz",
        "Undetermined_S0_L002_R2_001.fastq.gz",
    ]
    assert layout.samples == 4 and len(layout.files) == 8


def test_lanes_merged_per_sample(tmp_path: Path) -> None:
    run = tmp_path / "run1"
    root = run / "Analysis/1/Data/fastq"
    illumina(root, "S-001", 1, lanes=(1, 2))
    illumina(root, "S-002", 2, lanes=(1, 2))
    (run / "SampleSheet.csv").write_text(SHEET_V2)

    layout = read_run(run, lanes="merge")

    assert layout.collection_type == "list:list:paired"
    grouped = rel(layout.collections["run1"], run)
    assert list(grouped) == ["S-001", "S-002"]
    assert list(grouped["S-001"]) == ["L001", "L002"]
    assert grouped["S-002"]["L002"]["reverse"].endswith("S-002_S2_L002_R2_001.fastq.gz")


def test_bcl2fastq_v1_sheet_nested_projects_sample_names(tmp_path: Path) -> None:
    """bcl2fastq names files by Sample_Name inside <Project>/; identifiers are the Sample_IDs."""
    run = tmp_path / "200101_M0_0001_A"
    base = run / "Data/Intensities/BaseCalls"
    illumina(base / "ProjX", "liver", 1, lanes=(1, 2))
    illumina(base / "ProjY", "brain", 2, lanes=(1, 2))
    illumina(base, "Undetermined", 0, lanes=(1,))
    (run / "SampleSheet.csv").write_text(SHEET_V1)

    sheet = read_sample_sheet(run / "SampleSheet.csv")
    assert sheet.version == 1
    assert [(s.sample_id, s.sample_name, s.project, s.lanes) for s in sheet.samples] == [
        ("ID-A", "liver", "ProjX", (1, 2)),
        ("ID-B", "brain", "ProjY", (1, 2)),
    ]

    layout = read_run(run, by_project=True)
    assert layout.layout == "Data"
    assert set(layout.collections) == {"200101_M0_0001_A_ProjX", "200101_M0_0001_A_ProjY"}
    assert layout.projects == {"200101_M0_0001_A_ProjX": "ProjX", "200101_M0_0001_A_ProjY": "ProjY"}
    x = rel(layout.collections["200101_M0_0001_A_ProjX"], run)
    assert list(x) == ["ID-A_L001", "ID-A_L002"]
    assert x["ID-A_L002"]["forward"] == "Data/Intensities/BaseCalls/ProjX/liver_S1_L002_R1_001.fastq.gz"
    assert list(layout.collections["200101_M0_0001_A_ProjY"]) == ["ID-B_L001", "ID-B_L002"]

    together = read_run(run, include_undetermined=False)
    assert list(together.collections) == ["200101_M0_0001_A"]
    assert len(together.collections["200101_M0_0001_A"]) == 4


def test_fastq_folder_single_end_without_lanes(tmp_path: Path) -> None:
    """BCL Convert into Fastq/ with --no-lane-splitting, single-end: a list of Sample_IDs."""
    run = tmp_path / "run_se"
    for i, sample in enumerate(["S-001", "S-002"], 1):
        fastq(run / "Fastq" / f"{sample}_S{i}_R1_001.fastq.gz")
    (run / "SampleSheet.csv").write_text(SHEET_V2)

    layout = read_run(run)

    assert layout.layout == "Fastq"
    assert layout.collection_type == "list"
    assert rel(layout.collections["run_se"], run) == {
        "S-001": "Fastq/S-001_S1_R1_001.fastq.gz",
        "S-002": "Fastq/S-002_S2_R1_001.fastq.gz",
    }


def test_undetermined_included_on_request(tmp_path: Path) -> None:
    run = tmp_path / "run"
    illumina(run / "Fastq", "A", 1)
    illumina(run / "Fastq", "Undetermined", 0)
    assert list(read_run(run).collections["run"]) == ["A_L001"]
    assert list(read_run(run, include_undetermined=True).collections["run"]) == [
        "A_L001",
        "Undetermined_L001",
    ]


def test_plain_folder_of_fastqs_and_other_files(tmp_path: Path) -> None:
    run = tmp_path / "plain"
    for s in ("ctrl", "treated"):
        fastq(run / f"{s}_1.fq.gz")
        fastq(run / f"{s}_2.fq.gz")
    (run / "CopyComplete.txt").write_text("")
    layout = read_run(run, ignore={"CopyComplete.txt"})
    assert layout.layout == "plain"
    assert rel(layout.collections["plain"], run) == {
        "ctrl": {"forward": "ctrl_1.fq.gz", "reverse": "ctrl_2.fq.gz"},
        "treated": {"forward": "treated_1.fq.gz", "reverse": "treated_2.fq.gz"},
    }
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "s1.tsv").write_text("a\t1\n")
    (tables / "s2.tsv").write_text("b\t2\n")
    (tables / "CopyComplete.txt").write_text("")
    layout = read_run(tables, ignore={"CopyComplete.txt"})
    assert (layout.collection_type, rel(layout.collections["tables"], tables)) == (
        "list",
        {"s1": "s1.tsv", "s2": "s2.tsv"},
    )


# ---------------------------------------------------------------------- mismatches


def mismatch(run: Path, **kw) -> list[str]:
    with pytest.raises(RunFolderError) as exc:
        read_run(run, **kw)
    assert exc.value.run == run.name
    return exc.value.problems


def v2_run(tmp_path: Path) -> Path:
    run = tmp_path / "bad"
    illumina(run / "Fastq", "S-001", 1)
    illumina(run / "Fastq", "S-002", 2)
    (run / "SampleSheet.csv").write_text(SHEET_V2)
    return run


def test_missing_mate(tmp_path: Path) -> None:
    run = v2_run(tmp_path)
    (run / "Fastq/S-002_S2_L001_R2_001.fastq.gz").unlink()
    [problem] = mismatch(run)
    assert "S-002_S2_L001_R1_001.fastq.gz" in problem and "reverse (R2)" in problem and "missing" in problem


def test_sample_without_reads(tmp_path: Path) -> None:
    run = v2_run(tmp_path)
    for p in (run / "Fastq").glob("S-002_*"):
        p.unlink()
    assert mismatch(run) == ["sample 'S-002' of SampleSheet.csv has no reads"]


def test_empty_files(tmp_path: Path) -> None:
    run = v2_run(tmp_path)
    (run / "Fastq/S-001_S1_L001_R2_001.fastq.gz").write_bytes(b"")
    with gzip.open(run / "Fastq/S-002_S2_L001_R1_001.fastq.gz", "wb"):
        pass  # a valid gzip holding nothing
    assert mismatch(run) == [
        "Fastq/S-001_S1_L001_R2_001.fastq.gz is empty",
        "Fastq/S-002_S2_L001_R1_001.fastq.gz is empty",
    ]


def test_reads_of_a_sample_not_in_the_sheet(tmp_path: Path) -> None:
    run = v2_run(tmp_path)
    illumina(run / "Fastq", "S-999", 3)
    assert mismatch(run) == [
        "Fastq/S-999_S3_L001_R1_001.fastq.gz: sample 'S-999' is not in SampleSheet.csv",
        "Fastq/S-999_S3_L001_R2_001.fastq.gz: sample 'S-999' is not in SampleSheet.csv",
    ]


def test_several_problems_reported_together(tmp_path: Path) -> None:
    run = v2_run(tmp_path)
    (run / "Fastq/S-001_S1_L001_R1_001.fastq.gz").unlink()
    for p in (run / "Fastq").glob("S-002_*"):
        p.unlink()
    problems = mismatch(run)
    assert len(problems) == 2
    assert problems[0] == "sample 'S-002' of SampleSheet.csv has no reads"
    assert "forward (R1)" in problems[1]


def test_no_files_and_bad_sheets(tmp_path: Path) -> None:
    run = tmp_path / "empty"
    run.mkdir()
    assert mismatch(run, pattern="*.fastq.gz") == ["no files matching '*.fastq.gz'"]
    (run / "SampleSheet.csv").write_text("[Header]\nFileFormatVersion,2\n[BCLConvert_Settings]\nx,1\n")
    assert mismatch(run) == ["SampleSheet.csv has no [BCLConvert_Data] section with samples"]
    (run / "SampleSheet.csv").write_text("[Data]\nLane,Name\n1,x\n")
    assert mismatch(run) == ["SampleSheet.csv [Data] has no Sample_ID column (columns: Lane, Name)"]
