"""The offer/answer model (RFC 3264) for the switch's audio calls, on SDP values.

Pure functions: answering a phone's offer (:func:`answer_offer`), building the offer of an
outgoing leg (:func:`build_offer`), reading the answer to it (:func:`accept_answer`), and
re-offering for hold and resume (:func:`hold_offer`, :func:`resume_offer`).

Rules, with where they come from:

Rule 1 (RFC 3264 §6): the answer has exactly as many m= lines as the offer, in the same
    order; a stream we cannot use is answered with port 0.
Rule 2 (RFC 3264 §6.1): formats match by encoding name and clock rate; the answer keeps
    the offerer's payload type numbers, and answers sendonly with recvonly, recvonly with
    sendonly, inactive with inactive.
Rule 3 (RFC 3264 §8, §8.4): a re-offer increments the o= version; hold is sendonly, or
    inactive when the peer already only sends.
Rule 4 (RFC 4733 §2.4.1): telephone-event keeps the offerer's payload type; without an
    fmtp the events are 0-15.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from callcenter.sip.sdp import (
    Connection,
    Direction,
    Fmtp,
    MediaDescription,
    Origin,
    RtpMap,
    SdpError,
    SessionDescription,
    format_events,
    parse_events,
)


@dataclass(frozen=True, slots=True)
class Codec:
    """A codec we support. ``payload_type``: its static number, or the dynamic one we offer."""

    name: str
    clock_rate: int = 8000
    channels: int = 1
    payload_type: int | None = None
    fmtp: str | None = None

    def matches(self, rtpmap: RtpMap) -> bool:
        # RFC 3264 §6.1: formats match by encoding name (case-insensitive) and clock rate.
        return (
            rtpmap.encoding.lower() == self.name.lower()
            and rtpmap.clock_rate == self.clock_rate
            and (rtpmap.channels or 1) == self.channels
        )

    @property
    def is_telephone_event(self) -> bool:
        return self.name.lower() == "telephone-event"


PCMU = Codec("PCMU", 8000, payload_type=0)
PCMA = Codec("PCMA", 8000, payload_type=8)
G722 = Codec("G722", 8000, payload_type=9)
TELEPHONE_EVENT = Codec("telephone-event", 8000, payload_type=101, fmtp="0-16")
_DEFAULT_EVENTS = "0-15"  # RFC 4733 §2.4.1: no fmtp means the DTMF events 0-15


@dataclass(frozen=True, slots=True)
class AudioStream:
    """The audio stream agreed by an offer/answer exchange, as the media engine needs it.

    ``direction`` is ours: whether we send and/or receive. ``remote_address`` is None when
    the peer asked for nothing to be sent (0.0.0.0, RFC 3264 §8.4).
    """

    index: int
    remote_address: str | None
    remote_port: int
    payload_type: int
    codec: RtpMap
    telephone_event: int | None
    ptime: int | None
    direction: Direction


@dataclass(frozen=True, slots=True)
class Answer:
    """What :func:`answer_offer` built. ``audio`` is None when no audio stream could be
    accepted; the switch then answers 488 Not Acceptable Here (RFC 3261 §21.4.26)."""

    sdp: SessionDescription
    audio: AudioStream | None

    @property
    def accepted(self) -> bool:
        return self.audio is not None


def _remote_direction(media: MediaDescription, session: SessionDescription) -> Direction:
    """The peer's direction; 0.0.0.0 means it wants nothing sent to it (Rule 4)."""
    direction = media.effective_direction(session)
    connection = media.effective_connection(session)
    if connection is not None and connection.is_null:
        return Direction.of(send=direction.sends, recv=False)
    return direction


def _choose(
    media: MediaDescription, codecs: Sequence[Codec], order: Literal["offer", "local"]
) -> tuple[int, RtpMap, Codec] | None:
    offered = [(pt, media.rtpmap(pt)) for pt in media.payload_types]
    pairs = [
        (pt, rtpmap, codec)
        for pt, rtpmap in offered
        if rtpmap is not None
        for codec in codecs
        if not codec.is_telephone_event and codec.matches(rtpmap)
    ]
    if not pairs:
        return None
    if order == "local":
        # The answerer MAY use its own preference order (RFC 3264 §6.1).
        rank = {codec: i for i, codec in enumerate(codecs)}
        return min(pairs, key=lambda pair: rank[pair[2]])
    return pairs[0]


