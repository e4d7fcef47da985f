"""One churn run: the switch in this process, sipp customers and agents, a seeded driver.

`run_churn(settings, work)` starts the Engine (`tests.chaos.center`), registers and logs
in the agents' phones (`tests.chaos.peers`: sipp, the last `settings.baresip` of them
baresip), then runs three things at once until the customers are done:

- customers: `settings.calls` calls at `settings.rate` a second (exponential gaps), each
  from a free lane, each hanging up in the IVR or after a chosen time in a queue (while
  waiting, ringing or talking, as it happens);
- the driver, every `TICK` seconds: agents set not ready or ready, logged out or in at
  random; an agent phone killed (SIGKILL) while it rings or while its agent talks, and
  started again a moment later with a behaviour drawn anew;
- the switch's own sweep, with its reconciler.

Then it waits for the switch to settle (no call left, then `settings.settle` seconds so
that the reconciler has run), reads the books (`tests.chaos.books`), stops everything and
checks that no task, no child process and no file descriptor is left. Every decision
comes from one `random.Random(settings.seed)`; the seed is printed first, so a failure
can be replayed (timing aside). Counts come back as a `Report`.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from callcenter.engine.acd.center import CommandError, ContactCenter
from callcenter.engine.acd.states import AgentState, AgentStatus
from callcenter.engine.events import AgentConnected, CallStarted
from callcenter.engine.ports import MemoryEventSink
from callcenter.engine.switch import Engine
from tests.chaos import books, center
from tests.chaos.peers import (
    AgentPhone,
    BaresipAgent,
    Behaviour,
    CustomerCall,
    Phone,
    place_call,
)
from tests.interop.peers.baresip import write_tone_wav
from tests.interop.peers.processes import free_udp_range

TICK = 0.25  # seconds between the driver's decisions
RTP_PORTS = 400  # the switch's RTP range: two a call, far more than the calls at once
BARESIP_PORTS = 24  # SIP and its TLS neighbour, control, 20 RTP ports (even first)
BEHAVIOURS = {
    Behaviour.ANSWER: 0.7,
    Behaviour.DEAF: 0.1,
    Behaviour.BUSY: 0.1,
    Behaviour.REJECT: 0.1,
}


@dataclass(frozen=True)
class Settings:
    calls: int = 250
    rate: float = 2.5  # new customer calls a second
    lanes: int = 30  # customer calls at once, at most
    agents: int = 18
    baresip: int = 2  # of the agents, the last ones have baresip phones (else sipp)
    seed: int = 0
    kill_chance: float = 0.05  # per tick, for each of: a ringing phone, a talking one
    status_chance: float = 0.3  # per tick: one agent's status changes
    max_kills: int = 60
    settle: float = 7.0  # after the last call ended: more than the reconciler's 5 s
    drain: float = 60.0  # longest wait for the switch to end its last calls


@dataclass
class Report:
    """What happened, for the test's assertions and the benchmark's table."""

    seed: int
    placed: int = 0
    sipp_exit: Counter[int] = field(default_factory=Counter)
    started: int = 0
    answered: int = 0
    answered_baresip: int = 0
    phases: Counter[str] = field(default_factory=Counter)
    agent_actions: Counter[str] = field(default_factory=Counter)
    repairs: Counter[str] = field(default_factory=Counter)
    repair_samples: list[str] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    problems: dict[str, list[str]] = field(default_factory=dict)
    fds_before: int = 0
    fds_after: int = 0
    tasks_left: list[str] = field(default_factory=list)
    children_left: list[int] = field(default_factory=list)
    seconds: float = 0.0
    drained_in: float = 0.0

    def lines(self) -> list[str]:
        phases = ", ".join(f"{k} {v}" for k, v in sorted(self.phases.items()))
        actions = ", ".join(f"{k} {v}" for k, v in sorted(self.agent_actions.items()))
        repaired = ", ".join(f"{k} {v}" for k, v in sorted(self.repairs.items())) or "none"
        exits = ", ".join(f"{k}: {v}" for k, v in sorted(self.sipp_exit.items()))
        lines = [
            f"seed {self.seed}; {self.seconds:.0f} s; switch idle {self.drained_in:.1f} s "
            "after the last customer",
            f"calls placed {self.placed} (sipp exit status {exits}); calls started "
            f"{self.started}; answered by agents {self.answered} ({self.answered_baresip} on "
            "baresip phones)",
            f"where calls ended: {phases}",
            f"agent actions: {actions}",
            f"reconciler repairs: {repaired}",
            f"events: {sum(self.events.values())}; fds before {self.fds_before}, after "
            f"{self.fds_after}; tasks left {len(self.tasks_left)}; child processes left "
            f"{len(self.children_left)}",
        ]
        lines += [f"repaired: {sample}" for sample in self.repair_samples]
        for name, found in self.problems.items():
            lines += [f"PROBLEM {name}: {p}" for p in found[:20]]
        return lines


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def children() -> list[int]:
    """PIDs of this process's children still there (running or not reaped)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.append(int(stat.parent.name))
    return found


