"""Anchored media between two legs (the B2BUA's bridge), and the echo test.

Owns forwarding: what one session receives, sent on by another (or by itself, for the
echo), with the fewest changes that keep the outbound stream correct for the phone that
receives it.

Per packet, the :class:`Forwarder` of one direction:

1. Does nothing while paused (:meth:`Relay.pause`) or when the target may not send.
2. Same codec both sides: copies the datagram into a ``bytearray`` and patches sequence
   number, timestamp and SSRC in place for the target's outbound stream
   (:class:`~callcenter.rtp.stream.OutboundStream`: offsets fixed when the source changes,
   so the phone sees one SSRC with continuous numbers across re-INVITEs, transfers and
   hold; the first packet after a change carries the marker bit). Payload, CSRCs and
   extensions are untouched; the packet is never parsed into an object.
3. PCMU and PCMA: the payload is transcoded byte for byte (one ``bytes.translate``) under
   a fresh 12-byte header with the target's payload type.
4. Telephone-events: the payload type is rewritten to the target's (e.g. 101 to 96), or
   the event is not sent if the target did not negotiate telephone-event (the digit is
   still reported by the source session's ``on_dtmf``). Comfort noise (13) goes on only
   to a target that negotiated it.
5. With a recorder attached, every audio packet forwarded is also fed to it, untouched,
   with its side (0 for ``a``, the caller; 1 for ``b``, the callee).

There is no jitter buffer on this path: packets go out as they arrive, and the receiving
phone's own buffer deals with jitter. ``fax=True`` (G.711 fax pass-through) therefore
differs only in what it refuses: the two legs must have the same codec (a relay built
with different ones raises :class:`~callcenter.engine.media.format.MediaError`; if a
re-INVITE makes them differ, the relay transcodes and logs a warning, since garbled audio
helps no one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from callcenter.engine.media.format import COMFORT_NOISE, MediaError
from callcenter.engine.media.recorder import Recorder
from callcenter.engine.media.session import RtpSession
from callcenter.rtp.g711 import alaw_to_ulaw, ulaw_to_alaw
from callcenter.rtp.header import HEADER, SEQ_TS_SSRC, payload_span
from callcenter.rtp.packet import RtpError

__all__ = ["Echo", "Forwarder", "Relay"]

log = logging.getLogger(__name__)


class Forwarder:
    """One direction: packets received by ``source`` sent on by ``target``.

    Attached to ``source`` as its :class:`~callcenter.engine.media.session.MediaConsumer`.
    """

    __slots__ = (
        "events",
        "fax",
        "on_change",
        "paused",
        "recorder",
        "side",
        "source",
        "source_pt",
        "target",
        "target_pt",
        "transcode",
    )

    def __init__(
        self,
        source: RtpSession,
        target: RtpSession,
        *,
        side: int = 0,
        fax: bool = False,
        events: bool = True,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.source = source
        self.target = target
        self.side = side
        self.fax = fax
        self.events = events
        self.on_change = on_change
        self.paused = False
        self.recorder: Recorder | None = None
        self.source_pt = -1
        self.target_pt = -1
        self.transcode: Callable[[bytes], bytes] | None = None
        self.configure()

    def __repr__(self) -> str:
        return f"<Forwarder :{self.source.local_port} -> :{self.target.local_port}>"

    def configure(self) -> None:
        """Choose the path (rules 2 and 3) for the two sessions' current formats."""
        source, target = self.source.format, self.target.format
        self.transcode = None
        if source is None or target is None:
            return
        self.source_pt = source.payload_type
        self.target_pt = target.payload_type
        if source.payload_type != target.payload_type:
            self.transcode = ulaw_to_alaw if source.payload_type == 0 else alaw_to_ulaw
            if self.fax:
                log.warning("%r: fax between %s and %s is transcoded", self, source, target)

    # -- MediaConsumer ----------------------------------------------------------------

    def format_changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
        else:
            self.configure()

    def audio_received(self, data: bytes) -> None:
        target = self.target
        if self.paused or not target.can_send:  # rule 1
            return
        out = target.out
        _, b1, seq, ts, ssrc = HEADER.unpack_from(data)
        transcode = self.transcode
        packet: bytes | bytearray
        if transcode is None:  # rule 2
            packet = bytearray(data)
            if ssrc != out.source:
                out.rebase(ssrc, seq, ts, target.loop.time())
                packet[1] = b1 | 0x80
            seq = (seq + out.seq_offset) & 0xFFFF
            ts = (ts + out.ts_offset) & 0xFFFFFFFF
            SEQ_TS_SSRC.pack_into(packet, 2, seq, ts, out.ssrc)
        else:  # rule 3
            if data[0] == 0x80:
                payload = data[12:]
            else:
                try:
                    start, end = payload_span(data)
                except RtpError:
                    self.source.stats.dropped_malformed += 1
                    return
                payload = data[start:end]
            marker = b1 & 0x80
            if ssrc != out.source:
                out.rebase(ssrc, seq, ts, target.loop.time())
                marker = 0x80
            seq = (seq + out.seq_offset) & 0xFFFF
            ts = (ts + out.ts_offset) & 0xFFFFFFFF
            packet = HEADER.pack(0x80, marker | self.target_pt, seq, ts, out.ssrc) + transcode(
                payload
            )
        if (seq - out.seq) & 0xFFFF < 0x8000:
            out.seq = seq
            out.ts = ts
        target.transmit(packet, target.remote)
        target.stats.sent += 1
        recorder = self.recorder
        if recorder is not None:  # rule 5
            recorder.feed(self.side, data, self.source_pt, recorder.clock())

    def event_received(self, data: bytes) -> None:
        target = self.target
        fmt = target.format
        if not self.events or self.paused or not target.can_send or fmt is None:
            return
        b1 = data[1]
        if b1 & 0x7F == COMFORT_NOISE:  # rule 4
            if not fmt.comfort_noise:
                return
            payload_type = COMFORT_NOISE
        else:
            if fmt.dtmf_payload_type is None:
                return
            payload_type = fmt.dtmf_payload_type
        _, _, seq, ts, ssrc = HEADER.unpack_from(data)
        seq, ts, marker = target.out.relay(ssrc, seq, ts, target.loop.time())
        packet = bytearray(data)
        packet[1] = (b1 & 0x80) | (0x80 if marker else 0) | payload_type
        SEQ_TS_SSRC.pack_into(packet, 2, seq, ts, target.out.ssrc)
        target.transmit(packet, target.remote)
        target.stats.sent += 1


