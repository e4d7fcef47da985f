"""Which agent takes which caller: the distribution rule and the life of an offer.

Owns the queues and agents of the switch's ACD, the index from agents to their queues,
the round-robin memory and the random generator. Pure: no I/O, no clock (every decision
takes ``now``), no events; the async glue (``center``) rings phones and emits events.

The rules:

Rule 1. Deciding never changes anything: :meth:`Distributor.distribute`,
:meth:`~Distributor.extend`, :meth:`~Distributor.next_for_agent` and
:meth:`~Distributor.next_for_member` return :class:`Offer` values. The caller makes them
happen with :meth:`~Distributor.reserve` (the agents become reserved, the member records
who is rung), then reports :meth:`~Distributor.offer_ringing`,
:meth:`~Distributor.offer_failed`, :meth:`~Distributor.offer_answered` and
:meth:`~Distributor.member_left`.

Rule 2. Callers are served in the order (-queue weight, -priority, joined_at): an agent in
several queues gets calls by queue weight, then the caller who waited longest (ties: the
queue's name, then the call ID).

Rule 3. A member's candidates are the tier agents of its queue who are
:meth:`~callcenter.engine.acd.states.Agent.available`, not already chosen for another
member in the same round, and have the proficiency the member needs at its current wait
(:meth:`~callcenter.engine.acd.queue.Queue.required_proficiency`). The queue's strategy
orders them; the member is offered to the first, to all of them for ``ring-all``, and to
the first 1 + floor(seconds since its first offer / ``progressive_step``) for
``ring-progressively``.

Rule 4. A member already ringing is never offered again by ``distribute``; ``extend``
adds agents to it: for ``ring-all`` every candidate who became available, for
``ring-progressively`` enough to reach the count of Rule 3.

Rule 5. Round-robin remembers the first agent of each offer made with ``reserve``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import floor

from callcenter.engine.events import MissReason
from callcenter.engine.ports import AgentEntry, QueueEntry

from .queue import Member, Queue
from .states import Agent, AgentState, AgentStatus
from .strategies import (
    RING_ALL,
    RING_PROGRESSIVELY,
    Candidate,
    RoundRobinMemory,
    Strategy,
    StrategyContext,
    check_strategy,
    strategy_for,
)

_OFFERED = (AgentState.RESERVED, AgentState.RINGING)


@dataclass(frozen=True, slots=True)
class Offer:
    """Ring ``agents`` for the caller ``call_id`` of ``queue``."""

    call_id: str
    queue: str
    agents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Tier:
    agent_id: str
    level: int
    position: int


def _serving_order(pair: tuple[Queue, Member]) -> tuple[int, int, float, str, str]:
    """Rule 2."""
    queue, member = pair
    return (-queue.entry.weight, -member.priority, member.joined_at, queue.name, member.call_id)


class Distributor:
    """The ACD's queues and agents, and the decisions of who takes which caller."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.queues: dict[str, Queue] = {}
        self.agents: dict[str, Agent] = {}
        self.memory = RoundRobinMemory()
        self._strategies: dict[str, Strategy] = {}
        self._tiers: dict[str, tuple[_Tier, ...]] = {}  # queue -> tiers in tier order
        self._tier_of: dict[tuple[str, str], _Tier] = {}  # (queue, agent) -> tier
        self._agent_queues: dict[str, tuple[str, ...]] = {}  # by (-weight, name)
        self._member_queue: dict[str, str] = {}  # call ID -> queue name

    # -- configuration --------------------------------------------------------------------

    def configure(
        self,
        queues: Mapping[str, QueueEntry],
        agents: Mapping[str, AgentEntry],
        *,
        now: float = 0.0,
    ) -> list[Member]:
        """Apply a (re)loaded configuration. Agents and members already present are kept
        with their entries updated. An unknown strategy raises
        :class:`~callcenter.engine.acd.strategies.UnknownStrategy` naming the queue, before
        anything changes. An agent no longer configured is dropped when logged out and
        idle, else kept (in no queue) until the caller logs it out. Returns the members of
        queues that no longer exist: they are removed, and the agents rung for them are
        set idle (the caller cancels those phones and sends the callers on)."""
        for name, entry in queues.items():
            check_strategy(entry.strategy, name)
        for agent_id, agent_entry in agents.items():
            agent = self.agents.get(agent_id)
            if agent is None:
                self.agents[agent_id] = Agent(agent_id, agent_entry)
            else:
                agent.update(agent_entry)
        for agent_id in [a for a in self.agents if a not in agents]:
            agent = self.agents[agent_id]
            if agent.status is AgentStatus.LOGGED_OUT and agent.state is AgentState.IDLE:
                del self.agents[agent_id]
        orphans: list[Member] = []
        for name in [q for q in self.queues if q not in queues]:
            for member in self.queues.pop(name).members():
                orphans.append(member)
                self._member_queue.pop(member.call_id, None)
                self._release(member, member.ringing, now)
            self.memory.forget(name)
        for name, entry in queues.items():
            queue = self.queues.get(name)
            if queue is None:
                self.queues[name] = Queue(entry)
            else:
                queue.update(entry)
            self._strategies[name] = strategy_for(entry.strategy)
        for name in [q for q in self._strategies if q not in queues]:
            del self._strategies[name]
        self._index(agents)
        return orphans

    def _index(self, configured: Iterable[str]) -> None:
        known = set(configured)
        self._tiers = {}
        self._tier_of = {}
        by_agent: dict[str, list[str]] = {}
        for name, queue in self.queues.items():
            tiers = sorted(
                (
                    _Tier(t.agent, t.level, t.position)
                    for t in queue.entry.tiers
                    if t.agent in known
                ),
                key=lambda t: (t.level, t.position, t.agent_id),
            )
            unique: list[_Tier] = []
            for tier in tiers:
                if tier.agent_id in known and (name, tier.agent_id) not in self._tier_of:
                    self._tier_of[(name, tier.agent_id)] = tier
                    unique.append(tier)
                    by_agent.setdefault(tier.agent_id, []).append(name)
            self._tiers[name] = tuple(unique)
        self._agent_queues = {
            agent_id: tuple(sorted(names, key=lambda q: (-self.queues[q].entry.weight, q)))
            for agent_id, names in by_agent.items()
        }

    def queues_of(self, agent_id: str) -> tuple[str, ...]:
        """The queues the agent is a tier of, heaviest first."""
        return self._agent_queues.get(agent_id, ())

    # -- members --------------------------------------------------------------------------

    def join(self, member: Member) -> int:
        """A caller joins its queue (``member.queue``); returns its position."""
        queue = self.queues[member.queue]
        if member.call_id in self._member_queue:
            raise ValueError(f"call {member.call_id} is already in a queue")
        position = queue.join(member)
        self._member_queue[member.call_id] = member.queue
        return position

    def member(self, call_id: str) -> Member | None:
        name = self._member_queue.get(call_id)
        return None if name is None else self.queues[name].get(call_id)

    def logged_in(self, queue: str) -> int:
        """Agents of the queue who are logged in (ready or not)."""
        return sum(
            1
            for tier in self._tiers.get(queue, ())
            if self.agents[tier.agent_id].status is not AgentStatus.LOGGED_OUT
        )

    def expected_wait(self, call_id: str) -> float | None:
        """The member's expected wait (:meth:`Queue.expected_wait` at its position)."""
        name = self._member_queue.get(call_id)
        if name is None:
            return None
        queue = self.queues[name]
        position = queue.position(call_id) or 0
        return queue.expected_wait(position, self.logged_in(name))

    # -- decisions (Rule 1: nothing changes) ----------------------------------------------

    def _candidates(
        self, queue: Queue, member: Member, now: float, exclude: frozenset[str] | set[str]
    ) -> list[Candidate]:
        required = queue.required_proficiency(member, now)
        skill = queue.entry.skill
        agents = self.agents
        result: list[Candidate] = []
        for tier in self._tiers.get(queue.name, ()):
            agent = agents[tier.agent_id]
            if tier.agent_id in exclude or not agent.available(now):
                continue
            proficiency = agent.skills.get(skill, 0) if skill else 0
            if required and proficiency < required:
                continue
            result.append(
                Candidate(
                    tier.agent_id,
                    tier.level,
                    tier.position,
                    agent.idle_since,
                    agent.last_offered,
                    agent.calls_taken,
                    agent.talk_time,
                    proficiency,
                )
            )
        return result

    def _progressive_count(self, queue: Queue, member: Member, now: float) -> int:
        step = queue.entry.progressive_step
        if member.offered_at is None:
            return 1
        if step <= 0:
            return len(self._tiers.get(queue.name, ()))
        return 1 + floor((now - member.offered_at) / step)

    def _offer(
        self, queue: Queue, member: Member, now: float, exclude: frozenset[str] | set[str]
    ) -> Offer | None:
        strategy = queue.entry.strategy
        if strategy == RING_ALL:
            wanted = None
        elif strategy == RING_PROGRESSIVELY:
            wanted = self._progressive_count(queue, member, now) - len(member.ringing)
            if wanted <= 0:
                return None
        elif member.ringing:
            return None
        else:
            wanted = 1
        candidates = self._candidates(queue, member, now, exclude)
        if not candidates:
            return None
        ctx = StrategyContext(now, self.rng, self.memory, queue.name)
        ordered = self._strategies[queue.name](candidates, ctx)
        chosen = ordered if wanted is None else ordered[:wanted]
        return Offer(member.call_id, queue.name, tuple(c.agent_id for c in chosen))

    def _waiting(self) -> list[tuple[Queue, Member]]:
        found = [(q, m) for q in self.queues.values() for m in q.waiting()]
        found.sort(key=_serving_order)
        return found

    def distribute(self, now: float) -> list[Offer]:
        """Offers for the waiting members (none ringing), in the order of Rule 2, each
        agent in at most one offer."""
        chosen: set[str] = set()
        offers: list[Offer] = []
        for queue, member in self._waiting():
            offer = self._offer(queue, member, now, chosen)
            if offer is not None:
                chosen.update(offer.agents)
                offers.append(offer)
        return offers

    def extend(self, now: float) -> list[Offer]:
        """More agents for members already ringing in ``ring-all`` and
        ``ring-progressively`` queues (Rule 4); each offer names only the new agents."""
        chosen: set[str] = set()
        offers: list[Offer] = []
        ringing = [
            (q, m)
            for q in self.queues.values()
            if q.entry.strategy in (RING_ALL, RING_PROGRESSIVELY)
            for m in q.ringing()
        ]
        ringing.sort(key=_serving_order)
        for queue, member in ringing:
            offer = self._offer(queue, member, now, chosen)
            if offer is not None:
                chosen.update(offer.agents)
                offers.append(offer)
        return offers

    def next_for_member(self, call_id: str, now: float) -> Offer | None:
        """The offer for a member who just joined (or is waiting again), or None."""
        name = self._member_queue.get(call_id)
        if name is None:
            return None
        queue = self.queues[name]
        member = queue.get(call_id)
        if member is None or member.ringing:
            return None
        return self._offer(queue, member, now, frozenset())

    def next_for_agent(self, agent_id: str, now: float) -> Offer | None:
        """The best waiting member (Rule 2) for an agent who just became available and
        qualifies for it (Rule 3), as a single-agent offer; None if there is none."""
        agent = self.agents.get(agent_id)
        if agent is None or not agent.available(now):
            return None
        best: tuple[int, int, float, str, str] | None = None
        for name in self._agent_queues.get(agent_id, ()):
            queue = self.queues[name]
            weight = queue.entry.weight
            if best is not None and -weight > best[0]:
                break  # the queues are by weight: no lighter queue can win
            skill = queue.entry.skill
            proficiency = agent.skills.get(skill, 0) if skill else 0
            for member in queue.waiting():
                required = queue.required_proficiency(member, now)
                if required and proficiency < required:
                    continue
                key = (-weight, -member.priority, member.joined_at, name, member.call_id)
                if best is None or key < best:
                    best = key
                break  # later members of this queue come after this one
        if best is None:
            return None
        return Offer(best[4], best[3], (agent_id,))

    def next_wakeup(self, now: float) -> float | None:
        """The earliest time after ``now`` when a decision may change without any event:
        a skill relaxation, a ring-progressively step, a member's ``max_wait``, an agent's
        skip delay or wrap-up ending. None when nothing is pending."""
        times: list[float] = []
        for queue in self.queues.values():
            for member in queue.members():
                relax = queue.next_relax(member, now)
                if relax is not None:
                    times.append(relax)
                if queue.entry.max_wait > 0:
                    times.append(member.joined_at + queue.entry.max_wait)
                step = queue.entry.progressive_step
                if queue.entry.strategy == RING_PROGRESSIVELY and member.offered_at and step > 0:
                    done = floor((now - member.offered_at) / step) + 1
                    times.append(member.offered_at + done * step)
        for agent in self.agents.values():
            if agent.wrap_up_until is not None:  # also a logged-out agent's: it ends
                times.append(agent.wrap_up_until)
            if agent.status is not AgentStatus.LOGGED_OUT:
                times.append(agent.skip_until)
        return min((t for t in times if t > now), default=None)

    # -- the life of an offer -------------------------------------------------------------

    def reserve(self, offer: Offer, now: float) -> bool:
        """Make an offer happen: its agents become reserved for the member, who records
        them as rung. False (nothing changed) if the member left or an agent is no longer
        available."""
        queue = self.queues.get(offer.queue)
        member = queue.get(offer.call_id) if queue is not None else None
        if queue is None or member is None or not offer.agents:
            return False
        agents = [self.agents.get(agent_id) for agent_id in offer.agents]
        ready = [a for a in agents if a is not None and a.available(now)]
        if len(ready) != len(agents) or set(offer.agents) & set(member.ringing):
            return False
        for agent in ready:
            agent.set_state(AgentState.RESERVED, now, call=offer.call_id, queue=offer.queue)
        member.ringing += offer.agents
        if member.offered_at is None:
            member.offered_at = now
        tier = self._tier_of.get((offer.queue, offer.agents[0]))
        if tier is not None:
            self.memory.served(offer.queue, tier.agent_id, tier.level, tier.position)
        return True

    def offer_ringing(self, call_id: str, agent_id: str, now: float) -> None:
        """The agent's phone rings for the member: reserved becomes ringing."""
        agent = self.agents[agent_id]
        if agent.call == call_id and agent.state is AgentState.RESERVED:
            agent.set_state(AgentState.RINGING, now)

    def offer_failed(self, call_id: str, agent_id: str, reason: MissReason, now: float) -> bool:
        """The agent did not take the member (no answer, busy, rejected, unreachable, or
        the caller went away): the agent is idle again, skipped for the queue's delay,
        and the member waits again when nobody else rings for it. True when the agent
        reached ``max_no_answer``: the caller sets it not ready with reason
        :data:`~callcenter.engine.acd.states.NO_ANSWER_REASON`."""
        name = self._member_queue.get(call_id)
        member = self.queues[name].get(call_id) if name is not None else None
        if member is not None:
            member.ringing = tuple(a for a in member.ringing if a != agent_id)
        agent = self.agents.get(agent_id)
        if agent is None:
            return False
        queue = self.queues.get(name if name is not None else agent.queue)
        if agent.call == call_id and agent.state in _OFFERED:
            agent.set_state(AgentState.IDLE, now)
        if queue is None:
            return False
        return agent.missed(now, reason, queue.entry)

    def offer_answered(self, call_id: str, agent_id: str, now: float) -> tuple[str, ...]:
        """The agent answered: it is in the call, the member leaves the queue (answered),
        and the other agents rung for it are set idle. Returns those others: the caller
        cancels their phones. KeyError if the member or the offer is unknown."""
        name = self._member_queue.get(call_id)
        member = self.queues[name].get(call_id) if name is not None else None
        if name is None or member is None:
            raise KeyError(f"call {call_id} is not in a queue")
        agent = self.agents[agent_id]
        if agent_id not in member.ringing or agent.call != call_id:
            raise KeyError(f"call {call_id} was not offered to agent {agent_id}")
        queue = self.queues[name]
        queue.leave(call_id)
        del self._member_queue[call_id]
        queue.record_answered(now - member.joined_at)
        if agent.state is AgentState.RESERVED:
            agent.set_state(AgentState.RINGING, now)
        agent.set_state(AgentState.IN_CALL, now, call=call_id, queue=name)
        agent.answered(now)
        others = tuple(a for a in member.ringing if a != agent_id)
        self._release(member, others, now)
        return others

    def member_left(self, call_id: str, now: float, *, abandoned: bool = True) -> tuple[str, ...]:
        """The caller left without being answered: hung up (``abandoned``), or sent
        elsewhere (timeout, overflow: not abandoned). The agents rung for it are set idle,
        without counting a miss; returns them (the caller cancels their phones)."""
        name = self._member_queue.pop(call_id, None)
        if name is None:
            return ()
        queue = self.queues[name]
        member = queue.leave(call_id)
        if member is None:
            return ()
        if abandoned:
            queue.record_abandoned()
        self._release(member, member.ringing, now)
        return member.ringing

    def _release(self, member: Member, agent_ids: Iterable[str], now: float) -> None:
        for agent_id in agent_ids:
            agent = self.agents.get(agent_id)
            if agent is not None and agent.call == member.call_id and agent.state in _OFFERED:
                agent.set_state(AgentState.IDLE, now)

    def call_ended(
        self, agent_id: str, now: float, talk_seconds: float, wrap_up: float | None = None
    ) -> None:
        """The agent's call ended: statistics, the queue's handle time, and wrap-up for
        ``wrap_up`` seconds (default: the queue's; 0 for a direct call)."""
        agent = self.agents[agent_id]
        queue = self.queues.get(agent.queue)
        if queue is not None:
            queue.record_handle(talk_seconds)
        if wrap_up is None:
            wrap_up = queue.entry.wrap_up if queue is not None else 0.0
        agent.call_ended(now, talk_seconds, wrap_up)
