"""The switch alone in its own process, for benchmarks: no web, no database.

Builds an `Engine` on uvloop from a `StaticDirectory` (extensions, one trunk and its
inbound routes given on the command line), listens on UDP only, and runs until SIGTERM or
SIGINT. Events go to a `CountingSink`, which keeps no event, only how many of each type
(and the causes of the ended calls), so that a benchmark measures the switch and not a
consumer of its events. Once a second, and once more on stopping, the runner writes a
JSON status file: calls in progress, RTP ports in use, event counts, and the time spent in
the garbage collector (from `gc.callbacks`); a benchmark reads it to see that the switch
is up, that every call it set up was also torn down, and where its CPU went.

Optional, for the queue benchmark (bench/queue_throughput.py): ``--extensions LOW-HIGH``
adds a range of extensions (each one's password is its number), ``--agents
LOW-HIGH@LOW-HIGH`` agents logged in and ready from the start, one per extension of the
second range, and ``--queue NAME:STRATEGY:LOW-HIGH[:FIELD=VALUE,...]`` a queue whose
tiers are that range of agents (the FIELDs are `QueueEntry`'s numbers and switches, e.g.
``wrap_up=0,service_level=2``); a route ``DID:queue:NAME`` leads to it. With a queue the
status file also holds how callers left the queues (``queue_left``: by outcome), the
answered callers' waits (``waits_ms``: count by whole milliseconds), the agents' misses
by reason, the agents by state, and the garbage collector's runs of 50 ms or more
(``gc_long_runs``: time, seconds, generation).

Run: ``python -m bench.switch_runner --sip-port 5070 --status status.json
--extension 70008:70008 --trunk bench:127.0.0.1:5071 --route 9000:70008``; with a queue:
``... --extensions 71001-71200 --agents 80001-80200@71001-71200
--queue sales:longest-idle:80001-80200:wrap_up=0 --route 9100:queue:sales``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import signal
import time
from collections import Counter
from dataclasses import fields
from pathlib import Path

import uvloop

from callcenter.engine.events import AgentMissed, CallEnded, Event, QueueLeft, QueueOutcome
from callcenter.engine.ports import (
    AgentEntry,
    ExtensionEntry,
    InboundRoute,
    QueueEntry,
    StaticDirectory,
    TierEntry,
    TrunkEntry,
)
from callcenter.engine.runtime import tune_garbage_collector
from callcenter.engine.switch import Engine, EngineConfig


class CountingSink:
    """An `EventSink` that discards every event and counts them by type."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.ended: Counter[str] = Counter()  # CallEnded by "cause/status"
        self.queue_left: Counter[str] = Counter()  # QueueLeft by outcome
        self.waits_ms: Counter[int] = Counter()  # answered callers' waits, whole ms
        self.missed: Counter[str] = Counter()  # AgentMissed by reason

    def emit(self, event: Event) -> None:
        self.counts[event.type] += 1
        if isinstance(event, CallEnded):
            self.ended[f"{event.cause.value}/{event.sip_status}"] += 1
        elif isinstance(event, QueueLeft):
            self.queue_left[event.outcome.value] += 1
            if event.outcome is QueueOutcome.ANSWERED:
                self.waits_ms[int(event.wait * 1000)] += 1
        elif isinstance(event, AgentMissed):
            self.missed[event.reason.value] += 1


class GcClock:
    """Adds up the time of the garbage collector's runs, and counts them by generation."""

    LONG = 0.05  # seconds: runs at least this long are kept with their time

    def __init__(self) -> None:
        self.seconds = 0.0
        self.runs = [0, 0, 0]
        self.long_runs: list[tuple[float, float, int]] = []  # (time, seconds, generation)
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            took = time.perf_counter() - self._began
            self.seconds += took
            self.runs[info["generation"]] += 1
            if took >= self.LONG and len(self.long_runs) < 1000:
                self.long_runs.append((time.time(), took, info["generation"]))


def _pair(text: str) -> tuple[str, str]:
    first, sep, second = text.partition(":")
    if not sep or not first or not second:
        raise argparse.ArgumentTypeError(f"expected A:B, not {text!r}")
    return first, second


def _trunk(text: str) -> TrunkEntry:
    name, _, address = text.partition(":")
    host, _, port = address.rpartition(":")
    if not name or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME:HOST:PORT, not {text!r}")
    return TrunkEntry(name=name, host=host, port=int(port))


def _range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    if not low.isdigit() or not high.isdigit() or int(low) >= int(high):
        raise argparse.ArgumentTypeError(f"expected LOW-HIGH, not {text!r}")
    return int(low), int(high)


def _numbers(low: int, high: int) -> list[str]:
    return [str(number) for number in range(low, high + 1)]


def _agents(text: str) -> list[tuple[str, str]]:
    """``LOW-HIGH@LOW-HIGH``: agent IDs and the extensions they log in on, in order."""
    agents, sep, extensions = text.partition("@")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected AGENTS@EXTENSIONS, not {text!r}")
    ids, numbers = _numbers(*_range(agents)), _numbers(*_range(extensions))
    if len(ids) != len(numbers):
        raise argparse.ArgumentTypeError(f"{text!r}: as many agents as extensions, please")
    return list(zip(ids, numbers, strict=True))


