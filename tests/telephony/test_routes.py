"""Inbound routes (呼入路由): a DID on a trunk to an extension or a service number."""

from __future__ import annotations

import pytest
from django.test import Client

from callcenter.accounts.models import AuditEntry
from callcenter.telephony.models import Extension, InboundRoute, Trunk
from callcenter.telephony.services import SERVICE_NUMBERS, known_destination


@pytest.fixture
def demo_gw(db: None) -> Trunk:
    return Trunk.objects.create(name="demo-gw", host="127.0.0.1", port=5090)


def test_known_destinations(extension_70001) -> None:
    assert SERVICE_NUMBERS == ("9196", "9197")
    assert known_destination("70001")
    assert known_destination("9196")
    assert known_destination("9197")
    assert not known_destination("70002")
    assert not known_destination("4000")  # the hotline comes with the IVR, later


def test_admin_adds_lists_modifies_and_deletes_a_route(
    admin_client: Client, extension_70001, demo_gw: Trunk
) -> None:
    response = admin_client.post(
        "/telephony/routes/new/",
        {"did": "4008000000", "trunk": demo_gw.pk, "destination": "70001", "description": "热线"},
    )
    assert response.status_code == 302, response.content.decode()
    route = InboundRoute.objects.get()
    assert (route.did, route.trunk, route.destination) == ("4008000000", demo_gw, "70001")
    listing = admin_client.get("/telephony/routes/").content.decode()
    assert 'data-route="4008000000"' in listing
    assert "座席 1" in listing  # the destination's display name
    admin_client.post(
        f"/telephony/routes/{route.pk}/",
        {"did": "4008000000", "trunk": demo_gw.pk, "destination": "9196"},
    )
    route.refresh_from_db()
    assert route.destination == "9196"
    assert "回声测试" in admin_client.get("/telephony/routes/").content.decode()
    admin_client.post(f"/telephony/routes/{route.pk}/delete/")
    assert not InboundRoute.objects.exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["route_created", "route_updated", "route_deleted"]


def test_destination_must_exist(admin_client: Client, demo_gw: Trunk, extension_70001) -> None:
    response = admin_client.post(
        "/telephony/routes/new/", {"did": "4008000000", "trunk": demo_gw.pk, "destination": "4000"}
    )
    text = response.content.decode()
    assert "4000 既不是分机号码，也不是服务号码（9196 回声测试, 9197 按键回读）" in text
    assert "请先添加该分机" in text
    assert not InboundRoute.objects.exists()


def test_did_is_unique_per_trunk_and_for_any_trunk(
    admin_client: Client, demo_gw: Trunk, extension_70001
) -> None:
    other = Trunk.objects.create(name="carrier-1", host="192.0.2.1")
    InboundRoute.objects.create(did="4008000000", destination="70001", trunk=demo_gw)
    InboundRoute.objects.create(did="4008000001", destination="70001")
    same_trunk = admin_client.post(
        "/telephony/routes/new/",
        {"did": "4008000000", "trunk": demo_gw.pk, "destination": "70001"},
    ).content.decode()
    assert "该中继上已有此呼入号码的路由" in same_trunk
    any_trunk = admin_client.post(
        "/telephony/routes/new/", {"did": "4008000001", "destination": "9197"}
    ).content.decode()
    assert "已有适用于任意中继的此呼入号码路由" in any_trunk
    assert InboundRoute.objects.count() == 2
    # The same DID on another trunk is another route.
    response = admin_client.post(
        "/telephony/routes/new/",
        {"did": "4008000000", "trunk": other.pk, "destination": "9197"},
    )
    assert response.status_code == 302
    assert InboundRoute.objects.count() == 3


def test_bad_did(admin_client: Client, extension_70001) -> None:
    text = admin_client.post(
        "/telephony/routes/new/", {"did": "400-800", "destination": "70001"}
    ).content.decode()
    assert "只能输入数字，可以 + 开头" in text


def test_routed_extension_cannot_be_deleted_or_renumbered(
    admin_client: Client, extension_70001: Extension, demo_gw: Trunk
) -> None:
    InboundRoute.objects.create(did="4008000000", destination="70001", trunk=demo_gw)
    response = admin_client.post(f"/telephony/extensions/{extension_70001.pk}/delete/", follow=True)
    assert "呼入路由（4008000000）指向分机 70001" in response.content.decode()
    assert Extension.objects.filter(number="70001").exists()
    renumber = admin_client.post(
        f"/telephony/extensions/{extension_70001.pk}/",
        {"number": "70009", "display_name": "", "sip_password": "70001"},
    ).content.decode()
    assert "呼入路由（4008000000）指向分机 70001" in renumber
    extension_70001.refresh_from_db()
    assert extension_70001.number == "70001"
