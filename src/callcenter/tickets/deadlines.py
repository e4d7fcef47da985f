"""When a ticket is due: its SLA target applied over the work calendar.

- At creation both deadlines count from the creation time.
- Sending an order down (dispatch) restarts the response clock: the unit must receive it
  within the response target.
- Sending it down again (resend after a return, send back after an unsatisfied callback)
  starts a new repair cycle: both clocks restart.
- A change of priority recomputes both from where they last started.
Without a target for the kind and priority the deadlines stay empty (never overdue).
"""

from __future__ import annotations

from datetime import datetime

from callcenter.tickets import sla
from callcenter.tickets.models import SlaTarget, Ticket, WorkCalendar


def target_for(kind: str, priority: int) -> SlaTarget | None:
    return SlaTarget.objects.filter(kind=kind, priority=priority).first()


def schedule() -> sla.Schedule:
    return WorkCalendar.current().schedule()


def set_deadlines(
    ticket: Ticket,
    *,
    response_from: datetime | None = None,
    resolution_from: datetime | None = None,
) -> None:
    """Set the deadlines whose start is given (the others are kept)."""
    target = target_for(ticket.kind, ticket.priority)
    plan = schedule()
    if response_from is not None:
        ticket.response_due = (
            sla.add_working_hours(response_from, target.response_hours, plan) if target else None
        )
    if resolution_from is not None:
        ticket.resolution_due = (
            sla.add_working_hours(resolution_from, target.resolution_hours, plan)
            if target
            else None
        )


def at_creation(ticket: Ticket) -> None:
    set_deadlines(ticket, response_from=ticket.created_at, resolution_from=ticket.created_at)


def after_priority_change(ticket: Ticket) -> None:
    cycle_start = ticket.sent_at if ticket.rerepair_count and ticket.sent_at else None
    set_deadlines(
        ticket,
        response_from=ticket.sent_at or ticket.created_at,
        resolution_from=cycle_start or ticket.created_at,
    )
