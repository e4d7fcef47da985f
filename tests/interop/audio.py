"""Audio helpers for interop tests: speech to send, and checks on what came out.

Speech comes from espeak-ng (Mandarin) through sox, as baresip wants it: 8 kHz mono
16-bit, padded with silence so that the end of the file never hangs up the call. Checks
use normalised cross-correlation over every lag within a window, so a recording is
compared with what was sent whatever the network and jitter delay.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

RATE = 8000


def speech_wav(path: Path, text: str, *, pad_seconds: float = 40.0) -> Path:
    """Mandarin speech of `text` repeated to about 12 s, then silence."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak is None or sox is None:
        raise RuntimeError("espeak-ng and sox are needed: run tools/install-system-deps")
    raw = path.with_suffix(".raw.wav")
    subprocess.run([espeak, "-v", "cmn", "-s", "170", "-w", str(raw), text], check=True)
    once = path.with_suffix(".once.wav")
    # Normalised to -6 dBFS: G.711 tops out at ±32124 (µ-law), so a louder peak would come
    # back clipped and spoil the comparison for reasons that are not the switch's.
    subprocess.run(
        [sox, str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(once), "norm", "-6"],
        check=True,
    )
    subprocess.run(
        [sox, str(once), str(once), str(once), str(path), "pad", "0.3", str(pad_seconds)],
        check=True,
    )
    return path


def read_mono(path: Path, channel: int = 0) -> np.ndarray:
    with wave.open(str(path), "rb") as source:
        channels = source.getnchannels()
        assert source.getsampwidth() == 2, path
        assert source.getframerate() == RATE, path
        data = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    return data.reshape(-1, channels)[:, channel].astype(np.float64)


def correlation(received: np.ndarray, sent: np.ndarray, max_lag: float = 2.0) -> float:
    """The normalised correlation of `received` with `sent` at the best lag within
    `max_lag` seconds (found by FFT), over the received audio's loudest 4 s, so that
    silence at the start of a call does not dilute it."""
    window = min(4 * RATE, len(received) // 2)
    energy = np.convolve(received**2, np.ones(RATE // 10), mode="valid")
    start = int(np.argmax(energy)) - window // 2
    start = max(0, min(start, len(received) - window))
    piece = received[start : start + window]
    lags = int(max_lag * RATE)
    low, high = max(0, start - lags), min(len(sent), start + window + lags)
    segment = sent[low:high]
    if len(segment) < window:
        return 0.0
    size = 1 << (len(segment) + window).bit_length()
    spectrum = np.fft.rfft(segment, size) * np.conj(np.fft.rfft(piece, size))
    raw = np.fft.irfft(spectrum, size)[: len(segment) - window + 1]
    offset = int(np.argmax(raw))
    other = segment[offset : offset + window]
    denominator = math.sqrt(float(np.dot(piece, piece)) * float(np.dot(other, other)))
    return float(np.dot(piece, other)) / denominator if denominator else 0.0


_DTMF = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}  # fmt: skip


def _goertzel(block: np.ndarray, frequency: float) -> float:
    coefficient = 2 * math.cos(2 * math.pi * frequency / RATE)
    s1 = s2 = 0.0
    for sample in block:
        s1, s2 = sample + coefficient * s1 - s2, s1
    return s2 * s2 + s1 * s1 - coefficient * s1 * s2


def dtmf_digits(audio: np.ndarray, block_ms: int = 40) -> str:
    """The DTMF digits heard in `audio` (in-band), each reported once per tone."""
    size = RATE * block_ms // 1000
    digits, previous = [], ""
    frequencies = sorted({f for pair in _DTMF.values() for f in pair})
    for start in range(0, len(audio) - size, size):
        block = audio[start : start + size]
        total = float(np.dot(block, block))
        if total < 1e6:
            previous = ""
            continue
        power = {f: _goertzel(block, f) for f in frequencies}
        low = max((697, 770, 852, 941), key=lambda f: power[f])
        high = max((1209, 1336, 1477, 1633), key=lambda f: power[f])
        # Both tones must carry most of the block's energy (no speech, no music).
        if (power[low] + power[high]) * 2 / size < 0.5 * total:
            previous = ""
            continue
        digit = next(d for d, pair in _DTMF.items() if pair == (low, high))
        if digit != previous:
            digits.append(digit)
        previous = digit
    return "".join(digits)
