"""The reconciler on a real contact center: an Engine on loopback (as in
test_contact_center), states corrupted by hand, each rule's repair and report; and real
calls through the queue, which it must leave alone.

The corruption and the `reconcile` that repairs it run without an ``await`` between them,
so the center's own timers (wrap-up ends, dispatch) cannot repair anything first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from callcenter.engine.acd.center import ContactCenter, _Connected
from callcenter.engine.acd.queue import Member
from callcenter.engine.acd.reconciler import reconcile
from callcenter.engine.acd.states import Agent, AgentState, AgentStatus
from callcenter.engine.events import QueueJoined, StateRepaired
from tests.engine.callphone import sdp
from tests.engine.test_calls import Switch
from tests.engine.test_contact_center import answer, call_hotline, press, queue, run

Scenario = Callable[[Switch, ContactCenter], Awaitable[None]]


def on_center(scenario: Scenario, tmp_path: Path, **queue_changes: object) -> None:
    async def test(switch: Switch) -> None:
        await scenario(switch, switch.engine.center)

    run(test, tmp_path, service=queue(**queue_changes))


def found(repaired: list[StateRepaired]) -> list[tuple[str, str, str]]:
    return [(r.agent, r.what, r.call) for r in repaired]


def offered(agent: Agent, call: str, now: float, *, to: AgentState) -> None:
    """Walk the agent through the state table to ``to`` for a queue call."""
    agent.set_state(AgentState.RESERVED, now, call=call, queue="service")
    if to is AgentState.RESERVED:
        return
    agent.set_state(AgentState.RINGING, now)
    if to is AgentState.RINGING:
        return
    agent.set_state(AgentState.IN_CALL, now)
    if to is AgentState.ON_HOLD:
        agent.set_state(AgentState.ON_HOLD, now)


async def queued_caller(switch: Switch) -> tuple[str, Callable[[], None]]:
    """70001 calls the hotline and presses 1: a member of "service". Returns its call ID
    and how to hang up."""
    customer = await switch.phone("70001")
    invite, ok = await call_hotline(customer)
    await asyncio.sleep(0.2)
    press(customer, invite, ok, "1")
    assert await switch.settle(lambda: bool(switch.events(QueueJoined)))
    call_id = switch.events(QueueJoined)[0].call

    def hang_up() -> None:
        customer.send(customer.in_dialog("BYE", invite, ok))

    return call_id, hang_up


# === Rule 2: offers ========================================================================
def test_an_agent_reserved_for_a_call_that_does_not_exist_is_freed_after_the_grace(
    tmp_path: Path,
) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        agent = center.acd.agents["80001"]
        now = time.time()
        offered(agent, "gone", now, to=AgentState.RESERVED)
        assert reconcile(center, now + 1.5) == []  # a normal offer may race the call
        repaired = reconcile(center, now + 2.5)
        assert found(repaired) == [("80001", "reserved_without_call", "gone")]
        assert repaired[0].at == now + 2.5
        assert (agent.state, agent.call, agent.queue) == (AgentState.IDLE, "", "")
        assert (agent.missed_in_row, agent.skip_until) == (0, 0.0)  # not the agent's miss
        assert agent.available(now + 2.5)
        assert reconcile(center, now + 2.5) == []

    on_center(scenario, tmp_path)


def test_an_agent_ringing_for_a_live_call_without_an_attempt_is_freed(tmp_path: Path) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        call_id, hang_up = await queued_caller(switch)
        center.login("80001", "70002", ready=False)  # no real offer: the test makes one
        agent = center.acd.agents["80001"]
        member = center.acd.member(call_id)
        assert member is not None
        now = time.time()
        offered(agent, call_id, now, to=AgentState.RINGING)
        member.ringing = ("80001",)
        assert reconcile(center, now + 1.0) == []
        repaired = reconcile(center, now + 3.0)
        assert found(repaired) == [("80001", "ringing_without_leg", call_id)]
        assert agent.state is AgentState.IDLE
        assert member.ringing == ()  # waits again, to be offered to somebody else
        assert center.acd.member(call_id) is member
        assert agent.skip_until == 0.0
        hang_up()

    on_center(scenario, tmp_path)


# === Rule 3: queue calls ===================================================================
@pytest.mark.parametrize("state", [AgentState.IN_CALL, AgentState.ON_HOLD])
def test_an_agent_in_a_queue_call_that_does_not_exist_is_set_idle(
    tmp_path: Path, state: AgentState
) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        agent = center.acd.agents["80001"]
        now = time.time()
        offered(agent, "gone", now, to=state)
        center.connected["gone"] = _Connected("80001", "service", now)
        repaired = reconcile(center, now)
        assert found(repaired) == [("80001", f"{state.value}_without_call", "gone")]
        assert (agent.state, agent.call, agent.wrap_up_until) == (AgentState.IDLE, "", None)
        assert agent.calls_taken == 0  # no statistics for a call nobody saw end
        assert center.connected == {}

    on_center(scenario, tmp_path)


def test_an_agent_on_a_call_it_did_not_answer_or_that_ended_is_set_idle(
    tmp_path: Path,
) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        first = await switch.phone("70002")
        center.login("80001", "70002")
        center.login("80002", "70003", ready=False)
        call_id, hang_up = await queued_caller(switch)
        await answer(first)
        talking, other = center.acd.agents["80001"], center.acd.agents["80002"]
        assert await switch.settle(lambda: talking.state is AgentState.IN_CALL)
        now = time.time()
        assert reconcile(center, now + 5.0) == []

        # 80002 believes it talks to the caller 80001 answered.
        offered(other, call_id, now, to=AgentState.IN_CALL)
        assert found(reconcile(center, now)) == [("80002", "in_call_without_leg", call_id)]
        assert other.state is AgentState.IDLE
        assert talking.state is AgentState.IN_CALL
        assert center.connected[call_id].agent == "80001"

        # The call is over but 80001 was not told (its leg is still up in this test, so
        # its extension counts one direct call once it is on no queue call).
        call = switch.engine.calls.calls[call_id]
        call.ended = True
        try:
            assert found(reconcile(center, now)) == [
                ("80001", "in_call_on_ended_call", call_id),
                ("80001", "extension_busy_count", ""),
            ]
        finally:
            call.ended = False
        assert (talking.state, talking.call) == (AgentState.IDLE, "")
        assert call_id not in center.connected

        hang_up()
        bye = await first.expect_request("BYE")
        first.send(first.answer(bye, 200))
        assert await switch.settle(lambda: not switch.engine.calls.calls)
        assert (talking.state, talking.other_calls) == (AgentState.IDLE, 0)

    on_center(scenario, tmp_path)


# === Rule 4: direct calls ==================================================================
def test_an_agent_in_a_direct_call_its_extension_is_not_on_is_set_idle(tmp_path: Path) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        agent = center.acd.agents["80001"]
        now = time.time()
        agent.set_state(AgentState.IN_CALL, now)
        agent.other_calls = 1
        assert found(reconcile(center, now)) == [("80001", "in_call_without_call", "")]
        assert (agent.state, agent.other_calls) == (AgentState.IDLE, 0)
        assert agent.available(now)

    on_center(scenario, tmp_path)


# === Rule 5: wrap-up =======================================================================
def test_a_wrap_up_past_its_end_is_ended(tmp_path: Path) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        agent = center.acd.agents["80001"]
        now = time.time()
        offered(agent, "done", now, to=AgentState.IN_CALL)
        agent.call_ended(now, 30.0, wrap_up=5.0)
        assert agent.wrap_up_until == now + 5.0
        assert reconcile(center, now + 5.5) == []  # the center's own timer is due
        repaired = reconcile(center, now + 6.5)
        assert found(repaired) == [("80001", "wrap_up_overdue", "done")]
        assert (agent.state, agent.wrap_up_until) == (AgentState.IDLE, None)

    on_center(scenario, tmp_path)


# === Rule 6: the count of direct calls =====================================================
def test_a_stale_count_of_direct_calls_is_corrected(tmp_path: Path) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        agent = center.acd.agents["80001"]
        agent.other_calls = 2  # a lost busy callback: never offered a call again
        now = time.time()
        assert not agent.available(now)
        assert found(reconcile(center, now)) == [("80001", "extension_busy_count", "")]
        assert agent.other_calls == 0
        assert agent.available(now)

    on_center(scenario, tmp_path)


# === Rule 7: members =======================================================================
def test_a_member_whose_call_is_gone_leaves_as_abandoned_and_frees_its_agents(
    tmp_path: Path,
) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        agent = center.acd.agents["80001"]
        now = time.time()
        member = Member("gone", "70001", "service", joined_at=now - 10)
        center.acd.join(member)
        offered(agent, "gone", now, to=AgentState.RESERVED)  # within the offer grace
        member.ringing = ("80001",)
        repaired = reconcile(center, now)
        assert found(repaired) == [
            ("", "member_without_call", "gone"),
            ("80001", "reserved_without_call", "gone"),
        ]
        assert center.acd.member("gone") is None
        assert len(center.acd.queues["service"]) == 0
        assert center.acd.queues["service"].abandoned == 1
        assert agent.state is AgentState.IDLE

    on_center(scenario, tmp_path)


# === Rule 8: connected calls ===============================================================
def test_a_connected_call_that_is_gone_is_forgotten(tmp_path: Path) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        now = time.time()
        center.connected["gone"] = _Connected("80001", "service", now - 60)
        assert found(reconcile(center, now)) == [("80001", "connected_without_call", "gone")]
        assert center.connected == {}

    on_center(scenario, tmp_path)


# === Rule 1: the extension map =============================================================
def test_a_second_agent_on_an_extension_is_logged_out(tmp_path: Path) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        twin = center.acd.agents["80002"]
        now = time.time()
        twin.login("70002", now)  # behind the center's back
        repaired = reconcile(center, now)
        assert found(repaired) == [("80002", "logged_in_twice", "")]
        assert (twin.status, twin.extension) == (AgentStatus.LOGGED_OUT, "")
        assert center.acd.agents["80001"].extension == "70002"
        assert center.by_extension == {"70002": "80001"}

    on_center(scenario, tmp_path)


def test_the_extension_map_is_rebuilt_from_the_agents(tmp_path: Path) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        center.login("80001", "70002")
        center.login("80002", "70003")
        center.by_extension.clear()
        center.by_extension.update({"70002": "80002", "70004": "80003"})
        repaired = reconcile(center, time.time())
        assert {(r.agent, r.what) for r in repaired} == {
            ("80002", "extension_map_wrong"),  # 70002 is not its extension
            ("80003", "extension_map_wrong"),  # logged out
            ("80001", "extension_map_wrong"),  # missing
        }
        assert len(repaired) == 4  # 80002: removed from 70002, added on 70003
        assert center.by_extension == {"70002": "80001", "70003": "80002"}
        assert center.agent_by_extension("70003") is center.acd.agents["80002"]

    on_center(scenario, tmp_path)


# === real calls are left alone =============================================================
def test_real_calls_ringing_answered_direct_and_wrap_up_are_left_alone(tmp_path: Path) -> None:
    async def scenario(switch: Switch, center: ContactCenter) -> None:
        first, third = await switch.phone("70002"), await switch.phone("70003")
        boss = await switch.phone("70004")
        center.login("80001", "70002")
        center.login("80002", "70003", ready=False)
        talking, direct = center.acd.agents["80001"], center.acd.agents["80002"]
        call_id, hang_up = await queued_caller(switch)

        # Ringing with a live attempt, even long past the grace.
        incoming = await first.expect_request("INVITE")
        first.send(first.answer(incoming, 180))
        assert await switch.settle(lambda: talking.state is AgentState.RINGING)
        assert reconcile(center, time.time() + 5.0) == []
        assert talking.state is AgentState.RINGING

        # Answered: in the queue call, connected.
        rtp = await first.rtp()
        first.send(first.answer(incoming, 200, sdp(rtp.port)))
        await first.expect_request("ACK")
        assert await switch.settle(lambda: talking.state is AgentState.IN_CALL)
        assert reconcile(center, time.time() + 5.0) == []
        assert center.connected[call_id].agent == "80001"

        # A direct call to the other agent's extension.
        boss_rtp = await boss.rtp()
        boss_invite, _ = await boss.invite("70003", sdp(boss_rtp.port), wait=False)
        await answer(third)
        while (boss_ok := await boss.expect_response(final=False)).status < 200:
            pass
        assert boss_ok.status == 200
        boss.send(boss.ack_for(boss_invite, boss_ok))
        assert await switch.settle(lambda: direct.state is AgentState.IN_CALL)
        assert (direct.call, direct.other_calls) == ("", 1)
        assert reconcile(center, time.time() + 5.0) == []

        # The queue call ends: wrap-up, not yet over.
        hang_up()
        bye = await first.expect_request("BYE")
        first.send(first.answer(bye, 200))
        assert await switch.settle(lambda: talking.state is AgentState.WRAP_UP)
        assert reconcile(center, time.time()) == []
        assert talking.state is AgentState.WRAP_UP

        boss.send(boss.in_dialog("BYE", boss_invite, boss_ok))
        bye = await third.expect_request("BYE")
        third.send(third.answer(bye, 200))
        assert await switch.settle(lambda: direct.state is AgentState.IDLE)
        assert reconcile(center, time.time()) == []

    on_center(scenario, tmp_path, wrap_up=5.0)
