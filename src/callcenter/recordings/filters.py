"""The filters of the call records list (REQUIREMENTS A8, B10: search by time range,
number, queue, agent, customer and ticket) and of the agents' status history.

Every filter is a condition of the one SQL query of the list (indexed columns and
correlated ``EXISTS``), never Python run per call. The customer filter first finds the
customers (at most `MAX_CUSTOMERS`; by customer number, phone number or name), then looks
for the caller IDs their phones may have called from (`crm.phones.caller_forms`) and for
the calls their tickets were created during (`Ticket.call_id`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import LoginRecord
from callcenter.crm.models import Customer, CustomerPhone
from callcenter.crm.phones import caller_forms, lookup_numbers
from callcenter.recordings.choices import AgentStatus, Cause, Direction
from callcenter.recordings.models import (
    AgentOffer,
    AgentStatusRecord,
    CallLeg,
    CallRecordQuerySet,
    QueueCall,
    at_extension_during,
)
from callcenter.tickets.models import Ticket

WITH_RECORDING = "yes"
WITHOUT_RECORDING = "no"
# A customer filter matching more customers than this asks for a narrower one.
MAX_CUSTOMERS = 20
_CUSTOMER_NUMBER = re.compile(r"^KH[0-9]+$")


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
    agent = forms.CharField(
        label=_("Agent ID"),
        required=False,
        max_length=20,
        help_text=_("Calls offered to or taken by this agent, or at its extension."),
    )
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=100,
        help_text=_("Customer number (KH…), phone number or name."),
    )
    ticket = forms.CharField(
        label=_("Ticket number"),
        required=False,
        max_length=20,
        help_text=_("The call during which the ticket was created."),
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

    def clean_customer(self) -> list[int] | None:
        """The primary keys of the customers meant (None: no customer filter)."""
        text = self.cleaned_data["customer"].replace("\x00", "").strip()
        if not text:
            return None
        if _CUSTOMER_NUMBER.match(text.upper()):
            found = Customer.objects.filter(number=text.upper())
        elif numbers := lookup_numbers(text, settings.CALLCENTER_AREA_CODE):
            found = Customer.objects.filter(phones__number__in=numbers)
        else:
            found = Customer.objects.filter(name__icontains=text)
        keys = list(
            found.order_by("pk").values_list("pk", flat=True).distinct()[: MAX_CUSTOMERS + 1]
        )
        if len(keys) > MAX_CUSTOMERS:
            raise forms.ValidationError(
                _("More than %(count)d customers match; give the customer number."),
                code="too_many_customers",
                params={"count": MAX_CUSTOMERS},
            )
        return keys

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
        agent = data["agent"].strip()
        if agent:
            calls = calls.filter(by_agent(agent))
        if data["customer"] is not None:
            calls = calls.filter(of_customers(data["customer"]))
        ticket = data["ticket"].strip().upper()
        if ticket:
            calls = calls.filter(
                call_id__in=Ticket.objects.filter(number=ticket)
                .exclude(call_id="")
                .values("call_id")
            )
        return calls


def by_agent(agent_id: str) -> Q:
    """Calls a queue offered to the agent (`AgentOffer`) or connected to it
    (`QueueCall.agent`), or in which an extension it was logged in at took part during
    that login (`at_extension_during`)."""
    return (
        Q(agent=agent_id)
        | Exists(QueueCall.objects.filter(call=OuterRef("pk"), agent=agent_id))
        | Exists(AgentOffer.objects.filter(call=OuterRef("pk"), agent=agent_id))
        | at_extension_during(LoginRecord.objects.filter(user__agent_id=agent_id))
    )


def of_customers(keys: list[int]) -> Q:
    """Calls whose caller ID is one of the customers' phones in any form it may have
    arrived in, or during which one of their tickets was created."""
    if not keys:
        return Q(pk__in=[])
    area = settings.CALLCENTER_AREA_CODE
    numbers = CustomerPhone.objects.filter(customer__in=keys).values_list("number", flat=True)
    callers = sorted({form for number in numbers for form in caller_forms(number, area)})
    tickets = Ticket.objects.filter(customer__in=keys).exclude(call_id="").values("call_id")
    return Q(caller__in=callers) | Q(call_id__in=tickets)


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
