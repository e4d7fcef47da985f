"""The Django side of the seam: the directory the switch reads, the events it writes."""

from __future__ import annotations

import asyncio

import pytest
from django.test import Client

from callcenter.engine.events import (
    Binding,
    EngineStarted,
    RegistrationChange,
    RegistrationChanged,
)
from callcenter.telephony.directory import DjangoDirectory
from callcenter.telephony.event_sink import apply_events
from callcenter.telephony.models import Extension, Registration

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
