"""Call records (通话记录, the CDRs) and recordings (录音), as the switch reports them.

- `CallRecord`: one call through the switch, identified by the engine's call id: who
  called, what was dialled, when it rang, was answered and ended, and why it ended.
- `CallLeg`: one SIP dialog of a call: the caller's, or one the switch placed.
- `Recording`: the call's stereo WAV in the recordings folder (`RECORDINGS_DIR`).

The contact center's part of a call, and the agents' history (A7, A10):

- `IvrStep`: a node of an IVR flow the call went through (or the flow's exit).
- `QueueCall`: the call's stay in one queue (a call may pass through several): wait,
  positions, outcome, and when an agent took it, the talk, hold and wrap-up times.
- `AgentOffer`: one agent's phone rung for a queue's caller, and what came of it.
- `TransferRecord`, `SupervisorActionRecord`, `StateRepairRecord`: transfers, what
  supervisors did (the A7 audit), and what the switch's reconciler repaired.
- `AgentStatusRecord`: every status an agent chose or was given, with its reason;
  `AgentPresence`: one row per agent, the last status and state (a restarted switch logs
  the ready and not-ready ones in again: `recordings.activity.current_presences`).

They are written only by `recordings.events.apply_call_events` (the switch's events) and
never edited by hand. Who may see which calls: `CallRecordQuerySet.visible_to`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import LoginRecord
from callcenter.accounts.roles import Capability, has_capability
from callcenter.recordings.choices import (
    AgentState,
    AgentStatus,
    Cause,
    Direction,
    HangupBy,
    IvrNodeKind,
    LegRole,
    OfferResult,
    QueueOutcome,
    SupervisorActionKind,
    TransferKind,
)


def _during(started: Any) -> Q:
    """A login (`accounts.LoginRecord`) that covered the moment `started`; one not yet
    ended counts until now."""
    return Q(logged_in_at__lte=started) & (
        Q(logged_out_at__isnull=True) | Q(logged_out_at__gte=started)
    )


def at_extension_during(logins: models.QuerySet[LoginRecord]) -> Q:
    """Calls in which an extension of one of `logins` took part during that login: the
    caller, the one who answered, or the party of a leg is that extension, and the call
    (or that leg) started while the login lasted. Two correlated ``EXISTS``."""
    logins = logins.exclude(extension="")
    as_caller_or_answerer = logins.filter(_during(OuterRef("started_at"))).filter(
        Q(extension=OuterRef("caller")) | Q(extension=OuterRef("answered_by"))
    )
    as_leg = CallLeg.objects.filter(call=OuterRef("pk")).filter(
        Exists(logins.filter(_during(OuterRef("started_at")), extension=OuterRef("party")))
    )
    return Q(Exists(as_caller_or_answerer)) | Q(Exists(as_leg))


def supervised_queues(user: Any) -> models.QuerySet[Any]:
    """The names of the queues `user` supervises (the ``acd`` app's
    ``Queue.supervisors``), as a subquery; none when that app is not installed. Looked
    up by name: this app does not depend on that one."""
    if not apps.is_installed("callcenter.acd"):
        return QueueCall.objects.none().values("queue")
    queue = apps.get_model("acd", "Queue")
    return queue.objects.filter(supervisors=user).values("name")


class CallRecordQuerySet(models.QuerySet["CallRecord"]):
    def visible_to(self, user: Any) -> CallRecordQuerySet:
        """The calls `user` may see (B10: who may hear which recording follows roles).

        - Administrators (`Capability.ADMINISTER`) see every call.
        - Anyone else with `Capability.CALL_RECORDS` sees their own calls: those in
          which an extension they were logged in at took part while they were logged in
          there (`at_extension_during`), and those a queue connected to their agent ID
          (`QueueCall.agent`).
        - Supervisors (`Capability.SUPERVISE`) also see the calls of their groups: a
          call one of whose stays in a queue (`QueueCall`) was in a queue they
          supervise (`supervised_queues`).
        - Everyone else sees none.
        """
        if has_capability(user, Capability.ADMINISTER):
            return self
        if not has_capability(user, Capability.CALL_RECORDS):
            return self.none()
        visible = at_extension_during(LoginRecord.objects.filter(user=user))
        if getattr(user, "agent_id", ""):
            visible |= Q(Exists(QueueCall.objects.filter(call=OuterRef("pk"), agent=user.agent_id)))
        if has_capability(user, Capability.SUPERVISE):
            visible |= Q(
                Exists(
                    QueueCall.objects.filter(call=OuterRef("pk"), queue__in=supervised_queues(user))
                )
            )
        return self.filter(visible)


def safe_relative_path(path: str) -> PurePosixPath | None:
    """`path` as a relative path inside the recordings folder, or None when it is
    absolute, empty, or has a ``..`` (or a NUL or backslash) in it."""
    if not path or "\x00" in path or "\\" in path:
        return None
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return relative


def fit_columns(instance: models.Model) -> models.Model:
    """Cut text to its column's length: a value too long from the wire must not make the
    database (PostgreSQL) refuse the event."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField) and field.max_length:
            value = getattr(instance, field.attname)
            if isinstance(value, str) and len(value) > field.max_length:
                setattr(instance, field.attname, value[: field.max_length])
    return instance


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
    # Convenience copies of the queue part (`QueueCall`): the first queue the call
    # joined and the first agent who took it, for the list's column and filter.
    queue = models.CharField(_("queue"), max_length=50, blank=True, db_index=True)
    agent = models.CharField(_("agent"), max_length=20, blank=True, db_index=True)

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


