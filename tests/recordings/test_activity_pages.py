"""The call details show the IVR path, the queue part, transfers and supervisors'
actions; the list has a queue column and filter; the agents' status history (A7, A8)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from callcenter.accounts.models import User
from callcenter.engine.events import SupervisorAction
from callcenter.recordings.events import apply_call_events
from callcenter.recordings.models import CallRecord
from callcenter.telephony.models import Extension
from tests.conftest import log_in
from tests.recordings.calls import NOW, internal_call
from tests.recordings.contact_center import queued_call, status


@pytest.fixture
def queued(db: None) -> CallRecord:
    apply_call_events(queued_call(), "callcenter")
    apply_call_events(
        [
            SupervisorAction(
                at=NOW + 30, supervisor="90001", action="listen", call="q1", agent="80002"
            )
        ],
        "callcenter",
    )
    apply_call_events(internal_call("c2", "70001", "70002", NOW + 86400), "callcenter")
    return CallRecord.objects.get(call_id="q1")


def test_call_details_show_the_contact_center_part_in_chinese(
    admin_client: Client, queued: CallRecord
) -> None:
    text = admin_client.get(f"/recordings/calls/{queued.pk}/").content.decode()
    assert "<h2>语音导航路径</h2>" in text
    ivr = text[text.index('data-testid="ivr-path"') :]
    assert 'data-ivr-step="main"' in ivr
    assert "菜单" in ivr
    assert "离开语音导航" in ivr
    assert "queue:service" in ivr
    assert "<h2>队列 service</h2>" in text
    queue = text[text.index('data-testid="queue-call"') :]
    assert "由座席接听" in queue
    assert '<dd data-testid="queue-wait">0:21</dd>' in queue
    assert "80002" in queue
    assert '<dd data-testid="queue-hold">0:10</dd>' in queue
    assert '<dd data-testid="queue-wrap-up">0:10</dd>' in queue
    assert "1:00" in queue  # talk
    assert "随后转接" in queue
    offers = queue[queue.index('data-testid="offers"') :]
    assert "无人接听" in offers[offers.index('data-offer="80001"') :]
    assert "已接听" in offers[offers.index('data-offer="80002"') :]
    transfers = text[text.index('data-testid="transfers"') :]
    assert "盲转" in transfers
    assert "70008" in transfers
    actions = text[text.index('data-testid="supervisor-actions"') :]
    assert "监听" in actions
    assert "90001" in actions


def test_an_agent_sees_no_supervisor_actions(
    lina: User, client: Client, queued: CallRecord
) -> None:
    from callcenter.accounts.models import LoginRecord

    Extension.objects.create(number="70002", sip_password="70002")
    LoginRecord.objects.create(user=lina, extension="70002", logged_in_at=queued.started_at)
    log_in(client, "80001", "70002")
    response = client.get(f"/recordings/calls/{queued.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="queue-call"' in text
    assert 'data-testid="supervisor-actions"' not in text


def test_call_list_has_a_queue_column_and_filter(admin_client: Client, queued: CallRecord) -> None:
    text = admin_client.get("/recordings/calls/").content.decode()
    assert "<th>队列</th>" in text
    row = text[text.index('data-call="q1"') :]
    assert 'data-testid="call-queue">service <span class="muted">80002</span>' in row
    assert '<option value="service">service</option>' in text
    filtered = admin_client.get("/recordings/calls/?queue=service").content.decode()
    assert 'data-call="q1"' in filtered
    assert 'data-call="c2"' not in filtered


@pytest.fixture
def statuses(db: None) -> None:
    apply_call_events(
        [
            status("80001", "ready", NOW),
            status("80001", "not_ready", NOW + 100, reason="meal"),
            status("80002", "ready", NOW + 50),
            status("80002", "not_ready", NOW + 86400, reason="training", by="90001"),
            status("80002", "logged_out", NOW + 86500, by="system"),
        ],
        "callcenter",
    )


def agents_listed(client: Client, query: str = "") -> list[str]:
    text = client.get(f"/recordings/agent-status/?{query}").content.decode()
    return [part.split('"')[0] for part in text.split('data-status-agent="')[1:]]


def test_supervisors_see_every_agents_history_in_chinese(
    zhou: User, client: Client, statuses: None
) -> None:
    log_in(client, "90001")
    text = client.get("/recordings/agent-status/").content.decode()
    assert "<h1>座席状态记录</h1>" in text
    for label in ("工号", "状态", "原因", "操作人"):
        assert f"<th>{label}</th>" in text, label
    assert "示忙" in text
    assert "示闲" in text
    assert "系统" in text  # by system
    assert agents_listed(client) == ["80002", "80002", "80001", "80002", "80001"]
    assert agents_listed(client, "agent=80001") == ["80001", "80001"]
    assert agents_listed(client, "date_from=2027-01-16") == ["80002", "80002"]
    assert agents_listed(client, "date_to=2027-01-15&status=ready") == ["80002", "80001"]


def test_reason_codes_are_shown_with_their_labels(admin_client: Client, statuses: None) -> None:
    if not apps.is_installed("callcenter.acd"):
        text = admin_client.get("/recordings/agent-status/?agent=80001").content.decode()
        assert "<td>meal</td>" in text  # the code, until the reasons are administered
        return
    apps.get_model("acd", "ReasonCode").objects.create(code="meal", label="就餐")
    text = admin_client.get("/recordings/agent-status/?agent=80001").content.decode()
    assert "就餐" in text


def test_an_agent_sees_only_their_own_history(lina_client: Client, statuses: None) -> None:
    text = lina_client.get("/recordings/agent-status/?agent=80002").content.decode()
    assert 'name="agent"' not in text
    assert agents_listed(lina_client) == ["80001", "80001"]
    assert agents_listed(lina_client, "agent=80002") == ["80001", "80001"]
    assert "80002" not in text.split('data-testid="status-table"')[1]


def test_unit_operators_may_not_open_the_history(sunli_client: Client) -> None:
    assert sunli_client.get("/recordings/agent-status/").status_code == 403
