"""The demo contact center: queues, reasons, the IVR flow and the hotline routes."""

from __future__ import annotations

import pytest

from callcenter.acd.models import Queue, ReasonCode, Tier
from callcenter.engine.ivr.check import check_flow
from callcenter.engine.ivr.flow import Flow as FlowData
from callcenter.ivr.models import Flow
from callcenter.telephony.models import InboundRoute
from callcenter.web import demo


@pytest.fixture
def settings_allow_demo(settings):
    settings.CALLCENTER_ALLOW_DEMO = True


def test_demo_loads_twice_without_duplicates(db: None, settings_allow_demo) -> None:
    demo.load()
    counts = (Queue.objects.count(), Tier.objects.count(), ReasonCode.objects.count())
    assert counts == (2, 8, 6)
    service = Queue.objects.get(name="service")
    assert service.display_name == "业务咨询"
    assert service.strategy == "longest-idle"
    assert list(service.tiers.values_list("agent__agent_id", flat=True)) == [
        "80001",
        "80002",
        "80003",
        "80004",
    ]
    assert list(
        Queue.objects.get(name="complaints").supervisors.values_list("agent_id", flat=True)
    ) == ["90001"]
    did = InboundRoute.objects.get(did="4008000000")
    assert did.destination == "flow:demo"
    hotline = InboundRoute.objects.get(did="4000")
    assert (hotline.trunk, hotline.destination) == (None, "flow:demo")
    did.full_clean()
    hotline.full_clean()
    flow = FlowData.from_dict("demo", Flow.objects.get(name="demo").definition)
    assert check_flow(flow, queues={"service", "complaints"}, flows={"demo"}) == []
    assert flow.start == "welcome"

    assert demo.load()["acd"] == 0
    assert demo.load()["ivr"] == 0
    assert (Queue.objects.count(), Tier.objects.count(), ReasonCode.objects.count()) == counts
    assert InboundRoute.objects.count() == 2


def test_an_administrators_route_is_kept(db: None, settings_allow_demo) -> None:
    demo.load()
    InboundRoute.objects.filter(did="4008000000").update(destination="70002")
    demo.load()
    assert InboundRoute.objects.get(did="4008000000").destination == "70002"
