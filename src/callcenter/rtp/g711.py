"""G.711 µ-law and A-law: coding, direct transcoding, and codec descriptors.

Owns the conversion between 16-bit linear PCM (native byte order) and G.711 (ITU-T G.711,
carried in RTP as PCMU, payload type 0, and PCMA, payload type 8: RFC 3551 §4.5.14 and
Table 4), and the description of those codecs used by SDP and the media code.

Coding uses the stdlib ``audioop`` (C, about 1 µs a frame). µ-law ↔ A-law is a 256-byte
``bytes.translate`` table built once at import through the linear value, so transcoding a
frame is a single C call with no intermediate buffer.

Known values: linear 0 encodes to 0xFF in µ-law and 0xD5 in A-law (the silence bytes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from callcenter.rtp._audioop import audioop

__all__ = [
    "CODECS",
    "FRAME_BYTES",
    "FRAME_SAMPLES",
    "PCMA",
    "PCMU",
    "SAMPLE_RATE",
    "SILENCE_ALAW",
    "SILENCE_PCM",
    "SILENCE_ULAW",
    "Codec",
    "alaw_decode",
    "alaw_encode",
    "alaw_to_ulaw",
    "codec_by_name",
    "codec_by_payload_type",
    "ulaw_decode",
    "ulaw_encode",
    "ulaw_to_alaw",
]

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz
FRAME_BYTES = 2 * FRAME_SAMPLES  # of 16-bit linear PCM

SILENCE_PCM = bytes(FRAME_BYTES)
SILENCE_ULAW = b"\xff" * FRAME_SAMPLES
SILENCE_ALAW = b"\xd5" * FRAME_SAMPLES


def ulaw_encode(pcm: bytes) -> bytes:
    """16-bit linear PCM to µ-law, one byte per sample."""
    return audioop.lin2ulaw(pcm, 2)


def ulaw_decode(data: bytes) -> bytes:
    """µ-law to 16-bit linear PCM."""
    return audioop.ulaw2lin(data, 2)


def alaw_encode(pcm: bytes) -> bytes:
    """16-bit linear PCM to A-law, one byte per sample."""
    return audioop.lin2alaw(pcm, 2)


def alaw_decode(data: bytes) -> bytes:
    """A-law to 16-bit linear PCM."""
    return audioop.alaw2lin(data, 2)


_ALL_CODES = bytes(range(256))
_ULAW_TO_ALAW = audioop.lin2alaw(audioop.ulaw2lin(_ALL_CODES, 2), 2)
_ALAW_TO_ULAW = audioop.lin2ulaw(audioop.alaw2lin(_ALL_CODES, 2), 2)


def ulaw_to_alaw(data: bytes) -> bytes:
    """Transcode µ-law to A-law byte for byte (no linear buffer)."""
    return data.translate(_ULAW_TO_ALAW)


def alaw_to_ulaw(data: bytes) -> bytes:
    """Transcode A-law to µ-law byte for byte (no linear buffer)."""
    return data.translate(_ALAW_TO_ULAW)


@dataclass(frozen=True, slots=True)
class Codec:
    """An audio codec as SDP and the media code see it (RFC 3551 Table 4).

    ``encode`` and ``decode`` convert between this codec and 16-bit linear PCM;
    ``silence`` is one 20 ms frame of silence in this codec.
    """

    name: str
    payload_type: int
    clock_rate: int
    encode: Callable[[bytes], bytes]
    decode: Callable[[bytes], bytes]
    silence: bytes
    bytes_per_sample: int = 1
    channels: int = 1

    def frame_bytes(self, ptime_ms: int = 20) -> int:
        """Bytes of payload in a packet of ``ptime_ms`` milliseconds."""
        return self.clock_rate * ptime_ms // 1000 * self.bytes_per_sample * self.channels

    def samples(self, ptime_ms: int = 20) -> int:
        """RTP timestamp increment for a packet of ``ptime_ms`` milliseconds."""
        return self.clock_rate * ptime_ms // 1000

    @property
    def rtpmap(self) -> str:
        """The SDP ``a=rtpmap`` value, e.g. ``"PCMU/8000"``."""
        return f"{self.name}/{self.clock_rate}"


PCMU = Codec("PCMU", 0, SAMPLE_RATE, ulaw_encode, ulaw_decode, SILENCE_ULAW)
PCMA = Codec("PCMA", 8, SAMPLE_RATE, alaw_encode, alaw_decode, SILENCE_ALAW)

CODECS: tuple[Codec, ...] = (PCMU, PCMA)
_BY_PT = {codec.payload_type: codec for codec in CODECS}
_BY_NAME = {codec.name.upper(): codec for codec in CODECS}


def codec_by_payload_type(payload_type: int) -> Codec | None:
    """The static-payload-type codec for ``payload_type``, or ``None`` if not G.711."""
    return _BY_PT.get(payload_type)


def codec_by_name(name: str) -> Codec | None:
    """The codec for an SDP encoding name (case-insensitive), or ``None``."""
    return _BY_NAME.get(name.upper())
