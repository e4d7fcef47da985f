"""The shell in a real browser: login, Chinese and English, password, logout, admin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e


def log_in(page: Page, base: str, agent_id: str, password: str, extension: str = "") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_agent_id", agent_id)
    page.fill("#id_password", password)
    page.fill("#id_extension", extension)
    page.click("[data-testid=login-submit]")


def test_agent_logs_in_switches_language_changes_password_and_logs_out(
    page: Page, callcenter: RunningCallcenter
) -> None:
    base = callcenter.url
    page.goto(base)
    # Not logged in: the login page, in Chinese although the browser asks for English.
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("label[for=id_agent_id]")).to_have_text("工号")

    log_in(page, base, "80001", "80001", "70001")
    expect(page.get_by_test_id("user")).to_have_text("80001 李娜")
    expect(page.get_by_test_id("extension")).to_have_text("70001")
    expect(page.get_by_test_id("role")).to_have_text("座席")
    expect(page.get_by_test_id("login-time")).to_have_text(
        re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")
    )
    expect(page.locator(".sidebar")).to_contain_text("用户操作")
    expect(page.locator(".sidebar")).not_to_contain_text("座席员资料管理")
    expect(page.get_by_test_id("logout")).to_have_text("退出系统")
    expect(page.get_by_test_id("relogin")).to_have_text("重新登录")

    page.get_by_test_id("language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("role")).to_have_text("Agent")
    expect(page.get_by_test_id("logout")).to_have_text("Log out")

    page.get_by_role("link", name="Change password").click()
    page.fill("#id_old_password", "80001")
    page.fill("#id_password1", "12345678")
    page.fill("#id_password2", "12345678")
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("error-password2").last).to_contain_text("entirely numeric")

    page.fill("#id_old_password", "80001")
    page.fill("#id_password1", "Hotline-4000!")
    page.fill("#id_password2", "Hotline-4000!")
    page.get_by_test_id("password-submit").click()
    expect(page.locator(".message.success")).to_have_text("Your password has been changed.")

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".message.info")).to_have_text("You have logged out.")

    # The old password no longer works; the new one does.
    log_in(page, base, "80001", "80001", "70001")
    expect(page.get_by_test_id("error-password")).to_contain_text("Wrong agent ID or password")
    log_in(page, base, "80001", "Hotline-4000!", "70001")
    expect(page.get_by_test_id("user")).to_have_text("80001 李娜")

    # Back to Chinese for whoever uses this browser next.
    page.get_by_test_id("language-zh-hans").click()
    expect(page.get_by_test_id("logout")).to_have_text("退出系统")


def test_administrator_adds_and_deactivates_an_agent(
    page: Page, browser, callcenter: RunningCallcenter
) -> None:
    base = callcenter.url
    log_in(page, base, "admin", "admin")
    page.locator(".sidebar").get_by_role("link", name="座席员添加").click()
    page.fill("#id_agent_id", "80031")
    page.fill("#id_name", "新座席")
    page.select_option("#id_role", "agent")
    page.fill("#id_password1", "Agent-80031!")
    page.fill("#id_password2", "Agent-80031!")
    page.get_by_test_id("agent-submit").click()
    expect(page.locator(".message.success")).to_contain_text("80031")

    page.fill("input[name=agent_id]", "80031")
    page.get_by_role("button", name="查询").click()
    row = page.locator("tr[data-agent='80031']")
    expect(row).to_contain_text("新座席")

    other = browser.new_page()
    log_in(other, base, "80031", "Agent-80031!", "70003")
    expect(other.get_by_test_id("user")).to_have_text("80031 新座席")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="停用").click()
    expect(page.locator(".message.success")).to_contain_text("已停用")
    expect(page.locator("tr[data-agent='80031']")).to_contain_text("已停用")

    # The open session ends at its next request; a new login is refused.
    other.reload()
    expect(other).to_have_url(re.compile(r"/accounts/login/"))
    log_in(other, base, "80031", "Agent-80031!", "70003")
    expect(other.get_by_test_id("error-agent_id")).to_have_text("该工号已停用，请联系管理员。")
    other.close()
