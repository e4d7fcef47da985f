"""The supervisor monitor page (`desktop.monitor`) and what it reads from the API.

Personas: zhou (supervisor 90001, supervises the queue service of 80001 and 80002),
admin, lina (agent 80001), sunli (unit operator). The page is rendered by Django's test
client; its live part (monitor.js) runs in tests/e2e/test_monitor.py.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from callcenter.accounts.choices import Role
from callcenter.accounts.models import User
from callcenter.acd import demo as acd_demo
from tests.api.conftest import Api, Running, _token, api, running  # noqa: F401  (fixtures)
from tests.conftest import log_in

URL = "/desktop/monitor/"


@pytest.fixture
def zhou_client(client: Client, zhou: User) -> Client:
    response = log_in(client, "90001")
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.fixture
def wangfang(db: None) -> User:
    return User.objects.create_user("80002", "x", name="王芳", role=Role.AGENT)


def test_a_supervisor_sees_the_monitor_in_chinese(zhou_client: Client, lina: User) -> None:
    acd_demo.load()
    response = zhou_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>座席监控</h1>" in page
    for words in ("排队人数", "最长等待", "通话状态", "监听", "密语", "强插", "强拆"):
        assert words in page, words
    for words in ("强制示闲", "强制示忙", "强制签出", "确认", "取消"):
        assert words in page, words
    assert 'data-testid="monitor-connection"' in page
    assert 'data-me="90001"' in page
    # The reasons a supervisor may force, without the switch's own "no answer".
    assert '<option value="meal">就餐</option>' in page
    assert 'value="no_answer"' not in page
    # The script's strings, in Chinese too.
    texts = json.loads(page.split('id="monitor-text" type="application/json">')[1].split("<")[0])
    assert texts["state"]["wrap_up"] == "话后处理"
    assert texts["state"]["ringing"] == "振铃中"
    assert texts["status"]["not_ready"] == "示忙"
    assert "监听" in texts["confirm"]["listen"]
    assert "%(agent)s" in texts["confirm"]["listen"]
    assert texts["offline"].startswith("连接已断开")


def test_the_monitor_speaks_english_when_asked(zhou_client: Client) -> None:
    zhou_client.post("/i18n/setlang/", {"language": "en", "next": URL})
    page = zhou_client.get(URL).content.decode()
    assert "<h1>Agent monitor</h1>" in page
    assert "Force not ready" in page
    assert "Barge in" in page


def test_an_administrator_may_open_the_monitor(admin_client: Client) -> None:
    assert admin_client.get(URL).status_code == 200


def test_an_agent_and_a_unit_operator_may_not(lina_client: Client, sunli: User) -> None:
    assert lina_client.get(URL).status_code == 403
    other = Client()
    assert log_in(other, "u1001").status_code == 302
    assert other.get(URL).status_code == 403


def test_not_logged_in_goes_to_the_login_page(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the API the page reads ---------------------------------------------------------------


def test_supervised_lists_the_agents_a_supervisor_may_act_on_with_what_the_page_shows(
    api: Api,  # noqa: F811
    running: Running,  # noqa: F811
    zhou: User,
    lina: User,
    wangfang: User,
) -> None:
    zhou_token, lina_token = _token(zhou), _token(lina)
    api("POST", "/api/agents/80001/login", lina_token, {"extension": "70001"})
    answer = api("POST", "/api/agents/80001/status", zhou_token,
                 {"status": "not_ready", "reason": "meal"})  # fmt: skip
    assert answer.status == 200, answer
    answer = api("GET", "/api/agents/?supervised=true", zhou_token)
    assert answer.status == 200, answer
    rows = {row["agent_id"]: row for row in answer.data["agents"]}
    assert sorted(rows) == ["80001", "80002"]  # not 90001 himself
    lina_row = rows["80001"]
    assert (lina_row["status"], lina_row["reason"], lina_row["reason_label"]) == (
        "not_ready",
        "meal",
        "就餐",
    )
    assert lina_row["queues"] == ["service"]
    assert (lina_row["current_call"], lina_row["caller"]) == ("", "")
    assert abs(lina_row["status_since"] - answer.data["now"]) < 10
    # Without the parameter: every agent, as before.
    everyone = api("GET", "/api/agents/", zhou_token).data["agents"]
    assert sorted(row["agent_id"] for row in everyone) == ["80001", "80002", "90001"]


def test_an_agent_supervises_nobody_and_a_wrong_value_is_refused(
    api: Api,  # noqa: F811
    running: Running,  # noqa: F811
    lina: User,
) -> None:
    token = _token(lina)
    assert api("GET", "/api/agents/?supervised=true", token).data["agents"] == []
    answer = api("GET", "/api/agents/?supervised=yes", token)
    assert (answer.status, answer.data["code"], answer.data["field"]) == (
        400,
        "invalid",
        "supervised",
    )
