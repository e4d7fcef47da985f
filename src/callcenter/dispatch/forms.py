"""The unit desk's forms: the batch area's inputs (handling unit and handler, return
reason, feedback, handling of requests) and the query filters (seed 001 §4.6.3–4.6.4).

The forms only parse; whether an input is required is the action's rule
(`tickets.actions`), so a missing return reason reaches the action and is refused there
with its message, per order.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import Handler, Unit, User
from callcenter.tickets.choices import Action, FeedbackKind, Kind, State
from callcenter.tickets.models import ReturnReason, TicketQuerySet

REQUEST_KINDS = (Kind.COMPLAINT, Kind.SUGGESTION, Kind.REPORT)


def units_of(user: User) -> Any:
    unit = user.unit
    if unit is None:
        return Unit.objects.none()
    return Unit.objects.filter(pk__in=unit.subtree_ids(), is_active=True)


def handlers_of(user: User) -> Any:
    return Handler.objects.filter(unit__in=units_of(user), is_active=True).select_related("unit")


class HandlerChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.unit}）"


class PlacementForm(forms.Form):
    """Handling unit and handler, for receiving (optional) and assigning."""

    handling_unit = forms.ModelChoiceField(
        label=_("Handling unit"), queryset=Unit.objects.none(), required=False
    )
    handler = HandlerChoiceField(
        label=_("Handler"), queryset=Handler.objects.none(), required=False
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handling_unit"].queryset = units_of(user)  # type: ignore[attr-defined]
        self.fields["handler"].queryset = handlers_of(user)  # type: ignore[attr-defined]


def active_reasons() -> Any:
    return ReturnReason.objects.filter(is_active=True)


class ReturnForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Return reason"), queryset=ReturnReason.objects.none(), required=False
    )
    return_notes = forms.CharField(
        label=_("Return notes"), required=False, max_length=500, widget=forms.TextInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = active_reasons()  # type: ignore[attr-defined]


class FeedbackForm(forms.Form):
    """Normal feedback (repaired or not yet), delayed repair or no repair (§4.7)."""

    kind = forms.ChoiceField(
        label=_("Feedback kind"),
        choices=FeedbackKind.choices,
        initial=FeedbackKind.NORMAL,
        widget=forms.RadioSelect,
    )
    repaired = forms.BooleanField(label=_("Repair finished"), required=False)
    result = forms.CharField(
        label=_("Handling and result"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    feedback_reason = forms.CharField(
        label=_("Reason for delay or no repair"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HandleForm(forms.Form):
    """处理中 / 处理结束 / 不处理 for complaints, suggestions and reports (§4.8)."""

    outcome = forms.ChoiceField(
        label=_("Handling"),
        choices=[
            (Action.PROCESS.value, _("In progress")),
            (Action.FINISH.value, _("Handling finished")),
            (Action.DECLINE.value, _("Not handled")),
        ],
        initial=Action.PROCESS.value,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Handling notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class OrderFilterForm(forms.Form):
    """A simple query (applies at once) and an advanced one (submitted, can be hidden)."""

    SIMPLE = ("q", "kind", "state")

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Ticket number, customer name or phone."),
    )
    kind = forms.ChoiceField(label=_("Ticket kind"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    date_from = forms.DateField(
        label=_("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Created until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    vehicle_plate = forms.CharField(label=_("Vehicle plate"), required=False, max_length=10)
    address = forms.CharField(label=_("Address"), required=False, max_length=100)
    handling_unit = forms.ModelChoiceField(
        label=_("Handling unit"), queryset=Unit.objects.none(), required=False
    )
    handler = HandlerChoiceField(
        label=_("Handler"), queryset=Handler.objects.none(), required=False
    )
    rerepair = forms.BooleanField(label=_("Re-repairs only"), required=False)

    def __init__(
        self,
        user: User,
        *args: Any,
        kinds: tuple[Kind, ...] = tuple(Kind),
        states: tuple[State, ...] = tuple(State),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All")), *((k.value, k.label) for k in kinds)]  # type: ignore[attr-defined]
        self.fields["state"].choices = [("", _("All")), *((s.value, s.label) for s in states)]  # type: ignore[attr-defined]
        self.fields["handling_unit"].queryset = units_of(user)  # type: ignore[attr-defined]
        self.fields["handler"].queryset = handlers_of(user)  # type: ignore[attr-defined]

    def simple_fields(self) -> list[Any]:
        return [self[name] for name in self.SIMPLE]

    def advanced_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name not in self.SIMPLE]

    def advanced_used(self) -> bool:
        return self.is_bound and any(
            self.data.get(name) for name in self.fields if name not in self.SIMPLE
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filter(self, tickets: TicketQuerySet) -> TicketQuerySet:
        if not self.is_bound:
            return tickets
        if not self.is_valid():
            return tickets.none()
        data = self.cleaned_data
        text = data["q"].strip()
        if text:
            tickets = tickets.filter(
                Q(number__icontains=text)
                | Q(customer_name__icontains=text)
                | Q(contact_phone__contains=text)
                | Q(caller_number__contains=text)
            )
        if data["kind"]:
            tickets = tickets.filter(kind=data["kind"])
        if data["state"]:
            tickets = tickets.filter(state=data["state"])
        if data["date_from"]:
            tickets = tickets.filter(created_at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            tickets = tickets.filter(created_at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        if data["vehicle_plate"].strip():
            tickets = tickets.filter(vehicle_plate__icontains=data["vehicle_plate"].strip())
        if data["address"].strip():
            tickets = tickets.filter(address__icontains=data["address"].strip())
        if data["handling_unit"] is not None:
            tickets = tickets.filter(unit=data["handling_unit"])
        if data["handler"] is not None:
            tickets = tickets.filter(handler=data["handler"])
        if data["rerepair"]:
            tickets = tickets.filter(rerepair_count__gt=0)
        return tickets
