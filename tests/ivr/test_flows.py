"""IVR flows: saved only when they can run; the problems in Chinese, naming the node."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from callcenter.acd.models import Queue
from callcenter.ivr.models import Flow
from callcenter.telephony.models import Extension, InboundRoute

GOOD = {
    "start": "main",
    "nodes": [
        {
            "kind": "menu",
            "id": "main",
            "prompt": "enter-digits",
            "choices": {"1": "service"},
            "failure": "bye",
        },
        {"kind": "transfer", "id": "service", "destination": "queue:service"},
        {"kind": "hangup", "id": "bye"},
    ],
}


@pytest.fixture
def service(db: None) -> Queue:
    return Queue.objects.create(name="service", display_name="业务咨询")


def post(client: Client, definition: object, url: str = "/ivr/flows/new/", **extra: str):
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return client.post(url, {"name": "hotline", "title": "热线", "definition_text": text, **extra})


def test_a_good_flow_is_saved(admin_client: Client, service: Queue) -> None:
    response = post(admin_client, GOOD)
    assert response.status_code == 302, response.content.decode()
    flow = Flow.objects.get()
    assert flow.definition["start"] == "main"
    assert flow.definition["title"] == "热线"
    page = admin_client.get(f"/ivr/flows/{flow.pk}/").content.decode()
    assert 'data-node="main"' in page
    assert "按键菜单" in page
    assert admin_client.get("/ivr/flows/").status_code == 200


def test_problems_are_listed_in_chinese_naming_the_node(
    admin_client: Client, service: Queue
) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["nodes"][0]["choices"] = {"1": "service", "2": "sales"}
    bad["nodes"][0]["timeout_prompt"] = "nothing"
    bad["nodes"][1]["destination"] = "queue:nowhere"
    bad["nodes"].append({"kind": "hangup", "id": "orphan"})
    text = post(admin_client, bad).content.decode()
    assert not Flow.objects.exists()
    assert "节点“main”，字段“按键 2”（choices.2）：指向“sales”，但本流程没有这个节点。" in text
    assert "节点“main”，字段“无按键时的提示音”（timeout_prompt）：没有名为“nothing”的提示音" in text
    assert "节点“service”，字段“转接目标”（destination）：没有名为“nowhere”的队列。" in text
    assert "节点“orphan”：从开始节点无法到达这里" in text


def test_unreadable_text_is_refused(admin_client: Client) -> None:
    text = post(admin_client, '{"start": "a", nodes: []}').content.decode()
    assert "不是有效的 JSON（第 1 行" in text
    text = post(admin_client, {"start": "a", "nodes": [{"kind": "dance", "id": "a"}]})
    assert "不是流程" in text.content.decode()
    assert not Flow.objects.exists()


def test_check_without_saving(admin_client: Client, service: Queue) -> None:
    response = post(admin_client, GOOD, check="1")
    assert response.status_code == 200
    assert "未发现问题" in response.content.decode()
    assert not Flow.objects.exists()


def test_english_page(admin_client: Client, service: Queue) -> None:
    admin_client.cookies["callcenter_language"] = "en"
    text = post(admin_client, {"start": "x", "nodes": []}).content.decode()
    assert "Flow, field “start node” (start): “x” is not a node of this flow." in text


def test_routes_accept_queues_and_flows(admin_client: Client, service: Queue) -> None:
    Flow.objects.create(name="demo", title="演示", definition=GOOD)
    Extension.objects.create(number="70001", sip_password="70001")
    for destination in ("queue:service", "flow:demo", "70001", "9196"):
        response = admin_client.post(
            "/telephony/routes/new/", {"did": f"400{len(destination)}", "destination": destination}
        )
        assert response.status_code == 302, response.content.decode()
        InboundRoute.objects.all().delete()
    for destination, message in (
        ("queue:nowhere", "没有名为 nowhere 的队列"),
        ("flow:none", "没有名为 none 的语音导航流程"),
        ("hangup", "不是有效的目的地"),
        ("4000", "4000 既不是分机号码，也不是服务号码"),
    ):
        text = admin_client.post(
            "/telephony/routes/new/", {"did": "4001", "destination": destination}
        ).content.decode()
        assert message in text, destination
    assert not InboundRoute.objects.exists()
    InboundRoute.objects.create(did="4000", destination="flow:demo")
    listing = admin_client.get("/telephony/routes/").content.decode()
    assert "演示" in listing
    assert "号码不存在" not in listing
    refused = admin_client.post(
        f"/ivr/flows/{Flow.objects.get().pk}/delete/", follow=True
    ).content.decode()
    assert "呼入路由 4000" in refused
