"""The switch's own service numbers, and which numbers a call may be routed to.

The engine cannot import Django, so it keeps its own copy of these numbers:
`SERVICES` here must match `callcenter.engine.calls.services` (same numbers, same
meaning). The names and descriptions here are what the pages show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from callcenter.telephony.models import Extension


@dataclass(frozen=True)
class Service:
    number: str
    name: str | Promise
    description: str | Promise


ECHO_TEST = "9196"
DTMF_READBACK = "9197"

SERVICES: tuple[Service, ...] = (
    Service(
        ECHO_TEST,
        _("Echo test"),
        _("Plays back what the caller says, to check the sound in both directions."),
    ),
    Service(
        DTMF_READBACK,
        _("DTMF readback"),
        _("Reads back the keys the caller presses, to check key tones (DTMF)."),
    ),
)
SERVICE_NUMBERS: tuple[str, ...] = tuple(service.number for service in SERVICES)


def known_destination(number: str) -> bool:
    """Whether calls may be routed to `number`: an existing extension or a service, or
    an existing queue or IVR flow (``queue:NAME``, ``flow:NAME``)."""
    kind, _sep, name = number.partition(":")
    if kind == "queue" and name:
        from callcenter.acd.models import Queue

        return Queue.objects.filter(name=name).exists()
    if kind == "flow" and name:
        from callcenter.ivr.models import Flow

        return Flow.objects.filter(name=name).exists()
    return number in SERVICE_NUMBERS or Extension.objects.filter(number=number).exists()


def service_numbers_text() -> str:
    """The service numbers with their names, for messages: "9196 回声测试, 9197 …"."""
    return ", ".join(f"{service.number} {service.name}" for service in SERVICES)
