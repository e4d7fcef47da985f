"""Extension administration (B13): number, SIP password, display name."""

from __future__ import annotations

from django.test import Client

from callcenter.accounts.models import AuditEntry
from callcenter.telephony.models import Extension


def test_admin_adds_lists_modifies_and_deletes(admin_client: Client) -> None:
    response = admin_client.post(
        "/telephony/extensions/new/",
        {"number": "70009", "display_name": "质检席", "sip_password": "s3cret-70009"},
    )
    assert response.status_code == 302
    extension = Extension.objects.get(number="70009")
    listing = admin_client.get("/telephony/extensions/").content.decode()
    assert 'data-extension="70009"' in listing
    assert "质检席" in listing
    admin_client.post(
        f"/telephony/extensions/{extension.pk}/",
        {"number": "70009", "display_name": "质检席 2", "sip_password": "s3cret-70009"},
    )
    extension.refresh_from_db()
    assert extension.display_name == "质检席 2"
    admin_client.post(f"/telephony/extensions/{extension.pk}/delete/")
    assert not Extension.objects.filter(number="70009").exists()
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("pk"))
    assert actions[-3:] == ["extension_created", "extension_updated", "extension_deleted"]


def test_bad_extension_form(admin_client: Client, extension_70001) -> None:
    response = admin_client.post(
        "/telephony/extensions/new/",
        {"number": "7000a", "display_name": "", "sip_password": "a b"},
    )
    text = response.content.decode()
    assert "分机号码由 2 到 10 位数字组成" in text
    assert "只能使用字母、数字和标点，不能有空格" in text
    duplicate = admin_client.post(
        "/telephony/extensions/new/",
        {"number": "70001", "display_name": "", "sip_password": "secret1"},
    )
    assert "具有 号码 的 分机 已存在" in duplicate.content.decode()
    assert Extension.objects.count() == 1


def test_search(admin_client: Client, extension_70001) -> None:
    Extension.objects.create(number="70002", sip_password="70002", display_name="投诉席")
    text = admin_client.get("/telephony/extensions/?q=投诉").content.decode()
    assert 'data-extension="70002"' in text
    assert 'data-extension="70001"' not in text
