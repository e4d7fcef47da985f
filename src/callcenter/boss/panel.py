"""What a ticket's detail page shows of BOSS: ``{% include "boss/ticket_panel.html" %}``
with ``ticket_panel(ticket, user, next_url)`` merged into its context."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from callcenter.boss.models import BossEndpoint, BossLink
from callcenter.tickets.choices import Kind, State
from callcenter.tickets.models import Ticket
from callcenter.tickets.states import Side, side_of


def ticket_panel(ticket: Ticket, user: Any, next_url: str = "") -> dict[str, Any]:
    """``boss_link`` (or None), ``boss_exchanges`` (oldest first), ``boss_can_forward``
    (the button), ``boss_forward_url``, ``boss_next`` and ``boss_version``."""
    link = BossLink.objects.filter(ticket=ticket).first()
    can_forward = (
        link is None
        and ticket.kind == Kind.FAULT
        and ticket.state != State.CLOSED
        and side_of(user) is Side.CSC
        and BossEndpoint.current() is not None
    )
    return {
        "boss_link": link,
        "boss_exchanges": list(link.exchanges.all()) if link else [],
        "boss_can_forward": can_forward,
        "boss_forward_url": reverse("boss:forward", args=[ticket.pk]),
        "boss_next": next_url,
        "boss_version": ticket.version,
    }
