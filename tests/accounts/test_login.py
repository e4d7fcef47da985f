"""Login with agent ID, password and extension; lockout; logout; re-login (B1, C1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from callcenter.accounts.choices import LoginEnd
from callcenter.accounts.models import AuditEntry, LoginRecord, LoginThrottle, User
from tests.conftest import PASSWORD, log_in


def page(response) -> str:
    return response.content.decode()


def test_login_page_is_chinese_by_default(client: Client, db: None) -> None:
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    text = page(response)
    assert 'lang="zh-hans"' in text
    for label in ("工号", "密码", "分机号码", "登录"):
        assert label in text


def test_agent_logs_in_with_extension(client: Client, lina: User, extension_70001) -> None:
    response = log_in(client, "80001", "70001")
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    text = page(home)
    assert "李娜" in text
    assert 'data-testid="extension">70001<' in text
    assert 'data-testid="role">座席<' in text
    record = LoginRecord.objects.get(user=lina)
    assert record.extension == "70001"
    assert record.logged_out_at is None
    assert AuditEntry.objects.filter(actor=lina, action="login").exists()


def test_passwords_are_hashed_with_argon2(lina: User) -> None:
    assert lina.password.startswith("argon2$")


def test_agent_without_extension_is_refused(client: Client, lina: User) -> None:
    response = log_in(client, "80001", "")
    assert response.status_code == 200
    assert "座席登录必须填写所在分机的号码" in page(response)
    assert "_auth_user_id" not in client.session


def test_unknown_extension_is_refused(client: Client, lina: User, extension_70001) -> None:
    response = log_in(client, "80001", "79999")
    assert response.status_code == 200
    assert "分机 79999 不存在" in page(response)
    assert "_auth_user_id" not in client.session
    # A right password with a wrong extension is not a failed login.
    assert not LoginThrottle.objects.filter(agent_id="80001").exists()


def test_extension_is_optional_for_others_but_must_exist(
    client: Client, zhou: User, admin: User, extension_70001
) -> None:
    assert log_in(client, "90001").status_code == 302
    client.post("/accounts/logout/")
    response = log_in(client, "admin", "12")
    assert "分机 12 不存在" in page(response)
    assert log_in(client, "admin", "70001").status_code == 302


def test_wrong_password_counts_down_then_locks(
    client: Client, lina: User, extension_70001, settings
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    first = log_in(client, "80001", "70001", password="wrong")
    assert "工号或密码错误，再错 2 次将锁定该工号" in page(first)
    log_in(client, "80001", "70001", password="wrong")
    third = log_in(client, "80001", "70001", password="wrong")
    assert "登录失败次数过多，该工号已锁定" in page(third)
    # Locked: even the right password is refused.
    locked = log_in(client, "80001", "70001")
    assert locked.status_code == 200
    assert "该工号已锁定" in page(locked)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_failed", target="80001").count() == 4


def test_lock_expires(client: Client, lina: User, extension_70001) -> None:
    LoginThrottle.objects.create(
        agent_id="80001", locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert log_in(client, "80001", "70001").status_code == 302
    assert not LoginThrottle.objects.filter(agent_id="80001").exists()


def test_unknown_agent_id_gets_the_same_answer(client: Client, db: None) -> None:
    response = log_in(client, "99999", "70001", password="whatever")
    assert "工号或密码错误" in page(response)
    assert LoginThrottle.objects.get(agent_id="99999").failures == 1


def test_deactivated_agent_cannot_log_in(client: Client, lina: User, extension_70001) -> None:
    lina.is_active = False
    lina.save()
    response = log_in(client, "80001", "70001")
    assert "该工号已停用" in page(response)
    assert "_auth_user_id" not in client.session


def test_deactivation_ends_open_sessions(lina_client: Client, lina: User) -> None:
    assert lina_client.get("/").status_code == 200
    User.objects.filter(pk=lina.pk).update(is_active=False)
    response = lina_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_empty_form_says_what_is_missing(client: Client, db: None) -> None:
    response = client.post("/accounts/login/", {"agent_id": "", "password": ""})
    text = page(response)
    assert text.count("这个字段是必填项") == 2


def test_logout_closes_the_login_record(lina_client: Client, lina: User) -> None:
    response = lina_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in lina_client.session
    record = LoginRecord.objects.get(user=lina)
    assert record.ended_by == LoginEnd.LOGOUT
    assert record.logged_out_at is not None
    assert lina_client.get("/").status_code == 302


def test_logout_needs_post(lina_client: Client) -> None:
    assert lina_client.get("/accounts/logout/").status_code == 405


def test_relogin_hands_over_to_the_next_operator(
    lina_client: Client, lina: User, zhou: User
) -> None:
    response = lina_client.post("/accounts/relogin/")
    assert response["Location"] == "/accounts/login/?handover=1"
    handover = lina_client.get(response["Location"])
    assert "交接班" in page(handover)
    assert LoginRecord.objects.get(user=lina).ended_by == LoginEnd.RELOGIN
    assert log_in(lina_client, "90001").status_code == 302
    assert page(lina_client.get("/")).count("周晓东") >= 1


def test_next_parameter_is_followed_only_on_this_site(client: Client, admin: User) -> None:
    ok = client.post(
        "/accounts/login/?next=/accounts/agents/",
        {"agent_id": "admin", "password": PASSWORD, "next": "/accounts/agents/"},
    )
    assert ok["Location"] == "/accounts/agents/"
    client.post("/accounts/logout/")
    evil = client.post(
        "/accounts/login/",
        {"agent_id": "admin", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert evil["Location"] == "/"


@pytest.mark.django_db
def test_login_form_is_protected_by_csrf(lina: User, extension_70001) -> None:
    client = Client(enforce_csrf_checks=True)
    response = log_in(client, "80001", "70001")
    assert response.status_code == 403
    assert "页面已过期" in page(response)
    # With the token from the form, it works.
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"agent_id": "80001", "password": PASSWORD, "extension": "70001"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 302
