"""Each action's happy path and refusals, through the actions as pages will call them:
a work order's whole life, the unit scope, required reasons, stale versions, forged
transitions, and what the history and audit keep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from callcenter.accounts.models import AuditEntry, Handler, Unit, User
from callcenter.tickets import actions, sla, steps
from callcenter.tickets.choices import Action, FeedbackKind, Kind, Priority, State
from callcenter.tickets.models import Category, ReturnReason, Ticket, WorkCalendar
from callcenter.web.errors import ActionError
from tests.conftest import PASSWORD
from tests.tickets.conftest import ZHANG_SAN, MakeTicket


def refused(code: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> ActionError:
    with pytest.raises(ActionError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@pytest.fixture
def fault(lina: User) -> Ticket:
    return actions.create_ticket(lina, kind=Kind.FAULT, description="充电桩显示 E03", **ZHANG_SAN)


@pytest.fixture
def sent(fault: Ticket, lina: User, futian: Unit) -> Ticket:
    return actions.dispatch(lina, fault, version=fault.version, unit=futian)


@pytest.fixture
def in_repair(sent: Ticket, sunli: User) -> Ticket:
    return actions.receive(sunli, sent, version=sent.version)


# --- create and edit ---------------------------------------------------------------------


def test_create_fault_for_zhang_san(lina: User, sla_targets: None) -> None:
    ticket = actions.create_ticket(
        lina,
        kind=Kind.FAULT,
        description=" 充电枪无法拔出 ",
        customer_name="张三",
        caller_number="13800138000",
        contact_phone="+86 138 0013 8000",
        vehicle_plate="粤b·12345",
    )
    assert ticket.number == f"GD{timezone.localdate():%Y%m%d}-0001"
    assert (ticket.state, ticket.version, ticket.created_by) == (State.NEW, 1, lina)
    assert (ticket.contact_phone, ticket.vehicle_plate) == ("13800138000", "粤B12345")
    assert ticket.description == "充电枪无法拔出"
    schedule = WorkCalendar.current().schedule()
    assert ticket.response_due == sla.add_working_hours(ticket.created_at, 2, schedule)
    assert ticket.resolution_due == sla.add_working_hours(ticket.created_at, 18, schedule)
    event = ticket.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        Action.CREATE,
        "",
        State.NEW,
        lina,
    )
    assert AuditEntry.objects.get(action="ticket_create").target == ticket.number


def test_create_refusals(lina: User, sunli: User, admin: User) -> None:
    good = {"kind": Kind.FAULT, "description": "无法充电", **ZHANG_SAN}
    refused("not_permitted", actions.create_ticket, sunli, **good)
    refused("not_permitted", actions.create_ticket, admin, **good)
    error = refused(
        "description_required", actions.create_ticket, lina, **{**good, "description": " "}
    )
    assert error.field == "description"
    assert is_chinese(error.message)
    error = refused("phone_required", actions.create_ticket, lina, **{**good, "contact_phone": ""})
    assert error.field == "contact_phone"
    refused("customer_required", actions.create_ticket, lina, **{**good, "customer_name": ""})
    error = refused("invalid", actions.create_ticket, lina, **{**good, "contact_phone": "12345"})
    assert error.field == "contact_phone"
    assert "13800138000" in error.message
    error = refused("invalid", actions.create_ticket, lina, **{**good, "vehicle_plate": "粤BI2345"})
    assert error.field == "vehicle_plate"
    refused("invalid", actions.create_ticket, lina, **{**good, "kind": "praise"})
    complaint_category = Category.objects.create(kind=Kind.COMPLAINT, name="服务态度")
    error = refused("invalid", actions.create_ticket, lina, **good, category=complaint_category)
    assert error.field == "category"
    retired = Category.objects.create(kind=Kind.FAULT, name="旧分类", is_active=False)
    refused("inactive", actions.create_ticket, lina, **good, category=retired)
    assert not Ticket.objects.exists()
    # Refused creations gave their numbers back.
    ticket = actions.create_ticket(lina, **good)
    assert ticket.number.endswith("-0001")


def test_anonymous_report_and_supervisor(zhou: User) -> None:
    report = actions.create_ticket(zhou, kind=Kind.REPORT, description="某站点私拉电线")
    assert (report.customer_name, report.contact_phone, report.state) == ("", "", State.NEW)


def test_edit_records_what_changed(fault: Ticket, zhou: User, sla_targets: None) -> None:
    edited = actions.edit_ticket(
        zhou,
        fault,
        version=fault.version,
        address="深圳市福田区深南大道 1 号",
        contact_phone="0755-8888 6666",
        customer_name="张三",
    )
    assert edited.version == fault.version + 1
    assert edited.contact_phone == "075588886666"
    event = edited.events.latest("pk")
    assert event.action == Action.EDIT
    assert event.details["changed"] == {
        "address": [ZHANG_SAN["address"], "深圳市福田区深南大道 1 号"],
        "contact_phone": ["13800138000", "075588886666"],
    }
    # Nothing changed: no new version, no history.
    same = actions.edit_ticket(zhou, edited, version=edited.version, customer_name="张三")
    assert same.version == edited.version
    assert same.events.count() == 2
    # Priority: the deadlines follow.
    urgent = actions.edit_ticket(zhou, same, version=same.version, priority=Priority.URGENT)
    schedule = WorkCalendar.current().schedule()
    assert urgent.resolution_due == sla.add_working_hours(urgent.created_at, 4.5, schedule)
    error = refused(
        "phone_required",
        actions.edit_ticket,
        zhou,
        urgent,
        version=urgent.version,
        contact_phone="",
    )
    assert error.field == "contact_phone"
    with pytest.raises(TypeError):
        actions.edit_ticket(zhou, urgent, version=urgent.version, kind=Kind.INQUIRY)
    refused("invalid", actions.edit_ticket, zhou, urgent, version=urgent.version, vehicle_plate="X")


# --- dispatch, receive, return -----------------------------------------------------------


def test_dispatch(fault: Ticket, lina: User, futian: Unit, sla_targets: None) -> None:
    error = refused(
        "unit_required", actions.dispatch, lina, fault, version=fault.version, unit=None
    )
    assert error.field == "unit"
    closed_unit = Unit.objects.create(code="U8", name="已撤销站", is_active=False)
    refused("inactive", actions.dispatch, lina, fault, version=fault.version, unit=closed_unit)
    sent = actions.dispatch(lina, fault, version=fault.version, unit=futian)
    assert (sent.state, sent.unit, sent.version) == (State.SENT, futian, 2)
    assert sent.sent_at is not None
    schedule = WorkCalendar.current().schedule()
    assert sent.response_due == sla.add_working_hours(sent.sent_at, 2, schedule)
    assert sent.events.latest("pk").unit == futian
    assert list(Ticket.objects.waiting_for_unit()) == [sent]
    assert Ticket.objects.receive_counts() == (1, 0)


def test_receive_with_handler(sent: Ticket, sunli: User, he_jianguo: Handler) -> None:
    received = actions.receive(sunli, sent, version=sent.version, handler=he_jianguo)
    assert (received.state, received.handler, received.unit) == (
        State.IN_REPAIR,
        he_jianguo,
        sent.unit,
    )
    assert received.received_at is not None
    event = received.events.latest("pk")
    assert (event.action, event.actor, event.handler) == (Action.RECEIVE, sunli, he_jianguo)


def test_receive_into_a_sub_unit(
    sent: Ticket, sunli: User, futian_1: Unit, guo_ming: Handler, he_jianguo: Handler
) -> None:
    error = refused(
        "handler_not_in_unit",
        actions.receive,
        sunli,
        sent,
        version=sent.version,
        handling_unit=futian_1,
        handler=he_jianguo,
    )
    assert error.field == "handler"
    received = actions.receive(
        sunli, sent, version=sent.version, handling_unit=futian_1, handler=guo_ming
    )
    assert (received.unit, received.handler) == (futian_1, guo_ming)


def test_receive_refuses_units_and_handlers_out_of_scope(
    sent: Ticket, sunli: User, nanshan: Unit, he_jianguo: Handler
) -> None:
    ma_chao = Handler.objects.get(unit=nanshan)
    error = refused("unit_out_of_scope", actions.receive, sunli, sent, version=2, handler=ma_chao)
    assert error.field == "handling_unit"
    refused("unit_out_of_scope", actions.receive, sunli, sent, version=2, handling_unit=nanshan)
    he_jianguo.is_active = False
    he_jianguo.save()
    refused("inactive", actions.receive, sunli, sent, version=2, handler=he_jianguo)
    assert Ticket.objects.get(pk=sent.pk).state == State.SENT


def test_wrong_unit_is_told_nothing_exists(sent: Ticket, wugang: User, futian_1: Unit) -> None:
    """An operator of another unit guessing an id gets the answer of a missing id."""
    error = refused("not_found", actions.receive, wugang, sent, version=sent.version)
    missing = refused("not_found", actions.receive, wugang, 999_999, version=1)
    assert error.message == missing.message
    assert sent.number not in error.message
    below = User.objects.create_user(
        "u1101", PASSWORD, name="郭班长", role="unit_operator", unit=futian_1
    )
    refused("not_found", actions.receive, below, sent, version=sent.version)  # the parent's
    assert Ticket.objects.get(pk=sent.pk).state == State.SENT


def test_an_operator_above_acts_on_orders_below(
    sent: Ticket, sunli: User, futian_1: Unit, guo_ming: Handler
) -> None:
    below = User.objects.create_user(
        "u1101", PASSWORD, name="郭班长", role="unit_operator", unit=futian_1
    )
    received = actions.receive(sunli, sent, version=sent.version, handling_unit=futian_1)
    assigned = actions.assign(below, received, version=received.version, handler=guo_ming)
    assert assigned.handler == guo_ming
    late = actions.late_return(
        sunli,
        assigned,
        version=assigned.version,
        reason=ReturnReason.objects.create(name="信息不全"),
    )
    assert late.state == State.RETURNED


def test_return_needs_a_reason(sent: Ticket, sunli: User, reason: ReturnReason) -> None:
    error = refused("reason_required", actions.return_order, sunli, sent, version=2, reason=None)
    assert error.field == "reason"
    assert is_chinese(error.message)
    retired = ReturnReason.objects.create(name="旧原因", is_active=False)
    refused("inactive", actions.return_order, sunli, sent, version=2, reason=retired)
    returned = actions.return_order(sunli, sent, version=2, reason=reason, notes="不在福田区")
    assert (returned.state, returned.return_reason, returned.return_notes) == (
        State.RETURNED,
        reason,
        "不在福田区",
    )
    event = returned.events.latest("pk")
    assert (event.reason, event.notes) == ("非本单位辖区", "不在福田区")
    assert AuditEntry.objects.filter(action="ticket_return", target=sent.number).exists()


def test_returned_order_corrected_and_sent_elsewhere(
    sent: Ticket, sunli: User, lina: User, wugang: User, nanshan: Unit, reason: ReturnReason
) -> None:
    returned = actions.return_order(sunli, sent, version=sent.version, reason=reason)
    corrected = actions.edit_ticket(
        lina, returned, version=returned.version, address="深圳市南山区科技园"
    )
    again = actions.resend(lina, corrected, version=corrected.version, unit=nanshan)
    assert (again.state, again.unit, again.rerepair_count, again.is_rerepair) == (
        State.SENT,
        nanshan,
        1,
        True,
    )
    refused("not_found", actions.receive, sunli, again, version=again.version)
    assert actions.receive(wugang, again, version=again.version).state == State.IN_REPAIR


# --- handling ----------------------------------------------------------------------------


def test_assign_only_in_repair(
    sent: Ticket, sunli: User, he_jianguo: Handler, futian_1: Unit
) -> None:
    error = refused("wrong_state", actions.assign, sunli, sent, version=2, handler=he_jianguo)
    assert "维修中" in error.message
    received = actions.receive(sunli, sent, version=2)
    refused("unit_or_handler_required", actions.assign, sunli, received, version=3)
    assigned = actions.assign(sunli, received, version=3, handler=he_jianguo)
    assert assigned.handler == he_jianguo
    moved = actions.assign(sunli, assigned, version=4, handling_unit=futian_1)
    assert (moved.unit, moved.handler) == (futian_1, None)


def test_late_return_never_after_feedback(
    in_repair: Ticket, sunli: User, reason: ReturnReason
) -> None:
    refused("reason_required", actions.late_return, sunli, in_repair, version=3, reason=None)
    progress = actions.feedback(
        sunli, in_repair, version=3, kind=FeedbackKind.NORMAL, result="已到现场，等待配件"
    )
    assert progress.state == State.IN_REPAIR  # not finished: still 维修中
    error = refused(
        "feedback_given", actions.late_return, sunli, progress, version=4, reason=reason
    )
    assert is_chinese(error.message)


def test_late_return_before_feedback(in_repair: Ticket, sunli: User, reason: ReturnReason) -> None:
    late = actions.late_return(sunli, in_repair, version=3, reason=reason)
    assert (late.state, late.handler) == (State.RETURNED, None)
    assert late.events.latest("pk").action == Action.LATE_RETURN


def test_feedback_kinds(
    in_repair: Ticket, sunli: User, make_ticket: MakeTicket, futian: Unit
) -> None:
    normal = FeedbackKind.NORMAL
    refused("result_required", actions.feedback, sunli, in_repair, version=3, kind=normal)
    error = refused(
        "reason_required", actions.feedback, sunli, in_repair, version=3, kind="delayed"
    )
    assert error.field == "reason"
    refused("reason_required", actions.feedback, sunli, in_repair, version=3, kind="no_repair")
    refused("invalid", actions.feedback, sunli, in_repair, version=3, kind="great")
    delayed = actions.feedback(
        sunli, in_repair, version=3, kind=FeedbackKind.DELAYED, reason="配件周三到货"
    )
    assert (delayed.state, delayed.feedback_kind, delayed.feedback_reason) == (
        State.DELAYED,
        FeedbackKind.DELAYED,
        "配件周三到货",
    )
    assert delayed.feedback_by == sunli
    repaired = actions.feedback(
        sunli, delayed, version=4, kind=normal, repaired=True, result="更换模块后正常"
    )
    assert (repaired.state, repaired.feedback_kind, repaired.feedback_reason) == (
        State.REPAIRED,
        FeedbackKind.NORMAL,
        "",
    )
    other = make_ticket(Kind.FAULT, State.IN_REPAIR, unit=futian)
    no = actions.feedback(sunli, other, version=1, kind=FeedbackKind.NO_REPAIR, reason="非我方设备")
    assert no.state == State.NOT_REPAIRED
    refused("wrong_state", actions.feedback, sunli, no, version=2, kind=normal, result="再修")


def test_callback_send_back_and_close(
    sla_targets: None, in_repair: Ticket, sunli: User, lina: User, zhou: User
) -> None:
    repaired = actions.feedback(
        sunli, in_repair, version=3, kind=FeedbackKind.NORMAL, repaired=True, result="已修复"
    )
    error = refused(
        "satisfaction_required", actions.record_callback, lina, repaired, version=4, reached=True
    )
    assert error.field == "satisfied"
    unreached = actions.record_callback(lina, repaired, version=4, reached=False, satisfied=True)
    assert (unreached.state, unreached.callback_reached, unreached.callback_satisfied) == (
        State.VISITED,
        False,
        None,
    )
    unhappy = actions.record_callback(
        lina, unreached, version=5, reached=True, satisfied=False, notes="还是充不上电"
    )
    assert (unhappy.callback_satisfied, unhappy.callback_by, unhappy.callback_notes) == (
        False,
        lina,
        "还是充不上电",
    )
    refused("reason_required", actions.send_back_for_rerepair, zhou, unhappy, version=6, reason=" ")
    back = actions.send_back_for_rerepair(zhou, unhappy, version=6, reason="客户反映仍无法充电")
    assert (back.state, back.rerepair_count, back.unit) == (State.SENT, 1, in_repair.unit)
    assert (back.feedback_at, back.callback_satisfied, back.handler) == (None, None, None)
    schedule = WorkCalendar.current().schedule()
    assert back.sent_at is not None
    assert back.sent_at > repaired.sent_at  # a new repair cycle: both clocks restart
    assert back.response_due == sla.add_working_hours(back.sent_at, 2, schedule)
    assert back.resolution_due == sla.add_working_hours(back.sent_at, 18, schedule)
    # The unit sees it again, as re-repair; the new cycle allows a late return again.
    waiting = Ticket.objects.in_unit_scope(sunli).waiting_for_unit()
    assert [(t.pk, t.is_rerepair) for t in waiting] == [(back.pk, True)]
    assert Ticket.objects.in_unit_scope(sunli).receive_counts() == (0, 1)
    again = actions.receive(sunli, back, version=7)
    fixed = actions.feedback(
        sunli, again, version=8, kind=FeedbackKind.NORMAL, repaired=True, result="更换充电枪"
    )
    happy = actions.record_callback(lina, fixed, version=9, reached=True, satisfied=True)
    error = refused(
        "callback_satisfied", actions.send_back_for_rerepair, lina, happy, version=10, reason="x"
    )
    closed = actions.close(lina, happy, version=10)
    assert (closed.state, closed.closed_at is not None) == (State.CLOSED, True)
    history = list(closed.events.values_list("action", flat=True))
    assert history == [
        "create",
        "dispatch",
        "receive",
        "feedback_repaired",
        "callback",
        "callback",
        "send_back",
        "receive",
        "feedback_repaired",
        "callback",
        "close",
    ]
    refused("wrong_state", actions.edit_ticket, lina, closed, version=11, address="x")


def test_close_without_sending_down(fault: Ticket, lina: User) -> None:
    error = refused("reason_required", actions.close, lina, fault, version=1)
    assert error.field == "reason"
    closed = actions.close(lina, fault, version=1, reason="电话指导客户重启后恢复")
    assert (closed.state, closed.close_notes) == (State.CLOSED, "电话指导客户重启后恢复")


def test_inquiry_closed_by_the_agent(lina: User) -> None:
    inquiry = actions.create_ticket(lina, kind=Kind.INQUIRY, description="充电站营业时间")
    assert actions.close(lina, inquiry, version=1).state == State.CLOSED


@pytest.mark.parametrize("kind", [Kind.COMPLAINT, Kind.SUGGESTION, Kind.REPORT])
def test_requests_in_progress_finished_or_not_handled(
    kind: Kind, lina: User, sunli: User, futian: Unit, reason: ReturnReason
) -> None:
    request = actions.create_ticket(lina, kind=kind, description="维修人员迟到", **ZHANG_SAN)
    request = actions.dispatch(lina, request, version=1, unit=futian)
    refused("not_for_kind", actions.receive, sunli, request, version=2)
    working = actions.handle_request(sunli, request, version=2, outcome=Action.PROCESS)
    assert working.state == State.PROCESSING
    working = actions.handle_request(
        sunli, working, version=3, outcome=Action.PROCESS, notes="已约谈当事人"
    )
    assert working.feedback_result == "已约谈当事人"
    error = refused("notes_required", actions.finish, sunli, working, version=4, notes="")
    assert error.field == "notes"
    refused("invalid", actions.handle_request, sunli, working, version=4, outcome=Action.CLOSE)
    finished = actions.finish(sunli, working, version=4, notes="已向客户致歉并整改")
    assert (finished.state, finished.feedback_result) == (State.FINISHED, "已向客户致歉并整改")
    refused("wrong_state", actions.decline, sunli, finished, version=5)
    other = actions.create_ticket(lina, kind=kind, description="另一件事", **ZHANG_SAN)
    other = actions.dispatch(lina, other, version=1, unit=futian)
    assert actions.decline(sunli, other, version=2).state == State.DECLINED
    third = actions.dispatch(
        lina,
        actions.create_ticket(lina, kind=kind, description="第三件", **ZHANG_SAN),
        version=1,
        unit=futian,
    )
    assert actions.return_order(sunli, third, version=2, reason=reason).state == State.RETURNED


# --- concurrency and forged requests ----------------------------------------------------


def test_two_operators_at_once(
    sent: Ticket, sunli: User, futian: Unit, reason: ReturnReason
) -> None:
    colleague = User.objects.create_user(
        "u1002", PASSWORD, name="钱伟", role="unit_operator", unit=futian
    )
    seen_by_both = sent.version
    actions.receive(sunli, sent, version=seen_by_both)
    error = refused(
        "stale", actions.return_order, colleague, sent, version=seen_by_both, reason=reason
    )
    assert "孙丽" in error.message
    assert is_chinese(error.message)
    fresh = Ticket.objects.get(pk=sent.pk)
    assert (fresh.state, fresh.return_reason) == (State.IN_REPAIR, None)
    # After reloading, the colleague's late return goes through.
    assert actions.late_return(colleague, fresh, version=fresh.version, reason=reason).state == (
        State.RETURNED
    )


def test_forged_transitions(
    fault: Ticket, sent: Ticket, lina: User, sunli: User, admin: User
) -> None:
    refused("not_permitted", actions.receive, lina, sent, version=sent.version)  # agent
    refused("not_permitted", actions.dispatch, sunli, sent, version=sent.version, unit=sent.unit)
    refused("not_permitted", actions.close, admin, sent, version=sent.version, reason="x")
    refused("wrong_state", actions.dispatch, lina, sent, version=sent.version, unit=sent.unit)
    refused(
        "wrong_state",
        actions.feedback,
        sunli,
        sent,
        version=sent.version,
        kind="normal",
        result="x",
    )
    refused(
        "not_for_kind", actions.handle_request, sunli, sent, version=sent.version, outcome="finish"
    )
    refused("not_found", actions.close, lina, 424242, version=1, reason="x")


def test_version_none_skips_the_check(sent: Ticket, sunli: User) -> None:
    assert actions.receive(sunli, sent, version=None).state == State.IN_REPAIR


def test_changes_are_published_after_commit(
    sent: Ticket, sunli: User, futian_1: Unit, django_capture_on_commit_callbacks
) -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    futian = sent.unit
    assert futian is not None
    async_to_sync(layer.group_add)(steps.unit_group(futian.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        actions.receive(sunli, sent, version=sent.version, handling_unit=futian_1)
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "tickets.changed", "ticket": sent.pk, "action": "receive"}


def test_overdue(make_ticket: MakeTicket, futian: Unit) -> None:
    past = timezone.now() - timedelta(hours=1)
    future = timezone.now() + timedelta(hours=1)
    late_to_receive = make_ticket(Kind.FAULT, State.SENT, response_due=past, resolution_due=future)
    late_to_resolve = make_ticket(Kind.FAULT, State.IN_REPAIR, resolution_due=past)
    delayed = make_ticket(Kind.FAULT, State.DELAYED, resolution_due=past)
    received_late = make_ticket(
        Kind.FAULT, State.IN_REPAIR, response_due=past, resolution_due=future
    )
    repaired = make_ticket(Kind.FAULT, State.REPAIRED, resolution_due=past)
    closed = make_ticket(Kind.FAULT, State.CLOSED, response_due=past, resolution_due=past)
    on_time = make_ticket(Kind.FAULT, State.SENT, response_due=future, resolution_due=future)
    no_target = make_ticket(Kind.FAULT, State.SENT)
    assert set(Ticket.objects.overdue()) == {late_to_receive, late_to_resolve, delayed}
    for ticket in (late_to_receive, late_to_resolve, delayed):
        assert ticket.is_overdue
    for ticket in (received_late, repaired, closed, on_time, no_target):
        assert not ticket.is_overdue
    assert late_to_receive.overdue_since() == past
    assert on_time.overdue_since() is None


def test_visibility(
    make_ticket: MakeTicket, lina: User, sunli: User, wugang: User, admin: User, nanshan: Unit
) -> None:
    ours = make_ticket(Kind.FAULT, State.SENT)
    theirs = make_ticket(Kind.FAULT, State.SENT, unit=nanshan)
    new = make_ticket(Kind.FAULT, State.NEW)
    assert set(Ticket.objects.visible_to(lina)) == {ours, theirs, new}
    assert list(Ticket.objects.visible_to(sunli)) == [ours]
    assert list(Ticket.objects.visible_to(wugang)) == [theirs]
    assert not Ticket.objects.visible_to(admin).exists()
