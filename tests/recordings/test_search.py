"""Call records search by agent, customer and ticket (A8, B10), beside the filters of
`test_pages`: the customer's calls in every caller-ID form, and the calls its tickets were
created during.

张三 (KH…, mobile 13800138000) called as ``+8613800138000`` (``plus``), ``13800138000``
(``plain``) and through a trunk's prefix ``013800138000`` (``zero``); 李四 (13900001111)
called once (``lisi``). A ticket of 张三 was created during ``ticket-call``, made from a
number he never gave (075588886666). ``queued``: a call of the queue ``service`` rung at
80001 (no answer) and taken by 80002 (`tests.recordings.contact_center.queued_call`).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from callcenter.accounts.choices import Role
from callcenter.accounts.models import LoginRecord, User
from callcenter.crm.customers import create_customer
from callcenter.crm.models import Customer
from callcenter.recordings.events import apply_call_events
from callcenter.recordings.filters import MAX_CUSTOMERS, CallFilterForm
from callcenter.recordings.models import CallRecord
from callcenter.tickets.actions import create_ticket
from callcenter.tickets.models import Ticket
from tests.conftest import PASSWORD
from tests.recordings.calls import NOW, inbound_call
from tests.recordings.contact_center import queued_call
from tests.recordings.test_pages import rows


@pytest.fixture
def zhang_san(db: None) -> Customer:
    return create_customer(None, name="张三", phones=[("13800138000", "mobile")])


@pytest.fixture
def ticket(zhang_san: Customer, lina: User) -> Ticket:
    return create_ticket(
        lina,
        kind="inquiry",
        description="充电桩怎么预约",
        customer=zhang_san,
        caller_number="075588886666",
        call_id="ticket-call",
    )


@pytest.fixture
def calls(zhang_san: Customer, ticket: Ticket) -> None:
    create_customer(None, name="李四", phones=[("13900001111", "mobile")])
    for n, (call, caller) in enumerate(
        [
            ("plus", "+8613800138000"),
            ("plain", "13800138000"),
            ("zero", "013800138000"),
            ("lisi", "13900001111"),
            ("ticket-call", "075588886666"),
        ]
    ):
        events = inbound_call(call, at=NOW + 100 * n, caller=caller, agent="70003")
        apply_call_events(events, "callcenter")
    apply_call_events(queued_call("queued", at=NOW + 1000), "callcenter")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The customer by name, by phone number in any form, by customer number.
        ("customer=张三", ["queued", "ticket-call", "zero", "plain", "plus"]),
        ("customer=张", ["queued", "ticket-call", "zero", "plain", "plus"]),
        ("customer=13800138000", ["queued", "ticket-call", "zero", "plain", "plus"]),
        ("customer=%2B86%20138-0013-8000", ["queued", "ticket-call", "zero", "plain", "plus"]),
        ("customer=李四", ["lisi"]),
        ("customer=王五", []),
        ("customer=13700000000", []),
        # Combined with the others.
        ("customer=张三&recording=yes", ["ticket-call", "zero", "plain", "plus"]),
        ("customer=张三&number=%2B86", ["plus"]),
        # The agent: offered (no answer), connected, at its extension during its login.
        ("agent=80001", ["queued"]),
        ("agent=80002", ["queued"]),
        ("agent=80009", []),
    ],
)
def test_filters(admin_client: Client, calls: None, query: str, expected: list[str]) -> None:
    assert rows(admin_client, query) == expected


def test_customer_by_its_number(admin_client: Client, calls: None, zhang_san: Customer) -> None:
    expected = ["queued", "ticket-call", "zero", "plain", "plus"]
    assert rows(admin_client, f"customer={zhang_san.number}") == expected
    assert rows(admin_client, f"customer={zhang_san.number.lower()}") == expected


def test_ticket_finds_the_call_it_was_created_during(
    admin_client: Client, calls: None, ticket: Ticket
) -> None:
    assert rows(admin_client, f"ticket={ticket.number}") == ["ticket-call"]
    assert rows(admin_client, f"ticket={ticket.number.lower()}") == ["ticket-call"]
    assert rows(admin_client, "ticket=GD20270115-9999") == []


def test_ticket_without_a_call_finds_none(
    admin_client: Client, calls: None, zhang_san: Customer, lina: User
) -> None:
    other = create_ticket(lina, kind="inquiry", description="无来电", customer=zhang_san)
    assert rows(admin_client, f"ticket={other.number}") == []


def test_agent_at_its_extension_while_logged_in(admin_client: Client, calls: None) -> None:
    """80003 logged in at 70003 just before ``zero``: the calls answered there from then
    on are its own, those before are not."""
    zhangwei = User.objects.create_user("80003", PASSWORD, name="张伟", role=Role.AGENT)
    since = CallRecord.objects.get(call_id="zero").started_at
    LoginRecord.objects.create(user=zhangwei, extension="70003", logged_in_at=since)
    assert rows(admin_client, "agent=80003") == ["ticket-call", "lisi", "zero"]


def test_too_many_customers_asks_for_a_narrower_one(admin_client: Client, db: None) -> None:
    for n in range(MAX_CUSTOMERS + 1):
        create_customer(None, name=f"王{n:02d}", phones=[(f"1390000{n:04d}", "mobile")])
    text = admin_client.get("/recordings/calls/?customer=王").content.decode()
    assert 'data-testid="error-customer"' in text
    assert f"超过 {MAX_CUSTOMERS} 位客户" in text
    assert rows(admin_client, "customer=王01") == []


def test_one_query_for_the_list(calls: None, zhang_san: Customer, ticket: Ticket) -> None:
    """The customer and ticket filters run as SQL: the calls are one query (after the few
    that find the customers and their phones), whatever the number of calls."""
    form = CallFilterForm({"customer": "张三", "agent": "80002", "ticket": ticket.number})
    assert form.is_valid(), form.errors
    found = form.filter(CallRecord.objects.all())
    with CaptureQueriesContext(connection) as queries:
        assert list(found.values_list("call_id", flat=True)) == []
    assert len(queries) == 1
    assert "EXISTS" in queries[0]["sql"]
