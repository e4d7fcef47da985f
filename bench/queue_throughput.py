"""Queue throughput: sipp customers into one ACD queue answered by 200 sipp agents.

The switch runs alone in its own process (bench/switch_runner.py: no web, no database,
events counted and discarded) with 200 extensions (71001-71200), 200 agents
(80001-80200) logged in and ready on them from the start, one queue ``sales``
(longest-idle, no wrap-up, service level = the target below) served by all of them, and
an inbound route from DID 9100 of trunk ``bench`` to ``queue:sales``.

- The agents' phones are one sipp (bench/scenarios/queue_agent.xml) from whose address
  every extension registered first with digest authentication (queue_register.xml, one
  extension per line of an injection file). A phone rings 100 ms, answers, the agent
  talks ``--talk`` seconds (1 s by default) and hangs up; no RTP from sipp.
- The customers are a sipp uac (queue_customer.xml) sending from the trunk's address, so
  their INVITEs need no authentication. The switch answers each at once, plays the
  queue's music to it while it waits, rings an agent and bridges; the agent's BYE ends
  the call. A customer who got no BYE after ``PATIENCE`` seconds of waiting (plus the
  talk) gives up and hangs up: a lost call.

The rate of new calls is raised step by step; each step offers its rate for
``--seconds`` (20 s by default). A step is held when no call was lost (every offered call
answered by an agent, no sipp call failed on either side), sipp achieved at least 95 %
of the rate, and the 95th percentile of the waits (QueueLeft.wait of the answered
callers: from joining the queue to the agent's answer, the 100 ms ring included) is at
most the target, 2 s (stricter than the 20 s default service level). A ramp stops at
its first step not held. Each row records the machine's load average and CPU besides
the processes', since other work may run on these 2 cores.

Two ramps, each on a fresh switch:

1. The goal (``--rates``, ``--talk``): 1 s of talk. With no wrap-up an agent is busy
   about 1.1 s a call (ring, talk, the BYE), so 200 agents carry up to about 180
   calls/s: the steps up to 150/s leave them 15 % or more idle and measure the switch;
   175/s is 96 % occupancy and 200/s more than they can carry, where waits grow by
   queueing theory alone: there the agents are the limit, as in a real center.
2. The switch's own ceiling (``--ceiling-rates``, ``--ceiling-talk``): 0.25 s of talk,
   so that 200 agents carry about 550 calls/s and the switch runs out first.

Run: ``python -m bench.queue_throughput [--rates 25,50,...] [--seconds 20] [--talk 1]
[--ceiling-rates 200,250,...] [--ceiling-talk 0.25] [--work DIR] [--no-write]``. About
6 minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.interop.peers import run_sipp
from tests.interop.peers.processes import HOST, log_tail, start, stop, wait_until
from tests.interop.peers.sipp import SIPP, SippResult

from bench.call_setup import (
    cpu_seconds,
    errors,
    free_ports,
    runqueue_seconds,
    version_of,
    wait_listening,
)
from bench.common import table, version, write

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = HERE / "scenarios"
REGISTER = SCENARIOS / "queue_register.xml"
AGENT = SCENARIOS / "queue_agent.xml"
CUSTOMER = SCENARIOS / "queue_customer.xml"

AGENTS = 200
EXTENSIONS = (71001, 71001 + AGENTS - 1)  # each one's password is its number
AGENT_IDS = (80001, 80001 + AGENTS - 1)
QUEUE = "sales"
STRATEGY = "longest-idle"
DID = "9100"
RTP = "40000-59999"
RATES = (25, 50, 75, 100, 125, 150, 175, 200)
CEILING_RATES = (200, 250, 300, 350, 400)
CEILING_TALK = 0.25  # 200 agents carry about 550 calls/s: the switch is the limit
SECONDS = 20.0  # offered load per step
TALK = 1.0  # seconds the agent talks after answering (sipp -d)
RING = 0.1  # the agent's phone rings this long (fixed in queue_agent.xml)
TARGET = 2.0  # seconds: the queue's service level; a step's p95 wait must stay within it
PATIENCE = 20.0  # seconds a customer waits for an agent before hanging up
MIN_ACHIEVED = 0.95
GOAL = 100  # new calls/s into the queue with 200 agents (the goal)
VICIDIAL_INBOUND = 50  # agents per telephony server, inbound only (ViciBox's guide)
VICIBOX = "https://docs.vicibox.com/en/latest/introduction/hardware/dimensioning.html"
HEADERS = [
    "offered/s",
    "achieved/s",
    "calls",
    "answered by an agent",
    "not answered",
    "sipp failed (customer / agent)",
    "retransmissions (customers / agents)",
    "wait p50",
    "wait p95",
    "wait max",
    f"waits > {TARGET:g} s",
    "agents busy (mean / max)",
    "switch CPU",
    "CPU per call",
    "switch waited for CPU",
    "longest GC run",
    "sipp CPU (customers / agents)",
    "machine CPU",
    "load avg (1 min)",
    "held",
]


@dataclass
class Rig:
    """The switch with its agents logged in and their phones registered and answering."""

    address: str
    customer_port: int
    switch_pid: int
    agents_pid: int
    status: Path
    agent_stats: Path
    folder: Path

    def books(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.status.read_text()))
        except (OSError, ValueError):
            return {}

    def idle(self) -> bool:
        now = self.books()
        return now.get("calls") == 0 and now.get("rtp_ports_in_use") == 0


@dataclass
class Step:
    rate: int
    result: SippResult
    seconds: float  # the step's window: from sipp's start to the end of its last call
    achieved: float
    answered: int
    outcomes: Counter[str]
    waits: Counter[int]  # answered callers' waits, whole milliseconds
    busy_mean: float
    busy_max: int
    cpu: float
    waited: float
    customers_cpu: float
    agents_cpu: float
    machine: float  # share of all cores busy, 0..1
    load: float
    agent_failed: int
    agent_retransmissions: int
    agent_unexpected: int  # messages the agents' sipp did not expect (ignored)
    gc_longest: float  # the switch's longest garbage collection in the step (0: none >= 50 ms)
    held: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return int(self.result.stats.get("TotalCallCreated", 0) or 0)

    @property
    def customer_failed(self) -> int:
        return self.result.failed + self.result.unfinished

    @property
    def not_answered(self) -> int:
        return max(self.created - self.answered, 0)

    def wait(self, share: float) -> float:
        return percentile(self.waits, share) / 1000

    def over_target(self) -> int:
        return sum(n for ms, n in self.waits.items() if ms > TARGET * 1000)

    def row(self) -> list[object]:
        per_call = 1000 * self.cpu / self.answered if self.answered else 0.0
        waits = [f"{1000 * self.wait(share):,.0f} ms" for share in (0.5, 0.95, 1.0)]
        return [
            self.rate,
            f"{self.achieved:,.0f}",
            self.created,
            self.answered,
            self.not_answered,
            f"{self.customer_failed} / {self.agent_failed}",
            f"{self.result.retransmissions} / {self.agent_retransmissions}",
            *waits,
            self.over_target(),
            f"{self.busy_mean:.0f} / {self.busy_max}",
            f"{100 * self.cpu / self.seconds:.0f} %",
            f"{per_call:.2f} ms",
            f"{100 * self.waited / self.seconds:.0f} %",
            f"{1000 * self.gc_longest:.0f} ms" if self.gc_longest else "< 50 ms",
            f"{100 * self.customers_cpu / self.seconds:.0f} % / "
            f"{100 * self.agents_cpu / self.seconds:.0f} %",
            f"{100 * self.machine:.0f} %",
            f"{self.load:.2f}",
            "yes" if self.held else "no",
        ]


def percentile(counts: Counter[int], share: float) -> float:
    """The smallest value with at least `share` of the counts at or below it (0 if none)."""
    total = sum(counts.values())
    if not total:
        return 0.0
    wanted, seen = math.ceil(share * total), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= wanted:
            return float(value)
    return float(max(counts))


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])
    return total - idle, total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sipp_row(path: Path) -> dict[str, str]:
    """The last row of a sipp statistics file written periodically (-trace_stat -fd)."""
    try:
        with path.open(newline="") as source:
            rows = [row for row in csv.reader(source, delimiter=";") if row]
    except OSError:
        return {}
    if len(rows) < 2:
        return {}
    return {name: value for name, value in zip(rows[0], rows[-1], strict=False) if name}


def unexpected(log: Path) -> int:
    """Unexpected messages a sipp without abortunexp went on after (its -trace_err log)."""
    try:
        return log.read_text(errors="replace").count("Continuing call on unexpected message")
    except OSError:
        return 0


def _count(row: dict[str, str], name: str) -> int:
    try:
        return int(row.get(name, "0"))
    except ValueError:
        return 0


def sending_rate(result: SippResult) -> float:
    """Calls sipp created per second, from its start to its last call created: read
    from its statistics rows (-fd 1), the end interpolated between two rows."""
    rows = []
    try:
        with (result.directory / "stats.csv").open(newline="") as source:
            reader = csv.reader(source, delimiter=";")
            header = next(reader)
            rows = [dict(zip(header, row, strict=False)) for row in reader if row]
    except (OSError, StopIteration):
        pass
    if not rows:
        return 0.0
    began = _epoch(rows[0].get("StartTime", ""))
    final = _count(rows[-1], "TotalCallCreated")
    end, before, created_before = 0.0, began, 0
    for row in rows:
        now, created = _epoch(row.get("CurrentTime", "")), _count(row, "TotalCallCreated")
        if created >= final:
            share = (final - created_before) / max(created - created_before, 1)
            end = before + share * (now - before)
            break
        before, created_before = now, created
    return final / (end - began) if end > began else 0.0


def _epoch(text: str) -> float:
    """sipp's "date<TAB>time<TAB>epoch" stamps."""
    try:
        return float(text.split("\t")[-1])
    except ValueError:
        return 0.0


