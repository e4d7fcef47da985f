"""The CRM's records (REQUIREMENTS B2, B6, B12; seed 000 §4.2–4.6, §4.17).

- `Customer`: a person or a company, with a number the system gives (``KH00000001``,
  `crm.numbering`; never typed, B2), name, address and notes.
- `CustomerPhone`: one of a customer's numbers, stored normalised
  (`tickets.validators.normalize_phone`: ``+86 138-0013-8000`` → ``13800138000``) so that
  the caller ID of an incoming call finds it in whatever form it arrives
  (`crm.phones.lookup_numbers`). A number may belong to several customers (a company's
  switchboard, a family's landline): the pop then offers the choice.
- `Vehicle`: a customer's vehicle: plate (normalised, unique), VIN, model, battery.
- `Contact`: the contacts directory (联系方式, B12): internal colleagues and external
  partners with their phones, for looking up and click-to-call.
- `CustomerCounter`: the one row the customer numbers are drawn from.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from callcenter.tickets.validators import normalize_phone, normalize_plate

# ISO 3779: 17 characters, letters and digits without I, O and Q.
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def normalize_vin(text: str) -> str:
    vin = text.strip().replace(" ", "").upper()
    if not _VIN.match(vin):
        raise ValidationError(
            _("A VIN has 17 letters and digits (without I, O and Q)."), code="invalid_vin"
        )
    return vin


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class ContactKind(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("External")


class CustomerCounter(models.Model):
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last)


class Customer(models.Model):
    number = models.CharField(_("customer number"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(
        _("customer type"), max_length=10, choices=CustomerKind.choices, default="person"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class CustomerPhone(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(_("phone number"), max_length=20, db_index=True)
    label = models.CharField(
        _("kind of number"), max_length=10, choices=PhoneLabel.choices, default="mobile"
    )

    class Meta:
        verbose_name = _("customer phone")
        verbose_name_plural = _("customer phones")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "number"], name="crm_phone_once")
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        try:
            self.number = normalize_phone(self.number)
        except ValidationError as error:
            raise ValidationError({"number": error}) from None


class Vehicle(models.Model):
    owner = models.ForeignKey(
        Customer, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="vehicles"
    )
    plate = models.CharField(_("plate number"), max_length=10, unique=True)
    vin = models.CharField(_("VIN"), max_length=17, blank=True, db_index=True)
    model = models.CharField(_("vehicle model"), max_length=100, blank=True)
    battery = models.CharField(
        _("battery"),
        max_length=100,
        blank=True,
        help_text=_("Type and capacity, e.g. 磷酸铁锂 60 kWh."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.plate

    def clean(self) -> None:
        errors = {}
        try:
            self.plate = normalize_plate(self.plate)
        except ValidationError as error:
            errors["plate"] = error
        if self.vin:
            try:
                self.vin = normalize_vin(self.vin)
            except ValidationError as error:
                errors["vin"] = error
        if errors:
            raise ValidationError(errors)


class Contact(models.Model):
    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(
        _("internal or external"), max_length=10, choices=ContactKind.choices, default="internal"
    )
    organization = models.CharField(_("organization"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    title = models.CharField(_("position"), max_length=50, blank=True)
    extension = models.CharField(
        _("extension"),
        max_length=10,
        blank=True,
        help_text=_("An internal contact's extension on this switch."),
    )
    phone = models.CharField(_("office phone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["kind", "organization", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for field in ("phone", "mobile"):
            value = getattr(self, field)
            if value:
                try:
                    setattr(self, field, normalize_phone(value))
                except ValidationError as error:
                    errors[field] = error
        if self.extension and not (self.extension.isdigit() and 2 <= len(self.extension) <= 8):
            errors["extension"] = ValidationError(_("An extension has 2 to 8 digits."))
        if not (self.phone or self.mobile or self.extension or self.email):
            errors["phone"] = ValidationError(
                _(
                    "Give at least one way to reach the contact: a phone, a mobile, an "
                    "extension or an email."
                )
            )
        if errors:
            raise ValidationError(errors)


class GisSettings(models.Model):
    """How the desk reaches the GIS (B3): one row, edited by an administrator. An empty
    ``provider`` is the built-in demo provider (`crm.gis`, its settings format)."""

    provider = models.JSONField(
        _("GIS provider"),
        default=dict,
        blank=True,
        help_text=_(
            "Empty: the built-in demo provider (marked 【演示】). Otherwise base_url, "
            "position_path, details_path, username and password or token, timeout_seconds "
            "and the field mapping, as JSON: see docs/gis.md."
        ),
    )
    tile_url = models.CharField(
        _("map tile server"),
        max_length=300,
        blank=True,
        help_text=_("e.g. https://tiles.example.cn/{z}/{x}/{y}.png; empty: no map is drawn."),
    )

    class Meta:
        verbose_name = _("GIS settings")
        verbose_name_plural = _("GIS settings")

    def __str__(self) -> str:
        return str(_("GIS settings"))

    def clean(self) -> None:
        from callcenter.crm.gis import GisError, provider_from_settings

        try:
            provider_from_settings(self.provider or None)
        except GisError as error:
            raise ValidationError({"provider": error.detail or error.code}) from None

    @classmethod
    def current(cls) -> GisSettings:
        found, _created = cls.objects.get_or_create(pk=1)
        return found
