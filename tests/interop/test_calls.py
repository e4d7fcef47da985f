"""Real phones calling each other through a running `callcenter serve` (A1, A3, A6, A8).

Lina (70001) and Wang (70002) are baresip phones, each speaking a different Mandarin
sentence from a WAV; baresip records what it sent and what it heard. The checks compare
audio by cross-correlation: what one phone heard against what the other sent, and the
switch's stereo recording (caller left, callee right) against both. The demo trunk
`demo-gw` is a third baresip on 127.0.0.1:5090 calling the demo DID 4008000000 (its IVR).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.interop.audio import correlation, dtmf_digits, read_mono, speech_wav
from tests.interop.peers import BaresipPhone, SipAccount, processes, run_sipp
from tests.interop.peers.processes import free_sip_port, wait_until
from tests.interop.peers.sipp import SCENARIOS
from tests.running import RunningCallcenter
from tests.sipclient import UdpPhone

pytestmark = pytest.mark.interop

LINA_SAYS = "你好，这里是客服中心，请问有什么可以帮您"
WANG_SAYS = "我的车牌号是粤B一二三四五，空调坏了需要报修"


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("voices")
    return speech_wav(folder / "lina.wav", LINA_SAYS), speech_wav(folder / "wang.wav", WANG_SAYS)


def recorded(phone: BaresipPhone, kind: str) -> Path:
    """baresip's recording of the call: kind 'enc' (sent) or 'dec' (heard)."""
    found = sorted(phone.recordings.glob(f"*-{kind}.wav"))
    assert found, f"baresip wrote no *-{kind}.wav in {phone.recordings}"
    return found[-1]


def newest_recording(callcenter: RunningCallcenter, before: set[Path]) -> Path | None:
    found = set((callcenter.data_dir / "recordings").rglob("*.wav")) - before
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def recordings_now(callcenter: RunningCallcenter) -> set[Path]:
    return set((callcenter.data_dir / "recordings").rglob("*.wav"))


def test_extension_call_carries_both_voices_and_is_recorded_in_stereo(
    callcenter: RunningCallcenter, tmp_path: Path, voices: tuple[Path, Path]
) -> None:
    lina_wav, wang_wav = voices
    before = recordings_now(callcenter)
    lina = SipAccount("70001", "70001", callcenter.sip_address)
    wang = SipAccount("70002", "70002", callcenter.sip_address)
    with (
        BaresipPhone(tmp_path / "lina", [lina], wav=lina_wav) as caller,
        BaresipPhone(tmp_path / "wang", [wang], wav=wang_wav) as callee,
    ):
        caller.dial(f"sip:70002@{callcenter.sip_address}")
        callee.wait_for("CALL_ESTABLISHED", timeout=10)
        caller.wait_for("CALL_ESTABLISHED", timeout=10)
        time.sleep(7)
        caller.hangup()
        callee.wait_for("CALL_CLOSED", timeout=10)
        caller.wait_for("CALL_CLOSED", timeout=10)
    lina_sent, wang_sent = read_mono(recorded(caller, "enc")), read_mono(recorded(callee, "enc"))
    assert correlation(read_mono(recorded(callee, "dec")), lina_sent) >= 0.99
    assert correlation(read_mono(recorded(caller, "dec")), wang_sent) >= 0.99
    # A wrong pairing must not pass: Wang's voice is not Lina's.
    assert correlation(read_mono(recorded(callee, "dec")), wang_sent) < 0.5

    assert wait_until(lambda: newest_recording(callcenter, before) is not None, 10)
    stereo = newest_recording(callcenter, before)
    assert stereo is not None
    assert correlation(read_mono(stereo, 0), lina_sent) >= 0.95
    assert correlation(read_mono(stereo, 1), wang_sent) >= 0.95


def test_hold_plays_music_and_resume_brings_the_voice_back(
    callcenter: RunningCallcenter, tmp_path: Path, voices: tuple[Path, Path]
) -> None:
    lina_wav, wang_wav = voices
    lina = SipAccount("70003", "70003", callcenter.sip_address)
    wang = SipAccount("70004", "70004", callcenter.sip_address)
    with (
        BaresipPhone(tmp_path / "lina", [lina], wav=lina_wav) as caller,
        BaresipPhone(tmp_path / "wang", [wang], wav=wang_wav) as callee,
    ):
        caller.dial(f"sip:70004@{callcenter.sip_address}")
        callee.wait_for("CALL_ESTABLISHED", timeout=10)
        established = caller.wait_for("CALL_ESTABLISHED", timeout=10).received
        time.sleep(2)
        caller.command("hold")
        held = time.monotonic()
        time.sleep(3)
        caller.command("resume")
        resumed = time.monotonic()
        time.sleep(7)
        caller.hangup()
        callee.wait_for("CALL_CLOSED", timeout=10)
    heard = read_mono(recorded(callee, "dec"))
    lina_sent = read_mono(recorded(caller, "enc"))
    on_hold = heard[int((held - established + 0.5) * 8000) : int((resumed - established) * 8000)]
    # Music, not silence and not Lina, while on hold.
    assert float(np.sqrt(np.mean(on_hold**2))) > 300
    music_only = heard.copy()
    music_only[: int((held - established + 0.5) * 8000)] = 0
    music_only[int((resumed - established) * 8000) :] = 0
    assert correlation(music_only, lina_sent) < 0.5
    # After resuming, Lina's voice again (indices kept: earlier audio silenced).
    after = heard.copy()
    after[: int((resumed - established + 0.5) * 8000)] = 0
    assert correlation(after, lina_sent) >= 0.99


