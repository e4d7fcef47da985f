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
from typing import Any

from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from callcenter.accounts.models import Handler, Unit, User
from callcenter.crm.models import Customer
from callcenter.tickets import deadlines, files, steps
from callcenter.tickets.choices import Action, FeedbackKind, Kind, Priority, State
from callcenter.tickets.models import (
    Attachment,
    Category,
    ReturnReason,
    Ticket,
)
from callcenter.tickets.numbering import next_number
from callcenter.tickets.states import (
    Side,
)
from callcenter.tickets.steps import TicketRef
from callcenter.web.errors import ActionError

log = logging.getLogger(__name__)

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
    customer: Customer | None = None,
    call_id: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """A new ticket at the CSC, in state ``new`` (seed 000 §4.6, §4.9–4.11); ``customer``:
    the CRM's record it is for; ``call_id``: the switch's call during which it was made."""
    if steps.actor_side(actor) is not Side.CSC:
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
            customer=customer,
            call_id=call_id.strip()[:100],
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
        steps.check_required(ticket)
        steps.validate(ticket)
        deadlines.at_creation(ticket)
        ticket.save()
        steps.record(ticket, actor, Action.CREATE, "", request)
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
        locked, row = steps.begin(actor, ticket, Action.EDIT, version)
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
        steps.check_required(locked)
        steps.validate(locked)
        changed = {
            name: [_display(before[name]), _display(getattr(locked, name))]
            for name in changes
            if getattr(locked, name) != before[name]
        }
        if not changed:
            return locked
        if "priority" in changed:
            deadlines.after_priority_change(locked)
        return steps.apply(locked, row, actor, request, details={"changed": changed})


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
        locked, row = steps.begin(actor, ticket, Action.DISPATCH, version)
        steps.need(row, unit=unit)
        assert unit is not None
        now = timezone.now()
        locked.unit = steps.active_unit(unit)
        locked.handler = None
        locked.sent_at = now
        deadlines.set_deadlines(locked, response_from=now)
        return steps.apply(locked, row, actor, request)


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
        locked, row = steps.begin(actor, ticket, Action.RESEND, version)
        target = unit or locked.unit
        if target is None:
            raise ActionError("unit_required", _("Choose the unit to send it to."), field="unit")
        before = locked.unit_id
        now = timezone.now()
        locked.unit = steps.active_unit(target)
        locked.handler = None
        locked.sent_at = now
        locked.rerepair_count += 1
        steps.clear_cycle(locked)
        deadlines.set_deadlines(locked, response_from=now, resolution_from=now)
        return steps.apply(locked, row, actor, request, notes=notes.strip(), units_before=[before])


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
        locked, row = steps.begin(actor, ticket, Action.CALLBACK, version)
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
        return steps.apply(
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
        locked, row = steps.begin(actor, ticket, Action.SEND_BACK, version)
        steps.need(row, reason=reason)
        if locked.unit is None:
            raise ActionError("unit_required", _("Choose the unit to send it to."), field="unit")
        now = timezone.now()
        steps.active_unit(locked.unit)
        locked.handler = None
        locked.sent_at = now
        locked.rerepair_count += 1
        steps.clear_cycle(locked)
        deadlines.set_deadlines(locked, response_from=now, resolution_from=now)
        return steps.apply(locked, row, actor, request, reason=reason.strip())


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
        locked, row = steps.begin(actor, ticket, Action.CLOSE, version)
        steps.need(row, reason=reason)
        locked.close_notes = reason.strip()
        locked.closed_at = timezone.now()
        return steps.apply(locked, row, actor, request, reason=locked.close_notes)


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
        locked, row = steps.begin(actor, ticket, Action.RECEIVE, version)
        before = locked.unit_id
        locked.unit, locked.handler = steps.placement(actor, locked, handling_unit, handler)
        locked.received_at = timezone.now()
        return steps.apply(locked, row, actor, request, units_before=[before])


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
        locked, row = steps.begin(actor, ticket, action, version)
        steps.need(row, reason=reason)
        assert reason is not None
        locked.return_reason = steps.active_reason(reason)
        locked.return_notes = notes.strip()
        locked.handler = None
        return steps.apply(
            locked, row, actor, request, reason=reason.name, notes=locked.return_notes
        )


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
        locked, row = steps.begin(actor, ticket, Action.ASSIGN, version)
        steps.need(row, unit_or_handler=handling_unit or handler)
        before = locked.unit_id
        locked.unit, locked.handler = steps.placement(actor, locked, handling_unit, handler)
        return steps.apply(locked, row, actor, request, units_before=[before])


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
        locked, row = steps.begin(actor, ticket, action, version)
        steps.need(row, result=result, reason=reason)
        locked.feedback_kind = kind
        locked.feedback_result = result.strip()
        locked.feedback_reason = reason.strip() if kind is not FeedbackKind.NORMAL else ""
        locked.feedback_by = actor
        locked.feedback_at = timezone.now()
        return steps.apply(
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
        locked, row = steps.begin(actor, ticket, Action(outcome), version)
        steps.need(row, notes=notes)
        if notes.strip():
            locked.feedback_result = notes.strip()
        locked.feedback_by = actor
        locked.feedback_at = timezone.now()
        return steps.apply(locked, row, actor, request, notes=notes.strip())


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
        locked, _side_taken = steps.lock(actor, ticket)
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
            steps.record(locked, actor, Action.ATTACH, locked.state, request, notes=name[:200])
        except BaseException:
            attachment.file.delete(save=False)
            raise
    return attachment
