"""workflow import: a .ga or gxformat2 file (or URL) into Galaxy, reusing an identical copy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...records import Workflow
from ..parser import arg, command, out_arg

if TYPE_CHECKING:
    from ..magic import GalaxyMagics


@command(
    "workflow import",
    "import a workflow from a .ga or gxformat2 .yml file, or a URL (re-running reuses it)",
    example="%galaxy workflow import workflows/qc.ga\n  %galaxy workflow import https://example.org/qc.gxwf.yml",
)
@arg("source", help="a .ga or .gxwf.yml file, or an http(s) URL to one")
@arg("--name", help="import under this name instead of the file's own")
@arg("--new", action="store_true", help="always make a new copy, even if an identical one is there")
@out_arg()
def workflow_import(m: GalaxyMagics, args: Any, cell: str | None) -> Workflow | None:
    gi = m.require_gi()
    src = gi.workflows.read(args.source, name=args.name)
    found = None if args.new else gi.workflows.find_copy(src)
    if found is not None:
        wf = gi.workflows.show(found.id)
        why = "the same uuid" if src.own_uuid else "the same content"
        print(
            f"Reusing workflow {wf.name!r} ({wf.id}): already imported, with {why} as {args.source}. "
            "`--new` imports another copy."
        )
    else:
        wf = gi.workflows.import_(src)
        print(f"Imported workflow {wf.name!r} ({wf.id}); `%galaxy workflow {wf.id}` shows its inputs.")
    return m.deliver(wf, args.out)
