"""The directory the switch reads: trunks, routes, and who may dial out (A1, A14)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client

from callcenter.accounts.models import User
from callcenter.engine import ports
from callcenter.telephony.directory import DjangoDirectory
from callcenter.telephony.models import Extension, InboundRoute, Trunk
from tests.conftest import log_in


@pytest.fixture
def directory() -> Iterator[DjangoDirectory]:
    directory = DjangoDirectory()
    yield directory
    directory.close()


def outbound(directory: DjangoDirectory) -> dict[str, bool]:
    entries = asyncio.run(directory.extensions())
    return {number: entry.outbound_allowed for number, entry in entries.items()}


@pytest.mark.django_db(transaction=True)
def test_dial_out_only_while_an_agent_is_logged_in(
    client: Client, lina: User, admin: User, extension_70001: Extension, directory
) -> None:
    Extension.objects.create(number="70002", sip_password="70002", dial_out_permitted=False)
    changes: list[int] = []
    directory.on_change(lambda: changes.append(1))
    assert outbound(directory) == {"70001": False, "70002": False}

    assert log_in(client, "80001", "70001").status_code == 302
    assert changes == [1]  # the login told the switch
    assert outbound(directory) == {"70001": True, "70002": False}

    client.post("/accounts/logout/")
    assert changes == [1, 1]  # so did the logout
    assert outbound(directory) == {"70001": False, "70002": False}

    # Logged in at an extension that may not dial out: still no.
    assert log_in(client, "80001", "70002").status_code == 302
    assert outbound(directory) == {"70001": False, "70002": False}
    client.post("/accounts/logout/")

    # A login without an extension (an administrator) changes nobody's rights.
    before = len(changes)
    assert log_in(client, "admin").status_code == 302
    assert len(changes) == before


@pytest.mark.django_db(transaction=True)
def test_change_is_announced_after_commit(directory) -> None:
    changes: list[int] = []
    directory.on_change(lambda: changes.append(1))
    with transaction.atomic():
        Extension.objects.create(number="70003", sip_password="70003")
        assert changes == []  # a switch reading now would not see it yet
    assert changes == [1]


@pytest.mark.django_db(transaction=True)
def test_fax_trunks_and_routes(extension_70001: Extension, directory) -> None:
    changes: list[int] = []
    directory.on_change(lambda: changes.append(1))
    Extension.objects.create(number="70009", sip_password="70009", fax=True)
    trunk = Trunk.objects.create(
        name="carrier-1",
        host="sip.example.com",
        port=5080,
        transport="tcp",
        username="02088886666",
        password="s3cret",
        register=True,
        register_expires=600,
        caller_id="4008000000",
    )
    Trunk.objects.create(name="demo-gw", host="127.0.0.1", port=5090, enabled=False)
    InboundRoute.objects.create(did="4008000000", destination="70001", trunk=trunk)
    InboundRoute.objects.create(did="9196", destination="9196")
    assert len(changes) == 5

    extensions = asyncio.run(directory.extensions())
    assert extensions["70009"].fax
    assert not extensions["70001"].fax
    trunks = asyncio.run(directory.trunks())
    assert trunks["carrier-1"] == ports.TrunkEntry(
        name="carrier-1",
        host="sip.example.com",
        port=5080,
        transport="tcp",
        username="02088886666",
        password="s3cret",
        register=True,
        register_expires=600,
        caller_id="4008000000",
        enabled=True,
    )
    assert trunks["demo-gw"].enabled is False
    routes = asyncio.run(directory.routes())
    assert set(routes) == {
        ports.InboundRoute(did="4008000000", destination="70001", trunk="carrier-1"),
        ports.InboundRoute(did="9196", destination="9196", trunk=""),
    }

    InboundRoute.objects.filter(did="9196").delete()
    assert len(changes) == 6
