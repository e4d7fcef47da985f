"""Call setups per second through the B2BUA: the switch beside sippy's b2bua_simple.

One short call is sipp uac -> B2BUA -> sipp uas and back (bench/scenarios/uac_short.xml):
INVITE with SDP -> 180 -> 200 -> ACK, one second of call, BYE -> 200. The B2BUA answers
the caller and places a second call to the uas (bench/scenarios/uas_answer.xml), so each
call is two INVITE dialogs and two BYEs through it.

- The switch runs alone in its own process (bench/switch_runner.py: no web, no database,
  events counted and discarded). The uac sends from the address of a trunk `bench`, so
  its INVITEs need no authentication; DID 9000 routes to extension 70008, which the uas's
  address registered to first (REGISTER with digest, bench/scenarios/register_uas.xml).
  The switch anchors the media: each call opens and closes two RTP sockets.
- sippy's `b2bua_simple` (PyPI `sippy`, installed into the virtualenv on first use: it is
  a peer of this benchmark only) forwards every INVITE to its fixed next hop, the uas.

Both run at once on 127.0.0.1 and take the same steps in turn (switch, then sippy, at
each rate), so the load of the machine falls on both alike. A step offers a rate for a
few seconds (at most rate x 2.5 calls at once, sipp's -l); it is held when at most 0.1 %
of its calls failed or were left unfinished, sipp achieved at least 95 % of the rate, and
retransmissions stayed under 5 % of the calls. A peer's ramp ends at its first step not
held. CPU is the server process's own (all its threads) from /proc/PID/stat.

Run: ``python -m bench.call_setup [--rates 100,200,...] [--seconds 8] [--peers
callcenter,sippy] [--work DIR] [--no-write]``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.interop.peers import free_port, run_sipp
from tests.interop.peers.processes import HOST, log_tail, start, stop, wait_until
from tests.interop.peers.sipp import SIPP, SippResult

from bench.common import table, version, write

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
UAC = HERE / "scenarios" / "uac_short.xml"
UAS = HERE / "scenarios" / "uas_answer.xml"
REGISTER = HERE / "scenarios" / "register_uas.xml"
SIPPY = "sippy==2.5.0"
RATES = (100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000)
SECONDS = 8.0  # offered load per step; a step lasts about this + HOLD + 1 s of settling
HOLD = 1.0  # the call's length after the ACK, fixed in uac_short.xml
EXTENSION = "70008"  # the uas registers as this extension; its password is the same
DID = "9000"
RTP = "40000-59999"
MAX_FAILED = 0.001
MIN_ACHIEVED = 0.95
MAX_RETRANSMISSIONS = 0.05
TICKS = os.sysconf("SC_CLK_TCK")
HEADERS = [
    "offered/s",
    "achieved/s",
    "ok",
    "failed",
    "retransmissions",
    "setup (mean)",
    "server CPU",
    "CPU per call",
    "server waited for CPU",
    "sipp uac CPU",
    "held",
]


@dataclass
class Target:
    """A B2BUA under test: where the uac sends, from which port, and its process."""

    name: str
    label: str
    address: str
    uac_port: int
    pid: int
    idle: Callable[[], bool] = lambda: True
    books: Callable[[], dict[str, Any]] = dict
    folder: Path = Path()


@dataclass
class Step:
    rate: int
    result: SippResult
    achieved: float
    cpu: float  # CPU seconds of the server during the step
    waited: float  # seconds the server's threads were runnable but waited for a core
    caller_cpu: float  # CPU seconds of the sipp uac
    held: bool
    created: int = 0
    problems: list[str] = field(default_factory=list)
    gc: float | None = None  # seconds in the server's garbage collector (switch only)

    @property
    def failed(self) -> int:
        return self.result.failed + self.result.unfinished

    def row(self) -> list[object]:
        result = self.result
        setup = _duration(result.stats.get("ResponseTime1(C)", ""))
        per_call = 1000 * self.cpu / result.successful if result.successful else 0.0
        return [
            self.rate,
            f"{self.achieved:,.0f}",
            result.successful,
            self.failed,
            result.retransmissions,
            f"{1000 * setup:.0f} ms",
            f"{100 * self.cpu / result.elapsed:.0f} %" if result.elapsed else "-",
            f"{per_call:.2f} ms",
            f"{100 * self.waited / result.elapsed:.0f} %" if result.elapsed else "-",
            f"{100 * self.caller_cpu / result.elapsed:.0f} %" if result.elapsed else "-",
            "yes" if self.held else "no",
        ]


# === processes =============================================================================
def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads


def runqueue_seconds(pid: int) -> float:
    """How long the threads of `pid` were ready to run but waited for a core (the second
    field of /proc/PID/task/TID/schedstat): the sign of a machine busy with others."""
    total = 0
    for path in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(path.read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def listening(port: int) -> bool:
    """Whether a UDP socket is bound to `port` (read from /proc, so never racing a peer
    that is binding it)."""
    suffix = f":{port:04X}"
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        if line.split()[1].endswith(suffix):
            return True
    return False


def free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port(tcp=False)
        if port not in ports:
            ports.append(port)
    return ports


def ensure_sippy() -> str:
    """sippy's version, installing it into this virtualenv first when it is missing."""
    try:
        return importlib.metadata.version("sippy")
    except importlib.metadata.PackageNotFoundError:
        pass
    print(
        f"bench.call_setup: installing {SIPPY} into {sys.prefix} with pip: the peer of this "
        "benchmark, not a dependency of the project",
        file=sys.stderr,
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", SIPPY],
        check=True,
    )
    importlib.invalidate_caches()
    return importlib.metadata.version("sippy")


