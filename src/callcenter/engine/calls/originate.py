"""Click-to-call (A6, A13): the switch calls a phone first, then the number it asked for.

:meth:`OriginateSide.originate` places an INVITE to the extension that asked (an agent's
desk phone); that leg is the call's *caller* although the switch is its UAC
(``Leg.outbound``). Rules, after RFC 3261 and the way PBXs do "originate":

Rule 1. The extension must be registered and the destination reachable from it by the
    same rules as if it had dialled the number itself (`engine.calls.routing`): another
    extension, a queue or flow, a feature code, or "0" and an outside number when the
    extension may dial out. Refusals come before anything rings (:class:`OriginateError`
    with the rejection's status).
Rule 2. The phone registered last is rung, showing the destination as the caller
    (From user), for ``timeout`` seconds; asked to, the INVITE carries
    ``Call-Info: <sip:HOST>;answer-after=0`` and ``Alert-Info: <urn:alert:service:
    auto-answer>`` (RFC 7462), which phones that support it answer by themselves.
Rule 3. Its 1xx and 2xx make the dialog (§12.1.2); the 2xx is ACKed (§13.2.2.4). A
    final failure, no answer in time, or the phone's transaction timing out ends the
    call with the matching cause; nothing else was rung yet.
Rule 4. Once the phone answered, the destination is rung exactly as for a call the
    phone dialled, while the phone hears the ringback tone; when the destination
    answers the two are joined and recorded as any call. Hanging up the phone before
    that cancels the destination.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from callcenter.engine.calls.call import Call, Service, cause_of_status
from callcenter.engine.calls.callee import ALLOW, CalleeSide, auto_answer_headers
from callcenter.engine.calls.destinations import Destination
from callcenter.engine.calls.leg import SDP, Leg, LegState
from callcenter.engine.calls.routing import Rejection, Router, Target
from callcenter.engine.calls.sipio import (
    new_branch,
    new_call_id,
    new_tag,
    our_contact,
    our_via,
)
from callcenter.engine.events import CallDirection, CallStarted, EndCause, LegRole
from callcenter.engine.media import NoPortsLeft, Player, frames_from_tone
from callcenter.engine.ports import ExtensionEntry, TrunkEntry
from callcenter.rtp.tones import ringback
from callcenter.sip.constants import Method
from callcenter.sip.dialog import Dialog
from callcenter.sip.errors import SipParseError, SipUsageError
from callcenter.sip.headers import NameAddr
from callcenter.sip.message import Request, Response
from callcenter.sip.transaction import Peer
from callcenter.sip.uri import SipUri, parse_uri

if TYPE_CHECKING:
    from callcenter.engine.calls.manager import CallConfig

log = logging.getLogger(__name__)


class OriginateError(Exception):
    """Click-to-call refused before anything rang: ``status`` as a SIP status (Rule 1)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


class RingbackService(Service):
    """What the phone that asked hears while the destination rings."""

    def __init__(self, hang_up: Callable[[], None]) -> None:
        super().__init__(hang_up)
        self._player: Player | None = None

    def start(self, call: Call) -> None:
        self._player = Player(call.caller.session, frames_from_tone(ringback()))
        self._player.start()

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player = None


