"""Call control over REST against a real Engine (`api.call_control_views`): click-to-call
rings the agent's own phone (a scripted SIP phone on the switch's loop) and then the
destination; hold and resume reach the call; refusals are clear and in Chinese.

Personas: lina (agent 80001 at 70001), zhou (supervisor 90001), wangfang (agent 80002
at 70002, lina's colleague she calls).
"""

from __future__ import annotations

import pytest

from callcenter.accounts.choices import Role
from callcenter.accounts.models import User
from callcenter.engine.events import CallHeld, CallResumed
from callcenter.sip.message import Request, Response
from tests.api.conftest import Api, Running, _token
from tests.engine.callphone import CallPhone, sdp


@pytest.fixture
def wangfang(db: None) -> User:
    return User.objects.create_user("80002", "x", name="王芳", role=Role.AGENT)


def phone(running: Running, number: str) -> CallPhone:
    async def open_and_register() -> CallPhone:
        found = await CallPhone(number, ("127.0.0.1", running.engine.sip_port)).open()
        assert (await found.register()).status == 200
        return found

    return running.run(open_and_register())  # type: ignore[return-value]


def answer(running: Running, callee: CallPhone) -> tuple[Request, Response]:
    async def ring_then_answer() -> tuple[Request, Response]:
        incoming = await callee.expect_request("INVITE")
        rtp = await callee.rtp()
        ok = callee.answer(incoming, 200, sdp(rtp.port))
        callee.send(ok)
        await callee.expect_request("ACK")
        return incoming, ok

    return running.run(ring_then_answer())  # type: ignore[return-value]


def test_click_to_call_then_hold_and_resume(
    api: Api, lina: User, wangfang: User, running: Running
) -> None:
    token = _token(lina)
    answer_ = api("POST", "/api/calls/", token, {"destination": "70002"})
    assert (answer_.status, answer_.data["code"]) == (409, "not_logged_in")
    api("POST", "/api/agents/80001/login", token, {"extension": "70001"})
    answer_ = api("POST", "/api/calls/", token, {"destination": "70002"})
    assert (answer_.status, answer_.data["code"]) == (409, "not_registered")
    assert "注册" in answer_.data["message"]

    mine, colleague = phone(running, "70001"), phone(running, "70002")
    try:
        answer_ = api("POST", "/api/calls/", token, {"destination": "70002", "extension": "70002"})
        assert (answer_.status, answer_.data["code"]) == (403, "not_permitted")
        answer_ = api("POST", "/api/calls/", token, {"destination": "70002", "auto_answer": True})
        assert answer_.status == 201, answer_
        call_id = answer_.data["id"]
        incoming, _ok = answer(running, mine)
        assert "answer-after=0" in (incoming.headers.get("call-info") or "")
        answer(running, colleague)
        calls = api("GET", "/api/calls/", token).data["calls"]
        assert [(c["id"], c["caller"], c["answered_by"]) for c in calls] == [
            (call_id, "70001", "70002")
        ]

        # Lina's extension is the call's caller: she may hold it.
        assert api("POST", f"/api/calls/{call_id}/hold", token).status == 200
        answer_ = api("POST", f"/api/calls/{call_id}/hold", token)
        assert (answer_.status, answer_.data["code"]) == (409, "already_held")
        assert api("POST", f"/api/calls/{call_id}/resume", token).status == 200
        answer_ = api("POST", f"/api/calls/{call_id}/consult/complete", token)
        assert (answer_.status, answer_.data["code"]) == (409, "not_consulting")
        answer_ = api("POST", f"/api/calls/{call_id}/consult", token, {"destination": "queue:x"})
        assert (answer_.status, answer_.data["field"]) == (400, "destination")
        kinds = [type(e) for e in running.sink.events if isinstance(e, CallHeld | CallResumed)]
        assert kinds == [CallHeld, CallResumed]
        assert api("POST", f"/api/calls/{call_id}/hangup", token).status == 200
    finally:
        mine.close()
        colleague.close()


def test_only_a_supervisor_may_join_and_only_from_its_phone(
    api: Api, lina: User, zhou: User, wangfang: User, running: Running
) -> None:
    answer_ = api("POST", "/api/agents/80002/supervise", _token(lina), {"mode": "listen"})
    assert (answer_.status, answer_.data["code"]) == (403, "not_permitted")
    answer_ = api("POST", "/api/agents/80002/supervise", _token(zhou), {"mode": "shout"})
    assert (answer_.status, answer_.data["field"]) == (400, "mode")
    answer_ = api("POST", "/api/agents/80002/supervise", _token(zhou), {"mode": "listen"})
    assert (answer_.status, answer_.data["code"]) == (409, "not_logged_in")
    api("POST", "/api/agents/90001/login", _token(zhou), {"extension": "70003", "ready": False})
    answer_ = api("POST", "/api/agents/80002/supervise", _token(zhou), {"mode": "whisper"})
    assert (answer_.status, answer_.data["code"]) == (404, "no_call")