# === the contact center's part of a call =================================================
class IvrStep(models.Model):
    """A node of an IVR flow the call reached, with the digits entered there; the last
    step of a flow has kind ``left`` and the ``destination`` the call left for."""

    call = models.ForeignKey(
        CallRecord, verbose_name=_("call"), on_delete=models.CASCADE, related_name="ivr_steps"
    )
    flow = models.CharField(_("IVR flow"), max_length=50)
    node = models.CharField(_("node"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=IvrNodeKind.choices)
    digits = models.CharField(_("digits"), max_length=64, blank=True)
    destination = models.CharField(_("destination"), max_length=100, blank=True)
    variables = models.JSONField(_("variables"), default=dict, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("IVR step")
        verbose_name_plural = _("IVR steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.call.call_id} {self.flow}/{self.node or self.kind}"


class QueueCall(models.Model):
    """The call's stay in one queue, from joining to leaving; when an agent took it,
    the talk (from the agent's answer to the end of the call or a transfer), the time on
    hold during it, and the agent's wrap-up after it. Times in seconds."""

    call = models.ForeignKey(
        CallRecord, verbose_name=_("call"), on_delete=models.CASCADE, related_name="queue_calls"
    )
    queue = models.CharField(_("queue"), max_length=50, db_index=True)
    priority = models.IntegerField(_("priority"), default=0)
    entered_at = models.DateTimeField(_("entered at"), db_index=True)
    entry_position = models.PositiveIntegerField(_("position on entry"), default=0)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    exit_position = models.PositiveIntegerField(_("position on leaving"), default=0)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=QueueOutcome.choices, blank=True
    )
    wait_seconds = models.FloatField(_("wait (seconds)"), null=True, blank=True)
    destination = models.CharField(_("destination"), max_length=100, blank=True)
    agent = models.CharField(_("agent"), max_length=20, blank=True, db_index=True)
    extension = models.CharField(_("extension"), max_length=64, blank=True)
    connected_at = models.DateTimeField(_("connected at"), null=True, blank=True)
    ring_seconds = models.FloatField(_("ring time (seconds)"), null=True, blank=True)
    talk_ended_at = models.DateTimeField(_("talk ended at"), null=True, blank=True)
    transferred = models.BooleanField(_("transferred"), default=False)
    hold_seconds = models.FloatField(_("hold (seconds)"), default=0)
    held_since = models.DateTimeField(_("on hold since"), null=True, blank=True)
    wrap_up_started_at = models.DateTimeField(_("wrap-up started at"), null=True, blank=True)
    wrap_up_seconds = models.FloatField(_("wrap-up (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("queue call")
        verbose_name_plural = _("queue calls")
        ordering = ["entered_at", "pk"]

    def __str__(self) -> str:
        return f"{self.call.call_id} in {self.queue}"

    @property
    def talk_seconds(self) -> int | None:
        """From the agent's answer to the end of the talk, hold included."""
        return _seconds(self.connected_at, self.talk_ended_at)


class AgentOffer(models.Model):
    """One agent's phone rung for a queue's caller (`result` empty while it rings)."""

    call = models.ForeignKey(
        CallRecord, verbose_name=_("call"), on_delete=models.CASCADE, related_name="offers"
    )
    queue_call = models.ForeignKey(
        QueueCall,
        verbose_name=_("queue call"),
        on_delete=models.CASCADE,
        related_name="offers",
        null=True,
        blank=True,
    )
    queue = models.CharField(_("queue"), max_length=50)
    agent = models.CharField(_("agent"), max_length=20, db_index=True)
    extension = models.CharField(_("extension"), max_length=64, blank=True)
    offered_at = models.DateTimeField(_("offered at"))
    result = models.CharField(_("result"), max_length=20, choices=OfferResult.choices, blank=True)
    ring_seconds = models.FloatField(_("ring time (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent offer")
        verbose_name_plural = _("agent offers")
        ordering = ["offered_at", "pk"]

    def __str__(self) -> str:
        return f"{self.call.call_id} → {self.agent}"


class TransferRecord(models.Model):
    call = models.ForeignKey(
        CallRecord, verbose_name=_("call"), on_delete=models.CASCADE, related_name="transfers"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TransferKind.choices)
    by = models.CharField(_("by"), max_length=64, blank=True)
    destination = models.CharField(_("destination"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.call.call_id} → {self.destination}"


class SupervisorActionRecord(models.Model):
    """What a supervisor did (A7 audit). ``call_ref`` (the engine's call ID) is kept even
    when the call has no record (yet); ``call`` links it when it has one."""

    supervisor = models.CharField(_("supervisor"), max_length=20, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=SupervisorActionKind.choices)
    call_ref = models.CharField(_("call ID"), max_length=100, blank=True, db_index=True)
    call = models.ForeignKey(
        CallRecord,
        verbose_name=_("call"),
        on_delete=models.SET_NULL,
        related_name="supervisor_actions",
        null=True,
        blank=True,
    )
    agent = models.CharField(_("agent"), max_length=20, blank=True, db_index=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("supervisor action")
        verbose_name_plural = _("supervisor actions")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.supervisor} {self.action} {self.agent or self.call_ref}"


class StateRepairRecord(models.Model):
    """A state the switch's reconciler found unbacked, and what it did about it."""

    agent = models.CharField(_("agent"), max_length=20, blank=True, db_index=True)
    what = models.CharField(_("found"), max_length=200)
    repair = models.CharField(_("repair"), max_length=200)
    call_id = models.CharField(_("call ID"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("state repair")
        verbose_name_plural = _("state repairs")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.agent}: {self.what} → {self.repair}"


# === the agents ============================================================================
class AgentStatusRecord(models.Model):
    """One status an agent took (the history with reasons). ``by``: the agent, a
    supervisor's ID, or ``system``."""

    agent = models.CharField(_("agent"), max_length=20, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=AgentStatus.choices)
    reason = models.CharField(_("reason"), max_length=50, blank=True)
    extension = models.CharField(_("extension"), max_length=64, blank=True)
    by = models.CharField(_("by"), max_length=20, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("agent status record")
        verbose_name_plural = _("agent status history")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.agent} {self.status} {self.reason}".strip()


class AgentPresence(models.Model):
    """The last status and state of one agent, kept up to date by the switch's events."""

    agent = models.CharField(_("agent"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AgentStatus.choices, default=AgentStatus.LOGGED_OUT
    )
    reason = models.CharField(_("reason"), max_length=50, blank=True)
    extension = models.CharField(_("extension"), max_length=64, blank=True)
    since = models.DateTimeField(_("status since"))
    logged_in_at = models.DateTimeField(_("logged in at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=AgentState.choices, blank=True)
    call_id = models.CharField(_("call ID"), max_length=100, blank=True)
    queue = models.CharField(_("queue"), max_length=50, blank=True)
    state_since = models.DateTimeField(_("state since"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presences")
        ordering = ["agent"]

    def __str__(self) -> str:
        return f"{self.agent} {self.status}"
