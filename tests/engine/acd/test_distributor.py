"""Who takes which caller: the distribution rule and the life of an offer."""

from __future__ import annotations

import dataclasses
import random

import pytest

from callcenter.engine.acd.distributor import Distributor, Offer
from callcenter.engine.acd.states import AgentState, AgentStatus
from callcenter.engine.acd.strategies import UnknownStrategy
from callcenter.engine.events import MissReason
from callcenter.engine.ports import TierEntry
from tests.engine.acd.conftest import (
    CHEN,
    LINA,
    LIU,
    STAFF,
    WANG,
    ZHAO,
    Clock,
    caller,
    center,
    queue_entry,
)

EVERYONE = (LINA, WANG, ZHAO, CHEN, LIU)


def test_longest_idle_agent_takes_the_caller_and_deciding_changes_nothing(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", *EVERYONE)], clock)
    acd.join(caller("c1", at=clock.now))
    before = {a: (x.state, x.last_offered) for a, x in acd.agents.items()}
    offer = acd.next_for_member("c1", clock.now)
    assert offer == Offer("c1", "aftersales", (LINA,))  # logged in first: idle longest
    assert acd.distribute(clock.now) == [offer]
    assert {a: (x.state, x.last_offered) for a, x in acd.agents.items()} == before
    assert acd.reserve(offer, clock.now)
    assert acd.agents[LINA].state is AgentState.RESERVED
    assert acd.member("c1") is not None
    assert acd.member("c1").ringing == (LINA,)  # type: ignore[union-attr]
    assert acd.distribute(clock.now) == []  # c1 is being rung
    assert acd.reserve(offer, clock.now) is False  # lina is no longer available


def test_each_agent_gets_one_caller_per_round(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", *EVERYONE)], clock, ready=(LINA, WANG))
    for n in range(1, 4):
        acd.join(caller(f"c{n}", at=clock.now + n))
    offers = acd.distribute(clock.now + 5)
    assert offers == [
        Offer("c1", "aftersales", (LINA,)),
        Offer("c2", "aftersales", (WANG,)),
    ]


def test_answer_then_wrap_up_then_available_again(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA, wrap_up=30.0)], clock, ready=(LINA,))
    acd.join(caller("c1", at=clock.now))
    offer = acd.next_for_member("c1", clock.advance(1))
    assert offer is not None
    acd.reserve(offer, clock.now)
    acd.offer_ringing("c1", LINA, clock.now)
    assert acd.agents[LINA].state is AgentState.RINGING
    assert acd.offer_answered("c1", LINA, clock.advance(4)) == ()
    lina = acd.agents[LINA]
    assert (lina.state, lina.call, lina.queue) == (AgentState.IN_CALL, "c1", "aftersales")
    assert acd.member("c1") is None
    assert acd.queues["aftersales"].stats(clock.now).answered == 1
    acd.join(caller("c2", at=clock.now))
    acd.call_ended(LINA, clock.advance(100), talk_seconds=100.0)
    assert (lina.state, lina.wrap_up_until) == (AgentState.WRAP_UP, clock.now + 30)
    assert acd.next_for_agent(LINA, clock.advance(29)) is None
    assert acd.next_for_member("c2", clock.now) is None
    assert lina.end_wrap_up(clock.advance(1))
    assert acd.next_for_agent(LINA, clock.now) == Offer("c2", "aftersales", (LINA,))


def test_an_agent_on_a_direct_call_is_not_offered(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA, WANG)], clock, ready=(LINA, WANG))
    acd.agents[LINA].other_calls = 1
    acd.join(caller("c1", at=clock.now))
    assert acd.next_for_member("c1", clock.now) == Offer("c1", "aftersales", (WANG,))
    assert acd.next_for_agent(LINA, clock.now) is None
    acd.agents[WANG].other_calls = 2
    assert acd.distribute(clock.now) == []


