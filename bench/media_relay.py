"""G.711 calls relayed on one core by the switch's media plane, with and without recording.

Each simulated call has two legs; a load generator in a separate process (pinned to
another core when there is one) sends 20 ms PCMU packets at 50 packets/s on each leg,
through two RTP sessions bridged by a :class:`~callcenter.engine.media.Relay` in this
process (pinned to one core, on uvloop), and counts what comes back out of the other leg.
A run sends for ``--seconds`` (10 by default) per number of calls, then reads what the
relay still holds until it has been quiet for 0.3 s. Reported per run: packets offered;
loss end to end (and where: dropped before the relay read them, or after it sent them);
packets that took more than 100 ms from the generator through the relay and back (each
payload carries its send time), which a phone's jitter buffer would have discarded, and
the worst such round trip: a relay that cannot keep up shows here first, since UDP
buffers hide it for seconds; the relay process's CPU (user + system, all its threads:
the recorder's writer thread included) per second of sending, which passes 100 % when it
needs longer than the sending to catch up; and the generator's own CPU and lag, since a
generator that cannot keep its schedule makes the results its own. "Calls per full core"
divides the calls by the CPU share they took: what one core would carry if the relay
had it to itself (valid while nothing is late). "Waiting for a core" is the time the
relay was ready to run while other programs had the core (``/proc/…/schedstat``): on a
shared machine, the reason a relay far below 100 % CPU still falls behind.

The target is pluggable (:class:`Target`): :class:`CallcenterTarget` runs the relays in
this process; :class:`RtpengineTarget` is the hook for the same load through rtpengine
(ng protocol offer/answer per call, CPU from the daemon's process); it is not written yet.

Run: ``python -m bench.media_relay [--calls 200,400,800] [--seconds 10] [--record both]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import resource
import select
import socket
import struct
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from bench.common import machine, table

DEFAULT_CALLS = [200, 400, 600, 800, 1000]
PACKET_INTERVAL = 0.02
SLOTS = 10  # the generator spreads each 20 ms of packets over this many slots
GENERATOR_SOCKETS = 32
SOCKET_BUFFER = 16 << 20
_HEADER = struct.Struct("!BBHII")
_SEQ_TS = struct.Struct("!HI")
_SENT_AT = struct.Struct("d")  # the send time, in the first 8 bytes of the payload
LATE = 0.1  # seconds through the relay and back that a phone's jitter buffer would not wait
QUIET = 0.3  # seconds without a packet that end the drain after sending stops
DRAIN_LIMIT = 10.0


# -- load generator (its own process) --------------------------------------------------


def _pin(cpu: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[cpu % len(cpus)]})


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _waited_seconds() -> float:
    """Time this process's threads spent ready to run but waiting for a core (other
    programs on the machine): ``/proc/self/task/*/schedstat``, second field."""
    total = 0
    for task in Path("/proc/self/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


class _Receiver:
    """Reads what comes back; each payload starts with its send time (a double)."""

    def __init__(self, socks: list[socket.socket]) -> None:
        self.socks = socks
        self.buffer = bytearray(2048)
        self.received = 0
        self.late = 0  # more than LATE seconds from the generator through the relay and back
        self.worst = 0.0
        self.total_latency = 0.0

    def wait(self, timeout: float) -> int:
        """Read everything that arrives within ``timeout``; return how much."""
        readable, _, _ = select.select(self.socks, [], [], max(0.0, timeout))
        now = time.monotonic()
        count = 0
        buffer = self.buffer
        for sock in readable:
            while True:
                try:
                    sock.recv_into(buffer)
                except BlockingIOError:
                    break
                (sent_at,) = _SENT_AT.unpack_from(buffer, 12)
                latency = now - sent_at
                self.total_latency += latency
                if latency > self.worst:
                    self.worst = latency
                if latency > LATE:
                    self.late += 1
                count += 1
        self.received += count
        return count


def generator_main(conn: Connection, calls: int, seconds: float, pin: bool) -> None:
    """Send both legs of ``calls`` calls for ``seconds``; count what comes back."""
    if pin:
        _pin(1)
    socks = []
    for _ in range(GENERATOR_SOCKETS):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for option, forced in ((socket.SO_RCVBUF, 33), (socket.SO_SNDBUF, 32)):
            try:  # SO_RCVBUFFORCE/SO_SNDBUFFORCE pass net.core.*mem_max (root only)
                sock.setsockopt(socket.SOL_SOCKET, forced, SOCKET_BUFFER)
            except OSError:
                sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        socks.append(sock)
    conn.send([s.getsockname()[1] for s in socks])
    legs_ports: list[int] = conn.recv()  # the relay's port for each leg, 2 per call
    payload = bytes(range(0x20, 0x20 + 160))
    legs = []
    for index, port in enumerate(legs_ports):
        ssrc = random.getrandbits(32)
        packet = bytearray(_HEADER.pack(0x80, 0, random.getrandbits(16), 0, ssrc) + payload)
        legs.append((socks[index % GENERATOR_SOCKETS], packet, ("127.0.0.1", port)))
    slots = [legs[i::SLOTS] for i in range(SLOTS)]
    state = [[random.getrandbits(16), random.getrandbits(32)] for _ in legs]
    slot_state = [state[i::SLOTS] for i in range(SLOTS)]
    receiver = _Receiver(socks)
    sent = 0
    send_errors = 0
    behind = 0.0
    conn.recv()  # go
    cpu_before = _cpu_seconds()
    waited_before = _waited_seconds()
    start = time.monotonic()
    end = start + seconds
    tick = 0
    slot_time = PACKET_INTERVAL / SLOTS
    while True:
        due = start + tick * slot_time
        now = time.monotonic()
        if due >= end:
            break
        if due <= now:
            behind = max(behind, now - due)
            slot = tick % SLOTS
            for (sock, packet, address), numbers in zip(slots[slot], slot_state[slot], strict=True):
                seq = numbers[0] = (numbers[0] + 1) & 0xFFFF
                ts = numbers[1] = (numbers[1] + 160) & 0xFFFFFFFF
                _SEQ_TS.pack_into(packet, 2, seq, ts)
                _SENT_AT.pack_into(packet, 12, now)
                try:
                    sock.sendto(packet, address)
                    sent += 1
                except OSError:
                    send_errors += 1
            tick += 1
            continue
        receiver.wait(due - now)
    # what the relay still holds comes out now: read until it has been quiet for a while
    # (a relay that fell behind keeps sending long after the generator stopped)
    give_up = time.monotonic() + DRAIN_LIMIT
    while time.monotonic() < give_up and receiver.received < sent and receiver.wait(QUIET):
        pass
    cpu = _cpu_seconds() - cpu_before
    waited = _waited_seconds() - waited_before
    conn.send(
        {
            "waited": waited,
            "sent": sent,
            "received": receiver.received,
            "late": receiver.late,
            "worst": receiver.worst,
            "mean": receiver.total_latency / receiver.received if receiver.received else 0.0,
            "send_errors": send_errors,
            "seconds": seconds,
            "cpu": cpu,
            "behind": behind,
        }
    )
    for sock in socks:
        sock.close()


# -- targets -----------------------------------------------------------------------------


class Target(ABC):
    """What relays the load: set up ``calls`` calls toward the generator's sockets."""

    name: str

    @abstractmethod
    async def setup(self, calls: int, generator_ports: list[int], record: bool) -> list[int]:
        """Bridge the calls; return the port the generator sends to for each leg
        (2 per call: caller, callee)."""

    @abstractmethod
    def cpu_seconds(self) -> float:
        """CPU used so far by whatever relays (user + system)."""

    def waited_seconds(self) -> float:
        """Time the relay was ready to run but had no core (0 when unknown)."""
        return 0.0

    @abstractmethod
    def counters(self) -> tuple[int, int]:
        """Packets the relay read and packets it sent, so far."""

    @abstractmethod
    async def teardown(self) -> None:
        """Stop and release everything."""


class CallcenterTarget(Target):
    """The switch's own media plane, in this process."""

    name = "callcenter"

    def __init__(self, recordings: Path | None = None) -> None:
        from callcenter.engine.media import MediaEngine, PortPool

        self.recordings = recordings
        self.engine = MediaEngine(PortPool(61000, 65535), "127.0.0.1")  # above ephemeral ports
        self.relays: list = []
        self.recorders: list = []
        self.sessions: list = []
        self.folder: tempfile.TemporaryDirectory[str] | None = None

    async def setup(self, calls: int, generator_ports: list[int], record: bool) -> list[int]:
        from callcenter.engine.media import MediaFormat, Recorder, Relay

        fmt = MediaFormat(0, dtmf_payload_type=101)
        if record:
            self.folder = tempfile.TemporaryDirectory(
                prefix="bench-recordings-", dir=self.recordings
            )
        ports = []
        for call in range(calls):
            legs = []
            for side in range(2):
                index = 2 * call + side
                session = await self.engine.open_session()
                session.set_remote("127.0.0.1", generator_ports[index % len(generator_ports)], fmt)
                legs.append(session)
                ports.append(session.local_port)
            recorder = None
            if self.folder is not None:
                recorder = Recorder(Path(self.folder.name) / f"call-{call}.wav")
                self.recorders.append(recorder)
            relay = Relay(legs[0], legs[1], recorder)
            relay.start()
            self.relays.append(relay)
            self.sessions.extend(legs)
        return ports

    def cpu_seconds(self) -> float:
        return _cpu_seconds()

    def waited_seconds(self) -> float:
        return _waited_seconds()

    def counters(self) -> tuple[int, int]:
        received = sum(s.stats.received for s in self.sessions)
        sent = sum(s.stats.sent for s in self.sessions)
        return received, sent

    async def teardown(self) -> None:
        for relay in self.relays:
            relay.stop()
        for recorder in self.recorders:
            await recorder.aclose()
        await self.engine.close()
        if self.folder is not None:
            self.folder.cleanup()


class RtpengineTarget(Target):
    """Hook: the same load through rtpengine (userspace, ``--table=-1``).

    To write: start ``rtpengine --config-file=none --foreground --table=-1
    --interface=127.0.0.1 --listen-ng=127.0.0.1:2223 --port-min=… --port-max=…`` (see
    ``../shared/notes/test-peers.md``), then per call an ng ``offer`` with the
    generator's caller socket in the SDP and an ``answer`` with the callee socket; the
    ports in the returned SDPs are what ``setup`` returns. CPU: the daemon's utime +
    stime from ``/proc/PID/stat``; counters: ``query`` per call, or (0, 0).
    """

    name = "rtpengine"

    def __init__(self, recordings: Path | None = None) -> None:
        self.recordings = recordings

    async def setup(self, calls: int, generator_ports: list[int], record: bool) -> list[int]:
        raise NotImplementedError("the rtpengine comparison is not written yet")

    def cpu_seconds(self) -> float:
        raise NotImplementedError

    def counters(self) -> tuple[int, int]:
        raise NotImplementedError

    async def teardown(self) -> None:
        pass


TARGETS: dict[str, Callable[[Path | None], Target]] = {
    "callcenter": CallcenterTarget,
    "rtpengine": RtpengineTarget,
}


# -- one run -----------------------------------------------------------------------------


@dataclass
class Result:
    target: str
    calls: int
    record: bool
    offered: int
    received: int
    late: int
    worst: float
    relay_in: int
    relay_out: int
    seconds: float
    cpu: float
    waited: float
    generator_cpu: float
    generator_waited: float
    generator_behind: float

    @property
    def loss(self) -> float:
        return 1 - self.received / self.offered if self.offered else 0.0

    def row(self) -> list[object]:
        lost_in = max(0, self.offered - self.relay_in)
        lost_out = max(0, self.relay_out - self.received)
        return [
            self.target,
            "yes" if self.record else "no",
            self.calls,
            f"{self.offered / self.seconds:,.0f}",
            f"{100 * self.loss:.2f} %",
            f"{lost_in:,} / {lost_out:,}",
            f"{100 * self.late / self.offered:.2f} %" if self.offered else "-",
            f"{1000 * self.worst:.0f} ms",
            f"{100 * self.cpu / self.seconds:.0f} %",
            f"{self.calls * self.seconds / self.cpu:,.0f}" if self.cpu else "-",
            f"{100 * self.waited / self.seconds:.0f} %",
            f"{100 * self.generator_cpu / self.seconds:.0f} %",
            f"{100 * self.generator_waited / self.seconds:.0f} %",
            f"{1000 * self.generator_behind:.0f} ms",
        ]


HEADERS = [
    "relay",
    "recording",
    "calls",
    "packets/s offered",
    "loss",
    "lost before / after relay",
    "late > 100 ms",
    "worst round trip",
    "relay CPU",
    "calls per full core (from CPU)",
    "relay waiting for a core",
    "generator CPU",
    "generator waiting",
    "generator max lag",
]


async def one_run(
    target_name: str,
    calls: int,
    seconds: float,
    record: bool,
    pin: bool,
    recordings: Path | None = None,
) -> Result:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=generator_main, args=(child, calls, seconds, pin), daemon=True)
    process.start()
    loop = asyncio.get_running_loop()
    target = TARGETS[target_name](recordings)
    try:
        generator_ports = await loop.run_in_executor(None, parent.recv)
        ports = await target.setup(calls, generator_ports, record)
        parent.send(ports)
        await asyncio.sleep(0.2)
        cpu_before = target.cpu_seconds()
        waited_before = target.waited_seconds()
        in_before, out_before = target.counters()
        parent.send("go")
        report = await loop.run_in_executor(None, parent.recv)
        cpu = target.cpu_seconds() - cpu_before
        waited = target.waited_seconds() - waited_before
        relay_in, relay_out = target.counters()
    finally:
        await target.teardown()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()  # only the generator this run started
    return Result(
        target_name,
        calls,
        record,
        report["sent"],
        report["received"],
        report["late"],
        report["worst"],
        relay_in - in_before,
        relay_out - out_before,
        report["seconds"],
        cpu,
        waited,
        report["cpu"],
        report["waited"],
        report["behind"],
    )


async def main_async(args: argparse.Namespace) -> list[Result]:
    results = []
    records = {"no": [False], "yes": [True], "both": [False, True]}[args.record]
    for target in args.target:
        for record in records:
            for calls in args.calls:
                result = await one_run(
                    target, calls, args.seconds, record, args.pin, args.recordings
                )
                print(table(HEADERS, [result.row()]).splitlines()[-1], file=sys.stderr)
                results.append(result)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--calls",
        type=lambda text: [int(n) for n in text.split(",")],
        default=DEFAULT_CALLS,
        help="comma-separated numbers of calls, one run each (default %(default)s)",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--record", choices=["no", "yes", "both"], default="both")
    parser.add_argument(
        "--recordings",
        type=Path,
        help="folder for the recordings (a temporary folder inside it; default: the system's)",
    )
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="leave both processes to the scheduler (on a machine other work shares)",
    )
    parser.add_argument(
        "--target",
        action="append",
        choices=sorted(TARGETS),
        help="what relays (repeatable; default callcenter)",
    )
    args = parser.parse_args(argv)
    args.target = args.target or ["callcenter"]
    return args


def main(argv: list[str] | None = None) -> None:
    import uvloop

    args = parse_args(argv)
    if args.pin:
        _pin(0)  # before any thread starts: the writer thread inherits the core
    resource.setrlimit(resource.RLIMIT_NOFILE, _nofile(max(args.calls) * 2 + 200))
    results = uvloop.run(main_async(args))
    print(
        f"# Media relay: G.711 calls on one core\n\nRun {time.strftime('%Y-%m-%d %H:%M')} on "
        f"{machine()}; "
        + ("relay pinned to one core, generator to another" if args.pin else "not pinned")
        + f"; 50 packets/s each way per call, {args.seconds:g} s per run.\n"
    )
    print(table(HEADERS, [r.row() for r in results]))


def _nofile(wanted: int) -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    return max(soft, wanted), hard


if __name__ == "__main__":
    main()
