"""WAV files: round trips, the crash-safe writer, repair, and the formats read."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import pytest

from callcenter.rtp.g711 import ulaw_decode, ulaw_encode
from callcenter.rtp.wav import (
    WAVE_FORMAT_ALAW,
    WAVE_FORMAT_MULAW,
    WavAudio,
    WavError,
    WavFormat,
    WavWriter,
    build_wav,
    interleave,
    parse_wav,
    read_wav,
    repair,
    write_wav,
)

from ._audio import pcm, samples_of

RAMP = pcm(*range(-8000, 8000, 10))  # 1600 samples: 0.2 s
ULAW = WavFormat(WAVE_FORMAT_MULAW, 1, 8000, 8)


def stdlib_read(path: Path) -> tuple[int, int, int, bytes]:
    """What Python's own ``wave`` module sees: an independent reader."""
    with wave.open(str(path), "rb") as file:
        return (
            file.getnchannels(),
            file.getframerate(),
            file.getsampwidth(),
            file.readframes(file.getnframes()),
        )


def test_mono_round_trip_and_header_sizes(tmp_path: Path) -> None:
    path = tmp_path / "prompt.wav"
    write_wav(path, RAMP)
    data = path.read_bytes()
    assert len(data) == 44 + len(RAMP)
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    assert struct.unpack_from("<I", data, 40)[0] == len(RAMP)
    assert read_wav(path) == WavAudio(RAMP, 8000, 1)
    assert stdlib_read(path) == (1, 8000, 2, RAMP)


def test_stereo_recording_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    caller = [RAMP[i : i + 320] for i in range(0, len(RAMP), 320)]
    agent = [bytes(reversed(frame)) for frame in caller]
    with WavWriter.create(path, WavFormat(channels=2)) as writer:
        for left, right in zip(caller, agent, strict=True):
            writer.write_stereo(left, right)
    audio = read_wav(path)
    assert audio.channels == 2
    assert audio.sample_frames == 1600
    assert audio.duration == pytest.approx(0.2)
    assert audio.channel(0) == b"".join(caller)
    assert audio.channel(1) == b"".join(agent)
    channels, rate, width, frames = stdlib_read(path)
    assert (channels, rate, width) == (2, 8000, 2)
    assert samples_of(frames)[:4] == samples_of(caller[0])[:1] + samples_of(agent[0])[:1] + [
        samples_of(caller[0])[1],
        samples_of(agent[0])[1],
    ]


def test_interleave_refuses_unequal_channels() -> None:
    with pytest.raises(ValueError, match="channels of"):
        interleave(bytes(320), bytes(318))


def test_writer_keeps_the_file_valid_while_recording(tmp_path: Path) -> None:
    """A recorder killed mid-call leaves a file readable up to its last sync."""
    path = tmp_path / "live.wav"
    writer = WavWriter.create(path, sync_bytes=3200)  # sync every 100 ms
    for _ in range(12):  # 240 ms
        writer.write(RAMP[:320])
    # Without closing, another process reads what is on disk now.
    assert read_wav(path).pcm == RAMP[:320] * 10
    assert stdlib_read(path)[3] == RAMP[:320] * 10
    writer.close()
    assert read_wav(path).pcm == RAMP[:320] * 12
    writer.close()  # closing twice is harmless
    with pytest.raises(ValueError, match="closed"):
        writer.write(RAMP[:320])


def test_writer_defaults_to_one_sync_a_second(tmp_path: Path) -> None:
    path = tmp_path / "live.wav"
    writer = WavWriter.create(path)
    for _ in range(60):  # 1.2 s
        writer.write(bytes(320))
    assert read_wav(path).duration == pytest.approx(1.0)
    writer.close()
    assert read_wav(path).duration == pytest.approx(1.2)


def test_repair_a_file_whose_writer_died(tmp_path: Path) -> None:
    path = tmp_path / "crashed.wav"
    file = path.open("wb")
    writer = WavWriter(file, sync_bytes=0)  # never syncs: the header says 0 bytes
    writer.write(RAMP)
    file.flush()  # what the OS holds when the process dies
    file.write(b"\x01")  # ... half a sample
    file.flush()
    assert read_wav(path).pcm == b""
    assert repair(path) == len(RAMP)
    assert read_wav(path).pcm == RAMP
    assert stdlib_read(path)[3] == RAMP
    assert repair(path) == len(RAMP)  # idempotent
    file.close()


def test_a_truncated_copy_is_refused_then_repaired(tmp_path: Path) -> None:
    data = build_wav(RAMP)
    path = tmp_path / "cut.wav"
    path.write_bytes(data[:1001])
    with pytest.raises(WavError, match="truncated"):
        read_wav(path)
    assert read_wav(path, strict=False).pcm == RAMP[: 1000 - 44]
    assert repair(path) == 1000 - 44
    assert read_wav(path).pcm == RAMP[: 1000 - 44]
    assert path.stat().st_size == 1000


def test_repair_refuses_what_is_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "noise.wav"
    path.write_bytes(b"ID3\x03" + bytes(100))
    with pytest.raises(WavError, match="cannot repair"):
        repair(path)


