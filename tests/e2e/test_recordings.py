"""Recordings in a real browser (A8, B10): an agent finds its call by the customer and
plays it to the end; another agent cannot open it by URL; the playback is audited.

The calls are stored in the running server through ``manage shell`` (as in
`tests.e2e.test_calls`): 张三's call came in as ``+8613800138000`` while agent 80004 sat
at 70004; a second call at 70004 from another number must not be found by the customer.
"""

from __future__ import annotations

import textwrap

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_shell import log_in
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e

CALL = "e2e-zhangsan-call"
OTHER = "e2e-other-caller"

# Runs inside the server's installation: two recorded calls answered at 70004 now, the
# first from the demo customer 张三 (13800138000) in international form.
STORE_CALLS = textwrap.dedent(
    f"""
    import math, time
    from django.conf import settings
    from callcenter.recordings.events import apply_call_events
    from callcenter.rtp.wav import WavFormat, build_wav, interleave
    from tests.recordings.calls import inbound_call

    tone = b"".join(
        int(8000 * math.sin(2 * math.pi * 440 * n / 8000)).to_bytes(2, "little", signed=True)
        for n in range(16000)
    )
    folder = settings.RECORDINGS_DIR / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "{CALL}.wav").write_bytes(
        build_wav(interleave(tone, bytes(len(tone))), WavFormat(channels=2))
    )
    now = time.time()
    for call, caller, name in (
        ("{CALL}", "+8613800138000", "张三"),
        ("{OTHER}", "13700001234", "赵六"),
    ):
        apply_call_events(
            inbound_call(call, at=now, caller=caller, caller_name=name, agent="70004",
                         recording="e2e/{CALL}.wav"),
            "callcenter",
        )
    """
)


def store_calls(callcenter: RunningCallcenter) -> None:
    callcenter.query(STORE_CALLS)


def test_agent_finds_the_customers_call_plays_it_and_others_cannot(
    page: Page, browser: Browser, callcenter: RunningCallcenter
) -> None:
    base = callcenter.url
    log_in(page, base, "80004", "80004", "70004")
    expect(page.get_by_test_id("extension")).to_have_text("70004")
    store_calls(callcenter)  # after the login: calls at its extension while logged in

    page.locator(".sidebar").get_by_role("link", name="通话记录查询").click()
    expect(page.locator(f'[data-call="{OTHER}"]')).to_be_visible()  # its own call too
    page.fill("#id_customer", "13800138000")
    page.get_by_role("button", name="查询").click()
    row = page.locator(f'[data-call="{CALL}"]')
    expect(row).to_contain_text("+8613800138000")
    expect(row).to_contain_text("张三")
    expect(page.locator(f'[data-call="{OTHER}"]')).to_have_count(0)

    row.get_by_role("link", name="详情").click()
    audio = page.get_by_test_id("recording-audio")
    expect(audio).to_be_visible()
    started = audio.evaluate(
        """audio => audio.play().then(() => "playing", (error) => error.name)"""
    )
    assert started == "playing"
    page.wait_for_function(
        """() => document.querySelector('[data-testid="recording-audio"]').ended""",
        timeout=15_000,
    )
    assert audio.evaluate("audio => audio.currentTime") == pytest.approx(2.0, abs=0.1)
    recording_url = page.url.split("#")[0] + "recording.wav"
    assert audio.evaluate("audio => audio.src") == recording_url

    # Another agent, who never sat at 70004, cannot open it by its URL.
    other_context = browser.new_context()
    try:
        other = other_context.new_page()
        log_in(other, base, "80005", "80005", "70005")
        expect(other.get_by_test_id("extension")).to_have_text("70005")
        response = other.goto(recording_url)
        assert response is not None
        assert response.status == 404
        response = other.goto(page.url)
        assert response is not None
        assert response.status == 404
    finally:
        other_context.close()

    # The administrator sees who played it, once.
    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        log_in(admin, base, "admin", "admin")
        admin.goto(page.url)
        audit = admin.get_by_test_id("recording-audit")
        # One entry: the player fetched the file from byte 0 once and played it through.
        expect(audit.locator("tbody tr")).to_have_count(1)
        expect(audit.locator('[data-audit="recording_played"]')).to_contain_text("80004 刘洋")
    finally:
        admin_context.close()
