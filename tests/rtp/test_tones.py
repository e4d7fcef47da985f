"""Call-progress and DTMF tones: frequency, level, cadence timing, phase continuity."""

from __future__ import annotations

import math

import pytest

from callcenter.rtp.tones import (
    DTMF_FREQUENCIES,
    SILENCE,
    Cadence,
    Tone,
    busy,
    call_waiting,
    congestion,
    dial_tone,
    dtmf_frames,
    dtmf_tone,
    ringback,
)

from ._audio import goertzel_power, samples_of, zero_crossings

DTMF_ALL = (697, 770, 852, 941, 1209, 1336, 1477, 1633)


def span(cadence: Cadence, start: int, count: int) -> bytes:
    return b"".join(cadence.frame(i) for i in range(start, start + count))


def on_frames(cadence: Cadence, count: int) -> list[bool]:
    return [cadence.frame(i) != SILENCE for i in range(count)]


def test_dial_tone_is_450_hz_continuous() -> None:
    second = span(dial_tone(), 0, 50)
    assert len(second) == 16000
    assert abs(zero_crossings(second) - 900) <= 2
    at_450 = goertzel_power(second, 450)
    assert at_450 > 1000 * goertzel_power(second, 350)
    assert at_450 > 1000 * goertzel_power(second, 1000)


def test_call_progress_level_is_minus_10_dbm0() -> None:
    peak = max(map(abs, samples_of(dial_tone().frame(0))))
    expected = 32767 * 10 ** ((-10 - 3.17) / 20)
    assert abs(peak - expected) / expected < 0.01


def test_ringback_is_one_second_on_four_off() -> None:
    pattern = on_frames(ringback(), 500)
    assert pattern == ([True] * 50 + [False] * 200) * 2


def test_call_waiting_is_400_ms_on_four_seconds_off() -> None:
    assert (
        on_frames(call_waiting(), 440) == [True] * 20 + [False] * 200 + [True] * 20 + [False] * 200
    )


@pytest.mark.parametrize(("cadence", "on_ms"), [(busy(), 350), (congestion(), 700)])
def test_busy_and_congestion_switch_at_the_exact_sample(cadence: Cadence, on_ms: int) -> None:
    cycle = span(cadence, 0, 4 * on_ms // 20 + 1)
    samples = samples_of(cycle)
    edge = on_ms * 8  # the sample where the tone stops
    assert any(samples[edge - 20 : edge])
    assert not any(samples[edge : 2 * edge])
    assert any(samples[2 * edge : 2 * edge + 20])
    assert [cadence.is_on(n) for n in (0, edge - 1, edge, 2 * edge - 1, 2 * edge)] == [
        True,
        True,
        False,
        False,
        True,
    ]


def test_busy_frame_17_holds_the_last_80_samples_of_tone() -> None:
    frame = samples_of(busy().frame(17))  # 340–360 ms: the tone stops at 350 ms
    assert any(frame[:80])
    assert not any(frame[80:])
    assert frame[:80] == samples_of(dial_tone().frame(17))[:80]


def test_frames_are_phase_continuous() -> None:
    tone = dtmf_tone("1")
    joined = samples_of(b"".join(tone.frame(i) for i in range(120)))
    for f in (697, 1209):  # both components
        assert goertzel_power(b"".join(tone.frame(i) for i in range(50)), f) > 0
    amplitudes = [32767 * 10 ** ((level - 3.17) / 20) for level in (-8, -6)]
    for n in (0, 159, 160, 161, 7999, 8000, 8001, 19199):
        expected = sum(
            a * math.sin(2 * math.pi * f * n / 8000)
            for f, a in zip((697, 1209), amplitudes, strict=True)
        )
        assert abs(joined[n] - expected) <= 1


def test_a_tone_repeats_after_one_second_without_recomputing() -> None:
    tone = dtmf_tone("5")
    assert tone.frame(0) is tone.frame(50)
    assert tone.frame(3) is tone.frame(103)
    assert dial_tone().frame(0) is dial_tone().frame(1)  # 450 Hz fits a frame exactly


@pytest.mark.parametrize("digit", sorted(DTMF_FREQUENCIES))
def test_dtmf_tones_hold_their_two_frequencies_only(digit: str) -> None:
    low, high = DTMF_FREQUENCIES[digit]
    audio = b"".join(dtmf_tone(digit).frame(i) for i in range(5))  # 100 ms
    powers = {f: goertzel_power(audio, f) for f in DTMF_ALL}
    others = [p for f, p in powers.items() if f not in (low, high)]
    assert min(powers[low], powers[high]) > 20 * max(others)
    assert powers[high] > powers[low]  # the high group is 2 dB louder (twist)


def test_dtmf_frames_play_digits_with_gaps() -> None:
    frames = dtmf_frames("1#", on_ms=100, off_ms=60)
    assert len(frames) == 16
    assert [f != SILENCE for f in frames] == ([True] * 5 + [False] * 3) * 2
    assert goertzel_power(b"".join(frames[8:13]), 1477) > 20 * goertzel_power(
        b"".join(frames[8:13]), 1209
    )


def test_bad_tones_are_refused() -> None:
    with pytest.raises(ValueError, match="whole hertz"):
        Tone((440.5,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole hertz"):
        Tone((4000,))
    with pytest.raises(ValueError, match="one level per frequency"):
        Tone((350, 440), (-13.0,))
    with pytest.raises(ValueError, match="on/off pairs"):
        Cadence(Tone((450,)), (1000,))
    with pytest.raises(ValueError, match="not a DTMF digit"):
        dtmf_tone("E")
