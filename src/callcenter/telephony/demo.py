"""Demo telephony: extensions 70001–70008 (SIP password equal to the number), the trunk
`demo-gw` and the DID 4008000000 on it (demo data only).

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
# For now the hotline DID rings extension 70001; the demo IVR (hotline 4000) comes with
# a later issue and will take this route over (destination 4000).
HOTLINE_DID = "4008000000"
HOTLINE_DESTINATION = "70001"


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
