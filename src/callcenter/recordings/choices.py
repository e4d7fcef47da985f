"""Fixed vocabularies of call records; the values are the engine's (`engine.events`).

`tests/recordings` checks that every value the engine can send has a label here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


# === the contact center's events (`engine.events`, from IvrNodeVisited on) =============
class QueueOutcome(models.TextChoices):
    """How a caller left a queue (`engine.events.QueueOutcome`)."""

    ANSWERED = "answered", _("Answered by an agent")
    ABANDONED = "abandoned", _("Caller hung up while waiting")
    TIMEOUT = "timeout", _("Waited too long")
    EMPTY = "empty", _("No agent logged in")
    TRANSFERRED = "transferred", _("Moved elsewhere")
    FAILED = "failed", _("Lost by the switch")


class OfferResult(models.TextChoices):
    """What came of ringing one agent (`engine.events.MissReason`, or answered)."""

    ANSWERED = "answered", _("Answered")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    REJECTED = "rejected", _("Rejected")
    UNAVAILABLE = "unavailable", _("Unavailable")
    CALLER_GONE = "caller_gone", _("Caller hung up while ringing")


class AgentStatus(models.TextChoices):
    """The agent's chosen status (`engine.events.AgentStatusChanged`)."""

    LOGGED_OUT = "logged_out", _("Logged out")
    READY = "ready", _("Ready")
    NOT_READY = "not_ready", _("Not ready")


class AgentState(models.TextChoices):
    """The system-driven state (`engine.events.AgentStateChanged`)."""

    IDLE = "idle", _("Idle")
    RESERVED = "reserved", _("Reserved")
    RINGING = "ringing", _("Ringing")
    IN_CALL = "in_call", _("In a call")
    ON_HOLD = "on_hold", _("On hold")
    WRAP_UP = "wrap_up", _("Wrap-up")


class IvrNodeKind(models.TextChoices):
    """The kinds of IVR node (`engine.ivr.flow`); ``left``: the call left the flow."""

    PLAY = "play", _("Play")
    MENU = "menu", _("Menu")
    COLLECT = "collect", _("Collect digits")
    TIME = "time", _("Business hours")
    TRANSFER = "transfer", _("Transfer")
    HANGUP = "hangup", _("Hang up")
    LEFT = "left", _("Left the IVR")


class TransferKind(models.TextChoices):
    BLIND = "blind", _("Blind transfer")
    ATTENDED = "attended", _("Attended transfer")


class SupervisorActionKind(models.TextChoices):
    """What a supervisor did (`engine.events.SupervisorAction`, A7)."""

    LISTEN = "listen", pgettext_lazy("supervisor action", "Listen")
    WHISPER = "whisper", _("Whisper")
    BARGE = "barge", _("Barge in")
    RELEASE = "release", _("Release")
    FORCE_STATUS = "force_status", _("Force status")
    LOGOUT = "logout", _("Log out")
    LOGIN = "login", pgettext_lazy("supervisor action", "Log in")
    END_WRAP_UP = "end_wrap_up", _("End wrap-up")
    TRANSFER = "transfer", pgettext_lazy("supervisor action", "Transfer")
    HOLD = "hold", pgettext_lazy("supervisor action", "Hold")
    RESUME = "resume", pgettext_lazy("supervisor action", "Resume")
    CONSULT = "consult", pgettext_lazy("supervisor action", "Consult")
    CONSULT_CANCEL = "consult_cancel", _("Cancel consultation")
    CONFERENCE = "conference", pgettext_lazy("supervisor action", "Conference")