class Relay:
    """Bridges two sessions: ``a`` (the caller, recorded left) and ``b`` (the callee,
    recorded right). See the module rules.

    The relay never closes its sessions or its recorder; whoever made them does.
    """

    def __init__(
        self,
        a: RtpSession,
        b: RtpSession,
        recorder: Recorder | None = None,
        *,
        fax: bool = False,
    ) -> None:
        if a is b:
            raise MediaError("a relay needs two different sessions (use Echo for one)")
        if (
            fax
            and a.format is not None
            and b.format is not None
            and a.format.payload_type != b.format.payload_type
        ):
            raise MediaError(
                f"fax pass-through needs one codec on both legs, not {a.format.codec.name} "
                f"and {b.format.codec.name}"
            )
        self.a = a
        self.b = b
        self.fax = fax
        self.running = False
        self._ab = Forwarder(a, b, side=0, fax=fax, on_change=self._configure)
        self._ba = Forwarder(b, a, side=1, fax=fax, on_change=self._configure)
        self.recorder = recorder

    def __repr__(self) -> str:
        return f"<Relay {self.a!r} <-> {self.b!r}{' running' if self.running else ''}>"

    @property
    def recorder(self) -> Recorder | None:
        """The recorder fed with both directions (settable while running)."""
        return self._ab.recorder

    @recorder.setter
    def recorder(self, recorder: Recorder | None) -> None:
        self._ab.recorder = recorder
        self._ba.recorder = recorder

    def _configure(self) -> None:
        self._ab.configure()
        self._ba.configure()

    def _toward(self, side: RtpSession) -> Forwarder:
        if side is self.a:
            return self._ba
        if side is self.b:
            return self._ab
        raise ValueError(f"{side!r} is not a side of {self!r}")

    def start(self) -> None:
        """Attach to both sessions and start forwarding (raises :class:`MediaError` if
        one of them already feeds something else)."""
        if self.running:
            return
        self.a.attach(self._ab)
        try:
            self.b.attach(self._ba)
        except MediaError:
            self.a.detach(self._ab)
            raise
        self._configure()
        self.a.out.interrupt()
        self.b.out.interrupt()
        self.running = True

    def stop(self) -> None:
        """Stop forwarding and detach from both sessions."""
        self.a.detach(self._ab)
        self.b.detach(self._ba)
        self.running = False

    def pause(self, side: RtpSession) -> None:
        """Stop forwarding toward ``side`` (hold: something else plays to it meanwhile)."""
        self._toward(side).paused = True

    def resume(self, side: RtpSession) -> None:
        """Forward toward ``side`` again, continuing its stream's numbering."""
        forwarder = self._toward(side)
        forwarder.paused = False
        side.out.interrupt()

    def paused(self, side: RtpSession) -> bool:
        """Whether forwarding toward ``side`` is paused."""
        return self._toward(side).paused


class Echo:
    """The echo-test service: what the session receives goes back to it, same payload.

    Telephone-events are not echoed (they are reported through ``on_dtmf``).
    """

    def __init__(self, session: RtpSession) -> None:
        self.session = session
        self._forwarder = Forwarder(session, session, events=False)
        self.running = False

    def start(self) -> None:
        """Attach to the session and start echoing."""
        if self.running:
            return
        self.session.attach(self._forwarder)
        self._forwarder.configure()
        self.session.out.interrupt()
        self.running = True

    def stop(self) -> None:
        """Stop echoing and detach."""
        self.session.detach(self._forwarder)
        self.running = False
