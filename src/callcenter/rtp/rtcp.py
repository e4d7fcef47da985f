"""RTCP sender and receiver reports (RFC 3550 §6.4), and compound packets (§6.1).

Owns the two report types the switch sends and reads for call-quality statistics:
SR (payload type 200) and RR (201) with their report blocks. Other RTCP packets in a
compound datagram (SDES, BYE, APP, feedback) are returned as :class:`RtcpPacket` with
their body uninterpreted, so nothing is lost. Parsing raises
:class:`~callcenter.rtp.packet.RtpError` with what was wrong; ``bytes()`` builds.

NTP timestamps are the 64-bit fixed-point values of §4; the caller supplies them (time is
injected): :func:`ntp_timestamp` converts from Unix seconds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from callcenter.rtp.packet import RtpError

__all__ = [
    "RTCP_RR",
    "RTCP_SR",
    "ReceiverReport",
    "ReportBlock",
    "RtcpPacket",
    "SenderReport",
    "ntp_timestamp",
    "parse_rtcp",
]

RTCP_SR = 200
RTCP_RR = 201

_HEADER = struct.Struct("!BBH")
_SSRC = struct.Struct("!I")
_SENDER_INFO = struct.Struct("!IQIII")  # SSRC, NTP, RTP timestamp, packets, octets
_BLOCK = struct.Struct("!IIIIII")
_NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01


def ntp_timestamp(unix_seconds: float) -> int:
    """The 64-bit NTP timestamp (RFC 3550 §4) of a Unix time."""
    return int((unix_seconds + _NTP_EPOCH_OFFSET) * (1 << 32)) & 0xFFFFFFFFFFFFFFFF


@dataclass(frozen=True, slots=True)
class ReportBlock:
    """Reception statistics for one source (RFC 3550 §6.4.1).

    ``fraction_lost`` is the 8-bit fixed-point fraction; ``cumulative_lost`` is signed
    (duplicates can make it negative); ``jitter`` is in timestamp units; ``lsr`` and
    ``dlsr`` are the middle 32 bits of the last SR's NTP time and the delay since it,
    in units of 1/65536 s.
    """

    ssrc: int
    fraction_lost: int = 0
    cumulative_lost: int = 0
    highest_sequence: int = 0
    jitter: int = 0
    lsr: int = 0
    dlsr: int = 0

    @classmethod
    def parse(cls, data: bytes, offset: int = 0) -> ReportBlock:
        """Parse the 24-byte block at ``offset``."""
        ssrc, lost, highest, jitter, lsr, dlsr = _BLOCK.unpack_from(data, offset)
        cumulative = lost & 0xFFFFFF
        if cumulative & 0x800000:
            cumulative -= 0x1000000
        return cls(ssrc, lost >> 24, cumulative, highest, jitter, lsr, dlsr)

    def __bytes__(self) -> bytes:
        if not 0 <= self.fraction_lost <= 0xFF:
            raise ValueError(f"fraction lost {self.fraction_lost} is outside 0..255")
        cumulative = max(-0x800000, min(0x7FFFFF, self.cumulative_lost)) & 0xFFFFFF
        return _BLOCK.pack(
            self.ssrc,
            self.fraction_lost << 24 | cumulative,
            self.highest_sequence,
            self.jitter,
            self.lsr,
            self.dlsr,
        )


def _header(packet_type: int, count: int, body_size: int) -> bytes:
    if count > 31:
        raise ValueError(f"{count} report blocks, at most 31 fit")
    return _HEADER.pack(0x80 | count, packet_type, body_size // 4)


def _blocks(data: bytes, offset: int, count: int) -> tuple[ReportBlock, ...]:
    return tuple(ReportBlock.parse(data, offset + 24 * i) for i in range(count))


@dataclass(frozen=True, slots=True)
class SenderReport:
    """An SR: the sender's clocks and counts, and its reception reports."""

    ssrc: int
    ntp_timestamp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    reports: tuple[ReportBlock, ...] = ()

    def __bytes__(self) -> bytes:
        body = _SENDER_INFO.pack(
            self.ssrc, self.ntp_timestamp, self.rtp_timestamp, self.packet_count, self.octet_count
        ) + b"".join(bytes(block) for block in self.reports)
        return _header(RTCP_SR, len(self.reports), len(body)) + body


@dataclass(frozen=True, slots=True)
class ReceiverReport:
    """An RR: reception reports from a party that is not sending."""

    ssrc: int
    reports: tuple[ReportBlock, ...] = ()

    def __bytes__(self) -> bytes:
        body = _SSRC.pack(self.ssrc) + b"".join(bytes(block) for block in self.reports)
        return _header(RTCP_RR, len(self.reports), len(body)) + body


@dataclass(frozen=True, slots=True)
class RtcpPacket:
    """Any other RTCP packet: its type, the 5-bit count field and its raw body."""

    packet_type: int
    count: int
    body: bytes

    def __bytes__(self) -> bytes:
        if len(self.body) % 4:
            raise ValueError("an RTCP body is a whole number of 32-bit words")
        return _header(self.packet_type, self.count, len(self.body)) + self.body


def parse_rtcp(data: bytes) -> list[SenderReport | ReceiverReport | RtcpPacket]:
    """Parse a (compound) RTCP datagram into its packets, in order."""
    packets: list[SenderReport | ReceiverReport | RtcpPacket] = []
    offset = 0
    size = len(data)
    if size < 4:
        raise RtpError(f"RTCP datagram of {size} bytes, need at least 4")
    while offset < size:
        if offset + 4 > size:
            raise RtpError(f"{size - offset} stray bytes after the RTCP packet at {offset}")
        b0, packet_type, words = _HEADER.unpack_from(data, offset)
        if b0 >> 6 != 2:
            raise RtpError(f"RTCP version {b0 >> 6} at byte {offset}, expected 2")
        end = offset + 4 * (words + 1)
        if end > size:
            raise RtpError(
                f"RTCP packet at byte {offset} claims {4 * (words + 1)} bytes, "
                f"{size - offset} remain"
            )
        body_end = end
        if b0 & 0x20:
            padding = data[end - 1]
            if padding == 0 or padding > end - offset - 4:
                raise RtpError(f"bad RTCP padding count {padding} at byte {offset}")
            body_end = end - padding
        count = b0 & 0x1F
        body = offset + 4
        if packet_type == RTCP_SR:
            needed = body + _SENDER_INFO.size + 24 * count
            if needed > body_end:
                raise RtpError(f"SR with {count} report blocks needs {needed - offset} bytes")
            ssrc, ntp, rtp_ts, packets_sent, octets = _SENDER_INFO.unpack_from(data, body)
            packets.append(
                SenderReport(
                    ssrc,
                    ntp,
                    rtp_ts,
                    packets_sent,
                    octets,
                    _blocks(data, body + _SENDER_INFO.size, count),
                )
            )
        elif packet_type == RTCP_RR:
            needed = body + 4 + 24 * count
            if needed > body_end:
                raise RtpError(f"RR with {count} report blocks needs {needed - offset} bytes")
            (ssrc,) = _SSRC.unpack_from(data, body)
            packets.append(ReceiverReport(ssrc, _blocks(data, body + 4, count)))
        else:
            packets.append(RtcpPacket(packet_type, count, data[body:body_end]))
        offset = end
    return packets