def test_priority_callers_are_served_first(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA)], clock, ready=(LINA,))
    acd.join(caller("c1", at=clock.now))
    acd.join(caller("vip", at=clock.now + 20, priority=10))
    assert acd.distribute(clock.now + 30) == [Offer("vip", "aftersales", (LINA,))]
    assert acd.next_for_agent(LINA, clock.now + 30) == Offer("vip", "aftersales", (LINA,))


def test_heavier_queue_first_then_longest_waiting(clock: Clock) -> None:
    acd = center(
        [
            queue_entry("general", LINA, WANG, weight=0),
            queue_entry("gold", LINA, WANG, weight=10),
            queue_entry("billing", LINA, WANG, weight=0),
        ],
        clock,
        ready=(LINA,),
    )
    acd.join(caller("g1", "general", at=clock.now))
    acd.join(caller("b1", "billing", at=clock.now + 5))
    acd.join(caller("gold1", "gold", at=clock.now + 10))
    now = clock.advance(20)
    assert acd.next_for_agent(LINA, now) == Offer("gold1", "gold", (LINA,))
    assert acd.distribute(now) == [Offer("gold1", "gold", (LINA,))]
    acd.member_left("gold1", now)
    # Same weight: the caller who has waited longest, whatever the queue.
    assert acd.next_for_agent(LINA, now) == Offer("g1", "general", (LINA,))
    acd.agents[WANG].login("70002", now)
    assert acd.distribute(now) == [
        Offer("g1", "general", (LINA,)),
        Offer("b1", "billing", (WANG,)),
    ]


@pytest.fixture
def repair(clock: Clock) -> Distributor:
    """A repair queue needing proficiency 5, relaxed to 3 after 30 s and to anyone after
    60 s; wang (repair 3) and liu (no skill) are ready."""
    entry = queue_entry(
        "repair", WANG, LIU, skill="repair", min_proficiency=5, relax=((30, 3), (60, 0))
    )
    acd = center([entry], clock, ready=(WANG, LIU))
    acd.join(caller("c1", "repair", at=clock.now))
    return acd


def test_skill_relaxation(repair: Distributor, clock: Clock) -> None:
    start = clock.now
    assert repair.next_for_member("c1", start + 10) is None
    assert repair.next_for_agent(WANG, start + 10) is None
    assert repair.distribute(start + 10) == []
    assert repair.next_wakeup(start + 10) == start + 30
    assert repair.next_for_member("c1", start + 35) == Offer("c1", "repair", (WANG,))
    assert repair.next_for_agent(WANG, start + 35) == Offer("c1", "repair", (WANG,))
    assert repair.next_for_agent(LIU, start + 35) is None  # no skill yet
    repair.agents[WANG].set_status(AgentStatus.NOT_READY, "lunch", start + 36)
    assert repair.next_for_member("c1", start + 59) is None
    assert repair.next_for_member("c1", start + 61) == Offer("c1", "repair", (LIU,))
    assert repair.next_for_agent(LIU, start + 61) == Offer("c1", "repair", (LIU,))


def test_a_skilled_agent_takes_the_caller_at_once(repair: Distributor, clock: Clock) -> None:
    repair.agents[LINA].login("70001", clock.now)  # repair 5, but not in the queue's tiers
    assert repair.next_for_agent(LINA, clock.now) is None
    tiers = (TierEntry(WANG), TierEntry(LIU), TierEntry(LINA, level=2))
    entry = repair.queues["repair"].entry
    repair.configure({"repair": dataclasses.replace(entry, tiers=tiers)}, STAFF)
    assert repair.next_for_member("c1", clock.now) == Offer("c1", "repair", (LINA,))


