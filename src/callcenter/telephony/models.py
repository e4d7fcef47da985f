"""Extensions (分机): the phones that register to the switch.

An extension is a number with a SIP password; any agent may log in at any extension
(REQUIREMENTS A5), so the link between agent and extension lives in the login, not here.
"""

from __future__ import annotations

from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

extension_number_validator = RegexValidator(
    r"^[0-9]{2,10}$", _("An extension number has 2 to 10 digits.")
)
sip_password_validator = RegexValidator(
    r"^[\x21-\x7e]+$", _("Use letters, digits and punctuation, without spaces.")
)


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
