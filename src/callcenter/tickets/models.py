"""Tickets (工单), work orders (维修单), their history, attachments and the lists around them.

- `Ticket`: one customer request of a `Kind` (fault, complaint, inquiry, suggestion,
  report) with its number (``GD20261122-0001``, `tickets.numbering`), the customer's
  details, the `State` of its flow (`tickets.states`), the unit it is with and its
  handler, its deadlines, the latest feedback and callback, and a `version` for
  optimistic concurrency. Change it only through `tickets.actions`.
- `TicketEvent`: one row per change (who, when, action, from and to state, reason, unit,
  handler, notes): the history a detail page shows (seed 001 §4.6.5 历史记录).
- `Attachment`: a file kept in ``TICKET_ATTACHMENTS_DIR`` (`tickets.files`).
- `Category` (per kind) and `ReturnReason` (退单原因): lists administered in the admin.
- `WorkCalendar` with its `CalendarDay` rows (holidays and make-up working days, 调休) and
  `SlaTarget` (kind × priority → working hours): the deadlines (`tickets.sla`).
- `TicketCounter`: the last number given out per day.

Queries for pages (`Ticket.objects`): `visible_to(user)`, `in_unit_scope(user)`,
`waiting_for_unit()`, `receive_counts() -> (new, re-repair)`, `overdue(now=None)`; on a
ticket: `is_overdue`, `overdue_since(now=None)`, `is_rerepair`, `events` (history, oldest
first), `attachments`.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, time
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import Handler, Unit, User
from callcenter.accounts.roles import Capability, has_capability
from callcenter.tickets import sla
from callcenter.tickets.choices import DayKind, FeedbackKind, Kind, Priority, State
from callcenter.tickets.states import UNRESOLVED, WAITING_FOR_UNIT
from callcenter.tickets.validators import normalize_phone, normalize_plate


class Category(models.Model):
    """A category of one kind of ticket (e.g. 充电桩故障 for faults)."""

    kind = models.CharField(_("ticket kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["kind", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="category_unique_name_in_kind")
        ]

    def __str__(self) -> str:
        return self.name


class ReturnReason(models.Model):
    """A reason a unit may give when it returns an order (退单原因, seed 001 §4.5.2)."""

    name = models.CharField(_("reason"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("return reason")
        verbose_name_plural = _("return reasons")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class WorkCalendar(models.Model):
    """The working hours and the days that differ from Monday to Friday. One calendar
    is used (the first); the admin allows no second one."""

    name = models.CharField(_("name"), max_length=50, default="工作日历")
    day_start = models.TimeField(_("working day starts"), default=time(8, 30))
    day_end = models.TimeField(_("working day ends"), default=time(17, 30))

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.day_start:%H:%M}–{self.day_end:%H:%M}"

    def clean(self) -> None:
        if (
            self.day_start is not None
            and self.day_end is not None
            and self.day_end <= self.day_start
        ):
            raise ValidationError({"day_end": _("The working day must end after it starts.")})

    @classmethod
    def current(cls) -> WorkCalendar:
        """The calendar in use; an unsaved 08:30–17:30 one when none was set up."""
        return cls.objects.first() or cls()

    def schedule(self) -> sla.Schedule:
        holidays: set[Any] = set()
        workdays: set[Any] = set()
        if self.pk is not None:
            for day, kind in self.days.values_list("date", "kind"):
                (workdays if kind == DayKind.WORKDAY else holidays).add(day)
        return sla.Schedule(
            day_start=self.day_start,
            day_end=self.day_end,
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            zone=timezone.get_default_timezone(),
        )


class CalendarDay(models.Model):
    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("work calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind of day"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("holiday"), max_length=50, blank=True, help_text=_("e.g. 春节"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class SlaTarget(models.Model):
    """How many working hours a unit has to receive an order (response) and the center
    to resolve a ticket (resolution), per kind and priority."""

    kind = models.CharField(_("ticket kind"), max_length=20, choices=Kind.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    response_hours = models.DecimalField(
        _("response within (working hours)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    resolution_hours = models.DecimalField(
        _("resolution within (working hours)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1"))],
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["kind", "-priority"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "priority"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_priority_display()}"

    def clean(self) -> None:
        if (
            self.response_hours is not None
            and self.resolution_hours is not None
            and self.resolution_hours < self.response_hours
        ):
            raise ValidationError(
                {"resolution_hours": _("Resolution cannot be due before the response.")}
            )


class TicketCounter(models.Model):
    """The last ticket number given out on a day (`tickets.numbering`)."""

    day = models.DateField(_("date"), unique=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self) -> str:
        return f"{self.day:%Y%m%d}: {self.last}"


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user: Any) -> TicketQuerySet:
        """The CSC sees every ticket; a unit operator those with its units; others none."""
        if has_capability(user, Capability.AGENT_DESK):
            return self
        if has_capability(user, Capability.UNIT_DESK):
            return self.in_unit_scope(user)
        return self.none()

    def in_unit_scope(self, user: Any) -> TicketQuerySet:
        """Orders with the operator's unit or a unit below it (seed 001 §4.5)."""
        unit = getattr(user, "unit", None)
        if unit is None:
            return self.none()
        return self.filter(unit_id__in=unit.subtree_ids())

    def waiting_for_unit(self) -> TicketQuerySet:
        """Orders sent down and not yet received or handled (接单 page; its new and
        re-repair counts split on `rerepair_count`)."""
        return self.filter(state__in=WAITING_FOR_UNIT)

    def receive_counts(self) -> tuple[int, int]:
        """How many orders wait to be received: (new ones, re-repairs) — the figures at
        the top of the receive page (seed 001 §4.5)."""
        waiting = self.waiting_for_unit()
        rerepairs = waiting.filter(rerepair_count__gt=0).count()
        return waiting.count() - rerepairs, rerepairs

    def overdue(self, now: datetime | None = None) -> TicketQuerySet:
        """Waiting for a unit past the response deadline, or unresolved past the
        resolution deadline."""
        now = now or timezone.now()
        return self.filter(
            Q(state__in=WAITING_FOR_UNIT, response_due__lt=now)
            | Q(state__in=UNRESOLVED, resolution_due__lt=now)
        )