def test_dtmf_from_a_phone_is_heard_by_the_switch(
    callcenter: RunningCallcenter, tmp_path: Path, voices: tuple[Path, Path]
) -> None:
    """9197 reads back, as tones, the digits the switch detected (RFC 4733 from baresip)."""
    account = SipAccount("70005", "70005", callcenter.sip_address)
    with BaresipPhone(tmp_path / "lina", [account], wav=voices[0]) as phone:
        phone.dial(f"sip:9197@{callcenter.sip_address}")
        phone.wait_for("CALL_ESTABLISHED", timeout=10)
        time.sleep(5)  # the prompt
        phone.send_dtmf("159#")
        time.sleep(5)  # "您输入的号码是" and three tones
        phone.hangup()
        phone.wait_for("CALL_CLOSED", timeout=10)
    assert "159" in dtmf_digits(read_mono(recorded(phone, "dec")))


def test_call_from_the_demo_trunk_reaches_the_operator_through_the_demo_ivr(
    callcenter: RunningCallcenter, tmp_path: Path, voices: tuple[Path, Path]
) -> None:
    """demo-gw (127.0.0.1:5090, no registration) dials DID 4008000000, which leads to the
    demo IVR; 0 there is the operator, extension 70008."""
    lina_wav, gateway_wav = voices
    operator = SipAccount("70008", "70008", callcenter.sip_address)
    gateway = SipAccount("13800138000", "unused", callcenter.sip_address, regint=0)
    with (
        BaresipPhone(tmp_path / "operator", [operator], wav=lina_wav) as agent,
        BaresipPhone(
            tmp_path / "gw", [gateway], wav=gateway_wav, sip_port=5090, register=False
        ) as trunk,
    ):
        trunk.add_account(gateway)
        trunk.dial(f"sip:4008000000@{callcenter.sip_address}")
        trunk.wait_for("CALL_ESTABLISHED", timeout=10)  # the IVR answers
        time.sleep(1.5)
        trunk.send_dtmf("0")
        established = agent.wait_for("CALL_ESTABLISHED", timeout=15)  # it answers by itself
        assert "13800138000" in established.peer_uri
        time.sleep(6)
        trunk.hangup()
        agent.wait_for("CALL_CLOSED", timeout=10)
    heard = read_mono(recorded(agent, "dec"))
    assert correlation(heard, read_mono(recorded(trunk, "enc")), max_lag=15) >= 0.99


def open_calls(callcenter: RunningCallcenter) -> int:
    return int(
        callcenter.query(
            "from callcenter.recordings.models import CallRecord;"
            "print(CallRecord.objects.filter(ended_at__isnull=True).count())"
        )
    )


def answered_calls(callcenter: RunningCallcenter, caller: str) -> int:
    return int(
        callcenter.query(
            "from callcenter.recordings.models import CallRecord;"
            f"print(CallRecord.objects.filter(caller='{caller}', cause='normal',"
            " answered_at__isnull=False).count())"
        )
    )


def test_many_sipp_calls_with_audio_through_the_switch(
    callcenter: RunningCallcenter, tmp_path: Path, voices: tuple[Path, Path]
) -> None:
    """demo-gw (sipp uac on 127.0.0.1:5090) → DID 4008000070 → 70001, which is sipp's
    uas with -rtp_echo: 30 calls, 10 at a time, each streaming speech both ways. (The
    demo DID leads to the IVR; this test adds its own route in the web first.)"""
    page = callcenter.admin_session().post(
        "/telephony/routes/new/",
        {"did": "4008000070", "trunk": "", "destination": "70001", "description": "sipp"},
    )
    assert "4008000070" in page
    time.sleep(1)  # the switch reloads its routes after the change
    ulaw = tmp_path / "speech-ulaw.wav"
    subprocess.run(
        ["sox", str(voices[0]), "-e", "u-law", "-r", "8000", "-c", "1", str(ulaw)], check=True
    )
    scenario = tmp_path / "uac_rtp.xml"
    scenario.write_text((SCENARIOS / "uac_rtp.xml").read_text().replace("RTP_FILE", str(ulaw)))
    uas_port = free_sip_port()
    registered = run_sipp(
        callcenter.sip_address,
        "register_auth",
        tmp_path,
        local_port=uas_port,
        users=[("70001", "70001")],
    )
    assert registered.ok, registered.report()
    uas_dir = tmp_path / "uas"
    uas_dir.mkdir()
    uas = processes.start(
        [
            "sipp",
            "-sn",
            "uas",
            "-i",
            "127.0.0.1",
            "-p",
            str(uas_port),
            "-rtp_echo",
            "-nostdin",
        ],
        uas_dir / "sipp.log",
        uas_dir,
    )
    try:
        before = answered_calls(callcenter, "13800138000")
        result = run_sipp(
            callcenter.sip_address,
            scenario,
            tmp_path,
            calls=30,
            rate=10,
            limit=10,
            local_port=5090,
            service="4008000070",
            timeout=30,
        )
        assert result.ok, result.report()
        assert (result.successful, result.failed, result.retransmissions) == (30, 0, 0)
    finally:
        processes.stop(uas)
        # The server is shared by the session: leave 70001 without sipp's contact.
        with UdpPhone("70001", "70001", ("127.0.0.1", callcenter.sip_port)) as phone:
            assert phone.register(contact="*", expires=0).status == 200
    assert wait_until(lambda: answered_calls(callcenter, "13800138000") - before == 30, 10)
    assert wait_until(lambda: open_calls(callcenter) == 0, 10)
