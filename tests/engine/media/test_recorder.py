"""Call recording: stereo layout, placement on one timeline (gaps, loss, reordering,
jumps), chunked writing, closing, and recovery after a crash."""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from callcenter.engine.media import PART_SUFFIX, Recorder, Relay, recover_recordings
from callcenter.rtp.g711 import alaw_encode, ulaw_decode
from callcenter.rtp.packet import RtpPacket
from callcenter.rtp.wav import WavError, read_wav
from tests.engine.media.peers import (
    AGENT,
    CALLER,
    Peer,
    connected,
    media_engine,
    pace,
    run,
    tone_frames,
)
from tests.engine.media.peers import samples as pcm_samples
from tests.rtp._audio import goertzel_power

START = 5000.0
WALL = 1_800_000_000.0
SILENT = 0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class CountingExecutor(Executor):
    """One writer thread that counts the jobs it is given."""

    def __init__(self) -> None:
        self.inner = ThreadPoolExecutor(max_workers=1)
        self.jobs = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.jobs += 1
        return self.inner.submit(fn, *args, **kwargs)

    def drain(self) -> None:
        self.inner.submit(lambda: None).result()

    def shutdown(self, wait: bool = True, **kwargs: Any) -> None:
        self.inner.shutdown(wait)


def code(k: int) -> int:
    """The µ-law byte that marks frame ``k`` (never the silence byte 0xFF)."""
    return 0x10 + k % 100


def level(k: int) -> int:
    """The linear value a frame of ``code(k)`` decodes to."""
    return pcm_samples(ulaw_decode(bytes([code(k)])))[0]


class Stream:
    """One side's packets: frame k has timestamp base + 160·k and is filled with code(k)."""

    def __init__(self, side: int, ssrc: int, ts: int, seq: int = 1000) -> None:
        self.side = side
        self.ssrc = ssrc
        self.ts = ts
        self.seq = seq

    def packet(self, k: int, *, marker: bool = False) -> bytes:
        payload = bytes([code(k)]) * 160
        seq = (self.seq + k) & 0xFFFF
        ts = (self.ts + 160 * k) & 0xFFFFFFFF
        return bytes(RtpPacket(0, seq, ts, self.ssrc, payload, marker))


def feed_all(
    recorder: Recorder, clock: Clock, events: list[tuple[float, int, bytes]], pt: int = 0
) -> None:
    """Feed (arrival offset, side, packet) in arrival order, moving the clock along."""
    for offset, side, packet in sorted(events, key=lambda e: e[0]):
        clock.now = START + offset
        recorder.feed(side, packet, pt, clock.now)


def channels(path: Path) -> tuple[list[int], list[int]]:
    audio = read_wav(path)  # strict: the header must be right
    assert (audio.channels, audio.sample_rate) == (2, 8000)
    return pcm_samples(audio.channel(0)), pcm_samples(audio.channel(1))


def expect_frames(channel: list[int], at: dict[int, int]) -> None:
    """``at`` maps sample position -> frame index: 160 samples of level(k) there."""
    for position, k in at.items():
        assert channel[position : position + 160] == [level(k)] * 160, (position, k)


def test_stereo_caller_left_callee_right_on_one_timeline_with_silence_suppression(
    tmp_path: Path,
) -> None:
    clock = Clock()
    recorder = Recorder(tmp_path / "call.wav", clock=clock, wall=lambda: WALL)
    caller = Stream(0, 0x11111111, ts=4_294_960_000)  # wraps around during the call
    callee = Stream(1, 0x22222222, ts=77)
    rng = random.Random(7)
    events = [(0.02 * (k + 1), 0, caller.packet(k)) for k in range(50)]
    # the callee answers 0.5 s in, talks 0.2 s, is silent 0.4 s (no packets: silence
    # suppression, the timestamp runs on), then talks again; jitter on all but the first
    spoken = [*range(10), *range(30, 50)]
    for j in spoken:
        jitter = 0.0 if j == 0 else rng.uniform(0.0, 0.015)
        events.append((0.5 + 0.02 * (j + 1) + jitter, 1, callee.packet(j, marker=j in (0, 30))))
    feed_all(recorder, clock, events)
    clock.now = START + 1.6
    info = recorder.close()

    assert info.path == tmp_path / "call.wav"
    assert not (tmp_path / ("call.wav" + PART_SUFFIX)).exists()
    assert info.duration == pytest.approx(1.6)
    assert info.size == info.path.stat().st_size == 44 + 12800 * 4
    assert info.started_at == WALL
    left, right = channels(info.path)
    assert len(left) == len(right) == 12800
    expect_frames(left, {160 * k: k for k in range(50)})
    assert set(left[8000:]) == {SILENT}
    assert set(right[:4000]) == {SILENT}
    expect_frames(right, {4000 + 160 * j: j for j in spoken})
    assert set(right[4000 + 1600 : 4000 + 4800]) == {SILENT}  # the suppressed 0.4 s
    assert set(right[4000 + 8000 :]) == {SILENT}
    assert recorder.stats.resyncs == 0


