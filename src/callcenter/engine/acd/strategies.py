"""Queue strategies: pure functions ordering the agents who could take a caller.

Owns the strategy names of the configuration (:data:`STRATEGIES`) and what each means. A
strategy takes the candidates (agents of the queue available now, with the statistics it
needs, as :class:`Candidate` values) and a :class:`StrategyContext` (the time, a
``random.Random`` and the round-robin memory) and returns them ordered, best first. Which
of them are rung is the distributor's business: the first one, or all for ``ring-all``, or
a growing number for ``ring-progressively``.

The rules, shared by every strategy:

Rule 1. Tier levels first (mod_callcenter's tiers): every candidate of level 1 comes before
any of level 2, whatever the strategy; the strategy orders the candidates within a level.

Rule 2. Ties are broken by (level, position, agent ID), so that a result depends only on
the candidates, the context and the random generator's state.

Rule 3. An unknown strategy name is a configuration error (:class:`UnknownStrategy`),
never a silent fallback to another strategy.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True, slots=True)
class Candidate:
    """An agent who could take the caller, with the statistics strategies read."""

    agent_id: str
    level: int = 1
    position: int = 1
    idle_since: float = 0.0
    last_offered: float = 0.0
    calls_taken: int = 0
    talk_time: float = 0.0
    proficiency: int = 0  # in the queue's skill (0: none, or the queue needs none)

    @property
    def weight(self) -> int:
        """The weight for ``weighted-random``: the proficiency, at least 1."""
        return max(1, self.proficiency)

    @property
    def key(self) -> tuple[int, int, str]:
        """The tie-break order (Rule 2)."""
        return (self.level, self.position, self.agent_id)


class RoundRobinMemory:
    """The last agent served per queue (app_queue's ``rrmemory``), kept by the caller
    across calls. "Served" is the agent a single-agent offer went to."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, int, str]] = {}

    def served(self, queue: str, agent_id: str, level: int = 1, position: int = 1) -> None:
        """``agent_id`` (at ``level`` and ``position`` in the queue) was offered a call."""
        self._last[queue] = (level, position, agent_id)

    def last(self, queue: str) -> tuple[int, int, str] | None:
        return self._last.get(queue)

    def forget(self, queue: str) -> None:
        self._last.pop(queue, None)


@dataclass(slots=True)
class StrategyContext:
    now: float
    rng: random.Random
    memory: RoundRobinMemory = field(default_factory=RoundRobinMemory)
    queue: str = ""  # whose round-robin memory to read


Strategy = Callable[[Sequence[Candidate], StrategyContext], list[Candidate]]


class UnknownStrategy(ValueError):
    """A queue names a strategy that does not exist: a configuration error."""

    def __init__(self, strategy: str, queue: str = "") -> None:
        self.strategy = strategy
        self.queue = queue
        where = f"queue {queue!r}: " if queue else ""
        known = ", ".join(sorted(STRATEGIES))
        super().__init__(f"{where}unknown strategy {strategy!r} (known: {known})")


def _levels(candidates: Sequence[Candidate]) -> list[list[Candidate]]:
    """The candidates grouped by level, lowest first, each group in tie-break order."""
    ordered = sorted(candidates, key=lambda c: c.key)
    return [list(group) for _, group in itertools.groupby(ordered, key=lambda c: c.level)]


def ring_all(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """Every candidate, in tier order: they are rung together."""
    return sorted(candidates, key=lambda c: c.key)


def linear(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """Top-down by (level, position, agent ID)."""
    return sorted(candidates, key=lambda c: c.key)


def ring_progressively(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """The linear order; the distributor rings one more every ``progressive_step``."""
    return sorted(candidates, key=lambda c: c.key)


def longest_idle(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """Idle the longest first (the smallest ``idle_since``)."""
    return sorted(candidates, key=lambda c: (c.level, c.idle_since, c.position, c.agent_id))


def least_recent(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """Offered a call the longest time ago first (the smallest ``last_offered``)."""
    return sorted(candidates, key=lambda c: (c.level, c.last_offered, c.position, c.agent_id))


def fewest_calls(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """Fewest calls taken first."""
    return sorted(candidates, key=lambda c: (c.level, c.calls_taken, c.position, c.agent_id))


def least_talk_time(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """Least total talk time first."""
    return sorted(candidates, key=lambda c: (c.level, c.talk_time, c.position, c.agent_id))


def round_robin(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """Within each level in (level, position, agent ID) order, starting after the last
    agent served in this queue and wrapping around; the memory is updated by the caller
    (:meth:`RoundRobinMemory.served`) when it offers the call."""
    last = ctx.memory.last(ctx.queue)
    result: list[Candidate] = []
    for group in _levels(candidates):
        if last is None:
            result.extend(group)
            continue
        after = [c for c in group if c.key > last]
        result.extend(after)
        result.extend(c for c in group if c.key <= last)
    return result


def random_order(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """A random order within each level (``rng.shuffle``)."""
    result: list[Candidate] = []
    for group in _levels(candidates):
        ctx.rng.shuffle(group)
        result.extend(group)
    return result


def weighted_random(candidates: Sequence[Candidate], ctx: StrategyContext) -> list[Candidate]:
    """A random order within each level, sampled without replacement with probability
    proportional to :attr:`Candidate.weight`: each candidate draws ``u ** (1 / weight)``
    (``u`` uniform in [0, 1)) and the largest draws come first (Efraimidis and Spirakis,
    "Weighted random sampling with a reservoir", 2006). The first candidate is therefore
    chosen with probability weight / sum of weights."""
    result: list[Candidate] = []
    for group in _levels(candidates):
        draws = [(ctx.rng.random() ** (1.0 / c.weight), c) for c in group]
        draws.sort(key=lambda draw: -draw[0])  # stable: equal draws keep tier order
        result.extend(c for _, c in draws)
    return result


STRATEGIES: Final[dict[str, Strategy]] = {
    "ring-all": ring_all,
    "longest-idle": longest_idle,
    "least-recent": least_recent,
    "fewest-calls": fewest_calls,
    "least-talk-time": least_talk_time,
    "round-robin": round_robin,
    "linear": linear,
    "random": random_order,
    "weighted-random": weighted_random,
    "ring-progressively": ring_progressively,
}

RING_ALL: Final = "ring-all"
RING_PROGRESSIVELY: Final = "ring-progressively"


def strategy_for(name: str) -> Strategy:
    """The strategy called ``name``; :class:`UnknownStrategy` if there is none."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise UnknownStrategy(name) from None


def check_strategy(name: str, queue: str = "") -> None:
    """Configuration check: raise :class:`UnknownStrategy` (naming ``queue``) if ``name``
    is not a strategy."""
    if name not in STRATEGIES:
        raise UnknownStrategy(name, queue)
