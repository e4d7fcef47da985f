"""RTP packets and sequence-number arithmetic.

Owns the RTP fixed header and its optional parts as a typed value (RFC 3550 §5.1,
header extension §5.3.1, padding §5.1 "P"), and the modular arithmetic on 16-bit sequence
numbers and 32-bit timestamps that every receiver needs (RFC 3550 Appendix A.1).

Parsing rules (each violation raises :class:`RtpError` naming what was wrong):

1. At least 12 bytes; version (top two bits) is 2.
2. The CSRC list (CC × 4 bytes) lies within the data.
3. If X is set, the 4-byte extension header and its ``length`` × 4 bytes lie within the data.
4. If P is set, the last byte counts the padding; it is at least 1 and no larger than
   what follows the headers.

The padding's content is not kept (RFC 3550 says it is ignored): ``bytes(packet)`` writes
``padding - 1`` zero bytes and the count. Everything else round-trips exactly.

Hot path: one ``struct.Struct`` unpack, one slice for the payload, no copies otherwise;
``RtpPacket`` is a slotted dataclass.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "RTP_HEADER_SIZE",
    "RTP_VERSION",
    "RtpError",
    "RtpPacket",
    "SequenceExtender",
    "seq_diff",
    "seq_lt",
    "ts_diff",
]

RTP_VERSION = 2
RTP_HEADER_SIZE = 12

_HEADER = struct.Struct("!BBHII")
_EXTENSION_HEADER = struct.Struct("!HH")
_CSRC = tuple(struct.Struct(f"!{n}I") for n in range(16))


class RtpError(ValueError):
    """A received RTP (or RTCP) datagram is malformed; the message says how."""


@dataclass(slots=True)
class RtpPacket:
    """One RTP packet (RFC 3550 §5.1).

    ``extension_profile`` is ``None`` when the packet has no header extension (X bit
    clear); otherwise it is the 16-bit "defined by profile" field and ``extension`` holds
    the extension's data words as bytes (length a multiple of 4). ``padding`` is the
    number of padding bytes including the count byte (0 means the P bit is clear).
    """

    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrc: tuple[int, ...] = ()
    extension_profile: int | None = None
    extension: bytes = b""
    padding: int = 0

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """Parse one datagram; raise :class:`RtpError` if it is not a valid RTP packet."""
        size = len(data)
        if size < RTP_HEADER_SIZE:
            raise RtpError(f"truncated RTP header: {size} bytes, need {RTP_HEADER_SIZE}")
        b0, b1, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
        if b0 >> 6 != RTP_VERSION:
            raise RtpError(f"RTP version {b0 >> 6}, expected {RTP_VERSION}")
        offset = RTP_HEADER_SIZE
        csrc: tuple[int, ...] = ()
        count = b0 & 0x0F
        if count:
            offset += 4 * count
            if offset > size:
                raise RtpError(f"CSRC count {count} needs {offset} bytes, datagram has {size}")
            csrc = _CSRC[count].unpack_from(data, RTP_HEADER_SIZE)
        extension_profile: int | None = None
        extension = b""
        if b0 & 0x10:
            if offset + 4 > size:
                raise RtpError(
                    f"extension header at byte {offset} runs past the {size}-byte datagram"
                )
            extension_profile, words = _EXTENSION_HEADER.unpack_from(data, offset)
            start = offset + 4
            offset = start + 4 * words
            if offset > size:
                raise RtpError(
                    f"extension length {words} words needs {offset} bytes, datagram has {size}"
                )
            extension = data[start:offset]
        end = size
        padding = 0
        if b0 & 0x20:
            padding = data[-1]
            if padding == 0:
                raise RtpError("padding bit set but the padding count is 0")
            if padding > size - offset:
                raise RtpError(
                    f"padding count {padding} is larger than the {size - offset} bytes "
                    "after the headers"
                )
            end = size - padding
        return cls(
            b1 & 0x7F,
            sequence,
            timestamp,
            ssrc,
            data[offset:end],
            b1 >= 0x80,
            csrc,
            extension_profile,
            extension,
            padding,
        )

    def __bytes__(self) -> bytes:
        """Serialise; raise ``ValueError`` if a field cannot be represented."""
        if not 0 <= self.payload_type <= 0x7F:
            raise ValueError(f"payload type {self.payload_type} is outside 0..127")
        count = len(self.csrc)
        b0 = 0x80 | count
        if self.padding:
            b0 |= 0x20
        if self.extension_profile is not None:
            b0 |= 0x10
        try:
            header = _HEADER.pack(
                b0,
                self.payload_type | 0x80 if self.marker else self.payload_type,
                self.sequence,
                self.timestamp,
                self.ssrc,
            )
        except struct.error as exc:
            raise ValueError(f"RTP header field out of range: {exc}") from None
        if b0 == 0x80:  # the common case: no CSRC, extension or padding
            return header + self.payload
        parts = [header]
        if count:
            if count > 15:
                raise ValueError(f"{count} CSRCs, at most 15 fit")
            parts.append(_CSRC[count].pack(*self.csrc))
        if self.extension_profile is not None:
            words, rest = divmod(len(self.extension), 4)
            if rest or words > 0xFFFF:
                raise ValueError(
                    f"extension of {len(self.extension)} bytes is not a whole number "
                    "of 32-bit words below 65536"
                )
            parts.append(_EXTENSION_HEADER.pack(self.extension_profile, words))
            parts.append(self.extension)
        parts.append(self.payload)
        if self.padding:
            if not 1 <= self.padding <= 255:
                raise ValueError(f"padding {self.padding} is outside 1..255")
            parts.append(bytes(self.padding - 1) + bytes((self.padding,)))
        return b"".join(parts)


# -- Sequence numbers and timestamps (RFC 3550 Appendix A.1) ---------------------------

_SEQ_MOD = 1 << 16
_SEQ_HALF = 1 << 15
_TS_MOD = 1 << 32
_TS_HALF = 1 << 31


def seq_diff(a: int, b: int) -> int:
    """Signed distance from sequence number ``a`` to ``b``, in ``-32768..32767``.

    ``seq_diff(65535, 0) == 1``: ``b`` is one packet after ``a`` across the wrap.
    """
    return ((b - a + _SEQ_HALF) & 0xFFFF) - _SEQ_HALF


def seq_lt(a: int, b: int) -> bool:
    """True if sequence number ``a`` comes before ``b`` (modulo 2**16)."""
    return a != b and ((b - a) & 0xFFFF) < _SEQ_HALF


def ts_diff(a: int, b: int) -> int:
    """Signed distance from RTP timestamp ``a`` to ``b`` (modulo 2**32)."""
    return ((b - a + _TS_HALF) & 0xFFFFFFFF) - _TS_HALF


class SequenceExtender:
    """Turns 16-bit sequence numbers into extended (cycle-counting) ones.

    As in RFC 3550 A.1, the extended number is ``cycles * 65536 + seq``; each new number is
    placed nearest to the highest one seen so far, so reordering across the wrap is handled
    (65535 then 0 then 65534 give 65535, 65536, 65534). ``highest`` is the highest extended
    number seen (``-1`` before the first packet). The first packet starts the count at
    its own value, cycle 0.
    """

    __slots__ = ("highest",)

    def __init__(self) -> None:
        self.highest = -1

    def extend(self, seq: int) -> int:
        """Return the extended sequence number of ``seq`` and update ``highest``."""
        highest = self.highest
        if highest < 0:
            self.highest = seq
            return seq
        extended = highest + (((seq - highest + _SEQ_HALF) & 0xFFFF) - _SEQ_HALF)
        if extended > highest:
            self.highest = extended
        return extended

    def reset(self) -> None:
        """Forget the stream (a new SSRC or a restarted source)."""
        self.highest = -1
