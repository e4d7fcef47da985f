"""Customers, vehicles and contacts in the web (B2, B6, B12), as an agent uses them.

Persona: lina (agent 80001 at 70001) keeps the customer records while she takes calls.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from callcenter.accounts.models import User
from callcenter.crm import demo
from callcenter.crm.customers import create_customer, customers_for_caller
from callcenter.crm.models import Contact, Customer, Vehicle
from callcenter.recordings.models import CallRecord
from callcenter.telephony.models import Extension
from callcenter.tickets.models import Ticket
from tests.conftest import log_in


def test_customer_numbers_are_given_in_order_and_never_typed(lina_client: Client) -> None:
    page = lina_client.get("/crm/customers/new/")
    assert "customer_number" not in page.content.decode()
    response = lina_client.post(
        "/crm/customers/new/",
        {"name": "赵六", "kind": "person", "phones": "+86 139-1234-0000，0755 2688 0000"},
    )
    first = Customer.objects.get(name="赵六")
    assert response.status_code == 302
    assert response["Location"] == f"/crm/customers/{first.number}/"
    assert [(p.number, p.label) for p in first.phones.all()] == [
        ("13912340000", "mobile"),
        ("075526880000", "home"),
    ]
    second = create_customer(None, name="钱七", phones=[("13500000001", "mobile")])
    assert first.number.startswith("KH")
    assert len(first.number) == 10
    assert int(second.number[2:]) == int(first.number[2:]) + 1


def test_a_wrong_phone_is_named_in_chinese_and_nothing_is_saved(lina_client: Client) -> None:
    response = lina_client.post(
        "/crm/customers/new/", {"name": "赵六", "kind": "person", "phones": "13800138000, 12345"}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "12345" in text
    assert "手机" in text
    assert not Customer.objects.filter(name="赵六").exists()


def test_the_caller_id_of_a_call_finds_the_demo_customer(db: None) -> None:
    demo.load()
    for caller_id in ("13800138000", "+8613800138000", "008613800138000", "013800138000"):
        assert [c.name for c in customers_for_caller(caller_id)] == ["张三"]
    found = customers_for_caller("26881234")  # 李四's home line, called locally
    assert [c.name for c in found] == ["李四"]
    assert list(customers_for_caller("anonymous")) == []
    assert list(customers_for_caller("9" * 40)) == []
    assert list(customers_for_caller("13000000000")) == []


def test_search_by_name_number_phone_and_plate(lina_client: Client) -> None:
    demo.load()
    zhang = Customer.objects.get(name="张三")
    for text in ("张", zhang.number, "+86 138 0013 8000", "粤b·12345"):
        page = lina_client.get("/crm/customers/", {"q": text}).content.decode()
        assert f'data-customer="{zhang.number}"' in page, text
        assert 'data-customer="' + Customer.objects.get(name="王五").number not in page
    page = lina_client.get("/crm/customers/", {"q": "13000000000"}).content.decode()
    assert "查无此客户信息!" in page


def test_the_customer_page_shows_vehicles_and_makes_tickets_for_the_customer(
    lina_client: Client, lina: User
) -> None:
    demo.load()
    zhang = Customer.objects.get(name="张三")
    page = lina_client.get(f"/crm/customers/{zhang.number}/").content.decode()
    assert 'data-plate="粤B12345"' in page
    assert "比亚迪" in page
    link = f"/tickets/new/?kind=fault&customer={zhang.number}"
    assert link in page.replace("&amp;", "&")
    form = lina_client.get(link + "&customer_name=张三&contact_phone=13800138000")
    assert "张三" in form.content.decode()
    response = lina_client.post(
        link,
        {
            "kind": "fault",
            "customer_name": "张三",
            "contact_phone": "13800138000",
            "vehicle_plate": "粤B12345",
            "priority": "2",
            "description": "充电桩无法启动充电",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(description="充电桩无法启动充电")
    assert ticket.customer == zhang
    page = lina_client.get(f"/crm/customers/{zhang.number}/").content.decode()
    assert f'data-ticket="{ticket.number}"' in page


def test_vehicles_are_checked_added_and_removed(lina_client: Client) -> None:
    customer = create_customer(None, name="赵六", phones=[("13912340000", "mobile")])
    base = f"/crm/customers/{customer.number}/vehicles/"
    response = lina_client.post(base + "new/", {"plate": "粤B1234I", "vin": "LGXC16DF5N001234I"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "粤B12345" in text  # the plate message shows the right form
    assert "VIN" in text
    response = lina_client.post(base + "new/", {"plate": "粤b·d12345", "vin": "lgxc16df5n0099999"})
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(owner=customer)
    assert (vehicle.plate, vehicle.vin) == ("粤BD12345", "LGXC16DF5N0099999")
    other = create_customer(None, name="钱七", phones=[("13500000001", "mobile")])
    response = lina_client.post(
        f"/crm/customers/{other.number}/vehicles/new/", {"plate": "粤BD12345"}
    )
    assert response.status_code == 200  # one plate, one vehicle
    assert Vehicle.objects.count() == 1
    lina_client.post(base + f"{vehicle.pk}/delete/")
    assert not Vehicle.objects.exists()


def test_contacts_directory(lina_client: Client) -> None:
    demo.load()
    response = lina_client.post(
        "/crm/contacts/new/", {"name": "孙丽", "kind": "external", "organization": "福田维修站"}
    )
    assert response.status_code == 200  # no way to reach her: refused
    assert "至少" in response.content.decode()
    response = lina_client.post(
        "/crm/contacts/new/",
        {
            "name": "孙丽",
            "kind": "external",
            "organization": "福田维修站",
            "mobile": "+86 136 0013 6003",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.get(name="孙丽").mobile == "13600136003"
    page = lina_client.get("/crm/contacts/", {"q": "福田"}).content.decode()
    assert 'data-contact="孙丽"' in page
    assert 'data-contact="陈工"' in page
    assert 'data-contact="刘经理"' not in page
    assert 'data-dial="013600136003"' in page
    internal = lina_client.get("/crm/contacts/", {"kind": "internal"}).content.decode()
    assert 'data-dial="70008"' in internal
    assert 'data-contact="陈工"' not in internal


@pytest.mark.parametrize("path", ["/crm/customers/", "/crm/contacts/", "/crm/customers/new/"])
def test_a_unit_operator_may_not_open_the_crm(sunli_client: Client, path: str) -> None:
    assert sunli_client.get(path).status_code == 403


def test_the_customer_page_finds_calls_whatever_form_the_caller_id_came_in(
    client: Client, zhou: User, extension_70001: Extension
) -> None:
    demo.load()
    assert log_in(client, "90001", "70001").status_code == 302
    now = timezone.now()
    for n, caller in enumerate(("+8613800138000", "013800138000", "13900000000")):
        CallRecord.objects.create(  # answered at his extension: calls he may see
            call_id=f"c{n}", caller=caller, dialled="4000", answered_by="70001", started_at=now
        )
    zhang = Customer.objects.get(name="张三")
    page = client.get(f"/crm/customers/{zhang.number}/").content.decode()
    assert "<td>+8613800138000</td>" in page
    assert "<td>013800138000</td>" in page
    assert "13900000000" not in page
