"""RFC 4733 telephone-events: the payload, the sender's packet train, and a detector.

Owns DTMF carried as named events in RTP (RFC 4733, which obsoletes RFC 2833): the 4-byte
event payload (§2.3), the sequence of packets a sender emits for one key press (§2.5.1),
and a receiver that reports each key press exactly once (§2.5.2).

Sending (RFC 4733 §2.5.1.2, §2.5.1.4):

1. Every packet of one event carries the same RTP timestamp: the event's start.
2. The first packet has the RTP marker bit set; later ones do not.
3. Each update, one per packet interval (20 ms), carries the duration so far, growing.
4. The final packet has the E (end) bit and the total duration, and is sent three times;
   every packet, retransmissions included, takes the next RTP sequence number.

Receiving (RFC 4733 §2.5.2, §2.6): packets are lost, duplicated and reordered, and the
end packet is repeated, so the detector identifies an event by its RTP timestamp, never by
the packet that carried it:

1. A packet whose timestamp equals the current event's updates its duration; the first
   one with the E bit reports END. Repeats of the end packet report nothing.
2. A packet with a newer timestamp (or a different event code) starts a new event and
   reports BEGIN, first reporting END for the previous event if its end was lost. If the
   first packets were lost, the first one that arrives starts the event; if only end
   packets arrive, BEGIN and END are reported together.
3. A packet with an older timestamp (within ``STALE_WINDOW`` samples) belongs to an event
   already reported and is ignored; a timestamp further back means the source restarted.
4. An event whose end never arrives ends ``timeout`` seconds after its last update, when
   the caller polls with the current time.
5. Several events packed into one payload (§2.5.1.5) are taken in order, each starting
   where the previous one's duration ends.

RFC 2198 redundancy is a separate payload type; unwrap it before calling the detector.
Event codes 0–16 (digits, ``*``, ``#``, A–D, flash) are reported; others are ignored.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from callcenter.rtp.packet import RtpError, RtpPacket, ts_diff

__all__ = [
    "EVENT_CODES",
    "FLASH",
    "STALE_WINDOW",
    "DtmfError",
    "DtmfEvent",
    "DtmfPhase",
    "DtmfReceiver",
    "ScheduledPacket",
    "TelephoneEvent",
    "digit_to_event",
    "dtmf_packets",
    "event_to_digit",
]

FLASH = "!"
"""The character this package uses for the hook-flash event (code 16)."""

EVENT_CODES: dict[str, int] = {
    **{str(n): n for n in range(10)},
    "*": 10,
    "#": 11,
    "A": 12,
    "B": 13,
    "C": 14,
    "D": 15,
    FLASH: 16,
}
_DIGITS = {code: digit for digit, code in EVENT_CODES.items()}

STALE_WINDOW = 5 * 8000
"""How far back (in RTP timestamp units) a packet counts as a late one of an old event."""

_EVENT = struct.Struct("!BBH")
_NO_EVENTS: tuple[DtmfEvent, ...] = ()


class DtmfError(RtpError):
    """A telephone-event payload is malformed."""


def digit_to_event(digit: str) -> int:
    """Event code of a DTMF digit (``0``–``9``, ``*``, ``#``, ``A``–``D``, ``!`` flash)."""
    try:
        return EVENT_CODES[digit.upper()]
    except KeyError:
        raise ValueError(f"{digit!r} is not a DTMF digit") from None


def event_to_digit(code: int) -> str | None:
    """The DTMF digit of an event code, or ``None`` for codes outside 0–16."""
    return _DIGITS.get(code)


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    """One event block (RFC 4733 §2.3): event code, E bit, volume (−dBm0), duration.

    ``duration`` is in RTP timestamp units (samples at 8 kHz).
    """

    event: int
    end: bool = False
    volume: int = 10
    duration: int = 0

    @classmethod
    def parse(cls, data: bytes) -> TelephoneEvent:
        """Parse a payload holding exactly one event block."""
        if len(data) != _EVENT.size:
            raise DtmfError(f"telephone-event payload of {len(data)} bytes, expected 4")
        event, flags, duration = _EVENT.unpack(data)
        return cls(event, flags >= 0x80, flags & 0x3F, duration)

    @classmethod
    def parse_all(cls, data: bytes) -> list[TelephoneEvent]:
        """Parse a payload of one or more packed event blocks (§2.5.1.5)."""
        size = len(data)
        if size == 0 or size % _EVENT.size:
            raise DtmfError(
                f"telephone-event payload of {size} bytes is not a positive multiple of 4"
            )
        return [
            cls(event, flags >= 0x80, flags & 0x3F, duration)
            for event, flags, duration in _EVENT.iter_unpack(data)
        ]

    def __bytes__(self) -> bytes:
        if not 0 <= self.volume <= 0x3F:
            raise ValueError(f"volume {self.volume} is outside 0..63")
        try:
            return _EVENT.pack(self.event, (0x80 if self.end else 0) | self.volume, self.duration)
        except struct.error as exc:
            raise ValueError(f"telephone-event field out of range: {exc}") from None

    @property
    def digit(self) -> str | None:
        """The DTMF digit, or ``None`` if the code is not a DTMF event."""
        return _DIGITS.get(self.event)


# -- Sending ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduledPacket:
    """A packet to send ``at_ms`` milliseconds after the event starts."""

    at_ms: int
    packet: RtpPacket


def dtmf_packets(
    digit: str,
    duration_ms: int = 100,
    *,
    ssrc: int,
    sequence: int,
    timestamp: int,
    payload_type: int = 101,
    volume: int = 10,
    ptime_ms: int = 20,
    clock_rate: int = 8000,
    end_repeats: int = 3,
) -> list[ScheduledPacket]:
    """The packets that send one key press, per RFC 4733 §2.5.1.2 and §2.5.1.4.

    ``sequence`` and ``timestamp`` are those of the first packet; the caller continues
    its stream at ``sequence + len(result)``. Update *k* (from 0) is due at
    ``k * ptime_ms`` and carries the duration through the end of its interval; the end
    packet and its repeats follow one interval apart.
    """
    code = digit_to_event(digit)
    total = duration_ms * clock_rate // 1000
    step = ptime_ms * clock_rate // 1000
    if total <= 0 or step <= 0:
        raise ValueError("duration and packet time must be positive")
    if total > 0xFFFF:
        raise ValueError(
            f"{duration_ms} ms does not fit one 16-bit duration; "
            "long-event segmentation (RFC 4733 §2.5.1.3) is not implemented"
        )
    if end_repeats < 1:
        raise ValueError("the end packet must be sent at least once")
    updates = -(-total // step)
    durations = [min((k + 1) * step, total) for k in range(updates)]
    durations += [total] * (end_repeats - 1)
    result = []
    for index, duration in enumerate(durations):
        end = index >= updates - 1
        payload = bytes(TelephoneEvent(code, end, volume, duration))
        packet = RtpPacket(
            payload_type,
            (sequence + index) & 0xFFFF,
            timestamp,
            ssrc,
            payload,
            marker=index == 0,
        )
        result.append(ScheduledPacket(index * ptime_ms, packet))
    return result


# -- Receiving ----------------------------------------------------------------------------


class DtmfPhase(enum.Enum):
    """Whether a report is a key press starting or ending."""

    BEGIN = "begin"
    END = "end"


@dataclass(frozen=True, slots=True)
class DtmfEvent:
    """A key press as the detector reports it.

    ``timestamp`` is the RTP timestamp of the event's start; ``duration`` is in timestamp
    units (final for END). ``complete`` is false on an END inferred because the end
    packets were lost (a newer event began or the timeout passed).
    """

    phase: DtmfPhase
    digit: str
    event: int
    timestamp: int
    duration: int
    volume: int
    complete: bool = True


class DtmfReceiver:
    """Turns a stream of telephone-event payloads into BEGIN/END reports, once each.

    Feed every packet of the negotiated telephone-event payload type of one SSRC to
    :meth:`receive`; call :meth:`poll` now and then (every tick is fine) so that an event
    whose end packets were all lost still ends. Call :meth:`reset` on an SSRC change.
    """

    __slots__ = (
        "_code",
        "_duration",
        "_ended",
        "_timestamp",
        "_updated",
        "_volume",
        "timeout",
    )

    def __init__(self, timeout: float = 0.5) -> None:
        self.timeout = timeout
        self._timestamp: int | None = None
        self._code = 0
        self._duration = 0
        self._volume = 0
        self._ended = True
        self._updated: float | None = None

    def reset(self) -> None:
        """Forget the current event without reporting it (a new source)."""
        self._timestamp = None
        self._ended = True
        self._updated = None

    def receive(
        self, seq: int, timestamp: int, payload: bytes, now: float | None = None
    ) -> Sequence[DtmfEvent]:
        """Take one packet; return the reports it causes (usually none).

        ``seq`` is accepted for symmetry with the RTP header but not needed: RFC 4733
        identifies events by timestamp. ``now`` (seconds, any monotonic origin) arms the
        timeout of :meth:`poll`. Raises :class:`DtmfError` on a malformed payload.
        """
        del seq
        blocks = TelephoneEvent.parse_all(payload)
        out: list[DtmfEvent] | None = None
        start = timestamp
        for block in blocks:
            out = self._take(block, start, now, out)
            start = (start + block.duration) & 0xFFFFFFFF
        return _NO_EVENTS if out is None else out

    def poll(self, now: float) -> Sequence[DtmfEvent]:
        """End an event that has had no update for ``timeout`` seconds."""
        updated = self._updated
        if self._ended or updated is None or now - updated < self.timeout:
            return _NO_EVENTS
        self._ended = True
        return [self._report(DtmfPhase.END, complete=False)]

    def _report(self, phase: DtmfPhase, *, complete: bool = True) -> DtmfEvent:
        assert self._timestamp is not None
        return DtmfEvent(
            phase,
            _DIGITS[self._code],
            self._code,
            self._timestamp,
            self._duration,
            self._volume,
            complete,
        )

    def _take(
        self,
        block: TelephoneEvent,
        start: int,
        now: float | None,
        out: list[DtmfEvent] | None,
    ) -> list[DtmfEvent] | None:
        code = block.event
        if code not in _DIGITS:
            return out
        current = self._timestamp
        if current is not None:
            delta = ts_diff(current, start)
            if delta == 0 and code == self._code:  # rule 1
                self._duration = max(self._duration, block.duration)
                if now is not None:
                    self._updated = now
                if block.end and not self._ended:
                    self._ended = True
                    out = out or []
                    out.append(self._report(DtmfPhase.END))
                return out
            if -STALE_WINDOW < delta < 0:  # rule 3
                return out
        out = out or []
        if not self._ended:  # rule 2: the previous event's end was lost
            out.append(self._report(DtmfPhase.END, complete=False))
        self._timestamp = start
        self._code = code
        self._duration = block.duration
        self._volume = block.volume
        self._updated = now
        self._ended = block.end
        out.append(self._report(DtmfPhase.BEGIN))
        if block.end:
            out.append(self._report(DtmfPhase.END))
        return out