def _telephone_event(
    media: MediaDescription, codecs: Sequence[Codec], clock_rate: int
) -> tuple[int, str] | None:
    ours = next((c for c in codecs if c.is_telephone_event and c.clock_rate == clock_rate), None)
    if ours is None:
        return None
    for pt in media.payload_types:
        rtpmap = media.rtpmap(pt)
        # RFC 4733: events share the audio stream's clock, so the rates must be equal.
        if rtpmap is not None and ours.matches(rtpmap):
            theirs = parse_events(media.fmtp(pt) or _DEFAULT_EVENTS)
            common = theirs & parse_events(ours.fmtp or _DEFAULT_EVENTS)
            if common:
                return pt, format_events(common)
    return None


def _rejected(media: MediaDescription) -> MediaDescription:
    # RFC 3264 §6: a rejected stream is answered with port 0, keeping media and proto.
    return MediaDescription(media.media, 0, media.proto, media.formats)


def _session(
    username: str, session_id: str, version: int, address: str, media: list[MediaDescription]
) -> SessionDescription:
    connection = Connection.for_address(address)
    origin = Origin(username, session_id, version, address, connection.addrtype)
    return SessionDescription(origin, connection=connection, media=tuple(media))


def _audio(
    port: int, rtpmaps: list[RtpMap], fmtps: list[Fmtp], ptime: int | None, direction: Direction
) -> MediaDescription:
    formats = tuple(str(r.payload_type) for r in rtpmaps)
    return MediaDescription(
        "audio", port, "RTP/AVP", formats, None, None, tuple(rtpmaps), tuple(fmtps), ptime,
        direction=direction,
    )  # fmt: skip


def answer_offer(
    offer: SessionDescription,
    *,
    codecs: Sequence[Codec],
    address: str,
    port: int,
    session_id: str,
    session_version: int,
    username: str = "-",
    order: Literal["offer", "local"] = "offer",
    hold: bool = False,
) -> Answer:
    """Build our answer to a remote offer (RFC 3264 §6, §6.1).

    The first audio RTP/AVP stream with a codec in common is accepted with that single codec
    (the answerer may answer a subset, §6.1), ``order`` saying whose preference picks it,
    plus telephone-event when both sides have it, keeping the offer's payload type numbers
    (§6.1 SHOULD). Every other stream is rejected with port 0 (Rule 5). ``hold`` means we
    are holding the call ourselves (we send, but do not want to receive). Our direction is
    what we want intersected with the mirror of the peer's (§6.1: sendonly is answered
    recvonly, recvonly sendonly, inactive inactive). The ptime is echoed when offered.
    ``session_version`` must grow by one for each new answer in the same session (§8).
    """
    answered: list[MediaDescription] = []
    audio: AudioStream | None = None
    for index, media in enumerate(offer.media):
        chosen = None
        if audio is None and media.media == "audio" and media.proto == "RTP/AVP" and media.port:
            chosen = _choose(media, codecs, order)
        if chosen is None:
            answered.append(_rejected(media))
            continue
        pt, rtpmap, codec = chosen
        event = _telephone_event(media, codecs, rtpmap.clock_rate)
        remote = _remote_direction(media, offer)
        direction = Direction.of(send=remote.receives, recv=remote.sends and not hold)
        rtpmaps = [rtpmap]
        fmtps = [] if codec.fmtp is None else [Fmtp(pt, codec.fmtp)]
        if event is not None:
            event_rtpmap = media.rtpmap(event[0])
            assert event_rtpmap is not None  # matched in _telephone_event
            rtpmaps.append(event_rtpmap)
            fmtps.append(Fmtp(event[0], event[1]))
        answered.append(_audio(port, rtpmaps, fmtps, media.ptime, direction))
        event_pt = None if event is None else event[0]
        audio = _stream(index, offer, media, rtpmap, event_pt, direction)
    return Answer(_session(username, session_id, session_version, address, answered), audio)