def _pick(rng: random.Random, weights: dict[Behaviour, float]) -> Behaviour:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def plan_call(rng: random.Random, number: int) -> CustomerCall:
    """The customer's intent: 15 % hang up in the menu, 30 % give up soon after choosing
    a queue (waiting or ringing), the rest stay to talk; one in ten of those stays longer
    than the agent's 15 s, so the agent hangs up first."""
    caller = f"1390000{number:04d}"
    roll = rng.random()
    if roll < 0.15:
        return CustomerCall(caller, "", rng.uniform(0.3, 3.0))
    digit = rng.choice(sorted(center.QUEUES))
    if roll < 0.45:
        return CustomerCall(caller, digit, rng.uniform(0.3, 4.5))
    if roll < 0.9:
        return CustomerCall(caller, digit, rng.uniform(4.5, 16.0))
    return CustomerCall(caller, digit, rng.uniform(20.0, 28.0))


class Churn:
    """The running pieces of one run and the driver's decisions."""

    def __init__(self, settings: Settings, work: Path) -> None:
        self.settings = settings
        self.work = work
        self.rng = random.Random(settings.seed)
        self.sink = MemoryEventSink()
        self.report = Report(settings.seed)
        # One block below the kernel's ephemeral range (free_udp_range), so that no socket
        # another process opens meanwhile takes a phone's port: RTP, baresip phones, lanes,
        # sipp agents.
        baresip = settings.baresip * BARESIP_PORTS
        low, _ = free_udp_range(RTP_PORTS + baresip + settings.lanes + settings.agents)
        self.baresip_low = low + RTP_PORTS
        self.lane_ports = [self.baresip_low + baresip + i for i in range(settings.lanes)]
        self.agent_ports = [self.lane_ports[-1] + 1 + i for i in range(settings.agents)]
        rtp = (low, low + RTP_PORTS - 1)
        self.engine: Engine = center.engine(settings.agents, self.lane_ports, rtp, self.sink)
        self.phones: list[Phone] = []
        self.restart_at: dict[int, float] = {}  # phone index -> when to start it again
        self.stopping = False
        self.kills = 0

    @property
    def center(self) -> ContactCenter:
        return self.engine.center

    @property
    def switch(self) -> str:
        return f"{center.HOST}:{self.engine.sip_port}"

    # === agents =========================================================================
    async def start_agents(self) -> None:
        first_baresip = self.settings.agents - self.settings.baresip
        for i in range(self.settings.agents):
            self.phones.append(self.phone(i, i - first_baresip))
        behaviours = [_pick(self.rng, BEHAVIOURS) for _ in self.phones]
        behaviours[0] = Behaviour.ANSWER  # at least one agent answers from the start
        started = await asyncio.gather(
            *(p.start(b) for p, b in zip(self.phones, behaviours, strict=True))
        )
        if not all(started):
            raise RuntimeError(f"agent phones did not start: {started}")
        for i in range(self.settings.agents):
            self.center.login(center.agent_of(i), center.extension_of(i))

    def phone(self, i: int, baresip: int) -> Phone:
        """Agent i's phone: sipp, or the `baresip`-th baresip phone when that is >= 0."""
        extension, folder = center.extension_of(i), self.work / f"agent{i}"
        if baresip < 0:
            return AgentPhone(extension, self.agent_ports[i], self.switch, folder)
        wav = self.work / "tone.wav"
        if not wav.exists():
            write_tone_wav(wav)
        first = self.baresip_low + baresip * BARESIP_PORTS
        return BaresipAgent(extension, first + 22, first + 21, first, self.switch, folder, wav)

    def act(self, name: str, command: object) -> None:
        """Count an agent action; a refusal of the switch counts as refused."""
        try:
            if callable(command):
                command()
            self.report.agent_actions[name] += 1
        except CommandError as error:
            self.report.agent_actions[f"{name} refused ({error.code})"] += 1

    def change_status(self) -> None:
        i = self.rng.randrange(self.settings.agents)
        agent_id, extension = center.agent_of(i), center.extension_of(i)
        agent = self.center.acd.agents[agent_id]
        roll = self.rng.random()
        if agent.status is AgentStatus.LOGGED_OUT:
            ready = roll < 0.8
            self.act("login", lambda: self.center.login(agent_id, extension, ready=ready))
        elif agent.status is AgentStatus.READY:
            if roll < 0.65:
                reason = self.rng.choice(center.REASONS).code
                self.act("not_ready", lambda: self.center.set_not_ready(agent_id, reason))
            else:
                self.act("logout", lambda: self.center.logout(agent_id))
        elif roll < 0.85:
            self.act("ready", lambda: self.center.set_ready(agent_id))
        else:
            self.act("logout", lambda: self.center.logout(agent_id))

    async def kill_one(self, state: AgentState, name: str) -> None:
        """SIGKILL the phone of one agent now in ``state`` (a queue call's), if any."""
        candidates = [
            i
            for i, phone in enumerate(self.phones)
            if phone.alive
            and (agent := self.center.acd.agents[center.agent_of(i)]).state is state
            and agent.extension == phone.extension
        ]
        if not candidates or self.kills >= self.settings.max_kills:
            return
        i = self.rng.choice(candidates)
        self.kills += 1
        self.report.agent_actions[name] += 1
        self.restart_at[i] = time.monotonic() + self.rng.uniform(1.0, 4.0)
        await self.phones[i].kill()

    async def restart_due(self) -> None:
        now = time.monotonic()
        for i, when in list(self.restart_at.items()):
            if when <= now:
                del self.restart_at[i]
                behaviour = _pick(self.rng, BEHAVIOURS)
                ok = await self.phones[i].start(behaviour)
                self.report.agent_actions["phone_restarted" if ok else "phone_restart_failed"] += 1

    async def drive(self) -> None:
        """Until `stopping`: each step runs to its end, so that no phone is left half
        started (a cancelled start would leave its sipp or baresip running, unowned)."""
        settings = self.settings
        while not self.stopping:
            await asyncio.sleep(TICK)
            if self.rng.random() < settings.status_chance:
                self.change_status()
            if self.rng.random() < settings.kill_chance:
                await self.kill_one(AgentState.RINGING, "phone_killed_ringing")
            if self.rng.random() < settings.kill_chance:
                await self.kill_one(AgentState.IN_CALL, "phone_killed_in_call")
            await self.restart_due()

    # === customers ======================================================================
    async def customers(self) -> None:
        lanes: asyncio.Queue[int] = asyncio.Queue()
        for port in self.lane_ports:
            lanes.put_nowait(port)
        running: set[asyncio.Task[None]] = set()
        logs = self.work / "customers"
        logs.mkdir(parents=True, exist_ok=True)

        async def one(call: CustomerCall, port: int) -> None:
            try:
                status = await place_call(
                    call, self.switch, port, center.HOTLINE, logs / f"{port}.log"
                )
                self.report.sipp_exit[status] += 1
            finally:
                lanes.put_nowait(port)

        for number in range(self.settings.calls):
            await asyncio.sleep(self.rng.expovariate(self.settings.rate))
            call = plan_call(self.rng, number)
            port = await lanes.get()
            self.report.placed += 1
            task = asyncio.create_task(one(call, port), name=f"chaos-customer-{number}")
            running.add(task)
            task.add_done_callback(running.discard)
        await asyncio.gather(*running)

    # === the end ========================================================================
    async def settle(self) -> None:
        began = time.monotonic()
        while self.engine.calls.calls and time.monotonic() - began < self.settings.drain:
            await asyncio.sleep(0.2)
        self.report.drained_in = time.monotonic() - began
        await asyncio.sleep(self.settings.settle)

    def read_books(self) -> None:
        report, events = self.report, self.sink.events
        report.problems = {
            "agents": books.stuck_agents(self.center, time.time()),
            "records": books.call_records(events),
            "held": books.held(self.center, self.engine.media.pool.in_use),
        }
        report.started = sum(
            1 for e in events if isinstance(e, CallStarted) and e.trunk.startswith("lane")
        )
        connected = [e for e in events if isinstance(e, AgentConnected)]
        on_baresip = {p.extension for p in self.phones if isinstance(p, BaresipAgent)}
        report.answered = len(connected)
        report.answered_baresip = sum(1 for e in connected if e.extension in on_baresip)
        report.phases = books.phases(events)
        report.repairs = books.repairs(events)
        report.repair_samples = books.repair_samples(events)
        report.events = books.events_by_type(events)


