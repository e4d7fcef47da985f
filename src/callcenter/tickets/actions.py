"""Every change to tickets and work orders; pages, the unit desk, the API and BOSS
forwarding call these and nothing else.

Each action takes the acting `User` first, the ticket (a `Ticket` or its id), the
``version`` the user saw (``None`` only for callers that showed the ticket to nobody,
such as a background sync), its inputs as keyword arguments and an optional ``request``
(for the audit's IP address). It returns the saved `Ticket`, re-read under lock. In one
transaction it:

1. locks the ticket (``SELECT … FOR UPDATE``);
2. checks the actor's side by capability (CSC: `AGENT_DESK`; unit: `UNIT_DESK`) and,
   for a unit operator, that the order is with its unit or one below — otherwise the
   answer is ``not_found``, as for an id that does not exist;
3. checks the row of the state table (`tickets.states`): the action exists for the
   kind (``not_for_kind``), belongs to the actor's side (``not_permitted``), the
   version is the current one (``stale``: "changed by someone else, reload"), the state
   allows it (``wrong_state``) and its guard holds (``feedback_given``,
   ``callback_satisfied``);
4. checks the inputs (``reason_required``, ``result_required``, ``notes_required``,
   ``unit_required``, ``unit_or_handler_required``, ``unit_out_of_scope``,
   ``handler_not_in_unit``, ``inactive``, ``invalid`` …);
5. applies the change, raises ``version``, writes a `TicketEvent` and an `AuditEntry`
   (``ticket_<action>``), and after commit tells the channel layer (groups ``tickets``
   and ``tickets-unit-<id>`` for the unit and those above it:
   ``{"type": "tickets.changed", "ticket": id, "action": action}``).

A refusal raises `callcenter.web.errors.ActionError(code, message, field)`, the message
in the user's language saying what to fix; nothing is written.

The CSC (agents, supervisors)::

    create_ticket(actor, *, kind, description, customer_name="", caller_number="",
                  contact_phone="", address="", vehicle_plate="", priority=Priority.NORMAL,
                  category=None, request=None) -> Ticket
    edit_ticket(actor, ticket, *, version, request=None, **changes) -> Ticket
        # changes: any of EDITABLE_FIELDS; nothing changed: returned as it was
    dispatch(actor, ticket, *, version, unit, request=None) -> Ticket
    resend(actor, ticket, *, version, unit=None, notes="", request=None) -> Ticket
    record_callback(actor, ticket, *, version, reached, satisfied=None, notes="",
                    request=None) -> Ticket
    send_back_for_rerepair(actor, ticket, *, version, reason, request=None) -> Ticket
    close(actor, ticket, *, version, reason="", request=None) -> Ticket

A unit's operator (seed 001 chapter 4)::

    receive(actor, ticket, *, version, handling_unit=None, handler=None, request=None)
    return_order(actor, ticket, *, version, reason: ReturnReason, notes="", request=None)
    assign(actor, ticket, *, version, handling_unit=None, handler=None, request=None)
    late_return(actor, ticket, *, version, reason: ReturnReason, notes="", request=None)
    feedback(actor, ticket, *, version, kind: FeedbackKind, repaired=False, result="",
             reason="", request=None)
    handle_request(actor, ticket, *, version, outcome, notes="", request=None)
        # outcome: Action.PROCESS 处理中, Action.FINISH 处理结束, Action.DECLINE 不处理
    process(...), finish(...), decline(...)   # the same, one outcome each

Either side, on open tickets (does not raise the version)::

    add_attachment(actor, ticket, upload, *, request=None) -> Attachment

Batches (receive many, return many, assign many, feedback many, the mixed
receive/return batch, each order in its own transaction with a result per order) are in
`tickets.batch`. Which actions a page may offer a user: `tickets.states.available_actions`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from callcenter.accounts.actions import audit
from callcenter.accounts.models import Handler, Unit, User
from callcenter.tickets import deadlines, files
from callcenter.tickets.choices import Action, FeedbackKind, Kind, Priority, State
from callcenter.tickets.models import (
    Attachment,
    Category,
    ReturnReason,
    Ticket,
    TicketEvent,
)
from callcenter.tickets.numbering import next_number
from callcenter.tickets.states import (
    Guard,
    Input,
    Side,
    Transition,
    flow_of,
    guard_holds,
    in_unit_scope,
    side_of,
)
from callcenter.web.errors import ActionError

log = logging.getLogger(__name__)

TICKETS_GROUP = "tickets"

TicketRef = Ticket | int

EDITABLE_FIELDS = frozenset(
    {
        "customer_name",
        "caller_number",
        "contact_phone",
        "address",
        "vehicle_plate",
        "description",
        "priority",
        "category",
    }
)

# Who must be reachable for a ticket to be worth creating (the repair crew or the
# complaints office calls the customer back); reports may be anonymous.
NEEDS_CONTACT = frozenset({Kind.FAULT, Kind.COMPLAINT})


def unit_group(unit_id: int) -> str:
    """The channel-layer group of a unit's desk."""
    return f"tickets-unit-{unit_id}"


