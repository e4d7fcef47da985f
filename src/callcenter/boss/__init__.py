"""Forwarding fault tickets to the operator's BOSS system (REQUIREMENTS B5, D1).

- `models`: `BossEndpoint` (URL, shared secret, timeout; admin-managed), `BossLink` (a
  ticket's reference and state at BOSS), `BossOutbox` (a forward waiting to be
  acknowledged) and `BossExchange` (every message each way).
- `actions.forward(actor, ticket, *, version, request=None) -> BossLink`: writes the link
  and the outbox row in one transaction; `actions.record_update(...)`: an inbound update.
- `worker.BossWorker`: sends the outbox with retries and exponential back-off; started by
  `callcenter serve` (`worker.run_forever`).
- `panel.ticket_panel(ticket, user) -> dict`: the context of ``boss/ticket_panel.html``
  for a ticket's detail page; `views.forward_view` is the POST the panel's button uses.

The wire (HTTP/JSON, both ways signed with the endpoint's secret): we POST to the
endpoint's URL ``{"id": <outbox id>, "ticket": number, "kind", "description",
"customer_name", "contact_phone", "address", "vehicle_plate", "priority", "created_at"}``
with ``Authorization: Bearer <secret>`` and ``X-Callcenter-Signature: sha256=<hex HMAC
of the body>``; BOSS answers 2xx ``{"reference": "...", "state": "..."}`` (``id`` lets it
ignore a repeated delivery). BOSS posts progress to ``/api/boss/updates``
``{"reference", "state", "ticket"?, "note"?}`` with ``X-Boss-Signature: sha256=<hex HMAC
of the body>``.
"""
