"""Playing to a session: pacing on an absolute schedule, stopping on a key press,
looping, WAV and tone sources; and the drift-free ticker underneath."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest

from callcenter.engine.media import Player, Ticker, frames_from_tone, frames_from_wav
from callcenter.rtp.dtmf import dtmf_packets
from callcenter.rtp.g711 import ulaw_decode
from callcenter.rtp.packet import seq_diff, ts_diff
from callcenter.rtp.tones import busy, ringback
from callcenter.rtp.wav import WavFormat, write_wav
from tests.engine.media.peers import CALLER, Peer, connected, media_engine, run, tone_frames
from tests.rtp._audio import goertzel_power


def test_a_prompt_is_paced_at_one_frame_per_20_ms_and_then_done() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            session = await connected(engine, caller)
            frames = list(tone_frames(450, 50))
            player = Player(session, frames)
            started = time.monotonic()
            player.start()
            await asyncio.wait_for(player.done, 5)
            elapsed = time.monotonic() - started
            received = await caller.wait_for(50)
            await caller.quiet(0.1)
            assert len(received) == 50
            assert player.frames_sent == 50
            assert not player.playing
            packets = [r.packet for r in received]
            assert [seq_diff(packets[0].sequence, p.sequence) for p in packets] == list(range(50))
            assert [ts_diff(packets[0].timestamp, p.timestamp) for p in packets] == [
                160 * n for n in range(50)
            ]
            assert b"".join(ulaw_decode(p.payload) for p in packets) != bytes(16000)
            # 49 intervals of 20 ms; generous bounds, only to catch a player gone wild
            spread = received[-1].at - received[0].at
            assert 0.7 < spread < 2.0
            assert 0.7 < elapsed < 3.0

    run(scenario)


class VirtualHandle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualLoop:
    """Just enough of an event loop for a Ticker, on a clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.timers: list[tuple[float, int, Callable[[], None], VirtualHandle]] = []
        self.order = itertools.count()

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], None]) -> VirtualHandle:
        handle = VirtualHandle()
        heapq.heappush(self.timers, (when, next(self.order), callback, handle))
        return handle

    def run_until(self, end: float, work: Callable[[float], float] = lambda now: 0.0) -> None:
        """Fire due timers in order; ``work(now)`` is how long each callback takes."""
        while self.timers and self.timers[0][0] <= end:
            when, _, callback, handle = heapq.heappop(self.timers)
            if handle.cancelled:
                continue
            self.now = max(self.now, when)
            callback()
            self.now += work(self.now)
        self.now = max(self.now, end)


def test_the_ticker_keeps_its_schedule_when_each_tick_takes_time() -> None:
    loop = VirtualLoop()
    fired: list[float] = []
    ticker = Ticker(loop, 0.02, lambda: fired.append(loop.now))  # type: ignore[arg-type]
    ticker.start()
    loop.run_until(100.0 + 1.0, work=lambda now: 0.006)  # every tick takes 6 ms
    assert len(fired) == 51  # ticks at 0, 20, …, 1000 ms: a clock of "20 ms after" drifts
    assert fired == [pytest.approx(100.0 + 0.02 * n) for n in range(51)]
    ticker.stop()
    loop.run_until(102.0)
    assert len(fired) == 51
    assert ticker.skipped == 0


def test_the_ticker_skips_rather_than_bursts_after_the_loop_was_blocked() -> None:
    loop = VirtualLoop()
    fired: list[float] = []
    ticker = Ticker(loop, 0.02, lambda: fired.append(loop.now), max_lag=0.05)  # type: ignore[arg-type]
    ticker.start()
    loop.run_until(100.1)
    loop.now = 100.405  # the loop was blocked for 0.3 s
    loop.run_until(100.5)
    assert fired[:6] == [pytest.approx(100.0 + 0.02 * n) for n in range(6)]
    assert fired[6] == pytest.approx(100.405)  # the one late tick
    # then back on the grid, without firing the missed ones in a burst
    assert fired[7:] == [pytest.approx(100.42 + 0.02 * n) for n in range(5)]
    assert ticker.skipped == 14


def test_a_failing_tick_stops_the_ticker() -> None:
    loop = VirtualLoop()

    def broken() -> None:
        raise RuntimeError("bug")

    ticker = Ticker(loop, 0.02, broken)  # type: ignore[arg-type]
    ticker.start()
    loop.run_until(101.0)
    assert ticker.ticks == 1
    assert not ticker.running


def test_a_key_press_stops_the_prompt() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            session = await connected(engine, caller)
            digits: list[str] = []
            session.on_dtmf = digits.append
            player = Player(session, frames_from_tone(ringback()), stop_on_dtmf=True)
            player.start()
            await caller.wait_for(5)
            for item in dtmf_packets("3", 60, ssrc=caller.ssrc, sequence=1, timestamp=1):
                caller.send(bytes(item.packet), session)
            await asyncio.wait_for(player.done, 2)
            assert player.stopped_by == "3"
            assert digits == ["3"]  # the B2BUA still hears it
            count = len(caller.received)
            await caller.quiet(0.1)
            assert len(caller.received) <= count + 1

    run(scenario)


def test_a_looped_player_repeats_until_stopped_and_stops_when_the_session_closes() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            session = await connected(engine, caller)
            frames = [bytes([0, n]) * 160 for n in (10, 20, 30)]
            player = Player(session, frames, loop_forever=True)
            player.start()
            received = await caller.wait_for(7)
            firsts = [ulaw_decode(r.packet.payload)[:2] for r in received[:7]]
            assert firsts[:3] == firsts[3:6]
            assert len(set(firsts[:3])) == 3
            session.close()
            await asyncio.wait_for(player.done, 1)
            assert player.stopped_by is None
            nothing = Player(session, [])
            nothing.start()
            await asyncio.wait_for(nothing.done, 1)

    run(scenario)


def test_frames_from_wav_converts_to_8khz_mono_frames(tmp_path: Path) -> None:
    path = tmp_path / "prompt.wav"
    # one second of 500 Hz on the left and 1500 Hz on the right, at 16 kHz
    stereo = array(
        "h",
        (
            round(8000 * math.sin(2 * math.pi * (500 if channel == 0 else 1500) * n / 16000))
            for n in range(16000)
            for channel in (0, 1)
        ),
    )
    write_wav(path, stereo.tobytes(), WavFormat(channels=2, sample_rate=16000))
    frames = frames_from_wav(path)
    assert len(frames) == 50
    assert {len(f) for f in frames} == {320}
    middle = b"".join(frames[5:45])
    left, right, neither = (goertzel_power(middle, f) for f in (500, 1500, 1000))
    assert left > 100 * neither  # both channels, mixed down
    assert right > 100 * neither
    assert 0.5 < left / right < 2


def test_tone_frames_are_cut_to_length() -> None:
    frames = list(frames_from_tone(busy(), seconds=0.7))
    assert len(frames) == 35
    assert frames[0] != frames[20]  # on, then off (0.35 s each)
