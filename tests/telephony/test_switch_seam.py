"""The Django side of the seam: the directory the switch reads, the events it writes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.test import Client

from callcenter.engine.events import (
    Binding,
    EngineStarted,
    RegistrationChange,
    RegistrationChanged,
    TrunkRegistrationChanged,
)
from callcenter.telephony.directory import DjangoDirectory
from callcenter.telephony.event_sink import apply_events
from callcenter.telephony.models import Extension, Registration, Trunk

NOW = 1_800_000_000.0


def binding(number: str = "70001", contact: str = "sip:70001@10.0.0.5:5062") -> Binding:
    return Binding(
        extension=number,
        contact=contact,
        transport="udp",
        source_host="192.0.2.10",
        source_port=40000,
        expires_at=NOW + 3600,
        user_agent="baresip v1.0.0",
        registered_at=NOW,
    )


def changed(change: RegistrationChange, **kwargs) -> RegistrationChanged:
    return RegistrationChanged(at=NOW, change=change, binding=binding(**kwargs))


@pytest.mark.django_db(transaction=True)
def test_directory_reads_extensions_and_reports_changes(extension_70001) -> None:
    directory = DjangoDirectory()
    calls: list[int] = []
    directory.on_change(lambda: calls.append(1))
    try:
        entries = asyncio.run(directory.extensions())
        assert entries["70001"].sip_password == "70001"
        Extension.objects.create(number="70002", sip_password="secret-2")
        assert calls == [1]
        Extension.objects.filter(number="70002").delete()  # queryset delete sends signals too
        assert calls == [1, 1]
    finally:
        directory.close()


def test_registration_events_are_stored(extension_70001) -> None:
    assert apply_events([changed(RegistrationChange.ADDED)], "callcenter")
    registration = Registration.objects.get()
    assert registration.source == "192.0.2.10:40000"
    assert registration.user_agent == "baresip v1.0.0"
    apply_events([changed(RegistrationChange.REFRESHED)], "callcenter")
    assert Registration.objects.count() == 1
    apply_events([changed(RegistrationChange.EXPIRED)], "callcenter")
    assert not Registration.objects.exists()


def test_engine_start_clears_stale_registrations(extension_70001) -> None:
    apply_events([changed(RegistrationChange.ADDED)], "callcenter")
    apply_events([EngineStarted(at=NOW, node="callcenter")], "callcenter")
    assert not Registration.objects.exists()


def test_events_for_unknown_extensions_are_ignored(db: None) -> None:
    assert not apply_events([changed(RegistrationChange.ADDED, number="79999")], "callcenter")


def test_extensions_page_shows_live_registrations(admin_client: Client, extension_70001) -> None:
    Extension.objects.create(number="70002", sip_password="70002")
    apply_events([changed(RegistrationChange.ADDED)], "callcenter")
    page = admin_client.get("/telephony/extensions/").content.decode()
    assert 'data-testid="registration-70001"' in page
    assert "sip:70001@10.0.0.5:5062" in page
    assert "baresip v1.0.0" in page
    assert 'data-testid="unregistered-70002"' in page
    assert "未注册" in page
    fragment = admin_client.get("/telephony/extensions/?fragment=1").content.decode()
    assert fragment.lstrip().startswith("<table")
    assert "sip:70001@10.0.0.5:5062" in fragment


def test_a_burst_keeps_only_the_last_event_of_each_contact(extension_70001) -> None:
    other = "sip:70001@10.0.0.6:5062"
    first, last = binding(), replace(binding(), expires_at=NOW + 7200.6)
    assert apply_events(
        [
            RegistrationChanged(at=NOW, change=RegistrationChange.ADDED, binding=first),
            changed(RegistrationChange.ADDED, contact=other),
            RegistrationChanged(at=NOW, change=RegistrationChange.REFRESHED, binding=last),
            changed(RegistrationChange.REMOVED, contact=other),
        ],
        "callcenter",
    )
    (registration,) = Registration.objects.all()
    assert registration.contact == "sip:70001@10.0.0.5:5062"
    assert registration.expires_at == datetime.fromtimestamp(NOW + 7200, tz=UTC)  # to the second


def test_a_refresh_from_a_new_address_is_stored_whole(extension_70001) -> None:
    apply_events([changed(RegistrationChange.ADDED)], "callcenter")
    moved = replace(binding(), source_port=40002, user_agent="baresip v1.1.0")
    apply_events(
        [RegistrationChanged(at=NOW, change=RegistrationChange.REFRESHED, binding=moved)],
        "callcenter",
    )
    registration = Registration.objects.get()
    assert (registration.source, registration.user_agent) == ("192.0.2.10:40002", "baresip v1.1.0")


def test_engine_start_inside_a_batch_voids_what_came_before(extension_70001) -> None:
    apply_events([changed(RegistrationChange.ADDED, contact="sip:70001@10.0.0.9")], "callcenter")
    apply_events(
        [
            changed(RegistrationChange.ADDED, contact="sip:70001@10.0.0.7"),
            EngineStarted(at=NOW, node="callcenter"),
            changed(RegistrationChange.ADDED, contact="sip:70001@10.0.0.8"),
        ],
        "callcenter",
    )
    assert list(Registration.objects.values_list("contact", flat=True)) == ["sip:70001@10.0.0.8"]


def test_a_thousand_refreshes_take_a_handful_of_queries(
    db: None, django_assert_max_num_queries
) -> None:
    numbers = [str(n) for n in range(71000, 72000)]
    Extension.objects.bulk_create(Extension(number=n, sip_password=n) for n in numbers)
    apply_events([changed(RegistrationChange.ADDED, number=n) for n in numbers], "callcenter")
    refreshed = [
        RegistrationChanged(
            at=NOW,
            change=RegistrationChange.REFRESHED,
            binding=replace(binding(number=n), expires_at=NOW + 3900 + i / 1000),
        )
        for i, n in enumerate(numbers)
    ]
    with django_assert_max_num_queries(6):
        assert apply_events(refreshed, "callcenter")
    assert Registration.objects.count() == 1000
    assert not Registration.objects.exclude(
        expires_at=datetime.fromtimestamp(NOW + 3900, tz=UTC)
    ).exists()


def test_the_switch_registration_to_a_trunk_is_shown(admin_client: Client, db: None) -> None:
    Trunk.objects.create(
        name="carrier", host="127.0.0.1", username="acct", password="pw", register=True
    )
    page = admin_client.get("/telephony/trunks/").content.decode()
    assert "尚未注册" in page
    assert apply_events(
        [TrunkRegistrationChanged(NOW, "carrier", True, 200, "", NOW + 3600)], "callcenter"
    )
    trunk = Trunk.objects.get(name="carrier")
    assert trunk.registered is True
    assert trunk.registered_until is not None
    assert "已注册" in admin_client.get("/telephony/trunks/").content.decode()
    apply_events([TrunkRegistrationChanged(NOW, "carrier", False, 403, "Forbidden")], "callcenter")
    page = admin_client.get("/telephony/trunks/").content.decode()
    assert "注册失败（403）" in page
