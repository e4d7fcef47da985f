"""Helpers for the rtp tests: PCM packing, signal measurements, persona names."""

from __future__ import annotations

import itertools
import math
from array import array

# Personas, as the supervisor features see them.
CALLER = "caller-13800138000"
AGENT = "agent-1001"
SUPERVISOR = "supervisor-9001"


def pcm(*samples: int) -> bytes:
    """16-bit native-order PCM of ``samples``."""
    return array("h", samples).tobytes()


def samples_of(data: bytes) -> list[int]:
    """The samples of 16-bit native-order PCM."""
    return array("h", data).tolist()


def constant_frame(value: int, samples: int = 160) -> bytes:
    """A frame whose every sample is ``value`` (easy to recognise in a mix)."""
    return array("h", [value]).tobytes() * samples


def goertzel_power(data: bytes, frequency: float, rate: int = 8000) -> float:
    """Normalised power of ``frequency`` in 16-bit PCM (Goertzel algorithm)."""
    values = samples_of(data)
    coefficient = 2.0 * math.cos(2.0 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for x in values:
        s1, s2 = x + coefficient * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    return power / max(1, len(values)) ** 2


def zero_crossings(data: bytes) -> int:
    """Sign changes between consecutive samples."""
    values = samples_of(data)
    return sum(1 for a, b in itertools.pairwise(values) if (a < 0) != (b < 0))
