"""What the flow page hands its node editor: kinds and fields from the engine, the names
to choose from, the last check's problems by node, and texts in the user's language."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from callcenter.acd.models import Queue
from callcenter.engine.ivr.check import check_flow
from callcenter.engine.ivr.flow import NODE_KINDS, Flow, TimeCondition
from callcenter.ivr.editor import CONTROLS, blank_node, kind_specs
from callcenter.ivr.flows import read_flow
from callcenter.ivr.models import Flow as FlowModel

GOOD = {
    "start": "main",
    "nodes": [
        {"kind": "menu", "id": "main", "choices": {"1": "service"}, "failure": "bye"},
        {"kind": "transfer", "id": "service", "destination": "queue:service"},
        {"kind": "hangup", "id": "bye"},
    ],
}


@pytest.fixture
def service(db: None) -> Queue:
    return Queue.objects.create(name="service", display_name="业务咨询")


def editor_data(html: str) -> Any:
    match = re.search(
        r'<script id="flow-editor-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match is not None, "the page hands the editor no data"
    return json.loads(match.group(1))


def test_every_field_of_every_kind_has_a_control() -> None:
    specs = {spec["kind"]: spec for spec in kind_specs()}
    assert list(specs) == list(NODE_KINDS)
    for kind, node_class in NODE_KINDS.items():
        names = [field.name for field in dataclasses.fields(node_class) if field.name != "id"]
        assert [field["name"] for field in specs[kind]["fields"]] == names
        assert all(CONTROLS[name] for name in names)
    menu = {field["name"]: field for field in specs["menu"]["fields"]}
    assert menu["choices"]["control"] == "choices"
    assert menu["retries"]["integer"]
    assert not menu["timeout"]["integer"]
    assert menu["failure"]["optional"]
    assert not menu["choices"]["optional"]
    with translation.override("en"):
        assert kind_specs()[1]["fields"][4]["label"] == "prompt for a wrong key"


@pytest.mark.parametrize("kind", list(NODE_KINDS))
def test_a_fresh_node_is_the_engines_default(kind: str) -> None:
    blank = blank_node(kind)
    assert "id" not in blank
    node = Flow.from_dict("x", {"start": "n", "nodes": [{**blank, "id": "n"}]}).nodes["n"]
    default = NODE_KINDS[kind](id="n")
    if isinstance(default, TimeCondition):
        # One span, Monday to Friday 09:00-18:00: a time node without hours is refused.
        assert isinstance(node, TimeCondition)
        assert [dataclasses.asdict(hours) for hours in node.hours] == [
            {"days": (1, 2, 3, 4, 5), "start": "09:00", "end": "18:00"}
        ]
        assert not [p for p in check_flow(Flow("x", "n", {"n": node})) if p.field == "hours"]
        node = dataclasses.replace(node, hours=())
    assert node == default


def test_problems_are_kept_by_node() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["start"] = "nowhere"
    bad["nodes"][0]["choices"]["2"] = "sales"
    bad["nodes"][1]["destination"] = "queue:nowhere"
    with translation.override("en"):
        reading = read_flow("hotline", json.dumps(bad), queues={"service"})
    assert set(reading.node_errors) == {"", "main", "service"}
    assert reading.node_errors["main"] == [
        message for message in reading.errors if message.startswith("Node “main”")
    ]
    assert sum(len(messages) for messages in reading.node_errors.values()) == len(reading.errors)


def test_the_page_hands_the_editor_chinese_texts_and_the_names_to_choose(
    admin_client: Client, service: Queue
) -> None:
    other = FlowModel.objects.create(name="night", title="夜间导航", definition=GOOD)
    data = editor_data(admin_client.get("/ivr/flows/new/").content.decode())
    assert data["texts"]["add_node"] == "添加节点"
    assert data["texts"]["show_json"] == "显示 JSON 源码"
    assert data["texts"]["bad_json_at"].startswith("文本不是有效的 JSON（第 %(line)s 行")
    assert data["weekdays"] == ["一", "二", "三", "四", "五", "六", "日"]
    kinds = {spec["kind"]: spec for spec in data["kinds"]}
    assert [spec["label"] for spec in data["kinds"]] == [
        "放音",
        "按键菜单",
        "收号",
        "营业时间",
        "转接",
        "挂机",
    ]
    assert [field["label"] for field in kinds["transfer"]["fields"]] == ["转接目标", "提示音"]
    assert kinds["menu"]["blank"]["retries"] == 3
    assert data["queues"] == [["service", "业务咨询"]]
    assert data["flows"] == [["night", "夜间导航"]]
    assert "demo-menu" in data["prompts"]
    assert data["prompts"] == sorted(data["prompts"])
    assert data["problems"] == {}
    # A flow is not offered as a transfer to another flow from its own page.
    own = editor_data(admin_client.get(f"/ivr/flows/{other.pk}/").content.decode())
    assert own["flows"] == []


def test_the_editor_gets_the_problems_of_what_was_posted(
    admin_client: Client, service: Queue
) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["nodes"][0]["choices"] = {"1": ""}
    bad["start"] = ""
    response = admin_client.post(
        "/ivr/flows/new/",
        {"name": "hotline", "title": "热线", "definition_text": json.dumps(bad)},
    )
    data = editor_data(response.content.decode())
    assert data["problems"]["main"] == [
        "节点“main”，字段“按键 1”（choices.1）：为空：请输入下一个节点的 id。"
    ]
    assert data["problems"][""][0].startswith("流程，字段“开始节点”（start）")
    assert set(data["problems"]) == {"", "main"}
    assert not FlowModel.objects.exists()


def test_english_texts(admin_client: Client, service: Queue) -> None:
    admin_client.cookies["callcenter_language"] = "en"
    data = editor_data(admin_client.get("/ivr/flows/new/").content.decode())
    assert data["texts"]["add_node"] == "Add node"
    assert data["weekdays"][0] == "Mon"
    assert data["kinds"][1]["label"] == "Key menu"


def test_without_script_the_page_is_the_json_form(admin_client: Client, service: Queue) -> None:
    flow = FlowModel.objects.create(name="hotline", title="热线", definition=GOOD)
    html = admin_client.get(f"/ivr/flows/{flow.pk}/").content.decode()
    # The editor starts hidden; the textarea, posted as before, holds the flow.
    assert re.search(r'<div class="flow-editor" data-testid="flow-editor" hidden>', html)
    textarea = re.search(r'<textarea name="definition_text"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea is not None
    assert '"destination": "queue:service"' in textarea.group(1).replace("&quot;", '"')
    assert "/static/ivr/flow_editor.js" in html
    assert "/static/ivr/flow_editor.css" in html
    assert 'data-node="main"' in html  # the read-only node table
