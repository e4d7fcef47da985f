"""Fixed vocabularies of the accounts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user is in the center (REQUIREMENTS D2); one role per account."""

    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "admin", _("Administrator")
    UNIT_OPERATOR = "unit_operator", _("Unit operator")


class LoginEnd(models.TextChoices):
    """Why a login session ended."""

    LOGOUT = "logout", _("Logged out")
    RELOGIN = "relogin", _("Re-login (shift handover)")
    REPLACED = "replaced", _("Logged in again elsewhere")


class AccountState(models.TextChoices):
    """States an administrator filters agents by."""

    ACTIVE = "active", _("Active")
    LOCKED = "locked", _("Locked")
    INACTIVE = "inactive", _("Deactivated")
