"""Forms of the telephony administration pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from callcenter.acd.destinations import check_destination
from callcenter.telephony.models import Extension, InboundRoute, Trunk
from callcenter.telephony.services import service_numbers_text


class ExtensionForm(forms.ModelForm[Extension]):
    class Meta:
        model = Extension
        fields = ["number", "display_name", "sip_password", "dial_out_permitted", "fax"]
        widgets = {"sip_password": forms.TextInput(attrs={"autocomplete": "off"})}


class TrunkForm(forms.ModelForm[Trunk]):
    class Meta:
        model = Trunk
        fields = [
            "name",
            "description",
            "host",
            "port",
            "transport",
            "register",
            "username",
            "password",
            "register_expires",
            "caller_id",
            "enabled",
        ]
        widgets = {
            "password": forms.TextInput(attrs={"autocomplete": "off"}),
            "port": forms.NumberInput(attrs={"min": 1, "max": 65535}),
        }


class InboundRouteForm(forms.ModelForm[InboundRoute]):
    class Meta:
        model = InboundRoute
        fields = ["did", "trunk", "destination", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        trunk = self.fields["trunk"]
        assert isinstance(trunk, forms.ModelChoiceField)
        trunk.empty_label = _("Any trunk")
        self.fields["destination"].help_text = _(
            "An extension number, a service number of the switch (%(services)s), "
            "queue:NAME for a queue or flow:NAME for an IVR flow."
        ) % {"services": service_numbers_text()}

    def clean_destination(self) -> str:
        destination: str = self.cleaned_data["destination"].strip()
        check_destination(destination, outside=False, hangup=False)
        return destination
