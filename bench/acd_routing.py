"""ACD routing decisions: time per decision of the pure distributor, one core.

1,000 logged-in agents, 100 queues of every strategy (each agent a tier of 5 queues, at
levels 1 and 2), 10 skills with relaxation, most agents available, a few callers waiting.
Times `Distributor.next_for_member` (a caller just joined) and `next_for_agent` (an agent
just became available, a caller waiting in one of its queues), and a whole
`distribute` round, each with `time.perf_counter_ns` around the call alone.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from bench.common import table, write
from callcenter.engine.acd.distributor import Distributor
from callcenter.engine.acd.queue import Member
from callcenter.engine.acd.states import AgentState, AgentStatus
from callcenter.engine.acd.strategies import STRATEGIES
from callcenter.engine.ports import AgentEntry, QueueEntry, TierEntry

AGENTS = 1_000
QUEUES = 100
QUEUES_PER_AGENT = 5
SKILLS = [f"skill{n}" for n in range(10)]
WAITING = 5  # callers waiting in other queues during each decision
DECISIONS = 25_000


def build(rng: random.Random) -> Distributor:
    strategies = sorted(STRATEGIES)
    tiers: dict[str, list[TierEntry]] = {f"q{n:03}": [] for n in range(QUEUES)}
    agents: dict[str, AgentEntry] = {}
    names = sorted(tiers)
    for n in range(AGENTS):
        agent_id = f"{10000 + n}"
        skills = tuple((s, rng.randint(1, 10)) for s in rng.sample(SKILLS, 3))
        agents[agent_id] = AgentEntry(agent_id, f"agent {n}", skills=skills)
        for queue in rng.sample(names, QUEUES_PER_AGENT):
            tiers[queue].append(TierEntry(agent_id, rng.choice((1, 1, 1, 2)), rng.randint(1, 20)))
    queues = {
        name: QueueEntry(
            name,
            strategy=strategies[n % len(strategies)],
            weight=rng.choice((0, 0, 5, 10)),
            tiers=tuple(tiers[name]),
            skill="" if n % 10 == 0 else rng.choice(SKILLS),
            min_proficiency=rng.randint(1, 6),
            relax=((30.0, 2), (90.0, 0)),
        )
        for n, name in enumerate(names)
    }
    acd = Distributor(random.Random(1))
    acd.configure(queues, agents)
    for n, agent in enumerate(acd.agents.values()):
        agent.login(f"{20000 + n}", -rng.uniform(0, 3600))
        agent.calls_taken = rng.randint(0, 40)
        agent.talk_time = rng.uniform(0, 7200)
        agent.last_offered = -rng.uniform(0, 600)
        roll = rng.random()
        if roll < 0.2:
            agent.set_state(AgentState.IN_CALL, 0.0, call=f"busy-{n}")
        elif roll < 0.3:
            agent.set_status(AgentStatus.NOT_READY, "lunch", 0.0)
    return acd


def percentiles(samples: list[int]) -> list[str]:
    samples.sort()

    def at(q: float) -> float:
        return samples[min(len(samples) - 1, int(q * len(samples)))] / 1000

    return [f"{len(samples):,}", f"{at(0.5):.1f}", f"{at(0.99):.1f}", f"{samples[-1] / 1000:.1f}"]


def measure(step: Callable[[int], int]) -> list[int]:
    for n in range(500):  # warm-up
        step(n)
    return [step(n) for n in range(DECISIONS)]


def main() -> None:
    rng = random.Random(2024)
    acd = build(rng)
    names = sorted(acd.queues)
    for n in range(WAITING):  # callers already waiting, left in place throughout
        acd.join(Member(f"w{n}", "13800000000", names[n * 7], priority=n % 2, joined_at=0.0))
    available = [a for a, agent in acd.agents.items() if agent.available(100.0)]
    offered = 0

    def for_member(n: int) -> int:
        nonlocal offered
        now = 100.0 + n * 0.01
        call_id = f"m{n}"
        joined = now - rng.uniform(0, 120)
        acd.join(Member(call_id, "13900000000", rng.choice(names), joined_at=joined))
        start = time.perf_counter_ns()
        offer = acd.next_for_member(call_id, now)
        elapsed = time.perf_counter_ns() - start
        offered += offer is not None
        acd.member_left(call_id, now, abandoned=False)
        return elapsed

    def for_agent(n: int) -> int:
        nonlocal offered
        now = 100.0 + n * 0.01
        agent_id = rng.choice(available)
        call_id = f"a{n}"
        queue = rng.choice(acd.queues_of(agent_id))
        acd.join(Member(call_id, "13900000000", queue, joined_at=now - rng.uniform(0, 120)))
        start = time.perf_counter_ns()
        offer = acd.next_for_agent(agent_id, now)
        elapsed = time.perf_counter_ns() - start
        offered += offer is not None
        acd.member_left(call_id, now, abandoned=False)
        return elapsed

    def round_of(n: int) -> int:
        nonlocal offered
        now = 100.0 + n * 0.01
        calls = [f"r{n}-{k}" for k in range(3)]
        for call_id in calls:
            acd.join(Member(call_id, "13900000000", rng.choice(names), joined_at=now - 10))
        start = time.perf_counter_ns()
        offers = acd.distribute(now)
        elapsed = time.perf_counter_ns() - start
        offered += len(offers)
        for call_id in calls:
            acd.member_left(call_id, now, abandoned=False)
        return elapsed

    rows: list[list[object]] = []
    for label, step in (
        ("next_for_member (a caller joins)", for_member),
        ("next_for_agent (an agent becomes available)", for_agent),
        (f"distribute (one round: 3 new + {WAITING} waiting callers)", round_of),
    ):
        offered = 0
        samples = measure(step)
        rows.append([label, *percentiles(samples), f"{offered / (DECISIONS + 500):.2f}"])
    body = (
        f"{AGENTS:,} logged-in agents ({len(available)} available), {QUEUES} queues "
        f"(all {len(STRATEGIES)} strategies, levels 1-2, skills with relaxation), each agent "
        f"in {QUEUES_PER_AGENT} queues; time.perf_counter_ns around the call alone.\n\n"
        + table(["decision", "decisions", "p50 µs", "p99 µs", "max µs", "offers each"], rows)
        + "\n\nTarget: p99 ≤ 1,000 µs per decision. A `distribute` round makes up to 8"
        ' decisions; "offers each" is the mean number of offers a call returned.'
    )
    write("acd_routing", "ACD routing decisions (one core)", body)


if __name__ == "__main__":
    main()
