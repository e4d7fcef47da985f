"""The back-to-back user agent: INVITEs in, calls placed, media anchored, events out.

`engine.signalling` hands the call layer every INVITE that starts a dialog, every request
inside one, the ACKs for 2xx, CANCELs and the responses to what it sent. Rules, with the
RFC sections they follow:

Rule 1 (who calls). An INVITE from a trunk's address (host and port; host alone for a
    trunk we register to) is that trunk's, unauthenticated, the caller's number being the
    From user. Any other INVITE must carry digest credentials of an extension
    (``Proxy-Authorization``, RFC 3261 §22.3, §8.2.3): without them it is answered 407
    with a challenge; failures count toward the same per-source limiter as REGISTER.
Rule 2 (where to). From an extension: another extension, a service number
    (`engine.calls.services`), or "0" followed by an outside number, which goes out
    through the first enabled trunk, allowed only when the extension may dial out
    (403 otherwise). From a trunk: the inbound route of the dialled number (DID). Else 404;
    an extension with no registered phone: 480.
Rule 3 (offer/answer, RFC 3264). The caller's offer is answered with one codec of
    PCMU/PCMA (+ telephone-event); no common codec: 488 (§21.4.26). Callee legs are offered
    PCMU, PCMA and telephone-event; the relay transcodes when the two sides chose
    differently. A fax extension gets only the caller's codec, relayed untouched (A14).
    An INVITE without SDP gets our offer in the 2xx and the answer comes in the ACK.
Rule 4 (ringing). Every registered contact of the extension is rung in parallel (§16.7
    "forking" done by a UA: one callee leg each). The first 2xx wins; the other legs are
    cancelled (§9.1); a 2xx that arrives after that is ACKed and then ended with BYE
    (§13.2.2.4). The first 180/183 is passed to the caller (183 with our SDP when the
    callee sent early media). No answer within the ring timeout: the legs are cancelled and
    the caller gets 480. Every leg failing: the best failure is forwarded (§16.7 step 6).
Rule 5 (2xx reliability, §13.3.1.4). Our 2xx to an INVITE (initial or re-INVITE) is
    retransmitted at T1, 2·T1, … up to T2 until the ACK comes; with no ACK after 64·T1 the
    call is torn down and both sides get BYE.
Rule 6 (in the dialog). BYE ends the call, the other leg gets BYE (§15). A re-INVITE is
    answered with a new version of the leg's session (§14, RFC 3264 §8); sendonly,
    inactive or c=0.0.0.0 puts the call on hold and the other side hears music until a
    re-INVITE resumes it. INFO carrying DTMF (application/dtmf-relay or application/dtmf)
    is accepted and reported. A request for a dialog we do not have: 481 (§12.2.2), by
    the signalling layer.
Rule 7 (trunk authentication). A 401/407 from a trunk with credentials is answered once
    with a new INVITE carrying them (§22.2), same Call-ID and From tag, CSeq + 1.
Rule 8 (dead calls). A call answered on both sides whose legs receive no RTP at all for
    ``media_timeout`` seconds (the phone lost power, or its network) is ended with BYE to
    both, cause "failed"; a leg whose stream is inactive (both directions on hold) does
    not count as silent.
Rule 9 (bookkeeping). Every call emits CallStarted, LegStarted per leg, CallRinging,
    CallAnswered, CallHeld/CallResumed, DtmfReceived, LegEnded per leg, CallEnded and,
    when recorded, RecordingSaved. Ending a call closes its media exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from callcenter.engine.calls.call import Call, Service, cause_of_status
from callcenter.engine.calls.callee import ALLOW, CANCELLED, TIMED_OUT
from callcenter.engine.calls.destinations import Destination
from callcenter.engine.calls.dtmf_info import DTMF, DTMF_RELAY, info_digit
from callcenter.engine.calls.leg import SDP, Leg, LegState
from callcenter.engine.calls.music import music_on_hold
from callcenter.engine.calls.originate import OriginateSide
from callcenter.engine.calls.routing import Rejection, Route, Router
from callcenter.engine.calls.sipio import (
    SipIO,
    new_branch,
    new_tag,
    our_contact,
    our_via,
)
from callcenter.engine.events import (
    CallAnswered,
    CallEnded,
    CallHeld,
    CallResumed,
    CallRinging,
    CallStarted,
    DtmfReceived,
    EndCause,
    Event,
    LegEnded,
    LegRole,
    LegStarted,
    RecordingSaved,
)
from callcenter.engine.media import MediaEngine, NoPortsLeft, Player
from callcenter.engine.ports import EventSink, ExtensionEntry, InboundRoute, TrunkEntry
from callcenter.engine.registrar import Registrar
from callcenter.sip.constants import Method
from callcenter.sip.dialog import Dialog, DialogId
from callcenter.sip.errors import SipParseError, SipUsageError
from callcenter.sip.headers import Via
from callcenter.sip.message import Request, Response
from callcenter.sip.sdp import SessionDescription
from callcenter.sip.transaction import Peer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallConfig:
    ring_timeout: float = 60.0
    recordings: Path | None = None  # where recordings go; None: calls are not recorded
    node: str = "callcenter"
    server: str = "callcenter"
    t1: float = 0.5  # RFC 3261 T1 and T2, for retransmitting our 2xx (Rule 5)
    t2: float = 4.0
    media_timeout: float = 60.0  # Rule 8; 0 turns it off


class CallManager(OriginateSide):
    def __init__(
        self,
        *,
        sip: SipIO,
        media: MediaEngine,
        registrar: Registrar,
        extensions: Callable[[], Mapping[str, ExtensionEntry]],
        trunks: Callable[[], Mapping[str, TrunkEntry]],
        routes: Callable[[], tuple[InboundRoute, ...]],
        events: EventSink,
        config: CallConfig | None = None,
    ) -> None:
        self.sip = sip
        self.media = media
        self.registrar = registrar
        self.extensions = extensions
        self.trunks = trunks
        self.routes = routes
        self.events = events
        self.config = config or CallConfig()
        self.router = Router(registrar, extensions, trunks, routes)
        self.calls: dict[str, Call] = {}
        self._by_key: dict[str, tuple[Call, Leg]] = {}  # INVITE transactions, both sides
        self._by_dialog: dict[DialogId, tuple[Call, Leg]] = {}
        self._talk_keys: dict[str, str] = {}  # NOTIFY talk transactions (callee.py)
        self._tasks: set[asyncio.Task[None]] = set()
        self.server_name = self.config.server
        self.busy: dict[str, int] = {}  # live legs per party (extension): who is on a call
        # Set by the contact center (`engine.acd.center`):
        self.destinations: Callable[[Call, Destination], None] | None = None
        self.on_call_end: Callable[[Call], None] | None = None
        self.on_busy: Callable[[str, int], None] | None = None
        # Set by call control (`engine.acd.control`): a BYE from ``leg``; True when the
        # call goes on without it (a consultation), False to end the call.
        self.on_leg_bye: Callable[[Call, Leg], bool] | None = None
        # A phone put its call on hold (True) or took it off (False) with a re-INVITE.
        self.on_hold_changed: Callable[[Call, Leg, bool], None] | None = None

    # === entry points (from engine.signalling) =========================================
    def on_invite(self, key: str, request: Request, peer: Peer) -> None:
        """A new INVITE (no To tag): authenticate, route, and start setting up the call."""
        decision = self.router.route(request, peer, time.time())
        if isinstance(decision, Rejection):
            self._reject(key, request, decision.status, decision.reason, list(decision.headers))
            return
        offer = None
        if request.body:
            ctype = request.content_type
            if ctype is None or ctype.mime != SDP:
                self._reject(key, request, 415, headers=[("Accept", SDP)])
                return
            try:
                offer = SessionDescription.parse(request.body)
            except SipParseError as error:
                self._reject(key, request, 400, f"Bad Request ({error.message})"[:120])
                return
        task = asyncio.create_task(self._setup(key, request, peer, offer, decision))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def on_cancelled(self, key: str) -> bool:
        """A CANCEL matched the unanswered INVITE ``key``; False if it is not a call's."""
        found = self._by_key.get(key)
        if found is None:
            return False
        call, leg = found
        if leg is call.caller and not call.ended:
            self._end(call, EndCause.CANCELLED, by="caller", status=487)
        return True

    def on_ack(self, ack: Request, peer: Peer) -> None:
        found = self._by_dialog.get(DialogId.of_request(ack))
        if found is None:
            return  # an ACK for nothing we know (or for a 2xx we gave up on): dropped
        call, leg = found
        if leg.acked:
            return
        leg.acked = True
        if ack.body and leg.stream is None and leg.local_sdp is not None:
            # Rule 3: the answer to the offer in our 2xx (an INVITE without SDP).
            try:
                stream = leg.accept(SessionDescription.parse(ack.body))
            except SipParseError:
                stream = None
            if stream is None:
                self._end(call, EndCause.NO_CODEC, by="switch")
                return
            self._media_ready(call)

    def on_in_dialog(self, key: str, request: Request, peer: Peer) -> bool:
        """A request inside a dialog; False when the dialog is not ours (the caller
        answers 481)."""
        found = self._by_dialog.get(DialogId.of_request(request))
        if found is None:
            return False
        call, leg = found
        dialog = leg.dialog
        assert dialog is not None
        refusal = dialog.receive_request(request)
        if refusal is not None:
            extra = [("Retry-After", "1")] if refusal == 500 else []
            self.sip.respond(key, self.sip.answer(request, refusal, headers=extra))
            return True
        method = request.method
        if method == Method.BYE:
            self.sip.respond(key, self.sip.answer(request, 200))
            # The dialog is terminated now: _end sends no BYE back to this leg.
            if self.on_leg_bye is None or not self.on_leg_bye(call, leg):
                self._end(call, EndCause.NORMAL, by=_side(call, leg))
        elif method == Method.INVITE:
            self._reinvite(call, leg, key, request)
        elif method == Method.INFO:
            self._info(call, leg, key, request)
        elif method == Method.OPTIONS:
            self.sip.respond(key, self.sip.answer(request, 200, headers=[("Allow", ALLOW)]))
        else:
            self.sip.respond(key, self.sip.answer(request, 405, headers=[("Allow", ALLOW)]))
        return True

    def on_response(self, key: str, response: Response) -> None:
        if key in self._talk_keys:
            self._talk_response(key, response)
            return
        found = self._by_key.get(key)
        if found is None:
            return  # a response to a BYE or to a leg already given up: nothing to do
        call, leg = found
        if response.cseq.method != Method.INVITE:
            return
        if leg.role is LegRole.CALLEE:
            self._callee_response(call, leg, key, response)
        elif leg.outbound:
            self._origin_response(call, leg, key, response)

    def on_timeout(self, key: str) -> None:
        if self._talk_keys.pop(key, None) is not None:
            return
        found = self._by_key.get(key)
        if found is None:
            return
        call, leg = found
        if leg.role is LegRole.CALLEE and leg.state is not LegState.ANSWERED:
            self._callee_failed(call, leg, 408)
        elif leg.outbound and leg.state is not LegState.ANSWERED:
            self._origin_failed(call, leg, 408)

    def sweep(self) -> None:
        """Rule 8: end answered calls whose legs have all been silent too long. Called
        about once a second by the engine."""
        timeout = self.config.media_timeout
        if timeout <= 0:
            return
        now = time.monotonic()
        for call in list(self.calls.values()):
            if call.silent_for(now) >= timeout:
                log.warning("call %s: no RTP for %.0f s, ending it", call.id, timeout)
                self._end(call, EndCause.FAILED, by="switch")

    async def close(self) -> None:
        """End every call (the switch is stopping) and wait for setups in progress."""
        for call in list(self.calls.values()):
            self._end(call, EndCause.SHUTDOWN, by="switch", status=503)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _reject(
        self,
        key: str,
        request: Request,
        status: int,
        reason: str | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.sip.respond(key, self.sip.answer(request, status, reason, headers=headers or []))

    # === setting a call up =============================================================
    async def _setup(
        self,
        key: str,
        request: Request,
        peer: Peer,
        offer: SessionDescription | None,
        route: Route,
    ) -> None:
        caller_number, caller_name, dialled = route.caller, route.caller_name, route.dialled
        direction, from_trunk, target = route.direction, route.from_trunk, route.target
        host, port = self.sip.local_address(peer)
        try:
            session = await self.media.open_session()
        except NoPortsLeft:
            self._reject(key, request, 503, "Service Unavailable (no media ports)")
            return
        fax = isinstance(target, ExtensionEntry) and target.fax
        caller_entry = self.extensions().get(caller_number) if from_trunk is None else None
        fax = fax or (caller_entry is not None and caller_entry.fax)
        leg = Leg(
            LegRole.CALLER,
            caller_number,
            peer,
            host,
            port,
            session,
            trunk=from_trunk.name if from_trunk else "",
            invite=request,
            invite_key=key,
            to_tag=new_tag(),
        )
        trunk_name = target.name if isinstance(target, TrunkEntry) else leg.trunk
        call = Call(direction, caller_number, dialled, leg, caller_name, trunk_name, fax=fax)
        self.calls[call.id] = call
        self._by_key[key] = (call, leg)
        now = time.time()
        self._emit(
            CallStarted(
                now,
                call.id,
                direction,
                caller_number,
                dialled,
                caller_name,
                trunk_name,
                self.config.node,
            )
        )
        self._emit_leg(call, leg)
        if offer is not None:
            answer = leg.answer(offer)
            if not answer.accepted:
                self._end(call, EndCause.NO_CODEC, by="switch", status=488)
                return
            if fax:
                chosen = leg.stream.codec.encoding if leg.stream else ""
                leg.codecs = tuple(c for c in leg.codecs if c.name.upper() == chosen.upper())
        if isinstance(target, type):
            call.service = target(lambda: self.hang_up(call))
            self._answer_caller(call)
            return
        if isinstance(target, Destination):
            if self.destinations is None:
                self._end(call, EndCause.UNAVAILABLE, by="switch", status=404)
            else:
                self.destinations(call, target)
            return
        if isinstance(target, TrunkEntry):
            self.ring_trunk(
                call,
                target,
                dialled[1:],
                target.caller_id or caller_number,
                timeout=self.config.ring_timeout,
                on_answered=_nothing,
                on_failed=lambda status: self._direct_failed(call, status),
            )
        else:
            self.start_attempt(
                call,
                target.number,
                timeout=self.config.ring_timeout,
                on_answered=_nothing,
                on_failed=lambda status: self._direct_failed(call, status),
            )

    def _direct_failed(self, call: Call, status: int) -> None:
        """A call to one extension or outside number was not answered: end it, telling
        the caller the best failure (Rule 4)."""
        if call.ended or status == CANCELLED:
            return
        if status == TIMED_OUT:
            self._end(call, EndCause.NO_ANSWER, by="switch", status=480)
        elif not call.callees:
            self._end(call, EndCause.UNAVAILABLE, by="switch", status=480)
        else:
            self._end(call, cause_of_status(status), by="callee", status=status)

    # === the contact center's hooks ======================================================
    def attach_service(self, call: Call, service: Service) -> None:
        """Let ``service`` (an IVR, a queue's waiting music) take the caller: answered
        now if it was not; whatever served it before stops."""
        if call.ended:
            service.stop()
            return
        if call.service is not None:
            call.service.stop()
        call.service = service
        caller = call.caller
        if caller.state is not LegState.ANSWERED:
            self._answer_caller(call)
        elif caller.stream is not None and call.answered is None:
            self._media_ready(call)

    def drop_callee(self, call: Call, cause: EndCause = EndCause.NORMAL) -> Leg | None:
        """The answered callee leaves the call (blind transfer): BYE to it, the caller
        stays, its recording goes on. Returns the leg that left."""
        leg = call.answered
        if leg is None or call.ended:
            return None
        call.unbridge()
        if not leg.ended:
            if leg.dialog is not None:
                self._bye(leg.dialog, leg.peer)
            leg.state = LegState.ENDED
            self._leg_ended(call, leg, cause, 0)
        return leg

    def leg_left(self, call: Call, leg: Leg, cause: EndCause = EndCause.NORMAL) -> None:
        """``leg`` leaves a call that goes on (a consulted party, an agent after an
        attended transfer): BYE or CANCEL unless its dialog is over already, LegEnded."""
        if leg.ended:
            return
        if leg.state is LegState.ANSWERED and leg.dialog is not None:
            self._bye(leg.dialog, leg.peer)
        elif leg.role is LegRole.CALLEE and leg.invite_key:
            self.sip.cancel(leg.invite_key)
        leg.state = LegState.ENDED
        self._leg_ended(call, leg, cause, 0)

    def pick_up(self, picker: Call, target: Call) -> None:
        """Call pickup: the phone that dialled the pickup code (``picker``'s caller, not
        answered yet) answers ``target`` instead of the phones ringing for it, which
        are cancelled. The pickup call itself ends here; its leg goes on in
        ``target`` as the answering callee (new leg id: one leg record per call)."""
        leg = picker.caller
        picker.ended = True
        self.calls.pop(picker.id, None)
        self._leg_ended(picker, leg, EndCause.NORMAL, 0)
        self._emit(CallEnded(time.time(), picker.id, EndCause.NORMAL, "caller", 0))
        for attempt in list(target.attempts):
            self.cancel_attempt(target, attempt)
        leg.role, leg.id, leg.cause, leg.sip_status = LegRole.CALLEE, new_tag()[:8], None, 0
        target.callees.append(leg)
        self._by_key[leg.invite_key] = (target, leg)
        self._emit_leg(target, leg)
        self._answer_uas(target, leg)
        self._emit(CallAnswered(time.time(), target.id, leg.id, leg.party))
        self._connected(target, leg)

    def _connected(self, call: Call, leg: Leg) -> None:
        """A callee answered (after `callee.CalleeSide` cancelled the rivals)."""
        call.answered = leg
        if call.caller.state is not LegState.ANSWERED:
            self._answer_caller(call)
            return
        if call.service is not None:
            call.service.stop()
            call.service = None
        self._media_ready(call)

    def _ring_caller(self, call: Call, leg: Leg, *, with_media: bool) -> None:
        """Tell the caller a callee rings (180, or 183 with early media); a caller the
        switch answered already (IVR, queue) hears its music instead."""
        caller = call.caller
        if caller.state is LegState.ANSWERED:
            self._emit(CallRinging(time.time(), call.id, leg.id))
            return
        if caller.ended or caller.invite is None:
            return
        if with_media and caller.local_sdp is not None:
            response = self._caller_response(call, 183, body=bytes(caller.local_sdp))
        else:
            response = self._caller_response(call, 180)
        if caller.dialog is None:
            caller.dialog = Dialog.uas(caller.invite, response, via=self._via_template(caller))
            self._by_dialog[caller.dialog.id] = (call, caller)
        self.sip.respond(caller.invite_key, response)
        if not call.ringing:
            call.ringing = True
            caller.state = LegState.EARLY
            self._emit(CallRinging(time.time(), call.id, leg.id))

    # === answering the caller (Rules 3 and 5) ============================================
    def _answer_caller(self, call: Call) -> None:
        if self._answer_uas(call, call.caller):
            self._media_ready(call)

    def _answer_uas(self, call: Call, leg: Leg) -> bool:
        """Answer the INVITE ``leg`` received with 200 and our SDP; True when its media
        is agreed already (else the ACK brings the answer)."""
        if leg.local_sdp is None:
            leg.offer()  # Rule 3: the INVITE had no SDP; the ACK brings the answer
        assert leg.local_sdp is not None
        response = self._caller_response(call, 200, body=bytes(leg.local_sdp), leg=leg)
        if leg.dialog is None:
            leg.dialog = Dialog.uas(leg.invite, response, via=self._via_template(leg))  # type: ignore[arg-type]
            self._by_dialog[leg.dialog.id] = (call, leg)
        leg.dialog.response_sent(response)
        leg.state = LegState.ANSWERED
        leg.answered_at = time.time()
        self._send_2xx(call, leg, leg.invite_key, response)
        return leg.stream is not None

    def _media_ready(self, call: Call) -> None:
        """Both offer/answer exchanges are done: join the media."""
        if call.service is not None:
            call.service.start(call)
            call.caller.session.on_dtmf = lambda digit: self._dtmf(
                call, call.caller, digit, "rfc4733"
            )
            return
        callee = call.answered
        if callee is None or callee.stream is None or call.caller.stream is None:
            return
        call.bridge(callee, self.config.recordings)
        for leg in (call.caller, callee):
            leg.session.on_dtmf = lambda digit, leg=leg: self._dtmf(call, leg, digit, "rfc4733")

    def _caller_response(
        self, call: Call, status: int, *, body: bytes = b"", leg: Leg | None = None
    ) -> Response:
        caller = leg or call.caller
        assert caller.invite is not None
        return self.sip.answer(
            caller.invite,
            status,
            to_tag=caller.to_tag,
            headers=[
                ("Contact", str(our_contact(caller.peer, caller.local_host, caller.local_port))),
                ("Allow", ALLOW),
            ],
            body=body,
            content_type=SDP if body else None,
        )

    def _send_2xx(self, call: Call, leg: Leg, key: str, response: Response) -> None:
        """Send a 2xx to an INVITE and retransmit it until the ACK (Rule 5)."""
        leg.acked = False
        self.sip.respond(key, response)
        started = asyncio.get_running_loop().time()
        t1, t2 = self.config.t1, self.config.t2

        def again(interval: float) -> None:
            if leg.acked or call.ended:
                return
            if asyncio.get_running_loop().time() - started >= 64 * t1:
                log.warning("no ACK for the 2xx of call %s: ending it", call.id)
                self._end(call, EndCause.FAILED, by="switch")
                return
            if not leg.peer.reliable:
                self.sip.respond(key, response)
            call.later(interval, lambda: again(min(2 * interval, t2)))

        call.later(t1, lambda: again(2 * t1))

    # === in-dialog requests (Rule 6) =======================================================
    def _reinvite(self, call: Call, leg: Leg, key: str, request: Request) -> None:
        dialog = leg.dialog
        assert dialog is not None
        if not request.body:
            sdp = leg.offer()  # offer in the 2xx, answer in the ACK
        else:
            try:
                offer = SessionDescription.parse(request.body)
            except SipParseError as error:
                dialog.reinvite_in = False
                self.sip.respond(key, self.sip.answer(request, 400, error.message[:100]))
                return
            was_on_hold = leg.on_hold
            answer = leg.answer(offer)
            if not answer.accepted:
                dialog.reinvite_in = False
                self.sip.respond(key, self.sip.answer(request, 488))
                return
            sdp = answer.sdp
            if leg.on_hold and not was_on_hold:
                call.hold(leg, lambda: self._music(call, leg))
                self._emit(CallHeld(time.time(), call.id, leg.id))
            elif was_on_hold and not leg.on_hold:
                call.resume(leg)
                self._emit(CallResumed(time.time(), call.id, leg.id))
            if was_on_hold != leg.on_hold and self.on_hold_changed is not None:
                self.on_hold_changed(call, leg, leg.on_hold)
        response = self.sip.answer(
            request,
            200,
            headers=[("Contact", str(our_contact(leg.peer, leg.local_host, leg.local_port)))],
            body=bytes(sdp),
            content_type=SDP,
        )
        dialog.response_sent(response)
        self._send_2xx(call, leg, key, response)

    def _music(self, call: Call, holder: Leg) -> Player:
        other = call.other(holder)
        assert other is not None
        return Player(other.session, music_on_hold(), loop_forever=True)

    def _info(self, call: Call, leg: Leg, key: str, request: Request) -> None:
        ctype = request.content_type
        digit = None
        if ctype is not None and ctype.mime in (DTMF_RELAY, DTMF):
            digit = info_digit(request.body.decode("utf-8", "replace"), ctype.mime)
        if ctype is not None and digit is None and request.body:
            self.sip.respond(key, self.sip.answer(request, 415, headers=[("Accept", DTMF_RELAY)]))
            return
        self.sip.respond(key, self.sip.answer(request, 200))
        if digit is not None:
            self._dtmf(call, leg, digit, "info")

    def _dtmf(self, call: Call, leg: Leg, digit: str, source: str) -> None:
        self._emit(DtmfReceived(time.time(), call.id, leg.id, digit, source))
        if call.service is not None and leg is call.caller:
            call.service.dtmf(digit)

    # === ending ============================================================================
    def hang_up(self, call: Call, cause: EndCause = EndCause.NORMAL, status: int = 0) -> None:
        """End a call from the switch's side (a service finished, an operator's command);
        ``status``: the final response for a caller not answered yet (else 480)."""
        self._end(call, cause, by="switch", status=status)

    def _end(self, call: Call, cause: EndCause, *, by: str, status: int = 0) -> None:
        """End the call: answer, CANCEL or BYE every leg still up; close the media."""
        if call.ended:
            return
        call.ended = True
        caller = call.caller
        if not caller.ended:
            if caller.state is LegState.ANSWERED and caller.dialog is not None:
                self._bye(caller.dialog, caller.peer)
            elif caller.outbound:
                if caller.invite_key:
                    self.sip.cancel(caller.invite_key)
            elif caller.invite is not None:
                final = status if status >= 300 else 487 if cause is EndCause.CANCELLED else 480
                self.sip.respond(caller.invite_key, self._caller_response(call, final))
                status = final
            caller.state = LegState.ENDED
            self._leg_ended(call, caller, cause, status if by != "caller" else 0)
        for leg in call.callees:
            if leg.ended:
                continue
            if leg.state is LegState.ANSWERED and leg.dialog is not None:
                self._bye(leg.dialog, leg.peer)
            else:
                self.sip.cancel(leg.invite_key)
            leg.state = LegState.ENDED
            self._leg_ended(call, leg, cause, 0)
        call.attempts.clear()
        if self.on_call_end is not None:
            try:
                self.on_call_end(call)
            except Exception:
                log.exception("the contact center failed on the end of call %s", call.id)
        info = call.close_media()
        for leg in call.legs:
            self._by_key.pop(leg.invite_key, None)
            if leg.dialog is not None:
                self._by_dialog.pop(leg.dialog.id, None)
        self.calls.pop(call.id, None)
        now = time.time()
        if info is not None:
            self._emit(
                RecordingSaved(
                    now, call.id, call.recording_path, info.duration, info.size, info.started_at
                )
            )
        self._emit(CallEnded(now, call.id, cause, by, status))

    def _bye(self, dialog: Dialog, peer: Peer) -> None:
        if dialog.is_terminated or dialog.is_early:
            return
        try:
            bye = dialog.create_request(Method.BYE, branch=new_branch())
        except SipUsageError:
            return
        try:
            self.sip.send_request(bye, peer)
        except SipUsageError:
            log.exception("could not send BYE")

    def _via_template(self, leg: Leg) -> Via:
        return our_via(leg.peer, leg.local_host, leg.local_port)

    # === events ============================================================================
    def _emit(self, event: Event) -> None:
        self.events.emit(event)

    def _busy(self, party: str, change: int) -> None:
        count = self.busy.get(party, 0) + change
        if count > 0:
            self.busy[party] = count
        else:
            self.busy.pop(party, None)
        if self.on_busy is not None:
            self.on_busy(party, max(count, 0))

    def _emit_leg(self, call: Call, leg: Leg) -> None:
        self._busy(leg.party, 1)
        remote = f"{leg.peer.host}:{leg.peer.port}"
        self._emit(
            LegStarted(
                time.time(),
                call.id,
                leg.id,
                leg.role,
                leg.party,
                leg.sip_call_id,
                remote,
                leg.trunk,
            )
        )

    def _leg_ended(self, call: Call, leg: Leg, cause: EndCause, status: int) -> None:
        leg.cause, leg.sip_status = cause, status
        self._busy(leg.party, -1)
        if not call.ended and leg is not call.caller and leg is not call.answered:
            if call.relay is not None and call.relay.b is leg.session:
                call.relay.stop()  # its early media
                call.relay = None
            leg.session.close()  # an attempt's leg: its port is free again at once
        self._emit(
            LegEnded(time.time(), call.id, leg.id, cause, status, leg.codec_name, leg.answered_at)
        )


def _nothing(leg: Leg) -> None:
    pass


def _side(call: Call, leg: Leg) -> str:
    return "caller" if leg is call.caller else "callee"
