"""One module per Galaxy resource; each manager is reached from the client (``gi.histories``)."""
