"""An agent creates a fault ticket, sends it to a unit and finds it again, in a real
browser against a real server (REQUIREMENTS B4, C7)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_shell import log_in
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e


def test_agent_creates_dispatches_and_finds_a_fault_ticket(
    page: Page, callcenter: RunningCallcenter
) -> None:
    # 80002: the shell test changes 80001's password on the shared server.
    log_in(page, callcenter.url, "80002", "80002", "70002")
    page.get_by_role("link", name="新建工单", exact=True).click()
    expect(page.locator("h1")).to_have_text("新建工单")
    expect(page.get_by_test_id("kind-fault")).to_have_attribute("aria-current", "page")

    # A wrong plate is refused with a message that says what to fix.
    page.fill("#id_customer_name", "张三")
    page.fill("#id_contact_phone", "138 0013 8000")
    page.fill("#id_vehicle_plate", "粤BI2345")
    page.fill("#id_description", "充电桩无法启动，屏幕无显示")
    page.get_by_test_id("ticket-submit").click()
    expect(page.get_by_test_id("error-vehicle_plate")).to_contain_text("请填写车牌号码")

    page.fill("#id_vehicle_plate", "粤B12345")
    page.get_by_test_id("ticket-submit").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("新建（待派单）")
    heading = page.locator("h1").inner_text()
    match = re.search(r"GD\d{8}-\d{4}", heading)
    assert match is not None, heading
    number = match.group(0)
    customer = page.get_by_test_id("ticket-customer")
    expect(customer).to_contain_text("13800138000")
    expect(customer).to_contain_text("粤B12345")

    dispatch = page.get_by_test_id("action-dispatch")
    dispatch.locator("select").select_option(label="福田维修站")
    page.get_by_test_id("do-dispatch").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("已派单（待接单）")
    expect(page.get_by_test_id("ticket-unit")).to_have_text("福田维修站")
    expect(page.get_by_test_id("ticket-history")).to_contain_text("派单")

    # The query: the simple filters apply as soon as one changes.
    page.get_by_role("link", name="工单查询", exact=True).click()
    page.fill("#id_customer", "张三")
    page.locator("#id_customer").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"customer=%E5%BC%A0%E4%B8%89"))
    row = page.locator(f'tr[data-ticket="{number}"]')
    expect(row).to_contain_text("故障")
    expect(row).to_contain_text("已派单（待接单）")
    expect(row).to_contain_text("福田维修站")
    row.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_contain_text(number)