def test_no_answer_moves_on_and_sets_not_ready_after_max(clock: Clock) -> None:
    acd = center(
        [queue_entry("aftersales", LINA, WANG, strategy="linear", max_no_answer=2)],
        clock,
        ready=(LINA, WANG),
    )
    acd.join(caller("c1", at=clock.now))
    offer = acd.next_for_member("c1", clock.now)
    assert offer == Offer("c1", "aftersales", (LINA,))
    acd.reserve(offer, clock.now)
    acd.offer_ringing("c1", LINA, clock.now)
    assert acd.offer_failed("c1", LINA, MissReason.NO_ANSWER, clock.advance(15)) is False
    lina = acd.agents[LINA]
    assert (lina.state, lina.skip_until) == (AgentState.IDLE, clock.now + 10)
    assert acd.member("c1").ringing == ()  # type: ignore[union-attr]
    assert acd.distribute(clock.now) == [Offer("c1", "aftersales", (WANG,))]  # lina skipped
    acd.agents[WANG].set_status(AgentStatus.NOT_READY, "lunch", clock.now)
    assert acd.distribute(clock.advance(10)) == [Offer("c1", "aftersales", (LINA,))]
    acd.reserve(Offer("c1", "aftersales", (LINA,)), clock.now)
    assert acd.offer_failed("c1", LINA, MissReason.NO_ANSWER, clock.advance(15)) is True


def test_caller_gone_while_ringing_releases_without_a_miss(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA)], clock, ready=(LINA,))
    acd.join(caller("c1", at=clock.now))
    acd.reserve(Offer("c1", "aftersales", (LINA,)), clock.now)
    acd.offer_ringing("c1", LINA, clock.now)
    assert acd.member_left("c1", clock.advance(3)) == (LINA,)
    lina = acd.agents[LINA]
    assert (lina.state, lina.missed_in_row, lina.available(clock.now)) == (
        AgentState.IDLE,
        0,
        True,
    )
    assert acd.queues["aftersales"].stats(clock.now).abandoned == 1
    assert acd.member_left("c1", clock.now) == ()


def test_ring_all_rings_everyone_and_releases_the_others(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", *EVERYONE, strategy="ring-all")], clock)
    acd.agents[CHEN].set_status(AgentStatus.NOT_READY, "lunch", clock.now)
    acd.join(caller("c1", at=clock.now))
    offer = acd.next_for_member("c1", clock.now)
    assert offer == Offer("c1", "aftersales", (LINA, WANG, ZHAO, LIU))
    acd.reserve(offer, clock.now)
    acd.agents[CHEN].set_status(AgentStatus.READY, "", clock.advance(1))
    assert acd.extend(clock.now) == [Offer("c1", "aftersales", (CHEN,))]
    acd.reserve(acd.extend(clock.now)[0], clock.now)
    assert acd.offer_answered("c1", ZHAO, clock.advance(2)) == (LINA, WANG, LIU, CHEN)
    states = {a: acd.agents[a].state for a in EVERYONE}
    assert states == {a: AgentState.IN_CALL if a == ZHAO else AgentState.IDLE for a in EVERYONE}


def test_ring_progressively_adds_agents_with_time(clock: Clock) -> None:
    entry = queue_entry("aftersales", *EVERYONE, strategy="ring-progressively")
    acd = center([entry], clock)  # progressive_step 5 s
    start = clock.now
    acd.join(caller("c1", at=start))
    first = acd.next_for_member("c1", start)
    assert first == Offer("c1", "aftersales", (LINA,))
    acd.reserve(first, start)
    assert acd.extend(start + 4.9) == []
    assert acd.next_wakeup(start + 4.9) == start + 5
    second = acd.extend(start + 5)
    assert second == [Offer("c1", "aftersales", (WANG,))]
    acd.reserve(second[0], start + 5)
    assert acd.extend(start + 12) == [Offer("c1", "aftersales", (ZHAO,))]  # 1 + 12 // 5 = 3
    acd.reserve(acd.extend(start + 12)[0], start + 12)
    assert acd.member("c1").ringing == (LINA, WANG, ZHAO)  # type: ignore[union-attr]
    assert acd.offer_answered("c1", WANG, start + 13) == (LINA, ZHAO)


def test_ring_progressively_after_all_missed_rings_as_many_as_the_time_says(
    clock: Clock,
) -> None:
    acd = center([queue_entry("aftersales", *EVERYONE, strategy="ring-progressively")], clock)
    start = clock.now
    acd.join(caller("c1", at=start))
    acd.reserve(Offer("c1", "aftersales", (LINA,)), start)
    acd.offer_failed("c1", LINA, MissReason.NO_ANSWER, start + 15)
    assert acd.distribute(start + 15) == [Offer("c1", "aftersales", (WANG, ZHAO, CHEN, LIU))]


def test_round_robin_remembers_across_calls(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA, WANG, ZHAO, strategy="round-robin")], clock)
    served = []
    for n in range(4):
        call = f"c{n}"
        acd.join(caller(call, at=clock.now))
        offer = acd.next_for_member(call, clock.now)
        assert offer is not None
        acd.reserve(offer, clock.now)
        acd.offer_answered(call, offer.agents[0], clock.advance(1))
        acd.call_ended(offer.agents[0], clock.advance(1), 1.0, wrap_up=0.0)
        served.append(offer.agents[0])
    assert served == [LINA, WANG, ZHAO, LINA]


