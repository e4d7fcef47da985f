"""The second-level acceptance desk for a unit operator (seed 001 chapter 4; REQUIREMENTS
C1–C12): what 孙丽 (u1001, 福田维修站) sees and does, and what others may not."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from callcenter.accounts.models import Handler, Unit, User
from callcenter.tickets.choices import Action, FeedbackKind, Kind, State
from callcenter.tickets.models import ReturnReason, Ticket, TicketEvent
from tests.tickets.conftest import MakeTicket

PAGES = ["/dispatch/receive/", "/dispatch/orders/", "/dispatch/requests/", "/dispatch/query/"]


def text(response: object) -> str:
    content: bytes = response.content  # type: ignore[attr-defined]
    return content.decode()


def results(html: str) -> list[tuple[str, str]]:
    """(ticket number, done/refused) per row of a batch's result page."""
    return re.findall(r'data-result="(done|refused)" data-ticket="([^"]*)"', html)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.parametrize("url", PAGES)
def test_each_page_opens_for_the_unit_operator(sunli_client: Client, url: str) -> None:
    response = sunli_client.get(url)
    assert response.status_code == 200
    assert "二级受理" in text(response)


@pytest.mark.parametrize("url", PAGES)
def test_agents_and_admins_are_refused(
    lina_client: Client, admin: User, url: str, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(Kind.FAULT, State.SENT)
    assert lina_client.get(url).status_code == 403
    assert lina_client.get(f"/dispatch/tickets/{ticket.pk}/").status_code == 403
    other = Client()
    other.force_login(admin)
    assert other.get(url).status_code == 403
    assert other.get(f"/dispatch/tickets/{ticket.pk}/print/").status_code == 403


def test_anonymous_is_sent_to_log_in(client: Client) -> None:
    response = client.get("/dispatch/receive/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_menu_has_the_desk_only_for_unit_operators(sunli_client: Client) -> None:
    html = text(sunli_client.get("/"))
    for label in ("接单", "维修中工单", "投诉、建议、举报", "工单查询"):
        assert label in html


def test_menu_hides_the_desk_from_agents(lina_client: Client) -> None:
    assert "/dispatch/" not in text(lina_client.get("/"))


def test_receive_counts_new_and_rerepair(
    sunli_client: Client, make_ticket: MakeTicket, futian_1: Unit, nanshan: Unit
) -> None:
    make_ticket(Kind.FAULT, State.SENT)
    make_ticket(Kind.FAULT, State.SENT, unit=futian_1)  # a sub-unit's counts too
    make_ticket(Kind.FAULT, State.SENT, rerepair_count=1)
    make_ticket(Kind.FAULT, State.SENT, unit=nanshan)  # another unit's: not counted
    make_ticket(Kind.FAULT, State.IN_REPAIR)  # received already
    html = text(sunli_client.get("/dispatch/receive/"))
    assert re.search(r'data-testid="count-total">3<', html)
    assert re.search(r'data-testid="count-new">2<', html)
    assert re.search(r'data-testid="count-rerepair">1<', html)
    assert "其中新工单" in html
    assert re.search(r'data-testid="waiting-orders"><a href="/dispatch/receive/">3<', html)
    fragment = text(sunli_client.get("/dispatch/receive/?fragment=waiting"))
    assert "<html" not in fragment
    assert fragment.count('name="row"') == 3


def test_mixed_batch_with_one_refused_reports_per_order(
    sunli_client: Client,
    make_ticket: MakeTicket,
    reason: ReturnReason,
    he_jianguo: Handler,
) -> None:
    take = make_ticket(Kind.FAULT, State.SENT)
    give_back = make_ticket(Kind.FAULT, State.SENT)
    changed = make_ticket(Kind.FAULT, State.SENT, version=2)  # changed after the page
    also = make_ticket(Kind.FAULT, State.SENT)
    post = {
        "row": [take.pk, give_back.pk, changed.pk, also.pk],
        "selected": [take.pk, changed.pk, also.pk],
        "decision": "receive",  # the batch area, for the ticked rows without a choice
        f"decision-{give_back.pk}": "return",
        f"reason-{give_back.pk}": reason.pk,
        f"notes-{give_back.pk}": "在南山区",
        "handler": he_jianguo.pk,
        **{f"version-{t.pk}": 1 for t in (take, give_back, changed, also)},
    }
    response = sunli_client.post("/dispatch/receive/", post)
    assert response.status_code == 200
    html = text(response)
    assert results(html) == [
        ("done", take.number),
        ("done", give_back.number),
        ("refused", changed.number),
        ("done", also.number),
    ]
    assert "请刷新后重试" in html
    assert "3 件完成，1 件被拒绝" in html
    assert fresh(take).state == State.IN_REPAIR
    assert fresh(take).handler == he_jianguo
    assert fresh(also).state == State.IN_REPAIR
    returned = fresh(give_back)
    assert (returned.state, returned.return_reason, returned.return_notes) == (
        State.RETURNED,
        reason,
        "在南山区",
    )
    assert fresh(changed).state == State.SENT


def test_return_without_reason_is_refused_and_nothing_changes(
    sunli_client: Client, make_ticket: MakeTicket, reason: ReturnReason
) -> None:
    order = make_ticket(Kind.FAULT, State.SENT)
    response = sunli_client.post(
        "/dispatch/receive/",
        {"row": order.pk, f"decision-{order.pk}": "return", f"version-{order.pk}": 1},
    )
    html = text(response)
    assert results(html) == [("refused", order.number)]
    assert "请填写原因" in html
    assert fresh(order).state == State.SENT
    assert fresh(order).version == 1
    assert not TicketEvent.objects.filter(ticket=order).exists()


def test_nothing_chosen_says_so(sunli_client: Client, make_ticket: MakeTicket) -> None:
    order = make_ticket(Kind.FAULT, State.SENT)
    response = sunli_client.post(
        "/dispatch/receive/", {"row": order.pk, f"version-{order.pk}": 1}, follow=True
    )
    assert "请为至少一张工单选择接单或退单" in text(response)
    assert fresh(order).state == State.SENT


def test_late_return_needs_a_reason_and_no_feedback(
    sunli_client: Client, make_ticket: MakeTicket, reason: ReturnReason
) -> None:
    working = make_ticket(Kind.FAULT, State.IN_REPAIR)
    reported = make_ticket(Kind.FAULT, State.IN_REPAIR)
    reported.feedback_at = reported.created_at
    reported.feedback_kind = FeedbackKind.NORMAL
    reported.save()
    versions = {f"version-{t.pk}": t.version for t in (working, reported)}
    without = sunli_client.post(
        "/dispatch/orders/", {"op": "late_return", "selected": [working.pk], **versions}
    )
    assert results(text(without)) == [("refused", working.number)]
    assert "请填写原因" in text(without)
    response = sunli_client.post(
        "/dispatch/orders/",
        {
            "op": "late_return",
            "selected": [working.pk, reported.pk],
            "reason": reason.pk,
            **versions,
        },
    )
    html = text(response)
    assert results(html) == [("done", working.number), ("refused", reported.number)]
    assert "此工单已经反馈，不能再退单" in html
    assert fresh(working).state == State.RETURNED
    assert TicketEvent.objects.get(ticket=working).action == Action.LATE_RETURN
    assert fresh(reported).state == State.IN_REPAIR


def test_assign_only_in_repair(
    sunli_client: Client,
    make_ticket: MakeTicket,
    he_jianguo: Handler,
    guo_ming: Handler,
) -> None:
    working = make_ticket(Kind.FAULT, State.IN_REPAIR)
    other = make_ticket(Kind.FAULT, State.IN_REPAIR)
    delayed = make_ticket(Kind.FAULT, State.DELAYED)
    waiting = make_ticket(Kind.FAULT, State.SENT)
    tickets = (working, other, delayed, waiting)
    response = sunli_client.post(
        "/dispatch/orders/",
        {
            "op": "assign",
            "selected": [t.pk for t in tickets],
            "handler": he_jianguo.pk,  # the batch area's choice
            f"handler-{other.pk}": guo_ming.pk,  # this row's own choice
            **{f"version-{t.pk}": t.version for t in tickets},
        },
    )
    html = text(response)
    assert results(html) == [
        ("done", working.number),
        ("done", other.number),
        ("refused", delayed.number),
        ("refused", waiting.number),
    ]
    assert "只有处于“维修中”的工单才能进行“指派”操作" in html
    assert fresh(working).handler == he_jianguo
    assert (fresh(other).handler, fresh(other).unit) == (guo_ming, guo_ming.unit)
    assert fresh(delayed).handler is None


def feedback(client: Client, ticket: Ticket, **fields: object) -> str:
    ticket.refresh_from_db()
    return text(
        client.post(
            "/dispatch/orders/",
            {
                "op": "feedback",
                "selected": ticket.pk,
                f"version-{ticket.pk}": ticket.version,
                **fields,
            },
        )
    )


def test_feedback_kinds(sunli_client: Client, make_ticket: MakeTicket) -> None:
    order = make_ticket(Kind.FAULT, State.IN_REPAIR)
    html = feedback(sunli_client, order, kind="normal", result="已更换保险丝，尚需观察")
    assert results(html) == [("done", order.number)]
    assert fresh(order).state == State.IN_REPAIR  # not finished: stays 维修中
    html = feedback(sunli_client, order, kind="delayed")
    assert results(html) == [("refused", order.number)]
    html = feedback(sunli_client, order, kind="delayed", feedback_reason="等待配件")
    assert fresh(order).state == State.DELAYED
    assert "延后维修" in html
    html = feedback(sunli_client, order, kind="normal", repaired="on", result="已修复")
    assert fresh(order).state == State.REPAIRED
    assert "已维修" in html

    refused = make_ticket(Kind.FAULT, State.IN_REPAIR)
    html = feedback(sunli_client, refused, kind="no_repair", feedback_reason="用户车辆已报废")
    assert results(html) == [("done", refused.number)]
    assert fresh(refused).state == State.NOT_REPAIRED
    assert fresh(refused).feedback_reason == "用户车辆已报废"


def test_batch_feedback(sunli_client: Client, make_ticket: MakeTicket) -> None:
    orders = [make_ticket(Kind.FAULT, State.IN_REPAIR) for _ in range(3)]
    response = sunli_client.post(
        "/dispatch/orders/",
        {
            "op": "feedback",
            "kind": "normal",
            "repaired": "on",
            "result": "已批量修复",
            "selected": [o.pk for o in orders],
            **{f"version-{o.pk}": o.version for o in orders},
        },
    )
    assert [status for status, _ in results(text(response))] == ["done"] * 3
    assert {fresh(o).state for o in orders} == {State.REPAIRED}


def test_nothing_selected_says_so(sunli_client: Client) -> None:
    response = sunli_client.post("/dispatch/orders/", {"op": "assign"}, follow=True)
    assert "请至少选择一张工单" in text(response)


def test_in_repair_list_shows_only_received_orders(
    sunli_client: Client, make_ticket: MakeTicket, nanshan: Unit
) -> None:
    working = make_ticket(Kind.FAULT, State.IN_REPAIR)
    delayed = make_ticket(Kind.FAULT, State.DELAYED)
    waiting = make_ticket(Kind.FAULT, State.SENT)
    elsewhere = make_ticket(Kind.FAULT, State.IN_REPAIR, unit=nanshan)
    html = text(sunli_client.get("/dispatch/orders/"))
    assert working.number in html
    assert delayed.number in html
    assert waiting.number not in html
    assert elsewhere.number not in html
    html = text(sunli_client.get("/dispatch/orders/?state=delayed"))
    assert delayed.number in html
    assert working.number not in html


def test_requests_handled_single_and_batch(
    sunli_client: Client, make_ticket: MakeTicket, reason: ReturnReason
) -> None:
    complaint = make_ticket(Kind.COMPLAINT, State.SENT)
    suggestion = make_ticket(Kind.SUGGESTION, State.SENT)
    report = make_ticket(Kind.REPORT, State.PROCESSING)
    fault = make_ticket(Kind.FAULT, State.SENT)
    html = text(sunli_client.get("/dispatch/requests/"))
    for ticket in (complaint, suggestion, report):
        assert ticket.number in html
    assert fault.number not in html
    tickets = (complaint, suggestion, report)
    versions = {f"version-{t.pk}": t.version for t in tickets}
    html = text(
        sunli_client.post(
            "/dispatch/requests/",
            {
                "op": "handle",
                "outcome": "process",
                "notes": "已联系站长",
                "selected": [complaint.pk, suggestion.pk],
                **versions,
            },
        )
    )
    assert [s for s, _ in results(html)] == ["done", "done"]
    assert fresh(complaint).state == State.PROCESSING
    finish = text(
        sunli_client.post(
            "/dispatch/requests/",
            {"op": "handle", "outcome": "finish", "selected": [report.pk], **versions},
        )
    )
    assert results(finish) == [("refused", report.number)]
    assert fresh(report).state == State.PROCESSING
    declined = text(
        sunli_client.post(
            "/dispatch/requests/",
            {"op": "handle", "outcome": "decline", "selected": [report.pk], **versions},
        )
    )
    assert results(declined) == [("done", report.number)]
    assert fresh(report).state == State.DECLINED
    suggestion.refresh_from_db()
    returned = text(
        sunli_client.post(
            "/dispatch/requests/",
            {
                "op": "return",
                "reason": reason.pk,
                "selected": [suggestion.pk],
                f"version-{suggestion.pk}": suggestion.version,
            },
        )
    )
    assert results(returned) == [("done", suggestion.number)]
    assert fresh(suggestion).state == State.RETURNED


def test_query_simple_and_advanced(
    sunli_client: Client, make_ticket: MakeTicket, he_jianguo: Handler, nanshan: Unit
) -> None:
    first = make_ticket(Kind.FAULT, State.IN_REPAIR, handler=he_jianguo, customer_name="王五")
    second = make_ticket(Kind.COMPLAINT, State.SENT)
    elsewhere = make_ticket(Kind.FAULT, State.SENT, unit=nanshan)
    html = text(sunli_client.get("/dispatch/query/"))
    assert first.number in html
    assert second.number in html
    assert elsewhere.number not in html
    html = text(sunli_client.get("/dispatch/query/?q=王五"))
    assert first.number in html
    assert second.number not in html
    html = text(sunli_client.get("/dispatch/query/?kind=complaint"))
    assert second.number in html
    assert first.number not in html
    html = text(sunli_client.get(f"/dispatch/query/?handler={he_jianguo.pk}"))
    assert first.number in html
    assert second.number not in html
    assert '<details class="advanced-query" open' in html  # an advanced query stays shown
    html = text(sunli_client.get("/dispatch/query/?date_from=2026-02-01&date_to=2026-01-01"))
    assert "结束日期早于开始日期" in html


def test_details_show_the_order_and_its_history(
    sunli_client: Client, make_ticket: MakeTicket, lina: User, futian: Unit, he_jianguo: Handler
) -> None:
    from callcenter.tickets import actions

    order = make_ticket(Kind.FAULT, State.NEW)
    order = actions.dispatch(lina, order, version=order.version, unit=futian)
    html = text(sunli_client.get(f"/dispatch/tickets/{order.pk}/"))
    assert "报障用户信息" in html
    assert "报障受理信息" in html
    assert "处理情况" in html
    assert "张三" in html
    assert "粤B12345" in html
    assert "李娜" in html
    assert 'data-testid="receive-form"' in html
    assert 'data-testid="feedback-form"' not in html
    sunli = User.objects.get(agent_id="u1001")
    actions.receive(sunli, order, version=order.version, handler=he_jianguo)
    html = text(sunli_client.get(f"/dispatch/tickets/{order.pk}/"))
    assert 'data-testid="assign-form"' in html
    assert 'data-testid="feedback-form"' in html
    assert "何建国" in html
    assert "回访" in html
    assert "历史记录" in html
    assert html.count('data-action="') == 2  # dispatched, received


def test_another_units_order_is_not_found(
    sunli_client: Client, make_ticket: MakeTicket, nanshan: Unit, reason: ReturnReason
) -> None:
    elsewhere = make_ticket(Kind.FAULT, State.SENT, unit=nanshan)
    assert sunli_client.get(f"/dispatch/tickets/{elsewhere.pk}/").status_code == 404
    assert sunli_client.get(f"/dispatch/tickets/{elsewhere.pk}/print/").status_code == 404
    html = text(
        sunli_client.post(
            "/dispatch/receive/",
            {
                "row": elsewhere.pk,
                f"decision-{elsewhere.pk}": "receive",
                f"version-{elsewhere.pk}": 1,
            },
        )
    )
    assert results(html) == [("refused", "")]
    assert elsewhere.number not in html
    assert fresh(elsewhere).state == State.SENT


def test_print_page_renders_the_work_order_in_chinese(
    sunli_client: Client, make_ticket: MakeTicket, he_jianguo: Handler
) -> None:
    order = make_ticket(Kind.FAULT, State.IN_REPAIR, handler=he_jianguo)
    response = sunli_client.get(f"/dispatch/tickets/{order.pk}/print/")
    assert response.status_code == 200
    html = text(response)
    assert "<h1>维修单</h1>" in html
    assert "张三" in html
    assert "深圳市福田区福华三路 88 号" in html
    assert "充电桩无法启动" in html
    assert "@media print" in html
    assert "data-print" in html
    assert "打印" in html
    assert 'class="sidebar"' not in html  # only the work order is printed
    assert 'lang="zh-hans"' in html


def test_every_list_shows_the_deadline_and_marks_the_overdue(
    sunli_client: Client, make_ticket: MakeTicket
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    late = make_ticket(Kind.FAULT, State.SENT)
    Ticket.objects.filter(pk=late.pk).update(resolution_due=timezone.now() - timedelta(hours=2))
    in_time = make_ticket(Kind.FAULT, State.IN_REPAIR)
    Ticket.objects.filter(pk=in_time.pk).update(resolution_due=timezone.now() + timedelta(days=2))
    waiting = text(sunli_client.get("/dispatch/receive/"))
    cell = re.search(rf'data-testid="due-{late.number}">(.*?)</td>', waiting, re.S)
    assert cell is not None
    assert "已超时" in cell.group(1)
    repairing = text(sunli_client.get("/dispatch/orders/"))
    cell = re.search(rf'data-testid="due-{in_time.number}">(.*?)</td>', repairing, re.S)
    assert cell is not None
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", cell.group(1))
    assert "已超时" not in cell.group(1)
    query = text(sunli_client.get("/dispatch/query/"))
    assert f'data-testid="due-{late.number}"' in query