# === the switch, the agents and their phones ===============================================
@contextmanager
def rig(folder: Path, talk: float) -> Iterator[Rig]:
    folder.mkdir(parents=True)
    sip_port, agents_port, customer_port = free_ports(3)
    status = folder / "status.json"
    extensions = f"{EXTENSIONS[0]}-{EXTENSIONS[1]}"
    agent_ids = f"{AGENT_IDS[0]}-{AGENT_IDS[1]}"
    settings = f"wrap_up=0,service_level={TARGET:g},announce_interval=0"
    command = [sys.executable, "-m", "bench.switch_runner", "--sip-port", str(sip_port)]
    command += ["--rtp", RTP, "--status", str(status), "--extensions", extensions]
    command += ["--agents", f"{agent_ids}@{extensions}"]
    command += ["--queue", f"{QUEUE}:{STRATEGY}:{agent_ids}:{settings}"]
    command += ["--trunk", f"bench:{HOST}:{customer_port}", "--route", f"{DID}:queue:{QUEUE}"]
    log = folder / "switch.log"
    with ExitStack() as stack:
        switch = start(command, log, ROOT)
        stack.callback(stop, switch)
        if not wait_until(lambda: switch.poll() is not None or status.exists(), 15):
            raise RuntimeError("the switch did not start in 15 s:\n" + log_tail(log))
        if switch.poll() is not None:
            raise RuntimeError(f"the switch exited with {switch.returncode}:\n" + log_tail(log))
        numbers = [str(n) for n in range(EXTENSIONS[0], EXTENSIONS[1] + 1)]
        registered = run_sipp(
            f"{HOST}:{sip_port}",
            REGISTER,
            folder / "register",
            calls=AGENTS,
            rate=100,
            limit=50,
            timeout=30,
            local_port=agents_port,
            users=[(number, number) for number in numbers],
        )
        if not registered.ok or registered.successful != AGENTS:
            raise RuntimeError("the agents' phones could not register:\n" + registered.report())
        phones = folder / "agents"
        phones.mkdir()
        agent_stats = phones / "stats.csv"
        command = [SIPP, "-sf", str(AGENT), "-i", HOST, "-p", str(agents_port), "-nostdin"]
        command += ["-d", str(round(talk * 1000))]
        # A late ACK makes sipp retransmit its 200, and the switch ACKs each copy (RFC 3261
        # §13.2.2.4): a phone absorbs the second ACK; sipp, in its talk pause, would abort
        # the call on it, so unexpected messages are counted, not fatal, for the agents.
        command += ["-default_behaviors", "all,-abortunexp"]
        # ...and a call left waiting (an ACK or a BYE that never comes) ends in the end.
        command += ["-recv_timeout", str(round((PATIENCE + 10) * 1000))]
        command += ["-trace_err", "-error_file", str(phones / "errors.log")]
        command += ["-trace_stat", "-stf", str(agent_stats), "-fd", "1"]
        agents = start(command, phones / "sipp.log", phones)
        stack.callback(stop, agents)
        wait_listening(agents, agents_port, phones / "sipp.log", "sipp agents")
        found = Rig(
            f"{HOST}:{sip_port}",
            customer_port,
            switch.pid,
            agents.pid,
            status,
            agent_stats,
            folder,
        )
        ready = wait_until(lambda: found.books().get("agents", {}).get("idle") == AGENTS, 5)
        if not ready:
            raise RuntimeError(f"not all {AGENTS} agents are idle: {found.books()}")
        yield found


