"""G.711 calls relayed on one core: the switch's media plane beside rtpengine.

Each simulated call has two legs; a load generator in a separate process (pinned to
another core when there is one) sends 20 ms PCMU packets at 50 packets/s on each leg,
through the relay under test (pinned to one core), and counts what comes back out of the
other leg. Relays (:class:`Target`):

- :class:`CallcenterTarget`: two RTP sessions per call bridged by a
  :class:`~callcenter.engine.media.Relay`, in this process on uvloop; with recording, a
  :class:`~callcenter.engine.media.Recorder` per call writes a stereo WAV (its writer
  thread runs on the same core, and its CPU is counted).
- :class:`RtpengineTarget`: Sipwise rtpengine (Debian ``rtpengine-daemon``) in userspace
  (``--table=-1``, no kernel module), started per run as a child of this process (so on
  the same core), an ng ``offer`` and ``answer`` per call with the generator's sockets in
  the SDPs, ``delete`` at the end (:mod:`bench.rtpengine_ng`). No recording: rtpengine
  records to pcap only without its kernel module, which is not like for like.

A run sends for ``--seconds`` (10 by default) per number of calls, then reads what the
relay still holds until it has been quiet for 0.3 s. Reported per run: packets offered;
loss end to end (and where: dropped before the relay read them, or after it sent them;
rtpengine does not count what it sends, so its "after" is after it read them);
packets that took more than 100 ms from the generator through the relay and back (each
payload carries its send time), which a phone's jitter buffer would have discarded, and
the worst such round trip: a relay that cannot keep up shows here first, since UDP
buffers hide it for seconds; the relay process's CPU (user + system, all its threads:
the recorder's writer thread included) per second of sending, which passes 100 % when it
needs longer than the sending to catch up; and the generator's own CPU and lag, since a
generator that cannot keep its schedule makes the results its own. "Calls per full core"
divides the calls by the CPU share they took: what one core would carry if the relay
had it to itself (valid while nothing is late). "Waiting for a core" is the time the
relay's threads were ready to run but not running (``/proc/…/schedstat``, summed over
threads, so it can pass 100 % and includes a relay's threads waiting for each other:
rtpengine runs about twenty, the recorder adds one). "Other programs on the relay's core"
is that core's busy time (``/proc/stat``) less the relay's and this process's CPU: on a
shared machine, the reason a relay far below 100 % CPU still falls behind.

The ramp: every relay (callcenter, callcenter recording, rtpengine) takes the same steps
in turn, so the load of the machine falls on all alike. A run is *held* when no packet
was lost and at most 0.1 % came back later than 100 ms. A run not held is repeated (a
burst of other work on a shared machine is not the relay's ceiling): a step is not held
after two such runs, or three when the second was bound by something else (the generator
had no time to spare while the relay's core had some, or other programs took at least
20 % of the relay's core and filled it). A relay's ramp ends after two steps in a row not
held: a relay may hold a step above one it missed (rtpengine, saturated, reads more
packets per wake-up and gets cheaper per packet). Its figure is the highest step held;
the summary says when the first step above it was bound by the generator or by other
programs rather than by the relay (:mod:`bench.media_report`).

Run: ``python -m bench.media_relay [--calls 200,400,800] [--seconds 10] [--record both]
[--target callcenter --target rtpengine] [--rtpengine-threads N] [--no-pin] [--no-write]``
(``tools/install-bench-deps`` installs rtpengine; ``make bench`` runs both).
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
from multiprocessing.connection import Connection
from pathlib import Path

from tests.interop.peers.processes import free_port, free_udp_range

from bench import rtpengine_ng
from bench.common import table, write
from bench.media_report import HEADERS, LATE, Result, Subject, body, label, uptime

DEFAULT_CALLS = [200, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1600]
PACKET_INTERVAL = 0.02
SLOTS = 10  # the generator spreads each 20 ms of packets over this many slots
GENERATOR_SOCKETS = 32
SOCKET_BUFFER = 16 << 20
_HEADER = struct.Struct("!BBHII")
_SEQ_TS = struct.Struct("!HI")
_SENT_AT = struct.Struct("d")  # the send time, in the first 8 bytes of the payload
QUIET = 0.3  # seconds without a packet that end the drain after sending stops
DRAIN_LIMIT = 10.0
TICKS = os.sysconf("SC_CLK_TCK")


# -- load generator (its own process) --------------------------------------------------


def _cores() -> tuple[int, int] | None:
    """The relay's core and the generator's: the first two this process may run on (the
    same one when there is only one). Asked before anything is pinned: a process pinned
    already, and every child it starts, sees only its own core."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None
    return cpus[0], cpus[1 % len(cpus)]


