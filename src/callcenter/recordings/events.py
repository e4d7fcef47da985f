"""Stores the switch's call events as call records, legs and recordings.

`apply_call_events(events, node)` is called by the telephony event writer
(`telephony.event_sink.DjangoEventSink`) with each batch of events, in the order the
switch emitted them; it returns whether any call changed, so the live call list can
refresh (group `CALLS_GROUP`, message ``{"type": "calls.changed"}``).

Rules, so that a batch may be applied twice, events may come late, and a lost event
loses only what it carried:
1. Every call event finds its call by the engine's call id; when the call is unknown
   (its `CallStarted` was lost or has not come yet) the record is created with what the
   event says, and the `CallStarted` fills in the rest whenever it comes.
2. A leg is found by (call, leg id) and created the same way.
3. Times are kept once set: the first ringing, the first answer, the first end win; a
   repeated event changes nothing. A real `CallEnded` replaces the closure of rule 5.
4. `RecordingSaved` before or after `CallEnded` both work; a second one for the same call
   replaces the file's details. A path that is absolute or climbs out of the recordings
   folder (``..``) is refused and logged.
5. `EngineStarted` of a node ends every call and leg of that node still open, at that
   time, with cause ``shutdown``: they cannot have survived the restart.
The contact center's events (IVR, queues, agents, supervisors) are stored by
`recordings.activity_events` in the same batch and transaction, with the same rules; the
queue_log lines they make (`recordings.queue_log`) are appended after the commit.
Holds count only toward a queue call's hold time; DTMF digits are not stored.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import partial

from django.db import transaction

from callcenter.engine.events import (
    CallAnswered,
    CallEnded,
    CallRinging,
    CallStarted,
    EngineStarted,
    Event,
    LegEnded,
    LegStarted,
    RecordingSaved,
)
from callcenter.recordings import activity_events, queue_log
from callcenter.recordings.activity_events import ACTIVITY_EVENTS
from callcenter.recordings.choices import Cause, HangupBy
from callcenter.recordings.models import (
    CallLeg,
    CallRecord,
    Recording,
    fit_columns,
    safe_relative_path,
)

log = logging.getLogger(__name__)

CALLS_GROUP = "calls"

CALL_EVENTS = (
    CallStarted,
    LegStarted,
    LegEnded,
    CallRinging,
    CallAnswered,
    CallEnded,
    RecordingSaved,
)
STORED_EVENTS = (*CALL_EVENTS, *ACTIVITY_EVENTS, EngineStarted)  # what is looked at
_fit = fit_columns


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class _Batch:
    """The records of one batch's calls, read once and kept while the batch is applied."""

    def __init__(self, events: list[Event], node: str) -> None:
        self.node = node
        ids = {
            call
            for event in events
            if isinstance(event, STORED_EVENTS) and (call := getattr(event, "call", ""))
        }
        self.calls = {
            record.call_id: record for record in CallRecord.objects.filter(call_id__in=ids)
        }
        self.lines: list[queue_log.QueueLogLine] = []  # appended after the commit

    def call(self, call_id: str, at: float) -> CallRecord:
        record = self.calls.get(call_id)
        if record is None:
            record, _created = CallRecord.objects.get_or_create(
                call_id=call_id, defaults={"started_at": _when(at), "node": self.node}
            )
            self.calls[call_id] = record
        return record

    def find(self, call_id: str) -> CallRecord | None:
        """The call's record when there is one (never created)."""
        if not call_id:
            return None
        record = self.calls.get(call_id)
        if record is None:
            record = CallRecord.objects.filter(call_id=call_id).first()
            if record is not None:
                self.calls[call_id] = record
        return record

    def leg(self, record: CallRecord, leg_id: str, at: float) -> CallLeg:
        leg, _created = CallLeg.objects.get_or_create(
            call=record, leg=leg_id, defaults={"started_at": _when(at)}
        )
        return leg


def _started(batch: _Batch, event: CallStarted) -> None:
    record = batch.call(event.call, event.at)
    record.direction = event.direction.value
    record.caller = event.caller
    record.caller_name = event.caller_name
    record.dialled = event.dialled
    record.trunk = event.trunk
    record.node = event.node or batch.node
    record.started_at = _when(event.at)
    _fit(record).save(
        update_fields=[
            "direction",
            "caller",
            "caller_name",
            "dialled",
            "trunk",
            "node",
            "started_at",
        ]
    )


def _leg_started(batch: _Batch, event: LegStarted) -> None:
    leg = batch.leg(batch.call(event.call, event.at), event.leg, event.at)
    leg.role = event.role.value
    leg.party = event.party
    leg.sip_call_id = event.sip_call_id
    leg.remote = event.remote
    leg.trunk = event.trunk
    leg.started_at = _when(event.at)
    _fit(leg).save(update_fields=["role", "party", "sip_call_id", "remote", "trunk", "started_at"])


