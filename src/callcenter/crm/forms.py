"""The CRM's forms: a customer with its phones, a vehicle, a contact (B2, B6, B12).

A customer's phones are typed in one field, separated by commas or spaces or on lines
of their own, the first being the mobile; each is normalised and a wrong one is named
in the message. The customer number is never typed: it is given on saving (B2).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from callcenter.crm.customers import create_customer
from callcenter.crm.models import Contact, Customer, Vehicle
from callcenter.tickets.validators import normalize_phone

_SPLIT = re.compile(r"[,，;；、\n]+")


class CustomerForm(forms.ModelForm[Customer]):
    phones = forms.CharField(
        label=_("Phone numbers"),
        help_text=_("One or more, separated by commas; the first is the main number."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Customer
        fields = ["name", "kind", "phones", "address", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["phones"] = ", ".join(p.number for p in self.instance.phones.all())

    def clean_phones(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for index, part in enumerate(p.strip() for p in _SPLIT.split(self.cleaned_data["phones"])):
            if not part:
                continue
            try:
                number = normalize_phone(part)
            except ValidationError as error:
                raise ValidationError(
                    _("%(number)s is not a phone number: %(problem)s"),
                    params={"number": part, "problem": " ".join(error.messages)},
                    code="invalid_phone",
                ) from None
            label = "mobile" if number.startswith("1") else "home" if index else "work"
            found.append((number, label))
        if not found:
            raise ValidationError(_("Give at least one phone number."), code="required")
        return found

    def create(self, actor: Any) -> Customer:
        """The new customer the valid form describes, its number generated (B2)."""
        data = self.cleaned_data
        return create_customer(
            actor,
            name=data["name"],
            kind=data["kind"],
            address=data["address"],
            notes=data["notes"],
            phones=data["phones"],
        )


class VehicleForm(forms.ModelForm[Vehicle]):
    class Meta:
        model = Vehicle
        fields = ["plate", "vin", "model", "battery", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class ContactForm(forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = [
            "name",
            "kind",
            "organization",
            "department",
            "title",
            "extension",
            "phone",
            "mobile",
            "email",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
