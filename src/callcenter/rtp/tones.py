"""Call-progress and DTMF tones as 20 ms frames of 16-bit 8 kHz PCM.

Owns the signals the switch plays itself: the Chinese national call-progress tones
(YD/T 1277 / GB 3380 practice: a single 450 Hz tone, at −10 dBm0, in these cadences)
and DTMF dual tones (ITU-T Q.23 frequencies) for sending digits in-band.

=================  ======  =======================================
tone               Hz      cadence
=================  ======  =======================================
dial tone          450     continuous
ring-back          450     1 s on, 4 s off
busy               450     0.35 s on, 0.35 s off
congestion         450     0.7 s on, 0.7 s off
call waiting       450     0.4 s on, 4 s off
=================  ======  =======================================

Time is injected as a frame index (frame *n* starts at sample 160·n). A tone's sample
*k* is a pure function of *k*, so frames are phase-continuous across any sequence of
indices and every frame is computed once: a tone of whole-hertz frequencies repeats after
at most one second (50 frames), which :class:`Tone` builds lazily and then only indexes.
Cadence boundaries are sample-accurate (0.35 s is 17.5 frames).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from functools import cache

from callcenter.rtp.g711 import FRAME_SAMPLES, SAMPLE_RATE, SILENCE_PCM

__all__ = [
    "DTMF_FREQUENCIES",
    "FRAME_SAMPLES",
    "SAMPLE_RATE",
    "SILENCE",
    "Cadence",
    "Tone",
    "busy",
    "call_waiting",
    "congestion",
    "dial_tone",
    "dtmf_frames",
    "dtmf_tone",
    "ringback",
]

SILENCE = SILENCE_PCM

_FULL_SCALE_DBM0 = 3.17  # a full-scale sine in G.711 (ITU-T G.711 §3, Table 5/6 note)

DTMF_FREQUENCIES: dict[str, tuple[int, int]] = {
    digit: (low, high)
    for row, low in zip(("123A", "456B", "789C", "*0#D"), (697, 770, 852, 941), strict=True)
    for digit, high in zip(row, (1209, 1336, 1477, 1633), strict=True)
}


def _amplitude(dbm0: float) -> float:
    return 32767.0 * math.pow(10.0, (dbm0 - _FULL_SCALE_DBM0) / 20.0)


class Tone:
    """A steady sum of sines, one frame of 20 ms at a time.

    ``frequencies`` are whole hertz; ``levels`` the level of each in dBm0 (one value for
    all, or one per frequency). :meth:`frame` returns frame ``index`` of the endless tone.
    """

    __slots__ = ("_frames", "frequencies", "levels")

    def __init__(self, frequencies: Sequence[int], levels: float | Sequence[float] = -10.0) -> None:
        if not frequencies or any(int(f) != f or not 0 < f < SAMPLE_RATE / 2 for f in frequencies):
            raise ValueError(f"frequencies {frequencies!r} must be whole hertz below 4000")
        if isinstance(levels, int | float):
            levels = [float(levels)] * len(frequencies)
        if len(levels) != len(frequencies):
            raise ValueError("one level per frequency")
        self.frequencies = tuple(int(f) for f in frequencies)
        self.levels = tuple(float(level) for level in levels)
        self._frames: list[bytes] = []

    def _build(self) -> list[bytes]:
        period = 1  # samples after which every component repeats
        for f in self.frequencies:
            period = math.lcm(period, SAMPLE_RATE // math.gcd(f, SAMPLE_RATE))
        count = math.lcm(period, FRAME_SAMPLES) // FRAME_SAMPLES
        parts = [
            (2.0 * math.pi * f / SAMPLE_RATE, _amplitude(level))
            for f, level in zip(self.frequencies, self.levels, strict=True)
        ]
        samples = array(
            "h",
            (
                max(-32768, min(32767, round(sum(a * math.sin(w * n) for w, a in parts))))
                for n in range(count * FRAME_SAMPLES)
            ),
        )
        pcm = samples.tobytes()
        size = 2 * FRAME_SAMPLES
        return [pcm[i : i + size] for i in range(0, len(pcm), size)]

    def frame(self, index: int) -> bytes:
        """Frame ``index`` (from 0) of the tone; the same object every cycle."""
        frames = self._frames or self._build()
        self._frames = frames
        return frames[index % len(frames)]

    def __repr__(self) -> str:
        return f"Tone({self.frequencies!r}, {self.levels!r})"


class Cadence:
    """A tone switched on and off in a repeating pattern.

    ``pattern`` alternates on and off times in milliseconds, starting with on; an empty
    pattern is a continuous tone. :meth:`frame` gives frame ``index`` counted from the
    start of the cadence (the caller keeps the index: time is injected).
    """

    __slots__ = ("_bounds", "_cycle", "pattern", "tone")

    def __init__(self, tone: Tone, pattern: Sequence[int] = ()) -> None:
        if any(ms <= 0 for ms in pattern) or len(pattern) % 2:
            raise ValueError(f"pattern {pattern!r} must be positive on/off pairs")
        self.tone = tone
        self.pattern = tuple(pattern)
        bounds = []
        total = 0
        for ms in self.pattern:
            total += ms * SAMPLE_RATE // 1000
            bounds.append(total)
        self._bounds = bounds  # end sample of each segment within a cycle
        self._cycle = total

    def is_on(self, sample: int) -> bool:
        """Whether the tone sounds at sample ``sample`` from the start."""
        if not self._cycle:
            return True
        return bisect_right(self._bounds, sample % self._cycle) % 2 == 0

    def frame(self, index: int) -> bytes:
        """Frame ``index`` (from 0) of the cadence."""
        tone = self.tone.frame(index)
        cycle = self._cycle
        if not cycle:
            return tone
        bounds = self._bounds
        start = index * FRAME_SAMPLES
        end = start + FRAME_SAMPLES
        parts = []
        position = start
        while position < end:
            offset = position % cycle
            segment = bisect_right(bounds, offset)
            run = min(end - position, bounds[segment] - offset)
            if run == FRAME_SAMPLES:  # the whole frame is in one segment
                return SILENCE if segment % 2 else tone
            first = 2 * (position - start)
            parts.append(bytes(2 * run) if segment % 2 else tone[first : first + 2 * run])
            position += run
        return b"".join(parts)

    def frames(self, start: int = 0) -> Iterator[bytes]:
        """Endless frames from index ``start``."""
        index = start
        while True:
            yield self.frame(index)
            index += 1


@cache
def _tone_450() -> Tone:
    return Tone((450,), -10.0)


def dial_tone() -> Cadence:
    """Dial tone: 450 Hz continuous."""
    return Cadence(_tone_450())


def ringback() -> Cadence:
    """Ring-back tone: 450 Hz, 1 s on, 4 s off."""
    return Cadence(_tone_450(), (1000, 4000))


def busy() -> Cadence:
    """Busy tone: 450 Hz, 0.35 s on, 0.35 s off."""
    return Cadence(_tone_450(), (350, 350))


def congestion() -> Cadence:
    """Congestion tone: 450 Hz, 0.7 s on, 0.7 s off."""
    return Cadence(_tone_450(), (700, 700))


def call_waiting() -> Cadence:
    """Call-waiting tone: 450 Hz, 0.4 s on, 4 s off."""
    return Cadence(_tone_450(), (400, 4000))


_DTMF_TONES: dict[str, Tone] = {}


def dtmf_tone(digit: str) -> Tone:
    """The dual tone of a DTMF digit (low group at −8 dBm0, high group at −6 dBm0)."""
    key = digit.upper()
    tone = _DTMF_TONES.get(key)
    if tone is None:
        try:
            pair = DTMF_FREQUENCIES[key]
        except KeyError:
            raise ValueError(f"{digit!r} is not a DTMF digit") from None
        tone = _DTMF_TONES[key] = Tone(pair, (-8.0, -6.0))
    return tone


def dtmf_frames(digits: str, on_ms: int = 100, off_ms: int = 100) -> list[bytes]:
    """Frames that play ``digits`` in-band: each tone ``on_ms``, then ``off_ms`` silence."""
    frames: list[bytes] = []
    for digit in digits:
        frames.extend(
            Cadence(dtmf_tone(digit), (on_ms, off_ms)).frame(i)
            for i in range(_frames_for(on_ms + off_ms))
        )
    return frames


def _frames_for(ms: int) -> int:
    return -(-ms * SAMPLE_RATE // 1000 // FRAME_SAMPLES)
