"""Stores the contact center's events: IVR steps, queue calls, offers to agents,
transfers, supervisors' actions, repairs, and the agents' status history and presence.

Called by `recordings.events.apply_call_events` for each event of a batch, inside its
transaction and the event's savepoint; the queue_log lines an event makes are added to
``batch.lines`` (written after the commit, `recordings.queue_log`). The rules of
`recordings.events` hold here too (a batch may come twice, a call may be unknown), and:

1. A call's events find its `QueueCall` by (call, queue): the latest one still open for
   what the event closes (not yet left, not yet connected). An event whose queue call is
   missing (its `QueueJoined` was lost) creates it from what the event says.
2. A repeated event finds its own row already there (same times) and changes nothing,
   so it writes no queue_log line either: a line is written only for a change.
3. Talk starts at `AgentConnected` and ends at the call's `CallEnded` or at a
   `CallTransferred` while talking; `CallHeld`/`CallResumed` during the talk add up to
   the hold time; wrap-up runs from the agent's ``wrap_up`` state to its next state.
4. `AgentStatusChanged` appends to the history and updates the agent's `AgentPresence`;
   `AgentStateChanged` updates only the presence (and wrap-up times).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from callcenter.engine.events import (
    AgentConnected,
    AgentMissed,
    AgentOffered,
    AgentStateChanged,
    AgentStatusChanged,
    CallEnded,
    CallHeld,
    CallResumed,
    CallTransferred,
    EngineStarted,
    Event,
    IvrLeft,
    IvrNodeVisited,
    QueueJoined,
    QueueLeft,
    StateRepaired,
    SupervisorAction,
)
from callcenter.recordings import queue_log
from callcenter.recordings.choices import (
    AgentState,
    AgentStatus,
    IvrNodeKind,
    OfferResult,
    QueueOutcome,
)
from callcenter.recordings.models import (
    AgentOffer,
    AgentPresence,
    AgentStatusRecord,
    CallLeg,
    CallRecord,
    IvrStep,
    QueueCall,
    StateRepairRecord,
    SupervisorActionRecord,
    TransferRecord,
    fit_columns,
)

if TYPE_CHECKING:
    from callcenter.recordings.events import _Batch

ACTIVITY_EVENTS = (
    IvrNodeVisited,
    IvrLeft,
    QueueJoined,
    QueueLeft,
    AgentOffered,
    AgentMissed,
    AgentConnected,
    AgentStatusChanged,
    AgentStateChanged,
    CallTransferred,
    SupervisorAction,
    StateRepaired,
    CallHeld,
    CallResumed,
)


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _between(start: datetime | None, end: datetime) -> float:
    return 0.0 if start is None else max(0.0, (end - start).total_seconds())


# --- IVR ---------------------------------------------------------------------------------
def _ivr_node(batch: _Batch, event: IvrNodeVisited) -> None:
    record = batch.call(event.call, event.at)
    step, created = IvrStep.objects.get_or_create(
        call=record,
        flow=event.flow[:50],
        node=event.node[:50],
        at=_when(event.at),
        defaults={"kind": event.kind[:20], "digits": event.digits[:64]},
    )
    if not created and event.digits and step.digits != event.digits[:64]:
        step.digits = event.digits[:64]
        step.save(update_fields=["digits"])


def _ivr_left(batch: _Batch, event: IvrLeft) -> None:
    record = batch.call(event.call, event.at)
    IvrStep.objects.get_or_create(
        call=record,
        flow=event.flow[:50],
        kind=IvrNodeKind.LEFT,
        at=_when(event.at),
        defaults={
            "destination": event.destination[:100],
            "variables": {str(name): str(value) for name, value in event.variables},
        },
    )


# --- queues ------------------------------------------------------------------------------
def _joined(batch: _Batch, event: QueueJoined) -> None:
    record = batch.call(event.call, event.at)
    queue_call, created = QueueCall.objects.get_or_create(
        call=record,
        queue=event.queue[:50],
        entered_at=_when(event.at),
        defaults={"entry_position": max(0, event.position), "priority": event.priority},
    )
    if not record.queue:
        record.queue = queue_call.queue
        record.save(update_fields=["queue"])
    if created:
        batch.lines.append(
            queue_log.enter_queue(
                event.at, event.call, event.queue, event.caller or record.caller, event.position
            )
        )


def _open_queue_call(record: CallRecord, queue: str, **still: bool) -> QueueCall | None:
    """The latest queue call of `record` in `queue` whose ``<field>__isnull`` are as said."""
    lookups = {f"{name}__isnull": value for name, value in still.items()}
    return (
        QueueCall.objects.filter(call=record, queue=queue[:50], **lookups)
        .order_by("-entered_at", "-pk")
        .first()
    )


def _left(batch: _Batch, event: QueueLeft) -> None:
    record = batch.call(event.call, event.at)
    at = _when(event.at)
    queue_call = _open_queue_call(record, event.queue, left_at=True)
    if queue_call is None:
        if QueueCall.objects.filter(call=record, queue=event.queue[:50], left_at=at).exists():
            return  # rule 2
        queue_call = QueueCall(
            call=record,
            queue=event.queue,
            entered_at=_when(event.at - max(0.0, event.wait)),
            entry_position=max(0, event.original_position),
        )
    queue_call.left_at = at
    queue_call.outcome = event.outcome.value
    queue_call.wait_seconds = max(0.0, event.wait)
    queue_call.exit_position = max(0, event.position)
    if not queue_call.entry_position:
        queue_call.entry_position = max(0, event.original_position)
    queue_call.agent = queue_call.agent or event.agent
    queue_call.destination = event.destination or queue_call.destination
    fit_columns(queue_call).save()
    if event.outcome.value == QueueOutcome.ANSWERED or queue_call.connected_at is not None:
        return  # CONNECT said it
    line = queue_log.exit_queue(
        event.at,
        event.call,
        event.queue,
        event.outcome.value,
        position=event.position,
        entry_position=queue_call.entry_position,
        wait=event.wait,
    )
    if line is not None:
        batch.lines.append(line)


def _offered(batch: _Batch, event: AgentOffered) -> None:
    record = batch.call(event.call, event.at)
    queue_call = _open_queue_call(record, event.queue, connected_at=True)
    AgentOffer.objects.get_or_create(
        call=record,
        agent=event.agent[:20],
        offered_at=_when(event.at),
        defaults={
            "queue": event.queue[:50],
            "extension": event.extension[:64],
            "queue_call": queue_call,
        },
    )


def _settle_offer(
    record: CallRecord, event: AgentMissed | AgentConnected, result: str, ring: float
) -> bool:
    """Give the agent's ringing offer its result; False when it already had this one."""
    offer = (
        AgentOffer.objects.filter(call=record, agent=event.agent[:20], result="")
        .order_by("-offered_at", "-pk")
        .first()
    )
    if offer is None:
        offered_at = _when(event.at - max(0.0, ring))
        if AgentOffer.objects.filter(
            call=record, agent=event.agent[:20], offered_at=offered_at, result=result
        ).exists():
            return False
        offer = AgentOffer(
            call=record,
            agent=event.agent,
            queue=event.queue,
            offered_at=offered_at,
            queue_call=_open_queue_call(record, event.queue, connected_at=True),
        )
        if isinstance(event, AgentConnected):
            offer.extension = event.extension
    offer.result = result
    offer.ring_seconds = max(0.0, ring)
    fit_columns(offer).save()
    return True


