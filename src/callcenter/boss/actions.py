"""Every change of the BOSS interface (the rules; `api` and `views` only parse).

1. Only the customer-service center (`Capability.AGENT_DESK`) forwards, only fault
   tickets (B5: the fault ticket of an alarm), never a closed one, and once: a second
   forward is ``already_forwarded``. The caller gives the ticket's ``version`` it saw
   (``stale`` otherwise). Forwarding does not change the ticket's own state: the
   ticket follows its progress at BOSS (`BossLink.state`).
2. The link and its outbox row are written in one transaction with the audit entry, so
   an accepted forward is never lost (D1); `worker.BossWorker` delivers it.
3. An inbound update names the reference BOSS gave (or, before the acknowledgement
   arrived, our ticket number with a new reference); it records the state and appends
   an exchange. Authentication (the signature) is checked by the caller before.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from callcenter.accounts.actions import audit
from callcenter.accounts.models import User
from callcenter.boss.models import BossEndpoint, BossExchange, BossLink, BossOutbox, Direction
from callcenter.tickets.choices import Kind, State
from callcenter.tickets.models import Ticket
from callcenter.tickets.states import Side, in_unit_scope, side_of
from callcenter.web.errors import ActionError


def not_found() -> ActionError:
    return ActionError("not_found", _("This ticket does not exist or is not handled by your unit."))


def payload_of(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket": ticket.number,
        "kind": ticket.kind,
        "description": ticket.description,
        "customer_name": ticket.customer_name,
        "contact_phone": ticket.contact_phone,
        "caller_number": ticket.caller_number,
        "address": ticket.address,
        "vehicle_plate": ticket.vehicle_plate,
        "priority": ticket.priority,
        "created_at": timezone.localtime(ticket.created_at).isoformat(),
    }


def forward(
    actor: User, ticket: Ticket | int, *, version: int | None, request: HttpRequest | None = None
) -> BossLink:
    """Forward a fault ticket to BOSS (B5 "转发到BOSS系统"): durable, delivered later."""
    side = side_of(actor)
    if side is None:
        raise ActionError("not_permitted", _("Your role may not change tickets."))
    pk = ticket.pk if isinstance(ticket, Ticket) else int(ticket)
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().filter(pk=pk).first()
        if locked is None:
            raise not_found()
        if side is not Side.CSC:
            if not in_unit_scope(actor, locked.unit_id):
                raise not_found()
            raise ActionError(
                "not_permitted", _("Only the customer-service center may forward to BOSS.")
            )
        if locked.kind != Kind.FAULT:
            raise ActionError("not_for_kind", _("Only fault tickets can be forwarded to BOSS."))
        if version is not None and version != locked.version:
            raise ActionError(
                "stale",
                _("Someone else changed this ticket after you opened it. Reload it and try again."),
            )
        if locked.state == State.CLOSED:
            raise ActionError("wrong_state", _("This ticket is closed: it cannot be forwarded."))
        if BossLink.objects.filter(ticket=locked).exists():
            raise ActionError("already_forwarded", _("This ticket was already forwarded to BOSS."))
        if BossEndpoint.current() is None:
            raise ActionError(
                "boss_not_configured",
                _("No BOSS interface is set up: ask an administrator to add one."),
            )
        link = BossLink.objects.create(ticket=locked, forwarded_by=actor)
        outbox = BossOutbox.objects.create(link=link, payload=payload_of(locked))
        outbox.payload["id"] = outbox.pk
        outbox.save(update_fields=["payload"])
        audit(actor, "ticket_boss_forward", locked.number, request)
    return link


def record_update(data: dict[str, Any]) -> BossLink:
    """BOSS reports progress: ``reference`` and ``state`` (and ``ticket``, our number, to
    find a link whose acknowledgement has not arrived yet)."""
    reference = str(data.get("reference", "")).strip()
    state = str(data.get("state", "")).strip()
    if not reference or len(reference) > 64:
        raise ActionError("invalid", _("Give BOSS's reference."), "reference")
    if not state or len(state) > 40:
        raise ActionError("invalid", _("Give the state at BOSS."), "state")
    with transaction.atomic():
        link = BossLink.objects.select_for_update().filter(reference=reference).first()
        number = data.get("ticket")
        if link is None and isinstance(number, str) and number:
            link = (
                BossLink.objects.select_for_update()
                .filter(ticket__number=number, reference="")
                .first()
            )
        if link is None:
            raise ActionError("not_found", _("No forwarded ticket has this BOSS reference."))
        now = timezone.now()
        link.reference = reference
        link.state = state
        link.last_exchange_at = now
        link.save(update_fields=["reference", "state", "last_exchange_at"])
        BossExchange.objects.create(
            link=link, direction=Direction.IN, payload=data, status="received", at=now
        )
    return link


def link_data(link: BossLink) -> dict[str, Any]:
    return {
        "ticket": link.ticket.number,
        "reference": link.reference,
        "state": link.state,
        "delivered": link.delivered_at is not None,
        "exchanges": [
            {
                "direction": exchange.direction,
                "status": exchange.status,
                "at": timezone.localtime(exchange.at).isoformat(),
                "payload": exchange.payload,
                "error": exchange.error,
            }
            for exchange in link.exchanges.all()
        ],
    }