# === one step ==============================================================================
class Sampler(threading.Thread):
    """Reads the switch's status file twice a second: how many agents are not idle."""

    def __init__(self, target: Rig) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.samples: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.5):
            agents = self.target.books().get("agents")
            if agents:
                self.samples.append(AGENTS - int(agents.get("idle", 0)))


def run_step(target: Rig, rate: int, seconds: float, talk: float, folder: Path) -> Step:
    calls = max(1, round(rate * seconds))
    books = target.books()
    wall = time.time()
    cpu, waited = cpu_seconds(target.switch_pid), runqueue_seconds(target.switch_pid)
    agents_cpu, children = cpu_seconds(target.agents_pid), _children_cpu()
    busy, total = machine_ticks()
    phones = sipp_row(target.agent_stats)
    ignored = unexpected(target.folder / "agents" / "errors.log")
    began = time.monotonic()
    sampler = Sampler(target)
    sampler.start()
    result = run_sipp(
        target.address,
        CUSTOMER,
        folder,
        calls=calls,
        rate=rate,
        limit=AGENTS + math.ceil(rate * (TARGET + talk + RING)),
        timeout=seconds + talk + PATIENCE + 5,
        local_port=target.customer_port,
        service=DID,
        extra=["-recv_timeout", str(round((PATIENCE + talk) * 1000)), "-fd", "1"],
    )
    # sipp returns once its last call has ended: every message of the step has passed.
    window = time.monotonic() - began
    sampler.stopping.set()
    customers_cpu = _children_cpu() - children  # the sipp uac: reaped by run_sipp
    cpu, waited = cpu_seconds(target.switch_pid) - cpu, runqueue_seconds(target.switch_pid) - waited
    agents_cpu = cpu_seconds(target.agents_pid) - agents_cpu
    busy_after, total_after = machine_ticks()
    load = os.getloadavg()[0]
    sampler.join()
    wait_until(target.idle, 10.0, interval=0.2)
    time.sleep(1.2)  # the status file and sipp's statistics are written once a second
    after = target.books()
    phones_after = sipp_row(target.agent_stats)
    outcomes = Counter(after.get("queue_left", {})) - Counter(books.get("queue_left", {}))
    waits = Counter({int(k): v for k, v in after.get("waits_ms", {}).items()}) - Counter(
        {int(k): v for k, v in books.get("waits_ms", {}).items()}
    )
    answered = outcomes.get("answered", 0)
    gc_runs = [run for run in after.get("gc_long_runs", []) if run[0] >= wall]
    achieved = sending_rate(result)
    samples = sampler.samples or [0]
    step = Step(
        rate=rate,
        result=result,
        seconds=window,
        achieved=achieved,
        answered=answered,
        outcomes=outcomes,
        waits=waits,
        busy_mean=sum(samples) / len(samples),
        busy_max=max(samples),
        cpu=cpu,
        waited=waited,
        customers_cpu=customers_cpu,
        agents_cpu=agents_cpu,
        machine=(busy_after - busy) / max(total_after - total, 1),
        load=load,
        agent_failed=_count(phones_after, "FailedCall(C)") - _count(phones, "FailedCall(C)"),
        agent_retransmissions=_count(phones_after, "Retransmissions(C)")
        - _count(phones, "Retransmissions(C)"),
        agent_unexpected=unexpected(target.folder / "agents" / "errors.log") - ignored,
        gc_longest=max((run[1] for run in gc_runs), default=0.0),
    )
    step.held = (
        step.not_answered == 0
        and step.customer_failed == 0
        and step.agent_failed == 0
        and step.answered > 0
        and achieved >= MIN_ACHIEVED * rate
        and step.wait(0.95) <= TARGET
    )
    if step.not_answered:
        left = ", ".join(
            f"{name} {n}" for name, n in sorted(outcomes.items()) if name != "answered"
        )
        step.problems.append(
            f"{step.not_answered} of {step.created} calls not answered by an agent "
            f"(the switch's QueueLeft outcomes besides answered: {left or 'none'})"
        )
    if step.customer_failed:
        reasons = ", ".join(f"{name} {n}" for name, n in result.failures.items())
        step.problems.append(
            f"{step.customer_failed} customer calls failed ({reasons or 'unfinished'})"
        )
    if step.agent_failed:
        step.problems.append(f"{step.agent_failed} calls failed at the agents' sipp")
    if step.agent_unexpected:
        step.problems.append(
            f"{step.agent_unexpected} messages unexpected at the agents' sipp (ignored, in "
            "its errors.log; after a late ACK, the ACK of the retransmitted 200)"
        )
    if achieved < MIN_ACHIEVED * rate:
        step.problems.append(f"achieved {achieved:.0f}/s, under 95 % of {rate}/s")
    if step.wait(0.95) > TARGET:
        step.problems.append(f"p95 wait {step.wait(0.95):.2f} s over the {TARGET:g} s target")
    if not wait_until(target.idle, 0.1):
        step.problems.append(
            f"the switch still held {after.get('calls')} calls 10 s after the step (the "
            "customers' sipp stops at its hard time limit and leaves its unfinished calls "
            "without a BYE: the switch ends them after its 60 s media timeout)"
        )
    return step