def wait_listening(process: subprocess.Popen[bytes], port: int, log: Path, what: str) -> None:
    if not wait_until(lambda: process.poll() is not None or listening(port), 10):
        raise RuntimeError(f"{what} does not listen on {port} after 10 s:\n" + log_tail(log))
    if process.poll() is not None:
        raise RuntimeError(f"{what} exited with {process.returncode}:\n" + log_tail(log))


def start_uas(port: int, folder: Path) -> subprocess.Popen[bytes]:
    folder.mkdir(parents=True)
    command = [SIPP, "-sf", str(UAS), "-i", HOST, "-p", str(port), "-nostdin"]
    command += ["-trace_err", "-error_file", str(folder / "errors.log")]
    log = folder / "sipp.log"
    uas = start(command, log, folder)
    try:
        wait_listening(uas, port, log, "sipp uas")
    except BaseException:
        stop(uas)
        raise
    return uas


@contextmanager
def callcenter(work: Path) -> Iterator[Target]:
    folder = work / "callcenter"
    folder.mkdir(parents=True)
    sip_port, uac_port, uas_port = free_ports(3)
    status = folder / "status.json"
    command = [sys.executable, "-m", "bench.switch_runner", "--sip-port", str(sip_port)]
    command += ["--rtp", RTP, "--status", str(status), "--extension", f"{EXTENSION}:{EXTENSION}"]
    command += ["--trunk", f"bench:{HOST}:{uac_port}", "--route", f"{DID}:{EXTENSION}"]
    log = folder / "switch.log"
    with ExitStack() as stack:
        switch = start(command, log, ROOT)
        stack.callback(stop, switch)
        if not wait_until(lambda: switch.poll() is not None or status.exists(), 15):
            raise RuntimeError("the switch did not start in 15 s:\n" + log_tail(log))
        if switch.poll() is not None:
            raise RuntimeError(f"the switch exited with {switch.returncode}:\n" + log_tail(log))
        registered = run_sipp(
            f"{HOST}:{sip_port}",
            REGISTER,
            folder / "register",
            timeout=5,
            local_port=uas_port,
            service=EXTENSION,
            extra=["-au", EXTENSION, "-ap", EXTENSION],
        )
        if not registered.ok:
            raise RuntimeError("the uas could not register:\n" + registered.report())
        stack.callback(stop, start_uas(uas_port, folder / "uas"))

        def books() -> dict[str, Any]:
            try:
                return dict(json.loads(status.read_text()))
            except (OSError, ValueError):
                return {}

        def idle() -> bool:
            now = books()
            return now.get("calls") == 0 and now.get("rtp_ports_in_use") == 0

        yield Target(
            "callcenter",
            "callcenter (bench/switch_runner.py)",
            f"{HOST}:{sip_port}",
            uac_port,
            switch.pid,
            idle,
            books,
            folder,
        )


