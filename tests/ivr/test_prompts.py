"""Voice prompts: uploads are converted to 8 kHz mono 16-bit PCM; bad files are refused."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from callcenter.acd.models import Queue
from callcenter.ivr.models import Prompt


def wav_bytes(rate: int, channels: int, seconds: float = 0.5) -> bytes:
    """A 440 Hz tone as a real WAV file written by the stdlib."""
    frames = int(rate * seconds)
    samples = []
    for i in range(frames):
        value = int(8000 * math.sin(2 * math.pi * 440 * i / rate))
        samples.extend([value] * channels)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return buffer.getvalue()


def upload(client: Client, name: str, data: bytes, filename: str = "x.wav"):
    return client.post(
        "/ivr/prompts/new/",
        {"name": name, "description": "欢迎", "file": SimpleUploadedFile(filename, data)},
    )


@pytest.mark.parametrize(("rate", "channels"), [(16000, 2), (8000, 1)])
def test_upload_is_converted(admin_client: Client, settings, rate: int, channels: int) -> None:
    response = upload(admin_client, "welcome", wav_bytes(rate, channels))
    assert response.status_code == 302, response.content.decode()
    prompt = Prompt.objects.get()
    assert prompt.path == Path(settings.DATA_DIR) / "prompts" / "welcome.wav"
    with wave.open(str(prompt.path), "rb") as stored:
        assert (stored.getframerate(), stored.getnchannels(), stored.getsampwidth()) == (8000, 1, 2)
        assert abs(stored.getnframes() - 4000) <= 10
    assert prompt.duration == pytest.approx(0.5, abs=0.01)
    assert admin_client.get(f"/ivr/prompts/{prompt.pk}/audio.wav").status_code == 200


def test_not_a_wav_is_refused(admin_client: Client) -> None:
    text = upload(admin_client, "welcome", b"ID3\x03 an mp3", "x.mp3").content.decode()
    assert "这不是 WAV 文件" in text
    broken = wav_bytes(8000, 1)[:30]
    text = upload(admin_client, "welcome", broken).content.decode()
    assert "无法读取" in text
    assert not Prompt.objects.exists()


def test_list_shows_shipped_prompts(admin_client: Client) -> None:
    page = admin_client.get("/ivr/prompts/").content.decode()
    assert 'data-shipped-prompt="enter-digits"' in page
    assert "<audio" in page
    assert admin_client.get("/ivr/prompts/shipped/enter-digits.wav").status_code == 200
    assert admin_client.get("/ivr/prompts/shipped/nothing.wav").status_code == 404


def test_prompt_in_use_is_kept(admin_client: Client, django_capture_on_commit_callbacks) -> None:
    upload(admin_client, "hold", wav_bytes(8000, 1))
    prompt = Prompt.objects.get()
    Queue.objects.create(name="service", display_name="业务咨询", music="hold")
    text = admin_client.post(f"/ivr/prompts/{prompt.pk}/delete/", follow=True).content.decode()
    assert "队列 service" in text
    assert prompt.path.exists()
    Queue.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/ivr/prompts/{prompt.pk}/delete/")
    assert not Prompt.objects.exists()
    assert not prompt.path.exists()


def test_forbidden_to_an_agent(lina_client: Client) -> None:
    assert lina_client.get("/ivr/prompts/").status_code == 403
    assert lina_client.get("/ivr/flows/").status_code == 403
