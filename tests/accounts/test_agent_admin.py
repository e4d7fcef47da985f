"""Agent administration (B11, B13): add, query, modify, reset password, deactivate."""

from __future__ import annotations

from django.test import Client

from callcenter.accounts.choices import Role
from callcenter.accounts.models import AuditEntry, LoginThrottle, Unit, User
from tests.conftest import log_in


def rows(response) -> list[str]:
    text = response.content.decode()
    return [part.split('"', 1)[0] for part in text.split('data-agent="')[1:]]


def test_admin_adds_an_agent_who_can_log_in(
    admin_client: Client, admin: User, extension_70001
) -> None:
    response = admin_client.post(
        "/accounts/agents/new/",
        {
            "agent_id": "80009",
            "name": "钱多多",
            "role": Role.AGENT,
            "unit": "",
            "phone": "13800000009",
            "password1": "Agent-80009!",
            "password2": "Agent-80009!",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(agent_id="80009")
    assert created.name == "钱多多"
    assert created.password.startswith("argon2$")
    assert AuditEntry.objects.filter(actor=admin, action="agent_created").exists()
    other = Client()
    assert log_in(other, "80009", "70001", password="Agent-80009!").status_code == 302


def test_bad_agent_form_says_what_to_fix(admin_client: Client, lina: User) -> None:
    response = admin_client.post(
        "/accounts/agents/new/",
        {
            "agent_id": "80001",
            "name": "",
            "role": Role.UNIT_OPERATOR,
            "password1": "a",
            "password2": "b",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "具有 工号 的 用户 已存在" in text
    assert "两次输入的密码不一致" in text
    assert "这个字段是必填项" in text
    bad_id = admin_client.post(
        "/accounts/agents/new/",
        {
            "agent_id": "80 01",
            "name": "x",
            "role": Role.AGENT,
            "password1": "Qq-123456!",
            "password2": "Qq-123456!",
        },
    )
    assert "工号由 2 到 20 个字母、数字、点、横线或下划线组成" in bad_id.content.decode()
    assert User.objects.count() == 2


def test_unit_operator_must_have_a_unit(admin_client: Client, futian: Unit) -> None:
    data = {
        "agent_id": "u1002",
        "name": "郑操作",
        "role": Role.UNIT_OPERATOR,
        "password1": "Unit-op-1002!",
        "password2": "Unit-op-1002!",
    }
    refused = admin_client.post("/accounts/agents/new/", data)
    assert "二级单位操作员必须属于一个二级单位" in refused.content.decode()
    accepted = admin_client.post("/accounts/agents/new/", {**data, "unit": futian.pk})
    assert accepted.status_code == 302
    assert User.objects.get(agent_id="u1002").unit == futian


def test_query_filters_by_id_name_role_unit_and_state(
    admin_client: Client, lina: User, zhou: User, sunli: User, futian: Unit
) -> None:
    assert set(rows(admin_client.get("/accounts/agents/"))) == {"80001", "90001", "admin", "u1001"}
    assert rows(admin_client.get("/accounts/agents/?agent_id=800")) == ["80001"]
    assert rows(admin_client.get("/accounts/agents/?name=晓东")) == ["90001"]
    assert rows(admin_client.get(f"/accounts/agents/?role={Role.SUPERVISOR}")) == ["90001"]
    assert rows(admin_client.get(f"/accounts/agents/?unit={futian.pk}")) == ["u1001"]
    lina.is_active = False
    lina.save()
    assert rows(admin_client.get("/accounts/agents/?state=inactive")) == ["80001"]
    LoginThrottle.objects.create(agent_id="90001", locked_until="2099-01-01T00:00:00Z")
    assert rows(admin_client.get("/accounts/agents/?state=locked")) == ["90001"]
    active = rows(admin_client.get("/accounts/agents/?state=active"))
    assert set(active) == {"admin", "u1001"}


def test_modify_agent(admin_client: Client, lina: User) -> None:
    response = admin_client.post(
        f"/accounts/agents/{lina.pk}/",
        {"name": "李娜娜", "role": Role.SUPERVISOR, "unit": "", "phone": ""},
    )
    assert response.status_code == 302
    lina.refresh_from_db()
    assert (lina.name, lina.role) == ("李娜娜", Role.SUPERVISOR)
    entry = AuditEntry.objects.get(action="agent_updated")
    assert entry.details == {"fields": ["name", "role"]}


def test_reset_password_also_unlocks(admin_client: Client, lina: User, extension_70001) -> None:
    LoginThrottle.objects.create(agent_id="80001", locked_until="2099-01-01T00:00:00Z")
    response = admin_client.post(
        f"/accounts/agents/{lina.pk}/password/",
        {"password1": "Reset-80001!", "password2": "Reset-80001!"},
    )
    assert response.status_code == 302
    assert log_in(Client(), "80001", "70001", password="Reset-80001!").status_code == 302


def test_unlock(admin_client: Client, lina: User) -> None:
    LoginThrottle.objects.create(agent_id="80001", locked_until="2099-01-01T00:00:00Z")
    listing = admin_client.get("/accounts/agents/").content.decode()
    assert "已锁定" in listing
    admin_client.post(f"/accounts/agents/{lina.pk}/unlock/")
    assert not LoginThrottle.objects.filter(agent_id="80001").exists()


def test_deactivate_keeps_history_and_activate_restores(
    admin_client: Client, lina: User, extension_70001
) -> None:
    assert log_in(Client(), "80001", "70001").status_code == 302
    response = admin_client.post(f"/accounts/agents/{lina.pk}/deactivate/")
    assert response.status_code == 302
    lina.refresh_from_db()
    assert not lina.is_active
    assert lina.deactivated_at is not None
    assert lina.logins.count() == 1  # history kept
    assert log_in(Client(), "80001", "70001").status_code == 200
    admin_client.post(f"/accounts/agents/{lina.pk}/activate/")
    lina.refresh_from_db()
    assert lina.is_active
    assert log_in(Client(), "80001", "70001").status_code == 302


def test_admin_cannot_deactivate_self(admin_client: Client, admin: User) -> None:
    response = admin_client.post(f"/accounts/agents/{admin.pk}/deactivate/", follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_last_administrator_keeps_its_role(admin_client: Client, admin: User) -> None:
    response = admin_client.post(
        f"/accounts/agents/{admin.pk}/", {"name": "x", "role": Role.AGENT, "unit": "", "phone": ""}
    )
    assert "这是最后一个在用的管理员" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMINISTRATOR


def test_deactivate_needs_post(admin_client: Client, lina: User) -> None:
    assert admin_client.get(f"/accounts/agents/{lina.pk}/deactivate/").status_code == 405


def test_unknown_agent_is_404_in_the_shell(admin_client: Client) -> None:
    response = admin_client.get("/accounts/agents/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_password_of_created_agent_follows_rules(admin_client: Client) -> None:
    response = admin_client.post(
        "/accounts/agents/new/",
        {
            "agent_id": "80010",
            "name": "短密码",
            "role": Role.AGENT,
            "password1": "80010",
            "password2": "80010",
        },
    )
    assert "密码长度太短：至少需要 8 个字符" in response.content.decode()
    assert not User.objects.filter(agent_id="80010").exists()
