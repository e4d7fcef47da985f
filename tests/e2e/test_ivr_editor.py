"""The IVR node editor in a real browser: an administrator builds a flow from cards without
writing JSON, sees the server's problems on the graph, and hand-written JSON that does not
parse loses nothing (ivr/static/ivr/flow_editor.js over the form's textarea)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect

from tests.e2e.test_shell import log_in
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e


def watch_errors(page: Page) -> list[str]:
    """Script errors and console errors of the page (the browser's own favicon request,
    which the site does not serve, aside)."""
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"console: {message.text} at {message.location}")

    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", console)
    return errors


def card(page: Page, node_id: str) -> Locator:
    return page.locator(f'[data-testid=node-card][data-node="{node_id}"]')


def diagram_node(page: Page, node_id: str) -> Locator:
    return page.locator(f'[data-testid=diagram-node][data-node="{node_id}"]')


def add_node(page: Page, kind: str, expected_id: str) -> Locator:
    page.get_by_test_id("editor-add-kind").select_option(kind)
    page.get_by_test_id("editor-add").click()
    added = card(page, expected_id)
    expect(added).to_have_attribute("data-kind", kind)
    return added


def rename(page: Page, old: str, new: str) -> None:
    field = card(page, old).locator("[data-field=id]")
    field.fill(new)
    field.press("Tab")
    expect(card(page, new)).to_be_visible()
    expect(card(page, old)).to_have_count(0)


def stored_definition(callcenter: RunningCallcenter, name: str) -> Any:
    return json.loads(
        callcenter.query(
            "import json; from callcenter.ivr.models import Flow; "
            f"print(json.dumps(Flow.objects.get(name={name!r}).definition))"
        )
    )


def open_demo_flow(page: Page, callcenter: RunningCallcenter) -> None:
    log_in(page, callcenter.url, "admin", "admin")
    page.get_by_role("link", name="语音导航流程").click()
    page.locator("tr[data-flow=demo]").get_by_role("link", name="修改").click()
    expect(page.locator("h1")).to_have_text("修改流程 demo")
    expect(page.get_by_test_id("diagram-node")).to_have_count(6)


def test_administrator_builds_a_menu_flow_with_the_editor_only(
    page: Page, callcenter: RunningCallcenter
) -> None:
    errors = watch_errors(page)
    log_in(page, callcenter.url, "admin", "admin")
    page.get_by_role("link", name="语音导航流程").click()
    page.get_by_test_id("flow-add").click()
    expect(page.locator("h1")).to_have_text("添加流程")
    # The editor stands in for the JSON, which stays out of sight.
    expect(page.get_by_test_id("flow-editor")).to_be_visible()
    expect(page.locator("#id_definition_text")).to_be_hidden()
    expect(page.get_by_test_id("editor-empty")).to_have_text(
        "还没有节点：请选择类型，添加第一个节点。"
    )
    page.fill("#id_name", "e2e-editor")
    page.fill("#id_title", "编辑器测试热线")

    menu = add_node(page, "menu", "menu1")
    expect(menu.locator("[data-field=kind] option:checked")).to_have_text("按键菜单")
    # The first node is where the flow starts.
    expect(page.get_by_test_id("editor-start")).to_have_value("menu1")
    add_node(page, "transfer", "transfer1")
    add_node(page, "transfer", "transfer2")
    add_node(page, "hangup", "hangup1")

    menu.locator("[data-key=prompt]").select_option("demo-menu")
    menu.locator("[data-act=add-choice]").click()
    menu.locator('[data-choice="1"] [data-part=target]').select_option("transfer1")
    menu.locator("[data-act=add-choice]").click()
    menu.locator('[data-choice="2"] [data-part=target]').select_option("transfer2")
    menu.locator("[data-key=failure]").select_option("hangup1")
    destination = card(page, "transfer1").locator("[data-key=destination]")
    destination.select_option(label="业务咨询 (queue:service)")
    destination = card(page, "transfer2").locator("[data-key=destination]")
    destination.select_option("queue:complaints")

    # Meaningful names: every branch that led to a node follows it.
    rename(page, "menu1", "main")
    rename(page, "transfer1", "service")
    rename(page, "transfer2", "complaints")
    rename(page, "hangup1", "bye")
    main = card(page, "main")
    expect(main.locator('[data-choice="1"] [data-part=target]')).to_have_value("service")
    expect(main.locator('[data-choice="2"] [data-part=target]')).to_have_value("complaints")
    expect(main.locator("[data-key=failure]")).to_have_value("bye")
    expect(page.get_by_test_id("editor-start")).to_have_value("main")
    # A name already taken is refused, in Chinese, and the old one kept.
    field = card(page, "bye").locator("[data-field=id]")
    field.fill("service")
    field.press("Tab")
    expect(card(page, "bye").get_by_test_id("card-note")).to_have_text(
        "已有节点叫“service”：已保留原 ID。"
    )
    expect(field).to_have_value("bye")

    # The diagram: four nodes, the start marked, arrows labelled by key and branch.
    expect(page.get_by_test_id("diagram-node")).to_have_count(4)
    expect(diagram_node(page, "main")).to_have_class(re.compile(r"\bstart\b"))
    expect(diagram_node(page, "service")).to_contain_text("转接 → 业务咨询")
    edges = page.get_by_test_id("flow-diagram").locator("path.flow-edge")
    expect(edges).to_have_count(3)

    def edge(target: str) -> Locator:
        return page.locator(
            f'[data-testid=flow-diagram] path.flow-edge[data-from="main"][data-to="{target}"]'
        )

    expect(edge("service")).to_have_attribute("data-label", "按键 1")
    expect(edge("complaints")).to_have_attribute("data-label", "按键 2")
    expect(edge("bye")).to_have_attribute("data-label", "失败")
    # Clicking a node in the diagram goes to its card.
    diagram_node(page, "bye").click()
    expect(card(page, "bye").locator("[data-field=id]")).to_be_focused()

    page.get_by_test_id("flow-submit").click()
    expect(page).to_have_url(re.compile(r"/ivr/flows/$"))
    expect(page.locator(".message.success")).to_contain_text("e2e-editor")
    assert stored_definition(callcenter, "e2e-editor") == {
        "start": "main",
        "title": "编辑器测试热线",
        "nodes": [
            {
                "kind": "menu",
                "id": "main",
                "prompt": "demo-menu",
                "choices": {"1": "service", "2": "complaints"},
                "timeout": 5.0,
                "retries": 3,
                "invalid_prompt": "",
                "timeout_prompt": "",
                "failure": "bye",
            },
            {"kind": "transfer", "id": "service", "destination": "queue:service", "prompt": ""},
            {
                "kind": "transfer",
                "id": "complaints",
                "destination": "queue:complaints",
                "prompt": "",
            },
            {"kind": "hangup", "id": "bye", "prompt": ""},
        ],
    }

    # Opened again, the editor shows what was saved.
    page.locator("tr[data-flow=e2e-editor]").get_by_role("link", name="修改").click()
    expect(page.get_by_test_id("node-card")).to_have_count(4)
    expect(page.get_by_test_id("editor-start")).to_have_value("main")
    expect(card(page, "service").locator("[data-key=destination]")).to_have_value("queue:service")
    assert errors == []


def test_deleting_a_target_shows_the_servers_problem_on_the_graph(
    page: Page, callcenter: RunningCallcenter
) -> None:
    errors = watch_errors(page)
    open_demo_flow(page, callcenter)
    card(page, "service").locator("[data-act=delete-node]").click()
    expect(card(page, "service")).to_have_count(0)
    expect(page.get_by_test_id("diagram-node")).to_have_count(5)
    # The branch that led there is empty now, for the check to name it.
    expect(card(page, "main").locator('[data-choice="1"] [data-part=target]')).to_have_value("")

    page.get_by_test_id("flow-submit").click()
    problem = "节点“main”，字段“按键 1”（choices.1）：为空：请输入下一个节点的 id。"
    expect(page.get_by_test_id("error-definition_text")).to_have_text(problem)
    expect(diagram_node(page, "main")).to_have_class(re.compile(r"\bproblem\b"))
    expect(diagram_node(page, "welcome")).not_to_have_class(re.compile(r"\bproblem\b"))
    expect(card(page, "main")).to_have_class(re.compile(r"\bproblem\b"))
    expect(card(page, "main").get_by_test_id("card-problem")).to_have_text(problem)
    # Nothing was saved: the hotline still has its service branch.
    nodes = stored_definition(callcenter, "demo")["nodes"]
    assert "service" in [node["id"] for node in nodes]
    assert errors == []


def test_broken_json_keeps_the_graph_and_says_why(
    page: Page, callcenter: RunningCallcenter
) -> None:
    errors = watch_errors(page)
    open_demo_flow(page, callcenter)
    textarea = page.locator("#id_definition_text")
    page.get_by_test_id("editor-raw-toggle").click()
    expect(textarea).to_be_visible()
    expect(page.get_by_test_id("editor-raw-toggle")).to_have_text("隐藏 JSON 源码")
    shown = json.loads(textarea.input_value())

    textarea.fill('{"start": "welcome", "nodes": [')
    message = page.get_by_test_id("flow-json-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("文本不是有效的 JSON（第 1 行")
    expect(message).to_contain_text("编辑器仍显示上一次有效的流程")
    expect(page.get_by_test_id("diagram-node")).to_have_count(6)
    expect(page.get_by_test_id("node-card")).to_have_count(6)

    # JSON that is not a flow is refused in the same way.
    textarea.fill('{"start": "welcome", "nodes": {}}')
    expect(message).to_contain_text("文本是 JSON，但不是流程")
    expect(page.get_by_test_id("node-card")).to_have_count(6)

    # The editor's flow puts the text right again.
    page.get_by_test_id("editor-restore").click()
    expect(message).to_be_hidden()
    assert json.loads(textarea.input_value()) == shown

    # Valid JSON typed by hand: the editor follows it.
    shown["nodes"].append({"kind": "hangup", "id": "extra"})
    textarea.fill(json.dumps(shown, ensure_ascii=False))
    expect(card(page, "extra")).to_be_visible()
    expect(page.get_by_test_id("diagram-node")).to_have_count(7)
    page.get_by_test_id("editor-raw-toggle").click()
    expect(textarea).to_be_hidden()
    assert errors == []


def test_without_script_the_json_form_still_works(
    browser: Browser, callcenter: RunningCallcenter
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, callcenter.url, "admin", "admin")
        page.goto(f"{callcenter.url}/ivr/flows/")
        page.locator("tr[data-flow=demo]").get_by_role("link", name="修改").click()
        expect(page.locator("#id_definition_text")).to_be_visible()
        expect(page.get_by_test_id("flow-editor")).to_be_hidden()
        expect(page.get_by_test_id("flow-nodes")).to_contain_text("按键菜单")
        page.get_by_test_id("flow-check").click()
        expect(page.locator(".message.success")).to_contain_text("未发现问题")
    finally:
        context.close()