def _pin(core: int) -> None:
    """Run this process, and the threads and children it starts later, on ``core`` only."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {core})


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _core_seconds() -> float | None:
    """Busy time of the core this process is pinned to (``/proc/stat``: user, nice,
    system, irq, softirq and steal), or None when it may run on more than one."""
    try:
        cpus = os.sched_getaffinity(0)
        if len(cpus) != 1:
            return None
        name = f"cpu{next(iter(cpus))} "
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith(name):
                user, nice, system, _, _, irq, softirq, steal = map(int, line.split()[1:9])
                return (user + nice + system + irq + softirq + steal) / TICKS
    except (AttributeError, OSError, ValueError):
        pass
    return None


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


def generator_main(conn: Connection, calls: int, seconds: float, core: int | None) -> None:
    """Send both legs of ``calls`` calls for ``seconds``; count what comes back."""
    if core is not None:
        _pin(core)
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
    records: bool = True  # whether it can record the calls
    in_process: bool = False  # whether it relays in this process (its CPU is ours)

    def __init__(self, recordings: Path | None = None) -> None:
        self.recordings = recordings
        self.notes: list[str] = []  # anything odd the relay itself reported, for the table

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
    def counters(self) -> tuple[int, int | None]:
        """Packets the relay read and packets it sent (None: not counted), so far."""

    @abstractmethod
    async def teardown(self) -> None:
        """Stop and release everything."""


class CallcenterTarget(Target):
    """The switch's own media plane, in this process."""

    name = "callcenter"
    in_process = True

    def __init__(self, recordings: Path | None = None) -> None:
        from callcenter.engine.media import MediaEngine, Recorder, Relay, RtpSession

        super().__init__(recordings)
        self.engine: MediaEngine | None = None
        self.relays: list[Relay] = []
        self.recorders: list[Recorder] = []
        self.sessions: list[RtpSession] = []
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.started = 0.0

    async def setup(self, calls: int, generator_ports: list[int], record: bool) -> list[int]:
        from callcenter.engine.media import MediaEngine, MediaFormat, PortPool, Recorder, Relay

        first, last = free_udp_range(4 * calls + 100)  # even ports only: 2 per leg
        self.engine = engine = MediaEngine(PortPool(first, last), "127.0.0.1")
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
                session = await engine.open_session()
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
        self.started = time.monotonic()
        return ports

    def cpu_seconds(self) -> float:
        return _cpu_seconds()

    def waited_seconds(self) -> float:
        return _waited_seconds()

    def counters(self) -> tuple[int, int | None]:
        received = sum(s.stats.received for s in self.sessions)
        sent = sum(s.stats.sent for s in self.sessions)
        return received, sent

    async def teardown(self) -> None:
        held = time.monotonic() - self.started
        for relay in self.relays:
            relay.stop()
        recorded = 0.0
        for recorder in self.recorders:
            recorded += (await recorder.aclose()).duration
        if self.engine is not None:
            await self.engine.close()
        if self.folder is not None:
            self.folder.cleanup()
        self._note_counters(recorded, held)

    def _note_counters(self, recorded: float, held: float) -> None:
        drops = {
            name: sum(getattr(s.stats, name) for s in self.sessions)
            for name in (
                "dropped_malformed",
                "dropped_payload_type",
                "dropped_source",
                "dropped_direction",
                "socket_errors",
                "consumer_errors",
            )
        }
        self.notes += [f"{count} {name}" for name, count in drops.items() if count]
        if self.recorders:
            late = sum(r.stats.late for r in self.recorders)
            resyncs = sum(r.stats.resyncs for r in self.recorders)
            expected = len(self.recorders) * held
            self.notes.append(
                f"recorded {recorded / len(self.recorders):.1f} s per call "
                f"(calls held {held:.1f} s, {100 * recorded / expected:.0f} %)"
                + (f", {late} late packets dropped by the recorder" if late else "")
                + (f", {resyncs} re-anchorings" if resyncs else "")
            )


