"""Sample names and read pairing from file or dataset names, the way Galaxy's list builders do it.

``sample_name("S1_L001_R1_001.fastq.gz")`` gives ``("S1_L001", "1")``; :func:`pair` groups items into
``{"S1_L001": {"forward": a, "reverse": b}}`` (a ``list:paired``) or ``{"S1": a}`` (a ``list``), and
refuses (never guesses) a mate without a partner, two items with one sample name, or mixed layouts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from .errors import GalaxyError

T = TypeVar("T")

#: Extensions stripped from sample names (longest first), compressed forms included.
_EXTENSIONS = (
    "fastqsanger.gz", "fastqsanger.bz2", "fastqsanger", "fastq.gz", "fastq.bz2", "fq.gz", "fq.bz2",
    "fastq", "fq", "fasta.gz", "fasta", "fa.gz", "fa", "bam", "sam", "cram", "bed", "vcf.gz", "vcf",
    "tsv", "tabular", "csv", "txt", "json", "gz", "bz2", "zip",
)  # fmt: skip
_EXT_RE = re.compile(r"\.(" + "|".join(re.escape(e) for e in _EXTENSIONS) + r")$", re.IGNORECASE)
#: Read tags: ``_R1``/``_R2``, ``_1``/``_2``, ``.R1.``/``.R2.`` (or at the end), with or without ``_001``.
_MATE_RE = re.compile(r"(?P<sep>[._])(?P<r>R?)(?P<mate>[12])(?P<tail>_001)?$", re.IGNORECASE)


class PairingError(GalaxyError):
    """Items could not be grouped into samples without guessing; the message names them."""


def strip_extension(name: str) -> str:
    """``sample_01.tsv`` -> ``sample_01``; ``reads.fastq.gz`` -> ``reads`` (one known extension)."""
    stripped = _EXT_RE.sub("", name)
    return stripped or name


def sample_name(name: str, *, keep_names: bool = False) -> tuple[str, str | None]:
    """A file or dataset name as ``(sample, mate)``: mate is ``"1"``, ``"2"`` or None (single-end).

    With ``keep_names`` the name is kept whole (only the mate is read).
    """
    base = strip_extension(name.rsplit("/", 1)[-1])
    m = _MATE_RE.search(base)
    if not m:
        return (name if keep_names else base), None
    sample = base[: m.start()]
    if not sample:
        return (name if keep_names else base), None
    return (name if keep_names else sample), m.group("mate")


def _tag(name: str) -> str:
    """The read-tag style of a name (``_R1``, ``_1``, ``.R1.``), used to refuse mixed styles."""
    m = _MATE_RE.search(strip_extension(name.rsplit("/", 1)[-1]))
    if not m:
        return ""
    return f"{m.group('sep')}{m.group('r').upper()}n{m.group('tail') or ''}"


def pair(
    items: Iterable[T],
    *,
    name: Callable[[T], str] | None = None,
    paired: bool | None = None,
    keep_names: bool = False,
) -> dict[str, Any]:
    """Group items into samples by their names' read tags.

    Returns ``{sample: {"forward": a, "reverse": b}}`` when the items are paired-end (a
    ``list:paired``), or ``{sample: item}`` when single-end (a ``list``), in name order.
    ``paired=None`` decides from the names: every item tagged means paired, none tagged means
    single-end, a mix is an error. ``paired=False`` keeps every item as its own element.
    ``name`` reads an item's name (default: ``item.name``, or the item itself for strings/paths).
    """
    get = name or _default_name
    listed = list(items)
    if not listed:
        raise PairingError("Nothing to group: no files or datasets were given.")
    names = [get(i) for i in listed]
    mates = [sample_name(n)[1] for n in names]
    if paired is None:
        tagged = [n for n, m in zip(names, mates, strict=True) if m]
        untagged = [n for n, m in zip(names, mates, strict=True) if not m]
        if tagged and untagged:
            raise PairingError(
                f"Some names carry a read tag (e.g. {tagged[0]!r}) and some do not (e.g. {untagged[0]!r}); "
                "rename them, or say paired=False to keep every file as its own element."
            )
        paired = bool(tagged)
    if not paired:
        return _singles(listed, names, keep_names)
    styles = {_tag(n) for n in names}
    if len(styles) > 1:
        examples: dict[str, str] = {}
        for n in names:
            examples.setdefault(_tag(n), n)
        raise PairingError(
            "The read tags are mixed (" + ", ".join(f"{n!r}" for n in examples.values()) + "); a run uses "
            "one style. Rename the files or pair them yourself with a dict."
        )
    groups: dict[str, dict[str, tuple[str, T]]] = {}
    for item, n in zip(listed, names, strict=True):
        sample, mate = sample_name(n)
        assert mate is not None
        slot = "forward" if mate == "1" else "reverse"
        group = groups.setdefault(sample, {})
        if slot in group:
            raise PairingError(
                f"{group[slot][0]!r} and {n!r} are both the {slot} read of sample {sample!r}; "
                "remove one or rename it."
            )
        group[slot] = (n, item)
    out: dict[str, Any] = {}
    for sample in sorted(groups):
        group = groups[sample]
        if set(group) != {"forward", "reverse"}:
            have = next(iter(group.values()))[0]
            missing = "reverse (R2)" if "forward" in group else "forward (R1)"
            raise PairingError(
                f"{have!r} has no mate: the {missing} read of sample {sample!r} is missing. Add it, or leave "
                f"{have!r} out."
            )
        key = group["forward"][0] if keep_names else sample
        out[key] = {"forward": group["forward"][1], "reverse": group["reverse"][1]}
    return out


def _singles(listed: Sequence[T], names: Sequence[str], keep_names: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for item, n in sorted(zip(listed, names, strict=True), key=lambda p: p[1]):
        key = n if keep_names else strip_extension(n.rsplit("/", 1)[-1])
        if key in seen:
            raise PairingError(
                f"{seen[key]!r} and {n!r} give the same sample name {key!r}; rename one, or keep the "
                "full names (keep_names=True)."
            )
        seen[key] = n
        out[key] = item
    return out


def collection_type(grouped: dict[str, Any]) -> str:
    """``paired`` for one pair, ``list:paired`` for paired samples, ``list:list`` for nested lists, else
    ``list``."""
    first = next(iter(grouped.values()), None)
    if set(grouped) == {"forward", "reverse"} and not isinstance(first, dict):
        return "paired"
    if isinstance(first, dict):
        return "list:paired" if set(first) == {"forward", "reverse"} else "list:list"
    return "list"


def _default_name(item: Any) -> str:
    if isinstance(item, str):
        return item
    if hasattr(item, "__fspath__"):
        return str(item).rsplit("/", 1)[-1]
    got = getattr(item, "name", None)
    if not isinstance(got, str) or not got:
        raise PairingError(f"Cannot read a name from {type(item).__name__}; give name=... to pair().")
    return got
