"""A queue and its waiting callers (members): order, positions, skill relaxation, the
expected wait and the statistics of answered and abandoned calls.

Owns the members of one queue, ordered by priority (higher first) then joining time, and
the rolling samples behind the expected wait. It knows nothing of agents: which agent
takes a member is the distributor's business. Pure: every time is passed in.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from callcenter.engine.ports import QueueEntry

SAMPLES = 20  # answered waits and handle times kept for the expected wait


@dataclass(slots=True)
class Member:
    """A caller waiting in a queue. ``ringing``: the agents rung for it now (empty while
    it simply waits); ``offered_at``: when it was first offered to an agent."""

    call_id: str
    caller: str
    queue: str
    priority: int = 0  # higher first
    joined_at: float = 0.0
    original_position: int = 0  # set by `Queue.join`
    ringing: tuple[str, ...] = ()
    offered_at: float | None = None

    def waited(self, now: float) -> float:
        return now - self.joined_at


@dataclass(frozen=True, slots=True)
class QueueStats:
    answered: int
    abandoned: int
    total_wait: float  # seconds waited by the answered callers
    longest_wait: float  # of the callers waiting now (0 when none)
    waiting: int  # callers in the queue now, ringing or not


def _order(member: Member) -> tuple[int, float]:
    return (-member.priority, member.joined_at)


class Queue:
    """One ACD queue: its configuration and its members."""

    def __init__(self, entry: QueueEntry) -> None:
        self.entry = entry
        self._members: list[Member] = []
        self._by_call: dict[str, Member] = {}
        self._relax = tuple(sorted(entry.relax))
        self._waits: deque[float] = deque(maxlen=SAMPLES)
        self._handles: deque[float] = deque(maxlen=SAMPLES)
        self.answered = 0
        self.abandoned = 0
        self.total_wait = 0.0

    @property
    def name(self) -> str:
        return self.entry.name

    def update(self, entry: QueueEntry) -> None:
        """The configuration changed: members and statistics are kept."""
        self.entry = entry
        self._relax = tuple(sorted(entry.relax))

    # -- members --------------------------------------------------------------------------

    def join(self, member: Member) -> int:
        """Add a caller; returns its position (1 first), also kept as its
        ``original_position``. A call already in the queue raises ValueError."""
        if member.call_id in self._by_call:
            raise ValueError(f"call {member.call_id} is already in queue {self.name}")
        bisect.insort_right(self._members, member, key=_order)
        self._by_call[member.call_id] = member
        position = self._members.index(member) + 1
        member.original_position = position
        return position

    def leave(self, call_id: str) -> Member | None:
        """Remove a caller (answered, hung up, timed out); None if it is not here."""
        member = self._by_call.pop(call_id, None)
        if member is not None:
            self._members.remove(member)
        return member

    def get(self, call_id: str) -> Member | None:
        return self._by_call.get(call_id)

    def position(self, call_id: str) -> int | None:
        """1 for the first caller, counting those being rung; None if not here."""
        member = self._by_call.get(call_id)
        if member is None:
            return None
        return self._members.index(member) + 1

    def members(self) -> tuple[Member, ...]:
        """All callers, in order."""
        return tuple(self._members)

    def waiting(self) -> Iterator[Member]:
        """The callers no agent is being rung for, in order."""
        return (m for m in self._members if not m.ringing)

    def ringing(self) -> Iterator[Member]:
        """The callers some agent is being rung for, in order."""
        return (m for m in self._members if m.ringing)

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._by_call

    def timed_out(self, now: float) -> list[Member]:
        """The callers who waited ``max_wait`` or longer (none when it is 0); they stay
        in the queue until the caller removes them."""
        limit = self.entry.max_wait
        if limit <= 0:
            return []
        return [m for m in self._members if now - m.joined_at >= limit]

    # -- skills ---------------------------------------------------------------------------

    def required_proficiency(self, member: Member, now: float) -> int:
        """The proficiency in the queue's skill an agent needs to take ``member`` now:
        ``min_proficiency``, lowered by each ``relax`` step (after_seconds, proficiency)
        the member has waited through. 0 means any agent of the queue, even one without
        the skill; a queue without a skill always answers 0."""
        if not self.entry.skill:
            return 0
        required = self.entry.min_proficiency
        waited = now - member.joined_at
        for after, proficiency in self._relax:
            if waited < after:
                break
            required = min(required, proficiency)
        return max(0, required)

    def next_relax(self, member: Member, now: float) -> float | None:
        """When the member's requirement is next lowered (None: never again)."""
        if not self.entry.skill:
            return None
        for after, _ in self._relax:
            at = member.joined_at + after
            if at > now:
                return at
        return None

    # -- statistics -----------------------------------------------------------------------

    def record_answered(self, wait: float) -> None:
        self.answered += 1
        self.total_wait += wait
        self._waits.append(wait)

    def record_abandoned(self) -> None:
        self.abandoned += 1

    def record_handle(self, seconds: float) -> None:
        """A call of this queue ended after ``seconds`` of talk (handle time)."""
        self._handles.append(seconds)

    def expected_wait(self, position: int, logged_in_agents: int) -> float | None:
        """Seconds a caller at ``position`` can expect to wait from now.

        With H the mean handle time of the last 20 answered calls and N the agents
        logged in to the queue, the agents free up N times per H seconds, so the caller
        at position p is reached after p * H / N. Before any call has ended, W (the mean
        wait of the last 20 answered callers) is the estimate, whatever the position.
        None when no agent is logged in or nothing has been answered yet.
        """
        if logged_in_agents <= 0 or position <= 0:
            return None
        if self._handles:
            handle = sum(self._handles) / len(self._handles)
            return position * handle / logged_in_agents
        if self._waits:
            return sum(self._waits) / len(self._waits)
        return None

    def stats(self, now: float) -> QueueStats:
        longest = max((now - m.joined_at for m in self._members), default=0.0)
        return QueueStats(
            answered=self.answered,
            abandoned=self.abandoned,
            total_wait=self.total_wait,
            longest_wait=longest,
            waiting=len(self._members),
        )
