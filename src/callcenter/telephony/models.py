"""The switch's configuration as the web administers it.

- `Extension` (分机): a phone that registers to the switch: a number with a SIP password.
  Any agent may log in at any extension (REQUIREMENTS A5), so the link between agent and
  extension lives in the login (`accounts.LoginRecord`), not here.
- `Registration`: a phone's live registration, as the switch reported it.
- `Trunk` (中继): a SIP gateway or carrier the switch calls out through and takes calls in
  from (the seed's E1 gateway, A1).
- `InboundRoute` (呼入路由): a dialled number (DID) arriving on a trunk, and the number it
  leads to (an extension or a service number of the switch).
"""

from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from callcenter.telephony.choices import Transport

extension_number_validator = RegexValidator(
    r"^[0-9]{2,10}$", _("An extension number has 2 to 10 digits.")
)
sip_password_validator = RegexValidator(
    r"^[\x21-\x7e]+$", _("Use letters, digits and punctuation, without spaces.")
)
trunk_name_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
    _("Use letters, digits, - and _ only, starting with a letter or digit (e.g. demo-gw)."),
)
sip_user_validator = RegexValidator(
    r"^[^\s@:]+$", _("Use letters, digits and punctuation other than @ and :, without spaces.")
)
telephone_number_validator = RegexValidator(
    r"^\+?[0-9]{1,31}$", _("Enter digits only, optionally starting with +.")
)
port_validators = [
    MinValueValidator(1, _("A port is a number from 1 to 65535.")),
    MaxValueValidator(65535, _("A port is a number from 1 to 65535.")),
]
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def validate_host(value: str) -> None:
    """An IPv4 or IPv6 address, or a DNS host name (RFC 1123 labels)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        labels = value.removesuffix(".").split(".")
        if (
            len(value) <= 253
            and not value.replace(".", "").isdigit()  # 300.1.1.1 is a bad address
            and all(_HOST_LABEL.match(label) for label in labels)
        ):
            return
        raise ValidationError(
            _(
                "Enter an IP address (such as 192.0.2.10) or a host name (such as "
                "sip.example.com), without port or sip: prefix."
            ),
            code="invalid_host",
        ) from None


class Extension(models.Model):
    number = models.CharField(
        _("number"), max_length=10, unique=True, validators=[extension_number_validator]
    )
    sip_password = models.CharField(
        _("SIP password"),
        max_length=64,
        validators=[MinLengthValidator(5), sip_password_validator],
        help_text=_("The phone's digest password for registering to the switch."),
    )
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    dial_out_permitted = models.BooleanField(
        _("may dial out"),
        default=True,
        help_text=_(
            'Outside numbers (prefix "0") through a trunk; allowed only while an agent is '
            "logged in at this extension."
        ),
    )
    fax = models.BooleanField(
        _("fax line"),
        default=False,
        help_text=_("A fax machine: its calls are relayed as G.711 end to end, untouched."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.display_name}".strip()


class Registration(models.Model):
    """A phone's live registration, as the switch reported it (shown on the extensions
    page; the switch's own memory is the authority)."""

    extension = models.ForeignKey(
        Extension,
        verbose_name=_("extension"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    contact = models.CharField(_("contact"), max_length=500)
    transport = models.CharField(_("transport"), max_length=10)
    source = models.CharField(_("source address"), max_length=100)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    registered_at = models.DateTimeField(_("registered at"))
    node = models.CharField(_("server"), max_length=50, default="callcenter")

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["extension__number", "registered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["extension", "contact", "node"], name="registration_unique_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.extension.number} {self.contact}"


class Trunk(models.Model):
    """A SIP trunk (中继), with the fields of `callcenter.engine.ports.TrunkEntry`."""

    name = models.CharField(
        _("name"),
        max_length=50,
        unique=True,
        validators=[trunk_name_validator],
        help_text=_("A short name the call records show, e.g. demo-gw."),
    )
    host = models.CharField(
        _("host"),
        max_length=253,
        validators=[validate_host],
        help_text=_("The gateway's or carrier's IP address or host name."),
    )
    port = models.PositiveIntegerField(_("port"), default=5060, validators=port_validators)
    transport = models.CharField(
        _("transport"), max_length=10, choices=Transport.choices, default=Transport.UDP
    )
    username = models.CharField(
        _("user name"),
        max_length=64,
        blank=True,
        validators=[sip_user_validator],
        help_text=_("For registering and for answering the trunk's password challenges."),
    )
    password = models.CharField(
        _("password"), max_length=64, blank=True, validators=[sip_password_validator]
    )
    register = models.BooleanField(
        _("register"),
        default=False,
        help_text=_(
            "Register to the trunk with the user name and password (carriers usually ask "
            "for it; a gateway on the local network usually does not)."
        ),
    )
    register_expires = models.PositiveIntegerField(
        _("registration interval (seconds)"),
        default=3600,
        validators=[
            MinValueValidator(60, _("Enter a number of seconds from 60 to 86400.")),
            MaxValueValidator(86400, _("Enter a number of seconds from 60 to 86400.")),
        ],
    )
    caller_id = models.CharField(
        _("caller ID"),
        max_length=32,
        blank=True,
        validators=[telephone_number_validator],
        help_text=_(
            "The number shown to those called out through this trunk; empty: the extension."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The switch's registration to the trunk, as it last reported it (not edited here).
    registered = models.BooleanField(_("registered"), null=True, editable=False)
    registered_until = models.DateTimeField(_("registered until"), null=True, editable=False)
    registration_status = models.PositiveSmallIntegerField(
        _("last answer"), default=0, editable=False
    )
    registration_detail = models.CharField(
        _("registration detail"), max_length=200, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("trunk")
        verbose_name_plural = _("trunks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.host = self.host.strip().lower()
        errors: dict[str, ValidationError] = {}
        if self.register and not self.username:
            errors["username"] = ValidationError(
                _("A trunk that registers needs a user name: enter the one the provider gave."),
                code="username_required",
            )
        elif self.password and not self.username:
            errors["username"] = ValidationError(
                _("Enter the user name that goes with the password."), code="username_required"
            )
        if self.register and not self.password:
            errors["password"] = ValidationError(
                _(
                    "A trunk that registers needs a password: enter the one the provider "
                    "gave, or turn registering off."
                ),
                code="password_required",
            )
        if errors:
            raise ValidationError(errors)


class InboundRoute(models.Model):
    """A DID on a trunk (or on any trunk) leading to an extension or a service number."""

    did = models.CharField(
        _("DID"),
        max_length=32,
        validators=[telephone_number_validator],
        help_text=_("The number callers dial, as the trunk delivers it, e.g. 4008000000."),
    )
    destination = models.CharField(
        _("destination"),
        max_length=32,
        help_text=_("An extension number, or a service number of the switch."),
    )
    trunk = models.ForeignKey(
        Trunk,
        verbose_name=_("trunk"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routes",
        help_text=_("Empty: calls to this DID on any trunk."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("inbound route")
        verbose_name_plural = _("inbound routes")
        ordering = ["did", "trunk__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["did", "trunk"],
                name="inbound_route_unique_did_on_trunk",
                violation_error_message=_(
                    "This DID already has a route on this trunk: modify that route instead."
                ),
            ),
            models.UniqueConstraint(
                fields=["did"],
                condition=Q(trunk__isnull=True),
                name="inbound_route_unique_did_any_trunk",
                violation_error_message=_(
                    "This DID already has a route for any trunk: modify that route instead."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.did} → {self.destination}"

    def clean(self) -> None:
        from callcenter.telephony.services import known_destination, service_numbers_text

        self.destination = self.destination.strip()
        if self.destination and not known_destination(self.destination):
            raise ValidationError(
                {
                    "destination": ValidationError(
                        _(
                            "%(number)s is neither an extension nor a service number "
                            "(%(services)s). Add the extension first, or choose another number."
                        ),
                        code="unknown_destination",
                        params={"number": self.destination, "services": service_numbers_text()},
                    )
                }
            )
