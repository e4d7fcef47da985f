"""Every change to accounts: logging in and out, lockout, and agent administration.

Each action runs in one transaction and writes an `AuditEntry`; a refusal raises
`ActionError` with a stable code and a message in the user's language. Views only parse
forms and call these.

Login rules (REQUIREMENTS B1, C1):
1. A locked agent ID is refused until its lock expires, even with the right password.
2. A wrong password (or an unknown agent ID) counts a failure for that ID; the
   `LOGIN_MAX_FAILURES`-th failure within `LOGIN_FAILURE_WINDOW_MINUTES` locks the ID for
   `LOGIN_LOCK_MINUTES`. The message says how many tries are left, then how long the
   lock lasts.
3. A deactivated account is refused with its own message (the password was right).
4. Roles that take calls (agents) must give an extension; any extension given must
   exist. A right password with a bad extension is not a failure.
5. A successful login clears the failures and opens a `LoginRecord`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from callcenter.accounts.choices import LoginEnd, Role
from callcenter.accounts.models import AuditEntry, LoginRecord, LoginThrottle, User
from callcenter.accounts.roles import ROLES_NEEDING_EXTENSION
from callcenter.telephony.models import Extension
from callcenter.web.errors import ActionError

SESSION_LOGIN_RECORD = "callcenter_login_record"
SESSION_EXTENSION = "callcenter_extension"
SESSION_LOGIN_AT = "callcenter_login_at"


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit(
    actor: User | None,
    action: str,
    target: object = "",
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target=str(target)[:200],
        details=details,
        ip_address=client_ip(request),
    )


# --- login -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    user: User
    extension: str
    record: LoginRecord


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _locked_error(until: datetime, now: datetime) -> ActionError:
    minutes = _minutes_left(until, now)
    return ActionError(
        "account_locked",
        ngettext(
            "Too many failed logins: this agent ID is locked. Try again in %(minutes)d "
            "minute or ask an administrator to unlock it.",
            "Too many failed logins: this agent ID is locked. Try again in %(minutes)d "
            "minutes or ask an administrator to unlock it.",
            minutes,
        )
        % {"minutes": minutes},
    )


def _record_failure(agent_id: str, now: datetime) -> ActionError:
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(agent_id=agent_id)
    if throttle.first_failure_at is None or now - throttle.first_failure_at > window:
        throttle.failures = 0
        throttle.first_failure_at = now
    throttle.failures += 1
    left = settings.LOGIN_MAX_FAILURES - throttle.failures
    if left <= 0:
        throttle.locked_until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        throttle.failures = 0
        throttle.first_failure_at = None
    throttle.save()
    if throttle.locked_until is not None and throttle.locked_until > now:
        return _locked_error(throttle.locked_until, now)
    return ActionError(
        "bad_credentials",
        ngettext(
            "Wrong agent ID or password. %(left)d try left before the agent ID is locked.",
            "Wrong agent ID or password. %(left)d tries left before the agent ID is locked.",
            left,
        )
        % {"left": left},
        field="password",
    )


def _check_credentials(agent_id: str, password: str, now: datetime) -> User:
    throttle = LoginThrottle.objects.filter(agent_id=agent_id).first()
    if throttle is not None and throttle.is_locked(now):
        assert throttle.locked_until is not None
        raise _locked_error(throttle.locked_until, now)
    user = User.objects.filter(agent_id=agent_id).select_related("unit").first()
    if user is None:
        # Spend the same time as a real check, so unknown IDs cannot be told apart.
        User().set_password(password)
        raise _record_failure(agent_id, now)
    if not user.check_password(password):
        raise _record_failure(agent_id, now)
    if not user.is_active:
        raise ActionError(
            "account_inactive",
            _("This agent ID has been deactivated. Ask an administrator."),
            field="agent_id",
        )
    return user


def _check_extension(user: User, number: str) -> str:
    if not number:
        if user.role in ROLES_NEEDING_EXTENSION:
            raise ActionError(
                "extension_required",
                _("Agents must enter the number of the extension they sit at."),
                field="extension",
            )
        return ""
    if not Extension.objects.filter(number=number).exists():
        raise ActionError(
            "extension_unknown",
            _("Extension %(number)s does not exist. Check the number on your phone.")
            % {"number": number},
            field="extension",
        )
    return number


def log_in(request: HttpRequest, agent_id: str, password: str, extension: str) -> LoginResult:
    agent_id = agent_id.strip()
    extension = extension.strip()
    now = timezone.now()
    user: User | None = None
    error: ActionError | None
    with transaction.atomic():
        try:
            user = _check_credentials(agent_id, password, now)
        except ActionError as refusal:
            if refusal.code in ("bad_credentials", "account_locked"):
                audit(None, "login_failed", agent_id, request, reason=refusal.code)
            error = refusal  # raised after the block, so the counted failure commits
        else:
            error = None
    if error is not None:
        raise error
    assert user is not None
    number = _check_extension(user, extension)
    with transaction.atomic():
        LoginThrottle.objects.filter(agent_id=agent_id).delete()
        previous = request.session.get(SESSION_LOGIN_RECORD)
        if previous:
            _close_record(previous, LoginEnd.REPLACED, now)
        django_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        record = LoginRecord.objects.create(
            user=user,
            extension=number,
            logged_in_at=now,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        audit(user, "login", user, request, extension=number)
    request.session[SESSION_LOGIN_RECORD] = record.pk
    request.session[SESSION_EXTENSION] = number
    request.session[SESSION_LOGIN_AT] = now.isoformat()
    return LoginResult(user=user, extension=number, record=record)


def _close_record(record_id: int, ended_by: str, now: datetime) -> None:
    # Saved one by one, not with update(): the switch's directory listens to the save
    # signal, because who is logged in at an extension decides whether it may dial out.
    for record in LoginRecord.objects.select_for_update().filter(
        pk=record_id, logged_out_at__isnull=True
    ):
        record.logged_out_at = now
        record.ended_by = ended_by
        record.save(update_fields=["logged_out_at", "ended_by"])


def log_out(request: HttpRequest, ended_by: str = LoginEnd.LOGOUT) -> None:
    user = request.user if request.user.is_authenticated else None
    record_id = request.session.get(SESSION_LOGIN_RECORD)
    with transaction.atomic():
        if record_id:
            _close_record(record_id, ended_by, timezone.now())
        if isinstance(user, User):
            audit(user, "logout" if ended_by == LoginEnd.LOGOUT else "relogin", user, request)
    django_logout(request)


def change_own_password(request: HttpRequest, user: User, new_password: str) -> None:
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit(user, "password_changed", user, request)
    update_session_auth_hash(request, user)


# --- agent administration (REQUIREMENTS B11, B13) ---------------------------------------


def _other_active_admins(user: User) -> bool:
    return User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exclude(pk=user.pk).exists()


def create_agent(
    actor: User, *, password: str, request: HttpRequest | None = None, **fields: Any
) -> User:
    with transaction.atomic():
        user = User(**fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        audit(actor, "agent_created", user, request, role=user.role)
    return user


def update_agent(
    actor: User, user: User, changed: list[str], request: HttpRequest | None = None
) -> User:
    """Save an agent edited by a form; `changed` names the fields that changed."""
    if (
        "role" in changed
        and user.role != Role.ADMINISTRATOR
        and User.objects.filter(pk=user.pk, role=Role.ADMINISTRATOR).exists()
        and not _other_active_admins(user)
    ):
        raise ActionError(
            "last_admin", _("This is the last active administrator; keep its role."), "role"
        )
    with transaction.atomic():
        user.full_clean(exclude=["password"])
        user.save()
        audit(actor, "agent_updated", user, request, fields=sorted(changed))
    return user


def reset_password(
    actor: User, user: User, new_password: str, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        LoginThrottle.objects.filter(agent_id=user.agent_id).delete()
        audit(actor, "password_reset", user, request)


def unlock_agent(actor: User, user: User, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        LoginThrottle.objects.filter(agent_id=user.agent_id).delete()
        audit(actor, "agent_unlocked", user, request)


def deactivate_agent(actor: User, user: User, request: HttpRequest | None = None) -> None:
    if user.pk == actor.pk:
        raise ActionError("deactivate_self", _("You cannot deactivate your own account."))
    if not user.is_active:
        raise ActionError("already_inactive", _("This agent is already deactivated."))
    if user.role == Role.ADMINISTRATOR and not _other_active_admins(user):
        raise ActionError(
            "last_admin", _("This is the last active administrator; it cannot be deactivated.")
        )
    with transaction.atomic():
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        # Sessions of a deactivated user stop working at their next request (the
        # authentication middleware refuses inactive users).
        audit(actor, "agent_deactivated", user, request)


def activate_agent(actor: User, user: User, request: HttpRequest | None = None) -> None:
    if user.is_active:
        raise ActionError("already_active", _("This agent is already active."))
    with transaction.atomic():
        user.is_active = True
        user.deactivated_at = None
        user.save(update_fields=["is_active", "deactivated_at"])
        audit(actor, "agent_activated", user, request)
