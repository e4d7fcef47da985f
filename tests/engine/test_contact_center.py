"""The contact center in a running Engine on loopback, with scripted phones: a caller
through the IVR into a queue, offered to agents, answered, transferred; misses,
abandons, and agents logging in from the keypad.

As in test_calls, every test ends by checking that no call, RTP port or file descriptor
is left behind.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from callcenter.engine.acd.errors import CommandError
from callcenter.engine.acd.states import AgentState, AgentStatus
from callcenter.engine.events import (
    AgentConnected,
    AgentMissed,
    AgentOffered,
    AgentStatusChanged,
    CallEnded,
    CallTransferred,
    IvrLeft,
    MissReason,
    QueueJoined,
    QueueLeft,
    QueueOutcome,
    RecordingSaved,
    StateRepaired,
    SupervisorAction,
)
from callcenter.engine.ivr.flow import Flow
from callcenter.engine.ports import (
    AgentEntry,
    ExtensionEntry,
    InboundRoute,
    QueueEntry,
    StaticDirectory,
    TierEntry,
)
from callcenter.rtp.g711 import ulaw_decode
from callcenter.rtp.packet import RtpPacket
from callcenter.sip.message import Request, Response
from tests.engine.callphone import CallPhone, remote_media, sdp
from tests.engine.test_calls import Switch
from tests.engine.test_calls import run as run_switch

EXTENSIONS = {
    n: ExtensionEntry(number=n, sip_password=n, display_name=f"Phone {n}")
    for n in ("70001", "70002", "70003", "70004")
}
AGENTS = {a: AgentEntry(a, f"Agent {a}") for a in ("80001", "80002", "80003")}
AGENTS["90001"] = AgentEntry("90001", "Supervisor", supervisor=True, supervises=("service",))
DEMO = Flow.from_dict(
    "demo",
    {
        "start": "main",
        "nodes": [
            {
                "kind": "menu",
                "id": "main",
                "prompt": "demo-menu",
                "choices": {"1": "service", "0": "operator"},
                "timeout": 3.0,
                "retries": 2,
                "failure": "bye",
            },
            {"kind": "transfer", "id": "service", "destination": "queue:service"},
            {"kind": "transfer", "id": "operator", "destination": "70004"},
            {"kind": "hangup", "id": "bye"},
        ],
    },
)


def queue(**changes: object) -> QueueEntry:
    fields: dict[str, object] = {
        "name": "service",
        "strategy": "linear",
        "tiers": (TierEntry("80001", 1, 1), TierEntry("80002", 1, 2)),
        "ring_timeout": 5.0,
        "wrap_up": 0.3,
        "announce_interval": 0.0,
        "no_answer_delay": 30.0,
    }
    fields.update(changes)
    return QueueEntry(**fields)  # type: ignore[arg-type]


def run(
    test: Callable[[Switch], Awaitable[None]],
    tmp_path: Path,
    *,
    service: QueueEntry | None = None,
) -> None:
    """`test_calls.run` with the demo's contact center: the hotline 4000 to the IVR
    flow ``demo``, the queue ``service`` and agents 80001-80003 and 90001."""
    directory = StaticDirectory(
        EXTENSIONS,
        routes=(InboundRoute("4000", "flow:demo"),),
        queues={"service": service or queue()},
        agents=AGENTS,
        flows={"demo": DEMO},
    )
    run_switch(test, tmp_path, directory=directory)


async def call_hotline(customer: CallPhone) -> tuple[Request, Response]:
    """The customer calls 4000; the IVR answers."""
    rtp = await customer.rtp()
    invite, _ = await customer.invite("4000", sdp(rtp.port), wait=False)
    while True:
        response = await customer.expect_response(final=False)
        if response.status >= 200:
            break
    assert response.status == 200
    customer.send(customer.ack_for(invite, response))
    return invite, response


def press(customer: CallPhone, invite: Request, ok: Response, digit: str) -> None:
    customer.send(
        customer.in_dialog(
            "INFO",
            invite,
            ok,
            body=f"Signal={digit}\r\nDuration=160\r\n",
            content_type="application/dtmf-relay",
        )
    )


async def answer(agent: CallPhone) -> tuple[Request, Response]:
    incoming = await agent.expect_request("INVITE", timeout=8.0)
    rtp = await agent.rtp()
    ok = agent.answer(incoming, 200, sdp(rtp.port))
    agent.send(ok)
    await agent.expect_request("ACK")
    return incoming, ok


def test_a_caller_goes_through_the_ivr_to_an_agent_and_is_transferred(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        customer = await switch.phone("70001")
        first, second = await switch.phone("70002"), await switch.phone("70003")
        center.login("80001", "70002")
        invite, ok = await call_hotline(customer)
        await asyncio.sleep(0.2)
        press(customer, invite, ok, "1")
        incoming, _agent_ok = await answer(first)
        assert await switch.settle(lambda: bool(switch.events(AgentConnected)))
        call_id = switch.events(QueueJoined)[0].call
        assert switch.events(IvrLeft)[0].destination == "queue:service"
        connected = switch.events(AgentConnected)[0]
        assert (connected.agent, connected.extension, connected.queue) == (
            "80001",
            "70002",
            "service",
        )
        left = [e for e in switch.events(QueueLeft) if e.call == call_id]
        assert left[0].outcome is QueueOutcome.ANSWERED
        assert center.acd.agents["80001"].state is AgentState.IN_CALL

        # Both directions carry audio.
        customer_rtp, agent_rtp = customer.rtps[-1], first.rtps[-1]
        to_customer, to_agent = remote_media(ok), remote_media(incoming)
        customer_rtp.drain()
        for _ in range(20):
            customer_rtp.send(to_customer[:2])
            agent_rtp.send(to_agent[:2])
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert len([RtpPacket.parse(d) for d in agent_rtp.drain()]) >= 15
        assert len([RtpPacket.parse(d) for d in customer_rtp.drain()]) >= 15

        # Blind transfer to extension 70003: the first agent gets BYE and wraps up.
        center.transfer(call_id, "70003", by="80001")
        bye = await first.expect_request("BYE")
        first.send(first.answer(bye, 200))
        await answer(second)
        assert switch.events(CallTransferred)[0].destination == "70003"
        assert center.acd.agents["80001"].state in (AgentState.WRAP_UP, AgentState.IDLE)
        await asyncio.sleep(0.5)
        assert center.acd.agents["80001"].state is AgentState.IDLE

        customer.send(customer.in_dialog("BYE", invite, ok))
        bye = await second.expect_request("BYE")
        second.send(second.answer(bye, 200))
        assert await switch.settle(lambda: bool(switch.events(RecordingSaved)))
        assert switch.events(CallEnded)[-1].call == call_id

    run(scenario, tmp_path)


def test_an_agent_who_does_not_answer_is_skipped_and_the_next_one_rings(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        customer = await switch.phone("70001")
        first, second = await switch.phone("70002"), await switch.phone("70003")
        center.login("80001", "70002")
        center.login("80002", "70003")
        invite, ok = await call_hotline(customer)
        await asyncio.sleep(0.2)
        press(customer, invite, ok, "1")
        ignored = await first.expect_request("INVITE")  # linear: 80001 first; never answers
        first.send(first.answer(ignored, 180))
        await answer(second)
        cancel = await first.expect_request("CANCEL")
        first.send(first.answer(cancel, 200))
        first.send(first.answer(ignored, 487))
        missed = switch.events(AgentMissed)
        assert [(m.agent, m.reason) for m in missed] == [("80001", MissReason.NO_ANSWER)]
        assert switch.events(AgentConnected)[0].agent == "80002"
        assert center.acd.agents["80001"].state is AgentState.IDLE
        assert center.acd.agents["80001"].skip_until > 0
        customer.send(customer.in_dialog("BYE", invite, ok))
        bye = await second.expect_request("BYE")
        second.send(second.answer(bye, 200))

    run(scenario, tmp_path, service=queue(ring_timeout=1.0))


def test_a_caller_who_hangs_up_in_the_queue_is_abandoned_and_frees_the_ringing_agent(
    tmp_path: Path,
) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        customer = await switch.phone("70001")
        first = await switch.phone("70002")
        center.login("80001", "70002")
        invite, ok = await call_hotline(customer)
        await asyncio.sleep(0.2)
        press(customer, invite, ok, "1")
        ringing = await first.expect_request("INVITE")
        first.send(first.answer(ringing, 180))
        customer.send(customer.in_dialog("BYE", invite, ok))
        cancel = await first.expect_request("CANCEL")
        first.send(first.answer(cancel, 200))
        first.send(first.answer(ringing, 487))
        assert await switch.settle(lambda: bool(switch.events(CallEnded)))
        left = switch.events(QueueLeft)[0]
        assert left.outcome is QueueOutcome.ABANDONED
        assert switch.events(AgentMissed)[0].reason is MissReason.CALLER_GONE
        assert center.acd.agents["80001"].state is AgentState.IDLE
        assert center.acd.agents["80001"].missed_in_row == 0

    run(scenario, tmp_path)


def test_a_caller_waits_until_an_agent_logs_in(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        customer = await switch.phone("70001")
        first = await switch.phone("70002")
        invite, ok = await call_hotline(customer)
        await asyncio.sleep(0.2)
        press(customer, invite, ok, "1")
        assert await switch.settle(lambda: bool(switch.events(QueueJoined)))
        await asyncio.sleep(0.3)
        assert not switch.events(AgentOffered)
        center.login("80001", "70002")
        await answer(first)
        assert switch.events(QueueLeft)[0].wait >= 0.3
        customer.send(customer.in_dialog("BYE", invite, ok))
        bye = await first.expect_request("BYE")
        first.send(first.answer(bye, 200))

    run(scenario, tmp_path)


def test_an_agent_logs_in_and_out_from_the_keypad(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        phone = await switch.phone("70002")
        rtp = await phone.rtp()
        invite, _ = await phone.invite("*01", sdp(rtp.port), wait=False)
        while (response := await phone.expect_response(final=False)).status < 200:
            pass
        assert response.status == 200
        phone.send(phone.ack_for(invite, response))
        await asyncio.sleep(0.3)
        for digit in "80001#":
            press(phone, invite, response, digit)
        await asyncio.sleep(0.5)
        for digit in "80001#":
            press(phone, invite, response, digit)
        bye = await phone.expect_request("BYE", timeout=15.0)
        phone.send(phone.answer(bye, 200))
        agent = center.acd.agents["80001"]
        assert agent.status is AgentStatus.READY
        assert agent.extension == "70002"
        changed = switch.events(AgentStatusChanged)
        assert (changed[-1].status, changed[-1].extension) == ("ready", "70002")

        invite, _ = await phone.invite("*02", sdp(rtp.port), wait=False)
        while (response := await phone.expect_response(final=False)).status < 200:
            pass
        phone.send(phone.ack_for(invite, response))
        bye = await phone.expect_request("BYE", timeout=15.0)
        phone.send(phone.answer(bye, 200))
        assert agent.status is AgentStatus.LOGGED_OUT

    run(scenario, tmp_path)


LOUD = b"\x00" * 160  # PCMU's loudest sample, 20 ms of it
QUIET = b"\xff" * 160  # PCMU silence


async def loudness_heard(
    switch: Switch, senders: list[tuple[CallPhone, tuple[str, int], bytes]], *listeners: CallPhone
) -> list[int]:
    """Each sender sends 30 frames of its payload; the loudest sample each listener heard
    in the last 15 frames it received."""
    for listener in listeners:
        listener.rtps[-1].drain()
    for _ in range(30):
        for phone, to, payload in senders:
            phone.rtps[-1].send(to, payload=payload)
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.15)
    found = []
    for listener in listeners:
        packets = [RtpPacket.parse(d) for d in listener.rtps[-1].drain()][-15:]
        peak = 0
        for packet in packets:
            samples = memoryview(ulaw_decode(packet.payload)).cast("h")
            peak = max(peak, max(abs(v) for v in samples))
        found.append(peak)
    return found


def test_a_supervisor_listens_whispers_and_barges_in(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        customer, agent = await switch.phone("70001"), await switch.phone("70002")
        boss = await switch.phone("70004")
        center.login("80001", "70002")
        center.login("90001", "70004", ready=False)
        invite, ok = await call_hotline(customer)
        await asyncio.sleep(0.2)
        press(customer, invite, ok, "1")
        incoming, _ = await answer(agent)
        to_customer, to_agent = remote_media(ok)[:2], remote_media(incoming)[:2]

        rtp = await boss.rtp()
        boss_invite, _ = await boss.invite("*3380001", sdp(rtp.port), wait=False)
        while (boss_ok := await boss.expect_response(final=False)).status < 200:
            pass
        assert boss_ok.status == 200
        boss.send(boss.ack_for(boss_invite, boss_ok))
        to_boss = remote_media(boss_ok)[:2]
        await asyncio.sleep(0.2)

        # Listen: the supervisor hears the customer; nobody hears the supervisor.
        heard = await loudness_heard(
            switch, [(customer, to_customer, LOUD), (agent, to_agent, QUIET),
                     (boss, to_boss, QUIET)], boss)  # fmt: skip
        assert heard[0] > 10000
        heard = await loudness_heard(
            switch, [(customer, to_customer, QUIET), (agent, to_agent, QUIET),
                     (boss, to_boss, LOUD)], customer, agent)  # fmt: skip
        assert heard == [0, 0] or max(heard) < 100

        # Whisper (5): the agent hears the supervisor, the customer does not.
        press(boss, boss_invite, boss_ok, "5")
        await asyncio.sleep(0.1)
        customer_heard, agent_heard = await loudness_heard(
            switch, [(customer, to_customer, QUIET), (agent, to_agent, QUIET),
                     (boss, to_boss, LOUD)], customer, agent)  # fmt: skip
        assert agent_heard > 10000
        assert customer_heard < 100

        # Barge (6): both hear the supervisor.
        press(boss, boss_invite, boss_ok, "6")
        await asyncio.sleep(0.1)
        customer_heard, agent_heard = await loudness_heard(
            switch, [(customer, to_customer, QUIET), (agent, to_agent, QUIET),
                     (boss, to_boss, LOUD)], customer, agent)  # fmt: skip
        assert customer_heard > 10000
        assert agent_heard > 10000
        actions = [(e.supervisor, e.action, e.agent) for e in switch.events(SupervisorAction)]
        assert actions == [
            ("90001", "listen", "80001"),
            ("90001", "whisper", "80001"),
            ("90001", "barge", "80001"),
        ]

        # The supervisor hangs up: customer and agent are relayed again.
        boss.send(boss.in_dialog("BYE", boss_invite, boss_ok))
        await asyncio.sleep(0.2)
        assert switch.engine.calls.calls[switch.events(QueueJoined)[0].call].relay is not None
        sending = [(customer, to_customer, LOUD), (agent, to_agent, QUIET)]
        assert (await loudness_heard(switch, sending, agent))[0] > 10000
        customer.send(customer.in_dialog("BYE", invite, ok))
        bye = await agent.expect_request("BYE")
        agent.send(agent.answer(bye, 200))

    run(scenario, tmp_path)


def test_an_agent_may_not_listen_to_another(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        customer, agent = await switch.phone("70001"), await switch.phone("70002")
        other = await switch.phone("70003")
        center.login("80001", "70002")
        center.login("80002", "70003", ready=False)
        invite, ok = await call_hotline(customer)
        await asyncio.sleep(0.2)
        press(customer, invite, ok, "1")
        await answer(agent)
        rtp = await other.rtp()
        spy, _ = await other.invite("*3380001", sdp(rtp.port), wait=False)
        while (spy_ok := await other.expect_response(final=False)).status < 200:
            pass
        other.send(other.ack_for(spy, spy_ok))
        bye = await other.expect_request("BYE", timeout=10)  # told "no" and released
        other.send(other.answer(bye, 200))
        assert not switch.events(SupervisorAction)
        customer.send(customer.in_dialog("BYE", invite, ok))
        bye = await agent.expect_request("BYE")
        agent.send(agent.answer(bye, 200))

    run(scenario, tmp_path)


def test_an_agent_who_logs_out_and_in_during_a_call_is_available_after_it(tmp_path: Path) -> None:
    """Found by the chaos test: logged in again during its queue call, the agent must not
    count that call as a direct one once it ends (else no offers until a repair)."""

    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        customer, phone = await switch.phone("70001"), await switch.phone("70002")
        center.login("80001", "70002")
        invite, ok = await call_hotline(customer)
        await asyncio.sleep(0.2)
        press(customer, invite, ok, "1")
        await answer(phone)
        center.logout("80001")  # during the call: the state stays in_call
        center.login("80001", "70002")  # back at the same desk, still talking
        customer.send(customer.in_dialog("BYE", invite, ok))
        bye = await phone.expect_request("BYE")
        phone.send(phone.answer(bye, 200))
        agent = center.acd.agents["80001"]
        assert await switch.settle(lambda: agent.state is AgentState.IDLE)
        assert not switch.events(StateRepaired)
        assert agent.other_calls == 0
        assert agent.available(time.time())

    run(scenario, tmp_path, service=queue(wrap_up=0.3))


def test_a_waiting_caller_is_offered_when_the_agents_wrap_up_ends(tmp_path: Path) -> None:
    """Found by the chaos test: the wake-up that ends a wrap-up must also offer."""

    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        first, second = await switch.phone("70001"), await switch.phone("70003")
        phone = await switch.phone("70002")
        center.login("80001", "70002")
        invite, ok = await call_hotline(first)
        await asyncio.sleep(0.2)
        press(first, invite, ok, "1")
        await answer(phone)
        invite2, ok2 = await call_hotline(second)
        await asyncio.sleep(0.2)
        press(second, invite2, ok2, "1")  # waits: the only agent talks
        await asyncio.sleep(0.3)
        first.send(first.in_dialog("BYE", invite, ok))
        bye = await phone.expect_request("BYE")
        phone.send(phone.answer(bye, 200))
        # A wrap-up of 0.5 s; nothing else happens, yet the second caller is offered.
        assert await switch.settle(lambda: len(switch.events(AgentOffered)) == 2, timeout=3.0)
        await answer(phone)
        second.send(second.in_dialog("BYE", invite2, ok2))
        bye = await phone.expect_request("BYE")
        phone.send(phone.answer(bye, 200))

    run(scenario, tmp_path, service=queue(wrap_up=0.5))


async def agent_answers_a_caller(switch: Switch) -> tuple[CallPhone, CallPhone, Request, Response]:
    """80001 logs in at 70002; 70001 calls the hotline, presses 1 and is answered:
    (caller, agent's phone, the caller's INVITE, its 200)."""
    first = await switch.phone("70001")
    phone = await switch.phone("70002")
    switch.engine.center.login("80001", "70002")
    invite, ok = await call_hotline(first)
    await asyncio.sleep(0.2)
    press(first, invite, ok, "1")
    await answer(phone)
    return first, phone, invite, ok


def test_a_logged_out_agents_wrap_up_ends_on_time(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        first, phone, invite, ok = await agent_answers_a_caller(switch)
        center.logout("80001")
        first.send(first.in_dialog("BYE", invite, ok))
        bye = await phone.expect_request("BYE")
        phone.send(phone.answer(bye, 200))
        agent = center.acd.agents["80001"]
        await asyncio.sleep(0.3)
        assert agent.state is AgentState.WRAP_UP
        await asyncio.sleep(0.7)  # the 0.5 s are over, before the reconciler's grace
        assert agent.state is AgentState.IDLE
        assert not switch.events(StateRepaired)

    run(scenario, tmp_path, service=queue(wrap_up=0.5))


def test_an_agent_ends_a_long_wrap_up_early(tmp_path: Path) -> None:
    """Found by the desktop's test: 'end wrap-up' must end it before its timer does."""

    async def scenario(switch: Switch) -> None:
        center = switch.engine.center
        first, phone, invite, ok = await agent_answers_a_caller(switch)
        first.send(first.in_dialog("BYE", invite, ok))
        bye = await phone.expect_request("BYE")
        phone.send(phone.answer(bye, 200))
        agent = center.acd.agents["80001"]
        assert await switch.settle(lambda: agent.state is AgentState.WRAP_UP, timeout=2.0)
        center.end_wrap_up("80001")
        assert agent.state is AgentState.IDLE
        with pytest.raises(CommandError):
            center.end_wrap_up("80001")

    run(scenario, tmp_path, service=queue(wrap_up=60))
