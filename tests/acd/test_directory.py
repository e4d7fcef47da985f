"""The switch's Directory reads the ACD and IVR configuration."""

from __future__ import annotations

import asyncio

import pytest

from callcenter.accounts.choices import Role
from callcenter.accounts.models import User
from callcenter.acd.models import AgentSkill, Queue, ReasonCode, Skill, Tier
from callcenter.engine import ports
from callcenter.engine.events import AgentStatusChanged
from callcenter.ivr.models import Flow
from callcenter.recordings.events import apply_call_events
from callcenter.telephony.directory import DjangoDirectory
from tests.conftest import PASSWORD


@pytest.fixture
def directory(db: None):
    directory = DjangoDirectory()
    yield directory
    directory.close()


@pytest.mark.django_db(transaction=True)
def test_queues_agents_reasons_and_flows(lina: User, zhou: User, admin: User) -> None:
    directory = DjangoDirectory()
    try:
        calls: list[int] = []
        directory.on_change(lambda: calls.append(1))
        skill = Skill.objects.create(name="英语")
        AgentSkill.objects.create(user=lina, skill=skill, proficiency=7)
        queue = Queue.objects.create(
            name="service", display_name="业务咨询", skill=skill, relax="30:3,60:0"
        )
        queue.supervisors.add(zhou)
        Tier.objects.create(queue=queue, agent=lina, level=1, position=2)
        Tier.objects.create(queue=queue, agent=zhou, level=2, position=1)
        User.objects.create_user("80009", PASSWORD, name="离职", role=Role.AGENT, is_active=False)
        Flow.objects.create(
            name="demo",
            title="演示",
            definition={"start": "bye", "nodes": [{"kind": "hangup", "id": "bye"}]},
        )
        Flow.objects.create(name="broken", title="坏", definition={"nodes": [{"kind": "x"}]})
        assert calls  # every change tells the switch

        queues = asyncio.run(directory.queues())
        entry = queues["service"]
        assert entry.tiers == (
            ports.TierEntry("80001", 1, 2),
            ports.TierEntry("90001", 2, 1),
        )
        assert (entry.skill, entry.relax, entry.strategy) == (
            "英语",
            ((30.0, 3), (60.0, 0)),
            "longest-idle",
        )
        agents = asyncio.run(directory.agents())
        assert set(agents) == {"80001", "90001", "admin"}
        assert agents["80001"] == ports.AgentEntry("80001", "李娜", (("英语", 7),))
        assert agents["90001"].supervisor
        assert agents["90001"].supervises == ("service",)
        assert agents["admin"].supervises == ("*",)
        flows = asyncio.run(directory.flows())
        assert list(flows) == ["demo"]  # the unreadable one is left out
        reasons = asyncio.run(directory.reasons())
        assert ports.ReasonEntry("no_answer", "未接听") in reasons
        ReasonCode.objects.create(code="meal", label="就餐", order=1, active=False)
        assert "meal" not in {r.code for r in asyncio.run(directory.reasons())}
        assert asyncio.run(directory.check_agent("80001", PASSWORD))
        assert not asyncio.run(directory.check_agent("80001", "wrong"))
        assert not asyncio.run(directory.check_agent("80009", PASSWORD))
        assert not asyncio.run(directory.check_agent("nobody", PASSWORD))
    finally:
        directory.close()


@pytest.mark.django_db(transaction=True)
def test_presences_are_the_agents_logged_in_by_the_recorded_events() -> None:
    """What the switch logs in again after a restart: the agents whose last recorded
    status is ready or not ready, with their extension and reason."""
    apply_call_events(
        [
            AgentStatusChanged(1.0, "80001", "ready", "", "70001", "80001"),
            AgentStatusChanged(2.0, "80002", "ready", "", "70002", "80002"),
            AgentStatusChanged(3.0, "80002", "not_ready", "meal", "70002", "80002"),
            AgentStatusChanged(4.0, "80003", "ready", "", "70003", "80003"),
            AgentStatusChanged(5.0, "80003", "logged_out", "", "70003", "80003"),
        ],
        "callcenter",
    )
    directory = DjangoDirectory()
    try:
        found = sorted(asyncio.run(directory.presences()), key=lambda p: p.agent_id)
    finally:
        directory.close()
    assert found == [
        ports.AgentPresence("80001", "70001", "ready"),
        ports.AgentPresence("80002", "70002", "not_ready", "meal"),
    ]
