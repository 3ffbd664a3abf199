"""workflows, workflow, run, wait: workflows by input label, with progress and outputs as values."""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ...api.workflows import BadParameterError, collection_fits, parameter_value
from ...errors import InvocationFailedError, WaitInterrupted
from ...records import Collection, Dataset, InputLabelError, Invocation, Workflow, WorkflowInput
from ...results import Outputs
from ..display import Table
from ..parser import Handler, arg, command, out_arg, split_line
from . import batch
from .tools import assignments

if TYPE_CHECKING:
    from ...api.invocations import InvocationProgress
    from ..magic import GalaxyMagics


@command("workflows", "a table of your workflows, optionally searched", example="%galaxy workflows rnaseq")
@arg("search", nargs="*", help="words in the workflow name")
@out_arg()
def workflows(m: GalaxyMagics, args: Any, cell: str | None) -> Table | None:
    gi = m.require_gi()
    search = " ".join(args.search) or None
    found = gi.workflows.list(search)
    table = Table(
        ["id", "name", "steps", "updated", "tags"],
        [[w.id, w.name, w.step_count, w.update_time[:19], list(w.tags)] for w in found],
        items=found,
        title=f"Workflows{f' matching {search!r}' if search else ''}",
        footer=f"{len(found)} workflow(s); `%galaxy workflow NAME` shows one's inputs.",
    )
    return m.deliver(table, args.out)


@command(
    "workflow", "a workflow's inputs by label (what `run` takes)", example='%galaxy workflow "my workflow"'
)
@arg("workflow", nargs="+", help="workflow name or id")
@out_arg()
def workflow(m: GalaxyMagics, args: Any, cell: str | None) -> Table | None:
    wf = m.require_gi().workflows.get(" ".join(args.workflow))
    inputs = sorted(wf.inputs, key=lambda i: not i.required)
    table = Table(
        ["label", "kind", "accepts", "required", "default", "help"],
        [[i.label, _kind(i), _accepts(i), i.required, i.default, i.help] for i in inputs],
        items=inputs,
        title=f"Workflow {wf.name!r} ({wf.id}, {wf.step_count} steps)",
        footer=run_hint(wf),
    )
    return m.deliver(table, args.out)


