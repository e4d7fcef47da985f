"""ACD administration: queues with their agents, skills, reasons; the forms' messages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from callcenter.accounts.models import User
from callcenter.acd.choices import STRATEGIES
from callcenter.acd.models import Queue, ReasonCode, Skill, Tier, parse_relax
from callcenter.ivr.models import Flow


@pytest.fixture
def service(db: None) -> Queue:
    return Queue.objects.create(name="service", display_name="业务咨询")


def queue_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "service",
        "display_name": "业务咨询",
        "strategy": "longest-idle",
        "weight": 0,
        "min_proficiency": 1,
        "relax": "",
        "ring_timeout": 15,
        "wrap_up": 10,
        "max_wait": 0,
        "overflow": "",
        "join_empty": "on",
        "announce_interval": 60,
        "announce_position": "on",
        "music": "",
        "no_answer_delay": 10,
        "max_no_answer": 3,
        "busy_delay": 10,
        "reject_delay": 10,
        "progressive_step": 5,
        "service_level": 20,
    }
    data.update(changes)
    return data


def test_strategies_are_the_engines() -> None:
    from callcenter.engine.acd.strategies import check_strategy

    for name in STRATEGIES:
        check_strategy(name)
    assert len(STRATEGIES) == 10


def test_relax_steps() -> None:
    assert parse_relax("30:3,60:0") == ((30, 3), (60, 0))
    assert parse_relax(" 30：3，60:0 ") == ((30, 3), (60, 0))
    assert parse_relax("") == ()
    for bad in ("30", "a:3", "30:11", "0:3", "60:3,30:0", "30:3,60:5"):
        with pytest.raises(ValidationError):
            parse_relax(bad)


def test_admin_creates_a_queue_and_adds_agents(
    admin_client: Client, lina: User, zhou: User
) -> None:
    response = admin_client.post(
        "/acd/queues/new/", queue_data(relax="30:3,60:0", supervisors=[zhou.pk])
    )
    assert response.status_code == 302, response.content.decode()
    queue = Queue.objects.get()
    assert list(queue.supervisors.all()) == [zhou]
    assert response["Location"] == f"/acd/queues/{queue.pk}/"
    added = admin_client.post(
        f"/acd/queues/{queue.pk}/agents/", {"agent": lina.pk, "level": 1, "position": 2}
    )
    assert added.status_code == 302
    tier = Tier.objects.get()
    assert (tier.agent, tier.level, tier.position) == (lina, 1, 2)
    page = admin_client.get(f"/acd/queues/{queue.pk}/").content.decode()
    assert 'data-tier="80001"' in page
    # The same agent twice: refused, with a message (the choice is not even offered).
    again = admin_client.post(
        f"/acd/queues/{queue.pk}/agents/", {"agent": lina.pk, "level": 2, "position": 1}
    ).content.decode()
    assert "选择一个有效的选项" in again or "已在此队列中" in again
    assert Tier.objects.count() == 1
    admin_client.post(f"/acd/queues/{queue.pk}/agents/{tier.pk}/remove/")
    assert not Tier.objects.exists()


def test_duplicate_tier_is_refused_by_the_model(service: Queue, lina: User) -> None:
    Tier.objects.create(queue=service, agent=lina)
    with pytest.raises(ValidationError) as raised:
        Tier(queue=service, agent=lina, level=2).full_clean()
    assert "already in this queue" in str(raised.value) or "已在此队列中" in str(raised.value)


def test_bad_strategy_and_overflow_are_refused(admin_client: Client, service: Queue) -> None:
    text = admin_client.post(
        "/acd/queues/new/",
        queue_data(name="complaints", strategy="fastest", overflow="queue:nowhere"),
    ).content.decode()
    assert "选择一个有效的选项" in text  # Django's own message for a bad choice
    assert "没有名为 nowhere 的队列" in text
    text = admin_client.post(
        "/acd/queues/new/", queue_data(name="complaints", overflow="flow:none")
    ).content.decode()
    assert "没有名为 none 的语音导航流程" in text
    text = admin_client.post(
        "/acd/queues/new/", queue_data(name="complaints", overflow="sales")
    ).content.decode()
    assert "不是有效的目的地" in text
    text = admin_client.post(
        f"/acd/queues/{service.pk}/", queue_data(overflow="queue:service")
    ).content.decode()
    assert "队列不能溢出到自己" in text
    text = admin_client.post(
        "/acd/queues/new/", queue_data(name="complaints", relax="60:3,30:0")
    ).content.decode()
    assert "30:0" in text
    assert Queue.objects.count() == 1
    Flow.objects.create(name="demo", title="演示")
    ok = admin_client.post(
        "/acd/queues/new/",
        queue_data(name="complaints", max_wait=120, overflow="flow:demo", music="enter-digits"),
    )
    assert ok.status_code == 302, ok.content.decode()


def test_queue_in_use_cannot_be_deleted(admin_client: Client, service: Queue) -> None:
    Queue.objects.create(name="complaints", display_name="投诉建议", overflow="queue:service")
    response = admin_client.post(f"/acd/queues/{service.pk}/delete/", follow=True)
    assert "队列 complaints" in response.content.decode()
    assert Queue.objects.filter(name="service").exists()


def test_skills_and_agent_skills(admin_client: Client, lina: User) -> None:
    assert admin_client.post("/acd/skills/new/", {"name": "充电桩故障"}).status_code == 302
    skill = Skill.objects.get()
    response = admin_client.post(
        "/acd/agent-skills/new/", {"user": lina.pk, "skill": skill.pk, "proficiency": 11}
    )
    assert "1 到 10" in response.content.decode()
    response = admin_client.post(
        "/acd/agent-skills/new/", {"user": lina.pk, "skill": skill.pk, "proficiency": 7}
    )
    assert response.status_code == 302
    page = admin_client.get("/acd/skills/").content.decode()
    assert 'data-agent-skill="80001-充电桩故障"' in page
    Queue.objects.create(name="service", display_name="业务咨询", skill=skill)
    refused = admin_client.post(f"/acd/skills/{skill.pk}/delete/", follow=True).content.decode()
    assert "service" in refused
    assert Skill.objects.exists()


def test_builtin_reason_stays(admin_client: Client) -> None:
    no_answer = ReasonCode.objects.get(code="no_answer")  # made by the migration
    assert no_answer.label == "未接听"
    admin_client.post(f"/acd/reasons/{no_answer.pk}/delete/")
    assert ReasonCode.objects.filter(code="no_answer").exists()
    admin_client.post(
        f"/acd/reasons/{no_answer.pk}/",
        {"code": "missed", "label": "没接", "order": 1},  # active unticked
    )
    no_answer.refresh_from_db()
    assert (no_answer.code, no_answer.active, no_answer.label) == ("no_answer", True, "没接")
    assert (
        admin_client.post(
            "/acd/reasons/new/", {"code": "meal", "label": "就餐", "active": "on", "order": 2}
        ).status_code
        == 302
    )
    bad = admin_client.post("/acd/reasons/new/", {"code": "Meal!", "label": "x", "order": 3})
    assert "只能使用小写字母、数字和 _" in bad.content.decode()


PAGES = {
    "/acd/queues/": ("队列", "Queues"),
    "/acd/queues/new/": ("添加队列", "Add queue"),
    "/acd/skills/": ("技能", "Skills"),
    "/acd/reasons/": ("示忙原因", "Not-ready reasons"),
    "/acd/reasons/new/": ("添加示忙原因", "Add not-ready reason"),
}


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_render_for_the_admin(
    admin_client: Client, service: Queue, lina: User, url: str, language: str
) -> None:
    Tier.objects.create(queue=service, agent=lina)
    admin_client.cookies["callcenter_language"] = language
    response = admin_client.get(url)
    assert response.status_code == 200
    chinese, english = PAGES[url]
    assert f"<h1>{chinese if language == 'zh-hans' else english}</h1>" in response.content.decode()
    edit = admin_client.get(f"/acd/queues/{service.pk}/").content.decode()
    assert 'data-tier="80001"' in edit


@pytest.mark.parametrize("url", ["/acd/queues/", "/acd/skills/", "/acd/reasons/"])
def test_pages_are_forbidden_to_an_agent(lina_client: Client, url: str) -> None:
    assert lina_client.get(url).status_code == 403
