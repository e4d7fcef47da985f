"""The agent desktop in a real browser with real calls (B2, A5): the issue's inbound flow.

Personas: Lina (agent 80001) signs in at extension 70001, a baresip phone that answers by
itself. Customers call through the demo trunk `demo-gw` (a baresip on 127.0.0.1:5090,
no registration) the DID 4008000000, which leads to the demo IVR; they press 1 for the
service queue. 张三 (13800138000) is a demo customer; 15012345678 is nobody yet.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.test_shell import log_in
from tests.interop.audio import speech_wav
from tests.interop.peers import BaresipPhone, SipAccount
from tests.interop.test_contact_center import api, token_of
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e

DID = "4008000000"
TRUNK_PORT = 5090  # demo-gw: calls from 127.0.0.1:5090 need no registration


@contextlib.contextmanager
def customer_on_trunk(
    callcenter: RunningCallcenter, folder: Path, number: str, wav: Path
) -> Iterator[BaresipPhone]:
    """A caller reaching the switch through demo-gw with ``number`` as its caller ID."""
    account = SipAccount(number, "unused", callcenter.sip_address, regint=0)
    with BaresipPhone(folder, [account], wav=wav, sip_port=TRUNK_PORT, register=False) as phone:
        phone.add_account(account)
        yield phone


def call_and_press_1(phone: BaresipPhone, callcenter: RunningCallcenter) -> None:
    phone.dial(f"sip:{DID}@{callcenter.sip_address}")
    phone.wait_for("CALL_ESTABLISHED", timeout=10)  # the IVR answers
    time.sleep(1.5)  # the welcome and the menu start
    phone.send_dtmf("1")


def open_desktop(page: Page, callcenter: RunningCallcenter) -> None:
    page.goto(f"{callcenter.url}/desktop/")
    expect(page.get_by_test_id("desk-connection")).to_have_attribute("data-connected", "true")


def sign_in_ready(page: Page, extension: str = "70001") -> None:
    """Sign in to the switch at the extension of the web login, then go ready."""
    expect(page.get_by_test_id("desk-extension")).to_have_value(extension)
    expect(page.get_by_test_id("desk-status-actions")).to_be_hidden()
    expect(page.get_by_test_id("desk-call-facts")).to_be_hidden()
    page.get_by_test_id("desk-login-button").click()
    expect(page.get_by_test_id("desk-agent-status")).to_have_attribute("data-status", "not_ready")
    expect(page.get_by_test_id("desk-login")).to_be_hidden()
    page.get_by_test_id("desk-ready").click()
    expect(page.get_by_test_id("desk-agent-status")).to_have_attribute("data-status", "ready")
    expect(page.get_by_test_id("desk-agent-state")).to_have_attribute("data-state", "idle")


def new_ticket(context: BrowserContext, page: Page, kind: str, description: str) -> str:
    """Open the pop's ticket button (a new tab), describe, save; the ticket number."""
    with context.expect_page() as opened:
        page.get_by_test_id(f"pop-ticket-{kind}").click()
    form = opened.value
    form.wait_for_load_state()
    form.fill("#id_description", description)
    form.get_by_test_id("ticket-submit").click()
    expect(form.locator(".message.success")).to_be_visible()
    number = re.search(r"GD\d{8}-\d{4}", form.locator(".message.success").inner_text())
    assert number is not None
    form.close()
    return number.group(0)


def db(callcenter: RunningCallcenter, code: str) -> object:
    return json.loads(callcenter.query("import json\n" + code))


