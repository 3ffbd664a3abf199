"""cancel, rerun: stop a running invocation; run one again with the same inputs, some replaced."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ...api.invocations import NothingToCancelError
from ...records import Workflow
from ..parser import arg, command, out_arg
from .tools import assignments
from .workflows import (
    _input_value,
    _label_input,
    _workflow_name,
    history_args,
    invocation_id_of,
    target_history,
    wait_outputs,
)

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


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
@history_args("the original one")
@arg("--no-wait", action="store_true", help="return the new invocation at once")
@out_arg()
def rerun(m: GalaxyMagics, args: Any, cell: str | None) -> Any:
    gi = m.require_gi()
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
    history = target_history(m, args, current=False)
    new = gi.invocations.rerun(
        inv.id, replace, use_cached_job=args.cached, history=history, new_history_name=args.new_history
    )
    changed = f" with {', '.join(replace)} replaced" if replace else " with the same inputs"
    print(f"Rerun of invocation {inv.id}{changed}: invocation {new.id}.")
    if args.no_wait:
        return m.deliver(new, args.out)
    return m.deliver(wait_outputs(m, new.id, _workflow_name(gi, new)), args.out)
