"""The switch's endpoints against a real Engine running on its own loop in a thread (as
in `callcenter serve`, where the views reach it through `telephony.switch`).

Personas: lina (agent 80001), zhou (supervisor 90001, supervises the queue service),
and agent 80002 (another agent of that queue).
"""

from __future__ import annotations

import pytest

from callcenter.accounts.choices import Role
from callcenter.accounts.models import User
from callcenter.engine.events import SupervisorAction
from tests.api.conftest import Api, Running, _token


@pytest.fixture
def wangfang(db: None) -> User:
    return User.objects.create_user("80002", "x", name="王芳", role=Role.AGENT)


def test_an_agent_logs_itself_in_sets_not_ready_and_logs_out(
    api: Api, lina: User, running: Running
) -> None:
    token = _token(lina)
    answer = api("POST", "/api/agents/80001/login", token, {"extension": "70001"})
    assert answer.status == 200, answer
    assert (answer.data["status"], answer.data["state"], answer.data["extension"]) == (
        "ready",
        "idle",
        "70001",
    )
    answer = api(
        "POST", "/api/agents/80001/status", token, {"status": "not_ready", "reason": "meal"}
    )
    assert (answer.status, answer.data["status"], answer.data["reason"]) == (
        200,
        "not_ready",
        "meal",
    )
    assert api("GET", "/api/agents/80001", token).data["reason"] == "meal"
    queues = api("GET", "/api/queues/", token).data["queues"]
    assert (queues[0]["name"], queues[0]["logged_in"], queues[0]["available"]) == ("service", 1, 0)
    answer = api("POST", "/api/agents/80001/logout", token)
    assert answer.data["status"] == "logged_out"
    # Its own actions are not supervisor actions.
    assert not [e for e in running.sink.events if isinstance(e, SupervisorAction)]


def test_wrong_commands_get_a_clear_answer_in_chinese(
    api: Api, lina: User, wangfang: User, running: Running
) -> None:
    token = _token(lina)
    answer = api("POST", "/api/agents/80001/login", token, {"extension": "79999"})
    assert (answer.status, answer.data["code"], answer.data["field"]) == (
        400,
        "unknown_extension",
        "extension",
    )
    assert "分机" in answer.data["message"]
    api("POST", "/api/agents/80002/login", _token(wangfang), {"extension": "70002"})
    answer = api("POST", "/api/agents/80001/login", token, {"extension": "70002"})
    assert (answer.status, answer.data["code"]) == (409, "extension_taken")
    api("POST", "/api/agents/80001/login", token, {"extension": "70001"})
    answer = api(
        "POST", "/api/agents/80001/status", token, {"status": "not_ready", "reason": "nap"}
    )
    assert (answer.status, answer.data["field"]) == (400, "reason")
    answer = api("POST", "/api/agents/80001/wrap-up/end", token)
    assert (answer.status, answer.data["code"]) == (409, "not_in_wrap_up")
    answer = api("POST", "/api/calls/nosuchcall/hangup", token)
    assert (answer.status, answer.data["code"]) == (404, "no_call")
    answer = api("POST", "/api/agents/80001/login", token, {"extension": "70001"}, **{
        "Accept-Language": "en"})  # fmt: skip
    assert answer.status == 200


def test_an_agent_may_not_act_on_another_but_its_supervisor_may_and_is_audited(
    api: Api, lina: User, zhou: User, wangfang: User, running: Running
) -> None:
    api("POST", "/api/agents/80002/login", _token(wangfang), {"extension": "70002"})
    answer = api("POST", "/api/agents/80002/status", _token(lina), {"status": "not_ready"})
    assert (answer.status, answer.data["code"]) == (403, "not_permitted")
    answer = api(
        "POST", "/api/agents/80002/status", _token(zhou), {"status": "not_ready", "reason": "rest"}
    )
    assert (answer.status, answer.data["status"]) == (200, "not_ready")
    audit = [e for e in running.sink.events if isinstance(e, SupervisorAction)]
    assert [(e.supervisor, e.action, e.agent) for e in audit] == [
        ("90001", "force_status", "80002")
    ]
    answer = api("POST", "/api/agents/80002/logout", _token(zhou))
    assert answer.data["status"] == "logged_out"


def test_without_a_running_switch_the_answer_is_503(api: Api, lina: User) -> None:
    answer = api("GET", "/api/agents/", _token(lina))
    assert (answer.status, answer.data["code"]) == (503, "switch_unavailable")