def test_loss_is_silence_in_place_and_reordering_within_the_window_is_undone(
    tmp_path: Path,
) -> None:
    clock = Clock()
    recorder = Recorder(tmp_path / "call.wav", clock=clock, window=0.3, chunk=0.1)
    caller = Stream(0, 1, ts=1000)
    lost = {5, 7}
    events = [(0.02 * (k + 1), 0, caller.packet(k)) for k in range(30) if k not in lost]
    events = [e for e in events if e[2] != caller.packet(12)]
    events.append((0.02 * 14 + 0.005, 0, caller.packet(12)))  # after 13: reordered
    events.append((0.02 * 21 + 0.4, 0, caller.packet(20)))  # a duplicate, too late
    feed_all(recorder, clock, events)
    clock.now = START + 0.6
    left, _ = channels(recorder.close().path)
    expect_frames(left, {160 * k: k for k in range(30) if k not in lost})
    for k in lost:
        assert set(left[160 * k : 160 * (k + 1)]) == {SILENT}
    assert recorder.stats.late == 1


def test_a_new_ssrc_and_a_timestamp_jump_are_placed_by_arrival(tmp_path: Path) -> None:
    clock = Clock()
    recorder = Recorder(tmp_path / "call.wav", clock=clock)
    first = Stream(0, 1, ts=1000)
    events = [(0.02 * (k + 1), 0, first.packet(k)) for k in range(5)]
    # at 0.3 s a different phone (a transfer behind a gateway): new SSRC and timestamps
    second = Stream(0, 2, ts=900_000)
    events += [(0.3 + 0.02 * (k + 1), 0, second.packet(k)) for k in range(5)]
    # at 0.6 s the same SSRC jumps 20 s ahead (a broken sender): re-anchored at arrival
    jumped = Stream(0, 2, ts=900_000 + 160_000)
    events += [(0.6 + 0.02 * (k + 1), 0, jumped.packet(k)) for k in range(5)]
    feed_all(recorder, clock, events)
    clock.now = START + 1.0
    left, _ = channels(recorder.close().path)
    expect_frames(left, {160 * k: k for k in range(5)})
    expect_frames(left, {2400 + 160 * k: k for k in range(5)})
    expect_frames(left, {4800 + 160 * k: k for k in range(5)})
    assert set(left[800:2400]) == set(left[3200:4800]) == set(left[5600:]) == {SILENT}
    assert recorder.stats.resyncs == 1


def test_a_stall_burst_is_placed_by_timestamp_not_by_arrival(tmp_path: Path) -> None:
    clock = Clock()
    recorder = Recorder(tmp_path / "call.wav", clock=clock, resync=0.5)
    caller = Stream(0, 1, ts=1000)
    events = [(0.02 * (k + 1), 0, caller.packet(k)) for k in range(10)]
    # the loop stalls for 0.8 s: frames 10..49 arrive in one burst, then on time again
    events += [(1.0 + 0.0001 * k, 0, caller.packet(k)) for k in range(10, 50)]
    events += [(0.02 * (k + 1), 0, caller.packet(k)) for k in range(50, 80)]
    feed_all(recorder, clock, events)
    clock.now = START + 2.0
    left, _ = channels(recorder.close().path)
    expect_frames(left, {160 * k: k for k in range(80)})
    assert recorder.stats.resyncs == 0


