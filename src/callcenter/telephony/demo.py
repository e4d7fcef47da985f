"""Demo telephony: extensions 70001–70008 (SIP password equal to the number), the trunk
`demo-gw` and the DID 4008000000 on it (demo data only); the hotline 4000 once the demo
IVR flow exists (`route_hotline_to`, called by `callcenter.ivr.demo`).

`demo-gw` stands in for the seed's E1 gateway: calls from 127.0.0.1:5090 are taken as
coming from it, without registration. Every demo extension may dial out (while an agent
is logged in at it). Only what is missing is created; changes made since are kept.
"""

from __future__ import annotations

from callcenter.telephony.models import Extension, InboundRoute, Trunk

EXTENSIONS = [(str(number), f"座席电话 {number}") for number in range(70001, 70009)]
TRUNK = {
    "name": "demo-gw",
    "host": "127.0.0.1",
    "port": 5090,
    "transport": "udp",
    "register": False,
    "description": "演示网关（代替 E1 语音网关）",
}
# The hotline DID first rings extension 70001; the demo IVR takes it over.
HOTLINE_DID = "4008000000"
HOTLINE_DESTINATION = "70001"
HOTLINE_NUMBER = "4000"  # an inbound route for any trunk: extensions may dial it too


def load() -> int:
    created = 0
    for number, display_name in EXTENSIONS:
        _extension, made = Extension.objects.get_or_create(
            number=number,
            defaults={
                "sip_password": number,
                "display_name": display_name,
                "dial_out_permitted": True,
            },
        )
        created += made
    fields = {key: value for key, value in TRUNK.items() if key != "name"}
    trunk, made = Trunk.objects.get_or_create(name=TRUNK["name"], defaults=fields)
    created += made
    _route, made = InboundRoute.objects.get_or_create(
        did=HOTLINE_DID,
        trunk=trunk,
        defaults={"destination": HOTLINE_DESTINATION, "description": "客服热线（演示）"},
    )
    created += made
    return created


def route_hotline_to(destination: str) -> int:
    """Route the hotline 4000 and the demo DID to ``destination`` (the demo IVR flow):
    the DID only while it still leads to the first demo destination, so an
    administrator's change is kept. Returns how many rows were created."""
    _route, made = InboundRoute.objects.get_or_create(
        did=HOTLINE_NUMBER,
        trunk=None,
        defaults={"destination": destination, "description": "客服热线（演示，分机可拨）"},
    )
    InboundRoute.objects.filter(
        did=HOTLINE_DID, trunk__name=TRUNK["name"], destination=HOTLINE_DESTINATION
    ).update(destination=destination)
    return int(made)
