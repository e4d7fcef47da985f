"""Call recording: one stereo WAV per call, caller left, callee right, on one timeline.

Owns turning the two directions' RTP packets into a time-aligned 8 kHz 16-bit stereo
file, the writing of that file off the event loop, and the recovery of files a crash left
unfinished.

Placement (per side; positions are sample indices from the recorder's start):

1. A side's first packet, and the first packet of every new SSRC, is *anchored* by its
   arrival time: its first sample is placed at ``arrival − start − duration of the
   packet`` (but not before the start). Both sides are anchored on the same clock, so
   they line up.
2. Every other packet is placed by its RTP timestamp relative to the anchor. Silence
   suppression (a timestamp jump with no packets in between) and lost packets therefore
   become silence exactly where they were, and never shift what follows; reordered
   packets land in their place.
3. Re-anchoring: a packet whose timestamp puts it more than ``resync`` seconds *ahead*
   of its arrival (the sender's timestamps jumped forward: impossible for real audio) is
   re-anchored at once; packets that keep arriving more than ``resync`` seconds *behind*
   their place for ``resync`` seconds (the timestamps jumped back) are re-anchored then.
   A burst after a stall arrives late only briefly and is placed by timestamp. Slow drift
   between the phone's sample clock and ours is not corrected below ``resync``.
4. A packet is held ``window`` seconds before its samples are final, so packets that
   arrive up to that late are still placed; later than that, its samples are dropped
   (``stats.late``).

Storage: each side's pending samples are kept in G.711 as received (a side whose codec
changes mid-call has later packets translated to its first codec), in one ``bytearray``
per side starting at the first sample not yet written. About once a second (``chunk``)
the samples older than the window are handed, as bytes, to a writer thread, which
decodes, interleaves and appends them to ``NAME.wav.part`` through
:class:`~callcenter.rtp.wav.WavWriter` (its header is rewritten each second). No file I/O
happens per packet, nor on the event loop except creating the file. :meth:`Recorder.close`
writes the rest up to the moment it is called, completes the header and renames the file
to ``NAME.wav``; a crash leaves ``NAME.wav.part``, which :func:`recover_recordings`
repairs (:func:`~callcenter.rtp.wav.repair`) and renames when the switch starts.

:meth:`Recorder.feed` takes the whole datagram, as received (its header holds the
timestamp, SSRC and payload offsets), the side's negotiated payload type and the arrival
time on the recorder's ``clock``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from array import array
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callcenter.rtp.g711 import PCMU, Codec, alaw_to_ulaw, codec_by_payload_type, ulaw_to_alaw
from callcenter.rtp.header import HEADER, payload_span
from callcenter.rtp.packet import RtpError
from callcenter.rtp.wav import WavError, WavFormat, WavWriter, parse_wav, repair

__all__ = [
    "PART_SUFFIX",
    "Recorder",
    "RecorderStats",
    "RecordingError",
    "RecordingInfo",
    "recover_recordings",
]

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
"""Appended to a recording's name while it is being written."""

RATE = 8000
_STEREO = WavFormat(channels=2)
_FRAME = _STEREO.block_align  # bytes per stereo sample frame
_SILENCE_PIECE = bytes(RATE * _FRAME)  # one second of stereo silence
_MAX_PIECE = 10 * RATE  # samples handed to the writer at once, at most


class RecordingError(OSError):
    """A recording could not be written (the disk is full, the folder went away)."""


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """A finished recording: where, how long (seconds), how big (bytes), and when it
    started (wall-clock seconds since the epoch; estimated for a recovered file)."""

    path: Path
    duration: float
    size: int
    started_at: float


@dataclass(slots=True)
class RecorderStats:
    """Counters of one recorder."""

    packets: int = 0
    late: int = 0
    malformed: int = 0
    resyncs: int = 0


class _Side:
    __slots__ = ("anchor_pos", "anchor_ts", "buf", "codec", "fill", "late_since", "ssrc")

    def __init__(self) -> None:
        self.buf = bytearray()  # pending samples from the first one not yet written
        self.codec: Codec = PCMU
        self.fill = PCMU.silence[:1]
        self.ssrc: int | None = None
        self.anchor_ts = 0
        self.anchor_pos = 0
        self.late_since: float | None = None


_shared: Executor | None = None
_shared_lock = threading.Lock()


