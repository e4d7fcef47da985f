"""The ticket query's filters (工单查询, REQUIREMENTS B4, C7).

`TicketFilterForm` holds both the simple query (简单查询: applied as soon as a field
changes) and the advanced one (高级查询: the other fields, in a section that can be hidden
and shown); all fields are optional and applied together. `SIMPLE_FIELDS` and
`ADVANCED_FIELDS` say which is which for the template.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import Unit, User
from callcenter.accounts.roles import ROLE_CAPABILITIES, Capability
from callcenter.tickets.choices import Kind, Priority, State
from callcenter.tickets.models import Category, TicketQuerySet

SIMPLE_FIELDS = ("kind", "state", "number", "customer", "date_from", "date_to", "overdue")
ADVANCED_FIELDS = (
    "priority",
    "category",
    "unit",
    "created_by",
    "plate",
    "due_from",
    "due_to",
    "text",
)


def _start_of(day: date) -> datetime:
    """Midnight of `day` in the center's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def csc_users() -> Any:
    """Agents and supervisors: the people who create tickets."""
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.AGENT_DESK in caps]
    return User.objects.filter(role__in=roles)


class TicketFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Ticket kind"), required=False, choices=[("", _("All")), *Kind.choices]
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *State.choices]
    )
    number = forms.CharField(label=_("Ticket number"), required=False, max_length=20)
    customer = forms.CharField(
        label=_("Customer or phone"),
        required=False,
        max_length=100,
        help_text=_("Part of the customer's name, contact phone or caller number."),
    )
    date_from = _date_field(_("Created from"))
    date_to = _date_field(_("Created until"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *Priority.choices],
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.all(), empty_label=_("All")
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), required=False, queryset=Unit.objects.all(), empty_label=_("All")
    )
    created_by = forms.ModelChoiceField(
        label=_("Created by"), required=False, queryset=User.objects.none(), empty_label=_("All")
    )
    plate = forms.CharField(label=_("Vehicle plate"), required=False, max_length=10)
    due_from = _date_field(_("Due from"))
    due_to = _date_field(_("Due until"))
    text = forms.CharField(label=_("Text in the description"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        created_by = self.fields["created_by"]
        assert isinstance(created_by, forms.ModelChoiceField)
        created_by.queryset = csc_users()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for first, last in (("date_from", "date_to"), ("due_from", "due_to")):
            start, end = cleaned.get(first), cleaned.get(last)
            if start and end and end < start:
                self.add_error(last, _("The end date is before the start date."))
        return cleaned

    @property
    def advanced_used(self) -> bool:
        """Whether the advanced section should be open (one of its fields is set)."""
        return any(self.data.get(name) for name in ADVANCED_FIELDS)

    def simple_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SIMPLE_FIELDS]

    def advanced_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ADVANCED_FIELDS]

    def filter(self, tickets: TicketQuerySet) -> TicketQuerySet:
        if not self.is_valid():
            return tickets.none()
        data = self.cleaned_data
        if data["kind"]:
            tickets = tickets.filter(kind=data["kind"])
        if data["state"]:
            tickets = tickets.filter(state=data["state"])
        number = data["number"].strip()
        if number:
            tickets = tickets.filter(number__icontains=number)
        customer = data["customer"].strip()
        if customer:
            digits = customer.replace(" ", "").replace("-", "")
            tickets = tickets.filter(
                Q(customer_name__icontains=customer)
                | Q(contact_phone__contains=digits)
                | Q(caller_number__contains=digits)
            )
        if data["date_from"]:
            tickets = tickets.filter(created_at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            tickets = tickets.filter(created_at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        if data["overdue"]:
            tickets = tickets.overdue()
        if data["priority"] is not None:
            tickets = tickets.filter(priority=data["priority"])
        if data["category"] is not None:
            tickets = tickets.filter(category=data["category"])
        if data["unit"] is not None:
            tickets = tickets.filter(unit_id__in=data["unit"].subtree_ids())
        if data["created_by"] is not None:
            tickets = tickets.filter(created_by=data["created_by"])
        plate = data["plate"].strip().replace("·", "").replace(" ", "").upper()
        if plate:
            tickets = tickets.filter(vehicle_plate__contains=plate)
        if data["due_from"]:
            tickets = tickets.filter(resolution_due__gte=_start_of(data["due_from"]))
        if data["due_to"]:
            tickets = tickets.filter(
                resolution_due__lt=_start_of(data["due_to"] + timedelta(days=1))
            )
        text = data["text"].strip()
        if text:
            tickets = tickets.filter(description__icontains=text)
        return tickets
