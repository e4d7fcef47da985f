"""The chaos test's checks can fail: each is fed books that do not balance (`books`).

Pure: a contact center built from `center.directory` but never started, and hand-made
event lists. Persona: agent 81001 at extension 71001; a customer's call ``c1``.
"""

from __future__ import annotations

import time

from callcenter.engine.acd.states import AgentState
from callcenter.engine.events import (
    AgentConnected,
    AgentMissed,
    CallDirection,
    CallEnded,
    CallStarted,
    EndCause,
    Event,
    MissReason,
    QueueJoined,
    QueueLeft,
    QueueOutcome,
    StateRepaired,
)
from callcenter.engine.ports import MemoryEventSink, StaticDirectory
from callcenter.engine.switch import Engine
from tests.chaos import books, center

NOW = 1_800_000_000.0


def contact_center() -> Engine:
    engine = center.engine(3, [30000], (30002, 30099), MemoryEventSink())
    directory = engine.directory
    assert isinstance(directory, StaticDirectory)
    engine.center.acd.configure(directory.queue_entries, directory.agent_entries, now=NOW)
    return engine


def started(call: str) -> CallStarted:
    return CallStarted(NOW, call, CallDirection.INBOUND, "13900000001", "flow:chaos", trunk="lane0")


def ended(call: str, by: str = "caller") -> CallEnded:
    return CallEnded(NOW + 5, call, EndCause.NORMAL, hangup_by=by)


def joined(call: str) -> QueueJoined:
    return QueueJoined(NOW + 1, call, "sales", "13900000001", 1)


def left(call: str, outcome: QueueOutcome = QueueOutcome.ABANDONED) -> QueueLeft:
    return QueueLeft(NOW + 4, call, "sales", outcome, 3.0)


def test_an_agent_ringing_or_talking_without_a_call_is_stuck() -> None:
    engine = contact_center()
    agent = engine.center.acd.agents[center.agent_of(0)]
    agent.login(center.extension_of(0), NOW)
    assert books.stuck_agents(engine.center, time.time()) == []
    agent.set_state(AgentState.RESERVED, NOW, call="c1", queue="sales")
    agent.set_state(AgentState.RINGING, NOW)
    [problem] = books.stuck_agents(engine.center, time.time())
    assert "81001 ringing" in problem
    agent.set_state(AgentState.IN_CALL, NOW)
    assert "81001 in_call" in books.stuck_agents(engine.center, time.time())[0]
    agent.set_state(AgentState.WRAP_UP, NOW)
    agent.wrap_up_until = NOW + 1
    assert "wrap-up" in books.stuck_agents(engine.center, NOW + 10)[0]


def test_a_call_without_its_end_or_ended_twice_is_reported() -> None:
    balanced: list[Event] = [started("c1"), joined("c1"), left("c1"), ended("c1")]
    assert books.call_records(balanced) == []
    assert books.call_records(balanced[:-1]) == ["call c1 started, ended 0 times"]
    assert books.call_records([*balanced, ended("c1")]) == ["call c1 started, ended 2 times"]
    assert books.call_records([ended("c2")]) == ["call c2 ended but never started"]
    assert books.call_records([started("c1"), joined("c1"), ended("c1")]) == [
        "call c1 joined a queue 1 time(s), left 0 time(s)"
    ]


def test_a_call_or_rtp_port_still_held_is_reported() -> None:
    engine = contact_center()
    assert books.held(engine.center, 0) == []
    assert books.held(engine.center, 2) == ["2 RTP ports still in use"]


def test_calls_are_sorted_by_where_the_customer_left() -> None:
    events: list[Event] = [
        ended("ivr"),
        ended("gave-up", by="switch"),
        joined("waited"),
        left("waited"),
        ended("waited"),
        joined("rang"),
        AgentMissed(NOW + 2, "rang", "sales", "81001", MissReason.CALLER_GONE, 1.0),
        left("rang"),
        ended("rang"),
        joined("talked"),
        left("talked", QueueOutcome.ANSWERED),
        AgentConnected(NOW + 2, "talked", "sales", "81001", "71001", 1.0, 1.0),
        ended("talked", by="callee"),
    ]
    assert books.phases(events) == {
        "ivr": 1,
        "ivr_gave_up": 1,
        "queue": 1,
        "ringing": 1,
        "talking_agent": 1,
    }


def test_repairs_are_counted_with_samples() -> None:
    repaired = StateRepaired(NOW, "81001", "ringing_without_call", "idle", "c1")
    assert books.repairs([repaired]) == {"ringing_without_call": 1}
    assert books.repair_samples([repaired]) == ["ringing_without_call: agent 81001, call c1: idle"]
