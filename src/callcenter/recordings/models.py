"""Call records (通话记录, the CDRs) and recordings (录音), as the switch reports them.

- `CallRecord`: one call through the switch, identified by the engine's call id: who
  called, what was dialled, when it rang, was answered and ended, and why it ended.
- `CallLeg`: one SIP dialog of a call: the caller's, or one the switch placed.
- `Recording`: the call's stereo WAV in the recordings folder (`RECORDINGS_DIR`).

They are written only by `recordings.events.apply_call_events` (the switch's events) and
never edited by hand. Who may see which calls: `CallRecordQuerySet.visible_to`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import LoginRecord
from callcenter.accounts.roles import Capability, has_capability
from callcenter.recordings.choices import Cause, Direction, HangupBy, LegRole


class CallRecordQuerySet(models.QuerySet["CallRecord"]):
    def visible_to(self, user: Any) -> CallRecordQuerySet:
        """The calls `user` may see.

        Supervisors and administrators (`Capability.SUPERVISE`) see every call. Anyone
        else with `Capability.CALL_RECORDS` (agents) sees the calls in which an extension
        they were logged in at took part while they were logged in there: the caller, the
        one who answered, or the party of a leg is that extension, and the call (or that
        leg) started during one of their logins at it (`accounts.LoginRecord`; a login not
        yet ended counts until now). Everyone else sees none.
        """
        if has_capability(user, Capability.SUPERVISE):
            return self
        if not has_capability(user, Capability.CALL_RECORDS):
            return self.none()
        logins = LoginRecord.objects.filter(user=user).exclude(extension="")

        def during(started: Any) -> Q:
            return Q(logged_in_at__lte=started) & (
                Q(logged_out_at__isnull=True) | Q(logged_out_at__gte=started)
            )

        as_caller_or_answerer = logins.filter(during(OuterRef("started_at"))).filter(
            Q(extension=OuterRef("caller")) | Q(extension=OuterRef("answered_by"))
        )
        as_leg = CallLeg.objects.filter(call=OuterRef("pk")).filter(
            Exists(logins.filter(during(OuterRef("started_at")), extension=OuterRef("party")))
        )
        return self.filter(Exists(as_caller_or_answerer) | Exists(as_leg))


def safe_relative_path(path: str) -> PurePosixPath | None:
    """`path` as a relative path inside the recordings folder, or None when it is
    absolute, empty, or has a ``..`` (or a NUL or backslash) in it."""
    if not path or "\x00" in path or "\\" in path:
        return None
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return relative


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


class CallRecord(models.Model):
    call_id = models.CharField(_("call ID"), max_length=100, unique=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, blank=True
    )
    caller = models.CharField(_("caller"), max_length=64, blank=True, db_index=True)
    caller_name = models.CharField(_("caller name"), max_length=100, blank=True)
    dialled = models.CharField(_("dialled number"), max_length=64, blank=True, db_index=True)
    trunk = models.CharField(_("trunk"), max_length=50, blank=True)
    node = models.CharField(_("server"), max_length=50, default="callcenter")
    started_at = models.DateTimeField(_("started at"), db_index=True)
    ringing_at = models.DateTimeField(_("ringing at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, db_index=True)
    answered_by = models.CharField(_("answered by"), max_length=64, blank=True)
    cause = models.CharField(_("end cause"), max_length=20, choices=Cause.choices, blank=True)
    hangup_by = models.CharField(
        _("hung up by"), max_length=10, choices=HangupBy.choices, blank=True
    )
    sip_status = models.PositiveSmallIntegerField(_("SIP status"), default=0)

    objects = CallRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.caller or '?'} → {self.dialled or '?'} {self.call_id}"

    @property
    def talk_seconds(self) -> int | None:
        """From the answer to the end (None when not answered or not ended)."""
        return _seconds(self.answered_at, self.ended_at)

    @property
    def ring_seconds(self) -> int | None:
        """How long it rang: from the first ringing to the answer, or to the end when
        nobody answered (None when it never rang)."""
        return _seconds(self.ringing_at, self.answered_at or self.ended_at)

    @property
    def elapsed_seconds(self) -> int:
        """For a call in progress: since it was answered, else since it started."""
        since = self.answered_at or self.started_at
        return max(0, round((timezone.now() - since).total_seconds()))


class CallLeg(models.Model):
    call = models.ForeignKey(
        CallRecord, verbose_name=_("call"), on_delete=models.CASCADE, related_name="legs"
    )
    leg = models.CharField(_("leg ID"), max_length=100)
    role = models.CharField(_("role"), max_length=10, choices=LegRole.choices, blank=True)
    party = models.CharField(_("party"), max_length=64, blank=True, db_index=True)
    sip_call_id = models.CharField(_("SIP Call-ID"), max_length=255, blank=True)
    remote = models.CharField(_("remote address"), max_length=100, blank=True)
    trunk = models.CharField(_("trunk"), max_length=50, blank=True)
    codec = models.CharField(_("codec"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    cause = models.CharField(_("end cause"), max_length=20, choices=Cause.choices, blank=True)
    sip_status = models.PositiveSmallIntegerField(_("SIP status"), default=0)

    class Meta:
        verbose_name = _("call leg")
        verbose_name_plural = _("call legs")
        ordering = ["started_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "leg"], name="call_leg_unique_leg")]

    def __str__(self) -> str:
        return f"{self.call.call_id}/{self.leg} {self.party}"

    @property
    def talk_seconds(self) -> int | None:
        return _seconds(self.answered_at, self.ended_at)


class Recording(models.Model):
    call = models.OneToOneField(
        CallRecord, verbose_name=_("call"), on_delete=models.CASCADE, related_name="recording"
    )
    path = models.CharField(
        _("file"), max_length=300, help_text=_("Relative to the recordings folder.")
    )
    duration = models.FloatField(_("duration (seconds)"))
    size = models.BigIntegerField(_("size (bytes)"))
    started_at = models.DateTimeField(_("started at"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.path

    def file(self) -> Path | None:
        """The file in `settings.RECORDINGS_DIR`, or None when its path is unsafe (see
        `safe_relative_path`) or the file is not there. Symbolic links inside the folder
        are followed (an archive disk may be linked in)."""
        relative = safe_relative_path(self.path)
        if relative is None:
            return None
        path = Path(settings.RECORDINGS_DIR) / relative
        return path if path.is_file() else None
