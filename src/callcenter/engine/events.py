"""The events the switch emits: plain frozen dataclasses with a type name and a timestamp.

Everything the service desk learns about the switch comes as one of these through the
`EventSink` port: call records, the live pages and reports are built from them. Times
are wall-clock seconds (``time.time()``), so they can be stored and shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar


class RegistrationChange(StrEnum):
    ADDED = "added"  # a new contact for an extension
    REFRESHED = "refreshed"  # the same contact registered again (new expiry)
    REMOVED = "removed"  # unregistered by the phone
    EXPIRED = "expired"  # not refreshed in time
    REPLACED = "replaced"  # pushed out by a newer contact (too many contacts)


@dataclass(frozen=True, slots=True)
class Binding:
    """One registered contact of an extension, as the registrar keeps it."""

    extension: str
    contact: str  # the Contact URI as the phone sent it
    transport: str  # udp | tcp
    source_host: str  # where the REGISTER really came from (NAT-safe target)
    source_port: int
    expires_at: float  # wall clock
    user_agent: str = ""
    call_id: str = ""
    cseq: int = 0
    registered_at: float = 0.0
    q: float | None = None


@dataclass(frozen=True, slots=True)
class Event:
    type: ClassVar[str] = "event"
    at: float


@dataclass(frozen=True, slots=True)
class RegistrationChanged(Event):
    type: ClassVar[str] = "registration_changed"
    change: RegistrationChange
    binding: Binding


@dataclass(frozen=True, slots=True)
class EngineStarted(Event):
    """The switch is up; anything recorded as live by an earlier run is stale."""

    type: ClassVar[str] = "engine_started"
    node: str
    sip_addresses: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class EngineStopped(Event):
    type: ClassVar[str] = "engine_stopped"
    node: str
