"""Call events as the switch emits them, for the recordings tests."""

from __future__ import annotations

from callcenter.engine.events import (
    CallAnswered,
    CallDirection,
    CallEnded,
    CallHeld,
    CallResumed,
    CallRinging,
    CallStarted,
    DtmfReceived,
    EndCause,
    Event,
    LegEnded,
    LegRole,
    LegStarted,
    RecordingSaved,
)

NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC, 16:00 in Shanghai


def inbound_call(
    call: str = "c1",
    at: float = NOW,
    caller: str = "13800138000",
    caller_name: str = "张三",
    agent: str = "70001",
    recording: str | None = "2027/01/15/c1.wav",
) -> list[Event]:
    """张三 calls the hotline on demo-gw; `agent` answers after 5 s (ringing from 1 s),
    they talk 60 s, the agent hangs up; the recording is saved."""
    events: list[Event] = [
        CallStarted(
            at=at,
            call=call,
            direction=CallDirection.INBOUND,
            caller=caller,
            dialled="4008000000",
            caller_name=caller_name,
            trunk="demo-gw",
            node="callcenter",
        ),
        LegStarted(
            at=at,
            call=call,
            leg=f"{call}-a",
            role=LegRole.CALLER,
            party=caller,
            sip_call_id=f"{call}-a@gw",
            remote="127.0.0.1:5090",
            trunk="demo-gw",
        ),
        LegStarted(
            at=at + 0.2,
            call=call,
            leg=f"{call}-b",
            role=LegRole.CALLEE,
            party=agent,
            sip_call_id=f"{call}-b@callcenter",
            remote="192.0.2.10:5062",
        ),
        CallRinging(at=at + 1, call=call, leg=f"{call}-b"),
        CallAnswered(at=at + 5, call=call, leg=f"{call}-b", answered_by=agent),
        CallHeld(at=at + 20, call=call, leg=f"{call}-b"),
        CallResumed(at=at + 30, call=call, leg=f"{call}-b"),
        DtmfReceived(at=at + 31, call=call, leg=f"{call}-a", digit="1", source="rfc4733"),
        LegEnded(
            at=at + 65,
            call=call,
            leg=f"{call}-b",
            cause=EndCause.NORMAL,
            codec="PCMA",
            answered_at=at + 5,
        ),
        LegEnded(
            at=at + 65,
            call=call,
            leg=f"{call}-a",
            cause=EndCause.NORMAL,
            codec="PCMA",
            answered_at=at + 5,
        ),
        CallEnded(at=at + 65, call=call, cause=EndCause.NORMAL, hangup_by="callee"),
    ]
    if recording:
        events.append(
            RecordingSaved(
                at=at + 65.5,
                call=call,
                path=recording,
                duration=60.0,
                size=960_044,
                started_at=at + 5,
            )
        )
    return events


def internal_call(
    call: str, caller: str, callee: str, at: float = NOW, answered: bool = True
) -> list[Event]:
    events: list[Event] = [
        CallStarted(
            at=at, call=call, direction=CallDirection.INTERNAL, caller=caller, dialled=callee
        ),
        LegStarted(
            at=at, call=call, leg=f"{call}-a", role=LegRole.CALLER, party=caller, sip_call_id="x"
        ),
        LegStarted(
            at=at, call=call, leg=f"{call}-b", role=LegRole.CALLEE, party=callee, sip_call_id="y"
        ),
        CallRinging(at=at + 1, call=call, leg=f"{call}-b"),
    ]
    if answered:
        events += [
            CallAnswered(at=at + 3, call=call, leg=f"{call}-b", answered_by=callee),
            CallEnded(at=at + 33, call=call, cause=EndCause.NORMAL, hangup_by="caller"),
        ]
    else:
        events.append(CallEnded(at=at + 20, call=call, cause=EndCause.NO_ANSWER, sip_status=480))
    return events
