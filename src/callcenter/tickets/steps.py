"""The steps every ticket action takes, shared by `tickets.actions` (and nothing else):
lock the row and check the actor's side and scope (`lock`), check the state table's row,
the version and the guard (`begin`, `need`), check chosen units, reasons and handlers,
then apply the change with its history row, audit entry and channel-layer notice
(`apply`, `record`, `publish`). The rules are in `tickets.actions`' docstring.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from callcenter.accounts.actions import audit
from callcenter.accounts.models import Handler, Unit, User
from callcenter.tickets.choices import Action, Kind, State
from callcenter.tickets.models import ReturnReason, Ticket, TicketEvent
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

# Who must be reachable for a ticket to be worth creating (the repair crew or the
# complaints office calls the customer back); reports may be anonymous.
NEEDS_CONTACT = frozenset({Kind.FAULT, Kind.COMPLAINT})


def unit_group(unit_id: int) -> str:
    """The channel-layer group of a unit's desk."""
    return f"tickets-unit-{unit_id}"


# --- checks ------------------------------------------------------------------------------


def pk(ticket: TicketRef) -> int:
    return ticket.pk if isinstance(ticket, Ticket) else int(ticket)


def not_found() -> ActionError:
    return ActionError("not_found", _("This ticket does not exist or is not handled by your unit."))


def stale(ticket: Ticket) -> ActionError:
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


def actor_side(actor: User) -> Side:
    side = side_of(actor)
    if side is None:
        raise ActionError("not_permitted", _("Your role may not change tickets."))
    return side


def lock(actor: User, ticket: TicketRef) -> tuple[Ticket, Side]:
    """The ticket under lock, if the actor may see it at all."""
    side = actor_side(actor)
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("unit", "handler", "category")
        .filter(pk=pk(ticket))
        .first()
    )
    if locked is None:
        raise not_found()
    if side is Side.UNIT and not in_unit_scope(actor, locked.unit_id):
        raise not_found()
    return locked, side


def begin(
    actor: User, ticket: TicketRef, action: Action, version: int | None
) -> tuple[Ticket, Transition]:
    """Lock the ticket and find the row of the state table that allows `action`."""
    locked, side = lock(actor, ticket)
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
        raise stale(locked)
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


def need(row: Transition, **given: Any) -> None:
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


def active_unit(unit: Unit, field: str = "unit") -> Unit:
    if not unit.is_active:
        raise ActionError(
            "inactive", _("The unit %(unit)s is no longer active.") % {"unit": unit}, field=field
        )
    return unit


def active_reason(reason: ReturnReason) -> ReturnReason:
    if not reason.is_active:
        raise ActionError(
            "inactive",
            _("The return reason “%(reason)s” is no longer in use: choose another.")
            % {"reason": reason},
            field="reason",
        )
    return reason


def placement(
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
        active_unit(unit, "handling_unit")
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


def validate(ticket: Ticket) -> None:
    try:
        ticket.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ActionError(
            "invalid", messages[0], field=None if field == NON_FIELD_ERRORS else field
        ) from None


# --- writing -----------------------------------------------------------------------------


def units_above(unit_id: int | None) -> list[int]:
    found: list[int] = []
    while unit_id is not None and unit_id not in found:
        found.append(unit_id)
        unit_id = Unit.objects.filter(pk=unit_id).values_list("parent_id", flat=True).first()
    return found


def publish(ticket_id: int, unit_ids: list[int], action: str) -> None:
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


def record(
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
        for above in units_above(unit_id):
            if above not in unit_ids:
                unit_ids.append(above)
    ticket_id, name = ticket.pk, Action(action).value
    transaction.on_commit(lambda: publish(ticket_id, unit_ids, name))


def apply(
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
    record(
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


def clear_cycle(ticket: Ticket) -> None:
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


def check_required(ticket: Ticket) -> None:
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
