"""The numbering of one outbound RTP stream while what feeds it changes.

Owns the SSRC, sequence numbers and timestamps the switch puts on the packets it sends to
one phone, whether they are relayed from the other leg, generated here (a prompt, music
on hold, a conference mix) or inserted (RFC 4733 events), so that re-INVITEs, transfers
and hold never look like a new stream to the phone. Time is injected (``now``, seconds on
any monotonic clock).

Rules:

1. One SSRC for the life of the stream (RFC 3550 §8: a new SSRC is a new participant;
   phones reset their jitter buffer or go quiet).
2. Sequence numbers go up by one per packet across every source (RFC 3550 §5.1).
3. A relayed source keeps its own spacing: ``out = in + offset`` (sequence modulo 2**16,
   timestamp modulo 2**32), so its loss, reordering and silence-suppression gaps pass
   through unchanged. The offsets are fixed when the source (an SSRC, or :data:`LOCAL`)
   starts feeding the stream: its first packet gets the next sequence number and the
   timestamp the stream's clock has reached (rule 4), with the marker bit (a
   discontinuity, RFC 3551 §4.1).
4. The stream's clock is the timestamp at the last change of source plus the time since,
   at the clock rate, and never less than one packet (``step``) past the last timestamp
   sent, so it always moves forward.
5. Local frames follow each other exactly: each timestamp is the previous one plus the
   previous frame's samples (the sender paces them in real time).
6. An inserted packet (a DTMF event during relayed audio) takes the next sequence number
   without changing the source; the relayed offset moves up by one so the numbers of the
   relayed packets that follow do not collide with it.
"""

from __future__ import annotations

from callcenter.rtp.packet import ts_diff

__all__ = ["LOCAL", "NO_SOURCE", "OutboundStream"]

LOCAL = -1
"""Source key of frames the switch generates itself."""

NO_SOURCE = -2
"""Source key that matches nothing: the next packet of any source starts a new mapping."""


class OutboundStream:
    """SSRC, sequence and timestamp state of one stream we send (see the module rules).

    Relays read ``source``, ``seq_offset``, ``ts_offset`` and ``ssrc`` directly and call
    :meth:`advance` (or update ``seq``/``ts`` themselves) per packet; everything else goes
    through the methods.
    """

    __slots__ = (
        "base_time",
        "base_ts",
        "clock_rate",
        "local_next",
        "seq",
        "seq_offset",
        "source",
        "ssrc",
        "step",
        "ts",
        "ts_offset",
    )

    def __init__(
        self, ssrc: int, seq: int, ts: int, *, clock_rate: int = 8000, step: int = 160
    ) -> None:
        self.ssrc = ssrc & 0xFFFFFFFF
        self.seq = (seq - 1) & 0xFFFF  # the last number sent; the first packet gets ``seq``
        self.ts = ts & 0xFFFFFFFF  # the timestamp of the last packet sent
        self.clock_rate = clock_rate
        self.step = step
        self.source = NO_SOURCE
        self.seq_offset = 0
        self.ts_offset = 0
        self.base_ts = self.ts
        self.base_time: float | None = None  # None until the first packet
        self.local_next = self.ts

    def position(self, now: float) -> int:
        """The stream clock's timestamp at ``now`` (rule 4)."""
        if self.base_time is None:
            return self.ts
        ts = (self.base_ts + round((now - self.base_time) * self.clock_rate)) & 0xFFFFFFFF
        if ts_diff(self.ts, ts) < self.step:
            ts = (self.ts + self.step) & 0xFFFFFFFF
        return ts

    def rebase(self, source: int, seq: int, ts: int, now: float) -> None:
        """Make ``source``, whose current packet has ``seq`` and ``ts``, feed the stream."""
        next_ts = self.position(now)
        next_seq = (self.seq + 1) & 0xFFFF
        self.seq_offset = (next_seq - seq) & 0xFFFF
        self.ts_offset = (next_ts - ts) & 0xFFFFFFFF
        self.source = source
        self.base_ts = next_ts
        self.base_time = now

    def relay(self, source: int, seq: int, ts: int, now: float) -> tuple[int, int, bool]:
        """Outbound (sequence, timestamp, marker) for a relayed packet of ``source``."""
        marker = source != self.source
        if marker:
            self.rebase(source, seq, ts, now)
        out_seq = (seq + self.seq_offset) & 0xFFFF
        out_ts = (ts + self.ts_offset) & 0xFFFFFFFF
        self.advance(out_seq, out_ts)
        return out_seq, out_ts, marker

    def advance(self, seq: int, ts: int) -> None:
        """Record that a packet numbered ``seq``/``ts`` went out (kept if it is the newest)."""
        if (seq - self.seq) & 0xFFFF < 0x8000:
            self.seq = seq
            self.ts = ts

    def next_local(self, samples: int, now: float) -> tuple[int, int, bool]:
        """(sequence, timestamp, marker) for a frame of ``samples`` generated here."""
        if self.source != LOCAL:
            ts = self.position(now)
            marker = True
            self.source = LOCAL
            self.base_ts = ts
            self.base_time = now
        else:
            ts = self.local_next
            marker = False
        seq = (self.seq + 1) & 0xFFFF
        self.seq = seq
        self.ts = ts
        self.local_next = (ts + samples) & 0xFFFFFFFF
        return seq, ts, marker

    def insert_seq(self) -> int:
        """The sequence number for an inserted packet (rule 6)."""
        seq = (self.seq + 1) & 0xFFFF
        self.seq = seq
        self.seq_offset = (self.seq_offset + 1) & 0xFFFF
        return seq

    def interrupt(self) -> None:
        """Forget the current source: its next packet starts a new mapping (rule 3)."""
        self.source = NO_SOURCE
