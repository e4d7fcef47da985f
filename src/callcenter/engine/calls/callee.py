"""The callee side of a call: ringing a party (Rules 4 and 7 of `engine.calls.manager`).

An :class:`Attempt` rings one party for a call: every registered contact of an extension
in parallel, or one trunk. A call has at most one answered callee at a time but may have
several attempts at once (a queue's ring-all offer rings several agents). Whoever started
the attempt says what happens next:

- ``on_answered(leg)`` when one of its legs answers: the other legs of that attempt and
  every other attempt of the call are cancelled (RFC 3261 §9.1); the call manager then
  answers the caller or, when the caller was answered already (an IVR, a queue), stops
  what was playing to it and joins the two;
- ``on_failed(status)`` when every leg failed (the best failure, §16.7 step 6), when the
  ring timeout passed (408), or when the attempt was cancelled because another answered
  or by :meth:`CalleeSide.cancel_attempt` (487).

A 2xx for a leg whose attempt is over is ACKed and then ended with BYE (§13.2.2.4). A
401/407 from a trunk with credentials is answered once with a new INVITE carrying them
(§22.2), same Call-ID and From tag, CSeq + 1.

Answering without a hand on the phone, where the phone supports it:

- asked before it rings (an auto-answer agent's offers, a supervisor's click-to-call),
  the INVITE carries :func:`auto_answer_headers`;
- while it rings, a phone whose ringing response says ``Allow-Events: talk`` (BroadSoft's
  SIP access-side extension, which Yealink, Fanvil, Polycom and Grandstream phones offer
  when remote control is enabled) answers on ``NOTIFY`` with ``Event: talk`` in the early
  dialog of the INVITE (:meth:`CalleeSide.ask_to_answer`; RFC 3261 §12.2.1.1 for a
  request in an early dialog, RFC 6665 §8.2.3 for the Subscription-State every NOTIFY
  carries). Its 2xx then comes as if the agent had picked up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from callcenter.engine.calls.call import Call, best_failure, cause_of_status
from callcenter.engine.calls.leg import SDP, Leg, LegState
from callcenter.engine.calls.sipio import (
    SipIO,
    new_branch,
    new_call_id,
    new_tag,
    our_contact,
    our_via,
)
from callcenter.engine.events import CallAnswered, EndCause, Event, LegRole
from callcenter.engine.media import MediaEngine, NoPortsLeft
from callcenter.engine.ports import TrunkEntry
from callcenter.engine.registrar import Registrar
from callcenter.sip.auth import Challenge, authorization, choose_challenge
from callcenter.sip.constants import Method
from callcenter.sip.dialog import Dialog, DialogId
from callcenter.sip.errors import SipParseError, SipUsageError
from callcenter.sip.headers import NameAddr
from callcenter.sip.message import Request, Response
from callcenter.sip.offer_answer import AudioStream
from callcenter.sip.sdp import SessionDescription
from callcenter.sip.transaction import Peer
from callcenter.sip.uri import SipUri, TelUri, parse_uri

log = logging.getLogger(__name__)

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER"
CANCELLED = 487  # on_failed's status when the attempt was called off
TIMED_OUT = 408


def auto_answer_headers(host: str) -> list[tuple[str, str]]:
    """What asks a phone to answer an INVITE by itself: ``Call-Info`` with
    ``answer-after=0`` (BroadSoft's extension, which most desk phones read) and
    ``Alert-Info: <urn:alert:service:auto-answer>`` (RFC 7462 §4.1)."""
    return [
        ("Call-Info", f"<sip:{host}>;answer-after=0"),
        ("Alert-Info", "<urn:alert:service:auto-answer>"),
    ]


@dataclass(eq=False)
class Attempt:
    """Ringing one party (``target``) for a call."""

    target: str
    on_answered: Callable[[Leg], None]
    on_failed: Callable[[int], None]
    legs: list[Leg] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    timer: asyncio.TimerHandle | None = None
    over: bool = False
    answered: Leg | None = None
    exclusive: bool = True  # False: a consultation, answered beside the call's parties
    auto_answer: bool = False  # the INVITEs carry `auto_answer_headers`


class CalleeSide:
    """Placing callee legs and reading their responses; mixed into the call manager,
    which provides the caller side and the bookkeeping used here."""

    sip: SipIO
    media: MediaEngine
    registrar: Registrar
    trunks: Callable[[], Mapping[str, TrunkEntry]]
    _by_key: dict[str, tuple[Call, Leg]]
    _by_dialog: dict[DialogId, tuple[Call, Leg]]
    _talk_keys: dict[str, str]  # our NOTIFY talk transactions -> the phone's number
    server_name: str

    # provided by the manager
    def _emit(self, event: Event) -> None:
        raise NotImplementedError

    def _emit_leg(self, call: Call, leg: Leg) -> None:
        raise NotImplementedError

    def _leg_ended(self, call: Call, leg: Leg, cause: EndCause, status: int) -> None:
        raise NotImplementedError

    def _ring_caller(self, call: Call, leg: Leg, *, with_media: bool) -> None:
        raise NotImplementedError

    def _connected(self, call: Call, leg: Leg) -> None:
        raise NotImplementedError

    def _bye(self, dialog: Dialog, peer: Peer) -> None:
        raise NotImplementedError

    # === starting an attempt ===========================================================
    def start_attempt(
        self,
        call: Call,
        target: str,
        *,
        timeout: float,
        on_answered: Callable[[Leg], None],
        on_failed: Callable[[int], None],
        exclusive: bool = True,
        auto_answer: bool = False,
    ) -> Attempt:
        """Ring ``target`` for ``call``: an extension (each of its registered contacts)
        or, with :meth:`ring_trunk`, an outside number. The legs are placed in a task;
        ``on_failed(480)`` comes (on the next loop turn) when nothing could be rung.
        Not ``exclusive`` (a consultation): its answer cancels no other attempt, is not
        joined to the caller and is no CallAnswered; ``on_answered`` does the rest.
        ``auto_answer``: the INVITEs ask the phone to answer by itself
        (:func:`auto_answer_headers`)."""
        attempt = Attempt(
            target, on_answered, on_failed, exclusive=exclusive, auto_answer=auto_answer
        )
        call.attempts.append(attempt)
        attempt.timer = call.later(timeout, lambda: self._attempt_timed_out(call, attempt))
        task = asyncio.create_task(self._ring_extension(call, attempt))
        call.tasks.add(task)
        task.add_done_callback(call.tasks.discard)
        return attempt

    def ring_trunk(
        self,
        call: Call,
        trunk: TrunkEntry,
        number: str,
        from_user: str,
        *,
        timeout: float,
        on_answered: Callable[[Leg], None],
        on_failed: Callable[[int], None],
        exclusive: bool = True,
    ) -> Attempt:
        attempt = Attempt(number, on_answered, on_failed, exclusive=exclusive)
        call.attempts.append(attempt)
        attempt.timer = call.later(timeout, lambda: self._attempt_timed_out(call, attempt))
        peer = Peer(trunk.transport, trunk.host, trunk.port)
        uri = SipUri(trunk.host, user=number, port=trunk.port)

        async def place() -> None:
            await self._place(call, attempt, number, peer, uri, number, from_user, trunk=trunk)
            self._check_attempt(call, attempt)

        task = asyncio.create_task(place())
        call.tasks.add(task)
        task.add_done_callback(call.tasks.discard)
        return attempt

    async def _ring_extension(self, call: Call, attempt: Attempt) -> None:
        for binding in self.registrar.bindings(attempt.target):
            if call.ended or attempt.over:
                break
            try:
                contact = parse_uri(binding.contact)
            except SipParseError:
                continue
            peer = Peer(binding.transport, binding.source_host, binding.source_port)
            await self._place(
                call,
                attempt,
                attempt.target,
                peer,
                contact,
                attempt.target,
                call.caller_number,
                display=call.caller_name,
            )
        self._check_attempt(call, attempt)

    def _check_attempt(self, call: Call, attempt: Attempt) -> None:
        """Nothing could be placed at all (no contact, no port): the attempt failed."""
        if not attempt.legs and not attempt.over and not call.ended:
            self._attempt_over(call, attempt)
            attempt.on_failed(480)

    def cancel_attempt(self, call: Call, attempt: Attempt, *, notify: bool = True) -> None:
        """Stop ringing: CANCEL every leg still ringing (§9.1)."""
        if attempt.over:
            return
        self._attempt_over(call, attempt)
        for leg in attempt.legs:
            if not leg.ended:
                self.sip.cancel(leg.invite_key)
                leg.state = LegState.ENDED
                self._leg_ended(call, leg, EndCause.CANCELLED, 0)
        if notify:
            attempt.on_failed(CANCELLED)

    def _attempt_over(self, call: Call, attempt: Attempt) -> None:
        attempt.over = True
        if attempt.timer is not None:
            attempt.timer.cancel()
        if attempt in call.attempts:
            call.attempts.remove(attempt)

    def _attempt_timed_out(self, call: Call, attempt: Attempt) -> None:
        if attempt.over or call.ended:
            return
        self.cancel_attempt(call, attempt, notify=False)
        attempt.on_failed(TIMED_OUT)

    # === placing one leg ===============================================================
    async def _place(
        self,
        call: Call,
        attempt: Attempt,
        party: str,
        peer: Peer,
        uri: SipUri | TelUri | object,
        to_user: str,
        from_user: str,
        *,
        display: str = "",
        trunk: TrunkEntry | None = None,
    ) -> None:
        """Start one callee leg: a new RTP session and an INVITE with our offer."""
        try:
            session = await self.media.open_session()
        except NoPortsLeft:
            log.warning("no RTP port left for a leg of call %s", call.id)
            return
        if call.ended or attempt.over:
            session.close()
            return
        host, port = self.sip.local_address(peer)
        leg = Leg(
            LegRole.CALLEE, party, peer, host, port, session, trunk=trunk.name if trunk else ""
        )
        if call.fax:
            leg.codecs = call.caller.codecs
        request_uri = uri if isinstance(uri, SipUri | TelUri) else SipUri(peer.host, user=party)
        to = NameAddr(SipUri(peer.host if trunk else host, user=to_user))
        from_ = NameAddr(SipUri(host, user=from_user), display or None, (("tag", new_tag()),))
        sdp = leg.offer()
        headers = [("Allow", ALLOW), ("User-Agent", self.server_name)]
        if attempt.auto_answer:
            headers += auto_answer_headers(host)
        invite = Request.create(
            Method.INVITE,
            request_uri,
            from_=from_,
            to=to,
            call_id=new_call_id(host),
            cseq=1,
            via=our_via(peer, host, port, new_branch()),
            contact=our_contact(peer, host, port),
            headers=headers,
            body=bytes(sdp),
            content_type=SDP,
        )
        call.callees.append(leg)
        attempt.legs.append(leg)
        leg.attempt = attempt
        self._send_invite(call, leg, invite)
        self._emit_leg(call, leg)

    def _send_invite(self, call: Call, leg: Leg, invite: Request) -> None:
        if leg.invite_key:
            self._by_key.pop(leg.invite_key, None)
        leg.invite = invite
        try:
            leg.invite_key = self.sip.send_request(invite, leg.peer)
        except SipUsageError:
            log.exception("could not send the INVITE of call %s", call.id)
            self._callee_failed(call, leg, 500)
            return
        self._by_key[leg.invite_key] = (call, leg)

    # === remote answer ================================================================
    def ask_to_answer(self, call: Call, leg: Leg) -> bool:
        """Send the ringing phone of ``leg`` ``NOTIFY`` ``Event: talk`` (module
        docstring); False when its ringing response did not offer the event or the leg
        rings no more."""
        dialog = leg.dialog
        if not leg.talk_event or leg.state is not LegState.EARLY or dialog is None:
            return False
        try:
            notify = dialog.create_request(
                Method.NOTIFY,
                branch=new_branch(),
                extra_headers=[
                    ("Event", "talk"),
                    ("Subscription-State", "active"),
                    ("User-Agent", self.server_name),
                ],
            )
            key = self.sip.send_request(notify, leg.peer)
        except SipUsageError:
            log.exception("could not ask leg %s of call %s to answer", leg.id, call.id)
            return False
        self._talk_keys[key] = leg.party
        return True

    def _talk_response(self, key: str, response: Response) -> None:
        """The phone's answer to our NOTIFY talk: a refusal is only logged (the phone
        still rings; the agent answers it by hand)."""
        if response.status < 200:
            return
        party = self._talk_keys.pop(key, "")
        if response.status >= 300:
            log.warning("phone %s refused the talk event: %s", party, response.status)

    # === responses =====================================================================
    def _callee_response(self, call: Call, leg: Leg, key: str, response: Response) -> None:
        status = response.status
        if status == 100 or key != leg.invite_key:
            return
        if status < 200:
            self._callee_provisional(call, leg, response)
        elif status < 300:
            self._callee_answered(call, leg, response)
        elif status in (401, 407) and self._retry_with_credentials(call, leg, response):
            return
        else:
            self._callee_failed(call, leg, status)

    def _callee_provisional(self, call: Call, leg: Leg, response: Response) -> None:
        attempt = leg.attempt
        if leg.ended or call.ended or attempt is None or attempt.over:
            return
        if leg.dialog is None and response.to.tag:
            try:
                leg.dialog = Dialog.uac(leg.invite, response)  # type: ignore[arg-type]
            except (SipParseError, SipUsageError):
                return
        leg.state = LegState.EARLY
        if any(e.split(";")[0].strip().lower() == "talk" for e in response.headers.values("u")):
            leg.talk_event = True
        if not attempt.exclusive:
            return  # a consultation rings: the agent hears the switch's ringback
        early = False
        if response.body and leg.stream is None:
            try:
                early = leg.accept(SessionDescription.parse(response.body)) is not None
            except SipParseError:
                early = False
        if early and call.caller.stream is not None and call.caller.state is not LegState.ANSWERED:
            call.early_media(leg)
            self._ring_caller(call, leg, with_media=True)
        elif not call.ringing or call.caller.state is LegState.ANSWERED:
            self._ring_caller(call, leg, with_media=False)

    def _ack_2xx(self, leg: Leg, response: Response) -> Dialog | None:
        """ACK a 2xx to the leg's INVITE (§13.2.2.4), making or updating its dialog
        (§12.1.2); None for a 2xx that starts no dialog (not ACKed)."""
        invite = leg.invite
        assert invite is not None
        dialog = leg.dialog
        if dialog is None or dialog.id != DialogId.of_response(response):
            try:
                dialog = Dialog.uac(invite, response)
            except (SipParseError, SipUsageError):
                log.warning("a 2xx for leg %s that starts no dialog", leg.id)
                return None
        else:
            dialog.update_from_response(response)
        self.sip.send_ack(dialog.create_ack(invite.cseq.seq, branch=new_branch()), leg.peer)
        return dialog

    @staticmethod
    def _answered_stream(leg: Leg, response: Response) -> AudioStream | None:
        """The audio agreed by a 2xx: its SDP answer, else one that came earlier with
        early media (§13.2.1); None when there is none."""
        if response.body:
            try:
                return leg.accept(SessionDescription.parse(response.body))
            except SipParseError:
                return None
        return leg.stream

    def _callee_answered(self, call: Call, leg: Leg, response: Response) -> None:
        dialog = self._ack_2xx(leg, response)
        if dialog is None:
            return
        attempt = leg.attempt
        if leg.state is LegState.ANSWERED:
            return  # a retransmitted 2xx: ACKed again above
        if call.ended or leg.ended or attempt is None or attempt.over:
            # Rule 4: a second answer, or one after the call or attempt ended: ACK, BYE.
            self._bye(dialog, leg.peer)
            if not leg.ended:
                leg.state = LegState.ENDED
                self._leg_ended(call, leg, EndCause.CANCELLED, 0)
            return
        leg.dialog = dialog
        self._by_dialog[dialog.id] = (call, leg)
        if self._answered_stream(leg, response) is None:
            self._bye(dialog, leg.peer)
            leg.state = LegState.ENDED
            self._leg_ended(call, leg, EndCause.NO_CODEC, 488)
            self._check_failed(call, attempt)
            return
        leg.state = LegState.ANSWERED
        leg.answered_at = time.time()
        attempt.answered = leg
        self._attempt_over(call, attempt)
        for other in attempt.legs:
            if other is not leg and not other.ended:
                self.sip.cancel(other.invite_key)
                other.state = LegState.ENDED
                self._leg_ended(call, other, EndCause.CANCELLED, 0)
        if not attempt.exclusive:
            attempt.on_answered(leg)
            return
        for rival in list(call.attempts):
            self.cancel_attempt(call, rival)
        self._emit(CallAnswered(leg.answered_at, call.id, leg.id, leg.party))
        self._connected(call, leg)
        attempt.on_answered(leg)

    def _retry_with_credentials(self, call: Call, leg: Leg, response: Response) -> bool:
        trunk = self.trunks().get(leg.trunk) if leg.trunk else None
        invite = leg.invite
        if trunk is None or not trunk.username or leg.auth_tried or invite is None:
            return False
        name = "www-authenticate" if response.status == 401 else "proxy-authenticate"
        try:
            challenge: Challenge = choose_challenge(response.headers.get_all(name))
            value = authorization(
                challenge,
                method=Method.INVITE,
                uri=str(invite.uri),
                username=trunk.username,
                password=trunk.password,
                cnonce=new_tag(),
            )
        except SipParseError:
            return False
        leg.auth_tried = True
        retry = Request(
            headers=invite.headers.copy(), body=invite.body, method=invite.method, uri=invite.uri
        )
        retry.headers.set(
            "Via", str(our_via(leg.peer, leg.local_host, leg.local_port, new_branch()))
        )
        retry.headers.set("CSeq", f"{invite.cseq.seq + 1} INVITE")
        retry.headers.set(
            "Authorization" if response.status == 401 else "Proxy-Authorization", value
        )
        self._send_invite(call, leg, retry)
        return True

    def _callee_failed(self, call: Call, leg: Leg, status: int) -> None:
        if leg.ended:
            return
        leg.state = LegState.ENDED
        self._leg_ended(call, leg, cause_of_status(status), status)
        if leg.attempt is not None:
            self._check_failed(call, leg.attempt)

    def _check_failed(self, call: Call, attempt: Attempt) -> None:
        if attempt.over or call.ended or not all(leg.ended for leg in attempt.legs):
            return
        failures = [leg.sip_status for leg in attempt.legs if leg.sip_status not in (0, 487)]
        self._attempt_over(call, attempt)
        attempt.on_failed(best_failure(failures))
