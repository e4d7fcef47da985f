"""A jitter buffer: RTP packets in as they arrive, one frame out per 20 ms tick, in order.

Owns the reordering and loss accounting between a socket and the mixer or recorder. It
is driven entirely by its caller: :meth:`JitterBuffer.push` with the arrival time, and
:meth:`JitterBuffer.pop` once per tick. It never reads a clock.

Rules (sequence arithmetic per RFC 3550 Appendix A.1, jitter per A.8):

1. Packets are ordered by extended sequence number: each 16-bit number is placed nearest
   to the highest seen, so the wrap from 65535 to 0 is seamless.
2. A packet already received (a 64-packet window remembers) is a *duplicate*; a packet
   whose turn has passed is *late*. Both are dropped and counted. A packet that arrives
   after a higher-numbered one but in time is *reordered*, and played in its place.
3. Playout starts once ``depth`` packets are buffered (the prefill), at the lowest one.
   Each tick then plays the next number: if it is missing while later ones are waiting,
   it is *lost* and the tick yields ``None`` (the caller conceals: silence, or the last
   frame again). If the buffer is empty, that is an *underrun*: the tick yields ``None``
   without giving up on the packet, and playout waits for a new prefill (this is also
   how a pause in sending, silence suppression between talkspurts, looks). Numbers
   skipped when playout resumes past them count as lost.
4. At most ``max_depth`` packets are held; beyond that the oldest is dropped (*overflow*)
   and playout moves past it, so a sender that runs fast cannot build up delay.
5. Resynchronisation: a new SSRC, or a sequence jump of more than ``max_dropout`` ahead
   or ``max_misorder`` behind, means a new stream. With a new SSRC, or the RTP marker bit
   (the start of a talkspurt), or when the packet after the jump follows it (as in A.1's
   ``bad_seq`` check), the buffer is flushed and starts over from that packet; a lone
   stray packet is dropped and counted as *discarded*. A timestamp jump with consecutive
   sequence numbers (a new talkspurt after silence suppression) needs no resync, since
   playout follows sequence numbers.

All frames are assumed to span one tick (20 ms packets); other packet times must be
repacketised by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.rtp.packet import ts_diff

__all__ = ["JitterBuffer", "JitterStats"]

_WINDOW_BITS = 64
_WINDOW_MASK = (1 << _WINDOW_BITS) - 1


@dataclass(slots=True)
class JitterStats:
    """Counters since the buffer was made (they survive resynchronisation).

    ``jitter`` is the RFC 3550 A.8 interarrival jitter estimate in timestamp units, as
    an RTCP receiver report carries it.
    """

    received: int = 0
    played: int = 0
    lost: int = 0
    late: int = 0
    duplicates: int = 0
    reordered: int = 0
    overflow: int = 0
    underruns: int = 0
    discarded: int = 0
    flushed: int = 0
    resyncs: int = 0
    jitter: float = 0.0


class JitterBuffer:
    """Orders the packets of one RTP stream for playout at one frame per tick."""

    __slots__ = (
        "_bad_seq",
        "_buffer",
        "_highest",
        "_last_arrival",
        "_last_ts",
        "_next",
        "_playing",
        "_ssrc",
        "_window",
        "clock_rate",
        "depth",
        "max_depth",
        "max_dropout",
        "max_misorder",
        "stats",
    )

    def __init__(
        self,
        depth: int = 3,
        *,
        max_depth: int | None = None,
        clock_rate: int = 8000,
        max_dropout: int = 3000,
        max_misorder: int = 100,
    ) -> None:
        if depth < 1:
            raise ValueError("depth must be at least one packet")
        self.depth = depth
        self.max_depth = max(depth, max_depth if max_depth is not None else 4 * depth)
        self.clock_rate = clock_rate
        self.max_dropout = max_dropout
        self.max_misorder = max_misorder
        self.stats = JitterStats()
        self._ssrc: int | None = None
        self._buffer: dict[int, bytes] = {}
        self._highest = -1  # highest extended sequence number received, -1 before any
        self._window = 0  # bit i: packet highest - i was received
        self._next: int | None = None  # extended number of the next packet to play
        self._playing = False
        self._bad_seq: int | None = None
        self._last_arrival: float | None = None
        self._last_ts = 0

    @property
    def buffered(self) -> int:
        """Packets waiting to be played."""
        return len(self._buffer)

    @property
    def playing(self) -> bool:
        """False while prefilling (at the start and after an underrun)."""
        return self._playing

    def reset(self) -> None:
        """Drop everything buffered and start over as if new (statistics are kept)."""
        self.stats.flushed += len(self._buffer)
        self._buffer.clear()
        self._highest = -1
        self._window = 0
        self._next = None
        self._playing = False
        self._bad_seq = None
        self._last_arrival = None

    def _resync(self) -> None:
        self.reset()
        self.stats.resyncs += 1

    def push(
        self,
        seq: int,
        timestamp: int,
        payload: bytes,
        arrival: float,
        *,
        marker: bool = False,
        ssrc: int | None = None,
    ) -> bool:
        """Take one packet that arrived at ``arrival`` (seconds); True if it was kept."""
        stats = self.stats
        if ssrc is not None and ssrc != self._ssrc:
            if self._ssrc is not None:
                self._resync()
            self._ssrc = ssrc
        highest = self._highest
        if highest < 0:
            extended = seq
        else:
            delta = ((seq - highest + 0x8000) & 0xFFFF) - 0x8000
            if delta > self.max_dropout or -delta > self.max_misorder:  # rule 5
                if marker or seq == self._bad_seq:
                    self._resync()
                    highest = -1
                    extended = seq
                else:
                    self._bad_seq = (seq + 1) & 0xFFFF
                    stats.discarded += 1
                    return False
            else:
                extended = highest + delta
        self._bad_seq = None
        # rule 2
        back = highest - extended
        if highest >= 0 and 0 <= back < _WINDOW_BITS and (self._window >> back) & 1:
            stats.duplicates += 1
            return False
        next_ = self._next
        if next_ is not None and extended < next_:
            stats.late += 1
            return False
        if back < 0:
            self._window = ((self._window << -back) | 1) & _WINDOW_MASK if highest >= 0 else 1
            self._highest = extended
        else:
            if back < _WINDOW_BITS:
                self._window |= 1 << back
            if back:
                stats.reordered += 1
        stats.received += 1
        # RFC 3550 A.8 interarrival jitter, in timestamp units
        last_arrival = self._last_arrival
        if last_arrival is not None:
            d = (arrival - last_arrival) * self.clock_rate - ts_diff(self._last_ts, timestamp)
            stats.jitter += (abs(d) - stats.jitter) / 16.0
        self._last_arrival = arrival
        self._last_ts = timestamp
        buffer = self._buffer
        buffer[extended] = payload
        if len(buffer) > self.max_depth:  # rule 4
            oldest = min(buffer)
            del buffer[oldest]
            stats.overflow += 1
            if next_ is not None and next_ <= oldest:
                stats.lost += oldest - next_
                self._next = oldest + 1
        return True

    def pop(self) -> bytes | None:
        """The payload to play this tick, or ``None`` (missing, or still prefilling)."""
        buffer = self._buffer
        stats = self.stats
        if not self._playing:  # rule 3: prefill
            if len(buffer) < self.depth:
                return None
            first = min(buffer)
            next_ = self._next
            if next_ is not None and first > next_:
                stats.lost += first - next_
            self._next = first
            self._playing = True
        next_ = self._next
        assert next_ is not None
        payload = buffer.pop(next_, None)
        if payload is not None:
            self._next = next_ + 1
            stats.played += 1
            return payload
        if buffer:
            self._next = next_ + 1
            stats.lost += 1
        else:
            self._playing = False
            stats.underruns += 1
        return None
