"""Trunk administration (中继管理, A1): the form says what to fix; only administrators."""

from __future__ import annotations

import pytest
from django.test import Client

from callcenter.accounts.models import AuditEntry
from callcenter.telephony.models import InboundRoute, Trunk

GOOD = {
    "name": "carrier-1",
    "description": "电信 SIP 中继",
    "host": "sip.example.com",
    "port": "5060",
    "transport": "udp",
    "username": "02088886666",
    "password": "s3cret-trunk",
    "register": "on",
    "register_expires": "600",
    "caller_id": "4008000000",
    "enabled": "on",
}


def test_admin_adds_lists_modifies_and_deletes_a_trunk(admin_client: Client) -> None:
    response = admin_client.post("/telephony/trunks/new/", GOOD)
    assert response.status_code == 302, response.content.decode()
    trunk = Trunk.objects.get(name="carrier-1")
    assert (trunk.host, trunk.port, trunk.register, trunk.register_expires) == (
        "sip.example.com",
        5060,
        True,
        600,
    )
    listing = admin_client.get("/telephony/trunks/").content.decode()
    assert 'data-trunk="carrier-1"' in listing
    assert "sip.example.com:5060" in listing
    assert "s3cret-trunk" not in listing  # the password is never listed
    admin_client.post(
        f"/telephony/trunks/{trunk.pk}/", {**GOOD, "host": "192.0.2.20", "port": "5080"}
    )
    trunk.refresh_from_db()
    assert (trunk.host, trunk.port) == ("192.0.2.20", 5080)
    confirm = admin_client.get(f"/telephony/trunks/{trunk.pk}/delete/").content.decode()
    assert "删除中继 carrier-1？" in confirm
    assert Trunk.objects.filter(pk=trunk.pk).exists()  # asking deletes nothing
    admin_client.post(f"/telephony/trunks/{trunk.pk}/delete/")
    assert not Trunk.objects.filter(pk=trunk.pk).exists()
    entries = list(AuditEntry.objects.order_by("pk").values_list("action", "details"))
    assert [action for action, _details in entries[-3:]] == [
        "trunk_created",
        "trunk_updated",
        "trunk_deleted",
    ]
    assert "s3cret-trunk" not in str(entries)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"host": "not a host!"}, "host", "请输入 IP 地址（如 192.0.2.10）或主机名"),
        ({"host": "300.1.2.3"}, "host", "请输入 IP 地址"),
        ({"host": "sip:gw.example.com"}, "host", "不要带端口或 sip: 前缀"),
        ({"port": "0"}, "port", "端口是 1 到 65535 之间的数字"),
        ({"port": "70000"}, "port", "端口是 1 到 65535 之间的数字"),
        ({"password": ""}, "password", "需要注册的中继必须填写密码"),
        ({"username": ""}, "username", "需要注册的中继必须填写用户名"),
        ({"register": "", "username": ""}, "username", "请填写与密码对应的用户名"),
        ({"name": "电信 中继"}, "name", "只能使用字母、数字、- 和 _"),
        ({"register_expires": "30"}, "register_expires", "60 到 86400 之间的秒数"),
        ({"caller_id": "400-800"}, "caller_id", "只能输入数字"),
    ],
)
def test_bad_trunk_form_says_what_to_fix(
    admin_client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = admin_client.post("/telephony/trunks/new/", {**GOOD, **changes})
    assert response.status_code == 200
    text = response.content.decode()
    error = text[text.index(f'data-testid="error-{field}"') :]
    assert message in error[: error.index("</p>")]
    assert not Trunk.objects.exists()


def test_trunk_without_registration_needs_no_credentials(admin_client: Client) -> None:
    response = admin_client.post(
        "/telephony/trunks/new/",
        {
            "name": "gw",
            "host": "127.0.0.1",
            "port": "5090",
            "transport": "udp",
            "register_expires": "3600",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    assert Trunk.objects.get(name="gw").register is False


def test_duplicate_trunk_name(admin_client: Client) -> None:
    Trunk.objects.create(name="carrier-1", host="192.0.2.1")
    text = admin_client.post("/telephony/trunks/new/", GOOD).content.decode()
    assert "具有 名称 的 中继 已存在" in text


def test_trunk_with_routes_cannot_be_deleted(admin_client: Client, extension_70001) -> None:
    trunk = Trunk.objects.create(name="carrier-1", host="192.0.2.1")
    InboundRoute.objects.create(did="4008000000", destination="70001", trunk=trunk)
    confirm = admin_client.get(f"/telephony/trunks/{trunk.pk}/delete/").content.decode()
    assert 'data-testid="confirm-blockers"' in confirm
    assert "4008000000" in confirm
    response = admin_client.post(f"/telephony/trunks/{trunk.pk}/delete/", follow=True)
    assert "呼入路由（4008000000）使用中继 carrier-1" in response.content.decode()
    assert Trunk.objects.filter(pk=trunk.pk).exists()


TRUNK_PAGES = [
    "/telephony/trunks/",
    "/telephony/trunks/new/",
    "/telephony/routes/",
    "/telephony/routes/new/",
]


@pytest.mark.parametrize("url", TRUNK_PAGES)
def test_agent_cannot_manage_trunks_or_routes(lina_client: Client, url: str) -> None:
    response = lina_client.get(url)
    assert response.status_code == 403
    assert "您的角色无权打开此页面" in response.content.decode()


def test_agent_cannot_post_a_trunk(lina_client: Client) -> None:
    assert lina_client.post("/telephony/trunks/new/", GOOD).status_code == 403
    trunk = Trunk.objects.create(name="gw", host="127.0.0.1")
    assert lina_client.post(f"/telephony/trunks/{trunk.pk}/delete/").status_code == 403
    assert Trunk.objects.filter(pk=trunk.pk).exists()
    assert not Trunk.objects.filter(name="carrier-1").exists()
