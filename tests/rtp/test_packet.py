"""RTP packets (RFC 3550 §5.1) and sequence arithmetic (App. A.1)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.rtp.packet import (
    RtpError,
    RtpPacket,
    SequenceExtender,
    seq_diff,
    seq_lt,
    ts_diff,
)

# A PCMU packet as a desk phone sends it: V=2, PT 0, seq 0x1234, ts 0x000A0000,
# SSRC 0xDEADBEEF, 160 bytes of µ-law silence.
PHONE_PCMU = bytes.fromhex("80001234000a0000deadbeef") + b"\xff" * 160
# The first packet of an RFC 4733 event: marker set, PT 101, digit 5, volume 10.
PHONE_DTMF = bytes.fromhex("80e5003200001f40cafebabe") + bytes.fromhex("050a00a0")


def test_parse_a_phone_pcmu_packet() -> None:
    packet = RtpPacket.parse(PHONE_PCMU)
    assert packet == RtpPacket(0, 0x1234, 0xA0000, 0xDEADBEEF, b"\xff" * 160)
    assert bytes(packet) == PHONE_PCMU


def test_parse_marker_and_dynamic_payload_type() -> None:
    packet = RtpPacket.parse(PHONE_DTMF)
    assert packet.marker
    assert packet.payload_type == 101
    assert packet.sequence == 0x32
    assert packet.timestamp == 8000
    assert packet.payload == bytes.fromhex("050a00a0")
    assert bytes(packet) == PHONE_DTMF


def test_csrc_extension_and_padding_round_trip() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 2, 8, 7, 160, 1)
    csrc = struct.pack("!II", 11, 22)
    extension = struct.pack("!HH", 0xBEDE, 1) + b"\x10\xaa\x00\x00"
    payload = b"\xd5" * 5
    padding = b"\x00\x00\x03"
    data = header + csrc + extension + payload + padding
    packet = RtpPacket.parse(data)
    assert packet.csrc == (11, 22)
    assert packet.extension_profile == 0xBEDE
    assert packet.extension == b"\x10\xaa\x00\x00"
    assert packet.payload == payload
    assert packet.padding == 3
    assert bytes(packet) == data


def test_empty_extension_is_kept_apart_from_no_extension() -> None:
    data = struct.pack("!BBHIIHH", 0x90, 0, 1, 2, 3, 0x1000, 0) + b"abc"
    packet = RtpPacket.parse(data)
    assert packet.extension_profile == 0x1000
    assert packet.extension == b""
    assert bytes(packet) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated RTP header: 0 bytes"),
        (PHONE_PCMU[:11], "truncated RTP header: 11 bytes"),
        (b"\x40" + PHONE_PCMU[1:], "RTP version 1"),
        (b"\x00" + PHONE_PCMU[1:], "RTP version 0"),
        (b"\x83" + PHONE_PCMU[1:12] + b"\x00" * 8, "CSRC count 3 needs 24 bytes"),
        (b"\x90" + PHONE_PCMU[1:12] + b"\xbe\xde", "extension header at byte 12"),
        (b"\x90" + PHONE_PCMU[1:12] + b"\xbe\xde\x00\x02abcd", "extension length 2 words"),
        (b"\xa0" + PHONE_PCMU[1:12] + b"ab\x00", "padding count is 0"),
        (b"\xa0" + PHONE_PCMU[1:12] + b"ab\x04", "padding count 4 is larger than the 3"),
        (b"\xa0" + PHONE_PCMU[1:12], "truncated"),
    ],
)
def test_malformed_packets_say_what_is_wrong(data: bytes, message: str) -> None:
    if message == "truncated":  # P set on a bare header: the count byte is SSRC's last
        with pytest.raises(RtpError, match="padding count"):
            RtpPacket.parse(data)
        return
    with pytest.raises(RtpError, match=message):
        RtpPacket.parse(data)


def test_padding_may_fill_the_whole_payload() -> None:
    packet = RtpPacket.parse(b"\xa0" + PHONE_PCMU[1:12] + b"\x00\x00\x00\x04")
    assert packet.payload == b""
    assert packet.padding == 4


@pytest.mark.parametrize(
    "packet",
    [
        RtpPacket(128, 1, 1, 1),
        RtpPacket(0, 65536, 1, 1),
        RtpPacket(0, 1, 1 << 32, 1),
        RtpPacket(0, 1, 1, 1, csrc=tuple(range(16))),
        RtpPacket(0, 1, 1, 1, extension_profile=1, extension=b"abc"),
        RtpPacket(0, 1, 1, 1, padding=256),
    ],
)
def test_unrepresentable_packets_refuse_to_serialise(packet: RtpPacket) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        bytes(packet)


packets = st.builds(
    RtpPacket,
    payload_type=st.integers(0, 127),
    sequence=st.integers(0, 0xFFFF),
    timestamp=st.integers(0, 0xFFFFFFFF),
    ssrc=st.integers(0, 0xFFFFFFFF),
    payload=st.binary(max_size=200),
    marker=st.booleans(),
    csrc=st.lists(st.integers(0, 0xFFFFFFFF), max_size=15).map(tuple),
    extension_profile=st.none() | st.integers(0, 0xFFFF),
    extension=st.integers(0, 4).flatmap(lambda n: st.binary(min_size=4 * n, max_size=4 * n)),
    padding=st.integers(0, 255),
)


@given(packets)
def test_packet_round_trip(packet: RtpPacket) -> None:
    if packet.extension_profile is None:
        packet.extension = b""
    assert RtpPacket.parse(bytes(packet)) == packet


@given(st.binary(max_size=120))
def test_parse_of_random_bytes_raises_only_rtp_error(data: bytes) -> None:
    try:
        packet = RtpPacket.parse(data)
    except RtpError:
        return
    assert len(bytes(packet)) == len(data)


def test_sequence_arithmetic_wraps() -> None:
    assert seq_diff(65535, 0) == 1
    assert seq_diff(0, 65535) == -1
    assert seq_diff(100, 100) == 0
    assert seq_diff(0, 32767) == 32767
    assert seq_diff(0, 32768) == -32768
    assert seq_lt(65535, 0)
    assert not seq_lt(0, 65535)
    assert not seq_lt(7, 7)
    assert ts_diff(0xFFFFFF60, 0x00000040) == 0xE0
    assert ts_diff(0x40, 0xFFFFFF60) == -0xE0


def test_sequence_extender_counts_cycles_and_places_reordered_packets() -> None:
    extender = SequenceExtender()
    got = [extender.extend(seq) for seq in (65534, 65535, 0, 65533, 1, 2)]
    assert got == [65534, 65535, 65536, 65533, 65537, 65538]
    assert extender.highest == 65538
    for _ in range(3):  # three more full cycles
        for seq in range(3, 65536, 1000):
            extender.extend(seq)
        extender.extend(2)
    assert extender.highest == 4 * 65536 + 2
    extender.reset()
    assert extender.extend(9) == 9


@given(st.integers(0, 0xFFFF), st.integers(-32768, 32767))
def test_seq_diff_inverts_addition(a: int, delta: int) -> None:
    b = (a + delta) & 0xFFFF
    assert seq_diff(a, b) == delta
    assert seq_lt(a, b) == (delta > 0)