class RtpengineTarget(Target):
    """The same load through rtpengine in userspace (see the module docstring).

    The daemon starts at ``setup`` and stops at ``teardown``, so every run starts with no
    calls and no port taken. Per call: ``offer`` from the caller (the generator's socket
    for leg 2n), ``answer`` from the callee (leg 2n+1); the caller sends to the port in
    the answer's SDP, the callee to the port in the offer's. CPU and run-queue time are
    the daemon's (all threads); ``counters`` asks ``query`` for each call what it read.
    """

    name = "rtpengine"
    records = False
    threads = 0  # --num-threads; 0 leaves rtpengine's default (one per core)

    def __init__(self, recordings: Path | None = None) -> None:
        super().__init__(recordings)
        self.folder = tempfile.TemporaryDirectory(prefix="bench-rtpengine-")
        self.daemon: rtpengine_ng.Rtpengine | None = None
        self.call_ids: list[str] = []

    async def setup(self, calls: int, generator_ports: list[int], record: bool) -> list[int]:
        if record:
            raise ValueError("rtpengine records only to pcap without its kernel module")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._setup, calls, generator_ports)

    def _setup(self, calls: int, generator_ports: list[int]) -> list[int]:
        first, last = free_udp_range(4 * calls + 100)  # RTP and RTCP for each of 2 legs
        self.daemon = rtpengine_ng.Rtpengine(
            Path(self.folder.name), free_port(tcp=False), first, last, self.threads
        )
        ng = self.daemon.ng
        ports = []
        count = len(generator_ports)
        for call in range(calls):
            call_id = f"bench-{call}"
            caller = rtpengine_ng.audio_sdp(generator_ports[2 * call % count], 2 * call + 1)
            offer = ng.request("offer", call_id=call_id, from_tag="caller", sdp=caller)
            self.call_ids.append(call_id)
            callee = rtpengine_ng.audio_sdp(generator_ports[(2 * call + 1) % count], 2 * call + 2)
            answer = ng.request(
                "answer", call_id=call_id, from_tag="caller", to_tag="callee", sdp=callee
            )
            ports += [rtpengine_ng.audio_port(answer), rtpengine_ng.audio_port(offer)]
        return ports

    def cpu_seconds(self) -> float:
        return self.daemon.cpu_seconds() if self.daemon else 0.0

    def waited_seconds(self) -> float:
        return self.daemon.waited_seconds() if self.daemon else 0.0

    def counters(self) -> tuple[int, int | None]:
        if self.daemon is None:
            return 0, None
        ng = self.daemon.ng
        read = sum(
            rtpengine_ng.rtp_packets(ng.request("query", call_id=call_id))
            for call_id in self.call_ids
        )
        return read, None

    async def teardown(self) -> None:
        daemon, self.daemon = self.daemon, None
        try:
            if daemon is not None:
                self.notes.append(f"{daemon.threads()} threads")
                failed = 0
                for call_id in self.call_ids:
                    try:
                        daemon.ng.request("delete", call_id=call_id, from_tag="caller")
                    except rtpengine_ng.NgError:
                        failed += 1
                if failed:
                    self.notes.append(f"{failed} deletes failed")
                complaints = daemon.complaints()
                if complaints:
                    self.notes.append(
                        f"{len(complaints)} warnings in its log, first: {complaints[0]}"
                    )
        finally:
            if daemon is not None:
                daemon.close()  # our own child, by its PID
            self.folder.cleanup()


TARGETS: dict[str, type[Target]] = {
    "callcenter": CallcenterTarget,
    "rtpengine": RtpengineTarget,
}


# -- one run -----------------------------------------------------------------------------


async def one_run(
    target_name: str,
    calls: int,
    seconds: float,
    record: bool,
    generator_core: int | None,
    recordings: Path | None = None,
) -> Result:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=generator_main, args=(child, calls, seconds, generator_core), daemon=True
    )
    process.start()
    loop = asyncio.get_running_loop()
    target = TARGETS[target_name](recordings)
    try:
        generator_ports = await loop.run_in_executor(None, parent.recv)
        ports = await target.setup(calls, generator_ports, record)
        parent.send(ports)
        await asyncio.sleep(0.2)
        in_before, out_before = target.counters()  # before the CPU: rtpengine's cost queries
        cpu_before = target.cpu_seconds()
        waited_before = target.waited_seconds()
        own_before, core_before = _cpu_seconds(), _core_seconds()
        parent.send("go")
        report = await loop.run_in_executor(None, parent.recv)
        core_after, own = _core_seconds(), _cpu_seconds() - own_before
        cpu = target.cpu_seconds() - cpu_before
        waited = target.waited_seconds() - waited_before
        others = None
        if core_before is not None and core_after is not None:
            # the relay's core: what ran there that was neither the relay nor this process
            others = max(0.0, core_after - core_before - cpu - (0 if target.in_process else own))
        relay_in, relay_out = target.counters()
    finally:
        try:
            await target.teardown()
        finally:
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
        None if relay_out is None or out_before is None else relay_out - out_before,
        report["seconds"],
        cpu,
        waited,
        report["cpu"],
        report["waited"],
        report["behind"],
        report["send_errors"],
        others=others,
        notes=target.notes,
    )


