"""The agent's status and state tables, misses, answers and wrap-up."""

from __future__ import annotations

import itertools

import pytest

from callcenter.engine.acd.states import (
    NO_ANSWER_REASON,
    STATE_TRANSITIONS,
    STATUS_TRANSITIONS,
    Agent,
    AgentState,
    AgentStatus,
    InvalidTransition,
)
from callcenter.engine.events import MissReason
from callcenter.engine.ports import QueueEntry
from tests.engine.acd.conftest import LINA, STAFF, Clock

AFTERSALES = QueueEntry(
    "aftersales",
    no_answer_delay=10.0,
    busy_delay=20.0,
    reject_delay=30.0,
    max_no_answer=3,
)

ALLOWED_STATES = {
    (AgentState.IDLE, AgentState.RESERVED),
    (AgentState.IDLE, AgentState.IN_CALL),
    (AgentState.RESERVED, AgentState.RINGING),
    (AgentState.RESERVED, AgentState.IDLE),
    (AgentState.RINGING, AgentState.IN_CALL),
    (AgentState.RINGING, AgentState.IDLE),
    (AgentState.IN_CALL, AgentState.ON_HOLD),
    (AgentState.IN_CALL, AgentState.WRAP_UP),
    (AgentState.IN_CALL, AgentState.IDLE),
    (AgentState.ON_HOLD, AgentState.IN_CALL),
    (AgentState.ON_HOLD, AgentState.WRAP_UP),
    (AgentState.ON_HOLD, AgentState.IDLE),
    (AgentState.WRAP_UP, AgentState.IDLE),
}
ALLOWED_STATUSES = {
    (AgentStatus.LOGGED_OUT, AgentStatus.READY),
    (AgentStatus.LOGGED_OUT, AgentStatus.NOT_READY),
    (AgentStatus.READY, AgentStatus.NOT_READY),
    (AgentStatus.READY, AgentStatus.LOGGED_OUT),
    (AgentStatus.NOT_READY, AgentStatus.READY),
    (AgentStatus.NOT_READY, AgentStatus.NOT_READY),
    (AgentStatus.NOT_READY, AgentStatus.LOGGED_OUT),
}


def lina(clock: Clock) -> Agent:
    agent = Agent(LINA, STAFF[LINA])
    agent.login("70001", clock.now)
    return agent


def test_tables_are_the_documented_ones() -> None:
    assert {(a, b) for a, targets in STATE_TRANSITIONS.items() for b in targets} == ALLOWED_STATES
    assert {
        (a, b) for a, targets in STATUS_TRANSITIONS.items() for b in targets
    } == ALLOWED_STATUSES


@pytest.mark.parametrize(("current", "target"), list(itertools.product(AgentState, AgentState)))
def test_state_transition(current: AgentState, target: AgentState) -> None:
    agent = Agent(LINA, STAFF[LINA], state=current, call="c1", queue="aftersales")
    if (current, target) in ALLOWED_STATES:
        agent.set_state(target, 5.0, call="c2", queue="aftersales")
        assert agent.state is target
        assert agent.state_since == 5.0
        assert agent.call == ("" if target is AgentState.IDLE else "c2")
    else:
        with pytest.raises(InvalidTransition, match=f"from '{current}' to '{target}'"):
            agent.set_state(target, 5.0)
        assert agent.state is current


@pytest.mark.parametrize(("current", "target"), list(itertools.product(AgentStatus, AgentStatus)))
def test_status_transition(current: AgentStatus, target: AgentStatus) -> None:
    agent = Agent(LINA, STAFF[LINA], status=current, reason="lunch")
    if (current, target) in ALLOWED_STATUSES:
        agent.set_status(target, "meeting", 5.0)
        assert agent.status is target
        assert agent.reason == ("meeting" if target is AgentStatus.NOT_READY else "")
        assert agent.status_since == 5.0
    else:
        with pytest.raises(InvalidTransition, match=f"agent {LINA}: status"):
            agent.set_status(target, "meeting", 5.0)
        assert agent.status is current


@pytest.mark.parametrize("state", list(AgentState))
def test_reset_returns_any_state_to_idle(state: AgentState) -> None:
    agent = Agent(LINA, STAFF[LINA], state=state, call="c1", queue="aftersales")
    agent.reset(9.0)
    assert (agent.state, agent.call, agent.queue, agent.state_since) == (
        AgentState.IDLE,
        "",
        "",
        9.0,
    )


def test_login_and_logout(clock: Clock) -> None:
    agent = Agent(LINA, STAFF[LINA])
    assert not agent.available(clock.now)
    agent.login("70001", clock.now, AgentStatus.NOT_READY, "training")
    assert (agent.status, agent.reason, agent.extension) == (
        AgentStatus.NOT_READY,
        "training",
        "70001",
    )
    assert not agent.available(clock.now)
    agent.set_status(AgentStatus.READY, "", clock.advance(5))
    assert agent.available(clock.now)
    assert agent.idle_since == clock.now - 5  # counted from the login
    agent.logout(clock.now)
    assert (agent.status, agent.extension) == (AgentStatus.LOGGED_OUT, "")
    with pytest.raises(InvalidTransition):
        agent.logout(clock.now)
    with pytest.raises(InvalidTransition):
        agent.login("70001", clock.now, AgentStatus.LOGGED_OUT)


