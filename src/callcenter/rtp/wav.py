"""WAV files: parse, build, a crash-safe streaming writer, and repair of truncated files.

Owns the RIFF/WAVE container as the recorder, the prompt player and the tests use it
(Microsoft RIFF specification; WAVE_FORMAT_PCM 1, WAVE_FORMAT_ALAW 6, WAVE_FORMAT_MULAW 7,
WAVE_FORMAT_EXTENSIBLE 0xFFFE resolved through its sub-format).

Reading decodes any of: PCM 8 (unsigned), 16, 24 or 32 bit, and 8-bit G.711 µ-law or
A-law, mono or stereo, at any rate, into 16-bit linear PCM (:class:`WavAudio`);
:meth:`WavAudio.to_mono_8k` converts to what the switch plays (``audioop.ratecv``).
Anything else (IEEE float, more than two channels, compressed codecs) raises
:class:`WavError` saying which format it found.

Writing: :func:`build_wav` makes a whole file in memory; :class:`WavWriter` appends
frame by frame. A writer opened with ``sync_bytes`` rewrites the RIFF and data sizes and
flushes each time that many bytes have been added since the last sync (by default one
second of audio), so a process that dies mid-call leaves a valid file that ends at most
that far before the crash. (It flushes to the operating system; it does not ``fsync``,
so a power cut can lose more.) :func:`repair` makes a file whose header is stale (the
writer died between syncs, or another program was killed) readable again: it sets both sizes
from the file's real length and drops a trailing partial sample.

Layout written: ``RIFF`` size ``WAVE``, ``fmt `` (16 bytes for PCM; 18 with a ``fact``
chunk for G.711, as the specification asks of non-PCM formats), then ``data``.
Chunks are read in any order and unknown ones (``LIST``, ``bext``…) are skipped.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO, Self

from callcenter.rtp._audioop import audioop

__all__ = [
    "WAVE_FORMAT_ALAW",
    "WAVE_FORMAT_EXTENSIBLE",
    "WAVE_FORMAT_MULAW",
    "WAVE_FORMAT_PCM",
    "WavAudio",
    "WavError",
    "WavFormat",
    "WavWriter",
    "build_wav",
    "interleave",
    "parse_wav",
    "read_wav",
    "repair",
    "write_wav",
]

WAVE_FORMAT_PCM = 1
WAVE_FORMAT_IEEE_FLOAT = 3
WAVE_FORMAT_ALAW = 6
WAVE_FORMAT_MULAW = 7
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

_NAMES = {
    WAVE_FORMAT_PCM: "PCM",
    WAVE_FORMAT_IEEE_FLOAT: "IEEE float",
    WAVE_FORMAT_ALAW: "A-law",
    WAVE_FORMAT_MULAW: "µ-law",
}

_CHUNK = struct.Struct("<4sI")
_FMT = struct.Struct("<HHIIHH")
_U32 = struct.Struct("<I")
_BIG_ENDIAN = sys.byteorder == "big"
_HEAD_LIMIT = 1 << 16  # repair() looks for the data chunk within the first 64 KiB


class WavError(ValueError):
    """A WAV file is malformed, truncated or in a format this module does not read."""


@dataclass(frozen=True, slots=True)
class WavFormat:
    """The ``fmt `` chunk that matters: encoding, channels, rate and sample width."""

    format_tag: int = WAVE_FORMAT_PCM
    channels: int = 1
    sample_rate: int = 8000
    bits_per_sample: int = 16

    @property
    def block_align(self) -> int:
        """Bytes per sample frame (all channels)."""
        return self.channels * ((self.bits_per_sample + 7) // 8)

    @property
    def byte_rate(self) -> int:
        """Bytes per second."""
        return self.block_align * self.sample_rate

    @property
    def name(self) -> str:
        """A description for error messages, e.g. ``"PCM 16-bit 8000 Hz mono"``."""
        kind = _NAMES.get(self.format_tag, f"format {self.format_tag:#06x}")
        layout = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} channels")
        return f"{kind} {self.bits_per_sample}-bit {self.sample_rate} Hz {layout}"


@dataclass(frozen=True, slots=True)
class WavAudio:
    """Decoded audio: interleaved 16-bit linear PCM in native byte order."""

    pcm: bytes
    sample_rate: int = 8000
    channels: int = 1

    @property
    def sample_frames(self) -> int:
        """Number of sample frames (samples per channel)."""
        return len(self.pcm) // (2 * self.channels)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.sample_frames / self.sample_rate

    def channel(self, index: int) -> bytes:
        """One channel of a stereo recording as mono PCM (0 is left)."""
        if self.channels == 1:
            if index != 0:
                raise IndexError(f"channel {index} of a mono file")
            return self.pcm
        if index not in (0, 1):
            raise IndexError(f"channel {index} of a stereo file")
        left, right = (1, 0) if index == 0 else (0, 1)
        return audioop.tomono(self.pcm, 2, left, right)

    def to_mono_8k(self) -> WavAudio:
        """Mix down to mono (average of the channels) and resample to 8 kHz."""
        pcm = self.pcm
        if self.channels == 2:
            pcm = audioop.tomono(pcm, 2, 0.5, 0.5)
        if self.sample_rate != 8000:
            pcm, _ = audioop.ratecv(pcm, 2, 1, self.sample_rate, 8000, None)
        return WavAudio(pcm, 8000, 1)

    def frames(self, samples: int = 160) -> Iterator[bytes]:
        """Split mono audio into frames of ``samples``; the last is padded with silence."""
        if self.channels != 1:
            raise ValueError("frames() needs mono audio; call to_mono_8k() first")
        size = 2 * samples
        pcm = self.pcm
        for start in range(0, len(pcm), size):
            frame = pcm[start : start + size]
            if len(frame) < size:
                frame += bytes(size - len(frame))
            yield frame


# -- Reading ------------------------------------------------------------------------------


def _parse_fmt(body: bytes) -> WavFormat:
    if len(body) < _FMT.size:
        raise WavError(f"fmt chunk of {len(body)} bytes, need at least {_FMT.size}")
    tag, channels, rate, _byte_rate, _align, bits = _FMT.unpack_from(body)
    if tag == WAVE_FORMAT_EXTENSIBLE:
        if len(body) < 26:
            raise WavError("WAVE_FORMAT_EXTENSIBLE fmt chunk without its sub-format")
        (tag,) = struct.unpack_from("<H", body, 24)
    if channels < 1 or rate < 1 or bits < 1:
        raise WavError(f"fmt chunk with {channels} channels, {rate} Hz, {bits} bits")
    return WavFormat(tag, channels, rate, bits)


def _walk(data: bytes, *, strict: bool) -> tuple[WavFormat, int, int]:
    """Return (format, data offset, data size) of a RIFF/WAVE image (or its head)."""
    if len(data) < 12:
        raise WavError(f"{len(data)} bytes is too short for a RIFF header")
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError(f"not a RIFF/WAVE file (starts with {data[:12]!r})")
    fmt: WavFormat | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = _CHUNK.unpack_from(data, offset)
        body = offset + 8
        if chunk_id == b"data":
            if fmt is None:
                raise WavError("data chunk before the fmt chunk")
            available = len(data) - body
            if size > available:
                if strict:
                    raise WavError(
                        f"data chunk claims {size} bytes but {available} follow: the file "
                        "is truncated (repair() fixes it)"
                    )
                size = available - available % fmt.block_align
            return fmt, body, size
        if chunk_id == b"fmt ":
            if body + size > len(data):
                raise WavError("fmt chunk runs past the end of the file")
            fmt = _parse_fmt(data[body : body + size])
        offset = body + size + (size & 1)
    if fmt is None:
        raise WavError("no fmt chunk")
    raise WavError("no data chunk")


def _to_linear16(raw: bytes, fmt: WavFormat) -> bytes:
    tag, bits = fmt.format_tag, fmt.bits_per_sample
    if tag == WAVE_FORMAT_PCM and bits in (8, 16, 24, 32):
        width = bits // 8
        if width == 1:  # 8-bit WAV is unsigned
            return audioop.lin2lin(audioop.bias(raw, 1, -128), 1, 2)
        if _BIG_ENDIAN:
            raw = audioop.byteswap(raw, width)
        return raw if width == 2 else audioop.lin2lin(raw, width, 2)
    if tag == WAVE_FORMAT_MULAW and bits == 8:
        return audioop.ulaw2lin(raw, 2)
    if tag == WAVE_FORMAT_ALAW and bits == 8:
        return audioop.alaw2lin(raw, 2)
    raise WavError(f"cannot decode {fmt.name}")


def parse_wav(data: bytes, *, strict: bool = True) -> WavAudio:
    """Decode a WAV file image to 16-bit linear PCM.

    With ``strict=False`` a data chunk that claims more bytes than the file holds (a
    recording cut short) is read as far as it goes instead of raising.
    """
    fmt, offset, size = _walk(data, strict=strict)
    if fmt.channels > 2:
        raise WavError(f"cannot decode {fmt.name}: at most two channels")
    size -= size % fmt.block_align
    return WavAudio(_to_linear16(data[offset : offset + size], fmt), fmt.sample_rate, fmt.channels)


def read_wav(path: str | os.PathLike[str], *, strict: bool = True) -> WavAudio:
    """Read and decode a WAV file (see :func:`parse_wav`)."""
    with open(path, "rb") as file:
        return parse_wav(file.read(), strict=strict)


# -- Writing ------------------------------------------------------------------------------


def _header(fmt: WavFormat, data_size: int) -> bytes:
    """Every byte before the audio, for ``data_size`` bytes of it."""
    pcm = fmt.format_tag == WAVE_FORMAT_PCM
    fmt_body = _FMT.pack(
        fmt.format_tag,
        fmt.channels,
        fmt.sample_rate,
        fmt.byte_rate,
        fmt.block_align,
        fmt.bits_per_sample,
    )
    if not pcm:
        fmt_body += b"\x00\x00"  # cbSize: no extra format bytes
    chunks = _CHUNK.pack(b"fmt ", len(fmt_body)) + fmt_body
    if not pcm:
        frames = data_size // fmt.block_align
        chunks += _CHUNK.pack(b"fact", 4) + _U32.pack(frames)
    riff_size = 4 + len(chunks) + 8 + data_size + (data_size & 1)
    return _CHUNK.pack(b"RIFF", riff_size) + b"WAVE" + chunks + _CHUNK.pack(b"data", data_size)


def _check_format(fmt: WavFormat) -> None:
    if fmt.format_tag == WAVE_FORMAT_PCM and fmt.bits_per_sample == 16:
        return
    if fmt.format_tag in (WAVE_FORMAT_MULAW, WAVE_FORMAT_ALAW) and fmt.bits_per_sample == 8:
        return
    raise ValueError(f"cannot write {fmt.name}: only 16-bit PCM, µ-law and A-law")


def build_wav(data: bytes, fmt: WavFormat | None = None) -> bytes:
    """A complete WAV image of ``data`` (samples already in ``fmt``'s encoding).

    The default format is 16-bit PCM, 8 kHz, mono.
    """
    fmt = fmt or WavFormat()
    _check_format(fmt)
    if len(data) % fmt.block_align:
        raise ValueError(f"{len(data)} bytes is not a whole number of {fmt.name} frames")
    if _BIG_ENDIAN and fmt.bits_per_sample == 16:
        data = audioop.byteswap(data, 2)
    return _header(fmt, len(data)) + data + (b"\x00" if len(data) & 1 else b"")


def write_wav(path: str | os.PathLike[str], data: bytes, fmt: WavFormat | None = None) -> None:
    """Write :func:`build_wav` of ``data`` to ``path``."""
    with open(path, "wb") as file:
        file.write(build_wav(data, fmt))


def interleave(left: bytes, right: bytes) -> bytes:
    """Two mono 16-bit streams of equal length as one interleaved stereo stream."""
    if len(left) != len(right):
        raise ValueError(f"channels of {len(left)} and {len(right)} bytes")
    return audioop.add(audioop.tostereo(left, 2, 1, 0), audioop.tostereo(right, 2, 0, 1), 2)


class WavWriter:
    """Appends audio to a WAV file and keeps its header valid.

    ``write()`` takes samples in the file's encoding (interleaved for stereo);
    ``write_stereo()`` interleaves two 16-bit mono frames (caller and agent, say). The
    header's sizes are rewritten, and the file flushed, whenever ``sync_bytes`` bytes
    have been added since the last time (``None``: one second of audio; ``0``: only at
    ``close()``). The writer owns the file object and closes it.

    The file I/O is blocking; in the switch, call it from a worker thread or accept
    one small buffered write per frame.
    """

    def __init__(
        self,
        file: BinaryIO,
        fmt: WavFormat | None = None,
        *,
        sync_bytes: int | None = None,
    ) -> None:
        self.format = fmt or WavFormat()
        _check_format(self.format)
        self._file = file
        self._header_size = len(_header(self.format, 0))
        self._sync_bytes = self.format.byte_rate if sync_bytes is None else sync_bytes
        self._data_size = 0
        self._synced_size = 0
        self._closed = False
        file.write(_header(self.format, 0))
        file.flush()

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        fmt: WavFormat | None = None,
        *,
        sync_bytes: int | None = None,
    ) -> WavWriter:
        """Create (or truncate) ``path`` and write to it."""
        return cls(open(path, "wb"), fmt, sync_bytes=sync_bytes)

    @property
    def data_size(self) -> int:
        """Bytes of audio written so far."""
        return self._data_size

    def write(self, data: bytes) -> None:
        """Append samples in the file's encoding."""
        if self._closed:
            raise ValueError("write to a closed WavWriter")
        if _BIG_ENDIAN and self.format.bits_per_sample == 16:
            data = audioop.byteswap(data, 2)
        self._file.write(data)
        self._data_size += len(data)
        if self._sync_bytes and self._data_size - self._synced_size >= self._sync_bytes:
            self.sync()

    def write_stereo(self, left: bytes, right: bytes) -> None:
        """Append two 16-bit mono frames of equal length as one stereo frame."""
        if self.format.channels != 2 or self.format.format_tag != WAVE_FORMAT_PCM:
            raise ValueError(f"write_stereo() on a {self.format.name} file")
        self.write(interleave(left, right))

    def sync(self) -> None:
        """Rewrite the header's sizes for what has been written, and flush."""
        file = self._file
        file.seek(0)
        file.write(_header(self.format, self._data_size))
        file.seek(self._header_size + self._data_size)
        file.flush()
        self._synced_size = self._data_size

    def close(self) -> None:
        """Pad to an even length, write the final header and close the file."""
        if self._closed:
            return
        try:
            if self._data_size & 1:
                self._file.write(b"\x00")
            self.sync()
        finally:
            self._closed = True
            self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def repair(path: str | os.PathLike[str]) -> int:
    """Fix the header of a WAV file whose sizes are stale; return its data size.

    The data chunk is taken to run to the end of the file (it is the last chunk in every
    file this module writes), less any trailing partial sample frame, which is cut off.
    Both the RIFF size and the data size are rewritten in place; the audio is not read.
    A file that was already correct is left as it was.
    """
    with open(path, "r+b") as file:
        head = file.read(_HEAD_LIMIT)
        total = file.seek(0, os.SEEK_END)
        try:
            fmt, offset, _ = _walk(head, strict=False)
        except WavError as exc:
            raise WavError(f"cannot repair {os.fspath(path)!r}: {exc}") from None
        size = total - offset
        size -= size % fmt.block_align
        if size > 0xFFFFFFFF - offset:
            raise WavError(f"{os.fspath(path)!r} is too large for a WAV file")
        file.truncate(offset + size + (size & 1))
        if size & 1:
            file.seek(offset + size)
            file.write(b"\x00")
        riff_size = offset - 8 + size + (size & 1)
        file.seek(4)
        file.write(_U32.pack(riff_size))
        file.seek(offset - 4)
        file.write(_U32.pack(size))
        if fmt.format_tag != WAVE_FORMAT_PCM:
            _patch_fact(file, head, offset, size // fmt.block_align)
        return size


def _patch_fact(file: BinaryIO, head: bytes, data_offset: int, frames: int) -> None:
    """Rewrite the sample count of a ``fact`` chunk before the data, if there is one."""
    offset = 12
    while offset + 8 <= data_offset:
        chunk_id, size = _CHUNK.unpack_from(head, offset)
        if chunk_id == b"fact" and size >= 4:
            file.seek(offset + 8)
            file.write(_U32.pack(frames))
            return
        offset += 8 + size + (size & 1)
