"""Demo telephony: the trunk demo-gw and the hotline DID, loaded once, changes kept."""

from __future__ import annotations

from callcenter.telephony import demo
from callcenter.telephony.models import Extension, InboundRoute, Trunk


def test_demo_trunk_route_and_extensions(db: None) -> None:
    assert demo.load() == 8 + 1 + 1
    trunk = Trunk.objects.get(name="demo-gw")
    assert (trunk.host, trunk.port, trunk.transport, trunk.register) == (
        "127.0.0.1",
        5090,
        "udp",
        False,
    )
    route = InboundRoute.objects.get()
    assert (route.did, route.trunk, route.destination) == ("4008000000", trunk, "70001")
    assert Extension.objects.count() == 8
    assert all(Extension.objects.values_list("dial_out_permitted", flat=True))
    route.full_clean()  # the demo's route is valid by the form's rules too
    trunk.full_clean()


def test_second_load_creates_nothing_and_keeps_changes(db: None) -> None:
    demo.load()
    InboundRoute.objects.update(destination="70008")
    Trunk.objects.update(port=5091)
    assert demo.load() == 0
    assert InboundRoute.objects.get().destination == "70008"
    assert Trunk.objects.get().port == 5091
    assert Trunk.objects.count() == 1
