"""The jitter buffer: order, loss, duplicates, late packets, wrap-around, resync."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from callcenter.rtp.jitter import JitterBuffer

TICK = 0.02


def frame(seq: int) -> bytes:
    return seq.to_bytes(2, "big")


class Stream:
    """A sender of 20 ms packets: seq n has timestamp 160·n and is due at n·20 ms."""

    def __init__(self, buffer: JitterBuffer, base_seq: int = 0, ssrc: int = 0x5EED) -> None:
        self.buffer = buffer
        self.base_seq = base_seq
        self.ssrc = ssrc

    def send(self, n: int, *, delay: float = 0.0, marker: bool = False, ts_gap: int = 0) -> bool:
        seq = (self.base_seq + n) & 0xFFFF
        return self.buffer.push(
            seq,
            (160 * n + ts_gap) & 0xFFFFFFFF,
            frame(seq),
            n * TICK + delay,
            marker=marker,
            ssrc=self.ssrc,
        )


def play(buffer: JitterBuffer, ticks: int) -> list[int | None]:
    out: list[int | None] = []
    for _ in range(ticks):
        payload = buffer.pop()
        out.append(None if payload is None else int.from_bytes(payload, "big"))
    return out


def test_prefill_then_in_order() -> None:
    buffer = JitterBuffer(depth=3)
    stream = Stream(buffer)
    stream.send(0)
    stream.send(1)
    assert play(buffer, 1) == [None]  # still prefilling
    assert not buffer.playing
    stream.send(2)
    assert play(buffer, 1) == [0]
    for n in range(3, 6):
        stream.send(n)
    assert play(buffer, 5) == [1, 2, 3, 4, 5]
    assert buffer.stats.played == 6
    assert buffer.stats.lost == 0


def test_reordering_within_the_depth() -> None:
    buffer = JitterBuffer(depth=3)
    stream = Stream(buffer)
    for n in (0, 2, 1, 3, 5, 4):
        assert stream.send(n)
    assert play(buffer, 6) == [0, 1, 2, 3, 4, 5]
    assert buffer.stats.reordered == 2


def test_a_lost_packet_yields_a_missing_frame() -> None:
    buffer = JitterBuffer(depth=2)
    stream = Stream(buffer)
    for n in (0, 1, 3, 4):
        stream.send(n)
    assert play(buffer, 4) == [0, 1, None, 3]
    assert buffer.stats.lost == 1


def test_duplicates_are_dropped_before_and_after_playing() -> None:
    buffer = JitterBuffer(depth=2)
    stream = Stream(buffer)
    stream.send(0)
    assert not stream.send(0)
    stream.send(1)
    assert play(buffer, 1) == [0]
    assert not stream.send(0)
    assert buffer.stats.duplicates == 2
    assert buffer.stats.late == 0
    assert play(buffer, 1) == [1]


def test_a_late_packet_is_dropped_and_counted() -> None:
    buffer = JitterBuffer(depth=2)
    stream = Stream(buffer)
    for n in (0, 2, 3):
        stream.send(n)
    assert play(buffer, 2) == [0, None]  # 1's turn came and went
    assert not stream.send(1, delay=0.1)
    assert buffer.stats.late == 1
    assert buffer.stats.lost == 1
    assert play(buffer, 2) == [2, 3]


def test_sequence_numbers_wrap_at_65535() -> None:
    buffer = JitterBuffer(depth=3)
    stream = Stream(buffer, base_seq=65533)
    for n in (0, 1, 3, 2, 4, 5, 6):  # 65533, 65534, 0, 65535, 1, 2, 3
        stream.send(n)
    assert play(buffer, 7) == [65533, 65534, 65535, 0, 1, 2, 3]
    assert buffer.stats.lost == buffer.stats.late == buffer.stats.resyncs == 0
    assert not stream.send(2)  # 65535 again, after the wrap
    assert buffer.stats.duplicates == 1


def test_underrun_waits_for_a_new_prefill_and_keeps_its_place() -> None:
    buffer = JitterBuffer(depth=2)
    stream = Stream(buffer)
    stream.send(0)
    stream.send(1)
    assert play(buffer, 3) == [0, 1, None]
    assert buffer.stats.underruns == 1
    assert buffer.stats.lost == 0
    stream.send(2, delay=0.1)  # late in time, but nothing after it was played: not late
    assert play(buffer, 1) == [None]
    stream.send(3, delay=0.1)
    assert play(buffer, 2) == [2, 3]


def test_numbers_skipped_during_an_underrun_count_as_lost() -> None:
    buffer = JitterBuffer(depth=2)
    stream = Stream(buffer)
    stream.send(0)
    stream.send(1)
    assert play(buffer, 3) == [0, 1, None]
    stream.send(5)
    stream.send(6)
    assert play(buffer, 2) == [5, 6]
    assert buffer.stats.lost == 3


def test_silence_suppression_needs_no_resync() -> None:
    buffer = JitterBuffer(depth=2)
    stream = Stream(buffer)
    stream.send(0)
    stream.send(1)
    assert play(buffer, 2) == [0, 1]
    # Two seconds of silence: the sender stops, the ticks go on.
    assert play(buffer, 100) == [None] * 100
    assert buffer.stats.underruns == 1
    # The next talkspurt keeps numbering; its timestamp jumps and it carries the marker.
    stream.send(2, delay=2.0, marker=True, ts_gap=16000)
    assert play(buffer, 1) == [None]  # a fresh prefill
    stream.send(3, delay=2.0, ts_gap=16000)
    assert play(buffer, 2) == [2, 3]
    assert buffer.stats.resyncs == 0
    assert buffer.stats.lost == 0


def test_a_new_ssrc_resynchronises() -> None:
    buffer = JitterBuffer(depth=2)
    old = Stream(buffer, base_seq=100)
    for n in range(3):
        old.send(n)
    assert play(buffer, 1) == [100]
    new = Stream(buffer, base_seq=40000, ssrc=0xBEEF)
    new.send(0)
    new.send(1)
    assert play(buffer, 2) == [40000, 40001]
    assert buffer.stats.resyncs == 1
    assert buffer.stats.flushed == 2


def test_a_sequence_jump_resyncs_on_the_marker_bit() -> None:
    buffer = JitterBuffer(depth=1)
    stream = Stream(buffer)
    stream.send(0)
    assert play(buffer, 1) == [0]
    stream.base_seq = 20000  # same SSRC, restarted numbering (a re-INVITE, say)
    assert stream.send(1, marker=True)
    assert play(buffer, 1) == [20001]
    assert buffer.stats.resyncs == 1


def test_a_sequence_jump_without_marker_needs_a_second_packet() -> None:
    buffer = JitterBuffer(depth=1)
    stream = Stream(buffer)
    stream.send(0)
    assert play(buffer, 1) == [0]
    stream.base_seq = 20000
    assert not stream.send(1)  # a stray: dropped
    assert buffer.stats.discarded == 1
    assert stream.send(2)  # confirmed: a new stream
    assert play(buffer, 1) == [20002]
    assert buffer.stats.resyncs == 1


def test_overflow_drops_the_oldest() -> None:
    buffer = JitterBuffer(depth=2, max_depth=4)
    stream = Stream(buffer)
    for n in range(6):
        stream.send(n)
    assert buffer.buffered == 4
    assert buffer.stats.overflow == 2
    assert play(buffer, 4) == [2, 3, 4, 5]


def test_overflow_while_playing_moves_playout_on() -> None:
    buffer = JitterBuffer(depth=1, max_depth=3)
    stream = Stream(buffer)
    stream.send(0)
    assert play(buffer, 1) == [0]
    for n in (2, 3, 4, 5):  # 1 never comes, and the sender runs ahead
        stream.send(n)
    assert play(buffer, 3) == [3, 4, 5]
    assert buffer.stats.overflow == 1
    assert buffer.stats.lost == 1


def test_interarrival_jitter() -> None:
    steady = JitterBuffer()
    stream = Stream(steady)
    for n in range(50):
        stream.send(n)
    assert steady.stats.jitter < 1e-6
    shaky = JitterBuffer(max_depth=100)
    stream = Stream(shaky)
    for n in range(200):
        stream.send(n, delay=0.005 if n % 2 else 0.0)
    # Every transit difference is 5 ms = 40 samples; the estimate converges to it.
    assert abs(shaky.stats.jitter - 40) < 1


def test_reset_keeps_statistics() -> None:
    buffer = JitterBuffer(depth=1)
    stream = Stream(buffer)
    stream.send(0)
    buffer.reset()
    assert buffer.buffered == 0
    assert buffer.stats.received == 1
    assert buffer.stats.flushed == 1


@given(
    base=st.integers(0, 0xFFFF),
    count=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_arrival_order_plays_in_order(base: int, count: int, seed: int) -> None:
    """Whatever the order and duplication before playout, playout is the sequence."""
    rng = random.Random(seed)
    arrivals = list(range(count)) + [rng.randrange(count) for _ in range(count // 3)]
    rng.shuffle(arrivals)
    buffer = JitterBuffer(depth=count, max_depth=count)
    stream = Stream(buffer, base_seq=base)
    for n in arrivals:
        stream.send(n)
    assert play(buffer, count) == [(base + n) & 0xFFFF for n in range(count)]
    assert buffer.stats.duplicates == len(arrivals) - count
    assert buffer.stats.lost == buffer.stats.late == buffer.stats.resyncs == 0