def _writer_thread() -> Executor:
    """The process's one recording writer thread (jobs run in the order given)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder")
        return _shared


class Recorder:
    """Records one call; see the module docstring for how packets are placed.

    ``executor`` must run jobs one at a time in order (by default a writer thread shared
    by every recorder of the process).
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        window: float = 0.3,
        chunk: float = 1.0,
        resync: float = 1.0,
        executor: Executor | None = None,
    ) -> None:
        self.path = Path(path)
        self.part_path = self.path.with_name(self.path.name + PART_SUFFIX)
        self.clock = clock
        self.stats = RecorderStats()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = WavWriter.create(self.part_path, _STEREO)
        self._start = clock()
        self.started_at = wall()
        self._window = round(window * RATE)
        self._chunk = round(chunk * RATE)
        self._resync = round(resync * RATE)
        self._confirm = resync
        self._written = 0  # samples per channel handed to the writer
        self._sides = (_Side(), _Side())
        self._executor = executor or _writer_thread()
        self._error: BaseException | None = None
        self._closing: Future[RecordingInfo] | None = None

    def __repr__(self) -> str:
        return f"<Recorder {self.path}>"

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` (or :meth:`aclose`) was called."""
        return self._closing is not None

    # -- packets ----------------------------------------------------------------------

    def feed(self, side: int, packet: bytes, payload_type: int, arrival: float) -> None:
        """Take one RTP datagram of ``side`` (0 caller/left, 1 callee/right), whose audio
        is in ``payload_type`` (0 PCMU, 8 PCMA), that arrived at ``arrival`` on ``clock``.
        """
        if self._closing is not None:
            return
        st = self._sides[side]
        if packet[0] == 0x80:
            payload = packet[12:]
        else:
            try:
                start, end = payload_span(packet)
            except RtpError:
                self.stats.malformed += 1
                return
            payload = packet[start:end]
        n = len(payload)
        if not n:
            return
        if payload_type != st.codec.payload_type:
            payload = self._convert(st, payload, payload_type)
            if not payload:
                return
        _, _, _, ts, ssrc = HEADER.unpack_from(packet)
        now = round((arrival - self._start) * RATE)
        arrival_pos = now - n
        if ssrc != st.ssrc:  # rule 1
            st.ssrc = ssrc
            st.anchor_ts = ts
            st.anchor_pos = pos = max(arrival_pos, 0)
            st.late_since = None
        else:  # rule 2
            pos = st.anchor_pos + (((ts - st.anchor_ts + 0x80000000) & 0xFFFFFFFF) - 0x80000000)
            behind = arrival_pos - pos
            if behind < -self._resync:  # rule 3: ahead of its arrival
                pos = self._reanchor(st, ts, arrival_pos)
            elif behind > self._resync:
                if st.late_since is None:
                    st.late_since = arrival
                elif arrival - st.late_since >= self._confirm:
                    pos = self._reanchor(st, ts, arrival_pos)
            elif st.late_since is not None:
                st.late_since = None
        horizon = now - self._window  # rule 4
        if horizon - self._written >= self._chunk:
            self._flush(horizon)
        self.stats.packets += 1
        buf = st.buf
        if pos - self._written == len(buf):  # the usual case: right after the previous one
            buf += payload
        else:
            self._place(st, pos, payload)

    def _convert(self, st: _Side, payload: bytes, payload_type: int) -> bytes:
        codec = codec_by_payload_type(payload_type)
        if codec is None:
            self.stats.malformed += 1
            return b""
        if st.ssrc is None:  # no packet yet: this side's storage codec is this one
            st.codec = codec
            st.fill = codec.silence[:1]
            return payload
        return ulaw_to_alaw(payload) if payload_type == 0 else alaw_to_ulaw(payload)

    def _reanchor(self, st: _Side, ts: int, arrival_pos: int) -> int:
        st.anchor_ts = ts
        st.anchor_pos = arrival_pos
        st.late_since = None
        self.stats.resyncs += 1
        return arrival_pos

    def _place(self, st: _Side, pos: int, payload: bytes) -> None:
        buf = st.buf
        rel = pos - self._written
        size = len(buf)
        if rel >= size:  # a gap: lost packets or silence suppression
            buf += st.fill * (rel - size)
            buf += payload
            return
        if rel < 0:  # (partly) older than what was written already
            payload = payload[-rel:]
            if not payload:
                self.stats.late += 1
                return
            rel = 0
        buf[rel : rel + len(payload)] = payload

    # -- writing ----------------------------------------------------------------------

    def _flush(self, upto: int) -> None:
        """Hand every sample before position ``upto`` to the writer."""
        left, right = self._sides
        while self._written < upto:
            if not left.buf and not right.buf:
                self._submit(self._write_silence, upto - self._written)
                self._written = upto
                return
            k = min(upto - self._written, _MAX_PIECE)
            self._submit(
                self._write_audio, _take(left, k), _take(right, k), left.codec, right.codec
            )
            self._written += k

    def _submit(self, job: Callable[..., None], *args: Any) -> None:
        self._executor.submit(self._run, job, *args)

    def _run(self, job: Callable[..., None], *args: Any) -> None:
        # On the writer thread. After a failure nothing more is written; close() reports it.
        if self._error is not None:
            return
        try:
            job(*args)
        except BaseException as exc:
            self._error = exc
            log.exception("recording %s failed", self.part_path)

    def _write_audio(self, left: bytes, right: bytes, lcodec: Codec, rcodec: Codec) -> None:
        self._writer.write(_interleave(lcodec.decode(left), rcodec.decode(right)))

    def _write_silence(self, samples: int) -> None:
        size = samples * _FRAME
        piece = len(_SILENCE_PIECE)
        while size > 0:
            self._writer.write(_SILENCE_PIECE if size >= piece else bytes(size))
            size -= piece

    def _finish_file(self) -> RecordingInfo:
        # On the writer thread, after every job submitted before it.
        try:
            self._writer.close()
        except OSError as exc:
            self._error = self._error or exc
        if self._error is not None:
            raise RecordingError(
                f"recording {self.part_path} is incomplete: {self._error}"
            ) from self._error
        os.replace(self.part_path, self.path)
        size = self.path.stat().st_size
        duration = self._writer.data_size / _STEREO.byte_rate
        return RecordingInfo(self.path, duration, size, self.started_at)

    def _close(self) -> Future[RecordingInfo]:
        if self._closing is None:
            end = round((self.clock() - self._start) * RATE)
            end = max(end, self._written + max(len(side.buf) for side in self._sides))
            self._flush(end)
            self._closing = self._executor.submit(self._finish_file)
        return self._closing

    def close(self) -> RecordingInfo:
        """Write everything up to now, complete the file and name it ``path``.

        Blocks until the writer thread has written what was queued (normally a second of
        audio or less); :meth:`aclose` waits without blocking the loop. Raises
        :class:`RecordingError` if writing failed (the ``.part`` file stays, for
        :func:`recover_recordings`). Idempotent.
        """
        return self._close().result()

    async def aclose(self) -> RecordingInfo:
        """:meth:`close`, awaited on the loop instead of blocking it."""
        return await asyncio.wrap_future(self._close())


def _interleave(left: bytes, right: bytes) -> bytes:
    """Two mono 16-bit channels as one stereo stream (four times faster than audioop's
    ``tostereo`` + ``add``, which :func:`~callcenter.rtp.wav.interleave` uses)."""
    stereo = array("h", bytes(2 * len(left)))
    stereo[0::2] = array("h", left)
    stereo[1::2] = array("h", right)
    return stereo.tobytes()


def _take(side: _Side, k: int) -> bytes:
    """The first ``k`` pending samples of ``side`` (silence where there are none)."""
    buf = side.buf
    if len(buf) >= k:
        chunk = bytes(buf[:k])
        del buf[:k]
        return chunk
    chunk = bytes(buf) + side.fill * (k - len(buf))
    buf.clear()
    return chunk


def recover_recordings(folder: Path) -> list[RecordingInfo]:
    """Repair and rename every ``*.wav.part`` under ``folder`` that a crash left behind.

    Each file's header is set from its real length (a trailing partial sample is cut)
    and the file renamed without ``.part``. ``started_at`` is estimated as the file's
    modification time less its duration. A file that cannot be repaired (it stops before
    the end of its header) is logged and left as it is.
    """
    recovered = []
    for part in sorted(Path(folder).rglob("*" + PART_SUFFIX)):
        final = part.with_name(part.name[: -len(PART_SUFFIX)])
        try:
            data_size = repair(part)
            with open(part, "rb") as file:
                head = parse_wav(file.read(4096), strict=False)
            os.replace(part, final)
            stat = final.stat()
        except (OSError, WavError) as exc:
            log.warning("cannot recover recording %s: %s", part, exc)
            continue
        duration = data_size / (head.sample_rate * head.channels * 2)
        recovered.append(RecordingInfo(final, duration, stat.st_size, stat.st_mtime - duration))
        log.info("recovered recording %s (%.1f s)", final, duration)
    return recovered