def test_pcma_sides_are_decoded(tmp_path: Path) -> None:
    clock = Clock()
    recorder = Recorder(tmp_path / "call.wav", clock=clock)
    frames = list(tone_frames(1000, 10, -6.0))
    for k, frame in enumerate(frames):
        clock.now = START + 0.02 * (k + 1)
        packet = bytes(RtpPacket(8, k, 160 * k, 9, alaw_encode(frame)))
        recorder.feed(1, packet, 8, clock.now)
    clock.now = START + 0.2
    _, right = channels(recorder.close().path)
    original = pcm_samples(b"".join(frames))
    assert max(abs(a - b) for a, b in zip(right, original, strict=True)) < 1100
    assert goertzel_power(b"".join(frames), 1000) > 0


def test_the_file_is_written_in_chunks_off_the_loop_not_per_packet(tmp_path: Path) -> None:
    clock = Clock()
    executor = CountingExecutor()
    recorder = Recorder(tmp_path / "call.wav", clock=clock, executor=executor)
    caller, callee = Stream(0, 1, ts=0), Stream(1, 2, ts=0)
    events = [(0.02 * (k + 1), 0, caller.packet(k)) for k in range(250)]
    events += [(0.02 * (k + 1) + 0.001, 1, callee.packet(k)) for k in range(250)]
    feed_all(recorder, clock, events[:10] + events[250:260])
    executor.drain()
    assert executor.jobs == 0
    assert recorder.part_path.stat().st_size == 44  # the header, nothing else yet
    feed_all(recorder, clock, events[10:250] + events[260:])
    assert 4 <= executor.jobs <= 6  # about one a second for 5 s, for 500 packets
    executor.drain()
    written = recorder.part_path.stat().st_size
    assert 44 + 4 * 8000 * 4 <= written < 44 + 5 * 8000 * 4
    assert read_wav(recorder.part_path).duration >= 4.0  # the header is kept valid
    clock.now = START + 5.02
    info = recorder.close()
    assert info.duration == pytest.approx(5.02)
    executor.shutdown()


def test_recover_recordings_repairs_what_a_crash_left(tmp_path: Path) -> None:
    clock = Clock()
    executor = CountingExecutor()
    path = tmp_path / "2026" / "11" / "22" / "call-1.wav"
    recorder = Recorder(path, clock=clock, executor=executor)
    caller = Stream(0, 1, ts=0)
    feed_all(recorder, clock, [(0.02 * (k + 1), 0, caller.packet(k)) for k in range(150)])
    executor.drain()
    part = path.with_name(path.name + PART_SUFFIX)
    # the switch died in the middle of a write: the header is stale, the last sample cut
    size = part.stat().st_size
    with open(part, "r+b") as file:
        file.truncate(size - 3)
    with pytest.raises(WavError):
        read_wav(part)
    junk = tmp_path / "2026" / "junk.wav.part"
    junk.write_bytes(b"RIFF\x00\x00")  # died before the header was out: left alone

    [info] = recover_recordings(tmp_path)

    assert info.path == path
    assert not part.exists()
    assert junk.exists()
    data_frames = (size - 3 - 44) // 4
    assert info.duration == pytest.approx(data_frames / 8000)
    assert info.size == path.stat().st_size == 44 + data_frames * 4
    assert info.started_at <= path.stat().st_mtime
    left, right = channels(path)
    expect_frames(left, {160 * k: k for k in range(data_frames // 160)})
    assert set(right) == {SILENT}
    assert recover_recordings(tmp_path) == []
    executor.shutdown()


def test_a_relayed_call_is_recorded_caller_left_callee_right(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller)
            b = await connected(engine, agent)
            recorder = Recorder(tmp_path / "2026" / "11" / "22" / "call.wav")
            relay = Relay(a, b, recorder)
            relay.start()
            voice = list(tone_frames(400, 25))
            answer = list(tone_frames(1000, 25))
            codec = a.format.codec if a.format else None
            assert codec is not None
            await asyncio.gather(
                pace([caller.packet(codec.encode(f)) for f in voice], lambda d: caller.send(d, a)),
                pace([agent.packet(codec.encode(f)) for f in answer], lambda d: agent.send(d, b)),
            )
            await agent.wait_for(25)
            await caller.wait_for(25)
            relay.stop()
            info = await recorder.aclose()
            audio = read_wav(info.path)
            left, right = audio.channel(0), audio.channel(1)
            assert len(left) == len(right) >= 2 * 20 * 160
            assert goertzel_power(left, 400) > 100 * goertzel_power(left, 1000)
            assert goertzel_power(right, 1000) > 100 * goertzel_power(right, 400)

    run(scenario)