def test_available_needs_ready_idle_no_skip_no_direct_call(clock: Clock) -> None:
    agent = lina(clock)
    assert agent.available(clock.now)
    agent.other_calls = 1
    assert not agent.available(clock.now)
    agent.other_calls = 0
    agent.set_state(AgentState.RESERVED, clock.now, call="c1", queue="aftersales")
    assert not agent.available(clock.now)
    agent.set_state(AgentState.IDLE, clock.now)
    agent.set_status(AgentStatus.NOT_READY, "lunch", clock.now)
    assert not agent.available(clock.now)


def test_no_answer_skips_then_sets_not_ready_after_max_in_row(clock: Clock) -> None:
    agent = lina(clock)
    assert agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES) is False
    assert agent.skip_until == clock.now + 10
    assert not agent.available(clock.advance(9.9))
    assert agent.available(clock.advance(0.1))
    assert agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES) is False
    assert agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES) is True  # the third
    assert agent.missed_in_row == 3
    agent.set_status(AgentStatus.NOT_READY, NO_ANSWER_REASON, clock.now)
    assert agent.reason == "no_answer"
    agent.set_status(AgentStatus.READY, "", clock.advance(60))
    assert agent.missed_in_row == 0  # ready again: a fresh count
    assert agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES) is False


def test_an_answer_resets_the_misses_in_a_row(clock: Clock) -> None:
    agent = lina(clock)
    agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES)
    agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES)
    agent.answered(clock.now)
    assert agent.missed_in_row == 0
    assert agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES) is False
    assert agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES) is False
    assert agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES) is True


@pytest.mark.parametrize(
    ("reason", "delay"),
    [(MissReason.BUSY, 20.0), (MissReason.REJECTED, 30.0), (MissReason.UNAVAILABLE, 10.0)],
)
def test_busy_reject_unavailable_skip_without_counting(
    clock: Clock, reason: MissReason, delay: float
) -> None:
    agent = lina(clock)
    for _ in range(5):
        assert agent.missed(clock.now, reason, AFTERSALES) is False
    assert agent.missed_in_row == 0
    assert agent.skip_until == clock.now + delay
    assert not agent.available(clock.now + delay - 0.01)
    assert agent.available(clock.now + delay)


def test_caller_gone_is_not_the_agents_miss(clock: Clock) -> None:
    agent = lina(clock)
    agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES)
    agent.missed(clock.now, MissReason.NO_ANSWER, AFTERSALES)
    agent.skip_until = 0.0
    assert agent.missed(clock.now, MissReason.CALLER_GONE, AFTERSALES) is False
    assert (agent.missed_in_row, agent.skip_until) == (2, 0.0)
    assert agent.available(clock.now)


def test_max_no_answer_zero_never_sets_not_ready(clock: Clock) -> None:
    agent = lina(clock)
    patient = QueueEntry("patient", max_no_answer=0)
    assert not any(agent.missed(clock.now, MissReason.NO_ANSWER, patient) for _ in range(10))


def test_call_ended_wraps_up_until_now_plus_wrap_up(clock: Clock) -> None:
    agent = lina(clock)
    agent.set_state(AgentState.RESERVED, clock.now, call="c1", queue="aftersales")
    assert agent.last_offered == clock.now
    agent.set_state(AgentState.RINGING, clock.advance(2))
    agent.set_state(AgentState.IN_CALL, clock.advance(3))
    agent.call_ended(clock.advance(60), talk_seconds=60.0, wrap_up=15.0)
    assert (agent.state, agent.wrap_up_until) == (AgentState.WRAP_UP, clock.now + 15)
    assert (agent.calls_taken, agent.talk_time, agent.idle_since) == (1, 60.0, clock.now)
    assert agent.call == "c1"  # the wrap-up is for that call
    assert not agent.available(clock.advance(14.9))
    assert agent.end_wrap_up(clock.now) is False
    assert agent.end_wrap_up(clock.advance(0.1)) is True
    assert (agent.state, agent.wrap_up_until, agent.call) == (AgentState.IDLE, None, "")
    assert agent.available(clock.now)


def test_call_ended_without_wrap_up_is_idle_at_once(clock: Clock) -> None:
    agent = lina(clock)
    agent.set_state(AgentState.IN_CALL, clock.now, call="direct-1")
    agent.set_state(AgentState.ON_HOLD, clock.advance(10))
    agent.call_ended(clock.advance(10), talk_seconds=20.0, wrap_up=0.0)
    assert (agent.state, agent.wrap_up_until) == (AgentState.IDLE, None)
    assert agent.available(clock.now)


def test_call_ended_when_not_in_a_call_is_refused(clock: Clock) -> None:
    agent = lina(clock)
    with pytest.raises(InvalidTransition, match="'idle' to 'wrap_up'"):
        agent.call_ended(clock.now, 10.0, 5.0)
