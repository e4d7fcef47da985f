"""The switch's call events become call records, legs and recordings (A8, A10)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from channels.layers import get_channel_layer

from callcenter.engine.events import (
    CallAnswered,
    CallDirection,
    CallEnded,
    CallStarted,
    EndCause,
    EngineStarted,
    LegRole,
    LegStarted,
    RecordingSaved,
    RegistrationChange,
    RegistrationChanged,
)
from callcenter.recordings.choices import Cause, Direction, HangupBy
from callcenter.recordings.choices import LegRole as LegRoleChoice
from callcenter.recordings.events import CALLS_GROUP, apply_call_events
from callcenter.recordings.models import CallLeg, CallRecord, Recording
from callcenter.telephony.event_sink import DjangoEventSink
from tests.recordings.calls import NOW, inbound_call, internal_call
from tests.telephony.test_switch_seam import binding


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(NOW + seconds, tz=UTC)


def test_choices_cover_every_value_the_engine_sends() -> None:
    assert set(Cause.values) == {cause.value for cause in EndCause}
    assert set(Direction.values) == {direction.value for direction in CallDirection}
    assert set(LegRoleChoice.values) == {role.value for role in LegRole}
    assert set(HangupBy.values) == {"caller", "callee", "switch"}


def test_a_whole_call(db: None) -> None:
    assert apply_call_events(inbound_call(), "callcenter")
    call = CallRecord.objects.get()
    assert call.call_id == "c1"
    assert call.direction == Direction.INBOUND
    assert (call.caller, call.caller_name, call.dialled, call.trunk) == (
        "13800138000",
        "张三",
        "4008000000",
        "demo-gw",
    )
    assert (call.started_at, call.ringing_at, call.answered_at, call.ended_at) == (
        at(0),
        at(1),
        at(5),
        at(65),
    )
    assert call.answered_by == "70001"
    assert (call.cause, call.hangup_by, call.sip_status) == ("normal", "callee", 0)
    assert call.ring_seconds == 4
    assert call.talk_seconds == 60
    caller_leg, callee_leg = call.legs.order_by("started_at")
    assert (caller_leg.role, caller_leg.party, caller_leg.trunk) == (
        "caller",
        "13800138000",
        "demo-gw",
    )
    assert (callee_leg.role, callee_leg.party, callee_leg.remote) == (
        "callee",
        "70001",
        "192.0.2.10:5062",
    )
    assert callee_leg.answered_at == at(5)
    assert callee_leg.ended_at == at(65)
    assert (callee_leg.cause, callee_leg.codec) == ("normal", "PCMA")
    recording = Recording.objects.get()
    assert recording.call == call
    assert (recording.path, recording.duration, recording.size) == (
        "2027/01/15/c1.wav",
        60.0,
        960_044,
    )
    assert recording.started_at == at(5)


def test_unanswered_call_has_ring_time_but_no_talk_time(db: None) -> None:
    apply_call_events(internal_call("c2", "70001", "70002", answered=False), "callcenter")
    call = CallRecord.objects.get()
    assert call.answered_at is None
    assert (call.cause, call.sip_status) == (Cause.NO_ANSWER, 480)
    assert call.ring_seconds == 19
    assert call.talk_seconds is None


def test_recording_saved_before_the_call_ended(db: None) -> None:
    events = inbound_call()
    recording, ended = events[-1], events[-2]
    assert isinstance(recording, RecordingSaved)
    assert isinstance(ended, CallEnded)
    apply_call_events([*events[:-2], recording], "callcenter")
    assert CallRecord.objects.get().ended_at is None
    assert Recording.objects.get().path == "2027/01/15/c1.wav"
    apply_call_events([ended], "callcenter")
    call = CallRecord.objects.get()
    assert call.ended_at == at(65)
    assert call.recording.duration == 60.0


def test_events_of_an_unknown_call_create_it_and_the_start_fills_it_in(db: None) -> None:
    events = inbound_call()
    started = events[0]
    apply_call_events([events[-1]], "node-b")  # the recording, alone
    call = CallRecord.objects.get()
    assert call.caller == ""
    assert call.node == "node-b"
    assert call.started_at == at(5)  # the best guess: when the recording started
    apply_call_events(events[1:-1], "node-b")  # everything but the start
    apply_call_events([started], "node-b")
    call.refresh_from_db()
    assert (call.caller, call.caller_name, call.direction) == ("13800138000", "张三", "inbound")
    assert call.started_at == at(0)
    assert call.node == "callcenter"  # as the switch said
    assert call.talk_seconds == 60
    assert call.legs.count() == 2
    assert CallLeg.objects.get(leg="c1-a").party == "13800138000"


def test_duplicates_are_harmless(db: None) -> None:
    events = inbound_call()
    apply_call_events(events, "callcenter")
    apply_call_events(events, "callcenter")
    apply_call_events(events[:3] + events[:3], "callcenter")
    assert CallRecord.objects.count() == 1
    assert CallLeg.objects.count() == 2
    assert Recording.objects.count() == 1
    # A late, contradicting end changes nothing: the first end wins.
    apply_call_events(
        [CallEnded(at=NOW + 99, call="c1", cause=EndCause.FAILED, hangup_by="switch")],
        "callcenter",
    )
    apply_call_events(
        [CallAnswered(at=NOW + 50, call="c1", leg="c1-b", answered_by="70002")], "callcenter"
    )
    call = CallRecord.objects.get()
    assert (call.ended_at, call.cause, call.hangup_by) == (at(65), "normal", "callee")
    assert (call.answered_at, call.answered_by) == (at(5), "70001")


def test_engine_start_ends_the_calls_it_left_open(db: None) -> None:
    open_call = inbound_call("c1")[:5]  # answered, still talking
    apply_call_events(open_call, "callcenter")
    other_node = internal_call("c9", "70003", "70004")[:4]
    apply_call_events(other_node, "node-b")
    CallRecord.objects.filter(call_id="c9").update(node="node-b")
    finished = internal_call("c2", "70001", "70002")
    apply_call_events(finished, "callcenter")

    assert apply_call_events([EngineStarted(at=NOW + 600, node="callcenter")], "callcenter")
    call = CallRecord.objects.get(call_id="c1")
    assert (call.ended_at, call.cause, call.hangup_by) == (at(600), "shutdown", "switch")
    assert call.talk_seconds == 595
    assert set(call.legs.values_list("cause", flat=True)) == {"shutdown"}
    assert CallRecord.objects.get(call_id="c9").ended_at is None  # another switch's call
    assert CallRecord.objects.get(call_id="c2").cause == "normal"  # already ended
    # Nothing left open: a second start changes nothing.
    assert not apply_call_events([EngineStarted(at=NOW + 700, node="callcenter")], "callcenter")
    # The real end, arriving late, replaces the closure.
    apply_call_events(
        [CallEnded(at=NOW + 300, call="c1", cause=EndCause.NORMAL, hangup_by="caller")],
        "callcenter",
    )
    call.refresh_from_db()
    assert (call.ended_at, call.cause, call.hangup_by) == (at(300), "normal", "caller")


def test_engine_start_in_the_middle_of_a_batch(db: None) -> None:
    before = inbound_call("c1")[:5]
    after = internal_call("c3", "70001", "70002")[:4]
    apply_call_events(
        [*before, EngineStarted(at=NOW + 100, node="callcenter"), *after], "callcenter"
    )
    assert CallRecord.objects.get(call_id="c1").cause == "shutdown"
    assert CallRecord.objects.get(call_id="c3").ended_at is None


@pytest.mark.parametrize("path", ["../secret_key", "/etc/passwd", "2027/../../x.wav", ""])
def test_recording_path_outside_the_folder_is_refused(db: None, path: str) -> None:
    events = inbound_call(recording=path or "x")
    saved = events[-1]
    assert isinstance(saved, RecordingSaved)
    events[-1] = RecordingSaved(
        at=saved.at, call="c1", path=path, duration=1.0, size=1, started_at=saved.started_at
    )
    apply_call_events(events, "callcenter")
    assert CallRecord.objects.count() == 1
    assert not Recording.objects.exists()


def test_other_events_change_no_call(db: None) -> None:
    registration = RegistrationChanged(at=NOW, change=RegistrationChange.ADDED, binding=binding())
    assert not apply_call_events([registration], "callcenter")
    assert not CallRecord.objects.exists()


def test_a_new_leg_for_a_transferred_call(db: None) -> None:
    apply_call_events(inbound_call()[:5], "callcenter")
    apply_call_events(
        [
            LegStarted(
                at=NOW + 10,
                call="c1",
                leg="c1-c",
                role=LegRole.CALLEE,
                party="70002",
                sip_call_id="c1-c@callcenter",
            )
        ],
        "callcenter",
    )
    assert list(
        CallRecord.objects.get().legs.order_by("started_at").values_list("party", flat=True)
    ) == ["13800138000", "70001", "70002"]


@pytest.mark.django_db(transaction=True)
def test_event_writer_stores_calls_and_tells_the_live_pages() -> None:
    events = inbound_call()

    async def scenario() -> dict[str, str]:
        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        await layer.group_add(CALLS_GROUP, channel)
        sink = DjangoEventSink()
        task = asyncio.create_task(sink.run())
        for event in events:
            sink.emit(event)
        message = await asyncio.wait_for(layer.receive(channel), 10)
        while sink.applied < len(events):
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return dict(message)

    assert asyncio.run(scenario()) == {"type": "calls.changed"}
    call = CallRecord.objects.get()
    assert call.ended_at - call.started_at == timedelta(seconds=65)
    assert call.recording.path == "2027/01/15/c1.wav"


@pytest.mark.django_db(transaction=True)
def test_event_writer_drains_calls_at_shutdown() -> None:
    sink = DjangoEventSink()
    sink.emit(
        CallStarted(
            at=NOW, call="c5", direction=CallDirection.OUTBOUND, caller="70001", dialled="013800"
        )
    )
    asyncio.run(sink.drain())
    assert CallRecord.objects.get().direction == "outbound"


def test_too_long_values_from_the_wire_are_cut_not_refused(db: None) -> None:
    events = inbound_call(caller_name="张" * 150)
    apply_call_events(events, "callcenter")
    assert CallRecord.objects.get().caller_name == "张" * 100


def test_an_event_that_cannot_be_stored_spoils_nothing_else(
    db: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(batch: object, event: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("callcenter.recordings.events._ringing", broken)
    assert apply_call_events(inbound_call(), "callcenter")
    call = CallRecord.objects.get()
    assert call.ringing_at is None
    assert (call.answered_by, call.cause) == ("70001", "normal")
    assert call.recording.path == "2027/01/15/c1.wav"
    assert "could not store the switch event" in caplog.text
