"""Each role sees and does only its part (D2): menus and pages by capability."""

from __future__ import annotations

import pytest
from django.test import Client

from callcenter.accounts.choices import Role
from callcenter.accounts.models import Unit, User
from callcenter.accounts.roles import ROLE_CAPABILITIES, Capability, has_capability
from tests.conftest import log_in

ADMIN_PAGES = [
    "/accounts/agents/",
    "/accounts/agents/new/",
    "/telephony/extensions/",
    "/telephony/extensions/new/",
]


def test_every_role_has_capabilities() -> None:
    assert set(ROLE_CAPABILITIES) == set(Role.values)


def test_supervisor_is_also_an_agent(zhou: User) -> None:
    assert has_capability(zhou, Capability.AGENT_DESK)
    assert has_capability(zhou, Capability.SUPERVISE)
    assert not has_capability(zhou, Capability.ADMINISTER)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_unit_operator_is_refused_admin_pages(sunli_client: Client, url: str) -> None:
    response = sunli_client.get(url)
    assert response.status_code == 403
    assert "您的角色无权打开此页面" in response.content.decode()


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_agent_is_refused_admin_pages(lina_client: Client, url: str) -> None:
    assert lina_client.get(url).status_code == 403


def test_refused_posts_change_nothing(sunli_client: Client, lina: User) -> None:
    response = sunli_client.post(f"/accounts/agents/{lina.pk}/deactivate/")
    assert response.status_code == 403
    lina.refresh_from_db()
    assert lina.is_active


def test_django_admin_site_is_for_administrators_only(
    lina: User, sunli: User, extension_70001
) -> None:
    for agent_id, extension in (("80001", "70001"), ("u1001", "")):
        client = Client()
        assert log_in(client, agent_id, extension).status_code == 302  # logged in
        assert client.get("/").status_code == 200
        response = client.get("/admin/accounts/unit/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_administrator_opens_units_admin(admin_client: Client, futian: Unit) -> None:
    response = admin_client.get("/admin/accounts/unit/")
    assert response.status_code == 200
    assert "福田维修站" in response.content.decode()


def menu_labels(client: Client) -> str:
    text = client.get("/").content.decode()
    return text[text.index('class="sidebar"') : text.index('class="workarea"')]


def test_menu_follows_the_role(lina_client: Client) -> None:
    agent_menu = menu_labels(lina_client)
    assert "密码修改" in agent_menu
    assert "座席员资料管理" not in agent_menu
    assert "分机管理" not in agent_menu


def test_admin_menu_has_administration(admin_client: Client) -> None:
    menu = menu_labels(admin_client)
    for label in ("座席员资料管理", "座席员查询", "座席员添加", "分机管理", "二级单位", "密码修改"):
        assert label in menu


def test_unit_operator_header_shows_unit(sunli_client: Client) -> None:
    text = sunli_client.get("/").content.decode()
    assert 'data-testid="unit">福田维修站<' in text
    assert 'data-testid="role">二级单位操作员<' in text
    menu = menu_labels(sunli_client)
    assert "座席员资料管理" not in menu


def test_unit_operator_needs_a_unit(db: None) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        User.objects.create_user("u9", "x", name="无单位", role=Role.UNIT_OPERATOR)
