"""cancel, rerun: stop a running invocation; run one again with the same inputs, some replaced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ...api.invocations import NothingToCancelError
from ...records import Invocation, Workflow
from ..parser import arg, command, out_arg
from . import batch
from .tools import assignments
from .workflows import _input_value, _is_id, _label_input, _workflow_name, wait_outputs

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


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
            f"{spec!r} is not an invocation: give an invocation id, or a variable from "
            "`%galaxy run ... -o VAR` (or `--no-wait -o VAR`)."
        )
    return inv_id


@command("cancel", "stop a running workflow invocation (id or variable)", example="%galaxy cancel inv")
@arg("invocation", help="invocation id, or a variable holding a run result, invocation or monitor")
def cancel(m: GalaxyMagics, args: Any, cell: str | None) -> None:
    gi = m.require_gi()
    inv_id = invocation_id_of(m, args.invocation)
    try:
        inv = gi.invocations.cancel(inv_id)
    except NothingToCancelError as exc:
        print(str(exc).replace(f"gi.invocations.rerun({inv_id!r}) or ", ""))
        return None
    print(
        f"Cancelling invocation {inv.id} (state {inv.state}): Galaxy stops scheduling it and deletes "
        f"its unfinished jobs. `%galaxy rerun {inv.id}` runs it again."
    )
    return None


@command(
    "rerun",
    "run an invocation again with the same inputs (LABEL=VALUE replaces one); the result is its outputs",
    example="%galaxy rerun inv reads=#7 --cached -o result",
)
@arg("invocation", help="invocation id, or a variable holding a run result, invocation or monitor")
@arg("inputs", nargs="*", metavar="LABEL=VALUE", help="inputs to replace: data inputs take an ITEM")
@arg("--cached", action="store_true", help="let Galaxy reuse the results of identical jobs (use_cached_job)")
@arg("--history", metavar="HISTORY", help="run into this history (name or id) instead of the original one")
@arg("--new-history", metavar="NAME", help="run into a new history with this name")
@arg("--no-wait", action="store_true", help="return the new invocation at once")
@out_arg()
def rerun(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    gi = m.require_gi()
    if args.history and args.new_history:
        raise UsageError("Give --history or --new-history, not both.")
    stray = [w for w in args.inputs if "=" not in w]
    if stray:
        raise UsageError(
            f"Give each input to replace as LABEL=VALUE; {stray[0]!r} has no '='. "
            "Without any, the run repeats with the same inputs."
        )
    inv = gi.invocations.show(invocation_id_of(m, args.invocation))
    wf = Workflow.from_api(gi.get(f"workflows/{inv.workflow_id}", params={"instance": True}, what="Workflow"))
    replace = {}
    for label, value in assignments(args.inputs, "workflow input"):
        inp = _label_input(wf, label)
        replace[inp.label] = _input_value(m, inp, value)
    history = gi.histories.get(args.history).id if args.history else None
    new = gi.invocations.rerun(
        inv.id, replace, use_cached_job=args.cached, history=history, new_history_name=args.new_history
    )
    changed = f" with {', '.join(replace)} replaced" if replace else " with the same inputs"
    print(f"Rerun of invocation {inv.id}{changed}: invocation {new.id}.")
    if args.no_wait:
        return m.deliver(new, args.out)
    return m.deliver(wait_outputs(m, new.id, _workflow_name(gi, new)), args.out)