async def run_churn_async(settings: Settings, work: Path) -> Report:
    began = time.monotonic()
    before = fds()
    others = set(children())  # the test session's own (a shared server): not ours
    churn = Churn(settings, work)
    print(f"chaos: seed {settings.seed}, {settings.calls} calls at {settings.rate:g}/s")
    await churn.engine.start()
    driver: asyncio.Task[None] | None = None
    try:
        await churn.start_agents()
        driver = asyncio.create_task(churn.drive(), name="chaos-driver")
        await churn.customers()
        churn.stopping = True
        await driver
        await churn.settle()
        churn.read_books()
    finally:
        if driver is not None and not driver.done():
            driver.cancel()
            await asyncio.gather(driver, return_exceptions=True)
        await asyncio.gather(*(phone.stop() for phone in churn.phones))
        await churn.engine.stop()
    await asyncio.sleep(0.2)
    current = asyncio.current_task()
    churn.report.tasks_left = [
        task.get_name() for task in asyncio.all_tasks() if task is not current and not task.done()
    ]
    churn.report.children_left = [pid for pid in children() if pid not in others]
    churn.report.fds_before, churn.report.fds_after = before, fds()
    churn.report.seconds = time.monotonic() - began
    return churn.report


def run_churn(settings: Settings, work: Path) -> Report:
    report = asyncio.run(run_churn_async(settings, work))
    for line in report.lines():
        print(f"chaos: {line}")
    return report
