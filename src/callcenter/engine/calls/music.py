"""Music on hold: a gentle pentatonic melody synthesised once, played in a loop.

No audio file has to ship for a held caller to hear something pleasant: each note is a
sine with a soft attack and decay (so no clicks between notes), rendered at 8 kHz into
20 ms linear frames the first time it is asked for and kept.
"""

from __future__ import annotations

import math
from array import array
from functools import cache

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160
# 宫商角徵羽 on C: C D E G A, two phrases of eight notes, in hertz; 0 is a rest.
_MELODY = (
    523, 587, 659, 784, 659, 587, 523, 0,
    440, 523, 587, 659, 587, 523, 440, 0,
    392, 440, 523, 587, 659, 784, 880, 784,
    659, 587, 523, 587, 523, 440, 523, 0,
)  # fmt: skip
_NOTE_SECONDS = 0.36
_AMPLITUDE = 6000.0  # about -15 dBFS: audible, never loud


@cache
def _melody_frames() -> tuple[bytes, ...]:
    note_samples = int(_NOTE_SECONDS * SAMPLE_RATE)
    samples = array("h")
    for frequency in _MELODY:
        for n in range(note_samples):
            if frequency == 0:
                samples.append(0)
                continue
            envelope = min(1.0, n / 200.0) * math.exp(-3.0 * n / note_samples)
            value = _AMPLITUDE * envelope * math.sin(2 * math.pi * frequency * n / SAMPLE_RATE)
            samples.append(int(value))
    while len(samples) % FRAME_SAMPLES:
        samples.append(0)
    pcm = samples.tobytes()
    size = 2 * FRAME_SAMPLES
    return tuple(pcm[i : i + size] for i in range(0, len(pcm), size))


def music_on_hold() -> tuple[bytes, ...]:
    """The frames of one pass of the melody (play with ``loop_forever``)."""
    return _melody_frames()
