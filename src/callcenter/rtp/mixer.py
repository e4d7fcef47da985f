"""An N-party audio mixer with mix-minus, listen-only and whisper.

Owns who hears whom in a bridge or conference, and the summing of one 20 ms frame of
16-bit linear PCM per party per tick. The supervisor features are modes of a party:

- ``SPEAK`` (the default): heard by every other party: a normal participant; a
  supervisor who *barges* switches to it.
- ``LISTEN``: listen-only (muted): hears everyone, is heard by nobody: *listen*.
- ``WHISPER``: heard only by one chosen party (the agent), while hearing everyone:
  *whisper*.

Rules, for each listener L, recomputed only when membership or a mode changes:

1. L hears every SPEAK party except itself (mix-minus: nobody hears their own voice).
2. L also hears every WHISPER party whose target is L.
3. A LISTEN party is heard by nobody; every party, whatever its mode, hears per 1 and 2.

Summing saturates at the 16-bit range (what ``audioop.add`` does). A listener with two
sources (every party of a three-way call) costs one ``audioop.add``; with three or more,
the sources are summed in 32 bits and clipped once at the end, so a loud pair that
cancels a third is not clipped half-way. A party without a frame this tick (lost packet,
silence suppression) counts as silence and costs nothing.

The cost is one addition per (listener, source) pair: right for calls and small
conferences; a large conference would sum once and subtract each party.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

from callcenter.rtp._audioop import audioop
from callcenter.rtp.g711 import FRAME_BYTES

__all__ = ["FRAME_BYTES", "Mixer", "Mode"]

P = TypeVar("P", bound=Hashable)

_TO_WIDE = 1.0 / 65536.0
_FROM_WIDE = 65536.0


class Mode(enum.Enum):
    """How a party takes part: see the module docstring."""

    SPEAK = "speak"
    LISTEN = "listen"
    WHISPER = "whisper"


class Mixer(Generic[P]):
    """Mixes one frame per party per tick; each party gets its own mix-minus.

    Parties are any hashable ids (leg ids, say). ``mix(frames)`` takes this tick's input
    frames (missing parties are silent) and returns the frame each party should hear.
    """

    __slots__ = ("_frame_bytes", "_modes", "_routes", "_silence", "_targets")

    def __init__(self, frame_bytes: int = FRAME_BYTES) -> None:
        if frame_bytes <= 0 or frame_bytes % 2:
            raise ValueError(f"frame of {frame_bytes} bytes is not whole 16-bit samples")
        self._frame_bytes = frame_bytes
        self._silence = bytes(frame_bytes)
        self._modes: dict[P, Mode] = {}
        self._targets: dict[P, P] = {}  # whisperer -> the one party who hears it
        self._routes: list[tuple[P, tuple[P, ...]]] = []

    # -- membership ---------------------------------------------------------------------

    def join(self, party: P, mode: Mode = Mode.SPEAK, *, target: P | None = None) -> None:
        """Add a party; ``target`` is required with ``Mode.WHISPER``."""
        if party in self._modes:
            raise ValueError(f"{party!r} is already in the mix")
        self._modes[party] = Mode.LISTEN
        try:
            self.set_mode(party, mode, target=target)
        except ValueError:
            del self._modes[party]
            raise

    def leave(self, party: P) -> None:
        """Remove a party; parties whispering to it fall back to listen-only."""
        del self._modes[party]
        self._targets.pop(party, None)
        for whisperer, target in list(self._targets.items()):
            if target == party:
                del self._targets[whisperer]
                self._modes[whisperer] = Mode.LISTEN
        self._reroute()

    def set_mode(self, party: P, mode: Mode, *, target: P | None = None) -> None:
        """Change how ``party`` takes part (listen, whisper to ``target``, barge/speak)."""
        if party not in self._modes:
            raise KeyError(party)
        if mode is Mode.WHISPER:
            if target is None or target not in self._modes or target == party:
                raise ValueError(f"whisper from {party!r} needs another party as target")
            self._targets[party] = target
        elif target is not None:
            raise ValueError(f"a target only goes with {Mode.WHISPER}")
        else:
            self._targets.pop(party, None)
        self._modes[party] = mode
        self._reroute()

    def listen(self, party: P) -> None:
        """Make ``party`` listen-only."""
        self.set_mode(party, Mode.LISTEN)

    def whisper(self, party: P, target: P) -> None:
        """Make ``party`` heard by ``target`` alone."""
        self.set_mode(party, Mode.WHISPER, target=target)

    def speak(self, party: P) -> None:
        """Make ``party`` heard by everyone (barge in)."""
        self.set_mode(party, Mode.SPEAK)

    def mode(self, party: P) -> Mode:
        """The party's mode."""
        return self._modes[party]

    @property
    def parties(self) -> tuple[P, ...]:
        """The parties in the order they joined."""
        return tuple(self._modes)

    def __len__(self) -> int:
        return len(self._modes)

    def __contains__(self, party: object) -> bool:
        return party in self._modes

    def sources(self, listener: P) -> tuple[P, ...]:
        """Whom ``listener`` hears (rules 1 and 2), in join order."""
        for party, heard in self._routes:
            if party == listener:
                return heard
        raise KeyError(listener)

    def _reroute(self) -> None:
        modes = self._modes
        targets = self._targets

        def heard_by(listener: P) -> tuple[P, ...]:
            return tuple(
                p
                for p, mode in modes.items()
                if p != listener
                and (mode is Mode.SPEAK or (mode is Mode.WHISPER and targets[p] == listener))
            )

        self._routes = [(listener, heard_by(listener)) for listener in modes]

    # -- mixing --------------------------------------------------------------------------

    def mix(self, frames: Mapping[P, bytes]) -> dict[P, bytes]:
        """This tick's output frame for every party, from its input ``frames``.

        Each input must be ``frame_bytes`` long; parties missing from ``frames`` are
        silent, and frames of parties not in the mix are ignored.
        """
        size = self._frame_bytes
        for party, frame in frames.items():
            if len(frame) != size:
                raise ValueError(f"frame of {len(frame)} bytes from {party!r}, expected {size}")
        silence = self._silence
        get = frames.get
        add = audioop.add
        out: dict[P, bytes] = {}
        wide: dict[P, bytes] | None = None
        for listener, heard in self._routes:
            if len(heard) == 2:  # the three-way call: one add, exact saturation
                a = get(heard[0])
                b = get(heard[1])
                if a is None:
                    out[listener] = silence if b is None else b
                else:
                    out[listener] = a if b is None else add(a, b, 2)
                continue
            present = [p for p in heard if p in frames]
            if not present:
                out[listener] = silence
            elif len(present) == 1:
                out[listener] = frames[present[0]]
            elif len(present) == 2:
                out[listener] = add(frames[present[0]], frames[present[1]], 2)
            else:
                if wide is None:
                    wide = {}
                acc = b""
                for p in present:
                    w = wide.get(p)
                    if w is None:
                        w = wide[p] = audioop.mul(audioop.lin2lin(frames[p], 2, 4), 4, _TO_WIDE)
                    acc = add(acc, w, 4) if acc else w
                out[listener] = audioop.lin2lin(audioop.mul(acc, 4, _FROM_WIDE), 4, 2)
        return out
