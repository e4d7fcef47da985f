"""Forms of the agents' ticket pages: create and modify a ticket, and one small form per
action of the detail page. They parse and check what was typed; `tickets.actions`
applies the rules.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import Unit
from callcenter.tickets import files
from callcenter.tickets.choices import Kind, Priority
from callcenter.tickets.models import Category, Ticket
from callcenter.tickets.steps import NEEDS_CONTACT
from callcenter.tickets.validators import normalize_phone, normalize_plate
from callcenter.web.errors import ActionError

# Which fields each kind's form shows (the rest stay empty).
FIELDS_OF_KIND: dict[str, tuple[str, ...]] = {
    Kind.FAULT: (
        "customer_name",
        "contact_phone",
        "caller_number",
        "vehicle_plate",
        "address",
        "category",
        "priority",
        "description",
    ),
    Kind.COMPLAINT: (
        "customer_name",
        "contact_phone",
        "caller_number",
        "address",
        "category",
        "priority",
        "description",
    ),
}
_SHORT = (
    "customer_name",
    "contact_phone",
    "caller_number",
    "category",
    "priority",
    "description",
)
for _kind in (Kind.INQUIRY, Kind.SUGGESTION, Kind.REPORT):
    FIELDS_OF_KIND[_kind] = _SHORT


def active_units() -> Any:
    return Unit.objects.filter(is_active=True)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def check_upload(upload: UploadedFile[Any]) -> None:
    """Refuse a file `add_attachment` would refuse, before anything is created."""
    name = upload.name or ""
    size = upload.size or 0
    upload.seek(0)
    head = upload.read(files.HEAD_BYTES)
    whole = None
    if files.needs_whole(name) and 0 < size <= files.limit():
        upload.seek(0)
        whole = upload.read()
    upload.seek(0)
    try:
        files.inspect(name, head, size, whole)
    except ActionError as error:
        raise ValidationError(f"{name}: {error.message}") from None


class TicketForm(forms.ModelForm[Ticket]):
    """A ticket of one kind: new (with attachments and, for a fault, a unit to send it
    to at once) or modified (with the version the agent saw)."""

    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Photos of the fault, letters: you may choose several files."),
    )
    dispatch_unit = forms.ModelChoiceField(
        label=_("Send now to unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("Do not send yet"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Ticket
        fields = [
            "customer_name",
            "contact_phone",
            "caller_number",
            "vehicle_plate",
            "address",
            "category",
            "priority",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, kind: str, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        shown = FIELDS_OF_KIND[kind]
        for name in list(self.fields):
            if name in self.Meta.fields and name not in shown:
                del self.fields[name]
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = Category.objects.filter(kind=kind, is_active=True) | (
            Category.objects.filter(pk=self.instance.category_id)
            if self.instance.category_id
            else Category.objects.none()
        )
        self.fields["priority"].initial = Priority.NORMAL
        self.fields["description"].required = True
        if kind in NEEDS_CONTACT:
            self.fields["customer_name"].required = True
            self.fields["contact_phone"].required = True
        if editing:
            del self.fields["attachments"]
            del self.fields["dispatch_unit"]
        else:
            del self.fields["version"]
            dispatch_unit = self.fields["dispatch_unit"]
            assert isinstance(dispatch_unit, forms.ModelChoiceField)
            if kind == Kind.FAULT:
                dispatch_unit.queryset = active_units()
            else:
                del self.fields["dispatch_unit"]

    def _post_clean(self) -> None:
        # The model's checks run in `tickets.actions` (as for every caller); here only
        # the form's own fields are checked.
        pass

    def clean_contact_phone(self) -> str:
        value: str = self.cleaned_data.get("contact_phone", "")
        return normalize_phone(value) if value.strip() else ""

    def clean_vehicle_plate(self) -> str:
        value: str = self.cleaned_data.get("vehicle_plate", "")
        return normalize_plate(value) if value.strip() else ""

    def clean_attachments(self) -> list[UploadedFile[Any]]:
        uploads: list[UploadedFile[Any]] = self.cleaned_data.get("attachments") or []
        for upload in uploads:
            check_upload(upload)
        return uploads

    def ticket_fields(self) -> dict[str, Any]:
        """The cleaned values of the ticket's own fields."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class DispatchForm(VersionForm):
    # Not required here: the action says what is missing, in its words.
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = active_units()


class ResendForm(VersionForm):
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("The same unit"),
    )
    notes = forms.CharField(
        label=_("Notes for the unit"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = active_units()


YES, NO = "yes", "no"


class CallbackForm(VersionForm):
    reached = forms.ChoiceField(
        label=_("Customer reached"),
        choices=[(YES, _("Yes")), (NO, _("No"))],
        widget=forms.RadioSelect,
    )
    satisfied = forms.ChoiceField(
        label=_("Customer satisfied"),
        required=False,
        choices=[(YES, _("Satisfied")), (NO, _("Not satisfied"))],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Callback notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def values(self) -> dict[str, Any]:
        satisfied = self.cleaned_data["satisfied"]
        return {
            "reached": self.cleaned_data["reached"] == YES,
            "satisfied": None if not satisfied else satisfied == YES,
            "notes": self.cleaned_data["notes"],
        }


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachForm(forms.Form):
    file = forms.FileField(label=_("File"))