# The QueueEntry fields --queue may set, with how their value is read.
_QUEUE_FIELDS = {
    field.name: field.type for field in fields(QueueEntry) if field.type in ("float", "int", "bool")
}


def _queue(text: str) -> QueueEntry:
    """``NAME:STRATEGY:LOW-HIGH[:FIELD=VALUE,...]``: a queue served by a range of agents."""
    parts = text.split(":")
    if len(parts) not in (3, 4) or not parts[0] or not parts[1]:
        raise argparse.ArgumentTypeError(
            f"expected NAME:STRATEGY:LOW-HIGH[:FIELD=VALUE,...], not {text!r}"
        )
    name, strategy, agents = parts[:3]
    settings: dict[str, float | int | bool] = {}
    for setting in parts[3].split(",") if len(parts) == 4 else []:
        key, _, value = setting.partition("=")
        kind = _QUEUE_FIELDS.get(key)
        try:
            if kind == "bool" and value in ("0", "1", "true", "false"):
                settings[key] = value in ("1", "true")
            elif kind == "int":
                settings[key] = int(value)
            elif kind == "float":
                settings[key] = float(value)
            else:
                raise ValueError(value)
        except ValueError:
            known = ", ".join(sorted(_QUEUE_FIELDS))
            raise argparse.ArgumentTypeError(
                f"{setting!r} in {text!r}: expected FIELD=VALUE with a FIELD of {known}"
            ) from None
    tiers = tuple(TierEntry(agent) for agent in _numbers(*_range(agents)))
    return QueueEntry(name, strategy=strategy, tiers=tiers, **settings)  # type: ignore[arg-type]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.switch_runner", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sip-host", default="127.0.0.1")
    parser.add_argument("--sip-port", type=int, required=True)
    parser.add_argument("--rtp", type=_range, default=(40000, 59999), help="LOW-HIGH")
    parser.add_argument(
        "--extension", type=_pair, action="append", default=[], help="NUMBER:PASSWORD"
    )
    parser.add_argument("--trunk", type=_trunk, action="append", default=[], help="NAME:HOST:PORT")
    parser.add_argument("--route", type=_pair, action="append", default=[], help="DID:DESTINATION")
    parser.add_argument("--status", type=Path, required=True, help="JSON status file")
    parser.add_argument(
        "--extensions",
        type=_range,
        action="append",
        default=[],
        help="LOW-HIGH: extensions whose password is their number",
    )
    parser.add_argument(
        "--agents",
        type=_agents,
        action="append",
        default=[],
        help="LOW-HIGH@LOW-HIGH: agents logged in (ready) on those extensions, one each",
    )
    parser.add_argument(
        "--queue",
        type=_queue,
        action="append",
        default=[],
        help="NAME:STRATEGY:LOW-HIGH[:FIELD=VALUE,...]: a queue and its agents",
    )
    return parser.parse_args(argv)


def write_status(
    path: Path, engine: Engine, sink: CountingSink, clock: GcClock, *, running: bool
) -> None:
    status = {
        "pid": os.getpid(),
        "running": running,
        "calls": len(engine.calls.calls),
        "rtp_ports_in_use": engine.media.pool.in_use,
        "events": dict(sink.counts),
        "ended": dict(sink.ended),
        "gc_seconds": clock.seconds,
        "gc_runs": clock.runs,
    }
    if engine.center.acd.queues:
        status["queue_left"] = dict(sink.queue_left)
        status["waits_ms"] = dict(sink.waits_ms)
        status["missed"] = dict(sink.missed)
        status["agents"] = dict(
            Counter(agent.state.value for agent in engine.center.acd.agents.values())
        )
        status["gc_long_runs"] = clock.long_runs
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(status))
    partial.replace(path)


async def serve(args: argparse.Namespace) -> None:
    sink, clock = CountingSink(), GcClock()
    extensions = {number: ExtensionEntry(number, password) for number, password in args.extension}
    for low, high in args.extensions:
        extensions.update(
            {number: ExtensionEntry(number, number) for number in _numbers(low, high)}
        )
    logins = [pair for pairs in args.agents for pair in pairs]
    directory = StaticDirectory(
        extensions,
        {trunk.name: trunk for trunk in args.trunk},
        tuple(InboundRoute(did, destination) for did, destination in args.route),
        queues={queue.name: queue for queue in args.queue},
        agents={agent: AgentEntry(agent) for agent, _ in logins},
    )
    config = EngineConfig(
        nonce_secret=os.urandom(32),
        sip_host=args.sip_host,
        sip_port=args.sip_port,
        tcp=False,
        rtp_low=args.rtp[0],
        rtp_high=args.rtp[1],
        recordings=None,
    )
    engine = Engine(config, directory, sink)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await engine.start()
    for agent, extension in logins:
        engine.center.login(agent, extension, by="system")
    tune_garbage_collector()
    try:
        while not stopping.is_set():
            write_status(args.status, engine, sink, clock, running=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=1.0)
        write_status(args.status, engine, sink, clock, running=True)
    finally:
        await engine.stop()
        write_status(args.status, engine, sink, clock, running=False)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    uvloop.run(serve(args))


if __name__ == "__main__":
    main()
