"""G.711 coding against known values, error bounds and the direct transcoding tables."""

from __future__ import annotations

import pytest

from callcenter.rtp.g711 import (
    CODECS,
    PCMA,
    PCMU,
    SILENCE_ALAW,
    SILENCE_PCM,
    SILENCE_ULAW,
    alaw_decode,
    alaw_encode,
    alaw_to_ulaw,
    codec_by_name,
    codec_by_payload_type,
    ulaw_decode,
    ulaw_encode,
    ulaw_to_alaw,
)

from ._audio import pcm, samples_of

ALL_CODES = bytes(range(256))


@pytest.mark.parametrize(
    ("linear", "ulaw", "alaw"),
    [
        (0, 0xFF, 0xD5),
        (32767, 0x80, 0xAA),
        (-32768, 0x00, 0x2A),
        (-1, 0x7E, 0x55),
    ],
)
def test_known_code_words(linear: int, ulaw: int, alaw: int) -> None:
    assert ulaw_encode(pcm(linear)) == bytes((ulaw,))
    assert alaw_encode(pcm(linear)) == bytes((alaw,))


def test_known_decoded_values() -> None:
    assert samples_of(ulaw_decode(b"\x80\x00\xff\x7f")) == [32124, -32124, 0, 0]
    assert samples_of(alaw_decode(b"\xaa\x2a\xd5\x55")) == [32256, -32256, 8, -8]


def test_silence_frames_are_silence() -> None:
    assert ulaw_encode(SILENCE_PCM) == SILENCE_ULAW
    assert alaw_encode(SILENCE_PCM) == SILENCE_ALAW
    assert len(SILENCE_PCM) == 320
    assert len(SILENCE_ULAW) == len(SILENCE_ALAW) == 160


def test_encode_decode_error_is_within_a_half_step() -> None:
    values = list(range(-32768, 32768, 3))
    data = pcm(*values)
    for encode, decode in ((ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)):
        decoded = samples_of(decode(encode(data)))
        worst = max(
            abs(got - want) - max(16, abs(want) // 16)
            for got, want in zip(decoded, values, strict=True)
        )
        assert worst <= 0


def test_every_code_word_survives_decode_then_encode() -> None:
    assert alaw_encode(alaw_decode(ALL_CODES)) == ALL_CODES
    # µ-law has two zeros (0x7F is "negative zero"); everything else is exact.
    expected = ALL_CODES.replace(b"\x7f", b"\xff")
    assert ulaw_encode(ulaw_decode(ALL_CODES)) == expected


def test_direct_transcoding_matches_going_through_linear() -> None:
    assert ulaw_to_alaw(ALL_CODES) == alaw_encode(ulaw_decode(ALL_CODES))
    assert alaw_to_ulaw(ALL_CODES) == ulaw_encode(alaw_decode(ALL_CODES))
    assert ulaw_to_alaw(SILENCE_ULAW) == SILENCE_ALAW
    # A-law has no zero: its silence is ±8, which µ-law keeps as 8 (0xFE), not 0 (0xFF).
    assert alaw_to_ulaw(SILENCE_ALAW) == b"\xfe" * 160


def test_transcoding_there_and_back_stays_close() -> None:
    original = samples_of(ulaw_decode(ALL_CODES))
    back = samples_of(ulaw_decode(alaw_to_ulaw(ulaw_to_alaw(ALL_CODES))))
    assert all(abs(a - b) <= max(16, abs(a) // 16) for a, b in zip(original, back, strict=True))


def test_codec_descriptors() -> None:
    assert (PCMU.name, PCMU.payload_type, PCMU.clock_rate) == ("PCMU", 0, 8000)
    assert (PCMA.name, PCMA.payload_type, PCMA.clock_rate) == ("PCMA", 8, 8000)
    assert PCMU.frame_bytes() == 160
    assert PCMA.frame_bytes(30) == 240
    assert PCMU.samples(20) == 160
    assert PCMU.rtpmap == "PCMU/8000"
    assert codec_by_payload_type(8) is PCMA
    assert codec_by_payload_type(18) is None
    assert codec_by_name("pcmu") is PCMU
    assert codec_by_name("G729") is None
    for codec in CODECS:
        assert max(map(abs, samples_of(codec.decode(codec.silence)))) <= 8
        assert codec.encode(SILENCE_PCM) == codec.silence
