"""Answering from the agent desktop (A6 through B2's page): a desk phone with remote
control rings for a queue call, the desktop shows 接听, and one click answers it.

Personas: Wang (80002) works at a desk phone with remote control enabled (sipp,
`tests/interop/scenarios/desk_phone_talk.xml`: it rings saying ``Allow-Events: talk`` and
answers on the switch's ``NOTIFY`` ``Event: talk``); 张三 calls through the demo trunk
and presses 1. Wang hangs up from the desktop, so the phone's call ends with the
switch's BYE.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_desktop import call_and_press_1, customer_on_trunk, open_desktop, sign_in_ready
from tests.e2e.test_shell import log_in
from tests.interop.audio import speech_wav
from tests.interop.test_answer import played, sipp_phone
from tests.interop.test_contact_center import api, token_of
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e


def test_the_agent_answers_the_desk_phone_from_the_desktop(
    page: Page, callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    voice = speech_wav(tmp_path / "voice.wav", "您好，我的车坏了")
    token = token_of(callcenter, "80002")
    with sipp_phone(callcenter, "70002", "desk_phone_talk.xml", tmp_path) as result:
        try:
            log_in(page, callcenter.url, "80002", "80002", "70002")
            open_desktop(page, callcenter)
            sign_in_ready(page, "70002")
            answer = page.get_by_test_id("desk-answer")
            expect(answer).to_be_hidden()
            state = page.get_by_test_id("desk-agent-state")
            with customer_on_trunk(callcenter, tmp_path / "zhang", "13800138000", voice) as zhang:
                call_and_press_1(zhang, callcenter)
                expect(state).to_have_attribute("data-state", "ringing", timeout=15_000)
                expect(answer).to_be_visible(timeout=5_000)
                answer.click()
                expect(state).to_have_attribute("data-state", "in_call")
                expect(answer).to_be_hidden()
                expect(page.get_by_test_id("desk-controls")).to_be_visible()
                page.get_by_test_id("desk-hangup").click()
                zhang.wait_for("CALL_CLOSED", timeout=10)
                expect(state).to_have_attribute("data-state", "wrap_up")
        finally:
            with contextlib.suppress(AssertionError):
                api(callcenter, "POST", "/api/agents/80002/logout", token)
    played(result)