def _missed(batch: _Batch, event: AgentMissed) -> None:
    record = batch.call(event.call, event.at)
    if _settle_offer(record, event, event.reason.value, event.ring_time):
        batch.lines.append(
            queue_log.missed(
                event.at, event.call, event.queue, event.agent, event.reason, event.ring_time
            )
        )


def _connected(batch: _Batch, event: AgentConnected) -> None:
    record = batch.call(event.call, event.at)
    at = _when(event.at)
    if QueueCall.objects.filter(call=record, agent=event.agent[:20], connected_at=at).exists():
        return  # rule 2
    queue_call = _open_queue_call(record, event.queue, connected_at=True)
    if queue_call is None:
        queue_call = QueueCall(
            call=record, queue=event.queue, entered_at=_when(event.at - max(0.0, event.wait))
        )
    queue_call.agent = event.agent
    queue_call.extension = event.extension
    queue_call.connected_at = at
    queue_call.ring_seconds = max(0.0, event.ring_time)
    if queue_call.wait_seconds is None:
        queue_call.wait_seconds = max(0.0, event.wait)
    fit_columns(queue_call).save()
    _settle_offer(record, event, OfferResult.ANSWERED, event.ring_time)
    if not record.agent:
        record.agent = queue_call.agent
        record.save(update_fields=["agent"])
    leg = (
        CallLeg.objects.filter(call=record, party=event.extension)
        .order_by("-started_at", "-pk")
        .values_list("leg", flat=True)
        .first()
    )
    batch.lines.append(
        queue_log.connect(
            event.at, event.call, event.queue, event.agent, event.wait, leg or "", event.ring_time
        )
    )


