"""Playing audio to a session: prompts, tones, music on hold.

Owns pacing a sequence of 20 ms frames of 16-bit linear PCM onto a session (on a
:class:`~callcenter.engine.media.pacing.Ticker`: tick *n* at ``start + n × 20 ms``), and
turning files and tones into such frames. The session encodes each frame for its codec and
numbers it in its outbound stream, so a prompt between two stretches of relayed audio is
seamless for the phone.

A player finishes (``done`` resolves) when its frames run out, when :meth:`Player.stop`
is called, when its session closes, or, with ``stop_on_dtmf``, when the session reports a
key press (``stopped_by`` then holds the digit). Frames are pulled one per tick, so an
endless iterator (a tone cadence) costs nothing up front.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterable, Iterator

from callcenter.engine.media.pacing import Ticker
from callcenter.engine.media.session import RtpSession
from callcenter.rtp.tones import Cadence
from callcenter.rtp.wav import read_wav

__all__ = ["FRAME_SECONDS", "Player", "frames_from_tone", "frames_from_wav"]

FRAME_SECONDS = 0.02


def frames_from_wav(path: str | os.PathLike[str]) -> list[bytes]:
    """The 20 ms frames of a WAV file (any format :func:`~callcenter.rtp.wav.read_wav`
    reads), mixed down to mono and resampled to 8 kHz; the last frame is padded.

    Reads the file at once (blocking): load prompts at start-up, or in a worker thread.
    """
    return list(read_wav(path).to_mono_8k().frames())


def frames_from_tone(cadence: Cadence, seconds: float | None = None) -> Iterator[bytes]:
    """Frames of a tone cadence (e.g. :func:`callcenter.rtp.tones.ringback`), endless or
    for ``seconds``."""
    if seconds is None:
        return cadence.frames()
    return itertools.islice(cadence.frames(), round(seconds / FRAME_SECONDS))


class Player:
    """Plays ``frames`` to ``session``; ``loop_forever`` repeats them (music on hold)."""

    def __init__(
        self,
        session: RtpSession,
        frames: Iterable[bytes],
        *,
        loop_forever: bool = False,
        stop_on_dtmf: bool = False,
    ) -> None:
        self.session = session
        self.loop_forever = loop_forever
        self.stop_on_dtmf = stop_on_dtmf
        self.frames_sent = 0
        self.stopped_by: str | None = None
        self.done: asyncio.Future[None] = session.loop.create_future()
        self._frames: Iterator[bytes] = itertools.cycle(frames) if loop_forever else iter(frames)
        self._ticker = Ticker(session.loop, FRAME_SECONDS, self._tick)

    def __repr__(self) -> str:
        return f"<Player to {self.session!r}, {self.frames_sent} frames sent>"

    @property
    def playing(self) -> bool:
        """Started and not finished."""
        return self._ticker.running

    def start(self) -> None:
        """Start playing (the first frame goes out on the loop's next turn)."""
        if self.done.done() or self._ticker.running:
            return
        if self.stop_on_dtmf:
            self.session.add_dtmf_listener(self._digit)
        self._ticker.start()

    def stop(self) -> None:
        """Stop playing; ``done`` resolves. Idempotent."""
        self._ticker.stop()
        self.session.remove_dtmf_listener(self._digit)
        if not self.done.done():
            self.done.set_result(None)

    def _tick(self) -> None:
        if self.session.closed:
            self.stop()
            return
        frame = next(self._frames, None)
        if frame is None:
            self.stop()
            return
        self.session.send_pcm(frame)
        self.frames_sent += 1

    def _digit(self, digit: str) -> None:
        if self.stopped_by is None:
            self.stopped_by = digit
        self.stop()