def build_offer(
    *,
    codecs: Sequence[Codec],
    address: str,
    port: int,
    session_id: str,
    session_version: int = 0,
    username: str = "-",
    direction: Direction = Direction.SENDRECV,
    ptime: int | None = 20,
) -> SessionDescription:
    """One audio RTP/AVP stream offering ``codecs`` in our order (RFC 3264 §5).

    Codecs without a payload type get dynamic numbers from 96 up (RFC 3551 §6); rtpmap
    lines are written even for static types, which RFC 4566 §6 allows and peers expect.
    """
    used = {c.payload_type for c in codecs if c.payload_type is not None}
    free = (pt for pt in range(96, 128) if pt not in used)
    rtpmaps: list[RtpMap] = []
    fmtps: list[Fmtp] = []
    for codec in codecs:
        pt = codec.payload_type if codec.payload_type is not None else next(free)
        channels = None if codec.channels == 1 else codec.channels
        rtpmaps.append(RtpMap(pt, codec.name, codec.clock_rate, channels))
        if codec.fmtp is not None:
            fmtps.append(Fmtp(pt, codec.fmtp))
    media = _audio(port, rtpmaps, fmtps, ptime, direction)
    return _session(username, session_id, session_version, address, [media])


def accept_answer(offer: SessionDescription, answer: SessionDescription) -> AudioStream | None:
    """Read the peer's answer to our offer (RFC 3264 §7): the audio stream agreed, or None.

    Raises :class:`SdpError` (488) when the answer breaks §6: another number of m= lines,
    another media type, or a payload type we did not offer for a static-free codec.
    """
    if len(answer.media) != len(offer.media):
        raise SdpError(
            f"answer has {len(answer.media)} m= lines, the offer had {len(offer.media)}"
            " (RFC 3264 §6)",
            status=488,
        )
    for index, (ours, theirs) in enumerate(zip(offer.media, answer.media, strict=True)):
        if theirs.media != ours.media:
            raise SdpError(f"answer m= line #{index + 1} changed the media type", status=488)
        if theirs.is_rejected or ours.is_rejected or theirs.media != "audio" or not theirs.is_rtp:
            continue
        for pt in theirs.payload_types:
            rtpmap = theirs.rtpmap(pt)
            if rtpmap is None or rtpmap.encoding.lower() == "telephone-event":
                continue
            remote, mine = _remote_direction(theirs, answer), ours.effective_direction(offer)
            send, recv = mine.sends and remote.receives, mine.receives and remote.sends
            event = Codec("telephone-event", rtpmap.clock_rate)
            events = (p for p in theirs.payload_types if _maps_to(theirs, p, event))
            direction = Direction.of(send=send, recv=recv)
            return _stream(index, answer, theirs, rtpmap, next(events, None), direction)
    return None


def _maps_to(media: MediaDescription, payload_type: int, codec: Codec) -> bool:
    rtpmap = media.rtpmap(payload_type)
    return rtpmap is not None and codec.matches(rtpmap)


def _stream(
    index: int,
    session: SessionDescription,
    media: MediaDescription,
    rtpmap: RtpMap,
    event: int | None,
    direction: Direction,
) -> AudioStream:
    connection = media.effective_connection(session)
    assert connection is not None  # parse() enforces Rule 2 for non-zero ports
    address = None if connection.is_null else connection.address
    pt, ptime = rtpmap.payload_type, media.ptime
    return AudioStream(index, address, media.port, pt, rtpmap, event, ptime, direction)


def _reoffer(
    previous: SessionDescription, remote: SessionDescription | None, *, hold: bool
) -> SessionDescription:
    media = list(previous.media)
    for index, ours in enumerate(media):
        if ours.is_rejected or ours.media != "audio":
            continue
        current = ours.effective_direction(previous)
        if hold:
            # RFC 3264 §8.4: sendrecv becomes sendonly, recvonly becomes inactive; and
            # inactive when the peer holds us already (it is sendonly: receives nothing).
            peer_receives = True
            if remote is not None and index < len(remote.media):
                peer_receives = _remote_direction(remote.media[index], remote).receives
            direction = Direction.of(send=current.sends and peer_receives, recv=False)
        else:
            direction = Direction.SENDRECV
        media[index] = dataclasses.replace(ours, direction=direction)
    return dataclasses.replace(previous, media=tuple(media)).with_next_version()


def hold_offer(
    previous: SessionDescription, remote: SessionDescription | None = None
) -> SessionDescription:
    """Our re-offer that puts the call on hold (RFC 3264 §8.4), o= version + 1 (§8).

    ``previous`` is the last SDP we sent in this session, ``remote`` the last one the peer
    sent (to see whether it holds us already).
    """
    return _reoffer(previous, remote, hold=True)


def resume_offer(previous: SessionDescription) -> SessionDescription:
    """Our re-offer that takes the call off hold: sendrecv again, o= version + 1 (§8.4)."""
    return _reoffer(previous, None, hold=False)
