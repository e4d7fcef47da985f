"""Forms of the telephony administration pages."""

from django import forms

from callcenter.telephony.models import Extension


class ExtensionForm(forms.ModelForm[Extension]):
    class Meta:
        model = Extension
        fields = ["number", "display_name", "sip_password"]
        widgets = {"sip_password": forms.TextInput(attrs={"autocomplete": "off"})}