def test_ulaw_file_written_and_read(tmp_path: Path) -> None:
    path = tmp_path / "sipp.wav"
    encoded = ulaw_encode(RAMP[: 321 * 2 - 2] + RAMP[:2])  # an odd number of samples
    assert len(encoded) % 2 == 1
    write_wav(path, encoded, ULAW)
    data = path.read_bytes()
    assert struct.unpack_from("<HH", data, 20) == (WAVE_FORMAT_MULAW, 1)
    assert data[38:42] == b"fact"  # after an 18-byte fmt chunk
    assert struct.unpack_from("<I", data, 46)[0] == len(encoded)
    assert len(data) % 2 == 0  # the pad byte after an odd data chunk
    assert read_wav(path).pcm == ulaw_decode(encoded)


def test_hand_made_alaw_file() -> None:
    """A G.711 A-law file laid out as other tools write it (fmt of 18 bytes, no fact)."""
    body = b"\xd5\x55\xaa\x2a"
    fmt = struct.pack("<HHIIHHH", WAVE_FORMAT_ALAW, 1, 8000, 8000, 1, 8, 0)
    data = (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(body))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(body))
        + body
    )
    assert samples_of(parse_wav(data).pcm) == [8, -8, 32256, -32256]


def test_chunks_before_data_are_skipped() -> None:
    data = build_wav(RAMP[:8])
    listed = data[:36] + b"LIST" + struct.pack("<I", 3) + b"abc\x00" + data[36:]
    assert parse_wav(listed).pcm == RAMP[:8]


def test_extensible_pcm() -> None:
    guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 8000, 16000, 2, 16, 22, 16, 4)
    fmt += struct.pack("<H", 1) + guid_tail
    body = RAMP[:16]
    data = (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(body))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(body))
        + body
    )
    assert parse_wav(data).pcm == body


def test_8_bit_16_khz_stereo_is_converted(tmp_path: Path) -> None:
    path = tmp_path / "music.wav"
    with wave.open(str(path), "wb") as file:
        file.setnchannels(2)
        file.setsampwidth(1)
        file.setframerate(16000)
        file.writeframes(bytes([128 + 64, 128 - 64]) * 16000)  # 1 s, left +, right -
    audio = read_wav(path)
    assert (audio.channels, audio.sample_rate, audio.sample_frames) == (2, 16000, 16000)
    assert samples_of(audio.channel(0))[:2] == [64 << 8, 64 << 8]
    assert samples_of(audio.channel(1))[:2] == [-64 << 8, -64 << 8]
    mono = audio.to_mono_8k()
    assert (mono.channels, mono.sample_rate) == (1, 8000)
    assert abs(mono.sample_frames - 8000) <= 2
    assert max(map(abs, samples_of(mono.pcm))) <= 1  # left and right cancel


def test_24_bit_pcm_is_read(tmp_path: Path) -> None:
    path = tmp_path / "studio.wav"
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(3)
        file.setframerate(8000)
        file.writeframes(b"\x00\x00\x40" + b"\x00\x00\xc0")
    assert samples_of(read_wav(path).pcm) == [0x4000, -0x4000]


def test_frames_split_and_pad() -> None:
    frames = list(WavAudio(RAMP[:700]).frames())
    assert [len(f) for f in frames] == [320, 320, 320]
    assert frames[2] == RAMP[640:700] + bytes(260)
    with pytest.raises(ValueError, match="mono"):
        list(WavAudio(RAMP, channels=2).frames())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"RIFF", "too short"),
        (b"RIFX\x00\x00\x00\x00WAVE", "not a RIFF/WAVE"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no fmt chunk"),
        (build_wav(b"")[:36], "no data chunk"),
        (b"RIFF\x0c\x00\x00\x00WAVEdata\x00\x00\x00\x00", "data chunk before the fmt"),
        (
            build_wav(b"").replace(b"\x01\x00\x01\x00", b"\x03\x00\x01\x00", 1),
            "cannot decode IEEE float",
        ),
        (
            build_wav(b"").replace(b"\x01\x00\x01\x00", b"\x01\x00\x03\x00", 1),
            "at most two channels",
        ),
    ],
)
def test_unreadable_files_say_why(data: bytes, message: str) -> None:
    with pytest.raises(WavError, match=message):
        parse_wav(data)


def test_writing_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot write"):
        build_wav(b"", WavFormat(bits_per_sample=8))
    with pytest.raises(ValueError, match="whole number"):
        build_wav(b"\x00\x00\x00", WavFormat(channels=2))
    with (
        WavWriter.create(tmp_path / "mono.wav") as writer,
        pytest.raises(ValueError, match="write_stereo"),
    ):
        writer.write_stereo(b"", b"")


def test_repair_a_ulaw_recording_also_fixes_its_sample_count(tmp_path: Path) -> None:
    path = tmp_path / "crashed-ulaw.wav"
    encoded = ulaw_encode(RAMP)
    file = path.open("wb")
    writer = WavWriter(file, ULAW, sync_bytes=0)
    writer.write(encoded)
    file.flush()
    assert repair(path) == len(encoded)
    data = path.read_bytes()
    assert struct.unpack_from("<I", data, 46)[0] == len(encoded)  # fact: sample frames
    assert read_wav(path).pcm == ulaw_decode(encoded)
    file.close()
