"""The left navigation and the header of every page (REQUIREMENTS B1, C1).

The menu is one table: sections of entries, each entry a URL name and the capability it
needs. An entry is listed only when the module behind it exists, so there are no
placeholder pages: a later module adds its entries here along with its views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.roles import Capability, capabilities_of, has_capability


@dataclass(frozen=True)
class Entry:
    label: str | Promise
    url_name: str
    capability: Capability | None = None  # None: every logged-in user


@dataclass(frozen=True)
class Section:
    label: str | Promise
    entries: tuple[Entry, ...]


MENU: tuple[Section, ...] = (
    Section(
        _("Agent desktop"),
        (
            Entry(_("Desktop"), "desktop:desktop", Capability.AGENT_DESK),
            Entry(_("Agent monitor"), "desktop:monitor", Capability.SUPERVISE),
        ),
    ),
    Section(
        _("Agent administration"),
        (
            Entry(_("Query agents"), "accounts:agent_list", Capability.ADMINISTER),
            Entry(_("Add agent"), "accounts:agent_create", Capability.ADMINISTER),
        ),
    ),
    Section(
        _("Switch administration"),
        (
            Entry(_("Manage extensions"), "telephony:extension_list", Capability.ADMINISTER),
            Entry(_("Manage trunks"), "telephony:trunk_list", Capability.ADMINISTER),
            Entry(_("Inbound routes"), "telephony:route_list", Capability.ADMINISTER),
            Entry(_("Second-level units"), "admin:accounts_unit_changelist", Capability.ADMINISTER),
            Entry(_("Handlers"), "admin:accounts_handler_changelist", Capability.ADMINISTER),
        ),
    ),
    Section(
        _("Contact center"),
        (
            Entry(_("Queues"), "acd:queue_list", Capability.ADMINISTER),
            Entry(_("Skills"), "acd:skill_list", Capability.ADMINISTER),
            Entry(_("Not-ready reasons"), "acd:reason_list", Capability.ADMINISTER),
            Entry(_("Voice prompts"), "ivr:prompt_list", Capability.ADMINISTER),
            Entry(_("IVR flows"), "ivr:flow_list", Capability.ADMINISTER),
        ),
    ),
    Section(
        _("Customer information"),
        (
            Entry(_("Query customers"), "crm:customer_list", Capability.AGENT_DESK),
            Entry(_("New customer"), "crm:customer_create", Capability.AGENT_DESK),
            Entry(_("Contacts"), "crm:contact_list", Capability.AGENT_DESK),
            Entry(_("GIS provider"), "admin:crm_gissettings_changelist", Capability.ADMINISTER),
        ),
    ),
    Section(
        _("Ticket management"),
        (
            Entry(_("New ticket"), "tickets:create", Capability.AGENT_DESK),
            Entry(_("Query tickets"), "tickets:list", Capability.AGENT_DESK),
            Entry(_("Returned orders"), "tickets:returned", Capability.AGENT_DESK),
        ),
    ),
    Section(
        _("Ticket settings"),
        (
            Entry(
                _("Ticket categories"), "admin:tickets_category_changelist", Capability.ADMINISTER
            ),
            Entry(
                _("Return reasons"), "admin:tickets_returnreason_changelist", Capability.ADMINISTER
            ),
            Entry(
                _("Work calendar"), "admin:tickets_workcalendar_changelist", Capability.ADMINISTER
            ),
            Entry(_("SLA targets"), "admin:tickets_slatarget_changelist", Capability.ADMINISTER),
        ),
    ),
    Section(
        _("Second-level acceptance"),
        (
            Entry(_("Receive orders"), "dispatch:receive", Capability.UNIT_DESK),
            Entry(_("Orders in repair"), "dispatch:orders", Capability.UNIT_DESK),
            Entry(
                _("Complaints, suggestions and reports"), "dispatch:requests", Capability.UNIT_DESK
            ),
            Entry(_("Query orders"), "dispatch:query", Capability.UNIT_DESK),
        ),
    ),
    Section(
        _("User operations"),
        (
            Entry(_("Query call records"), "recordings:call_list", Capability.CALL_RECORDS),
            Entry(_("Change password"), "accounts:password_change"),
        ),
    ),
)


def menu_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The sections and entries this user may open, the current one marked."""
    capabilities = capabilities_of(request.user)
    sections: list[dict[str, Any]] = []
    entries_shown: list[dict[str, Any]] = []
    for section in MENU:
        entries = [
            {"label": entry.label, "url": reverse(entry.url_name), "active": False}
            for entry in section.entries
            if entry.capability is None or entry.capability in capabilities
        ]
        if entries:
            sections.append({"label": section.label, "entries": entries})
            entries_shown.extend(entries)
    # The current page is the entry with the longest URL that the path starts with.
    matching = [entry for entry in entries_shown if request.path.startswith(entry["url"])]
    if matching:
        max(matching, key=lambda entry: len(entry["url"]))["active"] = True
    return sections


def _waiting_orders(user: Any) -> int | None:
    """How many orders wait for a unit operator's unit (the header shows it, C2)."""
    if not has_capability(user, Capability.UNIT_DESK):
        return None
    from callcenter.tickets.choices import Kind
    from callcenter.tickets.models import Ticket

    return Ticket.objects.in_unit_scope(user).filter(kind=Kind.FAULT).waiting_for_unit().count()


def shell_context(request: HttpRequest) -> dict[str, Any]:
    """Template context for the header and the navigation of the logged-in shell."""
    from callcenter.accounts.actions import SESSION_EXTENSION, SESSION_LOGIN_AT

    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    login_at_raw = request.session.get(SESSION_LOGIN_AT)
    login_at = datetime.fromisoformat(login_at_raw) if login_at_raw else None
    return {
        "shell": {
            "login_at": login_at,
            "extension": request.session.get(SESSION_EXTENSION, ""),
            "role": user.get_role_display(),  # type: ignore[union-attr]
            "unit": getattr(user, "unit", None),
            "waiting_orders": _waiting_orders(user),
        },
        "menu": menu_for(request),
    }
