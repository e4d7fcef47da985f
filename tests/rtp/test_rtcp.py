"""RTCP sender and receiver reports (RFC 3550 §6.4)."""

from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.rtp.packet import RtpError
from callcenter.rtp.rtcp import (
    ReceiverReport,
    ReportBlock,
    RtcpPacket,
    SenderReport,
    ntp_timestamp,
    parse_rtcp,
)

BLOCK = ReportBlock(0xCAFEBABE, 25, -3, 70000, 12, 0x12345678, 65536)


def test_sender_report_wire_format() -> None:
    report = SenderReport(0xDEADBEEF, 0x0102030405060708, 160, 5, 800, (BLOCK,))
    data = bytes(report)
    assert data[:4] == bytes((0x81, 200, 0, 12))  # V=2, RC=1, SR, 13 words
    assert len(data) == 52
    assert struct.unpack_from("!I", data, 32)[0] == 25 << 24 | 0xFFFFFD
    assert parse_rtcp(data) == [report]


def test_compound_rr_and_sdes() -> None:
    sdes = RtcpPacket(202, 1, struct.pack("!I", 0xDEADBEEF) + b"\x01\x02ab\x00\x00\x00\x00")
    data = bytes(ReceiverReport(0xDEADBEEF, (BLOCK, BLOCK))) + bytes(sdes)
    assert parse_rtcp(data) == [ReceiverReport(0xDEADBEEF, (BLOCK, BLOCK)), sdes]


def test_ntp_timestamp_of_the_unix_epoch() -> None:
    assert ntp_timestamp(0.0) == 2_208_988_800 << 32
    assert ntp_timestamp(0.5) & 0xFFFFFFFF == 1 << 31


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x80\xc8", "need at least 4"),
        (b"\x40\xc9\x00\x01\x00\x00\x00\x00", "RTCP version 1"),
        (b"\x80\xc9\x00\x05\x00\x00\x00\x00", "claims 24 bytes, 8 remain"),
        (b"\x81\xc9\x00\x01\x00\x00\x00\x00", "RR with 1 report blocks"),
        (b"\x80\xc8\x00\x01\x00\x00\x00\x00", "SR with 0 report blocks"),
        (bytes(ReceiverReport(1)) + b"\x80", "stray bytes"),
        (b"\xa0\xc9\x00\x01\x00\x00\x00\x09", "bad RTCP padding"),
    ],
)
def test_malformed_rtcp(data: bytes, message: str) -> None:
    with pytest.raises(RtpError, match=message):
        parse_rtcp(data)


blocks = st.builds(
    ReportBlock,
    ssrc=st.integers(0, 0xFFFFFFFF),
    fraction_lost=st.integers(0, 255),
    cumulative_lost=st.integers(-0x800000, 0x7FFFFF),
    highest_sequence=st.integers(0, 0xFFFFFFFF),
    jitter=st.integers(0, 0xFFFFFFFF),
    lsr=st.integers(0, 0xFFFFFFFF),
    dlsr=st.integers(0, 0xFFFFFFFF),
)


@given(st.integers(0, 0xFFFFFFFF), st.lists(blocks, max_size=31).map(tuple))
def test_report_round_trip(ssrc: int, reports: tuple[ReportBlock, ...]) -> None:
    sr = SenderReport(ssrc, ssrc << 20, ssrc, 1, 2, reports)
    rr = ReceiverReport(ssrc, reports)
    assert parse_rtcp(bytes(sr) + bytes(rr)) == [sr, rr]


@given(st.binary(max_size=80))
def test_parse_of_random_bytes_raises_only_rtp_error(data: bytes) -> None:
    with contextlib.suppress(RtpError):
        parse_rtcp(data)
