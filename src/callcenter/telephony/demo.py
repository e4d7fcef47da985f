"""Demo extensions 70001–70008, SIP password equal to the number (demo data only)."""

from __future__ import annotations

from callcenter.telephony.models import Extension

EXTENSIONS = [(str(number), f"座席电话 {number}") for number in range(70001, 70009)]


def load() -> int:
    created = 0
    for number, display_name in EXTENSIONS:
        _extension, made = Extension.objects.get_or_create(
            number=number, defaults={"sip_password": number, "display_name": display_name}
        )
        created += made
    return created
