"""RTP headers read and rewritten as bytes, without building :class:`RtpPacket` objects.

Owns the byte-level view of the RTP fixed header (RFC 3550 §5.1) that the media relay's
hot path needs: where the payload of a datagram starts and ends, and the ``struct``
layouts used to read the header and to patch sequence number, timestamp and SSRC in
place. :meth:`RtpPacket.parse <callcenter.rtp.packet.RtpPacket.parse>` remains the full,
precise parser; this module applies the same rules (1–4 in :mod:`callcenter.rtp.packet`)
but returns two offsets instead of a value, and answers the common case (``V=2``, no
padding, no extension, no CSRC: first byte ``0x80``) without any arithmetic.

Byte 0 is ``V(2) P(1) X(1) CC(4)``; byte 1 is ``M(1) PT(7)``; bytes 2–3 the sequence
number, 4–7 the timestamp, 8–11 the SSRC, all big-endian.
"""

from __future__ import annotations

import struct

from callcenter.rtp.packet import RTP_HEADER_SIZE, RtpError

__all__ = [
    "HEADER",
    "MARKER",
    "PLAIN_FIRST_BYTE",
    "SEQ_TS_SSRC",
    "is_rtp_version_2",
    "payload_span",
]

HEADER = struct.Struct("!BBHII")
"""The fixed header: first byte, second byte, sequence, timestamp, SSRC."""

SEQ_TS_SSRC = struct.Struct("!HII")
"""Sequence, timestamp and SSRC: ``pack_into(buffer, 2, …)`` rewrites them in place."""

PLAIN_FIRST_BYTE = 0x80
"""Byte 0 of a version-2 packet without padding, extension or CSRC list."""

MARKER = 0x80
"""The marker bit in byte 1."""

_EXTENSION_WORDS = struct.Struct("!H")


def is_rtp_version_2(data: bytes) -> bool:
    """True if ``data`` is long enough for the fixed header and says version 2."""
    return len(data) >= RTP_HEADER_SIZE and data[0] & 0xC0 == 0x80


def payload_span(data: bytes | bytearray | memoryview) -> tuple[int, int]:
    """Start and end offsets of the payload of an RTP datagram.

    Raises :class:`RtpError` when the datagram is shorter than its headers say, the
    version is not 2, or the padding count is impossible (the rules of
    :mod:`callcenter.rtp.packet`).
    """
    size = len(data)
    if size < RTP_HEADER_SIZE:
        raise RtpError(f"truncated RTP header: {size} bytes, need {RTP_HEADER_SIZE}")
    b0 = data[0]
    if b0 == PLAIN_FIRST_BYTE:
        return RTP_HEADER_SIZE, size
    if b0 >> 6 != 2:
        raise RtpError(f"RTP version {b0 >> 6}, expected 2")
    start = RTP_HEADER_SIZE + 4 * (b0 & 0x0F)
    if start > size:
        raise RtpError(f"CSRC count {b0 & 0x0F} needs {start} bytes, datagram has {size}")
    if b0 & 0x10:
        if start + 4 > size:
            raise RtpError(f"extension header at byte {start} runs past the {size}-byte datagram")
        (words,) = _EXTENSION_WORDS.unpack_from(data, start + 2)
        start += 4 + 4 * words
        if start > size:
            raise RtpError(f"extension of {words} words needs {start} bytes, datagram has {size}")
    end = size
    if b0 & 0x20:
        padding = data[-1]
        if padding == 0 or padding > size - start:
            raise RtpError(f"padding count {padding} does not fit the {size - start} bytes left")
        end -= padding
    return start, end