@contextmanager
def sippy(work: Path) -> Iterator[Target]:
    folder = work / "sippy"
    folder.mkdir(parents=True)
    port, uac_port, uas_port = free_ports(3)
    with ExitStack() as stack:
        stack.callback(stop, start_uas(uas_port, folder / "uas"))
        log = folder / "sippy.log"
        command = [sys.executable, "-m", "sippy.b2bua_simple", "-f", "-l", HOST, "-p", str(port)]
        command += ["-n", f"{HOST}:{uas_port}"]
        # Errors and warnings only: at its default (INFO) sippy logs every SIP message,
        # which the switch does not do either.
        env = {**os.environ, "SIPLOG_BEND": "stderr", "SIPLOG_LVL": "WARN"}
        with log.open("ab") as output:
            b2bua = subprocess.Popen(
                command,
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack.callback(stop, b2bua)
        wait_listening(b2bua, port, log, "sippy b2bua_simple")
        yield Target(
            "sippy",
            f"sippy {version_of('sippy')} b2bua_simple",
            f"{HOST}:{port}",
            uac_port,
            b2bua.pid,
            folder=folder,
        )


def version_of(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


# === one step ==============================================================================
def _duration(text: str) -> float:
    """Seconds from sipp's "HH:MM:SS:micro" (or "HH:MM:SS")."""
    parts = text.strip().split(":")
    try:
        if len(parts) == 4:
            hours, minutes, seconds, micro = (int(p) for p in parts)
            return hours * 3600 + minutes * 60 + seconds + micro / 1e6
        if len(parts) == 3:
            hours, minutes, seconds = (int(p) for p in parts)
            return float(hours * 3600 + minutes * 60 + seconds)
    except ValueError:
        pass
    return 0.0


def _epoch(text: str) -> float:
    """sipp's "date<TAB>time<TAB>epoch" stamps."""
    try:
        return float(text.split("\t")[-1])
    except ValueError:
        return 0.0


def traffic_seconds(result: SippResult) -> float:
    """From sipp's first call to its last call's end, less the hold of one call: the time
    in which the calls were set up."""
    span = _epoch(result.stats.get("CurrentTime", "")) - _epoch(result.stats.get("StartTime", ""))
    if span <= 0:
        span = result.elapsed
    return max(span - HOLD, 1e-3)


def errors(folder: Path, lines: int = 12) -> list[str]:
    """The last events of sipp's error logs under `folder`."""
    found: list[str] = []
    for path in sorted(folder.rglob("errors.log")):
        text = path.read_text(errors="replace")
        events = [event.strip() for event in _EVENT.split(text)[1:] if event.strip()]
        found += [f"{path.parent.name}: {event[:800]}" for event in events[-lines:]]
    return found


# Each event starts with its time stamp, often right after the end of the previous one.
_EVENT = re.compile(r"(?=\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d+\t)")


def run_step(target: Target, rate: int, seconds: float, folder: Path) -> Step:
    calls = max(1, round(rate * seconds))
    before, waited = cpu_seconds(target.pid), runqueue_seconds(target.pid)
    children = _children_cpu()
    result = run_sipp(
        target.address,
        UAC,
        folder,
        calls=calls,
        rate=rate,
        limit=math.ceil(rate * (HOLD + 1.5)),
        timeout=seconds + HOLD + 3,
        local_port=target.uac_port,
        service=DID,
    )
    cpu = cpu_seconds(target.pid) - before
    waited = runqueue_seconds(target.pid) - waited
    caller_cpu = _children_cpu() - children  # the sipp uac: reaped by run_sipp
    achieved = result.successful / traffic_seconds(result)
    created = int(result.stats.get("TotalCallCreated", calls) or calls)
    failed = result.failed + result.unfinished
    held = (
        failed <= MAX_FAILED * max(created, 1)
        and achieved >= MIN_ACHIEVED * rate
        and result.retransmissions <= MAX_RETRANSMISSIONS * calls
        and result.successful > 0
    )
    step = Step(rate, result, achieved, cpu, waited, caller_cpu, held, created)
    if failed:
        reasons = ", ".join(f"{name} {count}" for name, count in result.failures.items())
        step.problems.append(f"{failed} of {created} calls failed ({reasons or 'unfinished'})")
    if result.unexpected:
        step.problems.append(f"{result.unexpected} unexpected messages at the caller")
    return step


def settle(target: Target) -> None:
    """Lets the last calls of a step end before the next one (the switch tells when it
    holds no call and no RTP port; sippy does not, so it gets the fixed second only)."""
    wait_until(target.idle, 5.0, interval=0.2)
    time.sleep(1.0)


def ramp(targets: list[Target], rates: list[int], seconds: float) -> dict[str, list[Step]]:
    steps: dict[str, list[Step]] = {target.name: [] for target in targets}
    active = list(targets)
    for rate in rates:
        for target in list(active):
            gc_before = target.books().get("gc_seconds")
            step = run_step(target, rate, seconds, target.folder / f"rate-{rate}")
            steps[target.name].append(step)
            print(f"{target.name}: {step.row()}", file=sys.stderr)
            for problem in step.problems:
                print(f"  {problem}", file=sys.stderr)
            settle(target)
            gc_after = target.books().get("gc_seconds")
            if gc_before is not None and gc_after is not None:
                step.gc = gc_after - gc_before
            if not step.held:
                active.remove(target)
                for line in errors(target.folder / f"rate-{rate}") + errors(target.folder / "uas"):
                    print(f"  {line}", file=sys.stderr)
        if not active:
            break
    return steps


# === report ================================================================================
def best(steps: list[Step]) -> Step | None:
    held = [step for step in steps if step.held]
    return max(held, key=lambda step: step.rate, default=None)


def summary(targets: list[Target], steps: dict[str, list[Step]]) -> tuple[str, str]:
    rows: list[list[object]] = []
    figures: dict[str, int] = {}
    for target in targets:
        ladder = steps[target.name]
        top = best(ladder)
        figures[target.name] = top.rate if top else 0
        ceiling = "no step held"
        if top is not None:
            ceiling = "" if top is not ladder[-1] else " (the highest rate tried: no ceiling found)"
            ceiling = f"{top.achieved:,.0f}/s achieved{ceiling}"
        cpu = top.row()[6:8] if top else ["-", "-"]  # server CPU, CPU per call
        rows.append([target.label, figures[target.name], ceiling, *cpu])
    text = table(["B2BUA", "held setups/s", "at that step", "server CPU", "CPU per call"], rows)
    verdict = ""
    if "callcenter" in figures and "sippy" in figures:
        ours, theirs = figures["callcenter"], figures["sippy"]
        ratio = ours / theirs if theirs else float("inf")
        met = ours >= 500 and ratio >= 2
        verdict = (
            f"Ratio callcenter / sippy: {ratio:.2f}. Goal (at least 500 setups/s and twice "
            f"sippy's figure): {'met' if met else 'not met'}."
        )
    return text, verdict


def notes(targets: list[Target], steps: dict[str, list[Step]]) -> list[str]:
    lines: list[str] = []
    for target in targets:
        for step in steps[target.name]:
            for problem in step.problems:
                lines.append(f"{target.name} at {step.rate}/s: {problem}.")
        shares = [
            f"{step.rate}/s {100 * step.gc / step.cpu:.0f} %"
            for step in steps[target.name]
            if step.gc is not None and step.cpu > 0
        ]
        if shares:
            lines.append(
                f"{target.name}: share of its CPU spent in Python's garbage collector, per "
                "step (from its status file, written once a second, so approximate): "
                + ", ".join(shares)
                + ". Each finished transaction is kept 32 s (64·T1) with its parsed message, "
                "so the heap the collector walks grows with the rate and with the time spent "
                "at it: a step of a few seconds does not reach the steady state of a longer run."
            )
        books = target.books()
        if books:
            ended = ", ".join(f"{cause} {count}" for cause, count in sorted(books["ended"].items()))
            lines.append(
                f"{target.name}'s own books after the ramp: {books['calls']} calls still held, "
                f"{books['rtp_ports_in_use']} RTP ports in use; calls ended by cause/status: "
                f"{ended or 'none'}; events counted and discarded: "
                f"{sum(books['events'].values())}."
            )
    return lines


def body(
    targets: list[Target],
    steps: dict[str, list[Step]],
    seconds: float,
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> str:
    text, verdict = summary(targets, steps)
    sections = [
        f"## {target.label}\n\n" + table(HEADERS, [step.row() for step in steps[target.name]])
        for target in targets
    ]
    before, after = (", ".join(f"{value:.2f}" for value in three) for three in load)
    intro = (
        f"sipp {version(['sipp', '-v']).strip()}; sippy {version_of('sippy')}; uvloop "
        f"{version_of('uvloop')}. Every process runs on these cores, sipp's too, so the "
        "ceilings include its cost.\n"
        f"Load average (1, 5, 15 min) before the ramp {before}, after it {after}.\n\n"
        f"A call: INVITE (SDP) -> 180 -> 200 -> ACK, {HOLD:g} s, BYE -> 200, from sipp uac "
        f"through the B2BUA to a sipp uas. Each step offers the rate for {seconds:g} s, at "
        "most rate x 2.5 calls at once. Held: at most 0.1 % of the calls failed or "
        "unfinished, at least 95 % of the rate achieved, retransmissions under 5 % of the "
        "calls; a ramp stops at its first step not held. achieved/s: successful calls over "
        "the time in which they were set up (sipp's run less one hold). setup: mean time "
        "from INVITE to 200 at the caller. CPU: the B2BUA's process alone (all threads); "
        "waited for CPU: how long its threads were ready to run but had no core (summed "
        "over threads, from /proc/PID/task/*/schedstat), the mark of the machine's other "
        "load.\n\n" + text + ("\n\n" + verdict if verdict else "")
    )
    caveats = [
        "What each does per call. The switch (bench/switch_runner.py) finds the trunk by the "
        "caller's address, routes DID 9000 to extension 70008, looks up its registration, "
        "answers the offer, places the second call with its own offer, and opens and closes "
        "two RTP sockets from its pool (40000-59999); no RTP flows (sipp sends none). It "
        "emits about eight events per call into a sink that counts and discards them: this "
        "process has no database, no web and no event consumer, so the product's serving "
        "process does more per call. sippy's b2bua_simple forwards every INVITE to one "
        "fixed next hop: no registration lookup, no routing, no media anchoring (the SDP "
        "passes through as it came); it logs at WARN (at its default it logs every message "
        "to stderr).",
        "sippy sends from three worker threads, so its 100 or 180 can leave after its 200: "
        "the caller ignores such a late provisional response, as a phone would (a sipp "
        "transaction in uac_short.xml; without it sipp aborts the call). sipp's built-in "
        "uas answers with `;transport=UDP` in its Contact, to which sippy 2.5 cannot send "
        "a BYE (it matches the transport case-sensitively), and it aborts a call on a "
        "retransmitted INVITE once it has answered; uas_answer.xml leaves the parameter "
        "out and answers such an INVITE with its 200 again. Both B2BUAs get the same "
        "scenarios.",
        *notes(targets, steps),
    ]
    return (
        intro + "\n\n" + "\n".join(f"- {line}" for line in caveats) + "\n\n" + "\n\n".join(sections)
    )


# === main ==================================================================================
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.call_setup", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--rates",
        type=lambda text: [int(rate) for rate in text.split(",")],
        default=list(RATES),
        help="offered call setups/s, in order (default " + ",".join(map(str, RATES)) + ")",
    )
    parser.add_argument(
        "--seconds", type=float, default=SECONDS, help="seconds of load per step (%(default)s)"
    )
    parser.add_argument(
        "--peers",
        type=lambda text: text.split(","),
        default=["callcenter", "sippy"],
        help="callcenter, sippy or both (default)",
    )
    parser.add_argument("--work", type=Path, help="keep the logs in this folder (else a temp one)")
    parser.add_argument(
        "--no-write", action="store_true", help="print the results; leave bench/results alone"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    unknown = set(args.peers) - {"callcenter", "sippy"}
    if unknown:
        raise SystemExit(f"unknown peer(s) {', '.join(sorted(unknown))}: callcenter, sippy")
    if "sippy" in args.peers:
        ensure_sippy()
    with ExitStack() as stack:
        if args.work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        else:
            work = args.work.resolve()
            work.mkdir(parents=True, exist_ok=True)
        starters = {"callcenter": callcenter, "sippy": sippy}
        targets = [stack.enter_context(starters[name](work)) for name in args.peers]
        before = os.getloadavg()
        steps = ramp(targets, args.rates, args.seconds)
        after = os.getloadavg()
        text = body(targets, steps, args.seconds, (before, after))
    title = "Call setups through the B2BUA: callcenter beside sippy (sipp)"
    if args.no_write:
        print(f"# {title}\n\n{text}")
    else:
        write("call_setup", title, text)


if __name__ == "__main__":
    main()