# -- the ramp ----------------------------------------------------------------------------


MISSES = 2  # steps not held in a row that end a relay's ramp


async def ramp(args: argparse.Namespace) -> tuple[dict[Subject, list[Result]], list[str]]:
    """Every relay takes each step in turn (:func:`climb`); a relay's ramp ends after
    ``MISSES`` steps in a row not held, or at a run that failed (what failed is in the
    list returned beside the results)."""
    records = {"no": [False], "yes": [True], "both": [False, True]}[args.record]
    relays = [(name, record) for name in args.target for record in records]
    relays = [(name, record) for name, record in relays if TARGETS[name].records or not record]
    ladders: dict[Subject, list[Result]] = {relay: [] for relay in relays}
    misses = dict.fromkeys(relays, 0)
    failures: list[str] = []
    active = list(relays)
    for calls in args.calls:
        for relay in list(active):
            try:
                held = await climb(relay, calls, args, ladders[relay])
            except Exception as exc:  # reported; it ends this relay's ramp
                failures.append(f"{label(relay)} at {calls} calls failed: {exc!r}")
                print(failures[-1], file=sys.stderr)
                active.remove(relay)
                continue
            misses[relay] = 0 if held else misses[relay] + 1
            if misses[relay] >= MISSES:
                active.remove(relay)
        if not active:
            break
    return ladders, failures


async def climb(relay: Subject, calls: int, args: argparse.Namespace, ladder: list[Result]) -> bool:
    """One step for one relay: run again while not held, up to twice, or three times when
    the second run was bound by the generator or by other programs on the relay's core.
    Every run is appended to ``ladder``; returns whether the step was held."""
    for attempt in (1, 2, 3):
        result = await one_run(
            relay[0], calls, args.seconds, relay[1], args.generator_core, args.recordings
        )
        result.attempt = attempt
        ladder.append(result)
        line = table(HEADERS, [result.row()]).splitlines()[-1]
        print(line + (f" {'; '.join(result.notes)}" if result.notes else ""), file=sys.stderr)
        if result.held:
            return True
        if attempt == 2 and not (result.machine_bound or result.generator_bound):
            return False
    return False


# -- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.media_relay", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--calls",
        type=lambda text: [int(n) for n in text.split(",")],
        default=DEFAULT_CALLS,
        help="comma-separated numbers of calls, the steps of the ramp (default %(default)s)",
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
        help="what relays (repeatable; default callcenter and rtpengine)",
    )
    parser.add_argument(
        "--rtpengine-threads",
        type=int,
        default=0,
        help="rtpengine's --num-threads (default: its own, one per core)",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the results; leave bench/results alone"
    )
    args = parser.parse_args(argv)
    args.target = args.target or ["callcenter", "rtpengine"]
    return args


def main(argv: list[str] | None = None) -> None:
    import uvloop

    args = parse_args(argv)
    RtpengineTarget.threads = args.rtpengine_threads
    args.cores = _cores() if args.pin else None
    args.generator_core = args.cores[1] if args.cores else None
    if args.cores:
        _pin(args.cores[0])  # before any thread starts: the writer thread and rtpengine inherit it
    resource.setrlimit(resource.RLIMIT_NOFILE, _nofile(max(args.calls) * 4 + 500))
    before = uptime()
    ladders, failures = uvloop.run(ramp(args))
    text = body(args, ladders, failures, (before, uptime()))
    title = "Media relay: G.711 calls on one core, callcenter beside rtpengine"
    if args.no_write:
        print(f"# {title}\n\n{text}")
    else:
        write("media_relay", title, text)


def _nofile(wanted: int) -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    return max(soft, wanted), hard


if __name__ == "__main__":
    main()