def test_unknown_strategy_names_the_queue_and_changes_nothing(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA)], clock, ready=(LINA,))
    acd.join(caller("c1", at=clock.now))
    bad = {
        "aftersales": queue_entry("aftersales", LINA),
        "billing": queue_entry("billing", strategy="fastest"),
    }
    with pytest.raises(UnknownStrategy, match="queue 'billing': unknown strategy 'fastest'"):
        acd.configure(bad, STAFF)
    assert set(acd.queues) == {"aftersales"}
    assert acd.next_for_member("c1", clock.now) == Offer("c1", "aftersales", (LINA,))


def test_reload_keeps_members_and_agents(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA, WANG)], clock, ready=(LINA, WANG))
    acd.join(caller("c1", at=clock.now))
    acd.join(caller("c2", "aftersales", at=clock.now + 1))
    lina = acd.agents[LINA]
    acd.configure({"aftersales": queue_entry("aftersales", WANG, LINA, strategy="linear")}, STAFF)
    assert acd.agents[LINA] is lina
    assert lina.status is AgentStatus.READY
    assert acd.queues["aftersales"].position("c2") == 2
    assert acd.next_for_member("c1", clock.now) == Offer("c1", "aftersales", (WANG,))


def test_removing_a_queue_returns_its_members_and_releases_their_agents(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA), queue_entry("billing", CHEN)], clock)
    acd.join(caller("c1", at=clock.now))
    acd.reserve(Offer("c1", "aftersales", (LINA,)), clock.now)
    orphans = acd.configure({"billing": queue_entry("billing", CHEN)}, STAFF, now=clock.now)
    assert [m.call_id for m in orphans] == ["c1"]
    assert acd.agents[LINA].state is AgentState.IDLE
    assert acd.member("c1") is None
    assert acd.queues_of(LINA) == ()


def test_expected_wait_of_a_member(clock: Clock) -> None:
    acd = center([queue_entry("aftersales", LINA, WANG)], clock, ready=(LINA, WANG))
    for n in range(3):
        acd.join(caller(f"c{n}", at=clock.now + n))
    for seconds in (60.0, 120.0):
        acd.queues["aftersales"].record_handle(seconds)
    assert acd.expected_wait("c2") == pytest.approx(3 * 90.0 / 2)
    assert acd.expected_wait("nobody") is None


def test_seeded_random_distribution_is_reproducible(clock: Clock) -> None:
    def offers(seed: int) -> list[Offer]:
        acd = center([queue_entry("aftersales", *EVERYONE, strategy="random")], clock, seed=seed)
        for n in range(3):
            acd.join(caller(f"c{n}", at=clock.now + n))
        return acd.distribute(clock.now + 5)

    assert offers(11) == offers(11)
    assert len({tuple(o.agents[0] for o in offers(s)) for s in range(20)}) > 3
    assert Distributor(random.Random(1)).distribute(0.0) == []
