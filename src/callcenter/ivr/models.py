"""IVR configuration as the web administers it (REQUIREMENTS A3).

- `Prompt` (提示音): an uploaded recording, by name; its file is
  ``CALLCENTER_DATA/prompts/<name>.wav`` (`callcenter.ivr.prompts`), 8 kHz mono PCM.
- `Flow` (语音导航流程): a graph of nodes kept as the JSON of
  `callcenter.engine.ivr.flow.Flow`; saved only when `engine.ivr.check` finds no problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from callcenter.ivr.prompts import prompts_dir

# "flow:" + name fits an inbound route's destination (32 characters).
FLOW_NAME_MAX = 27

name_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$",
    _(
        "Use lower-case letters, digits, - and _ only, starting with a letter or digit "
        "(e.g. service)."
    ),
)


class Prompt(models.Model):
    name = models.CharField(
        _("name"),
        max_length=50,
        unique=True,
        validators=[name_validator],
        help_text=_("Flows and queues name the prompt by it, e.g. welcome."),
        error_messages={"unique": _("A prompt with this name already exists.")},
    )
    description = models.CharField(
        _("description"), max_length=200, blank=True, help_text=_("What the recording says.")
    )
    duration = models.FloatField(_("length (seconds)"), default=0.0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("prompt")
        verbose_name_plural = _("prompts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def path(self) -> Path:
        return prompts_dir() / f"{self.name}.wav"


def empty_flow() -> dict[str, Any]:
    return {"start": "", "nodes": []}


class Flow(models.Model):
    name = models.CharField(
        _("name"),
        max_length=FLOW_NAME_MAX,
        unique=True,
        validators=[name_validator],
        help_text=_("Routes name the flow by it: flow:NAME, e.g. flow:demo."),
        error_messages={"unique": _("A flow with this name already exists.")},
    )
    title = models.CharField(_("title"), max_length=100)
    definition = models.JSONField(_("definition"), default=empty_flow)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("IVR flow")
        verbose_name_plural = _("IVR flows")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.title}".strip()

    @property
    def destination(self) -> str:
        return f"flow:{self.name}"
