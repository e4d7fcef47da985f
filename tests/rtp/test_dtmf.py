"""RFC 4733 telephone-events: payload, the sender's packets, and detection exactly once."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.rtp.dtmf import (
    EVENT_CODES,
    FLASH,
    DtmfError,
    DtmfEvent,
    DtmfPhase,
    DtmfReceiver,
    ScheduledPacket,
    TelephoneEvent,
    digit_to_event,
    dtmf_packets,
    event_to_digit,
)
from callcenter.rtp.packet import RtpPacket

BEGIN, END = DtmfPhase.BEGIN, DtmfPhase.END


def press(
    digit: str, timestamp: int, sequence: int = 100, duration_ms: int = 100
) -> list[RtpPacket]:
    return [
        scheduled.packet
        for scheduled in dtmf_packets(
            digit, duration_ms, ssrc=0x1234, sequence=sequence, timestamp=timestamp
        )
    ]


def feed(receiver: DtmfReceiver, packets: list[RtpPacket], now: float = 0.0) -> list[DtmfEvent]:
    events: list[DtmfEvent] = []
    for packet in packets:
        events += receiver.receive(packet.sequence, packet.timestamp, packet.payload, now)
    return events


def summary(events: list[DtmfEvent]) -> list[tuple[str, str, bool]]:
    return [(e.phase.value, e.digit, e.complete) for e in events]


# -- payload ------------------------------------------------------------------------------


def test_event_payload_wire_format() -> None:
    event = TelephoneEvent.parse(bytes.fromhex("058a0320"))
    assert event == TelephoneEvent(5, end=True, volume=10, duration=800)
    assert event.digit == "5"
    assert bytes(event) == bytes.fromhex("058a0320")
    # The reserved bit is ignored on receipt.
    assert TelephoneEvent.parse(bytes.fromhex("0b4a00a0")) == TelephoneEvent(11, False, 10, 160)


@pytest.mark.parametrize("data", [b"", b"\x05\x8a\x03", b"\x05\x8a\x03\x20\x00"])
def test_malformed_payloads(data: bytes) -> None:
    with pytest.raises(DtmfError):
        TelephoneEvent.parse(data)
    if len(data) != 4:
        with pytest.raises(DtmfError, match="multiple of 4"):
            TelephoneEvent.parse_all(data)


def test_unrepresentable_events_refuse_to_serialise() -> None:
    with pytest.raises(ValueError, match="volume"):
        bytes(TelephoneEvent(1, volume=64))
    with pytest.raises(ValueError, match="out of range"):
        bytes(TelephoneEvent(1, duration=65536))


def test_event_codes() -> None:
    assert [digit_to_event(d) for d in "0123456789*#ABCD"] == list(range(16))
    assert digit_to_event("a") == 12
    assert digit_to_event(FLASH) == 16
    assert event_to_digit(11) == "#"
    assert event_to_digit(32) is None  # a fax tone (RFC 4734), not DTMF
    assert len(EVENT_CODES) == 17
    with pytest.raises(ValueError, match="not a DTMF digit"):
        digit_to_event("E")


# -- sending ------------------------------------------------------------------------------


def test_packets_for_a_100_ms_press() -> None:
    scheduled = dtmf_packets("5", 100, ssrc=7, sequence=65534, timestamp=4000, payload_type=96)
    assert [s.at_ms for s in scheduled] == [0, 20, 40, 60, 80, 100, 120]
    packets = [s.packet for s in scheduled]
    assert [p.sequence for p in packets] == [65534, 65535, 0, 1, 2, 3, 4]
    assert {p.timestamp for p in packets} == {4000}
    assert {p.payload_type for p in packets} == {96}
    assert [p.marker for p in packets] == [True] + [False] * 6
    events = [TelephoneEvent.parse(p.payload) for p in packets]
    assert [e.duration for e in events] == [160, 320, 480, 640, 800, 800, 800]
    assert [e.end for e in events] == [False] * 4 + [True] * 3
    assert {e.event for e in events} == {5}


def test_duration_not_a_multiple_of_the_packet_time() -> None:
    events = [TelephoneEvent.parse(p.payload) for p in press("#", 0, duration_ms=50)]
    assert [(e.duration, e.end) for e in events] == [
        (160, False),
        (320, False),
        (400, True),
        (400, True),
        (400, True),
    ]


def test_sender_refuses_what_it_cannot_send() -> None:
    with pytest.raises(ValueError, match="not a DTMF digit"):
        dtmf_packets("x", ssrc=1, sequence=1, timestamp=1)
    with pytest.raises(ValueError, match="positive"):
        dtmf_packets("1", 0, ssrc=1, sequence=1, timestamp=1)
    with pytest.raises(ValueError, match=r"2\.5\.1\.3"):
        dtmf_packets("1", 9000, ssrc=1, sequence=1, timestamp=1)


# -- receiving ----------------------------------------------------------------------------


def test_generated_press_is_detected_exactly_once() -> None:
    events = feed(DtmfReceiver(), press("7", 8000))
    assert events == [
        DtmfEvent(BEGIN, "7", 7, 8000, 160, 10),
        DtmfEvent(END, "7", 7, 8000, 800, 10),
    ]


def test_lost_first_packet() -> None:
    events = feed(DtmfReceiver(), press("3", 0)[1:])
    assert summary(events) == [("begin", "3", True), ("end", "3", True)]
    assert events[0].duration == 320


def test_only_end_packets_arrive() -> None:
    events = feed(DtmfReceiver(), press("*", 0)[-3:])
    assert summary(events) == [("begin", "*", True), ("end", "*", True)]
    assert events[1].duration == 800


def test_duplicated_and_late_end_packets_report_nothing_more() -> None:
    receiver = DtmfReceiver()
    packets = press("9", 0)
    events = feed(receiver, packets + packets[-3:] * 3 + packets[:2])
    assert summary(events) == [("begin", "9", True), ("end", "9", True)]


def test_reordered_packets() -> None:
    packets = press("0", 0)
    packets[1], packets[4] = packets[4], packets[1]  # the first end overtakes an update
    events = feed(DtmfReceiver(), packets)
    assert summary(events) == [("begin", "0", True), ("end", "0", True)]
    assert events[1].duration == 800


def test_the_same_digit_twice_is_two_presses() -> None:
    events = feed(DtmfReceiver(), press("1", 0) + press("1", 1600, sequence=107))
    assert summary(events) == [("begin", "1", True), ("end", "1", True)] * 2


def test_lost_end_packets_end_the_press_when_the_next_begins() -> None:
    first = press("4", 0)[:3]
    second = press("2", 1600, sequence=107)
    events = feed(DtmfReceiver(), first + second)
    assert summary(events) == [
        ("begin", "4", True),
        ("end", "4", False),
        ("begin", "2", True),
        ("end", "2", True),
    ]
    assert events[1].duration == 480


def test_lost_end_packets_end_the_press_after_the_timeout() -> None:
    receiver = DtmfReceiver(timeout=0.5)
    events = feed(receiver, press("8", 0)[:2], now=10.0)
    assert summary(events) == [("begin", "8", True)]
    assert receiver.poll(10.4) == ()
    ended = receiver.poll(10.5)
    assert summary(list(ended)) == [("end", "8", False)]
    assert receiver.poll(11.0) == ()


def test_a_late_packet_of_the_previous_press_is_ignored() -> None:
    first = press("5", 0)
    second = press("6", 1600, sequence=107)
    events = feed(DtmfReceiver(), first + second[:2] + first[-1:] + second[2:])
    assert summary(events) == [
        ("begin", "5", True),
        ("end", "5", True),
        ("begin", "6", True),
        ("end", "6", True),
    ]


def test_a_restarted_source_far_back_in_time_is_a_new_press() -> None:
    receiver = DtmfReceiver()
    feed(receiver, press("1", 3_000_000_000))
    events = feed(receiver, press("2", 1000))
    assert summary(events) == [("begin", "2", True), ("end", "2", True)]


def test_packed_events_in_one_payload() -> None:
    # The end of "1" (800 samples) and the start of "2" in one packet (§2.5.1.5).
    payload = bytes(TelephoneEvent(1, True, 10, 800)) + bytes(TelephoneEvent(2, False, 10, 160))
    receiver = DtmfReceiver()
    events = list(receiver.receive(1, 0, payload))
    events += receiver.receive(2, 800, bytes(TelephoneEvent(2, True, 10, 800)))
    assert [(e.phase.value, e.digit, e.timestamp) for e in events] == [
        ("begin", "1", 0),
        ("end", "1", 0),
        ("begin", "2", 800),
        ("end", "2", 800),
    ]


def test_non_dtmf_events_are_ignored() -> None:
    receiver = DtmfReceiver()
    assert receiver.receive(1, 0, bytes(TelephoneEvent(32, True, 10, 800))) == ()


def test_flash() -> None:
    events = feed(DtmfReceiver(), press(FLASH, 0))
    assert summary(events) == [("begin", FLASH, True), ("end", FLASH, True)]


def test_reset_forgets_the_press_in_progress() -> None:
    receiver = DtmfReceiver()
    feed(receiver, press("1", 0)[:2])
    receiver.reset()
    assert receiver.poll(100.0) == ()
    assert summary(feed(receiver, press("1", 0)[-1:])) == [("begin", "1", True), ("end", "1", True)]


@settings(max_examples=60)
@given(
    digits=st.text(alphabet="0123456789*#ABCD", min_size=1, max_size=6),
    durations=st.lists(st.integers(40, 400), min_size=6, max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_each_press_is_reported_once_despite_loss_duplication_and_reordering(
    digits: str, durations: list[int], seed: int
) -> None:
    rng = random.Random(seed)
    stream: list[RtpPacket] = []
    sequence, timestamp = 65500, 0xFFFFF000  # both wrap during the test
    for digit, duration in zip(digits, durations, strict=False):
        packets: list[ScheduledPacket] = dtmf_packets(
            digit, duration, ssrc=1, sequence=sequence, timestamp=timestamp
        )
        kept = [s.packet for s in packets if rng.random() < 0.6] or [rng.choice(packets).packet]
        kept += [rng.choice(kept) for _ in range(rng.randrange(3))]  # duplicates
        rng.shuffle(kept)  # reordering within the press
        stream += kept
        sequence = (sequence + len(packets)) & 0xFFFF
        timestamp = (timestamp + 8 * (duration + 100)) & 0xFFFFFFFF
    receiver = DtmfReceiver()
    events = feed(receiver, stream, now=0.0) + list(receiver.poll(60.0))
    assert "".join(e.digit for e in events if e.phase is BEGIN) == digits
    assert "".join(e.digit for e in events if e.phase is END) == digits
