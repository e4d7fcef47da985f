"""Voice prompts: where their files are, which names exist, and converting uploads.

A prompt is a name. Its sound is ``CALLCENTER_DATA/prompts/<name>.wav`` when one was
uploaded in the web, else the shipped ``engine/sounds/zh/<name>.wav``. Uploads are
converted to what the switch plays: 8 kHz, mono, 16-bit PCM (`callcenter.rtp.wav`
decodes PCM of 8–32 bits and G.711, mono or stereo, at any rate; ``audioop`` mixes and
resamples).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from callcenter.rtp.wav import WavError, build_wav, parse_wav

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "engine" / "sounds" / "zh"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_SECONDS = 600.0


def prompts_dir() -> Path:
    return Path(settings.DATA_DIR) / "prompts"


def shipped_prompts() -> dict[str, Path]:
    """The prompts that come with the product, by name."""
    return {path.stem: path for path in sorted(SHIPPED_DIR.glob("*.wav"))}


def prompt_names() -> set[str]:
    """Every prompt a flow or a queue may name: uploaded and shipped."""
    from callcenter.ivr.models import Prompt

    return set(Prompt.objects.values_list("name", flat=True)) | set(shipped_prompts())


def convert_wav(data: bytes) -> tuple[bytes, float]:
    """The upload as an 8 kHz mono 16-bit PCM WAV image, and its length in seconds.

    Raises `ValidationError` that says what is wrong with the file."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is larger than 20 MB: upload a shorter recording."), code="too_large"
        )
    try:
        audio = parse_wav(data).to_mono_8k()
    except WavError as error:
        if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
            raise ValidationError(
                _(
                    "This is not a WAV file: save the recording as WAV (PCM) in your sound "
                    "editor and upload it again."
                ),
                code="not_wav",
            ) from None
        raise ValidationError(
            _(
                "This WAV file cannot be read (%(detail)s): save it again as PCM 16-bit, "
                "or as G.711, mono or stereo."
            ),
            code="bad_wav",
            params={"detail": str(error)},
        ) from None
    if audio.sample_frames == 0:
        raise ValidationError(_("The WAV file holds no sound."), code="empty_wav")
    if audio.duration > MAX_SECONDS:
        raise ValidationError(
            _("The recording is longer than 10 minutes: upload a shorter one."),
            code="too_long",
        )
    return build_wav(audio.pcm), audio.duration