def ramp(target: Rig, rates: list[int], seconds: float, talk: float) -> list[Step]:
    steps: list[Step] = []
    for rate in rates:
        step = run_step(target, rate, seconds, talk, target.folder / f"rate-{rate}")
        steps.append(step)
        print(f"queue_throughput: {step.row()}", file=sys.stderr)
        for problem in step.problems:
            print(f"  {problem}", file=sys.stderr)
        if not step.held:
            for line in errors(target.folder / f"rate-{rate}") + errors(target.folder / "agents"):
                print(f"  {line}", file=sys.stderr)
            break
    return steps


# === report ================================================================================
@dataclass
class Ramp:
    """One ramp on a fresh switch: its talk time, its steps and the switch's books after."""

    name: str
    talk: float
    steps: list[Step]
    books: dict[str, Any]

    @property
    def top(self) -> Step | None:
        held = [step for step in self.steps if step.held]
        return max(held, key=lambda step: step.rate, default=None)

    def capacity(self) -> float:
        """Calls/s the agents carry at most: each is busy ring + talk + ~10 ms a call."""
        return AGENTS / (self.talk + RING + 0.01)

    def stop(self) -> str:
        top = self.top
        if top is None:
            return "no step held"
        if top is self.steps[-1]:
            return "the highest rate tried: no ceiling found"
        failed = self.steps[-1]
        return f"the ramp stopped at {failed.rate}/s: " + "; ".join(failed.problems)

    def summary(self) -> str:
        top = self.top
        if top is None:
            return f"No step held ({self.stop()})."
        return (
            f"Highest step held: **{top.rate} new calls/s** ({self.stop()}), "
            f"{top.achieved:,.0f}/s achieved, into one queue answered by {AGENTS} agents "
            f"(on average {top.busy_mean:.0f} of them busy, at most {top.busy_max}; they "
            f"carry at most about {self.capacity():.0f} calls/s with {self.talk:g} s of "
            f"talk); p95 wait {1000 * top.wait(0.95):,.0f} ms, longest "
            f"{1000 * top.wait(1.0):,.0f} ms; switch CPU {100 * top.cpu / top.seconds:.0f} % "
            f"of one core ({1000 * top.cpu / max(top.answered, 1):.2f} ms a call)."
        )

    def notes(self) -> list[str]:
        lines = [
            f"At {step.rate}/s: {problem}." for step in self.steps for problem in step.problems
        ]
        paused = [step for step in self.steps if step.gc_longest >= 0.3]
        if paused:
            worst = max(paused, key=lambda step: step.gc_longest)
            late = [step for step in paused if step.agent_unexpected]
            lines.append(
                "The switch's garbage collector stopped it for up to "
                f"{1000 * worst.gc_longest:,.0f} ms at once (at {worst.rate}/s; runs of "
                "300 ms or more at "
                + ", ".join(f"{step.rate}/s" for step in paused)
                + "). A pause that long delays every message in flight: "
                + (
                    "in "
                    + ", ".join(f"{step.rate}/s" for step in late)
                    + " its ACKs to the agents' 200s came after sipp's 500 ms retransmission "
                    "timer, so 200s were retransmitted and ACKed twice (the unexpected "
                    "messages above), and waits reached their maximum in those steps."
                    if late
                    else "the longest waits of those steps."
                )
            )
        books = self.books
        if books:
            ended = ", ".join(f"{cause} {n}" for cause, n in sorted(books.get("ended", {}).items()))
            missed = ", ".join(f"{why} {n}" for why, n in sorted(books.get("missed", {}).items()))
            lines.append(
                f"The switch's own books after the ramp: {books['calls']} calls still held, "
                f"{books['rtp_ports_in_use']} RTP ports in use; calls ended by cause/status: "
                f"{ended or 'none'}; agents' misses by reason: {missed or 'none'}; agents by "
                f"state: {books.get('agents')}; garbage collections by generation "
                f"{books.get('gc_runs')}, {books.get('gc_seconds', 0):.2f} s in all; events "
                f"counted and discarded: {sum(books['events'].values())}."
            )
        return lines

    def section(self, title: str) -> str:
        notes = "\n".join(f"- {line}" for line in self.notes())
        rows = [step.row() for step in self.steps]
        return f"## {title}\n\n{self.summary()}\n\n{notes}\n\n{table(HEADERS, rows)}"


