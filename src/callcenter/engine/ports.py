"""The seam between the switch and the service desk: what the switch needs from outside.

The switch is configured by the web (extensions, later trunks, queues, IVR flows) and
reports what happens as events. Both directions are Protocols here; the Django side
implements them in `callcenter.telephony` (in one process a direct call, across processes
over Redis). Nothing in `engine` knows which implementation it talks to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from callcenter.engine.events import Event
from callcenter.engine.ivr.flow import Flow


@dataclass(frozen=True, slots=True)
class ExtensionEntry:
    """What the switch knows of one extension."""

    number: str
    sip_password: str
    display_name: str = ""
    outbound_allowed: bool = False  # may dial out through a trunk ("0" prefix, A1)
    fax: bool = False  # relayed G.711 end to end, untouched (A14)


@dataclass(frozen=True, slots=True)
class TrunkEntry:
    """A SIP trunk (中继): a gateway or carrier the switch calls out through and takes
    calls in from. Calls from ``host`` (and ``port`` when registering is off) are
    accepted as this trunk's without authentication; the caller's number is the From
    user. When ``register`` is set the switch registers ``username`` to it; ``username``
    and ``password`` also answer its digest challenges."""

    name: str
    host: str
    port: int = 5060
    transport: str = "udp"
    username: str = ""
    password: str = ""
    register: bool = False
    register_expires: int = 3600
    caller_id: str = ""  # the From user on outbound calls; else the extension number
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class InboundRoute:
    """A dialled number (DID) arriving on a trunk, and where it leads (a destination
    string, `engine.calls.destinations`: an extension, a service number, ``queue:NAME``
    or ``flow:NAME``). ``trunk`` empty: any trunk, and extensions may dial it too (the
    hotline number)."""

    did: str
    destination: str
    trunk: str = ""


@dataclass(frozen=True, slots=True)
class TierEntry:
    """An agent's place in a queue (app_queue's member, mod_callcenter's tier): agents of
    a lower ``level`` are offered calls first; ``position`` orders agents within a level
    for the linear strategy."""

    agent: str
    level: int = 1
    position: int = 1


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """An ACD queue (队列, 技能组) as administered in the web.

    ``relax`` loosens the skill rule while a caller waits: ``((30, 3), (60, 0))`` means
    after 30 s an agent with proficiency 3 or more may take the call, after 60 s any agent
    of the queue. ``overflow`` and the destinations are destination strings
    (`engine.calls.destinations`)."""

    name: str
    display_name: str = ""
    strategy: str = "longest-idle"
    weight: int = 0  # an agent in several queues serves the heaviest queue first
    tiers: tuple[TierEntry, ...] = ()
    skill: str = ""  # the skill a caller of this queue needs ("" none)
    min_proficiency: int = 1  # 1..10: the proficiency asked for at first
    relax: tuple[tuple[float, int], ...] = ()
    ring_timeout: float = 15.0  # how long one agent's phone rings before the next is tried
    wrap_up: float = 10.0  # 话后处理: seconds after each call before the next
    max_wait: float = 0.0  # 0: no limit; else the caller goes to ``overflow``
    overflow: str = ""  # where callers go after max_wait ("" : they are told and released)
    join_empty: bool = True  # callers may join while no agent is logged in
    leave_empty: bool = False  # callers leave (to ``overflow``) when the last agent logs out
    announce_interval: float = 60.0  # position and expected wait; 0: never
    announce_position: bool = True
    music: str = ""  # a prompt to loop while waiting ("" : the built-in music on hold)
    no_answer_delay: float = 10.0  # an agent who did not answer is skipped this long
    max_no_answer: int = 3  # misses in a row before the agent is set not ready
    busy_delay: float = 10.0  # after 486 from the agent's phone
    reject_delay: float = 10.0  # after 603/decline
    progressive_step: float = 5.0  # ring-progressively: another agent every this long
    service_level: float = 20.0  # seconds: the target answer time (reports, sizing)


@dataclass(frozen=True, slots=True)
class AgentEntry:
    """An agent (坐席) who may log in to the switch: by agent ID on any extension.
    ``skills`` are (skill, proficiency 1..10); ``supervises``: the queues whose calls and
    agents a supervisor may listen to, whisper, barge or force ("*" all); ``auto_answer``:
    queue calls are offered asking the phone to answer by itself (自动应答)."""

    agent_id: str
    name: str = ""
    skills: tuple[tuple[str, int], ...] = ()
    supervisor: bool = False
    supervises: tuple[str, ...] = ()
    pickup_group: str = ""  # who *06 may pick up from: agents of the same group
    auto_answer: bool = False


@dataclass(frozen=True, slots=True)
class ReasonEntry:
    """A not-ready reason code (示忙原因) from the administered list."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class AgentPresence:
    """An agent's chosen status as last persisted: restored when the switch restarts."""

    agent_id: str
    extension: str
    status: str  # ready | not_ready
    reason: str = ""


