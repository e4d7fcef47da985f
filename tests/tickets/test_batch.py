"""Batches of the unit desk: each order on its own, one result per order, a refused order
blocking nothing and changing nothing (seed 001 §4.5.1.2, §4.5.2.2, §4.6.1.2, §4.7, §4.8;
REQUIREMENTS C12)."""

from __future__ import annotations

from callcenter.accounts.models import Handler, Unit, User
from callcenter.tickets import batch
from callcenter.tickets.batch import Assignment, Decision, Item
from callcenter.tickets.choices import Action, FeedbackKind, Kind, State
from callcenter.tickets.models import ReturnReason, Ticket, TicketEvent
from tests.tickets.conftest import MakeTicket


def item(ticket: Ticket) -> Item:
    return Item(ticket.pk, ticket.version)


def states(*tickets: Ticket) -> list[str]:
    return [Ticket.objects.get(pk=ticket.pk).state for ticket in tickets]


def test_receive_many_with_one_refused(
    make_ticket: MakeTicket, sunli: User, nanshan: Unit, he_jianguo: Handler
) -> None:
    first = make_ticket(Kind.FAULT, State.SENT)
    elsewhere = make_ticket(Kind.FAULT, State.SENT, unit=nanshan)
    already = make_ticket(Kind.FAULT, State.IN_REPAIR)
    last = make_ticket(Kind.FAULT, State.SENT)
    results = batch.receive_many(
        sunli, [item(first), item(elsewhere), item(already), item(last)], handler=he_jianguo
    )
    assert [(r.ticket_id, r.status, r.code) for r in results] == [
        (first.pk, "done", ""),
        (elsewhere.pk, "refused", "not_found"),
        (already.pk, "refused", "wrong_state"),
        (last.pk, "done", ""),
    ]
    assert results[0].number == first.number
    assert results[1].number == ""  # nothing told about another unit's order
    assert results[2].number == already.number
    assert "维修中" in results[2].message
    assert results[0].ticket is not None
    assert results[0].ticket.handler == he_jianguo
    assert states(first, elsewhere, already, last) == [
        State.IN_REPAIR,
        State.SENT,
        State.IN_REPAIR,
        State.IN_REPAIR,
    ]
    assert not TicketEvent.objects.filter(ticket__in=[elsewhere, already]).exists()


def test_return_many_needs_a_reason_and_picks_late_return(
    make_ticket: MakeTicket, sunli: User, reason: ReturnReason
) -> None:
    waiting = make_ticket(Kind.FAULT, State.SENT)
    working = make_ticket(Kind.FAULT, State.IN_REPAIR)
    reported = make_ticket(Kind.FAULT, State.IN_REPAIR, feedback_at=working.created_at)
    items = [item(waiting), item(working), item(reported)]
    without = batch.return_many(sunli, items, reason=None)
    assert [r.code for r in without] == ["reason_required", "reason_required", "feedback_given"]
    assert [r.field for r in without] == ["reason", "reason", None]
    results = batch.return_many(sunli, items, reason=reason)
    assert [r.status for r in results] == ["done", "done", "refused"]
    assert results[2].code == "feedback_given"
    assert [e.action for e in TicketEvent.objects.order_by("pk")] == [
        Action.RETURN,
        Action.LATE_RETURN,
    ]
    assert states(waiting, working, reported) == [
        State.RETURNED,
        State.RETURNED,
        State.IN_REPAIR,
    ]


def test_assign_many_and_each(
    make_ticket: MakeTicket,
    sunli: User,
    he_jianguo: Handler,
    futian_1: Unit,
    guo_ming: Handler,
) -> None:
    one = make_ticket(Kind.FAULT, State.IN_REPAIR)
    two = make_ticket(Kind.FAULT, State.IN_REPAIR)
    waiting = make_ticket(Kind.FAULT, State.SENT)
    results = batch.assign_many(sunli, [item(one), item(waiting), item(two)], handler=he_jianguo)
    assert [r.status for r in results] == ["done", "refused", "done"]
    assert results[1].code == "wrong_state"
    one.refresh_from_db()
    two.refresh_from_db()
    each = batch.assign_each(
        sunli,
        [
            Assignment(one.pk, one.version, handling_unit=futian_1, handler=guo_ming),
            Assignment(two.pk, two.version, handler=guo_ming),
            Assignment(two.pk, two.version, handling_unit=futian_1, handler=he_jianguo),
        ],
    )
    assert [r.status for r in each] == ["done", "done", "refused"]
    assert each[2].code == "stale"  # the second row changed it already
    assert [(r.ticket.unit, r.ticket.handler) for r in each[:2] if r.ticket] == [
        (futian_1, guo_ming),
        (futian_1, guo_ming),
    ]


def test_feedback_many_with_a_stale_row(make_ticket: MakeTicket, sunli: User) -> None:
    one = make_ticket(Kind.FAULT, State.IN_REPAIR)
    two = make_ticket(Kind.FAULT, State.IN_REPAIR)
    stale = Item(two.pk, two.version - 1 if two.version > 1 else 99)
    results = batch.feedback_many(
        sunli, [item(one), stale], kind=FeedbackKind.DELAYED, reason="配件未到"
    )
    assert [r.status for r in results] == ["done", "refused"]
    assert results[1].code == "stale"
    assert "刷新" in results[1].message
    assert states(one, two) == [State.DELAYED, State.IN_REPAIR]
    missing = batch.feedback_many(sunli, [item(two)], kind=FeedbackKind.NO_REPAIR)
    assert missing[0].code == "reason_required"


def test_handle_many_requests(make_ticket: MakeTicket, sunli: User) -> None:
    complaint = make_ticket(Kind.COMPLAINT, State.SENT)
    report = make_ticket(Kind.REPORT, State.PROCESSING)
    fault = make_ticket(Kind.FAULT, State.SENT)
    results = batch.handle_many(
        sunli, [item(complaint), item(report), item(fault)], outcome=Action.FINISH, notes="已处理"
    )
    assert [r.status for r in results] == ["done", "done", "refused"]
    assert results[2].code == "not_for_kind"
    assert states(complaint, report, fault) == [State.FINISHED, State.FINISHED, State.SENT]


def test_mixed_receive_and_return(
    make_ticket: MakeTicket, sunli: User, reason: ReturnReason, he_jianguo: Handler
) -> None:
    keep = make_ticket(Kind.FAULT, State.SENT)
    give_back = make_ticket(Kind.FAULT, State.SENT)
    no_reason = make_ticket(Kind.FAULT, State.SENT)
    results = batch.receive_or_return_many(
        sunli,
        [
            Decision(keep.pk, keep.version, Action.RECEIVE, handler=he_jianguo),
            Decision(
                give_back.pk, give_back.version, Action.RETURN, reason=reason, notes="地址不详"
            ),
            Decision(no_reason.pk, no_reason.version, Action.RETURN),
        ],
    )
    assert [(r.status, r.code) for r in results] == [
        ("done", ""),
        ("done", ""),
        ("refused", "reason_required"),
    ]
    assert states(keep, give_back, no_reason) == [State.IN_REPAIR, State.RETURNED, State.SENT]
