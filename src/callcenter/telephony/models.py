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
