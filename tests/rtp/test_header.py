"""Byte-level header reads for the relay: payload offsets agree with the full parser."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.rtp.header import (
    HEADER,
    SEQ_TS_SSRC,
    is_rtp_version_2,
    payload_span,
)
from callcenter.rtp.packet import RtpError, RtpPacket

PHONE_PCMU = bytes.fromhex("80001234000a0000deadbeef") + b"\xff" * 160


def test_plain_packet_payload_is_everything_after_the_fixed_header() -> None:
    assert payload_span(PHONE_PCMU) == (12, 172)
    assert is_rtp_version_2(PHONE_PCMU)
    assert HEADER.unpack_from(PHONE_PCMU) == (0x80, 0, 0x1234, 0xA0000, 0xDEADBEEF)


def test_csrc_extension_and_padding_are_skipped() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 2, 8, 7, 160, 1)
    csrc = struct.pack("!II", 11, 22)
    extension = struct.pack("!HH", 0xBEDE, 1) + b"\x10\xaa\x00\x00"
    data = header + csrc + extension + b"\xd5" * 5 + b"\x00\x00\x03"
    start, end = payload_span(data)
    assert data[start:end] == b"\xd5" * 5


def test_sequence_timestamp_and_ssrc_are_rewritten_in_place() -> None:
    packet = bytearray(PHONE_PCMU)
    SEQ_TS_SSRC.pack_into(packet, 2, 7, 8, 9)
    parsed = RtpPacket.parse(bytes(packet))
    assert (parsed.sequence, parsed.timestamp, parsed.ssrc) == (7, 8, 9)
    assert parsed.payload == PHONE_PCMU[12:]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x80\x00", "truncated"),
        (bytes([0x40]) + PHONE_PCMU[1:], "version 1"),
        (bytes([0x83]) + PHONE_PCMU[1:20], "CSRC count 3"),
        (bytes([0x90]) + PHONE_PCMU[1:12] + b"\xbe\xde", "extension header"),
        (bytes([0x90]) + PHONE_PCMU[1:12] + b"\xbe\xde\x00\x09", "extension of 9 words"),
        (bytes([0xA0]) + PHONE_PCMU[1:12] + b"\x00", "padding count 0"),
        (bytes([0xA0]) + PHONE_PCMU[1:12] + b"\x01\x09", "padding count 9"),
    ],
)
def test_malformed_headers_are_named(data: bytes, message: str) -> None:
    with pytest.raises(RtpError, match=message):
        payload_span(data)


@given(st.binary(min_size=0, max_size=80))
def test_payload_span_agrees_with_the_full_parser(data: bytes) -> None:
    try:
        packet = RtpPacket.parse(data)
    except RtpError:
        with pytest.raises(RtpError):
            payload_span(data)
        return
    start, end = payload_span(data)
    assert data[start:end] == packet.payload


@given(
    st.builds(
        RtpPacket,
        st.integers(0, 127),
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFFFFFFFF),
        st.integers(0, 0xFFFFFFFF),
        st.binary(max_size=40),
        st.booleans(),
        st.lists(st.integers(0, 0xFFFFFFFF), max_size=15).map(tuple),
        st.none() | st.integers(0, 0xFFFF),
        st.binary(max_size=12).map(lambda b: b[: len(b) // 4 * 4]),
        st.integers(0, 20),
    )
)
def test_payload_span_of_any_valid_packet(packet: RtpPacket) -> None:
    if packet.extension_profile is None:
        packet.extension = b""
    data = bytes(packet)
    start, end = payload_span(data)
    assert data[start:end] == packet.payload
