"""Transfers from the agent desktop with real phones (A6 through B2's page): Lina
consults her colleague Wang from the desktop, hands the caller over, and Wang talks on.

Personas: Lina (80001 at baresip 70001) on the desktop; Wang (80002 at baresip 70002,
signed in but not ready, so the queue does not offer him calls); 张三 calls through the
demo trunk and presses 1. All phones answer by themselves.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_desktop import call_and_press_1, customer_on_trunk, open_desktop, sign_in_ready
from tests.e2e.test_shell import log_in
from tests.interop.audio import speech_wav
from tests.interop.peers import BaresipPhone, SipAccount
from tests.interop.test_contact_center import api, token_of
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e


def test_agent_consults_a_colleague_and_completes_the_transfer(
    page: Page, callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    voice = speech_wav(tmp_path / "voice.wav", "您好，请问有什么可以帮您")
    lina_token, wang_token = token_of(callcenter, "80001"), token_of(callcenter, "80002")
    with (
        BaresipPhone(tmp_path / "lina", [SipAccount("70001", "70001", callcenter.sip_address)],
                     wav=voice) as lina,
        BaresipPhone(tmp_path / "wang", [SipAccount("70002", "70002", callcenter.sip_address)],
                     wav=voice) as wang,
    ):  # fmt: skip
        try:
            api(callcenter, "POST", "/api/agents/80002/login", wang_token,
                {"extension": "70002", "ready": False, "reason": "meeting"})  # fmt: skip
            log_in(page, callcenter.url, "80001", "80001", "70001")
            open_desktop(page, callcenter)
            sign_in_ready(page)
            with customer_on_trunk(callcenter, tmp_path / "zhang", "13800138000", voice) as zhang:
                call_and_press_1(zhang, callcenter)
                lina.wait_for("CALL_ESTABLISHED", timeout=15)
                state = page.get_by_test_id("desk-agent-state")
                expect(state).to_have_attribute("data-state", "in_call")
                # Wang is offered by his agent ID; the desktop dials his extension.
                page.get_by_test_id("desk-target-kind").select_option("agent")
                page.get_by_test_id("desk-target-agent").select_option("70002")
                expect(page.get_by_test_id("desk-target-agent")).to_contain_text("80002")
                page.get_by_test_id("desk-consult").click()
                wang.wait_for("CALL_ESTABLISHED", timeout=15)
                complete = page.get_by_test_id("desk-complete")
                expect(complete).to_be_visible()
                expect(page.get_by_test_id("desk-transfer")).to_be_hidden()
                complete.click()
                lina.wait_for("CALL_CLOSED", timeout=10)
                expect(state).to_have_attribute("data-state", "wrap_up")
                calls = api(callcenter, "GET", "/api/calls/", wang_token)["calls"]
                assert [c["caller"] for c in calls if c["answered_by"] == "70002"] == [
                    "13800138000"
                ]
                zhang.hangup()
                wang.wait_for("CALL_CLOSED", timeout=10)
            page.get_by_test_id("desk-end-wrapup").click()
            expect(state).to_have_attribute("data-state", "idle")
        finally:
            for agent, token in (("80001", lina_token), ("80002", wang_token)):
                with contextlib.suppress(AssertionError):
                    api(callcenter, "POST", f"/api/agents/{agent}/logout", token)
