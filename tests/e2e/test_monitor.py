"""The supervisor monitor (A7, B10) in a real browser, with real phones (baresip).

Personas: supervisor 90001 (周晓东) watches the monitor page; his phone is 70007 (a
baresip that answers by itself). Agent 80001 (李娜) is logged in at 70001 (a baresip
answered when the test says so) and ready. 张三 calls the hotline 4000 from 70006 and
presses 1 (queue service). The page must show each change of 80001's state within a
second of the switch making it: the test first waits until the API reports the new state,
then gives the page one second.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_shell import log_in
from tests.interop.peers import BaresipPhone, SipAccount
from tests.interop.peers.processes import wait_until
from tests.interop.test_contact_center import api, token_of
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e

WITHIN = 1000  # ms: how late the page may show a change


def test_the_supervisor_sees_an_agent_take_a_call_and_listens_in(
    page: Page, callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    lina_token, zhou_token = token_of(callcenter, "80001"), token_of(callcenter, "90001")

    def state_of(agent_id: str) -> dict[str, Any]:
        found: dict[str, Any] = api(callcenter, "GET", f"/api/agents/{agent_id}", lina_token)
        return found

    def switch_says(state: str) -> None:
        assert wait_until(lambda: state_of("80001")["state"] == state, 15), state_of("80001")

    customer_account = SipAccount("70006", "70006", callcenter.sip_address)
    lina_account = SipAccount("70001", "70001", callcenter.sip_address, answermode="manual")
    zhou_account = SipAccount("70007", "70007", callcenter.sip_address)
    with (
        BaresipPhone(tmp_path / "customer", [customer_account]) as customer,
        BaresipPhone(tmp_path / "lina", [lina_account]) as lina,
        BaresipPhone(tmp_path / "zhou", [zhou_account]) as zhou,
    ):
        if state_of("90001")["status"] != "logged_out":  # left so by an earlier test
            api(callcenter, "POST", "/api/agents/90001/logout", zhou_token)
        api(callcenter, "POST", "/api/agents/80001/login", lina_token, {"extension": "70001"})
        try:
            log_in(page, callcenter.url, "90001", "90001")
            page.goto(f"{callcenter.url}/desktop/monitor/")
            expect(page.locator("h1")).to_have_text("座席监控")
            expect(page.get_by_test_id("monitor-connection")).to_have_attribute(
                "data-connected", "true"
            )
            row = page.locator('[data-agent="80001"]')
            expect(row).to_have_attribute("data-status", "ready")
            expect(row).to_have_attribute("data-state", "idle")
            expect(row).to_contain_text("李娜")
            # Only the agents he supervises (the demo's queues), not himself.
            expect(page.locator('[data-agent="80005"]')).to_have_count(1)
            expect(page.locator('[data-agent="90001"]')).to_have_count(0)
            service = page.locator('[data-testid=monitor-queues] [data-queue="service"]')
            expect(service).to_contain_text("业务咨询")
            # Not logged in to the switch yet: the page says that listening needs a phone.
            expect(page.get_by_test_id("monitor-my-phone")).to_contain_text("尚未在分机上签入")

            customer.dial(f"sip:4000@{callcenter.sip_address}")
            customer.wait_for("CALL_ESTABLISHED", timeout=10)
            time.sleep(1.5)  # the welcome and the menu start
            customer.send_dtmf("1")
            lina.wait_for("CALL_INCOMING", timeout=15)
            switch_says("ringing")
            expect(row).to_have_attribute("data-state", "ringing", timeout=WITHIN)
            expect(row).to_contain_text("70006")
            expect(row).to_contain_text("振铃中")

            lina.accept()
            lina.wait_for("CALL_ESTABLISHED", timeout=10)
            switch_says("in_call")
            expect(row).to_have_attribute("data-state", "in_call", timeout=WITHIN)
            expect(row.locator("[data-field=queue]")).to_have_text("业务咨询")
            call_id = state_of("80001")["call"]
            # The time in the state ticks in the page.
            expect(row.locator("[data-field=state-time]")).to_have_text(re.compile(r"^0:0[1-9]$"))

            # Listening without a phone: the switch's refusal is shown, nothing happens.
            row.locator("[data-action=listen]").click()
            expect(page.get_by_test_id("monitor-confirm-text")).to_contain_text("监听 80001 李娜")
            page.get_by_test_id("monitor-confirm-ok").click()
            message = page.get_by_test_id("monitor-message")
            expect(message).to_have_attribute("data-kind", "error")
            expect(message).to_have_text("该坐席未签入。")

            # Cancelled: nothing is sent.
            row.locator("[data-action=release]").click()
            expect(page.get_by_test_id("monitor-confirm")).to_be_visible()
            page.get_by_test_id("monitor-confirm-cancel").click()
            expect(page.get_by_test_id("monitor-confirm")).to_be_hidden()

            api(callcenter, "POST", "/api/agents/90001/login", zhou_token,
                {"extension": "70007", "ready": False, "reason": "meeting"})  # fmt: skip
            expect(page.get_by_test_id("monitor-my-phone")).to_contain_text("70007")
            row.locator("[data-action=listen]").click()
            page.get_by_test_id("monitor-confirm-ok").click()
            zhou.wait_for("CALL_ESTABLISHED", timeout=10)  # rung, and answered by itself
            expect(message).to_have_attribute("data-kind", "ok")
            expect(message).to_have_text("您的话机正在振铃：接听后即加入通话。")
            expect(row).to_have_attribute("data-state", "in_call")

            customer.hangup()
            lina.wait_for("CALL_CLOSED", timeout=10)
            switch_says("wrap_up")
            expect(row).to_have_attribute("data-state", "wrap_up", timeout=WITHIN)
            expect(row).to_contain_text("话后处理")
            expect(row.locator("[data-field=state-time]")).to_have_text(
                re.compile(r"^剩余 \d+ 秒$")
            )
            zhou.wait_for("CALL_CLOSED", timeout=10)

            # Forced not ready, with a reason, confirmed in the page.
            row.locator("[data-action=not_ready]").click()
            page.get_by_test_id("monitor-confirm-reason").select_option("meal")
            page.get_by_test_id("monitor-confirm-ok").click()
            expect(row).to_have_attribute("data-status", "not_ready", timeout=WITHIN)
            expect(row.locator("[data-field=status]")).to_have_text("示忙 · 就餐")
            assert state_of("80001")["reason"] == "meal"
            # Lina ends her wrap-up herself: the page follows.
            api(callcenter, "POST", "/api/agents/80001/wrap-up/end", lina_token)
            switch_says("idle")
            expect(row).to_have_attribute("data-state", "idle", timeout=WITHIN)
        finally:
            api(callcenter, "POST", "/api/agents/80001/logout", lina_token)
            api(callcenter, "POST", "/api/agents/90001/logout", zhou_token)

    # The call's record holds the listening, by 90001 on 80001.
    def actions() -> list[list[str]]:
        found: list[list[str]] = json.loads(
            callcenter.query(
                "import json;"
                "from callcenter.recordings.models import SupervisorActionRecord;"
                f"a = SupervisorActionRecord.objects.filter(call_ref='{call_id}').order_by('at');"
                "print(json.dumps([[x.supervisor, x.action, x.agent, x.call.call_id if x.call"
                " else ''] for x in a]))"
            )
        )
        return found

    assert wait_until(lambda: ["90001", "listen", "80001", call_id] in actions(), 15), actions()


def test_the_page_says_when_it_is_disconnected_and_catches_up_after_reconnecting(
    page: Page, callcenter: RunningCallcenter
) -> None:
    wang_token = token_of(callcenter, "80002")
    sockets: list[Any] = []

    def through(socket: Any) -> None:  # the feed, passed on to the server as it is
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/ws/events/"), through)
    log_in(page, callcenter.url, "90001", "90001")
    page.goto(f"{callcenter.url}/desktop/monitor/")
    connection = page.get_by_test_id("monitor-connection")
    expect(connection).to_have_attribute("data-connected", "true")
    expect(connection).to_have_text("实时：状态变化即时显示。")
    row = page.locator('[data-agent="80002"]')
    expect(row).to_have_attribute("data-status", "logged_out")

    sockets[-1].close(code=1012, reason="restart")
    expect(connection).to_have_attribute("data-connected", "false")
    expect(connection).to_have_text("连接已断开：正在重新连接…")
    # Meanwhile 80002 logs in; once reconnected the page shows it.
    api(callcenter, "POST", "/api/agents/80002/login", wang_token, {"extension": "70002"})
    try:
        expect(connection).to_have_attribute("data-connected", "true", timeout=5000)
        expect(row).to_have_attribute("data-status", "ready", timeout=WITHIN)
        assert len(sockets) == 2
    finally:
        api(callcenter, "POST", "/api/agents/80002/logout", wang_token)
