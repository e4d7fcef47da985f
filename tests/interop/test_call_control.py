"""Supervisor intervention and attended transfer with real phones (A6, A7), all baresip.

张三 calls the hotline from 70006 and presses 1; agent 80001 (Lina, 70001) answers.
Supervisor 90001 (Zhou, 70003) joins from the REST API: his phone is rung and answers by
itself; he listens, then whispers, then barges. He hangs up; Lina consults 70002 (Wang)
while 张三 hears music, then completes the transfer: 张三 and Wang talk. Every party says
its own sentence all the time, so correlation tells whom each one heard in each window.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.interop.audio import correlation, read_mono, speech_wav
from tests.interop.peers import BaresipPhone, SipAccount
from tests.interop.peers.processes import wait_until
from tests.interop.test_calls import recorded
from tests.interop.test_contact_center import api, token_of, window
from tests.running import RunningCallcenter

pytestmark = pytest.mark.interop

CUSTOMER_SAYS = "我的车牌号是粤B一二三四五，空调坏了需要报修，请尽快派人来看看"
LINA_SAYS = "您好，这里是客服中心，工号八零零零一，请问有什么可以帮您"
ZHOU_SAYS = "我是值班班长周晓东，请先核实客户的车辆信息再派单"
WANG_SAYS = "您好，我是投诉专员王芳，您的问题我来继续处理"
LAG = 60.0  # seconds: the phones' recordings start at different times
PHASE = 7.0  # seconds of each step: the correlation looks at the loudest 4 s of 4.5
# Whom a phone hears, by the correlation of what it heard with what another said. Seen
# here: one voice alone 0.79-1.0 (below 1 where a window catches a phone's jitter buffer
# or the conference's 20 ms mixing tick slipping a frame), a mix of two voices 0.61-0.74
# with each, a voice not heard at all 0.05-0.12.
ONE, MIXED, NONE = 0.75, 0.5, 0.3


def continuous_speech(path: Path, text: str, seconds: int = 90) -> Path:
    """``text`` spoken over and over for about ``seconds``, then silence."""
    once = speech_wav(path.with_suffix(".base.wav"), text, pad_seconds=0.5)
    repeats = max(1, seconds // 12)
    subprocess.run(["sox", *[str(once)] * repeats, str(path), "pad", "0", "30"], check=True)
    return path


def test_supervisor_listen_whisper_barge_then_attended_transfer(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    lina_token, wang_token = token_of(callcenter, "80001"), token_of(callcenter, "80002")
    zhou_token = token_of(callcenter, "90001")

    def phone(name: str, number: str, says: str) -> BaresipPhone:
        wav = continuous_speech(voices / f"{name}.wav", says)
        account = SipAccount(number, number, callcenter.sip_address)
        return BaresipPhone(tmp_path / name, [account], wav=wav)

    marks: dict[str, float] = {}
    with (
        phone("customer", "70006", CUSTOMER_SAYS) as customer,
        phone("lina", "70001", LINA_SAYS) as lina,
        phone("zhou", "70003", ZHOU_SAYS) as zhou,
        phone("wang", "70002", WANG_SAYS) as wang,
    ):
        api(callcenter, "POST", "/api/agents/80001/login", lina_token, {"extension": "70001"})
        api(callcenter, "POST", "/api/agents/80002/login", wang_token,
            {"extension": "70002", "ready": False, "reason": "meeting"})  # fmt: skip
        api(callcenter, "POST", "/api/agents/90001/login", zhou_token,
            {"extension": "70003", "ready": False, "reason": "meeting"})  # fmt: skip
        try:
            customer.dial(f"sip:4000@{callcenter.sip_address}")
            marks["customer"] = customer.wait_for("CALL_ESTABLISHED", timeout=10).received
            time.sleep(1.5)
            customer.send_dtmf("1")
            marks["lina"] = lina.wait_for("CALL_ESTABLISHED", timeout=15).received
            time.sleep(2)
            call_id = api(callcenter, "GET", "/api/agents/80001", lina_token)["call"]

            joined = api(callcenter, "POST", "/api/agents/80001/supervise", zhou_token,
                         {"mode": "listen"})  # fmt: skip
            assert joined["mode"] == "listen"
            marks["zhou"] = zhou.wait_for("CALL_ESTABLISHED", timeout=10).received
            for mode in ("listen", "whisper", "barge"):
                if mode != "listen":
                    api(callcenter, "POST", "/api/agents/80001/supervise", zhou_token,
                        {"mode": mode})  # fmt: skip
                marks[mode] = time.monotonic()
                time.sleep(PHASE)
            zhou.hangup()
            zhou.wait_for("CALL_CLOSED", timeout=10)
            time.sleep(1)

            api(callcenter, "POST", f"/api/calls/{call_id}/consult", lina_token,
                {"destination": "70002"})  # fmt: skip
            marks["wang"] = wang.wait_for("CALL_ESTABLISHED", timeout=10).received
            time.sleep(PHASE)
            marks["complete"] = time.monotonic()
            api(callcenter, "POST", f"/api/calls/{call_id}/consult/complete", lina_token)
            lina.wait_for("CALL_CLOSED", timeout=10)
            time.sleep(PHASE)
            marks["end"] = time.monotonic()
            customer.hangup()
            wang.wait_for("CALL_CLOSED", timeout=10)
        finally:
            for agent_id, token in (("80001", lina_token), ("80002", wang_token),
                                    ("90001", zhou_token)):  # fmt: skip
                api(callcenter, "POST", f"/api/agents/{agent_id}/logout", token)

    heard = {p: read_mono(recorded(b, "dec")) for p, b in
             (("customer", customer), ("lina", lina), ("zhou", zhou), ("wang", wang))}  # fmt: skip
    said = {p: read_mono(recorded(b, "enc")) for p, b in
            (("customer", customer), ("lina", lina), ("zhou", zhou), ("wang", wang))}  # fmt: skip

    def during(who: str, start: float, end: float) -> np.ndarray:
        """What ``who`` heard between two monotonic times, less 1 s at the start and 1.5 s
        at the end (a phone's recording starts up to a second after the call is up)."""
        return window(heard[who], start - marks[who] + 1, end - marks[who] - 1.5)

    def score(who: str, start: float, end: float, speaker: str) -> float:
        return correlation(during(who, start, end), said[speaker], max_lag=LAG)

    listen, whisper, barge = marks["listen"], marks["whisper"], marks["barge"]
    consult, complete, end = marks["wang"], marks["complete"], marks["end"]
    # (who hears, from, to, whom, at least, below): every check, so a failure shows all.
    checks = [
        # Listen: Zhou hears both; the two hear only each other.
        ("zhou", listen, whisper, "customer", MIXED, 1.01),
        ("zhou", listen, whisper, "lina", MIXED, 1.01),
        ("customer", listen, whisper, "lina", ONE, 1.01),
        ("customer", listen, whisper, "zhou", 0.0, NONE),
        ("lina", listen, whisper, "customer", ONE, 1.01),
        ("lina", listen, whisper, "zhou", 0.0, NONE),
        # Whisper: Lina hears Zhou (with the customer); the customer still only Lina.
        ("lina", whisper, barge, "zhou", MIXED, 1.01),
        ("customer", whisper, barge, "lina", ONE, 1.01),
        ("customer", whisper, barge, "zhou", 0.0, NONE),
        # Barge: the customer hears Zhou too.
        ("customer", barge, barge + PHASE, "zhou", MIXED, 1.01),
        # Consulting: Lina and Wang talk; the customer hears neither (music).
        ("lina", consult, complete, "wang", ONE, 1.01),
        ("wang", consult, complete, "lina", ONE, 1.01),
        ("customer", consult, complete, "lina", 0.0, NONE),
        ("customer", consult, complete, "wang", 0.0, NONE),
        # Transferred: the customer and Wang.
        ("customer", complete, end, "wang", ONE, 1.01),
        ("wang", complete, end, "customer", ONE, 1.01),
    ]
    scores = [(check, score(*check[:4])) for check in checks]
    wrong = [(c[:4], round(v, 3)) for c, v in scores if not c[4] <= v < c[5]]
    assert not wrong, f"heard wrong: {wrong}; all: {[(c[0], c[3], round(v, 3)) for c, v in scores]}"

    # The call's record: the supervisor's three actions and the attended transfer.
    def record() -> dict[str, object]:
        return json.loads(
            callcenter.query(
                "import json;"
                "from callcenter.recordings.models import SupervisorActionRecord, TransferRecord;"
                f"a = SupervisorActionRecord.objects.filter(call_ref='{call_id}');"
                f"t = TransferRecord.objects.filter(call__call_id='{call_id}');"
                "print(json.dumps({'actions': [x.action for x in a.order_by('at')],"
                " 'transfers': [(x.kind, x.destination) for x in t]}))"
            )
        )

    assert wait_until(lambda: record()["transfers"] != [], 15)
    found = record()
    assert found["actions"] == ["listen", "whisper", "barge"]
    assert found["transfers"] == [["attended", "70002"]]
