"""Each strategy orders the candidates the way its definition says."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from callcenter.engine.acd.strategies import (
    STRATEGIES,
    Candidate,
    RoundRobinMemory,
    StrategyContext,
    UnknownStrategy,
    check_strategy,
    strategy_for,
)
from tests.engine.acd.conftest import CHEN, LINA, LIU, WANG, ZHAO

# Five agents of one level, positions 1..5, each best at one statistic:
#   idle longest: zhao; offered longest ago: chen; fewest calls: liu; least talk: wang.
FIVE = (
    Candidate(LINA, 1, 1, idle_since=500.0, last_offered=400.0, calls_taken=9, talk_time=900.0),
    Candidate(WANG, 1, 2, idle_since=300.0, last_offered=300.0, calls_taken=7, talk_time=100.0),
    Candidate(ZHAO, 1, 3, idle_since=100.0, last_offered=200.0, calls_taken=5, talk_time=500.0),
    Candidate(CHEN, 1, 4, idle_since=200.0, last_offered=100.0, calls_taken=8, talk_time=700.0),
    Candidate(LIU, 1, 5, idle_since=400.0, last_offered=500.0, calls_taken=2, talk_time=300.0),
)


def ctx(seed: int = 1, memory: RoundRobinMemory | None = None) -> StrategyContext:
    return StrategyContext(1000.0, random.Random(seed), memory or RoundRobinMemory(), "q")


def ids(candidates: list[Candidate]) -> list[str]:
    return [c.agent_id for c in candidates]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("longest-idle", [ZHAO, CHEN, WANG, LIU, LINA]),
        ("least-recent", [CHEN, ZHAO, WANG, LINA, LIU]),
        ("fewest-calls", [LIU, ZHAO, WANG, CHEN, LINA]),
        ("least-talk-time", [WANG, LIU, ZHAO, CHEN, LINA]),
        ("linear", [LINA, WANG, ZHAO, CHEN, LIU]),
        ("ring-all", [LINA, WANG, ZHAO, CHEN, LIU]),
        ("ring-progressively", [LINA, WANG, ZHAO, CHEN, LIU]),
        ("round-robin", [LINA, WANG, ZHAO, CHEN, LIU]),  # nobody served yet
    ],
)
def test_strategy_orders_by_its_statistic(name: str, expected: list[str]) -> None:
    shuffled = list(reversed(FIVE))
    assert ids(strategy_for(name)(shuffled, ctx())) == expected


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_level_one_comes_before_level_two(name: str) -> None:
    # Level 2 agents are better by every statistic and heavier, yet come last.
    level_two = [
        Candidate("90001", 2, 1, idle_since=0.0, last_offered=0.0, proficiency=10),
        Candidate("90002", 2, 2, idle_since=0.0, last_offered=0.0, proficiency=10),
    ]
    for seed in range(20):
        ordered = ids(strategy_for(name)(level_two + list(FIVE), ctx(seed)))
        assert sorted(ordered[:5]) == sorted(c.agent_id for c in FIVE)
        assert sorted(ordered[5:]) == ["90001", "90002"]


@pytest.mark.parametrize("name", sorted(set(STRATEGIES) - {"random", "weighted-random"}))
def test_ties_are_broken_by_level_position_agent(name: str) -> None:
    same = [Candidate(f"8000{n}", 1, 1) for n in (3, 1, 2)]
    assert ids(strategy_for(name)(same, ctx())) == ["80001", "80002", "80003"]


def test_round_robin_continues_after_the_last_served_and_wraps() -> None:
    memory = RoundRobinMemory()
    rr = strategy_for("round-robin")
    firsts = []
    for _ in range(7):
        first = rr(FIVE, ctx(memory=memory))[0]
        memory.served("q", first.agent_id, first.level, first.position)
        firsts.append(first.agent_id)
    assert firsts == [LINA, WANG, ZHAO, CHEN, LIU, LINA, WANG]


def test_round_robin_skips_an_absent_agent_and_keeps_the_rotation() -> None:
    memory = RoundRobinMemory()
    memory.served("q", WANG, 1, 2)
    without_zhao = [c for c in FIVE if c.agent_id != ZHAO]
    assert ids(strategy_for("round-robin")(without_zhao, ctx(memory=memory))) == [
        CHEN,
        LIU,
        LINA,
        WANG,
    ]
    assert memory.last("other") is None  # memory is per queue


def test_random_is_a_seeded_shuffle() -> None:
    first = ids(strategy_for("random")(FIVE, ctx(seed=3)))
    assert first == ids(strategy_for("random")(FIVE, ctx(seed=3)))
    assert sorted(first) == sorted(c.agent_id for c in FIVE)
    orders = {tuple(ids(strategy_for("random")(FIVE, ctx(seed=s)))) for s in range(30)}
    assert len(orders) > 10


def test_weighted_random_frequencies_follow_the_weights() -> None:
    weights = {LINA: 1, WANG: 2, ZHAO: 3, CHEN: 4}
    candidates = [Candidate(a, 1, n, proficiency=w) for n, (a, w) in enumerate(weights.items())]
    candidates.append(Candidate(LIU, 1, 9, proficiency=0))  # no skill: weight 1
    assert candidates[-1].weight == 1
    total = sum(c.weight for c in candidates)  # 11
    context = ctx(seed=2024)
    draws = 10_000
    firsts = Counter(
        strategy_for("weighted-random")(candidates, context)[0].agent_id for _ in range(draws)
    )
    for c in candidates:
        expected = draws * c.weight / total
        assert abs(firsts[c.agent_id] - expected) < 0.1 * expected + 30, (c.agent_id, firsts)


def test_weighted_random_is_deterministic_with_a_seed() -> None:
    a = ids(strategy_for("weighted-random")(FIVE, ctx(seed=5)))
    assert a == ids(strategy_for("weighted-random")(FIVE, ctx(seed=5)))


def test_unknown_strategy_is_a_configuration_error() -> None:
    with pytest.raises(UnknownStrategy, match="unknown strategy 'fastest'"):
        strategy_for("fastest")
    with pytest.raises(UnknownStrategy, match="queue 'billing': unknown strategy 'roundrobin'"):
        check_strategy("roundrobin", "billing")
    assert issubclass(UnknownStrategy, ValueError)
    for name in STRATEGIES:
        check_strategy(name)
