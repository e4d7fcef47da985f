"""An agent's chosen status and system-driven state, as data, and the `Agent` record.

Owns the two state machines of an agent and the statistics the strategies read. Pure: no
clock (every change takes ``now``, monotonic seconds), no I/O, no events; the caller turns
changes into `AgentStatusChanged` / `AgentStateChanged` events.

The rules:

Rule 1. The **status** is what the agent (or a supervisor, or the system after repeated
misses) chose: logged out, ready, or not ready with a reason code. The **state** is what
the switch is doing with the agent: idle, reserved (chosen for a caller, the phone not yet
ringing), ringing, in a call, on hold, in wrap-up (话后处理). The two are independent: an
agent who sets not ready during a call stays in the call; an agent who logs out during a
call keeps its state until the call ends.

Rule 2. :data:`STATUS_TRANSITIONS` lists every allowed status change. Logging in goes from
logged out to ready or not ready; ready and not ready alternate; not ready to not ready
changes the reason (the same reason again changes nothing); both may log out.

Rule 3. :data:`STATE_TRANSITIONS` lists every allowed state change. A queue call goes
idle → reserved → ringing → in call (↔ on hold) → wrap-up → idle; reserved and ringing fall
back to idle when the offer fails; in call and on hold may end straight to idle (no
wrap-up). A direct (non-queue) call answered goes idle → in call. Any other change raises
:class:`InvalidTransition`: the caller has a bug.

Rule 4. The only way out of the tables is :meth:`Agent.reset`: any state to idle, for the
reconciler that found a state no dialog backs.

Rule 5. An agent is offered a queue call only when :meth:`Agent.available`: ready, idle,
past its skip delay, and on no direct call (``other_calls``, kept by the caller).

Rule 6. A missed offer (:meth:`Agent.missed`) skips the agent for the queue's delay for
that kind of miss. Only unanswered rings count towards ``max_no_answer``; when the count
is reached the caller sets the agent not ready with reason ``no_answer``. A caller who hung
up while the phone rang is not the agent's miss. Answering, becoming ready again and
logging in reset the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from callcenter.engine.events import MissReason
from callcenter.engine.ports import AgentEntry, QueueEntry


class AgentStatus(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"


class AgentState(StrEnum):
    IDLE = "idle"
    RESERVED = "reserved"
    RINGING = "ringing"
    IN_CALL = "in_call"
    ON_HOLD = "on_hold"
    WRAP_UP = "wrap_up"


_S = AgentState
STATE_TRANSITIONS: Final[dict[AgentState, frozenset[AgentState]]] = {
    _S.IDLE: frozenset({_S.RESERVED, _S.IN_CALL}),  # in call: a direct call answered
    _S.RESERVED: frozenset({_S.RINGING, _S.IDLE}),
    _S.RINGING: frozenset({_S.IN_CALL, _S.IDLE}),
    _S.IN_CALL: frozenset({_S.ON_HOLD, _S.WRAP_UP, _S.IDLE}),
    _S.ON_HOLD: frozenset({_S.IN_CALL, _S.WRAP_UP, _S.IDLE}),
    _S.WRAP_UP: frozenset({_S.IDLE}),
}

_T = AgentStatus
STATUS_TRANSITIONS: Final[dict[AgentStatus, frozenset[AgentStatus]]] = {
    _T.LOGGED_OUT: frozenset({_T.READY, _T.NOT_READY}),
    _T.READY: frozenset({_T.NOT_READY, _T.LOGGED_OUT}),
    _T.NOT_READY: frozenset({_T.READY, _T.NOT_READY, _T.LOGGED_OUT}),
}

NO_ANSWER_REASON: Final = "no_answer"  # the not-ready reason after max_no_answer misses


class InvalidTransition(Exception):
    """A status or state change the tables do not allow: a bug in the caller."""

    def __init__(self, agent_id: str, kind: str, current: str, requested: str) -> None:
        self.agent_id = agent_id
        self.kind = kind
        self.current = current
        self.requested = requested
        super().__init__(
            f"agent {agent_id}: {kind} cannot change from {str(current)!r} to {str(requested)!r}"
        )


@dataclass(slots=True)
class Agent:
    """One agent as the distributor knows it: configuration, status, state, statistics."""

    agent_id: str
    entry: AgentEntry
    status: AgentStatus = AgentStatus.LOGGED_OUT
    reason: str = ""  # the not-ready reason code
    extension: str = ""  # where the agent is logged in ("" logged out)
    state: AgentState = AgentState.IDLE
    status_since: float = 0.0
    state_since: float = 0.0
    call: str = ""  # the current call's id
    queue: str = ""  # the queue of the current call ("" a direct call or none)
    # Statistics the strategies read.
    idle_since: float = 0.0  # end of the last call, or the login time
    last_offered: float = 0.0  # when last reserved for a queue's caller
    calls_taken: int = 0
    talk_time: float = 0.0  # total seconds
    missed_in_row: int = 0  # unanswered offers since the last answer
    skip_until: float = 0.0  # not offered before this (after a miss)
    wrap_up_until: float | None = None
    other_calls: int = 0  # direct calls the agent is on (kept by the caller)
    skills: dict[str, int] = field(default_factory=dict, init=False, repr=False)  # entry's

    def __post_init__(self) -> None:
        self.skills = dict(self.entry.skills)

    def update(self, entry: AgentEntry) -> None:
        """The configuration changed (name, skills): status and state are kept."""
        self.entry = entry
        self.skills = dict(entry.skills)

    # -- status ---------------------------------------------------------------------------

    def set_status(self, status: AgentStatus, reason: str, now: float) -> None:
        """Change the chosen status (Rule 2); ``reason`` is kept for not ready only."""
        reason = reason if status is AgentStatus.NOT_READY else ""
        if status is self.status and reason == self.reason and status is AgentStatus.NOT_READY:
            return  # not ready again with the same reason: nothing changes
        if status not in STATUS_TRANSITIONS[self.status]:
            raise InvalidTransition(self.agent_id, "status", self.status, status)
        if status is AgentStatus.READY:
            self.missed_in_row = 0
        self.status = status
        self.reason = reason
        self.status_since = now

    def login(
        self,
        extension: str,
        now: float,
        status: AgentStatus = AgentStatus.READY,
        reason: str = "",
    ) -> None:
        """Log in at ``extension``, ready or not ready; the idle time counts from now."""
        if status is AgentStatus.LOGGED_OUT:
            raise InvalidTransition(self.agent_id, "status", self.status, status)
        self.set_status(status, reason, now)
        self.extension = extension
        self.idle_since = now
        self.missed_in_row = 0
        self.skip_until = 0.0

    def logout(self, now: float) -> None:
        """Log out; a call in progress keeps its state (Rule 1)."""
        self.set_status(AgentStatus.LOGGED_OUT, "", now)
        self.extension = ""

    # -- state ----------------------------------------------------------------------------

    def set_state(self, state: AgentState, now: float, call: str = "", queue: str = "") -> None:
        """Change the system-driven state (Rule 3). Going idle forgets the call; another
        state takes ``call`` and ``queue`` when given, else keeps the current ones."""
        if state not in STATE_TRANSITIONS[self.state]:
            raise InvalidTransition(self.agent_id, "state", self.state, state)
        if state is AgentState.RESERVED:
            self.last_offered = now
        self._enter(state, now, call, queue)

    def reset(self, now: float) -> None:
        """Back to idle from any state (Rule 4): the reconciler's repair."""
        self._enter(AgentState.IDLE, now, "", "")

    def _enter(self, state: AgentState, now: float, call: str, queue: str) -> None:
        if self.state is AgentState.WRAP_UP and state is not AgentState.WRAP_UP:
            self.wrap_up_until = None
        if state is AgentState.IDLE:
            self.call = ""
            self.queue = ""
        elif call:
            self.call = call
            self.queue = queue
        self.state = state
        self.state_since = now

    def available(self, now: float) -> bool:
        """Whether a queue's caller may be offered to the agent now (Rule 5)."""
        return (
            self.status is AgentStatus.READY
            and self.state is AgentState.IDLE
            and now >= self.skip_until
            and self.other_calls == 0
        )

    # -- offers and calls -----------------------------------------------------------------

    def missed(self, now: float, reason: MissReason, queue: QueueEntry) -> bool:
        """An offer failed (Rule 6). True when the agent reached the queue's
        ``max_no_answer`` misses in a row: the caller then sets it not ready with reason
        :data:`NO_ANSWER_REASON`. Does not change the state."""
        if reason is MissReason.CALLER_GONE:
            return False
        if reason is MissReason.BUSY:
            delay = queue.busy_delay
        elif reason is MissReason.REJECTED:
            delay = queue.reject_delay
        else:  # no answer; unavailable (unregistered, unreachable) skips as long
            delay = queue.no_answer_delay
        self.skip_until = max(self.skip_until, now + delay)
        if reason is not MissReason.NO_ANSWER:
            return False
        self.missed_in_row += 1
        return queue.max_no_answer > 0 and self.missed_in_row >= queue.max_no_answer

    def answered(self, now: float) -> None:
        """The agent answered an offer: the misses in a row start again from zero."""
        self.missed_in_row = 0

    def call_ended(self, now: float, talk_seconds: float, wrap_up: float) -> None:
        """The agent's call ended after ``talk_seconds``: count it, then wrap up for
        ``wrap_up`` seconds (idle at once when 0)."""
        self.calls_taken += 1
        self.talk_time += talk_seconds
        self.idle_since = now
        if wrap_up > 0:
            self.set_state(AgentState.WRAP_UP, now)
            self.wrap_up_until = now + wrap_up
        else:
            self.set_state(AgentState.IDLE, now)

    def end_wrap_up(self, now: float) -> bool:
        """Go idle if the wrap-up is over (the caller's timer fired); True when it did."""
        if self.state is not AgentState.WRAP_UP:
            return False
        if self.wrap_up_until is not None and now < self.wrap_up_until:
            return False
        self.set_state(AgentState.IDLE, now)
        return True