def _leg_ended(batch: _Batch, event: LegEnded) -> None:
    leg = batch.leg(batch.call(event.call, event.at), event.leg, event.at)
    if leg.ended_at is not None and leg.cause != Cause.SHUTDOWN:
        return
    leg.ended_at = _when(event.at)
    leg.cause = event.cause.value
    leg.sip_status = event.sip_status
    leg.codec = event.codec or leg.codec
    if event.answered_at is not None and leg.answered_at is None:
        leg.answered_at = _when(event.answered_at)
    _fit(leg).save(update_fields=["ended_at", "cause", "sip_status", "codec", "answered_at"])


def _ringing(batch: _Batch, event: CallRinging) -> None:
    record = batch.call(event.call, event.at)
    if record.ringing_at is None:
        record.ringing_at = _when(event.at)
        record.save(update_fields=["ringing_at"])


def _answered(batch: _Batch, event: CallAnswered) -> None:
    record = batch.call(event.call, event.at)
    if record.answered_at is None:
        record.answered_at = _when(event.at)
        record.answered_by = event.answered_by
        _fit(record).save(update_fields=["answered_at", "answered_by"])
    CallLeg.objects.filter(call=record, leg=event.leg, answered_at__isnull=True).update(
        answered_at=_when(event.at)
    )


def _ended(batch: _Batch, event: CallEnded) -> None:
    record = batch.call(event.call, event.at)
    if record.ended_at is not None and record.cause != Cause.SHUTDOWN:
        return
    record.ended_at = _when(event.at)
    record.cause = event.cause.value
    record.hangup_by = event.hangup_by if event.hangup_by in HangupBy.values else ""
    record.sip_status = event.sip_status
    record.save(update_fields=["ended_at", "cause", "hangup_by", "sip_status"])


def _recording(batch: _Batch, event: RecordingSaved) -> bool:
    relative = safe_relative_path(event.path)
    if relative is None:
        log.warning("recording of call %s refused: unsafe path %r", event.call, event.path)
        return False
    record = batch.call(event.call, event.started_at)
    Recording.objects.update_or_create(
        call=record,
        defaults={
            "path": str(relative),
            "duration": event.duration,
            "size": event.size,
            "started_at": _when(event.started_at),
        },
    )
    return True


def _engine_started(batch: _Batch, event: EngineStarted) -> bool:
    at = _when(event.at)
    legs = CallLeg.objects.filter(call__node=event.node, ended_at__isnull=True)
    count = legs.update(ended_at=at, cause=Cause.SHUTDOWN)
    count += CallRecord.objects.filter(node=event.node, ended_at__isnull=True).update(
        ended_at=at, cause=Cause.SHUTDOWN, hangup_by=HangupBy.SWITCH
    )
    for record in batch.calls.values():  # keep the batch's copies in step
        if record.node == event.node and record.ended_at is None:
            record.ended_at, record.cause, record.hangup_by = at, Cause.SHUTDOWN, HangupBy.SWITCH
    activity_events.engine_started(batch, event)
    return count > 0


def _apply(batch: _Batch, event: Event) -> bool:
    """Store one event; return whether a call changed."""
    if isinstance(event, EngineStarted):
        return _engine_started(batch, event)
    if isinstance(event, RecordingSaved):
        return _recording(batch, event)
    if isinstance(event, CallStarted):
        _started(batch, event)
    elif isinstance(event, LegStarted):
        _leg_started(batch, event)
    elif isinstance(event, LegEnded):
        _leg_ended(batch, event)
    elif isinstance(event, CallRinging):
        _ringing(batch, event)
    elif isinstance(event, CallAnswered):
        _answered(batch, event)
    elif isinstance(event, CallEnded):
        _ended(batch, event)
        activity_events.call_ended(batch, event)
    elif isinstance(event, ACTIVITY_EVENTS):
        return activity_events.apply_activity(batch, event)
    else:
        return False  # digits and the other events: not stored
    return True


def apply_call_events(events: list[Event], node: str) -> bool:
    """Store a batch of the switch's events (the others are skipped); return whether a
    call changed. `node` is the switch the batch comes from (used for calls whose
    `CallStarted` has not been seen). An event that cannot be stored is logged and
    skipped; the rest of the batch is kept."""
    if not any(isinstance(event, STORED_EVENTS) for event in events):
        return False
    changed = False
    with transaction.atomic():
        batch = _Batch(events, node)
        for event in events:
            mark = len(batch.lines)
            try:
                with transaction.atomic():  # a savepoint: one bad event spoils nothing else
                    changed |= _apply(batch, event)
            except Exception:
                log.exception("could not store the switch event %r", event)
                batch.calls.pop(getattr(event, "call", ""), None)  # re-read it if needed
                del batch.lines[mark:]  # its lines went with its rows
        if batch.lines:
            transaction.on_commit(partial(queue_log.append_lines, batch.lines), robust=True)
    return changed
