"""What each role may do: the one table behind menus, views and actions.

A role grants capabilities; code asks for a capability, never for a role by name, so a
new role is one line here. A supervisor (班长) is also an agent: they take calls too.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from callcenter.accounts.choices import Role


class Capability(StrEnum):
    AGENT_DESK = "agent_desk"  # the agents' CRM: customers, tickets, calls
    SUPERVISE = "supervise"  # monitor agents, intervene in calls
    ADMINISTER = "administer"  # agents, extensions, units, settings
    UNIT_DESK = "unit_desk"  # the second-level acceptance desk of one unit
    # Call records and recordings: administrators every call, supervisors their queues'
    # calls and their own, everyone else their own (`CallRecord.objects.visible_to`).
    CALL_RECORDS = "call_records"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.AGENT: frozenset({Capability.AGENT_DESK, Capability.CALL_RECORDS}),
    Role.SUPERVISOR: frozenset(
        {Capability.AGENT_DESK, Capability.SUPERVISE, Capability.CALL_RECORDS}
    ),
    Role.ADMINISTRATOR: frozenset(
        {Capability.ADMINISTER, Capability.SUPERVISE, Capability.CALL_RECORDS}
    ),
    Role.UNIT_OPERATOR: frozenset({Capability.UNIT_DESK}),
}

# Roles that take calls must say at which phone they sit when they log in.
ROLES_NEEDING_EXTENSION = frozenset({Role.AGENT})


def capabilities_of(user: Any) -> frozenset[Capability]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return ROLE_CAPABILITIES.get(user.role, frozenset())


def has_capability(user: Any, capability: Capability) -> bool:
    return capability in capabilities_of(user)


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def require(capability: Capability) -> Callable[[ViewFunc], ViewFunc]:
    """Refuse the view (403) to users without the capability; anonymous users log in."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied(_("Your role may not open this page."))
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
