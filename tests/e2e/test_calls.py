"""Trunks and call records in a real browser: add a trunk, find a call, play its recording."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_shell import log_in
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

# Runs inside the server's installation (its data folder and database): a recorded call
# stored the way the switch's events store it, with a 2-second stereo WAV.
STORE_CALL = textwrap.dedent(
    """
    import math, time
    from django.conf import settings
    from callcenter.recordings.events import apply_call_events
    from callcenter.rtp.wav import WavFormat, build_wav, interleave
    from tests.recordings.calls import inbound_call

    tone = b"".join(
        int(8000 * math.sin(2 * math.pi * 440 * n / 8000)).to_bytes(2, "little", signed=True)
        for n in range(16000)
    )
    silence = bytes(len(tone))
    folder = settings.RECORDINGS_DIR / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    wav = build_wav(interleave(tone, silence), WavFormat(channels=2))
    (folder / "e2e-call.wav").write_bytes(wav)
    apply_call_events(
        inbound_call("e2e-call", at=time.time() - 120, caller="13900001111", caller_name="王五",
                     recording="e2e/e2e-call.wav"),
        "callcenter",
    )
    """
)


def store_call(callcenter: RunningCallcenter) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "callcenter", "manage", "shell", "-c", STORE_CALL],
        env=callcenter.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_admin_adds_a_trunk_and_plays_a_recorded_call(
    page: Page, callcenter: RunningCallcenter
) -> None:
    log_in(page, callcenter.url, "admin", "admin")
    page.locator(".sidebar").get_by_role("link", name="中继管理").click()
    expect(page.locator("h1")).to_have_text("中继管理")
    expect(page.locator('[data-trunk="demo-gw"]')).to_contain_text("127.0.0.1:5090")

    page.get_by_test_id("trunk-add").click()
    page.fill("#id_name", "carrier-e2e")
    page.fill("#id_host", "sip.example.com")
    page.check("#id_register")
    page.get_by_test_id("trunk-submit").click()
    # Registering without credentials: the form says what is missing.
    expect(page.get_by_test_id("error-password")).to_contain_text("需要注册的中继必须填写密码")
    expect(page.get_by_test_id("error-username")).to_contain_text("需要注册的中继必须填写用户名")
    page.fill("#id_username", "02088886666")
    page.fill("#id_password", "s3cret-e2e")
    page.get_by_test_id("trunk-submit").click()
    expect(page.locator(".message.success")).to_contain_text("中继 carrier-e2e 已保存")
    expect(page.locator('[data-trunk="carrier-e2e"]')).to_contain_text("sip.example.com:5060")

    store_call(callcenter)
    page.locator(".sidebar").get_by_role("link", name="通话记录查询").click()
    page.fill("#id_name", "王五")
    page.get_by_role("button", name="查询").click()
    row = page.locator('[data-call="e2e-call"]')
    expect(row).to_contain_text("13900001111")
    expect(row).to_contain_text("呼入")
    expect(row).to_contain_text("1:00")
    statuses: list[int] = []
    page.on(
        "response",
        lambda response: (
            statuses.append(response.status) if "recording.wav" in response.url else None
        ),
    )
    row.get_by_role("link", name="详情").click()

    audio = page.get_by_test_id("recording-audio")
    expect(audio).to_be_visible()
    duration = audio.evaluate(
        """audio => new Promise((resolve) => {
            if (audio.readyState >= 1) return resolve(audio.duration);
            audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
            audio.addEventListener("error", () => resolve(-1));
            audio.load();
        })"""
    )
    assert duration == pytest.approx(2.0, abs=0.05)
    # Seeking asks the server for a byte range.
    seeked = audio.evaluate(
        """audio => new Promise((resolve) => {
            audio.addEventListener("seeked", () => resolve(audio.currentTime));
            audio.addEventListener("error", () => resolve(-1));
            audio.currentTime = 1.5;
        })"""
    )
    assert seeked == pytest.approx(1.5, abs=0.1)
    assert 206 in statuses  # the player asked for byte ranges and got them
    download = page.get_by_test_id("recording-download")
    assert download.get_attribute("href", timeout=1000).endswith("recording.wav?download=1")
