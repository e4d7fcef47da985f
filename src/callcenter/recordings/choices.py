"""Fixed vocabularies of call records; the values are the engine's (`engine.events`).

`tests/recordings` checks that every value the engine can send has a label here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Cause(models.TextChoices):
    """Why a call or leg ended (`engine.events.EndCause`)."""

    NORMAL = "normal", _("Normal hang-up")
    CANCELLED = "cancelled", _("Caller hung up before answer")
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no_answer", _("No answer")
    REJECTED = "rejected", _("Rejected")
    UNAVAILABLE = "unavailable", _("Unavailable")
    NOT_ALLOWED = "not_allowed", _("Not allowed to call")
    NO_CODEC = "no_codec", _("No common codec")
    FAILED = "failed", _("Failed")
    SHUTDOWN = "shutdown", _("Switch restarted")


class LegRole(models.TextChoices):
    CALLER = "caller", _("Calling side")
    CALLEE = "callee", _("Called side")


class HangupBy(models.TextChoices):
    CALLER = "caller", _("Caller")
    CALLEE = "callee", _("Called party")
    SWITCH = "switch", _("Switch")
