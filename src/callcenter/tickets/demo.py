"""Demo lists and tickets: categories per kind, return reasons, SLA targets, the work
calendar with this year's public holidays, and a few tickets of customer 张三 (mobile
13800138000, vehicle 粤B12345), some sent to 福田维修站 (operator u1001).

The tickets are made through `tickets.actions` by agent 80001 and operator u1001, so their
history is what a real day would leave. Only what is missing is created; the tickets
only when 张三 has none.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from callcenter.accounts.models import Handler, Unit, User
from callcenter.tickets import actions
from callcenter.tickets.choices import Action, DayKind, FeedbackKind, Kind, Priority
from callcenter.tickets.models import (
    CalendarDay,
    Category,
    ReturnReason,
    SlaTarget,
    Ticket,
    WorkCalendar,
)

CATEGORIES: dict[Kind, list[str]] = {
    Kind.FAULT: ["充电桩故障", "充电卡问题", "车辆故障", "计费异常"],
    Kind.COMPLAINT: ["服务态度", "维修质量", "响应不及时", "收费争议"],
    Kind.INQUIRY: ["充电站位置", "营业时间", "收费标准", "业务办理"],
    Kind.SUGGESTION: ["服务改进", "站点建设"],
    Kind.REPORT: ["违规收费", "安全隐患"],
}
RETURN_REASONS = ["地址不详", "非本单位辖区", "信息不全", "重复派单", "联系不上客户"]
# (kind, priority) → (response hours, resolution hours), in working hours (a working day
# of the demo calendar, 08:30–17:30, has 9).
SLA_TARGETS: dict[tuple[Kind, Priority], tuple[str, str]] = {
    (Kind.FAULT, Priority.NORMAL): ("2", "18"),
    (Kind.FAULT, Priority.URGENT): ("1", "9"),
    (Kind.FAULT, Priority.CRITICAL): ("0.5", "4"),
    (Kind.COMPLAINT, Priority.NORMAL): ("4", "27"),
    (Kind.COMPLAINT, Priority.URGENT): ("2", "18"),
    (Kind.COMPLAINT, Priority.CRITICAL): ("1", "9"),
    (Kind.INQUIRY, Priority.NORMAL): ("4", "9"),
    (Kind.INQUIRY, Priority.URGENT): ("2", "4"),
    (Kind.INQUIRY, Priority.CRITICAL): ("1", "2"),
    (Kind.SUGGESTION, Priority.NORMAL): ("8", "45"),
    (Kind.SUGGESTION, Priority.URGENT): ("4", "27"),
    (Kind.SUGGESTION, Priority.CRITICAL): ("2", "9"),
    (Kind.REPORT, Priority.NORMAL): ("4", "27"),
    (Kind.REPORT, Priority.URGENT): ("2", "9"),
    (Kind.REPORT, Priority.CRITICAL): ("1", "4"),
}


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04):
# (name, days off, make-up working days 调休上班).
HOLIDAYS: dict[int, list[tuple[str, list[date], list[date]]]] = {
    2026: [
        ("元旦", _span(date(2026, 1, 1), date(2026, 1, 3)), [date(2026, 1, 4)]),
        (
            "春节",
            _span(date(2026, 2, 15), date(2026, 2, 23)),
            [date(2026, 2, 14), date(2026, 2, 28)],
        ),
        ("清明节", _span(date(2026, 4, 4), date(2026, 4, 6)), []),
        ("劳动节", _span(date(2026, 5, 1), date(2026, 5, 5)), [date(2026, 5, 9)]),
        ("端午节", _span(date(2026, 6, 19), date(2026, 6, 21)), []),
        ("中秋节", _span(date(2026, 9, 25), date(2026, 9, 27)), []),
        (
            "国庆节",
            _span(date(2026, 10, 1), date(2026, 10, 7)),
            [date(2026, 9, 20), date(2026, 10, 10)],
        ),
    ],
}

CUSTOMER: dict[str, Any] = {
    "customer_name": "张三",
    "caller_number": "13800138000",
    "contact_phone": "13800138000",
    "address": "深圳市福田区福华三路 88 号充电站",
    "vehicle_plate": "粤B12345",
}


def _lists() -> int:
    created = 0
    for kind, names in CATEGORIES.items():
        for position, name in enumerate(names):
            _category, made = Category.objects.get_or_create(
                kind=kind, name=name, defaults={"position": position}
            )
            created += made
    for position, name in enumerate(RETURN_REASONS):
        _reason, made = ReturnReason.objects.get_or_create(
            name=name, defaults={"position": position}
        )
        created += made
    for (kind, priority), (response, resolution) in SLA_TARGETS.items():
        _target, made = SlaTarget.objects.get_or_create(
            kind=kind,
            priority=priority,
            defaults={
                "response_hours": Decimal(response),
                "resolution_hours": Decimal(resolution),
            },
        )
        created += made
    calendar = WorkCalendar.objects.first()
    if calendar is None:
        calendar = WorkCalendar.objects.create()
        created += 1
    for holidays in HOLIDAYS.values():
        for name, days_off, workdays in holidays:
            for day_kind, days in ((DayKind.HOLIDAY, days_off), (DayKind.WORKDAY, workdays)):
                for day in days:
                    _day, made = CalendarDay.objects.get_or_create(
                        calendar=calendar, date=day, defaults={"kind": day_kind, "name": name}
                    )
                    created += made
    return created


def _category(kind: Kind, name: str) -> Category:
    return Category.objects.get(kind=kind, name=name)


def _tickets() -> int:
    agent = User.objects.filter(agent_id="80001").first()
    operator = User.objects.filter(agent_id="u1001").first()
    futian = Unit.objects.filter(code="U1").first()
    if agent is None or operator is None or futian is None:
        return 0
    if Ticket.objects.filter(customer_name="张三", contact_phone="13800138000").exists():
        return 0
    handler = Handler.objects.filter(unit=futian, name="何建国").first()

    def fault(text: str, category: str, priority: Priority = Priority.NORMAL) -> Ticket:
        return actions.create_ticket(
            agent,
            kind=Kind.FAULT,
            description=text,
            priority=priority,
            category=_category(Kind.FAULT, category),
            **CUSTOMER,
        )

    # 1. New, not yet sent.
    fault("充电枪插入后无法拔出，车辆停在 3 号桩。", "充电桩故障")
    # 2. Sent to 福田维修站, waiting to be received.
    waiting = fault("充电桩屏幕显示故障码 E03，无法启动充电。", "充电桩故障", Priority.URGENT)
    actions.dispatch(agent, waiting, version=waiting.version, unit=futian)
    # 3. Received by 福田维修站, in repair with 何建国.
    repairing = fault("刷卡后充电桩无响应，充电卡余额正常。", "充电卡问题")
    repairing = actions.dispatch(agent, repairing, version=repairing.version, unit=futian)
    actions.receive(operator, repairing, version=repairing.version, handler=handler)
    # 4. Repaired, waiting for the callback.
    repaired = fault("车辆充电到 80% 自动停止，重复多次。", "车辆故障")
    repaired = actions.dispatch(agent, repaired, version=repaired.version, unit=futian)
    repaired = actions.receive(operator, repaired, version=repaired.version, handler=handler)
    actions.feedback(
        operator,
        repaired,
        version=repaired.version,
        kind=FeedbackKind.NORMAL,
        repaired=True,
        result="更换充电模块，现场试充正常。",
    )
    # 5. A complaint sent down to 福田维修站.
    complaint = actions.create_ticket(
        agent,
        kind=Kind.COMPLAINT,
        description="维修人员未按约定时间上门，客户等候两小时。",
        category=_category(Kind.COMPLAINT, "响应不及时"),
        **CUSTOMER,
    )
    complaint = actions.dispatch(agent, complaint, version=complaint.version, unit=futian)
    actions.handle_request(
        operator,
        complaint,
        version=complaint.version,
        outcome=Action.PROCESS,
        notes="已联系当班维修人员核实情况。",
    )
    # 6. An inquiry answered on the phone.
    inquiry = actions.create_ticket(
        agent,
        kind=Kind.INQUIRY,
        description="咨询福田充电站夜间是否营业。",
        category=_category(Kind.INQUIRY, "营业时间"),
        **CUSTOMER,
    )
    actions.close(agent, inquiry, version=inquiry.version, reason="已告知：24 小时营业。")
    return 6


def load() -> int:
    """Create what is missing; return how many rows were created."""
    return _lists() + _tickets()
