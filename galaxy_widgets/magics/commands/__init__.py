"""The ``%galaxy`` subcommands, one module per group; importing this registers them in order."""

from . import (  # noqa: F401
    api,
    connection,
    data,
    histories,
    invocations,
    log,
    tools,
    widgets,
    workflow_import,
    workflows,
)
