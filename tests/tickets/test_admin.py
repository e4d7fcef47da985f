"""The lists behind tickets are administered in the admin, in Chinese; tickets are shown
there read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from callcenter.tickets.choices import Kind, State
from tests.tickets.conftest import MakeTicket

LISTS = [
    ("/admin/tickets/category/", "工单分类"),
    ("/admin/tickets/returnreason/", "退单原因"),
    ("/admin/tickets/workcalendar/", "工作日历"),
    ("/admin/tickets/calendarday/", "日历日期"),
    ("/admin/tickets/slatarget/", "服务时限"),
    ("/admin/tickets/ticket/", "工单"),
]


@pytest.mark.parametrize(("url", "label"), LISTS)
def test_admin_lists(admin_client: Client, url: str, label: str) -> None:
    response = admin_client.get(url)
    assert response.status_code == 200
    assert label in response.content.decode()


def test_menu_entries_for_administrators(admin_client: Client) -> None:
    page = admin_client.get("/").content.decode()
    for label in ("工单设置", "工单分类", "退单原因", "工作日历", "服务时限"):
        assert label in page


def test_no_menu_entries_for_agents(lina_client: Client) -> None:
    assert "工单设置" not in lina_client.get("/").content.decode()


def test_tickets_are_read_only_in_the_admin(admin_client: Client, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(Kind.FAULT, State.SENT)
    assert admin_client.get("/admin/tickets/ticket/add/").status_code == 403
    page = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    response = admin_client.post(f"/admin/tickets/ticket/{ticket.pk}/delete/")
    assert response.status_code == 403


def test_one_work_calendar(admin_client: Client) -> None:
    assert admin_client.get("/admin/tickets/workcalendar/add/").status_code == 200
    response = admin_client.post(
        "/admin/tickets/workcalendar/add/",
        {
            "name": "工作日历",
            "day_start": "08:30",
            "day_end": "17:30",
            "days-TOTAL_FORMS": "1",
            "days-INITIAL_FORMS": "0",
            "days-0-date": "2026-12-31",
            "days-0-kind": "holiday",
            "days-0-name": "元旦前",
        },
    )
    assert response.status_code == 302
    assert admin_client.get("/admin/tickets/workcalendar/add/").status_code == 403
