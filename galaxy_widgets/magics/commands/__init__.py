"""The ``%galaxy`` subcommands, one module per group; importing this registers them in order."""

from . import api, connection, data, histories, log, tools, workflows  # noqa: F401
