"""The agent desktop's page, its pop forms and the agents' fast feed (B2), without a
switch: the desktop with real calls is tests/e2e/test_desktop.py.

Persona: lina (agent 80001 at 70001) takes a call from someone the CRM does not know.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from callcenter.acd import demo as acd_demo
from callcenter.crm import demo
from callcenter.crm.models import Customer
from callcenter.desktop.live import pop_for, tickets_of_call
from callcenter.engine.events import (
    AgentConnected,
    AgentMissed,
    AgentOffered,
    AgentStateChanged,
    CallDirection,
    CallEnded,
    CallRinging,
    CallStarted,
    EndCause,
    IvrLeft,
    IvrNodeVisited,
    MissReason,
    QueueJoined,
)
from callcenter.telephony.agent_feed import AgentFeed, agent_group
from callcenter.tickets.actions import create_ticket
from callcenter.tickets.choices import Kind
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


def test_the_desktop_opens_for_agents_in_chinese(lina_client: Client, sunli: Any) -> None:
    acd_demo.load()
    page = lina_client.get("/desktop/").content.decode()
    for words in ("签入", "示闲", "当前通话"):
        assert words in page
    assert 'value="70001"' in page  # the extension of the web login, to sign in at
    assert "就餐" in page  # the not-ready reasons to choose from
    assert "未接听" not in page  # but not the switch's own
    operator = Client()
    log_in(operator, "u1001")
    assert operator.get("/desktop/").status_code == 403  # a unit operator
    assert Client().get("/desktop/").status_code == 302  # to the login page


def test_the_pop_makes_a_customer_and_its_vehicle_and_says_what_is_wrong(
    lina_client: Client,
) -> None:
    wrong = lina_client.post(
        "/desktop/customers/",
        {"customer-name": "", "customer-kind": "person", "customer-phones": "12345"},
    )
    errors = wrong.json()["errors"]
    assert wrong.status_code == 400
    assert set(errors) == {"name", "phones"}
    assert "12345" in errors["phones"][0]
    assert "电话" in errors["phones"][0]
    made = lina_client.post(
        "/desktop/customers/",
        {
            "customer-name": "赵六",
            "customer-kind": "person",
            "customer-phones": "+86 150 1234 5678",
        },
    )
    customer = made.json()
    assert made.status_code == 200
    assert customer["number"].startswith("KH")
    assert customer["name"] == "赵六"
    assert customer["phones"] == [{"number": "15012345678", "label": "mobile"}]
    url = f"/desktop/customers/{customer['number']}/vehicles/"
    bad = lina_client.post(url, {"vehicle-plate": "ABC"})
    assert bad.status_code == 400
    assert "车牌" in bad.json()["errors"]["plate"][0]
    good = lina_client.post(url, {"vehicle-plate": "粤b-6789d", "vehicle-vin": ""})
    assert [v["plate"] for v in good.json()["vehicles"]] == ["粤B6789D"]
    assert lina_client.post("/desktop/customers/KH99999999/vehicles/", {}).status_code == 404
    assert lina_client.get("/desktop/customers/").status_code == 405


def test_the_tickets_of_a_call(lina_client: Client, lina: Any) -> None:
    assert lina_client.get("/desktop/calls/c-1/tickets/").json() == {"tickets": []}
    ticket = create_ticket(lina, kind=Kind.INQUIRY, description="咨询充电桩", call_id="c-1")
    create_ticket(lina, kind=Kind.INQUIRY, description="另一通电话", call_id="c-2")
    found = lina_client.get("/desktop/calls/c-1/tickets/").json()["tickets"]
    assert (
        [t["number"] for t in found]
        == [ticket.number]
        == [t["number"] for t in tickets_of_call("c-1")]
    )
    assert found[0]["url"] == reverse("tickets:detail", args=[ticket.pk])


def test_the_pop_finds_none_one_or_several_customers_for_any_caller_id() -> None:
    demo.load()
    zhang = pop_for("c1", {"caller": "+8613800138000"})
    assert [c["name"] for c in zhang["customers"]] == ["张三"]
    assert [v["plate"] for v in zhang["customers"][0]["vehicles"]] == ["粤B12345"]
    for odd in ("", "anonymous", "1" * 40, "\x00", "<script>"):
        assert pop_for("c2", {"caller": odd})["customers"] == []
    assert pop_for("c3", None)["customers"] == []  # no facts (the switch restarted)
    twin = Customer.objects.get(name="李四")
    twin.pk = None
    twin.number, twin.name = "KH90000000", "李四（公司）"
    twin.save()
    twin.phones.create(number="13800138000", label="mobile")
    several = pop_for("c4", {"caller": "13800138000"})["customers"]
    assert [c["name"] for c in several] == ["张三", "李四（公司）"]


class _Layer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.sent.append((group, message))


def test_the_fast_feed_sends_each_agent_its_own_events_with_the_calls_facts() -> None:
    layer = _Layer()
    feed = AgentFeed(layer)

    async def scenario() -> None:
        feed.observe(CallStarted(100.0, "c1", CallDirection.INBOUND, "13800138000", "flow:demo"))
        feed.observe(IvrNodeVisited(101.0, "c1", "demo", "main", "menu", "1"))
        feed.observe(IvrLeft(103.0, "c1", "demo", "queue:service"))
        feed.observe(QueueJoined(103.0, "c1", "service", "13800138000", 1))
        feed.observe(AgentOffered(107.5, "c1", "service", "80001", "70001"))
        feed.observe(AgentStateChanged(107.5, "80001", "ringing", "c1", "service"))
        feed.observe(AgentStateChanged(108.0, "80002", "idle"))
        feed.observe(CallEnded(120.0, "c1", EndCause.NORMAL))
        await asyncio.sleep(0)

    asyncio.run(scenario())
    assert [group for group, _message in layer.sent] == [
        "agent.80001",
        "agent.80001",
        "agent.80002",
    ]
    offer = layer.sent[0][1]["event"]
    assert offer["type"] == "agent_offered"
    facts = offer["facts"]
    assert (facts["caller"], facts["queue"], facts["wait"], facts["digits"]) == (
        "13800138000",
        "service",
        4.5,
        "1",
    )
    assert [step["node"] for step in facts["ivr"]] == ["main", "queue:service"]
    assert feed.facts("c1") is None  # the call ended
    json.dumps(layer.sent)  # what goes through the channel layer is plain JSON
    assert agent_group("80 01/é") == "agent.80_01__"
    sent = len(layer.sent)
    feed.observe(AgentOffered(130.0, "c9", "service", "80001", "70001"))  # no loop: no send
    assert len(layer.sent) == sent


def test_a_phone_ringing_for_an_offer_is_sent_to_the_agents_offered() -> None:
    layer = _Layer()
    feed = AgentFeed(layer)

    async def scenario() -> None:
        feed.observe(CallStarted(100.0, "c1", CallDirection.INBOUND, "13800138000", "flow:demo"))
        feed.observe(CallRinging(100.5, "c1", "l0"))  # before any offer: nobody's
        feed.observe(AgentOffered(101.0, "c1", "service", "80001", "70001"))
        feed.observe(AgentOffered(101.0, "c1", "service", "80002", "70002"))  # ring-all
        feed.observe(CallRinging(101.1, "c1", "l1"))
        feed.observe(AgentConnected(102.0, "c1", "service", "80002", "70002", 2.0, 1.0))
        feed.observe(AgentMissed(102.0, "c1", "service", "80001", MissReason.NO_ANSWER, 1.0))
        feed.observe(CallRinging(103.0, "c1", "l3"))  # the consultation's phone: nobody's
        await asyncio.sleep(0)

    asyncio.run(scenario())
    ringing = [g for g, m in layer.sent if m["event"]["type"] == "call_ringing"]
    assert ringing == ["agent.80001", "agent.80002"]
    assert feed.offered == {}


def test_the_desktop_socket_lets_only_agents_in_and_says_when_the_switch_is_down(
    lina: Any, sunli: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser

    from callcenter.desktop.consumers import DesktopConsumer

    async def connect(user: Any) -> tuple[str, Any]:
        """Speak ASGI to the consumer as the server would; its first answers."""
        incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        scope = {
            "type": "websocket",
            "path": "/ws/desktop/",
            "user": user,
            "headers": [],
            "query_string": b"",
        }
        task = asyncio.create_task(DesktopConsumer.as_asgi()(scope, incoming.get, outgoing.put))
        await incoming.put({"type": "websocket.connect"})
        answer = await asyncio.wait_for(outgoing.get(), 5)
        first = None
        if answer["type"] == "websocket.accept":
            first = json.loads((await asyncio.wait_for(outgoing.get(), 5))["text"])
            await incoming.put({"type": "websocket.disconnect", "code": 1000})
        else:
            first = answer["code"]
            await incoming.put({"type": "websocket.disconnect", "code": answer["code"]})
        await asyncio.wait_for(task, 5)
        return answer["type"], first

    assert asyncio.run(connect(AnonymousUser())) == ("websocket.close", 4401)
    assert asyncio.run(connect(sunli)) == ("websocket.close", 4403)  # a unit operator
    state = {"type": "state", "switch": "unavailable"}  # no switch in this test
    assert asyncio.run(connect(lina)) == ("websocket.accept", state)
