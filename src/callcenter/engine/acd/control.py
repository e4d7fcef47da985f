"""Call control for agents and other systems (A6, A13): click-to-call, hold and resume,
attended transfer (consult, then complete or cancel), three-party conference, and a
supervisor joining a call from the desktop.

The REST API (`api.switch_views`) calls these commands on the switch's loop; each
refusal is a :class:`~callcenter.engine.acd.center.CommandError` with a stable code. The
media of each situation is in `engine.calls.consult`; this module decides when they
begin and end and keeps the agents' states (`engine.acd.states`) true. Rules:

Rule 1 (whose side). A command names the call and, optionally, the agent acting; the
    agent's leg is the leg of its extension (caller or answered callee), else, for a
    queue call, the answering agent's. The other party is "the customer".
Rule 2 (hold). The switch holds the customer: music to it, silence to the agent (the
    phone's own hold, a re-INVITE, is the call layer's and works beside this). A queue
    agent goes on hold → in call again on resume, from the API or its phone alike.
    CallHeld / CallResumed.
Rule 3 (consult). Only an answered two-party call without a supervisor in it. The
    customer is held, the agent hears ringback while an extension or "0" + outside
    number rings (not a queue: a queue has nobody to consult yet). Answered: agent and
    third party talk. Not answered, busy or refused: the agent is back with the customer.
Rule 4 (complete, cancel, conference). Complete: the agent leaves (BYE), customer and
    third party talk, recorded on the call's recording; the agent goes to wrap-up as
    after a blind transfer. Cancel: the third party leaves (CANCEL or BYE), the agent is
    back with the customer. Conference: the three hear each other (recorded: customer
    left, agent right).
Rule 5 (hang-ups during a consultation). The agent hanging up completes the transfer
    (while the third party rings: as soon as it answers; if it does not, the call ends);
    the third party hanging up returns the agent to the customer (or, in a conference,
    leaves the two of them); the customer hanging up ends the call for all.
Rule 6 (click-to-call). An extension is rung first, then the destination for it
    (`engine.calls.originate`); a supervisor's listen from the desktop is a click-to-call
    of ``*33`` + the agent's ID, and its whisper and barge change the running one.
Rule 7 (answer). The phone ringing at the agent's extension (a queue's offer or a direct
    call; the oldest when several ring) is asked to answer by the talk event
    (`engine.calls.callee`), where its ringing response offered it; otherwise the agent
    answers on the phone (``cannot_answer``). Nothing ringing: ``not_ringing``.

Every step is a ConsultChanged event (see `engine.events`).
"""

from __future__ import annotations

import logging
import time

from callcenter.engine.acd.center import CommandError, ContactCenter
from callcenter.engine.acd.states import AgentState
from callcenter.engine.acd.supervision import SUPERVISE
from callcenter.engine.calls.call import Call
from callcenter.engine.calls.callee import CANCELLED
from callcenter.engine.calls.consult import Consultation, hold, retrieve
from callcenter.engine.calls.destinations import Kind, parse_destination
from callcenter.engine.calls.leg import Leg, LegState
from callcenter.engine.calls.originate import OriginateError
from callcenter.engine.calls.routing import Rejection
from callcenter.engine.events import CallHeld, CallResumed, CallTransferred, ConsultChanged
from callcenter.engine.media import MediaError
from callcenter.engine.ports import ExtensionEntry, TrunkEntry

log = logging.getLogger(__name__)

SUPERVISOR_MODES = ("listen", "whisper", "barge")


