"""The ``%galaxy`` subcommands, one module per group; importing this registers them in order."""

from . import api, connection, data, histories, log, tools, widgets, workflow_import, workflows  # noqa: F401