class Directory(Protocol):
    """Who may register and call: the switch's configuration, read from outside."""

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        """All extensions, by number."""
        ...

    async def trunks(self) -> Mapping[str, TrunkEntry]:
        """All trunks, by name."""
        ...

    async def routes(self) -> tuple[InboundRoute, ...]:
        """The inbound routes (DID to destination)."""
        ...

    async def queues(self) -> Mapping[str, QueueEntry]:
        """The ACD queues, by name, with their tiers."""
        ...

    async def agents(self) -> Mapping[str, AgentEntry]:
        """Everyone who may log in as an agent, by agent ID."""
        ...

    async def flows(self) -> Mapping[str, Flow]:
        """The IVR flows, by name (each already checked when it was saved)."""
        ...

    async def reasons(self) -> tuple[ReasonEntry, ...]:
        """The not-ready reason codes."""
        ...

    async def presences(self) -> tuple[AgentPresence, ...]:
        """Agents logged in when the switch last stopped (to log them in again)."""
        ...

    async def check_agent(self, agent_id: str, password: str) -> bool:
        """Whether ``password`` is the agent's (login from a phone's keypad)."""
        ...

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from any thread) whenever the configuration changed."""
        ...


class EventSink(Protocol):
    """Where events go. `emit` never blocks the switch and never raises."""

    def emit(self, event: Event) -> None: ...


class MemoryEventSink:
    """Keeps events in a list: for tests and for running the switch on its own."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)


class StaticDirectory:
    """A fixed configuration: for tests and for running the switch on its own."""

    def __init__(
        self,
        entries: Mapping[str, ExtensionEntry],
        trunks: Mapping[str, TrunkEntry] | None = None,
        routes: tuple[InboundRoute, ...] = (),
        *,
        queues: Mapping[str, QueueEntry] | None = None,
        agents: Mapping[str, AgentEntry] | None = None,
        flows: Mapping[str, Flow] | None = None,
        reasons: tuple[ReasonEntry, ...] = (),
        passwords: Mapping[str, str] | None = None,
    ) -> None:
        self.entries = dict(entries)
        self.trunk_entries = dict(trunks or {})
        self.route_entries = routes
        self.queue_entries = dict(queues or {})
        self.agent_entries = dict(agents or {})
        self.flow_entries = dict(flows or {})
        self.reason_entries = reasons
        self.passwords = dict(passwords or {})  # agent ID -> password (tests: the ID)
        self.presence_entries: tuple[AgentPresence, ...] = ()
        self._callbacks: list[Callable[[], None]] = []

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        return dict(self.entries)

    async def trunks(self) -> Mapping[str, TrunkEntry]:
        return dict(self.trunk_entries)

    async def routes(self) -> tuple[InboundRoute, ...]:
        return self.route_entries

    async def queues(self) -> Mapping[str, QueueEntry]:
        return dict(self.queue_entries)

    async def agents(self) -> Mapping[str, AgentEntry]:
        return dict(self.agent_entries)

    async def flows(self) -> Mapping[str, Flow]:
        return dict(self.flow_entries)

    async def reasons(self) -> tuple[ReasonEntry, ...]:
        return self.reason_entries

    async def presences(self) -> tuple[AgentPresence, ...]:
        return self.presence_entries

    async def check_agent(self, agent_id: str, password: str) -> bool:
        expected = self.passwords.get(agent_id, agent_id)
        return agent_id in self.agent_entries and password == expected

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def replace(
        self,
        entries: Mapping[str, ExtensionEntry] | None = None,
        trunks: Mapping[str, TrunkEntry] | None = None,
        routes: tuple[InboundRoute, ...] | None = None,
        *,
        queues: Mapping[str, QueueEntry] | None = None,
        agents: Mapping[str, AgentEntry] | None = None,
        flows: Mapping[str, Flow] | None = None,
    ) -> None:
        """Change what is given (None: keep) and tell the switch."""
        if entries is not None:
            self.entries = dict(entries)
        if trunks is not None:
            self.trunk_entries = dict(trunks)
        if routes is not None:
            self.route_entries = routes
        if queues is not None:
            self.queue_entries = dict(queues)
        if agents is not None:
            self.agent_entries = dict(agents)
        if flows is not None:
            self.flow_entries = dict(flows)
        for callback in self._callbacks:
            callback()