def _user_fk(verbose: Any, related: str, *, null: bool = True) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        User,
        verbose_name=verbose,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related,
    )


class Ticket(models.Model):
    number = models.CharField(_("ticket number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("ticket kind"), max_length=20, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.NEW, db_index=True
    )
    # The customer: the CRM's record when the ticket was made for one (B2, B6), and the
    # details as given on the ticket (kept as written, whatever becomes of the record).
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    customer_name = models.CharField(_("customer name"), max_length=100, blank=True)
    caller_number = models.CharField(
        _("caller number"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("The number the customer called from, as the switch saw it."),
    )
    # The switch's call during which it was made (the screen pop; B2), when one was.
    call_id = models.CharField(
        _("call ID"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("The call during which the ticket was created."),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=10, blank=True, db_index=True)
    description = models.TextField(_("problem description"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    created_by = _user_fk(_("created by"), "tickets_created", null=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Where it is: the unit it was sent to (or a unit below, chosen when receiving or
    # assigning) and the handler there (seed 001 §4.5.1, §4.6.1).
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    handler = models.ForeignKey(
        Handler,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # Deadlines in working hours (`SlaTarget`, `tickets.sla`).
    response_due = models.DateTimeField(_("response due"), null=True, blank=True, db_index=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)

    # How many times it went down again: resent after a return, or sent back after an
    # unsatisfied callback (重新维修, seed 001 §4.5).
    rerepair_count = models.PositiveSmallIntegerField(_("re-repairs"), default=0)
    return_reason = models.ForeignKey(
        ReturnReason,
        verbose_name=_("return reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    return_notes = models.TextField(_("return notes"), blank=True)

    # The unit's latest feedback (seed 001 §4.7) or handling notes (§4.8).
    feedback_kind = models.CharField(
        _("feedback kind"), max_length=20, choices=FeedbackKind.choices, blank=True
    )
    feedback_result = models.TextField(_("handling and result"), blank=True)
    feedback_reason = models.TextField(_("reason for delay or no repair"), blank=True)
    feedback_by = _user_fk(_("feedback by"), "ticket_feedbacks")
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)

    # The center's latest callback visit (回访).
    callback_reached = models.BooleanField(_("customer reached"), null=True, blank=True)
    callback_satisfied = models.BooleanField(_("customer satisfied"), null=True, blank=True)
    callback_notes = models.TextField(_("callback notes"), blank=True)
    callback_by = _user_fk(_("called back by"), "ticket_callbacks")
    callback_at = models.DateTimeField(_("called back at"), null=True, blank=True)

    close_notes = models.TextField(_("closing notes"), blank=True)

    # Raised by every change; an action given an older version is refused (`stale`).
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "state"], name="ticket_unit_state")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    def clean(self) -> None:
        """Normalizes the phone and plate (customers write them many ways) and checks
        that the category is one of this kind."""
        errors: dict[str, Any] = {}
        if self.contact_phone:
            try:
                self.contact_phone = normalize_phone(self.contact_phone)
            except ValidationError as error:
                errors["contact_phone"] = error
        if self.vehicle_plate:
            try:
                self.vehicle_plate = normalize_plate(self.vehicle_plate)
            except ValidationError as error:
                errors["vehicle_plate"] = error
        if self.category is not None and self.category.kind != self.kind:
            errors["category"] = _("This category belongs to another kind of ticket.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_rerepair(self) -> bool:
        return self.rerepair_count > 0

    def is_response_overdue(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.state in WAITING_FOR_UNIT
            and self.response_due is not None
            and self.response_due < now
        )

    def is_resolution_overdue(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.state in UNRESOLVED
            and self.resolution_due is not None
            and self.resolution_due < now
        )

    def overdue_since(self, now: datetime | None = None) -> datetime | None:
        """The deadline this ticket is past, or None (a page's "overdue since")."""
        now = now or timezone.now()
        if self.is_response_overdue(now):
            return self.response_due
        if self.is_resolution_overdue(now):
            return self.resolution_due
        return None

    @property
    def is_overdue(self) -> bool:
        """Past a deadline that still runs (the same rule as `Ticket.objects.overdue`)."""
        now = timezone.now()
        return self.is_response_overdue(now) or self.is_resolution_overdue(now)


class TicketEvent(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = _user_fk(_("by"), "ticket_events")
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from state"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, choices=State.choices)
    reason = models.TextField(_("reason"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket_events",
    )
    handler = models.ForeignKey(
        Handler,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket_events",
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket history entry")
        verbose_name_plural = _("ticket history")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket_at")]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @cached_property
    def action_label(self) -> str:
        from callcenter.tickets.choices import Action

        try:
            return str(Action(self.action).label)
        except ValueError:
            return self.action


class AttachmentStorage(FileSystemStorage):
    """The attachments folder, read from the settings when used (tests move it)."""

    @property
    def base_location(self) -> str:
        return str(settings.TICKET_ATTACHMENTS_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(settings.TICKET_ATTACHMENTS_DIR)


_storage = AttachmentStorage()


def attachment_storage() -> AttachmentStorage:
    return _storage


def attachment_path(instance: Attachment, filename: str) -> str:
    """A name of our own (the original is kept in `original_name`), by month."""
    suffix = PurePath(filename).suffix.lower()
    return f"{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to=attachment_path, storage=attachment_storage, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = _user_fk(_("uploaded by"), "ticket_attachments", null=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
