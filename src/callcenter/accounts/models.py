"""Users (logged in by 工号), second-level units and their handlers, logins and audit.

- `User`: one account per person; the login name is the agent ID (工号). Deactivated
  accounts are kept (their history refers to them) and cannot log in.
- `Unit`: a second-level unit (二级单位, a repair point) in a tree of units.
- `Handler`: a person in a unit who handles work orders (处理人); not a login.
- `LoginThrottle`: failed logins per agent ID, and the lock they lead to.
- `LoginRecord`: every login with its extension, and how it ended.
- `AuditEntry`: who did what to whom and when (REQUIREMENTS D2).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from callcenter.accounts.choices import LoginEnd, Role

agent_id_validator = RegexValidator(
    r"^[A-Za-z0-9_.-]{2,20}$",
    _("An agent ID has 2 to 20 letters, digits, dots, dashes or underscores."),
)


class Unit(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Letters, digits, - and _ only."))],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("second-level unit")
        verbose_name_plural = _("second-level units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is not None and self.pk is not None:
            ancestor: Unit | None = self.parent
            while ancestor is not None:
                if ancestor.pk == self.pk:
                    raise ValidationError(
                        {"parent": _("A unit cannot be placed under itself or its sub-units.")}
                    )
                ancestor = ancestor.parent

    def subtree_ids(self) -> set[int]:
        """This unit's id and those of all units below it."""
        found = {self.pk}
        frontier = [self.pk]
        while frontier:
            below = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            frontier = [pk for pk in below if pk not in found]
            found.update(frontier)
        return found


class Handler(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="handlers"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("handler")
        verbose_name_plural = _("handlers")
        ordering = ["unit", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="handler_unique_name_in_unit")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, agent_id: str, password: str | None = None, **fields: Any) -> User:
        if not agent_id:
            raise ValueError("An agent ID is required.")
        user = self.model(agent_id=agent_id, **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, agent_id: str, password: str | None = None, **fields: Any) -> User:
        fields["role"] = Role.ADMINISTRATOR
        fields.setdefault("name", agent_id)
        return self.create_user(agent_id, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    agent_id = models.CharField(
        _("agent ID"), max_length=20, unique=True, validators=[agent_id_validator]
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operators",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    auto_answer = models.BooleanField(
        _("auto-answer queue calls"),
        default=False,
        help_text=_(
            "Queue calls are offered asking the phone to answer by itself (Call-Info "
            "answer-after=0), for agents on headsets; the phone must allow auto-answer."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("created"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "agent_id"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["agent_id"]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.name}"

    @property
    def is_staff(self) -> bool:
        """Django's admin site is open to administrators only."""
        return self.is_active and self.role == Role.ADMINISTRATOR

    def clean(self) -> None:
        if self.role == Role.UNIT_OPERATOR and self.unit_id is None:
            raise ValidationError({"unit": _("A unit operator must belong to a unit.")})
        if self.role != Role.UNIT_OPERATOR and self.unit_id is not None:
            raise ValidationError({"unit": _("Only unit operators belong to a unit.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Administrators hold every permission of the admin site; nobody else holds any.
        self.is_superuser = self.role == Role.ADMINISTRATOR
        super().save(*args, **kwargs)


class LoginThrottle(models.Model):
    """Failed logins for one agent ID (known or not, so IDs cannot be probed)."""

    agent_id = models.CharField(_("agent ID"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    first_failure_at = models.DateTimeField(_("first failure"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.failures}"

    def is_locked(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now


class LoginRecord(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="logins"
    )
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    logged_in_at = models.DateTimeField(_("logged in at"), default=timezone.now)
    logged_out_at = models.DateTimeField(_("logged out at"), null=True, blank=True)
    ended_by = models.CharField(_("ended by"), max_length=20, choices=LoginEnd.choices, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("login")
        verbose_name_plural = _("logins")
        ordering = ["-logged_in_at"]
        indexes = [models.Index(fields=["user", "-logged_in_at"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.extension or '-'} {self.logged_in_at:%Y-%m-%d %H:%M}"


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(_("action"), max_length=50, db_index=True)
    target = models.CharField(_("target"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.target}"
