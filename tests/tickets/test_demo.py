"""The tickets' demo data: lists, the 2026 calendar, and 张三's tickets (some at 福田维修站),
made through the actions, loaded once."""

from __future__ import annotations

from datetime import date

from callcenter.accounts.models import User
from callcenter.tickets.choices import DayKind, Kind, Priority, State
from callcenter.tickets.models import (
    CalendarDay,
    Category,
    ReturnReason,
    SlaTarget,
    Ticket,
    WorkCalendar,
)
from callcenter.web import demo


def test_demo_lists_and_tickets(db: None) -> None:
    demo.load()
    assert set(ReturnReason.objects.values_list("name", flat=True)) >= {
        "地址不详",
        "非本单位辖区",
        "信息不全",
        "重复派单",
    }
    for kind in Kind.values:
        assert Category.objects.filter(kind=kind).count() >= 2
        assert SlaTarget.objects.filter(kind=kind).count() == len(Priority.values)
    assert WorkCalendar.objects.count() == 1
    schedule = WorkCalendar.current().schedule()
    assert not schedule.is_working_day(date(2026, 10, 1))
    assert schedule.is_working_day(date(2026, 10, 10))  # 调休 Saturday
    assert CalendarDay.objects.filter(kind=DayKind.WORKDAY).count() == 6
    tickets = Ticket.objects.filter(customer_name="张三")
    assert tickets.count() == 6
    assert set(tickets.values_list("contact_phone", "vehicle_plate")) == {
        ("13800138000", "粤B12345")
    }
    operator = User.objects.get(agent_id="u1001")
    at_futian = Ticket.objects.in_unit_scope(operator)
    assert at_futian.count() == 4
    assert set(at_futian.values_list("state", flat=True)) == {
        State.SENT,
        State.IN_REPAIR,
        State.REPAIRED,
        State.PROCESSING,
    }
    assert at_futian.waiting_for_unit().count() == 1
    assert all(ticket.events.exists() for ticket in tickets)
    assert sum(demo.load().values()) == 0
    assert Ticket.objects.count() == 6
