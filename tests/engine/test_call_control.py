"""Call control in a running Engine with scripted phones (`engine.acd.control`): hold and
resume from the desktop, consult then complete or cancel, the agent or the consulted
party hanging up, a three-party conference, click-to-call, and a supervisor joining
from the desktop.

Each party sends G.711 frames filled with its own byte, so what a phone receives says
whom it hears: the relay forwards PCMU payloads unchanged, music and tones are other
bytes. Every test ends, as in test_calls, with no call, RTP port or descriptor left.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from callcenter.engine.acd.center import CommandError
from callcenter.engine.acd.states import AgentState
from callcenter.engine.events import (
    CallEnded,
    CallHeld,
    CallResumed,
    CallStarted,
    CallTransferred,
    ConsultChanged,
    RecordingSaved,
    SupervisorAction,
)
from callcenter.rtp.packet import RtpPacket
from callcenter.sip.message import Request, Response
from tests.engine.callphone import CallPhone, Rtp, remote_media, sdp
from tests.engine.test_calls import Switch
from tests.engine.test_contact_center import answer, call_hotline, press, run

CUSTOMER, AGENT, THIRD = 0x11, 0x22, 0x33  # the byte each party's frames are made of


class Party:
    """A phone in a call: its RTP socket and where the switch wants its media."""

    def __init__(
        self,
        phone: CallPhone,
        rtp: Rtp,
        to: tuple[str, int],
        byte: int,
        dialog: tuple[Request, Response] | None = None,
    ) -> None:
        self.phone, self.rtp, self.to, self.byte = phone, rtp, to, byte
        self.dialog = dialog  # the switch's INVITE to this phone and its 200

    def hang_up(self) -> None:
        """BYE in the dialog the switch started (the phone is its UAS)."""
        assert self.dialog is not None
        invite, ok = self.dialog
        self.phone.send(self.phone.in_dialog("BYE", invite, ok, received=True))

    def speak(self) -> None:
        self.rtp.send(self.to, bytes([self.byte]) * 160)

    def heard(self) -> Counter[int]:
        """The first payload byte of each packet received since the last call."""
        return Counter(RtpPacket.parse(d).payload[0] for d in self.rtp.drain())


async def talk(
    *parties: Party, silent: tuple[Party, ...] = (), seconds: float = 0.6
) -> list[Counter[int]]:
    """``parties`` speak for ``seconds``; what each of them, then each of the
    ``silent``, heard meanwhile."""
    for party in (*parties, *silent):
        party.rtp.drain()
    for _ in range(int(seconds / 0.02)):
        for party in parties:
            party.speak()
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.15)
    return [party.heard() for party in (*parties, *silent)]


async def queue_call(switch: Switch) -> tuple[str, Party, Party, Request, Response]:
    """Customer 70001 through the IVR into 'service', answered by 80001 on 70002."""
    switch.engine.center.login("80001", "70002")
    customer = await switch.phone("70001")
    agent = await switch.phone("70002")
    invite, ok = await call_hotline(customer)
    await asyncio.sleep(0.2)
    press(customer, invite, ok, "1")
    incoming, agent_ok = await answer(agent)
    call_id = next(iter(switch.engine.calls.calls))
    assert await switch.settle(
        lambda: switch.engine.center.acd.agents["80001"].state is AgentState.IN_CALL
    )
    host, port, _pt = remote_media(ok)
    customer_party = Party(customer, customer.rtps[-1], (host, port), CUSTOMER)
    host, port, _pt = remote_media(incoming)
    agent_party = Party(agent, agent.rtps[-1], (host, port), AGENT, (incoming, agent_ok))
    return call_id, customer_party, agent_party, invite, ok


async def answer_party(phone: CallPhone, byte: int) -> tuple[Party, Request, Response]:
    incoming, ok = await answer(phone)
    host, port, _pt = remote_media(incoming)
    return Party(phone, phone.rtps[-1], (host, port), byte, (incoming, ok)), incoming, ok


async def consulted(switch: Switch, call_id: str) -> Party:
    """Agent 80001 consults 70003, which answers."""
    phone = await switch.phone("70003")
    switch.engine.control.consult(call_id, "70003", "80001")
    third, _incoming, _ok = await answer_party(phone, THIRD)
    assert await switch.settle(lambda: switch.engine.calls.calls[call_id].consult.target)
    return third


async def hang_up(customer: Party, invite: Request, ok: Response, *others: Party) -> None:
    customer.phone.send(customer.phone.in_dialog("BYE", invite, ok))
    for other in others:
        bye = await other.phone.expect_request("BYE")
        other.phone.send(other.phone.answer(bye, 200))


def test_hold_plays_music_to_the_customer_and_resume_joins_them_again(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control, center = switch.engine.control, switch.engine.center
        call_id, customer, agent, invite, ok = await queue_call(switch)
        heard_customer, heard_agent = await talk(customer, agent)
        assert heard_customer[AGENT] >= 20
        assert heard_agent[CUSTOMER] >= 20

        control.hold(call_id, "80001")
        assert center.acd.agents["80001"].state is AgentState.ON_HOLD
        heard_customer, heard_agent = await talk(customer, agent)
        assert heard_customer[AGENT] == 0
        assert sum(heard_customer.values()) >= 20
        assert sum(heard_agent.values()) == 0
        with pytest.raises(CommandError) as error:
            control.hold(call_id, "80001")
        assert error.value.code == "already_held"

        control.resume(call_id, "80001")
        assert center.acd.agents["80001"].state is AgentState.IN_CALL
        heard_customer, heard_agent = await talk(customer, agent)
        assert heard_customer[AGENT] >= 20
        assert heard_agent[CUSTOMER] >= 20
        assert [e.call for e in switch.events(CallHeld)] == [call_id]
        assert [e.call for e in switch.events(CallResumed)] == [call_id]
        with pytest.raises(CommandError) as error:
            control.resume(call_id, "80001")
        assert error.value.code == "not_held"
        await hang_up(customer, invite, ok, agent)

    run(scenario, tmp_path)


def test_the_agents_phone_holding_the_call_puts_the_agent_on_hold(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        agents = switch.engine.center.acd.agents
        call_id, customer, agent, invite, ok = await queue_call(switch)
        assert agent.dialog is not None
        incoming, agent_ok = agent.dialog
        for direction, state in (
            ("sendonly", AgentState.ON_HOLD),
            ("sendrecv", AgentState.IN_CALL),
        ):
            body = sdp(agent.rtp.port, "0 101", direction)
            request = agent.phone.in_dialog("INVITE", incoming, agent_ok, body=body, received=True)
            agent.phone.send(request)
            answer = await agent.phone.expect_response()
            assert answer.status == 200
            agent.phone.send(agent.phone.ack_for(request, answer))
            assert agents["80001"].state is state
        assert [e.call for e in switch.events(CallHeld)] == [call_id]
        await hang_up(customer, invite, ok, agent)

    run(scenario, tmp_path)


def test_consult_then_complete_leaves_customer_and_third_party_talking(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control, center = switch.engine.control, switch.engine.center
        call_id, customer, agent, invite, ok = await queue_call(switch)
        third_phone = await switch.phone("70003")
        control.consult(call_id, "70003", "80001", by="80001")
        heard_customer, heard_agent = await talk(customer, agent, seconds=0.3)
        assert heard_customer[AGENT] == 0
        assert sum(heard_customer.values()) > 0
        assert heard_agent[CUSTOMER] == 0
        assert sum(heard_agent.values()) > 0
        third, _incoming, _ok = await answer_party(third_phone, THIRD)
        assert await switch.settle(
            lambda: [e.action for e in switch.events(ConsultChanged)] == ["started", "answered"]
        )
        heard_customer, heard_agent, heard_third = await talk(customer, agent, third)
        assert heard_agent[THIRD] >= 20
        assert heard_third[AGENT] >= 20
        assert heard_customer[AGENT] == 0
        assert heard_customer[THIRD] == 0
        assert heard_third[CUSTOMER] == 0

        control.complete(call_id)
        bye = await agent.phone.expect_request("BYE")
        agent.phone.send(agent.phone.answer(bye, 200))
        heard_customer, heard_third = await talk(customer, third)
        assert heard_customer[THIRD] >= 20
        assert heard_third[CUSTOMER] >= 20
        transferred = switch.events(CallTransferred)
        assert [(e.kind, e.by, e.destination) for e in transferred] == [
            ("attended", "80001", "70003")
        ]
        assert center.acd.agents["80001"].state in (AgentState.WRAP_UP, AgentState.IDLE)
        assert center.acd.agents["80001"].call != call_id
        await hang_up(customer, invite, ok, third)
        assert await switch.settle(lambda: bool(switch.events(RecordingSaved)))

    run(scenario, tmp_path)


def test_cancel_and_a_refusing_third_party_bring_the_agent_back(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control = switch.engine.control
        call_id, customer, agent, invite, ok = await queue_call(switch)

        # The third party answers, then the agent cancels: BYE to it, back to the customer.
        third = await consulted(switch, call_id)
        third_phone = third.phone
        control.cancel(call_id)
        bye = await third.phone.expect_request("BYE")
        third.phone.send(third.phone.answer(bye, 200))
        heard_customer, heard_agent = await talk(customer, agent)
        assert heard_customer[AGENT] >= 20
        assert heard_agent[CUSTOMER] >= 20

        # The third party is busy: the agent is back with the customer by itself.
        control.consult(call_id, "70003", "80001")
        incoming = await third_phone.expect_request("INVITE")
        third_phone.send(third_phone.answer(incoming, 486))
        assert await switch.settle(
            lambda: [e.action for e in switch.events(ConsultChanged)][-1] == "failed"
        )
        heard_customer, heard_agent = await talk(customer, agent)
        assert heard_customer[AGENT] >= 20
        assert heard_agent[CUSTOMER] >= 20
        assert switch.engine.calls.calls[call_id].consult is None
        assert not switch.events(CallTransferred)
        await hang_up(customer, invite, ok, agent)

    run(scenario, tmp_path)


def test_the_agent_hanging_up_while_consulting_completes_the_transfer(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control = switch.engine.control
        call_id, customer, agent, invite, ok = await queue_call(switch)
        third_phone = await switch.phone("70003")
        control.consult(call_id, "70003", "80001", by="80001")
        incoming = await third_phone.expect_request("INVITE")
        # The agent hangs up while 70003 still rings ("blonde" transfer).
        agent.hang_up()
        assert (await agent.phone.expect_response()).status == 200
        rtp = await third_phone.rtp()
        third_ok = third_phone.answer(incoming, 200, sdp(rtp.port))
        third_phone.send(third_ok)
        await third_phone.expect_request("ACK")
        host, port, _pt = remote_media(incoming)
        third = Party(third_phone, rtp, (host, port), THIRD)
        heard_customer, heard_third = await talk(customer, third)
        assert heard_customer[THIRD] >= 20
        assert heard_third[CUSTOMER] >= 20
        assert [e.kind for e in switch.events(CallTransferred)] == ["attended"]
        await hang_up(customer, invite, ok, third)

    run(scenario, tmp_path)


def test_a_conference_lets_all_three_hear_each_other(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control = switch.engine.control
        call_id, customer, agent, invite, ok = await queue_call(switch)
        third = await consulted(switch, call_id)
        control.conference(call_id)
        heard_customer, heard_agent, heard_third = await talk(customer, agent, third, seconds=1)
        # A mix of two speakers is neither's byte: each hears something, none itself.
        for heard, own in ((heard_customer, CUSTOMER), (heard_agent, AGENT), (heard_third, THIRD)):
            assert sum(heard.values()) >= 30
            assert heard[own] == 0
        # Alone, each speaker is heard by the other two unchanged.
        _heard, heard_agent, heard_third = await talk(customer, silent=(agent, third))
        assert heard_agent[CUSTOMER] >= 15
        assert heard_third[CUSTOMER] >= 15
        assert switch.events(ConsultChanged)[-1].action == "conference"

        # The third party leaves: customer and agent go on, two of them.
        third.hang_up()
        assert (await third.phone.expect_response()).status == 200
        heard_customer, heard_agent = await talk(customer, agent)
        assert heard_customer[AGENT] >= 20
        assert heard_agent[CUSTOMER] >= 20
        await hang_up(customer, invite, ok, agent)

    run(scenario, tmp_path)


def test_click_to_call_rings_the_agent_first_then_the_destination(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control = switch.engine.control
        agent_phone = await switch.phone("70002")
        other_phone = await switch.phone("70003")
        with pytest.raises(CommandError) as error:
            control.originate("70004", "70003")
        assert error.value.code == "not_registered"
        with pytest.raises(CommandError) as error:
            control.originate("70002", "99999")
        assert error.value.code == "bad_destination"

        call_id = control.originate("70002", "70003", auto_answer=True)
        incoming = await agent_phone.expect_request("INVITE")
        assert incoming.from_.uri.user == "70003"  # type: ignore[union-attr]
        assert "answer-after=0" in (incoming.headers.get("call-info") or "")
        rtp = await agent_phone.rtp()
        agent_ok = agent_phone.answer(incoming, 200, sdp(rtp.port))
        agent_phone.send(agent_ok)
        host, port, _pt = remote_media(incoming)
        agent = Party(agent_phone, rtp, (host, port), AGENT)
        (heard_agent,) = await talk(agent, seconds=0.3)
        assert sum(heard_agent.values()) > 0  # the ringback tone
        other, other_incoming, _other_ok = await answer_party(other_phone, THIRD)
        assert other_incoming.from_.uri.user == "70002"  # type: ignore[union-attr]
        heard_agent, heard_other = await talk(agent, other)
        assert heard_agent[THIRD] >= 20
        assert heard_other[AGENT] >= 20
        started = switch.events(CallStarted)[0]
        assert (started.call, started.caller, started.dialled) == (call_id, "70002", "70003")

        # The agent hangs up: BYE in the dialog the switch started (we are its UAS).
        agent_phone.send(agent_phone.in_dialog("BYE", incoming, agent_ok, received=True))
        bye = await other_phone.expect_request("BYE")
        other_phone.send(other_phone.answer(bye, 200))
        assert await switch.settle(lambda: bool(switch.events(CallEnded)))
        assert switch.events(CallEnded)[0].hangup_by == "caller"

    run(scenario, tmp_path)


def test_click_to_call_not_answered_ends_without_ringing_the_destination(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control = switch.engine.control
        agent_phone = await switch.phone("70002")
        other_phone = await switch.phone("70003")
        control.originate("70002", "70003")
        incoming = await agent_phone.expect_request("INVITE")
        agent_phone.send(agent_phone.answer(incoming, 603))
        await agent_phone.expect_request("ACK")
        assert await switch.settle(lambda: bool(switch.events(CallEnded)))
        assert switch.events(CallEnded)[0].sip_status == 603
        with pytest.raises(asyncio.TimeoutError):
            await other_phone.expect_request("INVITE", timeout=0.5)

    run(scenario, tmp_path)


def test_a_supervisor_whispers_from_the_desktop(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control, center = switch.engine.control, switch.engine.center
        call_id, customer, agent, invite, ok = await queue_call(switch)
        supervisor_phone = await switch.phone("70004")
        center.login("90001", "70004", ready=False)
        with pytest.raises(CommandError):
            control.supervise("90001", "80001", "shout")
        control.supervise("90001", "80001", "whisper")
        incoming = await supervisor_phone.expect_request("INVITE")
        rtp = await supervisor_phone.rtp()
        supervisor_ok = supervisor_phone.answer(incoming, 200, sdp(rtp.port))
        supervisor_phone.send(supervisor_ok)
        host, port, _pt = remote_media(incoming)
        supervisor = Party(supervisor_phone, rtp, (host, port), THIRD)
        assert await switch.settle(lambda: bool(switch.events(SupervisorAction)))
        actions = switch.events(SupervisorAction)
        assert [(a.supervisor, a.action, a.call, a.agent) for a in actions] == [
            ("90001", "whisper", call_id, "80001")
        ]
        await asyncio.sleep(0.2)
        # Whisper: the agent hears the supervisor, the customer does not.
        heard_supervisor, heard_customer, heard_agent = await talk(
            supervisor, silent=(customer, agent), seconds=1
        )
        assert heard_agent[THIRD] >= 15
        assert heard_customer[THIRD] == 0
        # The supervisor hears both.
        heard_customer, heard_supervisor = await talk(customer, silent=(supervisor,))
        assert heard_supervisor[CUSTOMER] >= 15
        heard_agent, heard_supervisor = await talk(agent, silent=(supervisor,))
        assert heard_supervisor[AGENT] >= 15
        control.supervise("90001", "80001", "barge")
        assert switch.events(SupervisorAction)[-1].action == "barge"
        await hang_up(customer, invite, ok, agent, supervisor)

    run(scenario, tmp_path)


def test_an_agent_picks_up_a_call_ringing_a_colleague(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        center.login("80001", "70002")
        center.login("80002", "70003")  # both in the queue 'service': one pickup group
        customer, picker = await switch.phone("70001"), await switch.phone("70002")
        colleague = await switch.phone("70003")

        # Nothing rings: the pickup code is refused before an answer.
        rtp = await picker.rtp()
        invite, response = await picker.invite("*06", sdp(rtp.port))
        assert response is not None
        assert response.status == 480
        picker.send(picker.ack_for(invite, response))

        customer_rtp = await customer.rtp()
        call_invite, _ = await customer.invite("70003", sdp(customer_rtp.port), wait=False)
        ringing = await colleague.expect_request("INVITE")
        colleague.send(colleague.answer(ringing, 180))
        assert (await customer.expect_response(final=False)).status == 180

        rtp = await picker.rtp()
        invite, response = await picker.invite("*06", sdp(rtp.port))
        assert response is not None
        assert response.status == 200
        picker.send(picker.ack_for(invite, response))
        cancel = await colleague.expect_request("CANCEL")
        colleague.send(colleague.answer(cancel, 200))
        colleague.send(colleague.answer(ringing, 487))
        while (call_ok := await customer.expect_response(final=False)).status < 200:
            pass
        assert call_ok.status == 200
        customer.send(customer.ack_for(call_invite, call_ok))

        host, port, _pt = remote_media(call_ok)
        caller = Party(customer, customer_rtp, (host, port), CUSTOMER)
        host, port, _pt = remote_media(response)
        agent = Party(picker, rtp, (host, port), AGENT)
        heard_caller, heard_agent = await talk(caller, agent)
        assert heard_caller[AGENT] >= 20
        assert heard_agent[CUSTOMER] >= 20
        assert center.acd.agents["80001"].state is AgentState.IN_CALL
        assert await switch.settle(lambda: center.acd.agents["80002"].state is AgentState.IDLE)
        ended = [e.call for e in switch.events(CallEnded)]
        assert len(ended) == 2  # the refused pickup and the one that picked up
        await hang_up(caller, call_invite, call_ok, agent)
        assert await switch.settle(lambda: len(switch.events(CallEnded)) == 3)
        assert await switch.settle(lambda: bool(switch.events(RecordingSaved)))

    run(scenario, tmp_path)


def test_the_api_answers_a_phone_that_allows_the_talk_event(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        control, center = switch.engine.control, switch.engine.center
        center.login("80001", "70002")
        center.login("80002", "70003")
        customer, agent = await switch.phone("70001"), await switch.phone("70002")
        colleague = await switch.phone("70003")
        with pytest.raises(CommandError) as error:
            control.answer("80001")
        assert error.value.code == "not_ringing"

        # A direct call to a phone whose 180 offers no talk event: answered by hand only.
        rtp = await customer.rtp()
        direct, _ = await customer.invite("70003", sdp(rtp.port), wait=False)
        ringing = await colleague.expect_request("INVITE")
        colleague.send(colleague.answer(ringing, 180))
        assert (await customer.expect_response(final=False)).status == 180
        with pytest.raises(CommandError) as error:
            control.answer("80002")
        assert error.value.code == "cannot_answer"
        colleague.send(colleague.answer(ringing, 486))
        while (refused := await customer.expect_response(final=False)).status < 200:
            pass
        customer.send(customer.ack_for(direct, refused))

        # A queue call offered to a phone that allows "talk": the API answers it.
        invite, ok = await call_hotline(customer)
        await asyncio.sleep(0.2)
        press(customer, invite, ok, "1")
        incoming = await agent.expect_request("INVITE", timeout=8.0)
        agent.send(agent.answer(incoming, 180, extra="Allow-Events: hold, talk\r\n"))
        assert await switch.settle(
            lambda: (
                center.acd.agents["80001"].state is AgentState.RINGING
                and any(leg.talk_event for _c, leg in control.answerable("70002"))
            )
        )
        call_id = control.answer("80001")
        assert call_id == next(iter(switch.engine.calls.calls))
        notify = await agent.expect_request("NOTIFY")
        assert notify.headers.get("event") == "talk"
        assert notify.headers.get("subscription-state") == "active"
        assert notify.call_id == incoming.call_id
        assert ";tag=callee" in (notify.headers.get("to") or "")
        assert notify.cseq.seq > incoming.cseq.seq
        agent.send(agent.answer(notify, 200))
        agent_rtp = await agent.rtp()
        agent_ok = agent.answer(incoming, 200, sdp(agent_rtp.port))
        agent.send(agent_ok)
        await agent.expect_request("ACK")
        assert await switch.settle(lambda: center.acd.agents["80001"].state is AgentState.IN_CALL)
        host, port, _pt = remote_media(ok)
        caller = Party(customer, customer.rtps[-1], (host, port), CUSTOMER)
        host, port, _pt = remote_media(incoming)
        answered = Party(agent, agent_rtp, (host, port), AGENT, (incoming, agent_ok))
        heard_caller, heard_agent = await talk(caller, answered)
        assert heard_caller[AGENT] >= 20
        assert heard_agent[CUSTOMER] >= 20
        await hang_up(caller, invite, ok, answered)
        assert await switch.settle(lambda: len(switch.events(CallEnded)) == 2)

    run(scenario, tmp_path)


def test_an_auto_answer_agent_is_offered_calls_asking_the_phone_to_answer(
    tmp_path: Path,
) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        agent = center.acd.agents["80001"]
        agent.update(replace(agent.entry, auto_answer=True))
        call_id, customer, answered, invite, ok = await queue_call(switch)
        incoming = answered.dialog[0] if answered.dialog else None
        assert incoming is not None
        assert incoming.headers.get("call-info", "").endswith(";answer-after=0")
        assert incoming.headers.get("alert-info") == "<urn:alert:service:auto-answer>"
        await hang_up(customer, invite, ok, answered)
        assert await switch.settle(lambda: call_id not in switch.engine.calls.calls)

        # Without the setting the offer is a plain INVITE.
        agent.update(replace(agent.entry, auto_answer=False))
        center.end_wrap_up("80001")
        call_id, customer, answered, invite, ok = await queue_call(switch)
        assert answered.dialog is not None
        assert "call-info" not in answered.dialog[0].headers
        await hang_up(customer, invite, ok, answered)

    run(scenario, tmp_path)
