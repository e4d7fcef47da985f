"""Personas and lists of the tickets tests, beside the suite's (`tests/conftest.py`).

- 福田维修站 (`futian`, U1, handler 何建国) with its sub-unit 福田维修站一班 (`futian_1`,
  U1-1, handler 郭明); 南山维修站 (`nanshan`, U2, handler 马超).
- `sunli`: operator u1001 of 福田维修站; `wugang`: operator u2001 of 南山维修站.
- `lina` (agent), `zhou` (supervisor), `admin` from the suite.
- `make_ticket(kind, state, **fields)`: a ticket put straight into a state (for the state
  table tests; real flows go through the actions).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from callcenter.accounts.choices import Role
from callcenter.accounts.models import Handler, Unit, User
from callcenter.tickets.choices import Kind, Priority, State
from callcenter.tickets.models import ReturnReason, SlaTarget, Ticket, WorkCalendar
from tests.conftest import PASSWORD

ZHANG_SAN = {
    "customer_name": "张三",
    "caller_number": "13800138000",
    "contact_phone": "13800138000",
    "address": "深圳市福田区福华三路 88 号",
    "vehicle_plate": "粤B12345",
}


@pytest.fixture
def he_jianguo(futian: Unit) -> Handler:
    return Handler.objects.get(unit=futian, name="何建国")


@pytest.fixture
def futian_1(futian: Unit) -> Unit:
    unit = Unit.objects.create(code="U1-1", name="福田维修站一班", parent=futian)
    Handler.objects.create(unit=unit, name="郭明", phone="13900000003")
    return unit


@pytest.fixture
def guo_ming(futian_1: Unit) -> Handler:
    return Handler.objects.get(unit=futian_1, name="郭明")


@pytest.fixture
def nanshan(db: None) -> Unit:
    unit = Unit.objects.create(code="U2", name="南山维修站")
    Handler.objects.create(unit=unit, name="马超", phone="13900000011")
    return unit


@pytest.fixture
def wugang(nanshan: Unit) -> User:
    return User.objects.create_user(
        "u2001", PASSWORD, name="吴刚", role=Role.UNIT_OPERATOR, unit=nanshan
    )


@pytest.fixture
def reason(db: None) -> ReturnReason:
    ReturnReason.objects.create(name="信息不全", position=2)
    return ReturnReason.objects.create(name="非本单位辖区", position=1)


@pytest.fixture
def calendar(db: None) -> WorkCalendar:
    return WorkCalendar.objects.create(day_start=time(8, 30), day_end=time(17, 30))


@pytest.fixture
def sla_targets(calendar: WorkCalendar) -> None:
    for kind in Kind.values:
        SlaTarget.objects.create(
            kind=kind,
            priority=Priority.NORMAL,
            response_hours=Decimal("2"),
            resolution_hours=Decimal("18"),
        )
        SlaTarget.objects.create(
            kind=kind,
            priority=Priority.URGENT,
            response_hours=Decimal("1"),
            resolution_hours=Decimal("4.5"),
        )


_numbers = itertools.count(1)

MakeTicket = Callable[..., Ticket]


@pytest.fixture
def make_ticket(lina: User, futian: Unit) -> MakeTicket:
    """A ticket put straight into `state`: with 福田维修站 unless new, satisfied with
    nothing at the callback (so re-repair is possible), without feedback."""

    def make(kind: str = Kind.FAULT, state: str = State.NEW, **fields: Any) -> Ticket:
        values: dict[str, Any] = {
            **ZHANG_SAN,
            "number": f"T{next(_numbers):08d}",
            "kind": kind,
            "state": state,
            "description": "充电桩无法启动",
            "created_by": lina,
            "unit": None if state == State.NEW else futian,
        }
        if state == State.VISITED:
            values.update(callback_reached=True, callback_satisfied=False)
        if state in (State.RETURNED, State.VISITED, State.CLOSED, State.SENT):
            values["sent_at"] = timezone.now()
        values.update(fields)
        return Ticket.objects.create(**values)

    return make


@dataclass
class Cast:
    """Everyone a test may act as, by the name the state tables use."""

    agent: User
    supervisor: User
    admin: User
    operator: User  # of 福田维修站, where the orders are
    other_operator: User  # of 南山维修站

    def __getitem__(self, name: str) -> User:
        user: User = getattr(self, name)
        return user


@pytest.fixture
def cast(lina: User, zhou: User, admin: User, sunli: User, wugang: User) -> Cast:
    return Cast(lina, zhou, admin, sunli, wugang)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The personas' passwords are hashed with a fast hasher here: these tests create
    thousands of users and never log in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
