"""Changing one's own password (B10)."""

from __future__ import annotations

from django.test import Client

from callcenter.accounts.models import AuditEntry, User
from tests.conftest import PASSWORD, log_in


def change(client: Client, old: str, new: str, confirm: str | None = None):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "password1": new, "password2": new if confirm is None else confirm},
    )


def test_agent_changes_own_password(lina_client: Client, lina: User) -> None:
    response = change(lina_client, PASSWORD, "Hotline-4000!")
    assert response.status_code == 302
    followed = lina_client.get(response["Location"])
    assert "密码已修改" in followed.content.decode()
    # Still logged in after the change, and the new password works next time.
    assert lina_client.get("/").status_code == 200
    lina.refresh_from_db()
    assert lina.check_password("Hotline-4000!")
    assert AuditEntry.objects.filter(actor=lina, action="password_changed").exists()
    lina_client.post("/accounts/logout/")
    assert log_in(lina_client, "80001", "70001", password="Hotline-4000!").status_code == 302


def test_wrong_current_password(lina_client: Client, lina: User) -> None:
    response = change(lina_client, "not-it", "Hotline-4000!")
    assert "当前密码不正确" in response.content.decode()
    lina.refresh_from_db()
    assert lina.check_password(PASSWORD)


def test_mismatch_and_weak_passwords_are_explained(lina_client: Client, lina: User) -> None:
    mismatch = change(lina_client, PASSWORD, "Hotline-4000!", "Hotline-4001!")
    assert "两次输入的密码不一致" in mismatch.content.decode()
    weak = change(lina_client, PASSWORD, "12345678")
    text = weak.content.decode()
    assert "这个密码太常见了" in text
    assert "密码只包含数字" in text
    lina.refresh_from_db()
    assert lina.check_password(PASSWORD)


def test_password_page_needs_login(client: Client, db: None) -> None:
    response = client.get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