class CallControl:
    def __init__(self, center: ContactCenter) -> None:
        self.center = center
        self.manager = center.manager
        self.manager.on_leg_bye = self._leg_bye
        self.manager.on_hold_changed = self._phone_hold

    # === Rule 1 =========================================================================
    def _call(self, call_id: str) -> Call:
        call = self.manager.calls.get(call_id)
        if call is None or call.ended:
            raise CommandError("no_call", call_id)
        if call.answered is None or call.caller.state is not LegState.ANSWERED:
            raise CommandError("not_answered", call_id)
        return call

    def agent_leg(self, call: Call, agent_id: str = "") -> Leg:
        """The acting agent's leg (Rule 1)."""
        agent = self.center.acd.agents.get(agent_id) if agent_id else None
        if agent is not None and agent.extension:
            for leg in (call.caller, call.answered):
                if leg is not None and leg.party == agent.extension and not leg.ended:
                    return leg
        assert call.answered is not None
        return call.answered

    def _queue_agent_state(self, call: Call, state: AgentState) -> None:
        connected = self.center.connected.get(call.id)
        agent = self.center.acd.agents.get(connected.agent) if connected else None
        if agent is None or agent.call != call.id or agent.state is state:
            return
        if agent.state in (AgentState.IN_CALL, AgentState.ON_HOLD):
            now = time.time()
            agent.set_state(state, now)
            self.center.state_event(agent, now)

    # === Rule 2 =========================================================================
    def hold(self, call_id: str, agent_id: str = "") -> None:
        call = self._call(call_id)
        if call.held is not None:
            raise CommandError("already_held", call_id)
        if call.consult is not None or call.conference is not None or call.relay is None:
            raise CommandError("call_busy", call_id)
        leg = self.agent_leg(call, agent_id)
        try:
            hold(call, leg)
        except MediaError as error:
            raise CommandError("call_busy", str(error)) from error
        self.center.emit(CallHeld(time.time(), call.id, leg.id))
        self._queue_agent_state(call, AgentState.ON_HOLD)

    def _phone_hold(self, call: Call, leg: Leg, held: bool) -> None:
        """The agent's own phone held or resumed the call (a re-INVITE): its state
        follows, as with the desktop's button."""
        connected = self.center.connected.get(call.id)
        agent = self.center.acd.agents.get(connected.agent) if connected else None
        if agent is not None and leg.party == agent.extension and call.consult is None:
            self._queue_agent_state(call, AgentState.ON_HOLD if held else AgentState.IN_CALL)

    def resume(self, call_id: str, agent_id: str = "") -> None:
        call = self._call(call_id)
        if call.held is None or call.consult is not None:
            raise CommandError("not_held", call_id)
        leg = self.agent_leg(call, agent_id)
        retrieve(call)
        self.center.emit(CallResumed(time.time(), call.id, leg.id))
        self._queue_agent_state(call, AgentState.IN_CALL)

    # === Rule 3 =========================================================================
    def consult(self, call_id: str, destination: str, agent_id: str = "", by: str = "") -> None:
        call = self._call(call_id)
        if call.consult is not None:
            raise CommandError("consulting", call_id)
        if call.conference is not None or call.relay is None:
            raise CommandError("call_busy", call_id)
        leg = self.agent_leg(call, agent_id)
        parsed = parse_destination(destination)
        if parsed is None or parsed.kind is not Kind.NUMBER:
            raise CommandError("bad_destination", destination)
        target = self.manager.router.target(leg.party, destination, from_trunk=False)
        if isinstance(target, Rejection):
            code = "not_registered" if target.status == 480 else "bad_destination"
            raise CommandError(code, destination)
        if not isinstance(target, ExtensionEntry | TrunkEntry):
            raise CommandError("bad_destination", destination)
        try:
            consultation = Consultation.begin(call, leg, destination, by or leg.party)
        except MediaError as error:
            raise CommandError("call_busy", str(error)) from error
        call.consult = consultation
        self._queue_agent_state(call, AgentState.ON_HOLD)

        def answered(target_leg: Leg) -> None:
            self._consult_answered(call, consultation, target_leg)

        def failed(status: int) -> None:
            self._consult_failed(call, consultation, status)

        timeout = self.manager.config.ring_timeout
        if isinstance(target, TrunkEntry):
            consultation.attempt = self.manager.ring_trunk(
                call,
                target,
                destination[1:],
                target.caller_id or call.caller_number,
                timeout=timeout,
                on_answered=answered,
                on_failed=failed,
                exclusive=False,
            )
        else:
            consultation.attempt = self.manager.start_attempt(
                call,
                target.number,
                timeout=timeout,
                on_answered=answered,
                on_failed=failed,
                exclusive=False,
            )
        self._event(call, consultation, "started")

    def _consult_answered(self, call: Call, consultation: Consultation, target: Leg) -> None:
        if call.consult is not consultation or call.ended:
            self.manager.leg_left(call, target)
            return
        if consultation.orphaned:  # Rule 5: the agent hung up while it rang
            consultation.target = target
            self._event(call, consultation, "answered")
            self._complete(call, consultation)
            return
        consultation.connect(target)
        self._event(call, consultation, "answered")

    def _consult_failed(self, call: Call, consultation: Consultation, status: int) -> None:
        if status == CANCELLED or call.consult is not consultation or call.ended:
            return
        self._event(call, consultation, "failed")
        if consultation.orphaned:
            self.manager.hang_up(call)
            return
        self._back_to_customer(call, consultation)

    def _back_to_customer(self, call: Call, consultation: Consultation) -> None:
        consultation.end(call)
        assert call.answered is not None
        call.bridge(call.answered, self.manager.config.recordings)
        self._queue_agent_state(call, AgentState.IN_CALL)

    # === Rule 4 =========================================================================
    def _consulted(self, call_id: str) -> tuple[Call, Consultation]:
        call = self._call(call_id)
        consultation = call.consult
        if not isinstance(consultation, Consultation):
            raise CommandError("not_consulting", call_id)
        return call, consultation

    def complete(self, call_id: str) -> None:
        call, consultation = self._consulted(call_id)
        if consultation.target is None:
            raise CommandError("consult_not_answered", call_id)
        self._complete(call, consultation)

    def _complete(self, call: Call, consultation: Consultation) -> None:
        """The agent leaves; the held party and the target talk (recorded)."""
        target, agent, held = consultation.target, consultation.agent, consultation.held
        assert target is not None
        consultation.end(call)
        if agent is call.caller:  # the agent had called out: the customer becomes the caller
            call.callees.remove(held)
            call.callees.insert(0, agent)
            call.caller = held
        call.answered = target
        call.bridge(target, self.manager.config.recordings)
        self.manager.leg_left(call, agent)
        self.center.agent_leaves(call.id, time.time())
        self._event(call, consultation, "completed")
        self.center.emit(
            CallTransferred(
                time.time(), call.id, "attended", consultation.by, consultation.destination
            )
        )

    def cancel(self, call_id: str) -> None:
        call, consultation = self._consulted(call_id)
        self._cancel(call, consultation)

    def _cancel(self, call: Call, consultation: Consultation) -> None:
        if consultation.attempt is not None:
            self.manager.cancel_attempt(call, consultation.attempt, notify=False)
        if consultation.target is not None:
            consultation.stop(call)
            self.manager.leg_left(call, consultation.target)
        self._event(call, consultation, "cancelled")
        self._back_to_customer(call, consultation)

    def conference(self, call_id: str) -> None:
        call, consultation = self._consulted(call_id)
        if consultation.target is None:
            raise CommandError("consult_not_answered", call_id)
        if consultation.conference is not None:
            return
        try:
            consultation.join_all(call)
        except MediaError as error:
            raise CommandError("call_busy", str(error)) from error
        self._queue_agent_state(call, AgentState.IN_CALL)
        self._event(call, consultation, "conference")

    # === Rule 5 =========================================================================
    def _leg_bye(self, call: Call, leg: Leg) -> bool:
        """A BYE from ``leg`` (its dialog is over): True when the call goes on."""
        consultation = call.consult
        if not isinstance(consultation, Consultation) or call.ended:
            return False
        if leg is consultation.target:
            consultation.stop(call)
            self.manager.leg_left(call, leg)
            self._event(call, consultation, "cancelled")
            self._back_to_customer(call, consultation)
            return True
        if leg is consultation.agent:
            if consultation.target is not None:
                self._complete(call, consultation)
            else:
                consultation.orphaned = True
                consultation.stop(call)
                self.manager.leg_left(call, leg)
                self.center.agent_leaves(call.id, time.time())
            return True
        return False  # the customer: the call ends for everyone

    # === Rule 6 =========================================================================
    def originate(self, extension: str, destination: str, *, auto_answer: bool = False) -> str:
        """Ring ``extension``, then ``destination``; the new call's id."""
        try:
            return self.manager.originate(extension, destination, auto_answer=auto_answer)
        except OriginateError as error:
            codes = {404: "bad_destination", 480: "not_registered", 403: "may_not_dial_out"}
            raise CommandError(codes.get(error.status, "unreachable"), error.reason) from None

    def supervise(self, supervisor_id: str, agent_id: str, mode: str) -> str:
        """Listen to (whisper to, barge into) the agent's call from the supervisor's
        phone: a running supervision changes mode, else the phone is rung first."""
        if mode not in SUPERVISOR_MODES:
            raise CommandError("bad_mode", mode)
        for call_id, (_target, service) in self.center.supervising.items():
            if service.supervisor == supervisor_id and service.agent == agent_id:
                service.change(mode)
                return call_id
        supervisor = self.center.acd.agents.get(supervisor_id)
        if supervisor is None or not supervisor.extension:
            raise CommandError("not_logged_in", supervisor_id)
        if self.center.call_of_agent(agent_id) is None:
            raise CommandError("no_call", agent_id)
        call_id = self.originate(supervisor.extension, SUPERVISE + agent_id, auto_answer=True)
        self.center.first_modes[call_id] = mode
        return call_id

    # === Rule 7 =========================================================================
    def answerable(self, extension: str) -> list[tuple[Call, Leg]]:
        """The legs ringing at ``extension`` now, oldest call first, those that can be
        answered from here before the others."""
        ringing = [
            (call, leg)
            for call in self.manager.calls.values()
            if not call.ended
            for leg in call.callees
            if leg.party == extension
            and leg.state is LegState.EARLY
            and leg.attempt is not None
            and not leg.attempt.over
        ]
        ringing.sort(key=lambda pair: (not pair[1].talk_event, pair[0].started_at))
        return ringing

    def answer(self, agent_id: str) -> str:
        """Rule 7; the id of the call being answered."""
        agent = self.center.acd.agents.get(agent_id)
        if agent is None:
            raise CommandError("unknown_agent", agent_id)
        if not agent.extension:
            raise CommandError("not_logged_in", agent_id)
        ringing = self.answerable(agent.extension)
        if not ringing:
            raise CommandError("not_ringing", agent_id)
        call, leg = ringing[0]
        if not self.manager.ask_to_answer(call, leg):
            raise CommandError("cannot_answer", agent_id)
        return call.id

    # === events =========================================================================
    def _event(self, call: Call, consultation: Consultation, action: str) -> None:
        self.center.emit(
            ConsultChanged(time.time(), call.id, action, consultation.by, consultation.destination)
        )
