"""Queue strategies with real phones (A4): longest-idle and ring-all, all baresip.

The pure tests (`tests/engine/acd/test_strategies.py`) check every strategy's choice;
these check that the choice reaches real phones. Longest-idle is the demo queue
``service``'s strategy: agents log in one after another, and the first caller goes to
the one idle longest, the second to the next. Ring-all is set on the queue
``complaints`` in the web (and set back afterwards): three phones that do not answer by
themselves all ring for one caller; the one that answers gets it, the others stop.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.interop.peers import BaresipPhone, SipAccount
from tests.interop.peers.baresip import AnswerMode
from tests.interop.peers.processes import wait_until
from tests.interop.test_contact_center import api, token_of
from tests.running import RunningCallcenter

pytestmark = pytest.mark.interop


def agent_phone(
    tmp_path: Path, callcenter: RunningCallcenter, number: str, answer: AnswerMode
) -> BaresipPhone:
    account = SipAccount(number, number, callcenter.sip_address, answermode=answer)
    return BaresipPhone(tmp_path / number, [account])


def call_queue(customer: BaresipPhone, callcenter: RunningCallcenter, digit: str) -> None:
    """The customer calls the hotline and chooses a queue in the demo IVR."""
    customer.dial(f"sip:4000@{callcenter.sip_address}")
    customer.wait_for("CALL_ESTABLISHED", timeout=10)
    time.sleep(1.5)
    customer.send_dtmf(digit)


def test_longest_idle_offers_the_agent_idle_longest_first(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    tokens = {a: token_of(callcenter, a) for a in ("80001", "80002", "80003")}
    order = (("80002", "70002"), ("80003", "70003"), ("80001", "70001"))
    with (
        agent_phone(tmp_path, callcenter, "70001", "auto") as phone_1,
        agent_phone(tmp_path, callcenter, "70002", "auto") as phone_2,
        agent_phone(tmp_path, callcenter, "70003", "auto") as phone_3,
        BaresipPhone(tmp_path / "a", [SipAccount("70006", "70006", callcenter.sip_address)]) as a,
        BaresipPhone(tmp_path / "b", [SipAccount("70007", "70007", callcenter.sip_address)]) as b,
    ):
        phones = {"70001": phone_1, "70002": phone_2, "70003": phone_3}
        try:
            for agent_id, extension in order:  # 80002 idle longest, then 80003, then 80001
                api(callcenter, "POST", f"/api/agents/{agent_id}/login", tokens[agent_id],
                    {"extension": extension})  # fmt: skip
                time.sleep(1.1)
            call_queue(a, callcenter, "1")
            phones["70002"].wait_for("CALL_ESTABLISHED", timeout=15)
            call_queue(b, callcenter, "1")
            phones["70003"].wait_for("CALL_ESTABLISHED", timeout=15)
            states = {
                agent_id: api(callcenter, "GET", f"/api/agents/{agent_id}", tokens[agent_id])
                for agent_id, _extension in order
            }
            assert [states[x]["state"] for x in ("80002", "80003", "80001")] == [
                "in_call",
                "in_call",
                "idle",
            ]
            assert not [e for e in phone_1.events if e.type == "CALL_INCOMING"]
            a.hangup()
            b.hangup()
            phones["70002"].wait_for("CALL_CLOSED", timeout=10)
            phones["70003"].wait_for("CALL_CLOSED", timeout=10)
        finally:
            for agent_id, _extension in order:
                api(callcenter, "POST", f"/api/agents/{agent_id}/logout", tokens[agent_id])


def set_strategy(callcenter: RunningCallcenter, queue: str, strategy: str) -> str:
    """Change a queue's strategy through its page in the web; the strategy it had."""
    found = json.loads(
        callcenter.query(
            "import json;from django.forms.models import model_to_dict;"
            "from callcenter.acd.forms import QueueForm;from callcenter.acd.models import Queue;"
            f"q = Queue.objects.get(name='{queue}');"
            "d = model_to_dict(q, fields=QueueForm._meta.fields);"
            "d['supervisors'] = [u.pk for u in d['supervisors']];"
            "print(json.dumps({'pk': q.pk, 'fields': d}, default=str))"
        )
    )
    fields = found["fields"]
    before = fields["strategy"]
    form: dict[str, str | list[str]] = {}
    for name, value in fields.items():
        if isinstance(value, bool):
            if value:
                form[name] = "on"
        elif isinstance(value, list):
            form[name] = [str(v) for v in value]
        else:
            form[name] = "" if value is None else str(value)
    form["strategy"] = strategy
    callcenter.admin_session().post(f"/acd/queues/{found['pk']}/", form)
    assert wait_until(
        lambda: (
            callcenter.query(
                "from callcenter.acd.models import Queue;"
                f"print(Queue.objects.get(name='{queue}').strategy)"
            ).strip()
            == strategy
        ),
        5,
    )
    time.sleep(1)  # the switch reloads its queues after the change
    return before


def test_ring_all_rings_every_agent_and_the_first_to_answer_gets_the_caller(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    agents = (("80005", "70003"), ("80006", "70004"), ("80007", "70005"))
    tokens = {a: token_of(callcenter, a) for a, _e in agents}
    before = set_strategy(callcenter, "complaints", "ring-all")
    try:
        with (
            agent_phone(tmp_path, callcenter, "70003", "manual") as phone_5,
            agent_phone(tmp_path, callcenter, "70004", "manual") as phone_6,
            agent_phone(tmp_path, callcenter, "70005", "manual") as phone_7,
            BaresipPhone(
                tmp_path / "c", [SipAccount("70006", "70006", callcenter.sip_address)]
            ) as customer,
        ):
            try:
                for agent_id, extension in agents:
                    api(callcenter, "POST", f"/api/agents/{agent_id}/login", tokens[agent_id],
                        {"extension": extension})  # fmt: skip
                call_queue(customer, callcenter, "2")
                for phone in (phone_5, phone_6, phone_7):
                    phone.wait_for("CALL_INCOMING", timeout=15)
                phone_6.accept()
                phone_6.wait_for("CALL_ESTABLISHED", timeout=10)
                phone_5.wait_for("CALL_CLOSED", timeout=10)
                phone_7.wait_for("CALL_CLOSED", timeout=10)
                state = api(callcenter, "GET", "/api/agents/80006", tokens["80006"])
                assert state["state"] == "in_call"
                call_id = state["call"]
                for other in ("80005", "80007"):
                    assert (
                        api(callcenter, "GET", f"/api/agents/{other}", tokens[other])["state"]
                        == "idle"
                    )
                customer.hangup()
                phone_6.wait_for("CALL_CLOSED", timeout=10)
            finally:
                for agent_id, _extension in agents:
                    api(callcenter, "POST", f"/api/agents/{agent_id}/logout", tokens[agent_id])
    finally:
        set_strategy(callcenter, "complaints", before)

    def offers() -> list[list[str]]:
        return json.loads(
            callcenter.query(
                "import json;from callcenter.recordings.models import AgentOffer;"
                f"o = AgentOffer.objects.filter(call__call_id='{call_id}');"
                "print(json.dumps(sorted([x.agent, x.result] for x in o)))"
            )
        )

    assert wait_until(lambda: ["80006", "answered"] in offers(), 10)
    results = dict(offers())
    assert sorted(results) == ["80005", "80006", "80007"]  # all three rang at once
    assert results["80005"] != "answered"
    assert results["80007"] != "answered"
