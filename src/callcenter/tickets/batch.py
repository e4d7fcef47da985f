"""Batches of the unit desk (seed 001 §4.5.1.2, §4.5.2.2, §4.6.1.2, §4.6.2.2, §4.7.x.2,
§4.8.x.2; REQUIREMENTS C12): each order runs through its action in its own transaction,
so one refused order never blocks the others and none is half-applied. Each function
returns one `BatchResult` per entry, in the order given::

    receive_many(actor, items: Iterable[Item], *, handling_unit=None, handler=None,
                 request=None) -> list[BatchResult]
    return_many(actor, items, *, reason: ReturnReason | None, notes="", request=None)
        # a received order (维修中) is returned as a late return (后期退单)
    assign_many(actor, items, *, handling_unit=None, handler=None, request=None)
    assign_each(actor, assignments: Iterable[Assignment], *, request=None)
    feedback_many(actor, items, *, kind, repaired=False, result="", reason="",
                  request=None)
    handle_many(actor, items, *, outcome, notes="", request=None)   # 处理中/处理结束/不处理
    receive_or_return_many(actor, decisions: Iterable[Decision], *, request=None)

`Item(ticket_id, version)`; `Assignment(ticket_id, version, handling_unit=None,
handler=None)`; `Decision(ticket_id, version, action, reason=None, notes="",
handling_unit=None, handler=None)` with ``action`` `Action.RECEIVE` or `Action.RETURN`;
`BatchResult(ticket_id, number, done, code, message, field, ticket)` with ``status``
``"done"`` or ``"refused"``: ``number`` is empty, and ``code`` is ``not_found``, for an
order the actor may not see; ``message`` is the `ActionError`'s, in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _

from callcenter.accounts.models import Handler, Unit, User
from callcenter.tickets import actions
from callcenter.tickets.choices import Action, FeedbackKind, State
from callcenter.tickets.models import ReturnReason, Ticket
from callcenter.web.errors import ActionError


@dataclass(frozen=True)
class Item:
    ticket_id: int
    version: int | None


@dataclass(frozen=True)
class Assignment:
    ticket_id: int
    version: int | None
    handling_unit: Unit | None = None
    handler: Handler | None = None


@dataclass(frozen=True)
class Decision:
    """One row of the receive page's mixed batch: receive it, or return it with a reason
    (seed 001 §4.5.1.2 "逐个进行'接单'或者'退单'的单选")."""

    ticket_id: int
    version: int | None
    action: Literal[Action.RECEIVE, Action.RETURN]
    reason: ReturnReason | None = None
    notes: str = ""
    handling_unit: Unit | None = None
    handler: Handler | None = None


@dataclass(frozen=True)
class BatchResult:
    ticket_id: int
    number: str  # empty when the ticket is not the actor's to see
    done: bool
    code: str = ""
    message: str = ""
    field: str | None = None
    ticket: Ticket | None = None

    @property
    def status(self) -> Literal["done", "refused"]:
        return "done" if self.done else "refused"


def _run_each(entries: Iterable[Any], run: Callable[[Any], Ticket]) -> list[BatchResult]:
    results: list[BatchResult] = []
    for entry in entries:
        try:
            ticket = run(entry)
        except ActionError as error:
            number = ""
            if error.code != "not_found":
                number = (
                    Ticket.objects.filter(pk=entry.ticket_id)
                    .values_list("number", flat=True)
                    .first()
                    or ""
                )
            results.append(
                BatchResult(entry.ticket_id, number, False, error.code, error.message, error.field)
            )
        else:
            results.append(BatchResult(entry.ticket_id, ticket.number, True, ticket=ticket))
    return results


def receive_many(
    actor: User,
    items: Iterable[Item],
    *,
    handling_unit: Unit | None = None,
    handler: Handler | None = None,
    request: HttpRequest | None = None,
) -> list[BatchResult]:
    return _run_each(
        items,
        lambda item: actions.receive(
            actor,
            item.ticket_id,
            version=item.version,
            handling_unit=handling_unit,
            handler=handler,
            request=request,
        ),
    )


def return_many(
    actor: User,
    items: Iterable[Item],
    *,
    reason: ReturnReason | None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> list[BatchResult]:
    """Return each order: a received one as a late return (后期退单), else as 退单."""

    def run(item: Item) -> Ticket:
        state = Ticket.objects.filter(pk=item.ticket_id).values_list("state", flat=True).first()
        action = actions.late_return if state == State.IN_REPAIR else actions.return_order
        return action(
            actor,
            item.ticket_id,
            version=item.version,
            reason=reason,
            notes=notes,
            request=request,
        )

    return _run_each(items, run)


def assign_many(
    actor: User,
    items: Iterable[Item],
    *,
    handling_unit: Unit | None = None,
    handler: Handler | None = None,
    request: HttpRequest | None = None,
) -> list[BatchResult]:
    return _run_each(
        items,
        lambda item: actions.assign(
            actor,
            item.ticket_id,
            version=item.version,
            handling_unit=handling_unit,
            handler=handler,
            request=request,
        ),
    )


def assign_each(
    actor: User, assignments: Iterable[Assignment], *, request: HttpRequest | None = None
) -> list[BatchResult]:
    """Each order to its own handling unit and handler (seed 001 §4.6.1.2)."""
    return _run_each(
        assignments,
        lambda row: actions.assign(
            actor,
            row.ticket_id,
            version=row.version,
            handling_unit=row.handling_unit,
            handler=row.handler,
            request=request,
        ),
    )


def feedback_many(
    actor: User,
    items: Iterable[Item],
    *,
    kind: FeedbackKind | str,
    repaired: bool = False,
    result: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> list[BatchResult]:
    return _run_each(
        items,
        lambda item: actions.feedback(
            actor,
            item.ticket_id,
            version=item.version,
            kind=kind,
            repaired=repaired,
            result=result,
            reason=reason,
            request=request,
        ),
    )


def handle_many(
    actor: User,
    items: Iterable[Item],
    *,
    outcome: Action | str,
    notes: str = "",
    request: HttpRequest | None = None,
) -> list[BatchResult]:
    return _run_each(
        items,
        lambda item: actions.handle_request(
            actor,
            item.ticket_id,
            version=item.version,
            outcome=outcome,
            notes=notes,
            request=request,
        ),
    )


def receive_or_return_many(
    actor: User, decisions: Iterable[Decision], *, request: HttpRequest | None = None
) -> list[BatchResult]:
    def run(decision: Decision) -> Ticket:
        if decision.action == Action.RECEIVE:
            return actions.receive(
                actor,
                decision.ticket_id,
                version=decision.version,
                handling_unit=decision.handling_unit,
                handler=decision.handler,
                request=request,
            )
        if decision.action == Action.RETURN:
            return actions.return_order(
                actor,
                decision.ticket_id,
                version=decision.version,
                reason=decision.reason,
                notes=decision.notes,
                request=request,
            )
        raise ActionError("invalid", _("Choose receive or return."), field="action")

    return _run_each(decisions, run)