def _talking(record: CallRecord) -> list[QueueCall]:
    return list(
        QueueCall.objects.filter(
            call=record, connected_at__isnull=False, talk_ended_at__isnull=True
        ).order_by("connected_at", "pk")
    )


def _end_talk(queue_call: QueueCall, at: datetime) -> float:
    """Close the talk (and a hold still open) at `at`; return the talk's seconds."""
    queue_call.talk_ended_at = at
    if queue_call.held_since is not None:
        queue_call.hold_seconds += _between(queue_call.held_since, at)
        queue_call.held_since = None
    return _between(queue_call.connected_at, at)


def call_ended(batch: _Batch, event: CallEnded) -> None:
    """The end of the call ends the talks still going on (COMPLETECALLER/AGENT)."""
    record = batch.call(event.call, event.at)
    for queue_call in _talking(record):
        talk = _end_talk(queue_call, _when(event.at))
        queue_call.save(update_fields=["talk_ended_at", "hold_seconds", "held_since"])
        batch.lines.append(
            queue_log.complete(
                event.at,
                event.call,
                queue_call.queue,
                queue_call.agent,
                by_caller=event.hangup_by == "caller",
                wait=queue_call.wait_seconds,
                talk=talk,
                entry_position=queue_call.entry_position,
            )
        )


def _transferred(batch: _Batch, event: CallTransferred) -> None:
    record = batch.call(event.call, event.at)
    at = _when(event.at)
    _transfer, created = TransferRecord.objects.get_or_create(
        call=record,
        at=at,
        destination=event.destination[:100],
        defaults={"kind": event.kind[:20], "by": event.by[:64]},
    )
    if not created:
        return
    for queue_call in _talking(record):
        talk = _end_talk(queue_call, at)
        queue_call.transferred = True
        queue_call.destination = event.destination[:100]
        queue_call.save()
        batch.lines.append(
            queue_log.transfer(
                event.at,
                event.call,
                queue_call.queue,
                queue_call.agent,
                event.destination,
                wait=queue_call.wait_seconds,
                talk=talk,
                entry_position=queue_call.entry_position,
            )
        )


def _hold(batch: _Batch, event: CallHeld | CallResumed) -> None:
    record = batch.find(event.call)  # a hold alone makes no call record
    if record is None:
        return
    at = _when(event.at)
    for queue_call in _talking(record):
        if isinstance(event, CallHeld):
            if queue_call.held_since is None:
                queue_call.held_since = at
        elif queue_call.held_since is not None and queue_call.held_since <= at:
            queue_call.hold_seconds += _between(queue_call.held_since, at)
            queue_call.held_since = None
        queue_call.save(update_fields=["hold_seconds", "held_since"])


# --- agents ------------------------------------------------------------------------------
def _presence(agent: str, at: datetime) -> AgentPresence:
    presence, _created = AgentPresence.objects.get_or_create(
        agent=agent[:20], defaults={"since": at, "status": AgentStatus.LOGGED_OUT}
    )
    return presence


def _status(batch: _Batch, event: AgentStatusChanged) -> None:
    at = _when(event.at)
    _record, created = AgentStatusRecord.objects.get_or_create(
        agent=event.agent[:20],
        status=event.status[:20],
        at=at,
        defaults={
            "reason": event.reason[:50],
            "extension": event.extension[:64],
            "by": event.by[:20],
        },
    )
    if not created:
        return  # rule 2
    presence = _presence(event.agent, at)
    before, reason_before = presence.status, presence.reason
    extension = event.extension or presence.extension
    if event.status == AgentStatus.LOGGED_OUT:
        if before != AgentStatus.LOGGED_OUT:
            batch.lines.append(
                queue_log.agent_logoff(
                    event.at, event.agent, extension, _between(presence.logged_in_at, at)
                )
            )
        presence.logged_in_at = None
        presence.state, presence.call_id, presence.queue, presence.state_since = "", "", "", at
    else:
        if before == AgentStatus.LOGGED_OUT:
            batch.lines.append(queue_log.agent_login(event.at, event.agent, extension))
            presence.logged_in_at = at
        if event.status == AgentStatus.NOT_READY:
            if before != AgentStatus.NOT_READY or reason_before != event.reason:
                batch.lines.append(queue_log.pause_all(event.at, event.agent, event.reason))
        elif event.status == AgentStatus.READY and before == AgentStatus.NOT_READY:
            batch.lines.append(queue_log.unpause_all(event.at, event.agent))
    presence.status = event.status
    presence.reason = event.reason if event.status == AgentStatus.NOT_READY else ""
    presence.extension = extension
    presence.since = at
    fit_columns(presence).save()


