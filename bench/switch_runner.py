"""The switch alone in its own process, for benchmarks: no web, no database.

Builds an `Engine` on uvloop from a `StaticDirectory` (extensions, one trunk and its
inbound routes given on the command line), listens on UDP only, and runs until SIGTERM or
SIGINT. Events go to a `CountingSink`, which keeps no event, only how many of each type
(and the causes of the ended calls), so that a benchmark measures the switch and not a
consumer of its events. Once a second, and once more on stopping, the runner writes a
JSON status file: calls in progress, RTP ports in use, event counts, and the time spent in
the garbage collector (from `gc.callbacks`); a benchmark reads it to see that the switch
is up, that every call it set up was also torn down, and where its CPU went.

Run: ``python -m bench.switch_runner --sip-port 5070 --status status.json
--extension 70008:70008 --trunk bench:127.0.0.1:5071 --route 9000:70008``.
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
from pathlib import Path

import uvloop

from callcenter.engine.events import CallEnded, Event
from callcenter.engine.ports import ExtensionEntry, InboundRoute, StaticDirectory, TrunkEntry
from callcenter.engine.runtime import tune_garbage_collector
from callcenter.engine.switch import Engine, EngineConfig


class CountingSink:
    """An `EventSink` that discards every event and counts them by type."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.ended: Counter[str] = Counter()  # CallEnded by "cause/status"

    def emit(self, event: Event) -> None:
        self.counts[event.type] += 1
        if isinstance(event, CallEnded):
            self.ended[f"{event.cause.value}/{event.sip_status}"] += 1


class GcClock:
    """Adds up the time of the garbage collector's runs, and counts them by generation."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.runs = [0, 0, 0]
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._began
            self.runs[info["generation"]] += 1


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
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(status))
    partial.replace(path)


async def serve(args: argparse.Namespace) -> None:
    sink, clock = CountingSink(), GcClock()
    directory = StaticDirectory(
        {number: ExtensionEntry(number, password) for number, password in args.extension},
        {trunk.name: trunk for trunk in args.trunk},
        tuple(InboundRoute(did, destination) for did, destination in args.route),
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
