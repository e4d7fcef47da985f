"""Outbound stream numbering: one SSRC, continuous sequence numbers and forward-moving
timestamps while relayed sources, local frames and inserted events take turns."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callcenter.rtp.packet import seq_diff, ts_diff
from callcenter.rtp.stream import LOCAL, NO_SOURCE, OutboundStream

CALLER_PHONE = 0xC0FFEE01
SECOND_PHONE = 0xC0FFEE02


def test_a_relayed_source_keeps_its_spacing_under_our_numbers() -> None:
    out = OutboundStream(ssrc=0xABCD, seq=500, ts=9000)
    first = out.relay(CALLER_PHONE, 60000, 1_000_000, now=10.0)
    assert first == (500, 9000, True)
    # loss (60001 missing), reordering, a silence-suppression jump
    assert out.relay(CALLER_PHONE, 60002, 1_000_320, now=10.04) == (502, 9320, False)
    assert out.relay(CALLER_PHONE, 60001, 1_000_160, now=10.05) == (501, 9160, False)
    assert out.seq == 502  # the newest stays the reference
    assert out.relay(CALLER_PHONE, 60003, 1_008_000, now=11.0) == (503, 17000, False)


def test_sequence_and_timestamp_wrap() -> None:
    out = OutboundStream(ssrc=1, seq=65535, ts=0xFFFFFFC0)
    assert out.relay(CALLER_PHONE, 10, 10, now=0.0) == (65535, 0xFFFFFFC0, True)
    assert out.relay(CALLER_PHONE, 11, 170, now=0.02) == (0, 0x00000060, False)


def test_a_new_source_continues_from_where_the_stream_clock_is() -> None:
    out = OutboundStream(ssrc=1, seq=100, ts=0)
    for k in range(3):
        out.relay(CALLER_PHONE, 7 + k, 5000 + 160 * k, now=1.0 + 0.02 * k)
    # 1 s after the source started, a second phone takes over (a transfer)
    seq, ts, marker = out.relay(SECOND_PHONE, 40000, 123, now=2.0)
    assert (seq, ts, marker) == (103, 8000, True)
    assert out.relay(SECOND_PHONE, 40001, 283, now=2.02) == (104, 8160, False)


def test_local_frames_follow_each_other_and_hand_back_to_the_relay() -> None:
    out = OutboundStream(ssrc=1, seq=0, ts=1000)
    out.relay(CALLER_PHONE, 50, 50, now=5.0)
    frames = [out.next_local(160, now=5.5 + 0.02 * k) for k in range(3)]
    assert frames == [(1, 1000 + 4000, True), (2, 5160, False), (3, 5320, False)]
    assert out.source == LOCAL
    assert out.relay(CALLER_PHONE, 51, 210, now=6.0) == (4, 5000 + 4000, True)


def test_a_source_change_right_after_a_packet_still_moves_time_forward() -> None:
    out = OutboundStream(ssrc=1, seq=0, ts=0)
    out.relay(CALLER_PHONE, 1, 1, now=1.0)
    out.relay(CALLER_PHONE, 2, 161, now=1.02)
    seq, ts, _ = out.relay(SECOND_PHONE, 9, 9, now=1.021)
    assert (seq, ts) == (2, 320)  # at least one packet after the last one


def test_inserted_events_take_numbers_without_colliding_with_relayed_ones() -> None:
    out = OutboundStream(ssrc=1, seq=10, ts=0)
    out.relay(CALLER_PHONE, 100, 0, now=0.0)
    assert out.insert_seq() == 11
    assert out.insert_seq() == 12
    assert out.relay(CALLER_PHONE, 101, 160, now=0.02) == (13, 160, False)


def test_interrupt_forces_a_new_mapping() -> None:
    out = OutboundStream(ssrc=1, seq=0, ts=0)
    out.relay(CALLER_PHONE, 1, 1, now=0.0)
    out.interrupt()
    assert out.source == NO_SOURCE
    assert out.relay(CALLER_PHONE, 2, 161, now=0.5)[2] is True


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["caller", "second", "local", "event"]),
            st.floats(0.0, 0.5),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_any_sequence_of_sources_gives_consecutive_numbers_and_forward_time(
    steps: list[tuple[str, float]],
) -> None:
    out = OutboundStream(ssrc=7, seq=65530, ts=0xFFFFF000)
    now = 100.0
    sources = {"caller": [CALLER_PHONE, 9, 77], "second": [SECOND_PHONE, 60000, 5]}
    last_seq: int | None = None
    last_audio_ts: int | None = None
    for kind, pause in steps:
        now += 0.02 + pause
        if kind == "event":
            seq = out.insert_seq()
            ts = None
        elif kind == "local":
            seq, ts, _ = out.next_local(160, now)
        else:
            source = sources[kind]
            source[1] = (source[1] + 1) & 0xFFFF
            source[2] = (source[2] + 160 + round(pause * 8000)) & 0xFFFFFFFF
            seq, ts, _ = out.relay(source[0], source[1], source[2], now)
        if last_seq is not None:
            assert seq_diff(last_seq, seq) == 1
        if ts is not None:
            if last_audio_ts is not None:
                assert ts_diff(last_audio_ts, ts) >= 160
            last_audio_ts = ts
        last_seq = seq