def test_agent_takes_a_known_and_an_unknown_caller_from_the_desktop(
    page: Page, callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    voice = speech_wav(tmp_path / "caller.wav", "你好，我的车坏了，请帮我看一下")
    lina_voice = speech_wav(tmp_path / "lina.wav", "您好，这里是客服中心")
    token = token_of(callcenter, "80001")
    lina_phone = SipAccount("70001", "70001", callcenter.sip_address)
    with BaresipPhone(tmp_path / "lina", [lina_phone], wav=lina_voice) as lina:
        try:
            log_in(page, callcenter.url, "80001", "80001", "70001")
            open_desktop(page, callcenter)
            sign_in_ready(page)

            # 1. 张三 calls: the pop shows him, his vehicle, the IVR path and the queue.
            with customer_on_trunk(callcenter, tmp_path / "zhang", "13800138000", voice) as zhang:
                call_and_press_1(zhang, callcenter)
                expect(page.get_by_test_id("pop-customer")).to_be_visible(timeout=15_000)
                expect(page.get_by_test_id("pop-name")).to_have_text("张三")
                lina.wait_for("CALL_ESTABLISHED", timeout=15)
                expect(page.get_by_test_id("pop-caller")).to_have_text("13800138000")
                expect(page.get_by_test_id("pop-queue")).to_contain_text("业务咨询")
                expect(page.get_by_test_id("pop-digits")).to_have_text("1")
                expect(page.get_by_test_id("pop-ivr")).to_contain_text("[1]")
                expect(page.get_by_test_id("pop-vehicles")).to_contain_text("粤B12345")
                expect(page.get_by_test_id("desk-agent-state")).to_have_attribute(
                    "data-state", "in_call"
                )
                call_id = page.get_by_test_id("desktop").get_attribute("data-pop-call")
                assert call_id

                page.get_by_test_id("position-粤B12345").click()
                position = page.get_by_test_id("gis-粤B12345")
                expect(position).to_contain_text("经度")
                expect(position).to_contain_text("演示")

                fault = new_ticket(page.context, page, "fault", "空调不制冷，需要上门检修")
                expect(page.get_by_test_id(f"call-ticket-{fault}")).to_be_visible(timeout=10_000)

                page.get_by_test_id("desk-hold").click()
                expect(page.get_by_test_id("desk-agent-state")).to_have_attribute(
                    "data-state", "on_hold"
                )
                page.get_by_test_id("desk-resume").click()
                expect(page.get_by_test_id("desk-agent-state")).to_have_attribute(
                    "data-state", "in_call"
                )
                page.get_by_test_id("desk-hangup").click()
                zhang.wait_for("CALL_CLOSED", timeout=10)
            expect(page.get_by_test_id("desk-agent-state")).to_have_attribute(
                "data-state", "wrap_up"
            )
            expect(page.get_by_test_id("desk-wrapup-left")).to_have_text(re.compile(r"\d+"))
            page.get_by_test_id("desk-end-wrapup").click()
            expect(page.get_by_test_id("desk-agent-state")).to_have_attribute("data-state", "idle")
            expect(page.get_by_test_id("desk-wrapup")).to_be_hidden()
            linked = db(
                callcenter,
                "from callcenter.tickets.models import Ticket\n"
                f"t = Ticket.objects.get(number='{fault}')\n"
                "print(json.dumps([t.call_id, t.customer.name, t.kind, t.caller_number]))",
            )
            assert linked == [call_id, "张三", "fault", "13800138000"]

            # 2. Nobody known calls: 查无此客户信息!, then customer, vehicle and a ticket.
            with customer_on_trunk(callcenter, tmp_path / "zhao", "15012345678", voice) as zhao:
                call_and_press_1(zhao, callcenter)
                not_found = page.get_by_test_id("pop-not-found")
                expect(not_found).to_be_visible(timeout=15_000)
                expect(not_found).to_have_text("查无此客户信息!")
                lina.wait_for("CALL_ESTABLISHED", timeout=15)
                call_id = page.get_by_test_id("desktop").get_attribute("data-pop-call")
                new_customer = page.get_by_test_id("pop-new-customer")
                expect(new_customer.locator("[name=customer-phones]")).to_have_value("15012345678")
                new_customer.locator("[name=customer-name]").fill("赵六")
                new_customer.locator("[name=customer-address]").fill("深圳市南山区科技园")
                page.get_by_test_id("pop-customer-save").click()
                expect(page.get_by_test_id("pop-name")).to_have_text("赵六")
                expect(page.get_by_test_id("pop-number")).to_have_text(re.compile(r"^KH\d{8}$"))
                vehicle = page.get_by_test_id("pop-new-vehicle")
                vehicle.locator("[name=vehicle-plate]").fill("粤b-6789d")  # written loosely
                page.get_by_test_id("pop-vehicle-save").click()
                expect(page.get_by_test_id("pop-vehicles")).to_contain_text("粤B6789D")
                inquiry = new_ticket(page.context, page, "inquiry", "咨询充电桩安装流程")
                expect(page.get_by_test_id(f"call-ticket-{inquiry}")).to_be_visible(timeout=10_000)
                page.get_by_test_id("desk-hangup").click()
                zhao.wait_for("CALL_CLOSED", timeout=10)
            created = db(
                callcenter,
                "from callcenter.tickets.models import Ticket\n"
                f"t = Ticket.objects.get(number='{inquiry}')\n"
                "c = t.customer\n"
                "print(json.dumps([t.call_id, t.kind, c.number, c.name,"
                " [p.number for p in c.phones.all()], [v.plate for v in c.vehicles.all()]]))",
            )
            assert created[0] == call_id
            assert created[1] == "inquiry"
            assert re.fullmatch(r"KH\d{8}", str(created[2]))
            assert created[3:] == ["赵六", ["15012345678"], ["粤B6789D"]]
            page.get_by_test_id("desk-end-wrapup").click()
            page.get_by_test_id("desk-logout").click()
            expect(page.get_by_test_id("desk-agent-status")).to_have_attribute(
                "data-status", "logged_out"
            )
        finally:
            with contextlib.suppress(AssertionError):
                api(callcenter, "POST", "/api/agents/80001/logout", token)
