"""tools, tool: find tools and run one on history items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ...api.tools import DATA_TYPES, check_inputs, input_type, input_types
from ...errors import JobFailedError, WaitTimeoutError
from ...records import Collection, Dataset, Job
from ...results import Outputs
from ..display import Table
from ..parser import arg, command, out_arg, split_line

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


@command("tools", "a table of installed tools, optionally searched", example="%galaxy tools sort")
@arg("search", nargs="*", help="words to search tool names, ids and descriptions for")
@out_arg()
def tools(m: GalaxyMagics, args: Any, cell: str | None) -> Table | None:
    gi = m.require_gi()
    search = " ".join(args.search) or None
    found = gi.tools.list(search)
    table = Table(
        ["id", "name", "version", "description"],
        [[t.id, t.name, t.version, t.description] for t in found],
        items=found,
        title=f"Tools{f' matching {search!r}' if search else ''}",
        footer=f"{len(found)} tool(s); `%galaxy tool ID --help-inputs` shows one tool's inputs.",
    )
    return m.deliver(table, args.out)


@command(
    "tool",
    "run a tool on history items (NAME=ITEM or NAME=VALUE); the result is a dict of its outputs",
    example="%galaxy tool gw_head input1=#3 lines=2 -o top",
    cell="more NAME=VALUE assignments, one per line",
)
@arg("tool_id", help="tool id (see `%galaxy tools`)")
@arg("inputs", nargs="*", metavar="NAME=VALUE", help="tool inputs by name; data inputs take an ITEM")
@arg("--help-inputs", action="store_true", help="list the tool's inputs instead of running it")
@arg("--no-wait", action="store_true", help="return the run at once instead of waiting for its outputs")
@out_arg()
def tool(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    gi = m.require_gi()
    spec = gi.tools.show(args.tool_id)
    if args.help_inputs:
        return Table(
            ["name", "type", "label", "default", "formats"],
            [[i.name, i.type, i.label, i.default, list(i.formats)] for i in spec.inputs],
            title=f"{spec.name} ({spec.id} {spec.version}) inputs",
        )
    history_id = m.require_history()
    given = assignments([*args.inputs, *split_line(cell or "")], "tool input")
    check_inputs(spec, dict(given))  # unknown or missing inputs: said before any item is looked up
    types = input_types(spec)
    inputs = {
        name: m.resolve(value, "collection" if input_type(types, name) == "data_collection" else None)
        if input_type(types, name) in DATA_TYPES
        else value
        for name, value in given
    }
    run = gi.tools.run(spec.id, history_id, inputs)
    if args.no_wait:
        print(f"Started {spec.id}: {len(run.jobs)} job(s); `%galaxy get` on an output waits for it.")
        return m.deliver(run, args.out)
    wait_jobs(m, f"{spec.id}", [j.id for j in run.jobs], history_id)
    named = _named_outputs(gi, run)
    values = {name: m.load(item) for name, item in named.items()}
    rec = {
        "what": "tool",
        "server": gi.url,
        "history_id": history_id,
        "tool_id": spec.id,
        "job_id": ",".join(j.id for j in run.jobs),
        "outputs": {
            n: {"id": i.id, "hid": i.hid, "update_time": getattr(i, "update_time", "")}
            for n, i in named.items()
        },
    }
    m.record(rec)
    return m.deliver(Outputs(values, named, rec), args.out)


def assignments(words: list[str], what: str) -> list[tuple[str, str]]:
    """``["a=1", "b=#2"]`` -> ``[("a", "1"), ("b", "#2")]``; a word without ``=`` is a usage error."""
    out = []
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not name:
            raise UsageError(f"Give each {what} as NAME=VALUE; {word!r} has no '='.")
        out.append((name, value))  # quoted blanks are kept: labels may end in a space
    return out


def _named_outputs(gi: Any, run: Any) -> dict[str, Dataset | Collection]:
    """Output name -> the finished dataset (or the mapped-over collection)."""
    out: dict[str, Dataset | Collection] = {}
    if run.implicit_collections:
        for c in run.implicit_collections:
            out[c.raw.get("output_name") or c.name] = gi.collections.show(c.id)
        return out
    for c in run.output_collections:
        out[c.raw.get("output_name") or c.name] = gi.collections.show(c.id)
    for d in run.outputs:
        out[d.raw.get("output_name") or d.name] = gi.datasets.show(d.id)
    return out


def wait_jobs(m: GalaxyMagics, title: str, job_ids: list[str], history_id: str | None = None) -> list[Job]:
    """Wait for jobs with a progress line (the API's wait engine); a failure shows its stderr."""
    gi = m.require_gi()
    bar = m.progress_display(title)
    try:
        jobs = gi.jobs.wait_many(
            job_ids,
            history_id=history_id,
            timeout=m.wait_seconds,
            interval=m.poll_interval,
            progress=lambda snap: bar.update(snap.summary()),
        )
    except JobFailedError as exc:
        raise UsageError(f"{title}: {exc}") from None
    except WaitTimeoutError as exc:
        raise UsageError(f"{title}: {exc} (or raise `%config GalaxyMagics.wait_timeout`).") from None
    bar.update(f"done: {len(jobs)} job(s) ok", force=True)
    return jobs