def run_hint(wf: Workflow) -> str:
    """A `%galaxy run` line that parses: required inputs to fill in, then the optional ones to add;
    or, when tools are missing, which ones (nothing can run until they are installed)."""
    if wf.missing_tools:
        return (
            f"Cannot run here: {len(wf.missing_tools)} tool(s) are not installed on this server:\n  "
            + "\n  ".join(map(str, wf.missing_tools))
            + "\nAsk the server's admin to install them from the Tool Shed."
        )
    required = [f"{_quote(i.label)}=..." for i in wf.inputs if i.required]
    lines = [f"Run it: %galaxy run {_quote(wf.name)} {' '.join(required)}".rstrip()]
    optional = [
        f"{_quote(i.label)}={'...' if i.default is None else _quote(_text(i.default))}"
        for i in wf.inputs
        if not i.required
    ]
    if optional:
        lines.append(f"Optional (add to the line): {' '.join(optional)}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- target history
def history_args(instead_of: str) -> Callable[[Handler], Handler]:
    """The ``--history`` / ``--new-history`` options of `run` and `rerun` (read by
    :func:`target_history`); ``instead_of`` says where the run goes without them."""

    def deco(func: Handler) -> Handler:
        func = arg("--new-history", metavar="NAME", help="run into a new history with this name")(func)
        return arg(
            "--history",
            metavar="HISTORY",
            help=f"run into this history (name or id) instead of {instead_of}",
        )(func)

    return deco


def target_history(m: GalaxyMagics, args: Any, *, current: bool) -> str | None:
    """The id of the history ``--history`` names; without it, the current history when ``current``
    and no ``--new-history`` is given, else None (the caller's default, or the new history)."""
    if args.history and args.new_history:
        raise UsageError("Give --history or --new-history, not both.")
    if args.history:
        return m.require_gi().histories.get(args.history).id
    if current and not args.new_history:
        return m.require_history()
    return None


@command(
    "run",
    "run a workflow (LABEL=ITEM or LABEL=VALUE), wait with progress; the result is its outputs",
    example='%galaxy run "my workflow" reads=#3 min_len=50 --param trim.quality=20 -o result',
    cell="more LABEL=VALUE assignments, one per line",
)
@arg("workflow", help="workflow name or id (quote names with spaces)")
@arg("inputs", nargs="*", metavar="LABEL=VALUE", help="inputs by label: data inputs take an ITEM")
@arg("--param", action="append", default=[], metavar="STEP.NAME=VALUE", help="set a tool parameter of a step")
@history_args("the current one")
@arg(
    "--over",
    metavar="[LABEL=]ITEM_OR_FILTER",
    help="run over many samples (a collection, a filter such as 'extension:fastqsanger.gz', or a list "
    "variable): ONE invocation mapped over them, R1/R2 paired into a list:paired",
)
@arg("--per-item", action="store_true", help="with --over: one history and invocation per sample")
@arg("--keep-names", action="store_true", help="with --over: keep full file names as sample names")
@arg("--no-wait", action="store_true", help="return the invocation (or batch) at once")
@out_arg()
def run(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    gi = m.require_gi()
    words = [*args.inputs, *split_line(cell or "")]
    stray = [w for w in words if "=" not in w]
    if stray:
        raise UsageError(
            f"Give each workflow input as LABEL=VALUE; {stray[0]!r} has no '='. Quote names and "
            f'labels that hold spaces: %galaxy run "workflow name" "label with spaces"=VALUE '
            "(`%galaxy workflow NAME` prints a line to start from)."
        )
    given = assignments(words, "workflow input")
    wf = gi.workflows.get(args.workflow)
    chosen = [(_label_input(wf, label), value) for label, value in given]  # exact, else normalised
    params = _step_params(args.param)
    target = target_history(m, args, current=True)
    inputs = {inp.label: _input_value(m, inp, value) for inp, value in chosen}
    if args.over:
        label, spec = _over_target(wf, inputs, args.over)
        return batch.run_over(m, wf, label, spec, inputs, params, target, args)
    if args.per_item or args.keep_names:
        raise UsageError("--per-item and --keep-names go with --over (a run over many samples).")
    inv = gi.workflows.invoke(
        wf, inputs, params=params or None, history=target, new_history_name=args.new_history
    )
    if args.no_wait:
        print(f"Invoked {wf.name!r}: invocation {inv.id}; `%galaxy wait {inv.id}` waits for its outputs.")
        return m.deliver(inv, args.out)
    return m.deliver(wait_outputs(m, inv.id, wf.name), args.out)


@command(
    "wait",
    "wait for an invocation or a batch (id or variable) with progress; the result is its outputs",
    example="result = %galaxy wait inv",
)
@arg("invocation", help="invocation id, batch id, or a variable holding an invocation, batch or batch table")
@out_arg()
def wait(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    gi = m.require_gi()
    try:
        value = m.user_value(args.invocation)
    except KeyError:
        value = args.invocation
    found = batch.batch_of(m, value)
    if found is not None:
        return m.deliver(batch.wait_batch(m, found), args.out)
    inv = gi.invocations.show(invocation_id_of(m, args.invocation))
    return m.deliver(wait_outputs(m, inv.id, _workflow_name(gi, inv)), args.out)


def invocation_id_of(m: GalaxyMagics, spec: str) -> str:
    """The invocation ``spec`` names, as `%galaxy wait` reads it: an invocation id, or a variable
    holding an Invocation, a run's result (its provenance), a monitor, or a mapped batch."""
    try:
        value: Any = m.user_value(spec)
    except KeyError:
        value = spec
    found = batch.batch_of(m, value)
    if found is not None:
        if not found.invocation_id:
            raise UsageError(
                f"{spec!r} is a batch of {len(found.invocations)} invocations, one per sample: "
                "give one invocation id (its table's invocation_id column)."
            )
        return found.invocation_id
    provenance = getattr(value, "provenance", None)
    if isinstance(value, Invocation):
        inv_id: Any = value.id
    elif isinstance(provenance, Mapping) and provenance.get("invocation_id"):
        inv_id = provenance["invocation_id"]  # a `%galaxy run` result
    elif isinstance(getattr(value, "invocation_id", None), str):
        inv_id = value.invocation_id  # an InvocationMonitor
    else:
        inv_id = value.strip() if isinstance(value, str) else None
    if not inv_id or not _is_id(inv_id):
        raise UsageError(
            f"{spec!r} is not an invocation: give an invocation id, a `batch-...` id (to wait), or a "
            "variable from `%galaxy run ... -o VAR` (or `--no-wait -o VAR`)."
        )
    return inv_id


# ---------------------------------------------------------------------------- single runs
def wait_outputs(m: GalaxyMagics, invocation_id: str, title: str) -> Outputs:
    """Wait for one invocation with a progress display, then load its outputs like `get`.

    The result maps output labels to values and keeps each output's record (``.records``) and the
    run's provenance, so ``%galaxy get res["label"]`` finds the dataset again.
    """
    gi = m.require_gi()
    bar = m.progress_display(f"{title} (invocation {invocation_id})")
    try:
        inv = gi.invocations.wait(
            invocation_id,
            timeout=m.wait_seconds,
            interval=m.poll_interval,
            progress=lambda snap: bar.update(snap.summary(), _steps_html(snap)),
        )
    except InvocationFailedError as exc:
        raise UsageError(
            f"{exc}\nFix the inputs and run again; `%galaxy show` on an output shows more."
        ) from None
    except WaitInterrupted as exc:
        raise UsageError(str(exc).replace(f"gi.invocations.wait({invocation_id!r}) or ", "")) from None
    bar.update(f"done ({inv.state})", force=True)
    items = gi.invocations.outputs(invocation_id)
    values = {label: m.load(v) if isinstance(v, Dataset | Collection) else v for label, v in items.items()}
    records = {label: v for label, v in items.items() if isinstance(v, Dataset | Collection)}
    rec = {
        "what": "run",
        "server": gi.url,
        "history_id": inv.history_id,
        "workflow": title,
        "workflow_id": inv.workflow_id,
        "invocation_id": inv.id,
        "outputs": {label: _ref(v) for label, v in records.items()},
    }
    m.record(rec)
    return Outputs(values, records, rec)


def _steps_html(snap: InvocationProgress) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(s.label or str(s.order_index))}</td><td>"
        f"{html.escape(', '.join(f'{n} {k}' for k, n in sorted(s.states.items())) or '-')}</td></tr>"
        for s in snap.steps
    )
    return (
        f"<div>{html.escape(snap.summary())}</div><table><thead><tr><th>step</th><th>jobs</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


# ---------------------------------------------------------------------------- batches
def _over_target(wf: Workflow, inputs: dict[str, Any], over: str) -> tuple[str, str]:
    """Which input ``--over`` feeds, and the ITEM or filter for it."""
    label, sep, spec = over.partition("=")
    if sep and label in {i.label for i in wf.inputs}:
        return label, spec
    free = [i.label for i in wf.inputs if i.type != "parameter_input" and i.label not in inputs]
    if len(free) != 1:
        raise UsageError(
            f"Say which input --over feeds: --over LABEL={over} (data inputs: "
            f"{', '.join(i.label for i in wf.inputs if i.type != 'parameter_input')})."
        )
    return free[0], over


# ---------------------------------------------------------------------------- helpers
def _label_input(wf: Workflow, label: str) -> WorkflowInput:
    """The input ``label`` names: exactly, else with whitespace normalised (Workflow.input)."""
    try:
        return wf.input(label)
    except InputLabelError as exc:
        if sum(" ".join(i.label.split()) == " ".join(label.split()) for i in wf.inputs) > 1:  # ambiguous
            raise UsageError(f"{exc} `%galaxy workflow {_quote(wf.name)}` shows them.") from None
        close = difflib.get_close_matches(label, [i.label for i in wf.inputs], n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UsageError(
            f"Workflow {wf.name!r} has no input labelled {label!r}.{hint} Its inputs: "
            + ", ".join(f"{i.label} ({_kind(i)})" for i in wf.inputs)
            + f'. Quote labels with spaces ("a label"=VALUE); `%galaxy workflow {_quote(wf.name)}` '
            "prints a line to start from."
        ) from None


def _input_value(m: GalaxyMagics, inp: WorkflowInput, value: str) -> Any:
    if inp.type != "parameter_input":
        item = m.resolve(value, "collection" if inp.type == "data_collection_input" else None)
        if inp.type == "data_collection_input" and not isinstance(item, Collection):
            raise UsageError(
                f"Input {inp.label!r} takes a collection ({inp.collection_type or 'any'}); "
                f"{value!r} is a dataset."
            )
        if isinstance(item, Collection) and not collection_fits(inp.collection_type, item.collection_type):
            raise UsageError(
                f"Input {inp.label!r} takes a {inp.collection_type} collection; {value!r} is a "
                f"{item.collection_type or 'collection'}."
            )
        return item
    try:
        return parameter_value(inp, value)
    except BadParameterError as exc:
        choices = inp.options or inp.suggestions
        hint = f" Choices: {', '.join(map(_quote, map(_text, choices)))}." if choices else ""
        raise UsageError(f"{exc}{hint}") from None


def coerce(value: str, kind: str = "") -> Any:
    """Text from the magic line as the parameter type wants it (guessing when unknown)."""
    if kind:
        return parameter_value(WorkflowInput(-1, "value", "parameter_input", parameter_type=kind), value)
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def _step_params(specs: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        step, dot, name = key.rpartition(".")
        if not sep or not dot or not step or not name:
            raise UsageError(f"--param takes STEP.NAME=VALUE (e.g. --param sort.reverse=true), not {spec!r}.")
        out.setdefault(step, {})[name] = coerce(value)
    return out


def _workflow_name(gi: Any, inv: Invocation) -> str:
    try:
        wf = gi.get(f"workflows/{inv.workflow_id}", params={"instance": True}, what="Workflow")
        return wf.get("name") or inv.workflow_id
    except Exception:
        return f"invocation {inv.id}"


def _ref(item: Dataset | Collection) -> dict[str, Any]:
    return {
        "id": item.id,
        "hid": item.hid,
        "type": "collection" if isinstance(item, Collection) else "dataset",
        **({"update_time": item.update_time} if isinstance(item, Dataset) else {}),
    }


def _is_id(text: str) -> bool:
    from ...api.histories import is_encoded_id

    return is_encoded_id(text)


def _kind(i: WorkflowInput) -> str:
    if i.type == "data_input":
        return "dataset"
    if i.type == "data_collection_input":
        return f"collection ({i.collection_type})" if i.collection_type else "collection"
    return i.parameter_type or "parameter"


def _accepts(i: WorkflowInput) -> str:
    """What an input takes: formats, choices, suggestions (any text allowed) and validators."""
    if i.type != "parameter_input":
        return ", ".join(i.formats)
    parts = []
    if i.options:
        parts.append("one of " + ", ".join(map(_text, i.options)))
    elif i.restrict_on_connections:
        parts.append("a choice of the connected tool (not known: its tool is missing)")
    if i.suggestions:
        parts.append("e.g. " + ", ".join(map(_text, i.suggestions)) + " (or any text)")
    for v in i.validators:
        if v.get("type") == "in_range":
            lo, hi = v.get("min"), v.get("max")
            span = f"{'-inf' if lo is None else lo} to {'inf' if hi is None else hi}"
            parts.append(v.get("message") or f"{'not ' if v.get('negate') else ''}{span}")
        elif v.get("type") == "regex":
            parts.append(v.get("message") or f"matching {v.get('expression')}")
        elif v.get("message"):
            parts.append(v["message"])
    return "; ".join(parts)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _quote(name: str) -> str:
    """``name`` as one word of a `%galaxy` line: double-quoted when it holds blanks, quotes or
    nothing (inside, ``\\`` and ``"`` are escaped), so split_line gives it back unchanged."""
    if name and not any(c.isspace() or c in "\"'\\#" for c in name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
