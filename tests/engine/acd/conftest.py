"""Personas and a clock for the ACD core's pure tests.

Five agents of the 售后 (after-sales) queue, by agent ID: `lina` 80001 (李娜), `wang` 80002
(王伟), `zhao` 80003 (赵敏), `chen` 80004 (陈静), `liu` 80005 (刘洋). Time is a `Clock` the
test moves by hand; randomness a seeded `random.Random`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from callcenter.engine.acd.distributor import Distributor
from callcenter.engine.acd.queue import Member
from callcenter.engine.ports import AgentEntry, QueueEntry, TierEntry

LINA, WANG, ZHAO, CHEN, LIU = "80001", "80002", "80003", "80004", "80005"
STAFF = {
    LINA: AgentEntry(LINA, "李娜", skills=(("repair", 5),)),
    WANG: AgentEntry(WANG, "王伟", skills=(("repair", 3),)),
    ZHAO: AgentEntry(ZHAO, "赵敏", skills=(("repair", 8), ("billing", 4))),
    CHEN: AgentEntry(CHEN, "陈静", skills=(("billing", 6),)),
    LIU: AgentEntry(LIU, "刘洋"),
}


@dataclass
class Clock:
    now: float = 1000.0

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def queue_entry(name: str = "aftersales", *agents: str, **options: object) -> QueueEntry:
    """A queue whose tiers are ``agents`` at level 1, in that position order."""
    tiers = tuple(TierEntry(agent, 1, n) for n, agent in enumerate(agents, 1))
    return QueueEntry(name, tiers=tiers, **options)  # type: ignore[arg-type]


def caller(
    call_id: str, queue: str = "aftersales", at: float = 1000.0, priority: int = 0
) -> Member:
    return Member(call_id, f"1380000{call_id[-4:]}", queue, priority=priority, joined_at=at)


def center(
    queues: list[QueueEntry], clock: Clock, *, ready: tuple[str, ...] = tuple(STAFF), seed: int = 7
) -> Distributor:
    """A distributor with the staff configured and ``ready`` logged in and ready, in
    agent ID order one second apart (so lina has been idle the longest)."""
    distributor = Distributor(random.Random(seed))
    distributor.configure({q.name: q for q in queues}, STAFF)
    for n, agent_id in enumerate(sorted(ready)):
        distributor.agents[agent_id].login(f"7000{n + 1}", clock.now - 100 + n)
    return distributor