def body(
    goal: Ramp,
    ceiling: Ramp | None,
    seconds: float,
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> str:
    before, after = (", ".join(f"{value:.2f}" for value in three) for three in load)
    top = goal.top
    verdict = (
        f"Goal (at least {GOAL} new calls/s into queues with {AGENTS} agents): "
        + ("met" if top is not None and top.rate >= GOAL else "not met")
        + (f", {top.rate} calls/s held with {goal.talk:g} s of talk." if top else ".")
    )
    if ceiling is not None:
        high = ceiling.top
        verdict += (
            f" With {ceiling.talk:g} s of talk, so that the agents are not the limit, the "
            + (f"switch held {high.rate} new calls/s ({ceiling.stop()})." if high else "")
            + ("" if high else f"switch held no step ({ceiling.stop()}).")
        )
    concurrent = f"{2 * top.busy_max}" if top else "-"
    comparison = (
        "Compared with VICIdial's published sizing: the ViciBox dimensioning guide "
        f"(<{VICIBOX}>) gives a VICIdial telephony server on its minimum or recommended "
        "hardware 25 agents and 125 trunks with predictive dialing, and "
        f"{VICIDIAL_INBOUND} agents and 250 trunks for an inbound-only call center, the "
        "limit being Asterisk's channel locking (up to 6 channels per agent). This 2-core "
        f"machine held {AGENTS} logged-in agents in one queue, "
        f"{AGENTS / VICIDIAL_INBOUND:g} times that inbound figure, "
        + (
            f"at {top.rate} new calls/s with up to {concurrent} call legs at once"
            if top
            else "but no step held"
        )
        + ". The figures are not the same measurement: VICIdial's counts agents on real "
        "calls of minutes, with audio through Asterisk, a web agent screen and MySQL; here "
        f"calls last {goal.talk:g} s of talk, no audio flows on the bridged calls (only "
        "the queue's music to a waiting caller), and the switch has no web or database "
        "in its process. What it shows is that queueing, distribution and call control "
        f"for {AGENTS} agents at these call rates fit on this machine, beside the sipp "
        "processes that make the load."
    )
    intro = (
        f"sipp {version(['sipp', '-v']).strip()}; uvloop {version_of('uvloop')}. The switch "
        "(bench/switch_runner.py), the agents' sipp and the customers' sipp share these "
        "cores, and other work may run beside them: each row gives the machine's CPU and "
        "load average.\n"
        f"Load average (1, 5, 15 min) before the ramps {before}, after them {after}.\n\n"
        f"Setup: one queue `{QUEUE}` ({STRATEGY}, no wrap-up, service level {TARGET:g} s), "
        f"{AGENTS} agents logged in and ready on {AGENTS} extensions, all registered from "
        f"one sipp that auto-answers after a {1000 * RING:.0f} ms ring; the agent talks "
        "(sipp's pause; no RTP from sipp) and hangs up. Customers: sipp uac through the "
        f"trunk to DID {DID} (route `queue:{QUEUE}`); the switch answers each at once and "
        "plays the queue's music until an agent answers. A customer gives up after "
        f"{PATIENCE:g} s of waiting. Each step offers its rate for {seconds:g} s. Each ramp "
        "runs on a fresh switch.\n\n"
        "Held: every offered call answered by an agent (the switch's QueueLeft events), no "
        "sipp call failed on either side, at least 95 % of the rate achieved, and the 95th "
        f"percentile wait at most {TARGET:g} s; a ramp stops at its first step not held. "
        "wait: QueueLeft.wait of the answered callers, from joining the queue to the "
        f"agent's answer ({1000 * RING:.0f} ms of ring included). agents busy: agents not "
        "idle in the switch's status file, sampled twice a second while sipp ran. CPU, over "
        "the time sipp ran (its first call to the end of its last): the switch's process "
        "alone (all threads); per call: its CPU over the answered calls; waited for CPU: "
        "time its threads were runnable without a core (schedstat), the mark of other "
        "load. machine CPU: all cores busy (/proc/stat) over the step. load avg: the "
        "1-minute load average at the step's end. achieved/s: calls the customers' sipp "
        "started per second (from its statistics, written every second). longest GC run: "
        "the switch's longest garbage collection in the step, when 50 ms or more.\n\n"
        + verdict
        + "\n\n"
        + comparison
    )
    sections = [goal.section(f"{AGENTS} agents, {goal.talk:g} s of talk (the goal)")]
    if ceiling is not None:
        sections.append(
            ceiling.section(
                f"The switch's own ceiling: {AGENTS} agents, {ceiling.talk:g} s of talk"
            )
        )
    return intro + "\n\n" + "\n\n".join(sections)


def run_ramp(work: Path, name: str, rates: list[int], seconds: float, talk: float) -> Ramp:
    with rig(work / name, talk) as target:
        steps = ramp(target, rates, seconds, talk)
        return Ramp(name, talk, steps, target.books())


# === main ==================================================================================
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.queue_throughput", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--rates",
        type=lambda text: [int(rate) for rate in text.split(",")],
        default=list(RATES),
        help="new calls/s into the queue, in order (default " + ",".join(map(str, RATES)) + ")",
    )
    parser.add_argument(
        "--seconds", type=float, default=SECONDS, help="seconds of load per step (%(default)s)"
    )
    parser.add_argument(
        "--talk", type=float, default=TALK, help="seconds an agent talks (%(default)s)"
    )
    parser.add_argument(
        "--ceiling-rates",
        type=lambda text: [int(rate) for rate in text.split(",") if rate],
        default=list(CEILING_RATES),
        help="rates of the second ramp, with --ceiling-talk (default "
        + ",".join(map(str, CEILING_RATES))
        + "; empty: no second ramp)",
    )
    parser.add_argument(
        "--ceiling-talk",
        type=float,
        default=CEILING_TALK,
        help="seconds an agent talks in the second ramp (%(default)s)",
    )
    parser.add_argument("--work", type=Path, help="keep the logs in this folder (else a temp one)")
    parser.add_argument(
        "--no-write", action="store_true", help="print the results; leave bench/results alone"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with ExitStack() as stack:
        if args.work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        else:
            work = args.work.resolve()
            work.mkdir(parents=True, exist_ok=True)
        before = os.getloadavg()
        goal = run_ramp(work, "goal", args.rates, args.seconds, args.talk)
        ceiling = None
        if args.ceiling_rates:
            ceiling = run_ramp(work, "ceiling", args.ceiling_rates, args.seconds, args.ceiling_talk)
        after = os.getloadavg()
        text = body(goal, ceiling, args.seconds, (before, after))
    title = f"Queue throughput: sipp customers into one queue of {AGENTS} sipp agents"
    if args.no_write:
        print(f"# {title}\n\n{text}")
    else:
        write("queue_throughput", title, text)


if __name__ == "__main__":
    main()
