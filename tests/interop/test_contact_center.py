"""The contact center with real phones (A3–A6): a customer through the demo IVR into a
queue, answered by an agent, transferred blind to another, all with baresip.

Personas: 张三 the customer calls the hotline 4000 from extension 70006 (his voice:
a sentence about his car); agent 80001 (Lina) logs in on baresip 70001 through the REST
API with her own token, agent 80002 (Wang) on 70002. Audio is checked by correlation as
in test_calls; the call record is checked in the database of the running server.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.interop.audio import correlation, read_mono, speech_wav
from tests.interop.peers import BaresipPhone, SipAccount
from tests.interop.peers.processes import wait_until
from tests.interop.test_calls import recorded
from tests.running import RunningCallcenter

pytestmark = pytest.mark.interop

CUSTOMER_SAYS = "我的车牌号是粤B一二三四五，空调坏了需要报修，请尽快派人来看看"
LINA_SAYS = "您好，这里是客服中心，工号八零零零一，请问有什么可以帮您"
WANG_SAYS = "您好，我是投诉专员王芳，您的问题我来继续处理"
RATE = 8000


def api_answer(
    callcenter: RunningCallcenter, method: str, path: str, token: str, body: Any = None
) -> tuple[int, Any]:
    """The REST API's (status, JSON answer), errors included."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        callcenter.url + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        try:
            return error.code, json.loads(text)
        except ValueError:  # not the API's JSON (a server error page)
            return error.code, text


def api(callcenter: RunningCallcenter, method: str, path: str, token: str, body: Any = None) -> Any:
    """The JSON answer of a request that must succeed."""
    status, answer = api_answer(callcenter, method, path, token, body)
    if status >= 400:
        raise AssertionError(f"{method} {path}: {status} {answer}")
    return answer


def token_of(callcenter: RunningCallcenter, agent_id: str) -> str:
    return callcenter.query(
        "from callcenter.accounts.models import User;"
        "from callcenter.api.models import ApiToken;"
        f"print(ApiToken.issue(User.objects.get(agent_id='{agent_id}'), 'interop')[1])"
    )


def window(audio: np.ndarray, start: float, end: float) -> np.ndarray:
    """``audio`` with everything outside [start, end) seconds silenced (indices kept)."""
    kept = np.zeros_like(audio)
    low, high = max(int(start * RATE), 0), min(int(end * RATE), len(audio))
    kept[low:high] = audio[low:high]
    return kept


def test_the_hotline_ivr_queue_agent_and_blind_transfer_with_real_phones(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    customer_wav = speech_wav(voices / "customer.wav", CUSTOMER_SAYS)
    lina_wav = speech_wav(voices / "lina.wav", LINA_SAYS)
    wang_wav = speech_wav(voices / "wang.wav", WANG_SAYS)
    lina_token, wang_token = token_of(callcenter, "80001"), token_of(callcenter, "80002")
    customer_account = SipAccount("70006", "70006", callcenter.sip_address)
    lina_account = SipAccount("70001", "70001", callcenter.sip_address)
    wang_account = SipAccount("70002", "70002", callcenter.sip_address)
    with (
        BaresipPhone(tmp_path / "customer", [customer_account], wav=customer_wav) as customer,
        BaresipPhone(tmp_path / "lina", [lina_account], wav=lina_wav) as lina,
        BaresipPhone(tmp_path / "wang", [wang_account], wav=wang_wav) as wang,
    ):
        agent = api(callcenter, "POST", "/api/agents/80001/login", lina_token,
                    {"extension": "70001"})  # fmt: skip
        assert (agent["status"], agent["state"]) == ("ready", "idle")
        api(callcenter, "POST", "/api/agents/80002/login", wang_token,
            {"extension": "70002", "ready": False, "reason": "meeting"})  # fmt: skip
        try:
            customer.dial(f"sip:4000@{callcenter.sip_address}")
            answered_by_ivr = customer.wait_for("CALL_ESTABLISHED", timeout=10).received
            time.sleep(1.5)  # the welcome and the menu start
            customer.send_dtmf("1")
            lina_on = lina.wait_for("CALL_ESTABLISHED", timeout=15).received  # auto-answer
            state = api(callcenter, "GET", "/api/agents/80001", lina_token)
            assert state["state"] == "in_call"
            time.sleep(7)
            calls = api(callcenter, "GET", "/api/calls/", lina_token)["calls"]
            mine = [c for c in calls if c["agent"] == "80001"]
            assert len(mine) == 1
            assert mine[0]["queue"] == "service"
            call_id = mine[0]["id"]
            api(callcenter, "POST", f"/api/calls/{call_id}/transfer", lina_token,
                {"destination": "70002"})  # fmt: skip
            lina_off = lina.wait_for("CALL_CLOSED", timeout=10).received
            assert api(callcenter, "GET", "/api/agents/80001", lina_token)["state"] in (
                "wrap_up",
                "idle",
            )
            wang_on = wang.wait_for("CALL_ESTABLISHED", timeout=10).received
            time.sleep(6)
            customer.hangup()
            wang.wait_for("CALL_CLOSED", timeout=10)
            customer.wait_for("CALL_CLOSED", timeout=10)
        finally:
            api(callcenter, "POST", "/api/agents/80001/logout", lina_token)
            api(callcenter, "POST", "/api/agents/80002/logout", wang_token)

    customer_sent = read_mono(recorded(customer, "enc"))
    customer_heard = read_mono(recorded(customer, "dec"))
    lina_sent, wang_sent = read_mono(recorded(lina, "enc")), read_mono(recorded(wang, "enc"))
    # Each agent heard the customer; the customer heard each agent in its turn.
    lag = wang_on - answered_by_ivr + 3
    assert correlation(read_mono(recorded(lina, "dec")), customer_sent, max_lag=lag) >= 0.99
    assert correlation(read_mono(recorded(wang, "dec")), customer_sent, max_lag=lag) >= 0.99
    with_lina = window(customer_heard, lina_on - answered_by_ivr + 0.5, lina_off - answered_by_ivr)
    assert correlation(with_lina, lina_sent, max_lag=lag) >= 0.99
    with_wang = window(customer_heard, wang_on - answered_by_ivr + 0.5, len(customer_heard) / RATE)
    assert correlation(with_wang, wang_sent, max_lag=lag) >= 0.99
    # Before an agent: the IVR and the queue spoke, not silence and not an agent.
    waited = lina_on - answered_by_ivr - 0.5
    before = window(customer_heard, 0, waited)
    assert float(np.sqrt(np.mean(before[: int(waited * RATE)] ** 2))) > 100
    assert correlation(before, lina_sent, max_lag=lag) < 0.5

    # One call record with its IVR path, its queue part, both agents and the recording.
    def record() -> dict[str, Any]:
        return json.loads(
            callcenter.query(
                "import json;"
                "from callcenter.recordings.models import CallRecord;"
                "c = CallRecord.objects.filter(caller='70006', dialled='4000')"
                ".order_by('-started_at').first();"
                "print(json.dumps({'ended': c.ended_at is not None,"
                " 'recording': hasattr(c, 'recording'),"
                " 'legs': sorted(l.party for l in c.legs.all())}))"
            )
        )

    assert wait_until(lambda: record()["ended"] and record()["recording"], 15)
    found = record()
    assert {"70001", "70002", "70006"} <= set(found["legs"])
