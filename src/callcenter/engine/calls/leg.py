"""One leg of a call: a SIP dialog with one phone, gateway or trunk, and its RTP session.

The switch is a back-to-back user agent (RFC 3261 §6 "B2BUA", RFC 7092): every call has a
*caller* leg, on which the switch is the UAS, and one or more *callee* legs that it
places as UAC (several while it rings every registered contact of an extension). Media
is anchored: each leg has its own RTP session on the switch, and the call joins them.

A leg owns its side of the offer/answer (RFC 3264): the caller leg answers the phone's
offer (or offers in its 2xx when the INVITE had none, §13.2.1), the callee leg offers and
reads the answer. Re-INVITEs are answered with a new version of the same session (§8).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from callcenter.engine.events import EndCause, LegRole
from callcenter.engine.media import Direction as MediaDirection
from callcenter.engine.media import MediaError, MediaFormat, RtpSession
from callcenter.sip.dialog import Dialog
from callcenter.sip.message import Request
from callcenter.sip.offer_answer import (
    PCMA,
    PCMU,
    TELEPHONE_EVENT,
    Answer,
    AudioStream,
    Codec,
    accept_answer,
    answer_offer,
    build_offer,
)
from callcenter.sip.sdp import SdpError, SessionDescription
from callcenter.sip.transaction import Peer

AUDIO_CODECS: tuple[Codec, ...] = (PCMU, PCMA, TELEPHONE_EVENT)
SDP = "application/sdp"


class LegState(StrEnum):
    NEW = "new"  # INVITE received / sent, nothing back yet
    EARLY = "early"  # ringing (1xx with a To tag)
    ANSWERED = "answered"  # 2xx sent or received
    ENDED = "ended"


@dataclass(eq=False)
class Leg:
    role: LegRole
    party: str  # the number on this side
    peer: Peer  # where requests for this leg go (the source we saw: NAT-safe)
    local_host: str  # our address as this peer sees it
    local_port: int  # our SIP port
    session: RtpSession
    trunk: str = ""
    id: str = field(default_factory=lambda: secrets.token_hex(4))
    state: LegState = LegState.NEW
    invite: Request | None = None  # the initial INVITE (received or sent)
    invite_key: str = ""  # its transaction key
    dialog: Dialog | None = None
    to_tag: str = ""  # caller leg: our To tag
    local_sdp: SessionDescription | None = None
    remote_sdp: SessionDescription | None = None
    stream: AudioStream | None = None
    codecs: tuple[Codec, ...] = AUDIO_CODECS
    answered_at: float | None = None
    cause: EndCause | None = None
    sip_status: int = 0
    acked: bool = True  # caller leg: the ACK for our last 2xx arrived
    auth_tried: bool = False  # callee leg: credentials were sent once already
    on_hold: bool = False  # the peer of this leg has put the call on hold
    attempt: Any = None  # callee leg: the `callee.Attempt` it belongs to
    outbound: bool = False  # caller leg placed by the switch (click-to-call): we are UAC
    talk_event: bool = False  # callee leg: its 1xx allowed the "talk" event (remote answer)
    _session_id: str = field(default_factory=lambda: str(secrets.randbits(31)))
    _version: int = 0

    @property
    def ended(self) -> bool:
        return self.state is LegState.ENDED

    @property
    def sip_call_id(self) -> str:
        return self.invite.call_id if self.invite is not None else ""

    # --- offer/answer --------------------------------------------------------------
    def answer(self, offer: SessionDescription) -> Answer:
        """Answer the peer's offer (initial or re-INVITE) with our session and port."""
        answer = answer_offer(
            offer,
            codecs=self.codecs,
            address=self.local_host,
            port=self.session.local_port,
            session_id=self._session_id,
            session_version=self._next_version(),
            username="callcenter",
        )
        if answer.audio is not None:
            self.remote_sdp = offer
            self.local_sdp = answer.sdp
            self._use(answer.audio)
        return answer

    def offer(self) -> SessionDescription:
        """Our offer (initial INVITE, or the 2xx to an INVITE without SDP)."""
        self.local_sdp = build_offer(
            codecs=self.codecs,
            address=self.local_host,
            port=self.session.local_port,
            session_id=self._session_id,
            session_version=self._next_version(),
            username="callcenter",
        )
        return self.local_sdp

    def accept(self, answer: SessionDescription) -> AudioStream | None:
        """Read the peer's answer to our offer; None when no audio was agreed."""
        if self.local_sdp is None:
            raise SdpError("an answer without an offer", status=400)
        stream = accept_answer(self.local_sdp, answer)
        if stream is not None:
            self.remote_sdp = answer
            self._use(stream)
        return stream

    def _next_version(self) -> int:
        self._version += 1
        return self._version

    def _use(self, stream: AudioStream) -> None:
        self.stream = stream
        direction = MediaDirection(stream.direction.value)
        try:
            fmt = MediaFormat(stream.payload_type, stream.telephone_event, stream.ptime or 20)
        except MediaError:  # an odd telephone-event type or ptime: audio without events
            fmt = MediaFormat(stream.payload_type)
        address, port = stream.remote_address, stream.remote_port
        try:
            if address is None or not port:
                raise MediaError("the peer wants nothing sent")
            self.session.set_remote(address, port, fmt, direction)
        except MediaError:
            # 0.0.0.0, port 0 or a host name instead of an address: send nothing until
            # the peer's own packets show where it is (latching).
            self.session.set_remote("0.0.0.0", 0, fmt, direction)
        # We may send nothing (the peer is sendonly, inactive, or gave c=0.0.0.0): the
        # peer has put the call on hold (RFC 3264 §8.4).
        self.on_hold = not stream.direction.sends

    @property
    def codec_name(self) -> str:
        return self.stream.codec.encoding.upper() if self.stream is not None else ""
