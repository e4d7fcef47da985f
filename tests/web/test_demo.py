"""The demo data: what everyone relies on, loaded only on request, idempotent."""

from __future__ import annotations

import pytest
from django.test import Client

from callcenter.accounts.choices import Role
from callcenter.accounts.models import Handler, Unit, User
from callcenter.telephony.models import Extension
from callcenter.web import demo
from tests.conftest import log_in


@pytest.fixture
def demo_data(db: None) -> None:
    demo.load()


def test_demo_accounts_log_in_with_their_id(demo_data: None, client: Client) -> None:
    for agent_id in [f"8000{n}" for n in range(1, 9)]:
        extension = "7" + agent_id[1:]
        assert log_in(client, agent_id, extension, password=agent_id).status_code == 302
        client.post("/accounts/logout/")
    for agent_id, password in [
        ("90001", "90001"),
        ("admin", "admin"),
        ("u1001", "u1001"),
        ("u2001", "u2001"),
    ]:
        assert log_in(client, agent_id, password=password).status_code == 302, agent_id
        client.post("/accounts/logout/")


def test_demo_content(demo_data: None) -> None:
    assert User.objects.get(agent_id="90001").role == Role.SUPERVISOR
    assert User.objects.get(agent_id="admin").role == Role.ADMINISTRATOR
    assert User.objects.get(agent_id="u1001").unit.name == "福田维修站"
    assert User.objects.get(agent_id="u2001").unit.name == "南山维修站"
    assert list(Extension.objects.values_list("number", flat=True)) == [
        str(n) for n in range(70001, 70009)
    ]
    assert Extension.objects.get(number="70003").sip_password == "70003"
    futian = Unit.objects.get(code="U1")
    assert futian.subtree_ids() == {futian.pk, Unit.objects.get(code="U1-1").pk}
    assert Handler.objects.filter(unit__code="U2").count() == 2


def test_second_load_keeps_changes(demo_data: None) -> None:
    lina = User.objects.get(agent_id="80001")
    lina.set_password("Changed-80001!")
    lina.save()
    assert sum(demo.load().values()) == 0
    lina.refresh_from_db()
    assert lina.check_password("Changed-80001!")


def test_refused_when_not_allowed(db: None, settings) -> None:
    settings.CALLCENTER_ALLOW_DEMO = False
    with pytest.raises(demo.DemoRefused):
        demo.load()
    assert not User.objects.exists()
