"""The contact center on top of the call layer: IVR flows, queues, agents, feature codes.

The call manager (`engine.calls.manager`) hands this object every call whose destination
is not simply an extension (``queue:``, ``flow:``, a feature code, a hotline number) and
tells it when a call ends and when a party's count of live legs changes. This module
makes the ACD's pure decisions (`engine.acd.distributor`) happen on real calls and emits
one event for every change. Rules:

Rule 1 (routing). ``flow:NAME`` runs the IVR flow on the caller (answered); ``queue:NAME``
    makes it a member of the queue, hearing the queue's music and announcements;
    digits: an extension is rung while the caller hears music (a caller not answered yet
    hears ringback instead), "0..." goes out through a trunk, a feature code runs its
    service (`engine.acd.features`); ``hangup`` ends the call. An unknown queue or flow:
    404 before an answer, else the call ends.
Rule 2 (joining). A caller may not join a queue with nobody logged in when the queue
    says so (join-when-empty off): it goes to the overflow destination, else is told
    and released. The same happens after ``max_wait`` (outcome timeout) and, with
    leave-when-empty, when the last agent logs out.
Rule 3 (offers). Whenever something changes (a member joins, an agent becomes
    available, a call ends, the clock reaches `Distributor.next_wakeup`) the distributor
    decides and each offer rings the agents' extensions for the queue's ring timeout.
    The first to answer is joined to the caller; the others are cancelled (not a miss).
Rule 4 (misses). No answer, busy, reject or unreachable: the agent is idle again but
    skipped for the queue's delay; after ``max_no_answer`` misses in a row it is set not
    ready with reason ``no_answer``. The member stays at its place (the head, when it
    was) and is offered again.
Rule 5 (after the call). When a queue call ends (or the agent transfers it) the agent is
    in wrap-up for the queue's time (ended early by :meth:`ContactCenter.end_wrap_up`),
    then idle. A direct call (the agent's extension on a call not from a queue) puts the
    agent in call and makes it unavailable until it ends, without wrap-up.
Rule 6 (abandon). A caller who hangs up leaves its queue at once (outcome abandoned);
    the agents rung for it are released (reason caller_gone: not their miss).

Hold, attended transfer, conference and click-to-call are `engine.acd.control`'s; what a
feature code dialled on a phone does is `engine.acd.phone_codes`'.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from callcenter.engine.acd.distributor import Distributor, Offer
from callcenter.engine.acd.errors import CommandError as CommandError
from callcenter.engine.acd.features import (
    AnnounceService,
    is_feature,
)
from callcenter.engine.acd.phone_codes import run_feature
from callcenter.engine.acd.queue import Member
from callcenter.engine.acd.reconciler import reconcile
from callcenter.engine.acd.states import Agent, AgentState, AgentStatus, InvalidTransition
from callcenter.engine.acd.supervision import SupervisorService
from callcenter.engine.acd.waiting import WaitingService
from callcenter.engine.calls.call import Call
from callcenter.engine.calls.callee import CANCELLED, TIMED_OUT
from callcenter.engine.calls.destinations import Destination, Kind, parse_destination
from callcenter.engine.calls.leg import Leg, LegState
from callcenter.engine.events import (
    AgentConnected,
    AgentMissed,
    AgentOffered,
    AgentStateChanged,
    AgentStatusChanged,
    CallTransferred,
    EndCause,
    Event,
    MissReason,
    QueueJoined,
    QueueLeft,
    QueueOutcome,
    StateRepaired,
)
from callcenter.engine.ivr.flow import Flow
from callcenter.engine.ivr.runner import IvrService, PromptLibrary
from callcenter.engine.ports import (
    AgentEntry,
    AgentPresence,
    EventSink,
    ExtensionEntry,
    QueueEntry,
    ReasonEntry,
    TrunkEntry,
)

if TYPE_CHECKING:
    from callcenter.engine.calls.manager import CallManager

log = logging.getLogger(__name__)

NO_ANSWER_REASON = "no_answer"


@dataclass
class _Connected:
    """A queue call answered by an agent."""

    agent: str
    queue: str
    at: float


def _miss_reason(status: int) -> MissReason:
    if status == TIMED_OUT:
        return MissReason.NO_ANSWER
    if status in (486, 600):
        return MissReason.BUSY
    if status in (603, 403):
        return MissReason.REJECTED
    return MissReason.UNAVAILABLE


class ContactCenter:
    def __init__(
        self,
        manager: CallManager,
        events: EventSink,
        prompts: PromptLibrary,
        *,
        check_agent: Callable[[str, str], Awaitable[bool]],
        rng: random.Random | None = None,
    ) -> None:
        self.manager = manager
        self.events = events
        self.prompts = prompts
        self.check_agent = check_agent
        self.acd = Distributor(rng or random.Random())
        self.flows: Mapping[str, Flow] = {}
        self.reasons: tuple[ReasonEntry, ...] = ()
        self.connected: dict[str, _Connected] = {}  # call id -> its agent
        self.by_extension: dict[str, str] = {}  # extension -> agent logged in there
        self._wakeup: asyncio.TimerHandle | None = None
        self._last_state: dict[str, tuple[AgentState, str]] = {}
        self.supervising: dict[str, tuple[str, SupervisorService]] = {}  # call -> target
        self.first_modes: dict[str, str] = {}  # supervisor's call -> listen/whisper/barge
        manager.destinations = self.route
        manager.on_call_end = self._call_ended
        manager.on_busy = self._busy_changed
        manager.router.is_feature = is_feature

    # === configuration ==================================================================
    def configure(
        self,
        queues: Mapping[str, QueueEntry],
        agents: Mapping[str, AgentEntry],
        flows: Mapping[str, Flow],
        reasons: tuple[ReasonEntry, ...],
    ) -> None:
        """A (re)loaded configuration; an unknown strategy is logged and that load
        refused as a whole (the previous configuration stays)."""
        try:
            self.acd.configure(queues, agents, now=time.time())
        except ValueError:
            log.exception("the queue configuration was refused")
        self.flows = flows
        self.reasons = reasons
        self.dispatch()

    def restore(self, presences: tuple[AgentPresence, ...]) -> None:
        """Log in again the agents who were logged in when the switch stopped."""
        for presence in presences:
            ready = presence.status == AgentStatus.READY
            try:
                self.login(
                    presence.agent_id,
                    presence.extension,
                    ready=ready,
                    reason=presence.reason,
                    by="system",
                )
            except CommandError as error:
                log.warning("agent %s not logged in again: %s", presence.agent_id, error)

    # === Rule 1: where a call goes ======================================================
    def route(
        self, call: Call, destination: Destination, variables: Mapping[str, str] | None = None
    ) -> None:
        kind, value = destination.kind, destination.value
        if kind is Kind.FLOW:
            flow = self.flows.get(value)
            if flow is None:
                self._unknown(call, destination)
                return
            service = IvrService(
                lambda: self.manager.hang_up(call),
                flow,
                self.prompts,
                lambda target, found: self.route(call, target, found),
                self.emit,
                call.id,
            )
            self.manager.attach_service(call, service)
        elif kind is Kind.QUEUE:
            if value not in self.acd.queues:
                self._unknown(call, destination)
                return
            priority = 0
            if variables and variables.get("priority", "").lstrip("-").isdigit():
                priority = int(variables["priority"])
            self.enter_queue(call, value, priority)
        elif kind is Kind.HANGUP:
            self.manager.hang_up(call)
        elif is_feature(value):
            run_feature(self, call, value)
        else:
            self._ring_number(call, value)

    def _unknown(self, call: Call, destination: Destination) -> None:
        log.warning("call %s: no such destination %s", call.id, destination)
        self.manager.hang_up(call, EndCause.UNAVAILABLE, status=404)

    def _ring_number(self, call: Call, number: str) -> None:
        """An extension or outside number, from an IVR or a transfer: music meanwhile."""
        router = self.manager.router
        target = router.target(call.caller_number, number, from_trunk=False, depth=1)
        if isinstance(target, Destination):
            self.route(call, target)
            return

        def failed(status: int) -> None:
            if status != CANCELLED and not call.ended and call.answered is None:
                self.manager.hang_up(call, EndCause.NO_ANSWER)

        if call.caller.state is LegState.ANSWERED:
            self.manager.attach_service(call, self._music(call))
        timeout = self.manager.config.ring_timeout
        if isinstance(target, ExtensionEntry):
            self.manager.start_attempt(
                call, target.number, timeout=timeout, on_answered=_nothing, on_failed=failed
            )
        elif isinstance(target, TrunkEntry):
            self.manager.ring_trunk(
                call,
                target,
                number[1:],
                target.caller_id or call.caller_number,
                timeout=timeout,
                on_answered=_nothing,
                on_failed=failed,
            )
        elif isinstance(target, type):
            self.manager.attach_service(call, target(lambda: self.manager.hang_up(call)))
        else:
            self._unknown(call, Destination(Kind.NUMBER, number))

    def _music(self, call: Call) -> WaitingService:
        return WaitingService(lambda: self.manager.hang_up(call), self.prompts)

    # === Rule 2: queues =================================================================
    def enter_queue(self, call: Call, name: str, priority: int = 0) -> None:
        queue = self.acd.queues[name]
        entry = queue.entry
        if not entry.join_empty and self.acd.logged_in(name) == 0:
            self.emit(QueueLeft(time.time(), call.id, name, QueueOutcome.EMPTY, 0.0))
            self._leave_for(call, entry, "queue-timeout")
            return
        now = time.time()
        member = Member(call.id, call.caller_number, name, priority, joined_at=now)
        position = self.acd.join(member)
        self.emit(QueueJoined(now, call.id, name, call.caller_number, position, priority))
        waiting = WaitingService(
            lambda: self.manager.hang_up(call),
            self.prompts,
            music=entry.music,
            greeting="queue-wait",
            announce_interval=entry.announce_interval if entry.announce_position else 0.0,
            position=lambda: queue.position(call.id),
            expected_wait=lambda: self.acd.expected_wait(call.id),
        )
        self.manager.attach_service(call, waiting)
        self.dispatch()

    def _leave_for(self, call: Call, entry: QueueEntry, prompt: str) -> None:
        """Overflow: send the caller to the queue's overflow destination, or say sorry
        and hang up."""
        target = parse_destination(entry.overflow) if entry.overflow else None
        if target is not None:
            self.route(call, target)
            return
        service = AnnounceService(lambda: self.manager.hang_up(call), self.prompts, lambda: prompt)
        self.manager.attach_service(call, service)

    def _queue_exit(self, call_id: str, outcome: QueueOutcome) -> None:
        """A member leaves without an agent (timeout, empty): event, then overflow."""
        member = self.acd.member(call_id)
        call = self.manager.calls.get(call_id)
        if member is None:
            return
        queue = self.acd.queues[member.queue]
        position = queue.position(call_id) or 0
        now = time.time()
        released = self.acd.member_left(call_id, now, abandoned=False)
        self._cancel_offers(call, released)
        self.emit(
            QueueLeft(
                now,
                call_id,
                member.queue,
                outcome,
                member.waited(now),
                position,
                member.original_position,
                destination=queue.entry.overflow,
            )
        )
        if call is not None:
            self._leave_for(call, queue.entry, "queue-timeout")

    # === Rule 3: offers =================================================================
    def dispatch(self) -> None:
        """Decide and ring; then sleep until the next moment a decision may change."""
        now = time.time()
        self._expire_wrap_ups(now)  # first: an agent whose wrap-up just ended is offered now
        for queue in list(self.acd.queues.values()):
            for member in queue.timed_out(now):
                self._queue_exit(member.call_id, QueueOutcome.TIMEOUT)
        for offer in self.acd.distribute(now):
            self._offer(offer, now)
        for offer in self.acd.extend(now):  # after: the new offers' agents are taken
            self._offer(offer, now)
        self._schedule(now)

    def _schedule(self, now: float) -> None:
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None
        wake = self.acd.next_wakeup(now)
        if wake is not None:
            loop = asyncio.get_running_loop()
            self._wakeup = loop.call_later(max(wake - now, 0.0) + 0.01, self.dispatch)

    def _offer(self, offer: Offer, now: float) -> None:
        call = self.manager.calls.get(offer.call_id)
        if call is None or call.ended or not self.acd.reserve(offer, now):
            return
        queue = self.acd.queues[offer.queue]
        for agent_id in offer.agents:
            agent = self.acd.agents[agent_id]
            self.state_event(agent, now)
            self.emit(AgentOffered(now, call.id, offer.queue, agent_id, agent.extension))

            def answered(leg: Leg, agent_id: str = agent_id) -> None:
                self._agent_answered(call, agent_id, leg)

            def failed(status: int, agent_id: str = agent_id, started: float = now) -> None:
                self._agent_failed(call, agent_id, status, started)

            self.manager.start_attempt(
                call,
                agent.extension,
                timeout=queue.entry.ring_timeout,
                on_answered=answered,
                on_failed=failed,
                auto_answer=agent.entry.auto_answer,
            )
            self.acd.offer_ringing(call.id, agent_id, now)
            self.state_event(agent, now)

    def _agent_answered(self, call: Call, agent_id: str, leg: Leg) -> None:
        now = time.time()
        member = self.acd.member(call.id)
        if member is None:
            return
        queue_name = member.queue
        try:
            others = self.acd.offer_answered(call.id, agent_id, now)
        except KeyError:
            log.warning("call %s: answer from agent %s not offered it", call.id, agent_id)
            return
        for other in others:
            self.state_event(self.acd.agents[other], now)
        agent = self.acd.agents[agent_id]
        offered = member.offered_at or now
        self.connected[call.id] = _Connected(agent_id, queue_name, now)
        self.emit(
            QueueLeft(
                now,
                call.id,
                queue_name,
                QueueOutcome.ANSWERED,
                member.waited(now),
                1,
                member.original_position,
                agent=agent_id,
            )
        )
        self.emit(
            AgentConnected(
                now,
                call.id,
                queue_name,
                agent_id,
                agent.extension,
                member.waited(now),
                now - offered,
            )
        )
        self.state_event(agent, now)

    def _agent_failed(self, call: Call, agent_id: str, status: int, started: float) -> None:
        """Rule 4. A cancelled attempt (another agent answered, the caller left) is no
        miss: `offer_answered` and `member_left` released those agents already."""
        agent = self.acd.agents.get(agent_id)
        if agent is None or status == CANCELLED:
            if agent is not None:
                self.state_event(agent, time.time())
            return
        now = time.time()
        member = self.acd.member(call.id)
        reason = _miss_reason(status)
        queue = member.queue if member is not None else agent.queue
        too_many = self.acd.offer_failed(call.id, agent_id, reason, now)
        self.emit(AgentMissed(now, call.id, queue, agent_id, reason, now - started))
        self.state_event(agent, now)
        if too_many and agent.status is AgentStatus.READY:
            self._set_status(agent, AgentStatus.NOT_READY, NO_ANSWER_REASON, "system")
        self.dispatch()

    def _cancel_offers(self, call: Call | None, agent_ids: tuple[str, ...]) -> None:
        if call is None:
            return
        for attempt in list(call.attempts):
            agent_id = self.by_extension.get(attempt.target)
            if agent_id in agent_ids:
                self.manager.cancel_attempt(call, attempt, notify=False)
        now = time.time()
        for agent_id in agent_ids:
            agent = self.acd.agents.get(agent_id)
            if agent is not None:
                self.emit(
                    AgentMissed(
                        now, call.id, agent.queue or "", agent_id, MissReason.CALLER_GONE, 0.0
                    )
                )
                self.state_event(agent, now)

    # === Rules 5 and 6: the end of a call ===============================================
    def _call_ended(self, call: Call) -> None:
        now = time.time()
        member = self.acd.member(call.id)
        if member is not None:
            queue = self.acd.queues[member.queue]
            position = queue.position(call.id) or 0
            released = self.acd.member_left(call.id, now, abandoned=True)
            self.emit(
                QueueLeft(
                    now,
                    call.id,
                    member.queue,
                    QueueOutcome.ABANDONED
                    if call.caller.cause is not EndCause.SHUTDOWN
                    else QueueOutcome.FAILED,
                    member.waited(now),
                    position,
                    member.original_position,
                )
            )
            for agent_id in released:
                agent = self.acd.agents.get(agent_id)
                if agent is not None:
                    self.emit(
                        AgentMissed(
                            now, call.id, member.queue, agent_id, MissReason.CALLER_GONE, 0.0
                        )
                    )
                    self.state_event(agent, now)
        self.agent_leaves(call.id, now)
        self.supervising.pop(call.id, None)
        for supervisor_call, (target, _service) in list(self.supervising.items()):
            if target == call.id:  # the supervised call ended: so does the supervisor's
                self.supervising.pop(supervisor_call, None)
                found = self.manager.calls.get(supervisor_call)
                if found is not None:
                    self.manager.hang_up(found)
        if member is not None:
            self.dispatch()

    def agent_leaves(self, call_id: str, now: float) -> str:
        """The connected agent's part of a call is over: wrap-up (Rule 5)."""
        connected = self.connected.pop(call_id, None)
        if connected is None:
            return ""
        agent = self.acd.agents.get(connected.agent)
        if agent is None or agent.call != call_id:
            return ""
        self.acd.call_ended(connected.agent, now, now - connected.at)
        self.state_event(agent, now)
        self.dispatch()
        return connected.agent

    def _expire_wrap_ups(self, now: float) -> None:
        for agent in self.acd.agents.values():
            if (
                agent.state is AgentState.WRAP_UP
                and agent.wrap_up_until is not None
                and agent.wrap_up_until <= now
            ):
                agent.end_wrap_up(now)
                self.state_event(agent, now)

    def end_wrap_up(self, agent_id: str) -> None:
        agent = self._agent(agent_id)
        if agent.state is not AgentState.WRAP_UP:
            raise CommandError("not_in_wrap_up", agent_id)
        now = time.time()
        agent.wrap_up_until = now  # ended early: the timer is over now
        agent.end_wrap_up(now)
        self.state_event(agent, now)
        self.dispatch()

    def _busy_changed(self, party: str, count: int) -> None:
        """Rule 5: a direct call on an agent's extension."""
        agent_id = self.by_extension.get(party)
        if agent_id is None:
            return
        agent = self.acd.agents.get(agent_id)
        if agent is None or agent.call:
            return
        now = time.time()
        agent.other_calls = count
        if count > 0 and agent.state is AgentState.IDLE:
            agent.set_state(AgentState.IN_CALL, now)
            self.state_event(agent, now)
        elif count == 0 and agent.state is AgentState.IN_CALL:
            agent.set_state(AgentState.IDLE, now)
            self.state_event(agent, now)
            self.dispatch()

    # === agents' commands ===============================================================
    def _agent(self, agent_id: str) -> Agent:
        agent = self.acd.agents.get(agent_id)
        if agent is None:
            raise CommandError("unknown_agent", agent_id)
        return agent

    def login(
        self,
        agent_id: str,
        extension: str,
        *,
        ready: bool = True,
        reason: str = "",
        by: str = "",
    ) -> Agent:
        """Log the agent in on ``extension`` (any extension; one agent per extension)."""
        agent = self._agent(agent_id)
        if extension not in self.manager.extensions():
            raise CommandError("unknown_extension", extension)
        holder = self.by_extension.get(extension)
        if holder is not None and holder != agent_id:
            raise CommandError("extension_taken", holder)
        if reason and not ready and not self._known_reason(reason):
            raise CommandError("unknown_reason", reason)
        now = time.time()
        if agent.status is not AgentStatus.LOGGED_OUT:
            if agent.extension == extension:  # logged in here already: just the status
                wanted = AgentStatus.READY if ready else AgentStatus.NOT_READY
                if (agent.status, agent.reason) != (wanted, "" if ready else reason):
                    self._set_status(agent, wanted, "" if ready else reason, by)
                return agent
            self.logout(agent_id, by=by)
        status = AgentStatus.READY if ready else AgentStatus.NOT_READY
        agent.login(extension, now, status=status, reason="" if ready else reason)
        self.by_extension[extension] = agent_id
        agent.other_calls = self._direct_calls(agent)
        self.emit(AgentStatusChanged(now, agent_id, status.value, agent.reason, extension, by))
        self.state_event(agent, now)
        self.dispatch()
        return agent

    def _direct_calls(self, agent: Agent) -> int:
        """Live legs on the agent's extension other than those of its queue call (an
        agent logged in again during its queue call is not on a direct call)."""
        count = self.manager.busy.get(agent.extension, 0)
        own = self.manager.calls.get(agent.call) if agent.call else None
        if own is not None:
            count -= sum(1 for leg in own.legs if leg.party == agent.extension and not leg.ended)
        return max(count, 0)

    def logout(self, agent_id: str, *, by: str = "") -> None:
        agent = self._agent(agent_id)
        if agent.status is AgentStatus.LOGGED_OUT:
            return
        now = time.time()
        extension = agent.extension
        call = self.manager.calls.get(agent.call) if agent.call else None
        if call is not None and agent.state in (AgentState.RESERVED, AgentState.RINGING):
            for attempt in list(call.attempts):
                if attempt.target == extension:
                    self.manager.cancel_attempt(call, attempt, notify=False)
            self.acd.offer_failed(call.id, agent_id, MissReason.CALLER_GONE, now)
        agent.logout(now)
        self.by_extension.pop(extension, None)
        self.emit(
            AgentStatusChanged(now, agent_id, AgentStatus.LOGGED_OUT.value, "", extension, by)
        )
        self._leave_empty_queues(agent_id)
        self.dispatch()

    def set_ready(self, agent_id: str, *, by: str = "") -> None:
        agent = self._agent(agent_id)
        if agent.status is AgentStatus.LOGGED_OUT:
            raise CommandError("not_logged_in", agent_id)
        self._set_status(agent, AgentStatus.READY, "", by)
        self.dispatch()

    def set_not_ready(self, agent_id: str, reason: str = "", *, by: str = "") -> None:
        agent = self._agent(agent_id)
        if agent.status is AgentStatus.LOGGED_OUT:
            raise CommandError("not_logged_in", agent_id)
        if reason and not self._known_reason(reason):
            raise CommandError("unknown_reason", reason)
        self._set_status(agent, AgentStatus.NOT_READY, reason, by)

    def _known_reason(self, code: str) -> bool:
        return code == NO_ANSWER_REASON or any(r.code == code for r in self.reasons)

    def _set_status(self, agent: Agent, status: AgentStatus, reason: str, by: str) -> None:
        now = time.time()
        try:
            agent.set_status(status, reason, now)
        except InvalidTransition as error:
            raise CommandError("invalid_status", str(error)) from error
        self.emit(
            AgentStatusChanged(now, agent.agent_id, status.value, reason, agent.extension, by)
        )

    def _leave_empty_queues(self, agent_id: str) -> None:
        for name in self.acd.queues_of(agent_id):
            queue = self.acd.queues[name]
            if queue.entry.leave_empty and self.acd.logged_in(name) == 0:
                for member in list(queue.members()):
                    self._queue_exit(member.call_id, QueueOutcome.EMPTY)

    def agent_by_extension(self, extension: str) -> Agent | None:
        agent_id = self.by_extension.get(extension)
        return self.acd.agents.get(agent_id) if agent_id else None

    # === call control ===================================================================
    def transfer(self, call_id: str, destination: str, *, by: str = "") -> None:
        """Blind transfer (A6): the answered callee (an agent) leaves, the caller goes to
        ``destination`` (an extension, ``queue:NAME``, an outside number "0...")."""
        call = self.manager.calls.get(call_id)
        if call is None or call.ended:
            raise CommandError("no_call", call_id)
        target = parse_destination(destination)
        if target is None:
            raise CommandError("bad_destination", destination)
        if call.answered is None:
            raise CommandError("not_answered", call_id)
        if call.consult is not None:
            raise CommandError("consulting", call_id)
        for supervisor_call, (watched, service) in list(self.supervising.items()):
            if watched == call.id:  # the supervisor leaves with the agent
                service.stop()
                found = self.manager.calls.get(supervisor_call)
                if found is not None:
                    self.manager.hang_up(found)
        self.manager.drop_callee(call)
        self.agent_leaves(call.id, time.time())
        self.emit(CallTransferred(time.time(), call.id, "blind", by, destination))
        self.route(call, target)

    def call_of_agent(self, agent_id: str) -> Call | None:
        """The call the agent is on: its queue call, else a call on its extension."""
        agent = self._agent(agent_id)
        if agent.call:
            return self.manager.calls.get(agent.call)
        for call in self.manager.calls.values():
            if any(leg.party == agent.extension and not leg.ended for leg in call.legs):
                return call
        return None

    def reconcile(self) -> list[StateRepaired]:
        """Repair agent and member states no call backs (`engine.acd.reconciler`); called
        about once a second by the engine. Every repair is an event; repaired agents
        report their new state, a member whose call vanished leaves its queue."""
        now = time.time()
        members = {m.call_id: m for q in self.acd.queues.values() for m in q.members()}
        repaired = reconcile(self, now)
        for event in repaired:
            self.emit(event)
            agent = self.acd.agents.get(event.agent)
            if agent is not None:
                self.state_event(agent, now)
            member = members.get(event.call)
            if event.what == "member_without_call" and member is not None:
                self.emit(
                    QueueLeft(
                        now,
                        member.call_id,
                        member.queue,
                        QueueOutcome.FAILED,
                        member.waited(now),
                        0,
                        member.original_position,
                    )
                )
        if repaired:
            self.dispatch()
        return repaired

    def close(self) -> None:
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None

    # === events =========================================================================
    def emit(self, event: Event) -> None:
        self.events.emit(event)

    def state_event(self, agent: Agent, now: float) -> None:
        """AgentStateChanged, when the state (or its call) really changed."""
        current = (agent.state, agent.call)
        if self._last_state.get(agent.agent_id) == current:
            return
        self._last_state[agent.agent_id] = current
        until = agent.wrap_up_until if agent.state is AgentState.WRAP_UP else None
        self.emit(
            AgentStateChanged(
                now, agent.agent_id, agent.state.value, agent.call, agent.queue, until
            )
        )


def _nothing(leg: Leg) -> None:
    pass