def _state(batch: _Batch, event: AgentStateChanged) -> None:
    at = _when(event.at)
    presence = _presence(event.agent, at)
    if presence.state_since is not None and presence.state_since > at:
        return  # an older state than the one stored
    agent = event.agent[:20]
    for queue_call in QueueCall.objects.select_related("call").filter(
        agent=agent, wrap_up_started_at__isnull=False, wrap_up_seconds__isnull=True
    ):
        if event.state != AgentState.WRAP_UP or queue_call.call.call_id != event.call:
            queue_call.wrap_up_seconds = _between(queue_call.wrap_up_started_at, at)
            queue_call.save(update_fields=["wrap_up_seconds"])
    if event.state == AgentState.WRAP_UP:
        talked = QueueCall.objects.filter(agent=agent, connected_at__isnull=False)
        if event.call:
            talked = talked.filter(call__call_id=event.call)
        last = talked.order_by("-connected_at", "-pk").first()
        if last is not None and last.wrap_up_started_at is None:
            last.wrap_up_started_at = at
            last.save(update_fields=["wrap_up_started_at"])
    presence.state = event.state
    presence.call_id = event.call
    presence.queue = event.queue
    presence.state_since = at
    fit_columns(presence).save(update_fields=["state", "call_id", "queue", "state_since"])


# --- supervisors and the reconciler ------------------------------------------------------
def _supervisor(batch: _Batch, event: SupervisorAction) -> None:
    SupervisorActionRecord.objects.get_or_create(
        supervisor=event.supervisor[:20],
        action=event.action[:20],
        call_ref=event.call[:100],
        agent=event.agent[:20],
        at=_when(event.at),
        defaults={"detail": event.detail[:200], "call": batch.find(event.call)},
    )


def _repaired(batch: _Batch, event: StateRepaired) -> None:
    StateRepairRecord.objects.get_or_create(
        agent=event.agent[:20],
        what=event.what[:200],
        repair=event.repair[:200],
        call_id=event.call[:100],
        at=_when(event.at),
    )


def engine_started(batch: _Batch, event: EngineStarted) -> None:
    """Queue calls left open by the stopped switch are over (``failed``)."""
    at = _when(event.at)
    open_calls = QueueCall.objects.filter(call__node=event.node)
    open_calls.filter(left_at__isnull=True).update(left_at=at, outcome=QueueOutcome.FAILED)
    open_calls.filter(connected_at__isnull=False, talk_ended_at__isnull=True).update(
        talk_ended_at=at, held_since=None
    )
    batch.lines.append(queue_log.queue_start(event.at))


def apply_activity(batch: _Batch, event: Event) -> bool:
    """Store one of `ACTIVITY_EVENTS`; return whether a call's record changed."""
    if isinstance(event, IvrNodeVisited):
        _ivr_node(batch, event)
    elif isinstance(event, IvrLeft):
        _ivr_left(batch, event)
    elif isinstance(event, QueueJoined):
        _joined(batch, event)
    elif isinstance(event, QueueLeft):
        _left(batch, event)
    elif isinstance(event, AgentOffered):
        _offered(batch, event)
    elif isinstance(event, AgentMissed):
        _missed(batch, event)
    elif isinstance(event, AgentConnected):
        _connected(batch, event)
    elif isinstance(event, CallTransferred):
        _transferred(batch, event)
    elif isinstance(event, CallHeld | CallResumed):
        _hold(batch, event)
        return False
    elif isinstance(event, SupervisorAction):
        _supervisor(batch, event)
        return bool(event.call)
    elif isinstance(event, AgentStatusChanged):
        _status(batch, event)
        return False
    elif isinstance(event, AgentStateChanged):
        _state(batch, event)
        return False
    elif isinstance(event, StateRepaired):
        _repaired(batch, event)
        return False
    else:
        return False
    return True
