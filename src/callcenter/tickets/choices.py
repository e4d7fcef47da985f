"""Fixed vocabularies of tickets (工单) and work orders (维修单).

`State` and `Action` name every state and every action of the state tables in
`tickets.states`; the values are stored, the labels shown.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    """What the customer called about (REQUIREMENTS B4, C11)."""

    FAULT = "fault", _("Fault")
    COMPLAINT = "complaint", _("Complaint")
    INQUIRY = "inquiry", _("Inquiry")
    SUGGESTION = "suggestion", _("Suggestion")
    REPORT = "report", pgettext_lazy("whistle-blowing", "Report")


class Priority(models.IntegerChoices):
    """How fast it must be handled; a higher value is more urgent, so lists sort by it."""

    NORMAL = 1, _("Normal")
    URGENT = 2, _("Urgent")
    CRITICAL = 3, _("Critical")


class State(models.TextChoices):
    """Every state of every kind; which ones a kind uses is in `tickets.states`."""

    NEW = "new", _("New (not yet sent)")
    SENT = "sent", _("Sent, waiting for the unit")
    IN_REPAIR = "in_repair", _("In repair")
    REPAIRED = "repaired", _("Repaired")
    DELAYED = "delayed", _("Delayed repair")
    NOT_REPAIRED = "not_repaired", _("No repair")
    PROCESSING = "processing", _("In progress")
    FINISHED = "finished", _("Handling finished")
    DECLINED = "declined", _("Not handled")
    RETURNED = "returned", _("Returned to the center")
    VISITED = "visited", _("Called back")
    CLOSED = "closed", _("Closed")


class Action(models.TextChoices):
    """Every action of the state tables, as written in a ticket's history."""

    CREATE = "create", _("Create")
    EDIT = "edit", _("Modify")
    DISPATCH = "dispatch", _("Send to a unit")
    RESEND = "resend", _("Send again")
    RECEIVE = "receive", _("Receive")
    RETURN = "return", _("Return")
    ASSIGN = "assign", _("Assign")
    LATE_RETURN = "late_return", _("Late return")
    FEEDBACK_REPAIRED = "feedback_repaired", _("Feedback: repaired")
    FEEDBACK_UNFINISHED = "feedback_unfinished", _("Feedback: repair not finished")
    FEEDBACK_DELAYED = "feedback_delayed", _("Feedback: delayed repair")
    FEEDBACK_NO_REPAIR = "feedback_no_repair", _("Feedback: no repair")
    PROCESS = "process", _("Set in progress")
    FINISH = "finish", _("Finish handling")
    DECLINE = "decline", _("Do not handle")
    CALLBACK = "callback", _("Record callback")
    SEND_BACK = "send_back", _("Send back for re-repair")
    CLOSE = "close", _("Close")
    ATTACH = "attach", _("Add attachment")


class FeedbackKind(models.TextChoices):
    """The three kinds of feedback a unit gives on a work order (seed 001 §4.7)."""

    NORMAL = "normal", _("Normal feedback")
    DELAYED = "delayed", _("Delayed repair")
    NO_REPAIR = "no_repair", _("No repair")


class DayKind(models.TextChoices):
    """A day of the work calendar that differs from the usual Monday-to-Friday week."""

    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKDAY = "workday", _("Make-up working day")
