"""The contact center the chaos test runs against: its directory and its engine.

Owns the configuration of a churn run: customer lanes (each a trunk with its own port,
so a customer's INVITE needs no authentication), agent extensions 71001.. and agents
81001.., three queues with different strategies sharing the agents, an IVR menu that
leads to them, and not-ready reasons. Timers are short so that every path (no answer,
busy, reject, wrap-up, the menu giving up) happens many times in a few minutes.
"""

from __future__ import annotations

from collections.abc import Sequence

from callcenter.engine.ivr.flow import Flow
from callcenter.engine.ports import (
    AgentEntry,
    EventSink,
    ExtensionEntry,
    InboundRoute,
    QueueEntry,
    ReasonEntry,
    StaticDirectory,
    TierEntry,
    TrunkEntry,
)
from callcenter.engine.switch import Engine, EngineConfig

HOST = "127.0.0.1"
HOTLINE = "4000"
FLOW = "chaos"
REASONS = (ReasonEntry("break", "Break"), ReasonEntry("meeting", "Meeting"))
# The IVR digit for each queue, and the queue's strategy.
QUEUES = {"1": ("sales", "longest-idle"), "2": ("support", "ring-all"), "3": ("billing", "linear")}


def extension_of(index: int) -> str:
    return f"{71001 + index}"


def agent_of(index: int) -> str:
    return f"{81001 + index}"


def menu() -> Flow:
    """Hotline menu: 1, 2, 3 to a queue; nothing for 4 s twice: goodbye."""
    choices = {digit: name for digit, (name, _) in QUEUES.items()}
    nodes: list[dict[str, object]] = [
        {
            "kind": "menu",
            "id": "main",
            "prompt": "demo-menu",
            "choices": choices,
            "timeout": 4.0,
            "retries": 2,
            "failure": "bye",
        },
        {"kind": "hangup", "id": "bye"},
    ]
    nodes += [
        {"kind": "transfer", "id": name, "destination": f"queue:{name}"}
        for name, _ in QUEUES.values()
    ]
    return Flow.from_dict(FLOW, {"start": "main", "nodes": nodes})


def queues(agents: int) -> dict[str, QueueEntry]:
    """Three queues over overlapping thirds of the agents: sales the first two thirds,
    support the last two, billing all of them (two tier levels)."""
    third = max(agents // 3, 1)
    members = {
        "sales": range(2 * third),
        "support": range(third, agents),
        "billing": range(agents),
    }
    found = {}
    for name, strategy in QUEUES.values():
        tiers = tuple(
            TierEntry(agent_of(i), level=1 + (name == "billing" and i >= third), position=i)
            for i in members[name]
        )
        found[name] = QueueEntry(
            name=name,
            strategy=strategy,
            tiers=tiers,
            ring_timeout=4.0,
            wrap_up=1.0,
            announce_interval=6.0,
            no_answer_delay=3.0,
            busy_delay=2.0,
            reject_delay=2.0,
            max_no_answer=3,
        )
    return found


def directory(agents: int, lanes: Sequence[int]) -> StaticDirectory:
    """Agents' extensions (password = number), one trunk per customer lane port, the
    hotline routed to the IVR flow."""
    extensions = {
        extension_of(i): ExtensionEntry(extension_of(i), extension_of(i), f"Agent phone {i}")
        for i in range(agents)
    }
    trunks = {f"lane{n}": TrunkEntry(f"lane{n}", HOST, port) for n, port in enumerate(lanes)}
    return StaticDirectory(
        extensions,
        trunks,
        (InboundRoute(HOTLINE, f"flow:{FLOW}"),),
        queues=queues(agents),
        agents={agent_of(i): AgentEntry(agent_of(i), f"Agent {i}") for i in range(agents)},
        flows={FLOW: menu()},
        reasons=REASONS,
    )


def engine(agents: int, lanes: Sequence[int], rtp: tuple[int, int], events: EventSink) -> Engine:
    """The switch on 127.0.0.1, a port of the system's choice, UDP only, no recordings."""
    config = EngineConfig(
        nonce_secret=b"chaos" * 8,
        sip_host=HOST,
        sip_port=0,
        tcp=False,
        rtp_low=rtp[0],
        rtp_high=rtp[1],
        recordings=None,
        ring_timeout=10.0,
    )
    return Engine(config, directory(agents, lanes), events)
