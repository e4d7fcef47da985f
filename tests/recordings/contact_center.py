"""Contact-center events as the switch emits them (IVR, queue, agents), for the tests.

张三 (13800138000) calls the hotline at `NOW`; the IVR plays the welcome (1 s), he
presses 1 in the main menu (4 s) and joins the queue ``service`` first in line. Agent
80001 (70001) is rung and does not answer (15 s); 80002 (70002) answers after 4 s of
ringing, 21 s after he joined. 80002 holds him 10 s, then transfers him blind to 70008
at 85 s (60 s of talk); 80002's wrap-up lasts 10 s. 张三 hangs up at 145 s.
"""

from __future__ import annotations

from callcenter.engine.events import (
    AgentConnected,
    AgentMissed,
    AgentOffered,
    AgentStateChanged,
    AgentStatusChanged,
    CallDirection,
    CallEnded,
    CallHeld,
    CallResumed,
    CallStarted,
    CallTransferred,
    EndCause,
    Event,
    IvrLeft,
    IvrNodeVisited,
    LegRole,
    LegStarted,
    MissReason,
    QueueJoined,
    QueueLeft,
    QueueOutcome,
)
from tests.recordings.calls import NOW

CALLER = "13800138000"


def started(call: str, at: float = NOW) -> list[Event]:
    return [
        CallStarted(
            at=at,
            call=call,
            direction=CallDirection.INBOUND,
            caller=CALLER,
            dialled="4008000000",
            caller_name="张三",
            trunk="demo-gw",
        ),
        LegStarted(
            at=at,
            call=call,
            leg=f"{call}-a",
            role=LegRole.CALLER,
            party=CALLER,
            sip_call_id=f"{call}-a@gw",
            trunk="demo-gw",
        ),
    ]


def queued_call(call: str = "q1", at: float = NOW) -> list[Event]:
    """The whole story of the module docstring."""
    return [
        *started(call, at),
        IvrNodeVisited(at=at + 1, call=call, flow="hotline", node="welcome", kind="play"),
        IvrNodeVisited(at=at + 4, call=call, flow="hotline", node="main", kind="menu", digits="1"),
        IvrLeft(
            at=at + 4,
            call=call,
            flow="hotline",
            destination="queue:service",
            variables=(("choice", "1"),),
        ),
        QueueJoined(at=at + 4, call=call, queue="service", caller=CALLER, position=1),
        AgentOffered(at=at + 6, call=call, queue="service", agent="80001", extension="70001"),
        AgentMissed(
            at=at + 21,
            call=call,
            queue="service",
            agent="80001",
            reason=MissReason.NO_ANSWER,
            ring_time=15,
        ),
        AgentOffered(at=at + 21, call=call, queue="service", agent="80002", extension="70002"),
        LegStarted(
            at=at + 21,
            call=call,
            leg=f"{call}-b",
            role=LegRole.CALLEE,
            party="70002",
            sip_call_id=f"{call}-b@callcenter",
        ),
        AgentConnected(
            at=at + 25,
            call=call,
            queue="service",
            agent="80002",
            extension="70002",
            wait=21,
            ring_time=4,
        ),
        QueueLeft(
            at=at + 25,
            call=call,
            queue="service",
            outcome=QueueOutcome.ANSWERED,
            wait=21,
            position=1,
            original_position=1,
            agent="80002",
        ),
        AgentStateChanged(at=at + 25, agent="80002", state="in_call", call=call, queue="service"),
        CallHeld(at=at + 40, call=call, leg=f"{call}-b"),
        CallResumed(at=at + 50, call=call, leg=f"{call}-b"),
        CallTransferred(at=at + 85, call=call, kind="blind", by="80002", destination="70008"),
        AgentStateChanged(
            at=at + 85, agent="80002", state="wrap_up", call=call, queue="service", until=at + 95
        ),
        AgentStateChanged(at=at + 95, agent="80002", state="idle"),
        CallEnded(at=at + 145, call=call, cause=EndCause.NORMAL, hangup_by="caller"),
    ]


def answered_call(call: str, hangup_by: str, at: float = NOW) -> list[Event]:
    """Queue ``service``, 80001 answers after 10 s of waiting, they talk 30 s."""
    return [
        *started(call, at),
        QueueJoined(at=at, call=call, queue="service", caller=CALLER, position=2),
        AgentOffered(at=at + 7, call=call, queue="service", agent="80001", extension="70001"),
        AgentConnected(
            at=at + 10,
            call=call,
            queue="service",
            agent="80001",
            extension="70001",
            wait=10,
            ring_time=3,
        ),
        QueueLeft(
            at=at + 10,
            call=call,
            queue="service",
            outcome=QueueOutcome.ANSWERED,
            wait=10,
            position=1,
            original_position=2,
            agent="80001",
        ),
        CallEnded(at=at + 40, call=call, cause=EndCause.NORMAL, hangup_by=hangup_by),
    ]


def left_waiting(call: str, outcome: QueueOutcome, wait: float, at: float = NOW) -> list[Event]:
    """Joins ``service`` second in line, leaves first in line after `wait` seconds."""
    return [
        *started(call, at),
        QueueJoined(at=at, call=call, queue="service", caller=CALLER, position=2),
        QueueLeft(
            at=at + wait,
            call=call,
            queue="service",
            outcome=outcome,
            wait=wait,
            position=1,
            original_position=2,
            destination="70008" if outcome == QueueOutcome.TIMEOUT else "",
        ),
    ]


def status(agent: str, value: str, at: float, reason: str = "", by: str = "") -> Event:
    return AgentStatusChanged(
        at=at, agent=agent, status=value, reason=reason, extension="70001", by=by or agent
    )
