"""The prompt library (uploaded before shipped, cached until the file changes, unknown
names play nothing), the shipped Chinese prompts, and announcing numbers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from callcenter.engine.ivr.runner import SHIPPED_PROMPTS, PromptLibrary, prompt_names
from callcenter.engine.ivr.say import digit_prompt, say_number
from callcenter.rtp.wav import read_wav, write_wav
from tests.engine.ivr.test_check import demo
from tests.engine.media.peers import tone_frames

REQUIRED = [
    "welcome",
    "demo-menu",
    "invalid",
    "no-input",
    "goodbye",
    "closed",
    "queue-wait",
    "queue-position",
    "queue-callers",
    "queue-expected",
    "minutes",
    "queue-timeout",
    "transferring",
    "agent-login",
    "agent-password",
    "logged-in",
    "logged-out",
    "login-failed",
    "ready",
    "not-ready",
    "enter-order",
    *(f"digit-{n}" for n in range(10)),
]


@pytest.mark.parametrize("name", REQUIRED)
def test_each_shipped_prompt_is_short_8k_mono_speech(name: str) -> None:
    audio = read_wav(SHIPPED_PROMPTS / f"{name}.wav")
    assert (audio.sample_rate, audio.channels) == (8000, 1)
    assert 0.15 < audio.duration < 10.0
    frames = PromptLibrary.default().frames(name)
    assert len(frames) == -(-audio.sample_frames // 160)
    assert max(abs(s) for s in memoryview(audio.pcm).cast("h")) > 8000  # not silence


def test_the_shipped_prompts_are_listed_and_small() -> None:
    library = PromptLibrary.default()
    assert set(REQUIRED) | {"enter-digits", "you-entered"} <= set(library.names())
    assert sum((SHIPPED_PROMPTS / f"{n}.wav").stat().st_size for n in REQUIRED) < 2_000_000


def write_tone(path: Path, frequency: int, frames: int) -> None:
    write_wav(path, b"".join(tone_frames(frequency, frames)))


def test_an_uploaded_prompt_comes_before_the_shipped_one(tmp_path: Path) -> None:
    write_tone(tmp_path / "welcome.wav", 440, 3)
    write_tone(tmp_path / "holiday.wav", 440, 2)
    library = PromptLibrary.default(tmp_path)
    assert library.path("welcome") == tmp_path / "welcome.wav"
    assert len(library.frames("welcome")) == 3
    assert library.path("goodbye") == SHIPPED_PROMPTS / "goodbye.wav"
    assert "holiday" in library.names()
    assert "goodbye" in library.names()
    missing_folder = PromptLibrary.default(tmp_path / "not-made-yet")
    assert missing_folder.names() == sorted(set(library.names()) - {"holiday"})


def test_a_prompt_uploaded_again_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "notice.wav"
    write_tone(path, 440, 3)
    library = PromptLibrary([tmp_path])
    first = library.frames("notice")
    assert library.frames("notice") is first  # cached
    write_tone(path, 440, 7)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert len(library.frames("notice")) == 7


@pytest.mark.parametrize("name", ["nothing-here", "../sounds/zh/welcome", "", ".hidden", "a/b"])
def test_an_unknown_or_unsafe_name_plays_nothing(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    library = PromptLibrary([tmp_path, SHIPPED_PROMPTS])
    assert library.frames(name) == []
    assert library.path(name) is None
    assert "plays nothing" in caplog.text


def test_a_file_that_is_not_audio_plays_nothing(tmp_path: Path) -> None:
    (tmp_path / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    library = PromptLibrary([tmp_path])
    assert library.frames("broken") == []
    assert asyncio.run(library.load("broken")) == []


def test_the_prompts_a_flow_plays() -> None:
    assert prompt_names(demo()) == [
        "welcome",
        "demo-menu",
        "invalid",
        "no-input",
        "enter-order",
        "closed",
        "goodbye",
    ]


def test_numbers_are_announced_digit_by_digit() -> None:
    assert say_number(0) == ["digit-0"]
    assert say_number(12) == ["digit-1", "digit-2"]
    assert say_number(305) == ["digit-3", "digit-0", "digit-5"]
    assert all(name in REQUIRED for name in say_number(9876543210))
    assert digit_prompt("7") == "digit-7"
    with pytest.raises(ValueError, match="negative"):
        say_number(-1)
    with pytest.raises(ValueError, match="not a digit"):
        digit_prompt("#")
