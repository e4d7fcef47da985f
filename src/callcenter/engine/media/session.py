"""One call leg's RTP endpoint: its UDP socket, where it sends, what it accepts, and the
numbering of what it sends.

Owns the receive side's rules and the send side's primitives; what to *do* with the audio
(relay it, mix it, echo it, record it) belongs to the one consumer attached to the session
(:class:`MediaConsumer`: a relay's forwarder, a conference party, an echo).

Receiving, per datagram, in this order (each drop is counted in :class:`SessionStats`):

1. Shorter than the 12-byte header, or not version 2: ``dropped_malformed``. Nothing else
   of the header is checked here; consumers that need the payload find it with
   :func:`~callcenter.rtp.header.payload_span`, which checks the rest.
2. A payload type that is neither the negotiated audio type, nor the negotiated
   telephone-event type, nor comfort noise (13): ``dropped_payload_type``. Before
   :meth:`RtpSession.set_remote` nothing is negotiated, so everything is dropped here.
3. Symmetric RTP (RFC 4961) and latching: after ``set_remote`` with a new address the
   session is *latching*. The first packet that passed 1 and 2, from whatever address,
   ends latching; if it came from elsewhere than the SDP address (a phone behind NAT sends
   from its public address), that address becomes ``remote`` (``stats.latched_to``). From
   then on a packet from any other address is dropped (``dropped_source``), so a stray or
   hostile sender cannot hijack a latched stream. ``set_remote`` with a different address
   (a re-INVITE) latches again; with the same address it keeps the latched one.
4. A direction that does not receive (``SENDONLY``, ``INACTIVE``): counted as received,
   then dropped (``dropped_direction``). Latching still happened, so a held phone's
   address is known when the call resumes.
5. Audio goes to the consumer's ``audio_received``. Telephone-events go to the DTMF
   detector (:class:`~callcenter.rtp.dtmf.DtmfReceiver`) and then to the consumer's
   ``event_received``, comfort noise to ``event_received`` only.

DTMF: a key press is reported once, to ``on_dtmf`` and every listener added with
:meth:`RtpSession.add_dtmf_listener`, when its *first* packet arrives (the detector's
BEGIN; if the first packets are lost, the first that arrives, even an end packet).

Sending: every packet, whoever produces it, goes out with the session's own SSRC and
continuous numbering (:class:`~callcenter.rtp.stream.OutboundStream`), to ``remote``,
only when the direction sends. ``transmit`` and ``out`` are for the media package's own
relays; the B2BUA uses :meth:`send_pcm` and :meth:`send_dtmf`.

All of it runs on the event loop's thread; nothing here blocks.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from callcenter.engine.media.format import COMFORT_NOISE, Direction, MediaError, MediaFormat
from callcenter.rtp.dtmf import DtmfError, DtmfPhase, DtmfReceiver, digit_to_event, dtmf_packets
from callcenter.rtp.header import HEADER, payload_span
from callcenter.rtp.packet import RtpError, RtpPacket
from callcenter.rtp.stream import OutboundStream

__all__ = ["MediaConsumer", "RtpSession", "SessionStats"]

log = logging.getLogger(__name__)

Address = tuple[str, int]
Transmit = Callable[[bytes | bytearray, Address | None], None]

_DTMF_INTERVAL_MS = 20
_DTMF_GAP = 0.06  # seconds of quiet between two queued key presses


def _discard(data: bytes | bytearray, addr: Address | None) -> None:
    """``transmit`` of a session that cannot send."""


@dataclass(slots=True)
class SessionStats:
    """Live counters of one session (see the module rules for what each counts)."""

    received: int = 0
    sent: int = 0
    dropped_malformed: int = 0
    dropped_payload_type: int = 0
    dropped_source: int = 0
    dropped_direction: int = 0
    latched_to: Address | None = None
    dtmf_digits: int = 0
    socket_errors: int = 0
    consumer_errors: int = 0


class MediaConsumer(Protocol):
    """What a session hands its packets to (one at a time; see ``RtpSession.attach``).

    The data is the whole datagram, header included, already checked by rules 1–4.
    """

    def audio_received(self, data: bytes) -> None: ...

    def event_received(self, data: bytes) -> None: ...

    def format_changed(self) -> None: ...


class RtpSession(asyncio.DatagramProtocol):
    """One leg's RTP endpoint; made by :meth:`MediaEngine.open_session
    <callcenter.engine.media.engine.MediaEngine.open_session>`, which binds its socket."""

    def __init__(
        self,
        local_port: int,
        *,
        local_host: str = "0.0.0.0",
        on_close: Callable[[RtpSession], None] | None = None,
        released: Callable[[RtpSession], None] | None = None,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.local_host = local_host
        self.local_port = local_port
        self.remote: Address | None = None
        self.format: MediaFormat | None = None
        self.direction = Direction.SENDRECV
        self.stats = SessionStats()
        self.on_dtmf: Callable[[str], None] | None = None
        self.closed = False
        self.can_send = False
        self.transmit: Transmit = _discard
        self.out = OutboundStream(secrets.randbits(32), secrets.randbits(16), secrets.randbits(32))
        self._family = (
            socket.AF_INET6 if ipaddress.ip_address(local_host).version == 6 else socket.AF_INET
        )
        self._on_close = on_close
        self._on_released = released
        self._transport: asyncio.DatagramTransport | None = None
        self._lost: asyncio.Future[None] = self.loop.create_future()
        self._sdp_remote: Address | None = None
        self._expect: tuple[Any, ...] | None = None  # the source accepted at once
        self._latching = False
        self._receives = True
        self._audio_pt = -1
        self._dtmf_pt = -1
        self._encode: Callable[[bytes], bytes] | None = None
        self._consumer: MediaConsumer | None = None
        self._on_audio: Callable[[bytes], None] | None = None
        self._on_event: Callable[[bytes], None] | None = None
        self._detector = DtmfReceiver()
        self._dtmf_ssrc: int | None = None
        self._dtmf_listeners: list[Callable[[str], None]] = []
        self._dtmf_free_at = 0.0
        self._timers: list[tuple[float, asyncio.Handle]] = []  # (due, handle) of DTMF

    def __repr__(self) -> str:
        return f"<RtpSession :{self.local_port} -> {self.remote} {self.direction}>"

    # -- asyncio protocol -------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not inherit from asyncio's classes, but behave like them.
        self._transport = cast(asyncio.DatagramTransport, transport)
        self.transmit = cast(Transmit, self._transport.sendto)
        self._update()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            log.warning("RTP socket :%d lost: %s", self.local_port, exc)
        self._transport = None
        if not self.closed:
            self.close()
        self._released()

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like: the phone is gone or not listening yet.
        self.stats.socket_errors += 1
        log.debug("RTP socket :%d: %s", self.local_port, exc)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) < 12 or data[0] & 0xC0 != 0x80:  # rule 1
            self.stats.dropped_malformed += 1
            return
        pt = data[1] & 0x7F
        if pt == self._audio_pt:
            if addr != self._expect and not self._other_source(addr):  # rule 3
                return
            self.stats.received += 1
            if not self._receives:  # rule 4
                self.stats.dropped_direction += 1
                return
            on_audio = self._on_audio
            if on_audio is not None:
                try:  # free in Python 3.11 unless something raises
                    on_audio(data)
                except Exception:
                    self._consumer_failed()
            return
        if pt != self._dtmf_pt and pt != COMFORT_NOISE:  # rule 2
            self.stats.dropped_payload_type += 1
            return
        if addr != self._expect and not self._other_source(addr):
            return
        self.stats.received += 1
        if not self._receives:
            self.stats.dropped_direction += 1
            return
        if pt == self._dtmf_pt and not self._detect(data):
            return
        on_event = self._on_event
        if on_event is not None:
            try:
                on_event(data)
            except Exception:
                self._consumer_failed()

    def _consumer_failed(self) -> None:
        """A consumer's bug must not stop the socket; log it once per session."""
        self.stats.consumer_errors += 1
        if self.stats.consumer_errors == 1:
            log.exception("RTP :%d: %r failed on a packet", self.local_port, self._consumer)

    def _other_source(self, addr: tuple[str | Any, int]) -> bool:
        """Rule 3 for a packet from an address other than the expected one."""
        if not self._latching:
            self.stats.dropped_source += 1
            return False
        source = (str(addr[0]), int(addr[1]))
        self._latching = False
        self._expect = addr  # as the loop gives it (IPv6 addresses come as 4-tuples)
        if source != self.remote:
            log.debug("RTP :%d latched to %s (SDP said %s)", self.local_port, source, self.remote)
            self.remote = source
            self.stats.latched_to = source
            self._update()
        return True

    def _detect(self, data: bytes) -> bool:
        """Feed a telephone-event packet to the detector; False if it is malformed."""
        try:
            start, end = payload_span(data)
            _, _, seq, ts, ssrc = HEADER.unpack_from(data)
            if ssrc != self._dtmf_ssrc:
                self._detector.reset()
                self._dtmf_ssrc = ssrc
            reports = self._detector.receive(seq, ts, data[start:end])
        except (RtpError, DtmfError):
            self.stats.dropped_malformed += 1
            return False
        for report in reports:
            if report.phase is DtmfPhase.BEGIN:
                self.stats.dtmf_digits += 1
                self._report_digit(report.digit)
        return True

    def _report_digit(self, digit: str) -> None:
        listeners = [self.on_dtmf, *self._dtmf_listeners]
        for listener in listeners:
            if listener is None:
                continue
            try:
                listener(digit)
            except Exception:  # a listener's bug must not stop the media
                log.exception("DTMF listener %r failed on %r", listener, digit)

    # -- negotiation ------------------------------------------------------------------

    def set_remote(
        self,
        host: str,
        port: int,
        fmt: MediaFormat,
        direction: Direction = Direction.SENDRECV,
    ) -> None:
        """Apply an offer/answer outcome: where to send, the format, the direction.

        ``host`` must be an IP address literal of the socket's family; ``0.0.0.0`` (the
        old hold convention) or port 0 means "do not send" until the peer's first packet
        is latched. A different address than the previous SDP one re-arms latching.
        """
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(
                f"RTP address {host!r} is not an IP address; resolve it first"
            ) from None
        if (ip.version == 6) != (self._family == socket.AF_INET6):
            raise ValueError(f"RTP address {host} is not of the socket's family")
        if not 0 <= port <= 65535:
            raise ValueError(f"RTP port {port} is out of range")
        address = (str(ip), port)
        if address != self._sdp_remote:
            self._sdp_remote = address
            self.remote = None if ip.is_unspecified or port == 0 else address
            self._expect = None
            self._latching = True
            self.stats.latched_to = None
        changed = fmt != self.format
        self.format = fmt
        self._audio_pt = fmt.payload_type
        self._dtmf_pt = -1 if fmt.dtmf_payload_type is None else fmt.dtmf_payload_type
        self._encode = fmt.codec.encode
        self.direction = direction
        self._update()
        if changed and self._consumer is not None:
            self._consumer.format_changed()

    def set_direction(self, direction: Direction) -> None:
        """Change only the direction (hold and resume without a new address)."""
        self.direction = direction
        self._update()

    def _update(self) -> None:
        self._receives = self.direction.receives
        self.can_send = (
            self.direction.sends
            and self.remote is not None
            and self.format is not None
            and self._transport is not None
            and not self.closed
        )
        if self.can_send:
            assert self._transport is not None
            self.transmit = cast(Transmit, self._transport.sendto)
        else:
            self.transmit = _discard
            self.out.interrupt()

    # -- consumers --------------------------------------------------------------------

    @property
    def consumer(self) -> MediaConsumer | None:
        """Who takes this session's packets (``None``: they are counted and dropped)."""
        return self._consumer

    def attach(self, consumer: MediaConsumer) -> None:
        """Hand this session's packets to ``consumer``; one at a time: detach the previous
        one first (raises :class:`MediaError` otherwise)."""
        if self.closed:
            raise MediaError(f"{self!r} is closed")
        if self._consumer is not None and self._consumer is not consumer:
            raise MediaError(f"{self!r} already feeds {self._consumer!r}")
        self._consumer = consumer
        self._on_audio = consumer.audio_received
        self._on_event = consumer.event_received

    def detach(self, consumer: MediaConsumer) -> None:
        """Stop handing packets to ``consumer`` (nothing happens if it is not attached)."""
        if self._consumer is consumer:
            self._consumer = None
            self._on_audio = None
            self._on_event = None

    def add_dtmf_listener(self, listener: Callable[[str], None]) -> None:
        """Also report digits to ``listener`` (besides ``on_dtmf``)."""
        self._dtmf_listeners.append(listener)

    def remove_dtmf_listener(self, listener: Callable[[str], None]) -> None:
        """Stop reporting to ``listener`` (nothing happens if it was not added)."""
        if listener in self._dtmf_listeners:
            self._dtmf_listeners.remove(listener)

    # -- sending ----------------------------------------------------------------------

    def send_pcm(self, frame: bytes) -> None:
        """Encode a frame of 16-bit linear PCM (160 samples for 20 ms) and send it.

        Nothing is sent without a remote address or when the direction does not send;
        the stream's clock keeps running, so the next frame sent has the right timestamp.
        """
        if not self.can_send:
            return
        encode = self._encode
        assert encode is not None  # can_send implies a format
        out = self.out
        seq, ts, marker = out.next_local(len(frame) >> 1, self.loop.time())
        header = HEADER.pack(
            0x80, self._audio_pt | 0x80 if marker else self._audio_pt, seq, ts, out.ssrc
        )
        self.transmit(header + encode(frame), self.remote)
        self.stats.sent += 1

    def send_dtmf(self, digit: str, duration_ms: int = 100) -> None:
        """Send one key press as RFC 4733 events, paced every 20 ms on the loop.

        Key presses sent in a row are queued, each starting 60 ms after the previous one
        ended. Raises :class:`MediaError` if the peer did not negotiate telephone-events
        and ``ValueError`` for something that is not a DTMF digit.
        """
        fmt = self.format
        if fmt is None or fmt.dtmf_payload_type is None:
            raise MediaError(f"{self!r}: the peer did not negotiate telephone-event")
        digit_to_event(digit)
        if duration_ms <= 0:
            raise ValueError("a key press lasts a positive number of milliseconds")
        now = self.loop.time()
        start = max(now, self._dtmf_free_at)
        packets = -(-duration_ms // _DTMF_INTERVAL_MS) + 2  # updates, then two end repeats
        self._dtmf_free_at = start + packets * _DTMF_INTERVAL_MS / 1000 + _DTMF_GAP
        self._timers = [(due, t) for due, t in self._timers if due > now]
        self._timers.append((start, self.loop.call_at(start, self._dtmf_begin, digit, duration_ms)))

    def _dtmf_begin(self, digit: str, duration_ms: int) -> None:
        fmt = self.format
        if not self.can_send or fmt is None or fmt.dtmf_payload_type is None:
            return
        now = self.loop.time()
        scheduled = dtmf_packets(
            digit,
            duration_ms,
            ssrc=self.out.ssrc,
            sequence=0,  # numbered when each is sent (OutboundStream rule 6)
            timestamp=self.out.position(now),
            payload_type=fmt.dtmf_payload_type,
            ptime_ms=_DTMF_INTERVAL_MS,
        )
        for item in scheduled:
            if item.at_ms == 0:
                self._dtmf_send(item.packet)
            else:
                due = now + item.at_ms / 1000
                self._timers.append((due, self.loop.call_at(due, self._dtmf_send, item.packet)))

    def _dtmf_send(self, packet: RtpPacket) -> None:
        if not self.can_send:
            return
        packet.sequence = self.out.insert_seq()
        self.transmit(bytes(packet), self.remote)
        self.stats.sent += 1

    # -- life -------------------------------------------------------------------------

    @property
    def local_address(self) -> Address:
        """The bound address (host as given to the engine, e.g. ``0.0.0.0``)."""
        return self.local_host, self.local_port

    def close(self) -> None:
        """Close the socket and give the port back; idempotent. Nothing is sent or
        received after this; the socket itself closes on the loop's next turn
        (:meth:`wait_closed`)."""
        if self.closed:
            return
        self.closed = True
        for _, timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._consumer = self._on_audio = self._on_event = None
        self._dtmf_listeners.clear()
        self.on_dtmf = None
        self._update()
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close(self)
        transport = self._transport
        if transport is not None:
            transport.close()  # the socket closes on the loop's next turn: connection_lost
        else:
            self._released()

    def _released(self) -> None:
        """The socket is closed: its port may be bound again."""
        if not self._lost.done():
            self._lost.set_result(None)
        released, self._on_released = self._on_released, None
        if released is not None:
            released(self)

    async def wait_closed(self) -> None:
        """Wait until the socket is really closed (after :meth:`close`)."""
        await asyncio.shield(self._lost)
