"""The filters of the call records list (REQUIREMENTS A8: search by time, number and
queue) and of the agents' status history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.recordings.choices import AgentStatus, Cause, Direction
from callcenter.recordings.models import AgentStatusRecord, CallLeg, CallRecordQuerySet, QueueCall

WITH_RECORDING = "yes"
WITHOUT_RECORDING = "no"


def _start_of(day: date) -> datetime:
    """Midnight of `day` in the center's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class CallFilterForm(forms.Form):
    """Every field optional, applied together."""

    date_from = forms.DateField(
        label=_("From date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    number = forms.CharField(
        label=_("Number"),
        required=False,
        max_length=64,
        help_text=_("Part of the caller's, the dialled or an extension's number."),
    )
    name = forms.CharField(label=_("Caller name"), required=False, max_length=100)
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("All")), *Direction.choices]
    )
    cause = forms.ChoiceField(
        label=_("End cause"), required=False, choices=[("", _("All")), *Cause.choices]
    )
    recording = forms.ChoiceField(
        label=_("Recording"),
        required=False,
        choices=[
            ("", _("All")),
            (WITH_RECORDING, _("With recording")),
            (WITHOUT_RECORDING, _("Without recording")),
        ],
    )
    queue = forms.ChoiceField(
        label=_("Queue"),
        required=False,
        help_text=_("Calls that passed through this queue."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queues = QueueCall.objects.order_by("queue").values_list("queue", flat=True).distinct()
        self.fields["queue"].choices = [("", _("All")), *((name, name) for name in queues)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filter(self, calls: CallRecordQuerySet) -> CallRecordQuerySet:
        if not self.is_valid():
            return calls.none()
        data = self.cleaned_data
        if data["date_from"]:
            calls = calls.filter(started_at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            calls = calls.filter(started_at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        number = data["number"].strip()
        if number:
            calls = calls.filter(
                Q(caller__contains=number)
                | Q(dialled__contains=number)
                | Q(answered_by__contains=number)
                | Exists(CallLeg.objects.filter(call=OuterRef("pk"), party__contains=number))
            )
        name = data["name"].strip()
        if name:
            calls = calls.filter(caller_name__icontains=name)
        if data["direction"]:
            calls = calls.filter(direction=data["direction"])
        if data["cause"]:
            calls = calls.filter(cause=data["cause"])
        if data["recording"] == WITH_RECORDING:
            calls = calls.filter(recording__isnull=False)
        elif data["recording"] == WITHOUT_RECORDING:
            calls = calls.filter(recording__isnull=True)
        if data["queue"]:
            calls = calls.filter(
                Exists(QueueCall.objects.filter(call=OuterRef("pk"), queue=data["queue"]))
            )
        return calls


class AgentStatusFilterForm(forms.Form):
    """The status history's filters; `agent` only for those who may see every agent."""

    agent = forms.CharField(label=_("Agent ID"), required=False, max_length=20)
    date_from = forms.DateField(
        label=_("From date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *AgentStatus.choices]
    )

    def __init__(self, *args: Any, every_agent: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not every_agent:
            del self.fields["agent"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filter(
        self, records: models.QuerySet[AgentStatusRecord]
    ) -> models.QuerySet[AgentStatusRecord]:
        if not self.is_valid():
            return records.none()
        data = self.cleaned_data
        agent = data.get("agent", "").strip()
        if agent:
            records = records.filter(agent=agent)
        if data["date_from"]:
            records = records.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            records = records.filter(at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        if data["status"]:
            records = records.filter(status=data["status"])
        return records
