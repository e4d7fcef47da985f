"""Answering an agent's phone without touching it (A6 "answer where the phone supports
it"), with sipp as the desk phones and baresip as the customer.

- A desk phone with remote control (sipp, `scenarios/desk_phone_talk.xml`) rings with
  ``Allow-Events: talk``; agent 80002's desktop (here its REST token) sees the offer as
  ``answerable`` and ``POST /api/agents/80002/answer`` makes the switch send
  ``NOTIFY`` ``Event: talk``, on which the phone answers. Before anything rings the same
  request is refused with ``not_ringing``.
- A headset agent (80003) whose administrator ticked 自动应答 in the agent's page gets
  its queue calls with ``Call-Info: …;answer-after=0``; its phone (sipp,
  `scenarios/desk_phone_auto.xml`) answers only such an INVITE.

Each sipp phone registers first (`tests/chaos/scenarios/agent_register.xml`) from the
port it then answers on; it plays one call and must end it cleanly (its BYE from the
switch when the customer hangs up), then removes its binding (`scenarios/unregister.xml`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.interop.peers import BaresipPhone, SipAccount
from tests.interop.peers.processes import free_port, wait_until
from tests.interop.peers.sipp import SCENARIOS, SippResult, run_sipp
from tests.interop.test_contact_center import api, api_answer, token_of
from tests.interop.test_strategies import call_queue
from tests.running import RunningCallcenter

pytestmark = pytest.mark.interop

ANSWER = "/api/agents/80002/answer"
REGISTER = Path(__file__).resolve().parent.parent / "chaos" / "scenarios" / "agent_register.xml"


@contextmanager
def sipp_phone(
    callcenter: RunningCallcenter, extension: str, scenario: str, folder: Path
) -> Iterator[list[SippResult]]:
    """A sipp phone registered as ``extension`` that plays ``scenario`` for one call;
    its result is in the list once the block is left."""
    port = free_port()
    registered = run_sipp(
        callcenter.sip_address,
        REGISTER,
        folder,
        local_port=port,
        service=extension,
        extra=["-au", extension, "-ap", extension],
    )
    assert registered.ok, registered.report()
    results: list[SippResult] = []

    def play() -> None:
        results.append(
            run_sipp(
                callcenter.sip_address,
                SCENARIOS / scenario,
                folder,
                local_port=port,
                service=extension,
                timeout=60,
            )
        )

    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    time.sleep(0.5)  # sipp binds its port
    try:
        yield results
    finally:
        thread.join(70)
        run_sipp(
            callcenter.sip_address,
            SCENARIOS / "unregister.xml",
            folder,
            local_port=port,
            service=extension,
            extra=["-au", extension, "-ap", extension],
        )


def played(results: list[SippResult]) -> SippResult:
    """The sipp phone's one call, which must have ended cleanly."""
    assert results, "the sipp phone did not end"
    assert results[0].ok, results[0].report()
    return results[0]


def agent(callcenter: RunningCallcenter, agent_id: str, token: str) -> dict[str, Any]:
    found: dict[str, Any] = api(callcenter, "GET", f"/api/agents/{agent_id}", token)
    return found


def test_the_desktop_answers_a_desk_phone_that_allows_the_talk_event(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    token = token_of(callcenter, "80002")
    with (
        sipp_phone(callcenter, "70002", "desk_phone_talk.xml", tmp_path) as result,
        BaresipPhone(tmp_path / "c", [SipAccount("70006", "70006", callcenter.sip_address)]) as c,
    ):
        api(callcenter, "POST", "/api/agents/80002/login", token, {"extension": "70002"})
        try:
            status, refused = api_answer(callcenter, "POST", ANSWER, token, {})
            assert (status, refused["code"]) == (409, "not_ringing")
            assert agent(callcenter, "80002", token)["answerable"] is False

            call_queue(c, callcenter, "1")
            assert wait_until(lambda: agent(callcenter, "80002", token)["answerable"], 15)
            assert agent(callcenter, "80002", token)["state"] == "ringing"
            status, answering = api_answer(
                callcenter, "POST", "/api/agents/80002/answer", token, {}
            )
            assert status == 202, answering
            assert wait_until(lambda: agent(callcenter, "80002", token)["state"] == "in_call", 5)
            ringing = agent(callcenter, "80002", token)
            assert ringing["current_call"] == answering["call"]
            assert ringing["answerable"] is False
            c.hangup()
        finally:
            api(callcenter, "POST", "/api/agents/80002/logout", token)
    played(result)


def set_auto_answer(callcenter: RunningCallcenter, agent_id: str, on: bool) -> None:
    """Tick or clear 自动应答 in the agent's page, as an administrator does."""
    found = json.loads(
        callcenter.query(
            "import json;from callcenter.accounts.models import User;"
            f"u = User.objects.get(agent_id='{agent_id}');"
            "print(json.dumps({'pk': u.pk, 'name': u.name, 'role': u.role, "
            "'phone': u.phone}))"
        )
    )
    form = {"name": found["name"], "role": found["role"], "unit": "", "phone": found["phone"]}
    if on:
        form["auto_answer"] = "on"
    callcenter.admin_session().post(f"/accounts/agents/{found['pk']}/", form)
    assert wait_until(
        lambda: (
            callcenter.query(
                "from callcenter.accounts.models import User;"
                f"print(User.objects.get(agent_id='{agent_id}').auto_answer)"
            ).strip()
            == str(on)
        ),
        5,
    )
    time.sleep(1)  # the switch reloads its agents after the change


def test_an_auto_answer_agent_gets_queue_calls_its_phone_answers_by_itself(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    token = token_of(callcenter, "80003")
    set_auto_answer(callcenter, "80003", True)
    try:
        with (
            sipp_phone(callcenter, "70003", "desk_phone_auto.xml", tmp_path) as result,
            BaresipPhone(
                tmp_path / "c", [SipAccount("70006", "70006", callcenter.sip_address)]
            ) as c,
        ):
            api(callcenter, "POST", "/api/agents/80003/login", token, {"extension": "70003"})
            try:
                call_queue(c, callcenter, "1")
                assert wait_until(
                    lambda: agent(callcenter, "80003", token)["state"] == "in_call", 15
                )
                c.hangup()
            finally:
                api(callcenter, "POST", "/api/agents/80003/logout", token)
        played(result)
    finally:
        set_auto_answer(callcenter, "80003", False)