class OriginateSide(CalleeSide):
    """Placing the first leg of a click-to-call; the call manager's base."""

    router: Router
    extensions: Callable[[], Mapping[str, ExtensionEntry]]
    calls: dict[str, Call]
    _tasks: set[asyncio.Task[None]]
    config: CallConfig
    destinations: Callable[[Call, Destination], None] | None

    # provided by the manager
    def _end(self, call: Call, cause: EndCause, *, by: str, status: int = 0) -> None:
        raise NotImplementedError

    def _direct_failed(self, call: Call, status: int) -> None:
        raise NotImplementedError

    def attach_service(self, call: Call, service: Service) -> None:
        raise NotImplementedError

    def hang_up(self, call: Call, cause: EndCause = EndCause.NORMAL, status: int = 0) -> None:
        raise NotImplementedError

    # === Rule 1 =========================================================================
    def originate(
        self,
        extension: str,
        destination: str,
        *,
        timeout: float = 30.0,
        auto_answer: bool = False,
        ring_timeout: float = 60.0,
    ) -> str:
        """Ring ``extension``, then ``destination`` for it; the new call's id at once
        (the call itself appears on the loop's next turns)."""
        entry = self.extensions().get(extension)
        if entry is None:
            raise OriginateError(404, "no such extension")
        bindings = self.registrar.bindings(extension)
        if not bindings:
            raise OriginateError(480, "the extension is not registered")
        target = self.router.target(extension, destination, from_trunk=False)
        if isinstance(target, Rejection):
            raise OriginateError(target.status, target.reason or "refused")
        binding = bindings[-1]
        call_id = secrets.token_hex(8)
        task = asyncio.create_task(
            self._originate(
                call_id,
                entry,
                destination,
                target,
                Peer(binding.transport, binding.source_host, binding.source_port),
                binding.contact,
                timeout=timeout,
                auto_answer=auto_answer,
                ring_timeout=ring_timeout,
            )
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return call_id

    # === Rule 2 =========================================================================
    async def _originate(
        self,
        call_id: str,
        entry: ExtensionEntry,
        destination: str,
        target: Target,
        peer: Peer,
        contact: str,
        *,
        timeout: float,
        auto_answer: bool,
        ring_timeout: float,
    ) -> None:
        try:
            uri = parse_uri(contact)
        except SipParseError:
            log.warning("click-to-call: %s has an unusable contact %r", entry.number, contact)
            return
        try:
            session = await self.media.open_session()
        except NoPortsLeft:
            log.warning("click-to-call from %s: no RTP port left", entry.number)
            return
        host, port = self.sip.local_address(peer)
        leg = Leg(LegRole.CALLER, entry.number, peer, host, port, session, outbound=True)
        direction = (
            CallDirection.OUTBOUND if isinstance(target, TrunkEntry) else CallDirection.INTERNAL
        )
        call = Call(direction, entry.number, destination, leg, entry.display_name, id=call_id)
        call.origin = (target, ring_timeout)
        self.calls[call.id] = call
        self._emit(
            CallStarted(
                time.time(),
                call.id,
                direction,
                entry.number,
                destination,
                entry.display_name,
                target.name if isinstance(target, TrunkEntry) else "",
                self.config.node,
            )
        )
        sdp = leg.offer()
        headers = [("Allow", ALLOW), ("User-Agent", self.server_name)]
        if auto_answer:
            headers += auto_answer_headers(host)
        invite = Request.create(
            Method.INVITE,
            uri,
            from_=NameAddr(SipUri(host, user=destination), None, (("tag", new_tag()),)),
            to=NameAddr(SipUri(host, user=entry.number)),
            call_id=new_call_id(host),
            cseq=1,
            via=our_via(peer, host, port, new_branch()),
            contact=our_contact(peer, host, port),
            headers=headers,
            body=bytes(sdp),
            content_type=SDP,
        )
        leg.invite = invite
        self._emit_leg(call, leg)
        try:
            leg.invite_key = self.sip.send_request(invite, peer)
        except SipUsageError:
            log.exception("could not send the click-to-call INVITE of call %s", call.id)
            self._origin_failed(call, leg, 500)
            return
        self._by_key[leg.invite_key] = (call, leg)
        call.later(timeout, lambda: self._origin_unanswered(call, leg))

    # === Rule 3 =========================================================================
    def _origin_response(self, call: Call, leg: Leg, key: str, response: Response) -> None:
        status = response.status
        if status == 100 or key != leg.invite_key or call.ended:
            return
        invite = leg.invite
        assert invite is not None
        if status < 200:
            if leg.dialog is None and response.to.tag:
                try:
                    leg.dialog = Dialog.uac(invite, response)
                except (SipParseError, SipUsageError):
                    return
                leg.state = LegState.EARLY
            return
        if status >= 300:
            self._origin_failed(call, leg, status)
            return
        dialog = self._ack_2xx(leg, response)
        if dialog is None or leg.state is LegState.ANSWERED:
            return  # no dialog, or a retransmitted 2xx (ACKed again)
        leg.dialog = dialog
        self._by_dialog[dialog.id] = (call, leg)
        stream = self._answered_stream(leg, response)
        if stream is None:
            leg.state = LegState.ANSWERED  # so that ending the call sends a BYE
            self._end(call, EndCause.NO_CODEC, by="switch")
            return
        leg.state = LegState.ANSWERED
        leg.answered_at = time.time()
        self._ring_destination(call)

    def _origin_unanswered(self, call: Call, leg: Leg) -> None:
        if not call.ended and leg.state is not LegState.ANSWERED:
            self._end(call, EndCause.NO_ANSWER, by="switch")

    def _origin_failed(self, call: Call, leg: Leg, status: int) -> None:
        if call.ended or leg.ended:
            return
        leg.state = LegState.ENDED
        self._leg_ended(call, leg, cause_of_status(status), status)
        self._end(call, cause_of_status(status), by="caller", status=status)

    # === Rule 4 =========================================================================
    def _ring_destination(self, call: Call) -> None:
        assert call.origin is not None
        target, timeout = call.origin
        if isinstance(target, type):  # a service number: it answers at once
            self.attach_service(call, target(lambda: self.hang_up(call)))
            return
        if isinstance(target, Destination):
            if self.destinations is None:
                self.hang_up(call, EndCause.UNAVAILABLE)
            else:
                self.destinations(call, target)
            return
        self.attach_service(call, RingbackService(lambda: self.hang_up(call)))
        if isinstance(target, TrunkEntry):
            self.ring_trunk(
                call,
                target,
                call.dialled[1:],
                target.caller_id or call.caller_number,
                timeout=timeout,
                on_answered=lambda leg: None,
                on_failed=lambda status: self._direct_failed(call, status),
            )
        else:
            self.start_attempt(
                call,
                target.number,
                timeout=timeout,
                on_answered=lambda leg: None,
                on_failed=lambda status: self._direct_failed(call, status),
            )
