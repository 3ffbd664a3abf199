"""5. Connection reuse: many small sequential GETs through one Session vs a new connection each.

The rounds are interleaved (gw, BioBlend, plain requests, gw, ...) so that load from other work
on the server hits all three alike; the number of TCP connections opened is counted exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import requests
from common import Ctx, Row, count_connections, median, say, timed

N_CALLS = 50


def run(ctx: Ctx) -> list[Row]:
    url = f"{ctx.url}/api/version"
    rounds = 5 if ctx.quick else 9

    def gw_calls() -> None:
        gi = ctx.gw()  # a new client each round: its one pooled connection is counted
        for _ in range(N_CALLS):
            gi.get("version")

    def bb_calls() -> None:
        bb = ctx.bioblend()
        for _ in range(N_CALLS):
            bb.config.get_version()

    def fresh_calls() -> None:
        for _ in range(N_CALLS):
            requests.get(url, timeout=30).raise_for_status()

    clients: dict[str, Callable[[], None]] = {"gw": gw_calls, "bioblend": bb_calls, "fresh": fresh_calls}
    times: dict[str, list[float]] = {k: [] for k in clients}
    conns: dict[str, int] = {}
    say(f"  {N_CALLS} x GET /api/version, {rounds} interleaved rounds")
    gw_calls()  # warm up the server's route
    for _ in range(rounds):
        for name, fn in clients.items():
            with count_connections() as counter:
                seconds, _ = timed(fn)
            times[name].append(seconds)
            conns[name] = counter.count
    note = f"{N_CALLS} sequential GET /api/version"
    gw_t = median(times["gw"])
    rows = []
    for key, label in (("bioblend", "bioblend config.get_version"), ("fresh", "requests.get each time")):
        rows.append(Row("5 connections", "s", gw_t, label, median(times[key]), note=note))
        rows.append(Row("5 connections", "TCP conns", conns["gw"], label, conns[key], note=note))
    return rows