# --- checks ------------------------------------------------------------------------------


def _pk(ticket: TicketRef) -> int:
    return ticket.pk if isinstance(ticket, Ticket) else int(ticket)


def _not_found() -> ActionError:
    return ActionError("not_found", _("This ticket does not exist or is not handled by your unit."))


def _stale(ticket: Ticket) -> ActionError:
    last = (
        ticket.events.exclude(action=Action.ATTACH)  # attaching leaves the version as it is
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    if last is not None and last.actor is not None:
        return ActionError(
            "stale",
            _(
                "%(who)s changed this ticket at %(when)s, after you opened it. Reload it "
                "and try again."
            )
            % {
                "who": last.actor.name,
                "when": timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return ActionError(
        "stale", _("Someone else changed this ticket after you opened it. Reload it and try again.")
    )


def _side(actor: User) -> Side:
    side = side_of(actor)
    if side is None:
        raise ActionError("not_permitted", _("Your role may not change tickets."))
    return side


def _lock(actor: User, ticket: TicketRef) -> tuple[Ticket, Side]:
    """The ticket under lock, if the actor may see it at all."""
    side = _side(actor)
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("unit", "handler", "category")
        .filter(pk=_pk(ticket))
        .first()
    )
    if locked is None:
        raise _not_found()
    if side is Side.UNIT and not in_unit_scope(actor, locked.unit_id):
        raise _not_found()
    return locked, side


def _begin(
    actor: User, ticket: TicketRef, action: Action, version: int | None
) -> tuple[Ticket, Transition]:
    """Lock the ticket and find the row of the state table that allows `action`."""
    locked, side = _lock(actor, ticket)
    flow = flow_of(locked.kind)
    rows = [row for row in flow.transitions if row.action == action]
    if not rows:
        raise ActionError(
            "not_for_kind",
            _("A %(kind)s ticket cannot be given the action “%(action)s”.")
            % {"kind": locked.get_kind_display(), "action": action.label},
        )
    if all(row.side is not side for row in rows):
        message = (
            _("Only the customer-service center may do “%(action)s”.")
            if rows[0].side is Side.CSC
            else _("Only the unit handling the order may do “%(action)s”.")
        )
        raise ActionError("not_permitted", message % {"action": action.label})
    if version is not None and version != locked.version:
        raise _stale(locked)
    row = flow.find(action, locked.state)
    if row is None:
        allowed = sorted({state for row in rows for state in row.sources})
        raise ActionError(
            "wrong_state",
            _("This ticket is “%(state)s”; “%(action)s” is possible only when it is %(states)s.")
            % {
                "state": locked.get_state_display(),
                "action": action.label,
                "states": "、".join(f"“{State(state).label}”" for state in allowed),
            },
        )
    if not guard_holds(row.guard, locked):
        if row.guard is Guard.NO_FEEDBACK_YET:
            raise ActionError(
                "feedback_given",
                _("Feedback was already given on this order, so it can no longer be returned."),
            )
        raise ActionError(
            "callback_satisfied",
            _("The customer was satisfied at the callback: close the ticket instead."),
        )
    return locked, row


def _need(row: Transition, **given: Any) -> None:
    """Refuse when an input the row needs is missing (empty text counts as missing)."""
    for needed in row.needs:
        value = given.get(needed.value)
        if isinstance(value, str):
            value = value.strip()
        if value:
            continue
        if needed is Input.REASON:
            raise ActionError(
                "reason_required", _("Give the reason: it is mandatory here."), field="reason"
            )
        if needed is Input.RESULT:
            raise ActionError(
                "result_required", _("Describe the handling and its result."), field="result"
            )
        if needed is Input.NOTES:
            raise ActionError("notes_required", _("Describe how it was handled."), field="notes")
        if needed is Input.UNIT:
            raise ActionError("unit_required", _("Choose the unit to send it to."), field="unit")
        raise ActionError(
            "unit_or_handler_required",
            _("Choose a handling unit or a handler."),
            field="handler",
        )


def _active_unit(unit: Unit, field: str = "unit") -> Unit:
    if not unit.is_active:
        raise ActionError(
            "inactive", _("The unit %(unit)s is no longer active.") % {"unit": unit}, field=field
        )
    return unit


def _active_reason(reason: ReturnReason) -> ReturnReason:
    if not reason.is_active:
        raise ActionError(
            "inactive",
            _("The return reason “%(reason)s” is no longer in use: choose another.")
            % {"reason": reason},
            field="reason",
        )
    return reason


def _placement(
    actor: User, ticket: Ticket, handling_unit: Unit | None, handler: Handler | None
) -> tuple[Unit, Handler | None]:
    """The handling unit and handler an operator chose (seed 001 §4.5.1.1, §4.6.1)."""
    current = ticket.unit
    assert current is not None  # an order with a unit operator always has a unit
    unit = handling_unit or (handler.unit if handler is not None else current)
    if unit.pk != current.pk:
        if not in_unit_scope(actor, unit.pk):
            raise ActionError(
                "unit_out_of_scope",
                _("Choose your own unit or a unit below it."),
                field="handling_unit",
            )
        _active_unit(unit, "handling_unit")
    if handler is not None:
        if handler.unit_id != unit.pk:
            raise ActionError(
                "handler_not_in_unit",
                _("%(handler)s is not a handler of %(unit)s.")
                % {"handler": handler.name, "unit": unit},
                field="handler",
            )
        if not handler.is_active:
            raise ActionError(
                "inactive",
                _("%(handler)s is no longer an active handler.") % {"handler": handler.name},
                field="handler",
            )
    return unit, handler


def _validate(ticket: Ticket) -> None:
    try:
        ticket.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ActionError(
            "invalid", messages[0], field=None if field == NON_FIELD_ERRORS else field
        ) from None


# --- writing -----------------------------------------------------------------------------


def _units_above(unit_id: int | None) -> list[int]:
    found: list[int] = []
    while unit_id is not None and unit_id not in found:
        found.append(unit_id)
        unit_id = Unit.objects.filter(pk=unit_id).values_list("parent_id", flat=True).first()
    return found


def _publish(ticket_id: int, unit_ids: list[int], action: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "tickets.changed", "ticket": ticket_id, "action": action}
    try:
        async_to_sync(layer.group_send)(TICKETS_GROUP, message)
        for unit_id in unit_ids:
            async_to_sync(layer.group_send)(unit_group(unit_id), message)
    except Exception:  # a missed refresh must never undo a committed change
        log.exception("could not publish the change of ticket %s", ticket_id)


def _record(
    ticket: Ticket,
    actor: User,
    action: Action,
    from_state: str,
    request: HttpRequest | None,
    *,
    reason: str = "",
    notes: str = "",
    details: dict[str, Any] | None = None,
    units_before: Iterable[int | None] = (),
) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=ticket.state,
        reason=reason,
        notes=notes,
        unit=ticket.unit,
        handler=ticket.handler,
        details=details or {},
    )
    audit(
        actor,
        f"ticket_{action}",
        ticket.number,
        request,
        from_state=from_state,
        to_state=ticket.state,
        **({"reason": reason} if reason else {}),
    )
    unit_ids: list[int] = []
    for unit_id in (ticket.unit_id, *units_before):
        for above in _units_above(unit_id):
            if above not in unit_ids:
                unit_ids.append(above)
    ticket_id, name = ticket.pk, Action(action).value
    transaction.on_commit(lambda: _publish(ticket_id, unit_ids, name))


def _apply(
    ticket: Ticket,
    row: Transition,
    actor: User,
    request: HttpRequest | None,
    *,
    reason: str = "",
    notes: str = "",
    details: dict[str, Any] | None = None,
    units_before: Iterable[int | None] = (),
) -> Ticket:
    from_state = ticket.state
    ticket.state = row.target_from(State(from_state))
    ticket.version += 1
    ticket.save()
    _record(
        ticket,
        actor,
        row.action,
        from_state,
        request,
        reason=reason,
        notes=notes,
        details=details,
        units_before=units_before,
    )
    return ticket


def _clear_cycle(ticket: Ticket) -> None:
    """Forget the previous repair cycle's feedback and callback (the history keeps them)."""
    ticket.feedback_kind = ""
    ticket.feedback_result = ""
    ticket.feedback_reason = ""
    ticket.feedback_by = None
    ticket.feedback_at = None
    ticket.callback_reached = None
    ticket.callback_satisfied = None
    ticket.callback_notes = ""
    ticket.callback_by = None
    ticket.callback_at = None
    ticket.received_at = None


def _check_required(ticket: Ticket) -> None:
    """What every ticket must say (and what a fault or complaint needs to be called back)."""
    if not ticket.description.strip():
        raise ActionError(
            "description_required", _("Describe the customer's problem."), field="description"
        )
    if ticket.kind in NEEDS_CONTACT:
        if not ticket.customer_name.strip():
            raise ActionError(
                "customer_required", _("Enter the customer's name."), field="customer_name"
            )
        if not ticket.contact_phone.strip():
            raise ActionError(
                "phone_required",
                _("Enter a phone number the customer can be called back on."),
                field="contact_phone",
            )


# --- the CSC -----------------------------------------------------------------------------


def create_ticket(
    actor: User,
    *,
    kind: Kind | str,
    description: str,
    customer_name: str = "",
    caller_number: str = "",
    contact_phone: str = "",
    address: str = "",
    vehicle_plate: str = "",
    priority: Priority | int = Priority.NORMAL,
    category: Category | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """A new ticket at the CSC, in state ``new`` (seed 000 §4.6, §4.9–4.11)."""
    if _side(actor) is not Side.CSC:
        raise ActionError(
            "not_permitted", _("Only the customer-service center may create tickets.")
        )
    if kind not in Kind.values:
        raise ActionError("invalid", _("Choose the kind of ticket."), field="kind")
    kind = Kind(kind)
    if category is not None and not category.is_active:
        raise ActionError(
            "inactive", _("This category is no longer in use: choose another."), field="category"
        )
    with transaction.atomic():
        ticket = Ticket(
            number=next_number(),
            kind=kind,
            customer_name=customer_name.strip(),
            caller_number=caller_number.strip(),
            contact_phone=contact_phone.strip(),
            address=address.strip(),
            vehicle_plate=vehicle_plate.strip(),
            description=description.strip(),
            priority=priority,
            category=category,
            created_by=actor,
            created_at=timezone.now(),
        )
        _check_required(ticket)
        _validate(ticket)
        deadlines.at_creation(ticket)
        ticket.save()
        _record(ticket, actor, Action.CREATE, "", request)
    return ticket


def _display(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def edit_ticket(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Ticket:
    """Correct a ticket's details (seed 000 §4.9 修改; a returned order before it is sent
    again, seed 001 §4.5.2). The kind cannot change."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"edit_ticket() cannot change {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action.EDIT, version)
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        if (
            locked.category is not None
            and not locked.category.is_active
            and before.get("category") != locked.category
        ):
            raise ActionError(
                "inactive",
                _("This category is no longer in use: choose another."),
                field="category",
            )
        _check_required(locked)
        _validate(locked)
        changed = {
            name: [_display(before[name]), _display(getattr(locked, name))]
            for name in changes
            if getattr(locked, name) != before[name]
        }
        if not changed:
            return locked
        if "priority" in changed:
            deadlines.after_priority_change(locked)
        return _apply(locked, row, actor, request, details={"changed": changed})


def dispatch(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    unit: Unit | None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Send a new ticket down to a unit (派单): it waits there to be received."""
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action.DISPATCH, version)
        _need(row, unit=unit)
        assert unit is not None
        now = timezone.now()
        locked.unit = _active_unit(unit)
        locked.handler = None
        locked.sent_at = now
        deadlines.set_deadlines(locked, response_from=now)
        return _apply(locked, row, actor, request)


def resend(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    unit: Unit | None = None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """Send a returned order down again, corrected, to the same or another unit; it
    counts as re-repair (重新维修) there."""
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action.RESEND, version)
        target = unit or locked.unit
        if target is None:
            raise ActionError("unit_required", _("Choose the unit to send it to."), field="unit")
        before = locked.unit_id
        now = timezone.now()
        locked.unit = _active_unit(target)
        locked.handler = None
        locked.sent_at = now
        locked.rerepair_count += 1
        _clear_cycle(locked)
        deadlines.set_deadlines(locked, response_from=now, resolution_from=now)
        return _apply(locked, row, actor, request, notes=notes.strip(), units_before=[before])


def record_callback(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    reached: bool,
    satisfied: bool | None = None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """The CSC called the customer back (回访): reached or not, and if reached, whether
    satisfied. May be repeated (a customer not reached is called again)."""
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action.CALLBACK, version)
        if reached and satisfied is None:
            raise ActionError(
                "satisfaction_required",
                _("Say whether the customer was satisfied."),
                field="satisfied",
            )
        locked.callback_reached = reached
        locked.callback_satisfied = satisfied if reached else None
        locked.callback_notes = notes.strip()
        locked.callback_by = actor
        locked.callback_at = timezone.now()
        return _apply(
            locked,
            row,
            actor,
            request,
            notes=locked.callback_notes,
            details={"reached": reached, "satisfied": locked.callback_satisfied},
        )


def send_back_for_rerepair(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    reason: str,
    request: HttpRequest | None = None,
) -> Ticket:
    """The customer was not satisfied at the callback: send the order back to its unit
    for re-repair (重新维修), with the reason."""
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action.SEND_BACK, version)
        _need(row, reason=reason)
        if locked.unit is None:
            raise ActionError("unit_required", _("Choose the unit to send it to."), field="unit")
        now = timezone.now()
        _active_unit(locked.unit)
        locked.handler = None
        locked.sent_at = now
        locked.rerepair_count += 1
        _clear_cycle(locked)
        deadlines.set_deadlines(locked, response_from=now, resolution_from=now)
        return _apply(locked, row, actor, request, reason=reason.strip())


def close(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """Close a ticket: after the unit's result (and callback), or, with a reason, one the
    CSC does not send down (solved on the phone, duplicate)."""
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action.CLOSE, version)
        _need(row, reason=reason)
        locked.close_notes = reason.strip()
        locked.closed_at = timezone.now()
        return _apply(locked, row, actor, request, reason=locked.close_notes)


# --- the unit ----------------------------------------------------------------------------


def receive(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    handling_unit: Unit | None = None,
    handler: Handler | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Receive an order (接单): it is in repair (维修中); the handling unit (the
    operator's or one below) and handler may be chosen now or assigned later."""
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action.RECEIVE, version)
        before = locked.unit_id
        locked.unit, locked.handler = _placement(actor, locked, handling_unit, handler)
        locked.received_at = timezone.now()
        return _apply(locked, row, actor, request, units_before=[before])


def _return(
    actor: User,
    ticket: TicketRef,
    action: Action,
    version: int | None,
    reason: ReturnReason | None,
    notes: str,
    request: HttpRequest | None,
) -> Ticket:
    with transaction.atomic():
        locked, row = _begin(actor, ticket, action, version)
        _need(row, reason=reason)
        assert reason is not None
        locked.return_reason = _active_reason(reason)
        locked.return_notes = notes.strip()
        locked.handler = None
        return _apply(locked, row, actor, request, reason=reason.name, notes=locked.return_notes)


def return_order(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    reason: ReturnReason | None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """Return an order not yet received to the CSC (二级退单); the reason is mandatory."""
    return _return(actor, ticket, Action.RETURN, version, reason, notes, request)


def late_return(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    reason: ReturnReason | None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """Return a received order (后期退单), never after feedback; the reason is mandatory."""
    return _return(actor, ticket, Action.LATE_RETURN, version, reason, notes, request)


def assign(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    handling_unit: Unit | None = None,
    handler: Handler | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """(Re)assign an order in repair to a handling unit and handler (指派)."""
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action.ASSIGN, version)
        _need(row, unit_or_handler=handling_unit or handler)
        before = locked.unit_id
        locked.unit, locked.handler = _placement(actor, locked, handling_unit, handler)
        return _apply(locked, row, actor, request, units_before=[before])


FEEDBACK_ACTIONS: dict[tuple[FeedbackKind, bool], Action] = {
    (FeedbackKind.NORMAL, True): Action.FEEDBACK_REPAIRED,
    (FeedbackKind.NORMAL, False): Action.FEEDBACK_UNFINISHED,
    (FeedbackKind.DELAYED, False): Action.FEEDBACK_DELAYED,
    (FeedbackKind.NO_REPAIR, False): Action.FEEDBACK_NO_REPAIR,
}


def feedback(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    kind: FeedbackKind | str,
    repaired: bool = False,
    result: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """Report back to the CSC (反馈, seed 001 §4.7): normal feedback with the result
    (``repaired``: 已维修, else it stays 维修中), delayed repair (延后维修) or no repair
    (不维修), both with the reason."""
    if kind not in FeedbackKind.values:
        raise ActionError("invalid", _("Choose the kind of feedback."), field="kind")
    kind = FeedbackKind(kind)
    action = FEEDBACK_ACTIONS[(kind, repaired and kind is FeedbackKind.NORMAL)]
    with transaction.atomic():
        locked, row = _begin(actor, ticket, action, version)
        _need(row, result=result, reason=reason)
        locked.feedback_kind = kind
        locked.feedback_result = result.strip()
        locked.feedback_reason = reason.strip() if kind is not FeedbackKind.NORMAL else ""
        locked.feedback_by = actor
        locked.feedback_at = timezone.now()
        return _apply(
            locked,
            row,
            actor,
            request,
            reason=locked.feedback_reason,
            notes=locked.feedback_result,
        )


REQUEST_OUTCOMES = (Action.PROCESS, Action.FINISH, Action.DECLINE)


def handle_request(
    actor: User,
    ticket: TicketRef,
    *,
    version: int | None,
    outcome: Action | str,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """Handle a complaint, suggestion or report (seed 001 §4.8): 处理中 (``process``),
    处理结束 (``finish``, notes required) or 不处理 (``decline``)."""
    if outcome not in REQUEST_OUTCOMES:
        raise ActionError("invalid", _("Choose how it was handled."), field="outcome")
    with transaction.atomic():
        locked, row = _begin(actor, ticket, Action(outcome), version)
        _need(row, notes=notes)
        if notes.strip():
            locked.feedback_result = notes.strip()
        locked.feedback_by = actor
        locked.feedback_at = timezone.now()
        return _apply(locked, row, actor, request, notes=notes.strip())


def process(
    actor: User, ticket: TicketRef, *, version: int | None, notes: str = "", **kwargs: Any
) -> Ticket:
    return handle_request(
        actor, ticket, version=version, outcome=Action.PROCESS, notes=notes, **kwargs
    )


def finish(
    actor: User, ticket: TicketRef, *, version: int | None, notes: str, **kwargs: Any
) -> Ticket:
    return handle_request(
        actor, ticket, version=version, outcome=Action.FINISH, notes=notes, **kwargs
    )


def decline(
    actor: User, ticket: TicketRef, *, version: int | None, notes: str = "", **kwargs: Any
) -> Ticket:
    return handle_request(
        actor, ticket, version=version, outcome=Action.DECLINE, notes=notes, **kwargs
    )


# --- attachments -------------------------------------------------------------------------


def add_attachment(
    actor: User, ticket: TicketRef, upload: File[Any], *, request: HttpRequest | None = None
) -> Attachment:
    """Attach a file (a photo of the fault, a letter) to an open ticket; its type is
    checked by extension and content, its size against the limit (`tickets.files`)."""
    name = (upload.name or "").rsplit("/", 1)[-1]
    size = upload.size or 0
    upload.seek(0)
    head = upload.read(files.HEAD_BYTES)
    whole: bytes | None = None
    if files.needs_whole(name) and 0 < size <= files.limit():
        upload.seek(0)
        whole = upload.read()
    file_type = files.inspect(name, head, size, whole)
    upload.seek(0)
    with transaction.atomic():
        locked, _side_taken = _lock(actor, ticket)
        if locked.state == State.CLOSED:
            raise ActionError(
                "closed", _("This ticket is closed: nothing can be attached any more.")
            )
        attachment = Attachment(
            ticket=locked,
            original_name=name[:200],
            size=size,
            content_type=file_type.content_type,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        try:
            attachment.save()
            _record(locked, actor, Action.ATTACH, locked.state, request, notes=name[:200])
        except BaseException:
            attachment.file.delete(save=False)
            raise
    return attachment
