"""Conferences: three or more legs, each hearing all the others (mix-minus).

Owns the per-party jitter buffers and the 20 ms mixing tick around
:class:`~callcenter.rtp.mixer.Mixer` (which owns who hears whom: speak, listen-only,
whisper). Each tick, on the loop: every party's buffer yields its next frame (or nothing:
lost, late, silence suppression), frames are decoded from the party's codec, mixed, and
each party is sent its own mix through its session (encoded for its codec, numbered in
its outbound stream). Packets other than 20 ms are cut or padded to 20 ms.

A party's session is attached to the conference (its
:class:`~callcenter.engine.media.session.MediaConsumer`) from :meth:`Conference.add` to
:meth:`Conference.remove`; telephone-events are not mixed (they are reported through the
session's ``on_dtmf``).
"""

from __future__ import annotations

import asyncio

from callcenter.engine.media.format import MediaError
from callcenter.engine.media.pacing import Ticker
from callcenter.engine.media.player import FRAME_SECONDS
from callcenter.engine.media.recorder import Recorder
from callcenter.engine.media.session import RtpSession
from callcenter.rtp.g711 import FRAME_BYTES
from callcenter.rtp.header import HEADER, payload_span
from callcenter.rtp.jitter import JitterBuffer
from callcenter.rtp.mixer import Mixer, Mode
from callcenter.rtp.packet import RtpError

__all__ = ["Conference", "Mode"]


class _Party:
    """One leg in the conference: its session's consumer, buffering what it says (and
    handing it to a recorder, for a call recorded before and after the conference)."""

    __slots__ = ("buffer", "record", "session")

    def __init__(
        self, session: RtpSession, depth: int, record: tuple[Recorder, int] | None = None
    ) -> None:
        self.session = session
        self.buffer = JitterBuffer(depth)
        self.record = record

    def audio_received(self, data: bytes) -> None:
        try:
            start, end = payload_span(data)
        except RtpError:
            self.session.stats.dropped_malformed += 1
            return
        if self.record is not None and self.session.format is not None:
            recorder, side = self.record
            recorder.feed(side, data, self.session.format.payload_type, recorder.clock())
        _, b1, seq, ts, ssrc = HEADER.unpack_from(data)
        self.buffer.push(
            seq, ts, data[start:end], self.session.loop.time(), marker=b1 >= 0x80, ssrc=ssrc
        )

    def event_received(self, data: bytes) -> None:
        pass

    def format_changed(self) -> None:
        pass

    def frame(self) -> bytes | None:
        """This tick's frame of linear PCM, or ``None``."""
        payload = self.buffer.pop()
        fmt = self.session.format
        if payload is None or fmt is None:
            return None
        pcm = fmt.codec.decode(payload)
        if len(pcm) != FRAME_BYTES:
            pcm = pcm[:FRAME_BYTES].ljust(FRAME_BYTES, b"\0")
        return pcm


class Conference:
    """Mixes its parties every 20 ms; ``depth`` is each jitter buffer's prefill (packets)."""

    def __init__(self, *, depth: int = 2) -> None:
        self.depth = depth
        self._mixer: Mixer[RtpSession] = Mixer()
        self._parties: dict[RtpSession, _Party] = {}
        self._ticker: Ticker | None = None

    def __repr__(self) -> str:
        return f"<Conference of {len(self._parties)}>"

    @property
    def parties(self) -> tuple[RtpSession, ...]:
        """The parties' sessions, in the order they joined."""
        return tuple(self._parties)

    @property
    def running(self) -> bool:
        """Mixing (between :meth:`start` and :meth:`stop`)."""
        return self._ticker is not None and self._ticker.running

    def add(
        self,
        session: RtpSession,
        mode: Mode = Mode.SPEAK,
        *,
        target: RtpSession | None = None,
        record: tuple[Recorder, int] | None = None,
    ) -> None:
        """Join ``session`` (``target`` is whom a ``Mode.WHISPER`` party is heard by);
        ``record``: the recorder and side (0 left, 1 right) what it says goes to."""
        if session in self._parties:
            raise MediaError(f"{session!r} is already in {self!r}")
        party = _Party(session, self.depth, record)
        session.attach(party)
        try:
            self._mixer.join(session, mode, target=target)
        except (ValueError, KeyError):
            session.detach(party)
            raise
        self._parties[session] = party
        session.out.interrupt()

    def remove(self, session: RtpSession) -> None:
        """Take ``session`` out; whoever whispered to it becomes listen-only."""
        party = self._parties.pop(session)
        session.detach(party)
        self._mixer.leave(session)

    def set_mode(
        self, session: RtpSession, mode: Mode, *, target: RtpSession | None = None
    ) -> None:
        """Listen, whisper to ``target``, or speak (barge in)."""
        self._mixer.set_mode(session, mode, target=target)

    def mode(self, session: RtpSession) -> Mode:
        """How ``session`` takes part."""
        return self._mixer.mode(session)

    def start(self) -> None:
        """Start mixing on the running loop."""
        if self.running:
            return
        self._ticker = Ticker(asyncio.get_running_loop(), FRAME_SECONDS, self.tick)
        self._ticker.start()

    def stop(self) -> None:
        """Stop mixing and take every party out (the conference is over)."""
        if self._ticker is not None:
            self._ticker.stop()
        for session in list(self._parties):
            self.remove(session)

    def tick(self) -> None:
        """Mix one frame for everyone (called every 20 ms while running)."""
        frames = {}
        for session, party in self._parties.items():
            if session.closed:
                continue
            frame = party.frame()
            if frame is not None:
                frames[session] = frame
        for session, mix in self._mixer.mix(frames).items():
            session.send_pcm(mix)
