"""The BOSS interface's configuration, links, outbox and exchanges (see the package)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import User
from callcenter.tickets.models import Ticket


class BossEndpoint(models.Model):
    """Where BOSS listens; the first active one is used."""

    name = models.CharField(_("name"), max_length=50, default="BOSS")
    url = models.URLField(_("URL"), help_text=_("Where new tickets are posted (HTTP/JSON)."))
    secret = models.CharField(
        _("shared secret"),
        max_length=200,
        help_text=_("Signs both directions (HMAC-SHA256) and is sent as the bearer token."),
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("BOSS endpoint")
        verbose_name_plural = _("BOSS endpoints")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.url}"

    @classmethod
    def current(cls) -> BossEndpoint | None:
        return cls.objects.filter(is_active=True).first()


class BossLink(models.Model):
    """A ticket forwarded to BOSS: its reference there and the latest state BOSS gave."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="boss_link"
    )
    reference = models.CharField(_("BOSS reference"), max_length=64, blank=True, db_index=True)
    state = models.CharField(_("BOSS state"), max_length=40, blank=True)
    forwarded_by = models.ForeignKey(
        User, verbose_name=_("forwarded by"), on_delete=models.PROTECT, related_name="+"
    )
    forwarded_at = models.DateTimeField(_("forwarded at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    last_exchange_at = models.DateTimeField(_("last exchange"), null=True, blank=True)

    class Meta:
        verbose_name = _("BOSS link")
        verbose_name_plural = _("BOSS links")
        ordering = ["-forwarded_at"]

    def __str__(self) -> str:
        return f"{self.ticket.number} → {self.reference or '…'}"


class BossOutbox(models.Model):
    """A forward not yet acknowledged by BOSS; written with the link, sent by the worker.
    `next_attempt_at` is also a lease: a worker that takes a row moves it forward."""

    link = models.ForeignKey(
        BossLink, verbose_name=_("BOSS link"), on_delete=models.CASCADE, related_name="outbox"
    )
    payload = models.JSONField(_("payload"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("BOSS outbox entry")
        verbose_name_plural = _("BOSS outbox")
        ordering = ["next_attempt_at", "pk"]

    def __str__(self) -> str:
        return f"{self.link.ticket.number} #{self.attempts}"


class Direction(models.TextChoices):
    OUT = "out", _("to BOSS")
    IN = "in", _("from BOSS")


class BossExchange(models.Model):
    """One message to or from BOSS, as sent or received."""

    link = models.ForeignKey(
        BossLink, verbose_name=_("BOSS link"), on_delete=models.CASCADE, related_name="exchanges"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=20)
    error = models.TextField(_("error"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("BOSS exchange")
        verbose_name_plural = _("BOSS exchanges")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.status} {self.at:%Y-%m-%d %H:%M}"
