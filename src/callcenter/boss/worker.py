"""Delivers the BOSS outbox: retries with exponential back-off until BOSS acknowledges.

The state is in the database only (`BossOutbox`), so a restarted worker — or another
process — carries on where the last one stopped (D1). A step:

1. takes the rows that are due (not delivered, ``next_attempt_at`` reached) and leases
   each by moving ``next_attempt_at`` past the send timeout, so that a second worker does
   not send it at the same time; a worker that dies mid-send leaves a row that is due
   again when the lease ends;
2. POSTs each to the current `BossEndpoint` (signed; `boss` package docstring);
3. on 2xx with a ``reference``: the row and link are delivered, the reference and state
   stored; otherwise the attempt counts and the next one is due after
   ``base × 2^(attempts-1)`` seconds, at most ``ceiling``. Every attempt is a
   `BossExchange` on the ticket.

`callcenter serve` runs `run_forever()` as an asyncio task; the steps run in a worker
thread (blocking HTTP must not stall the event loop or Django's sync thread).
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.db import close_old_connections, transaction
from django.utils import timezone

from callcenter.boss.models import BossEndpoint, BossExchange, BossOutbox, Direction
from callcenter.boss.signing import sign

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Reply:
    ok: bool
    reference: str = ""
    state: str = ""
    error: str = ""
    body: object = None


def post(endpoint: BossEndpoint, payload: dict[str, object]) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {endpoint.secret}",
            "X-Callcenter-Signature": sign(endpoint.secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=endpoint.timeout_seconds) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as error:
        return Reply(False, error=f"HTTP {error.code}")
    except (OSError, ValueError) as error:
        return Reply(False, error=str(error) or type(error).__name__)
    try:
        answer = json.loads(raw)
    except ValueError:
        return Reply(False, error="the answer is not JSON")
    reference = answer.get("reference") if isinstance(answer, dict) else None
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 64:
        return Reply(False, error="the answer has no reference", body=answer)
    state = answer.get("state")
    return Reply(True, reference.strip(), state[:40] if isinstance(state, str) else "", body=answer)


class BossWorker:
    def __init__(
        self,
        *,
        base: float = 5.0,
        ceiling: float = 600.0,
        batch: int = 20,
        poll: float = 2.0,
        clock: Clock = timezone.now,
    ) -> None:
        self.base = base
        self.ceiling = ceiling
        self.batch = batch
        self.poll = poll
        self.clock = clock

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.ceiling, self.base * 2 ** max(attempts - 1, 0)))

    def _take(self, endpoint: BossEndpoint) -> list[BossOutbox]:
        now = self.clock()
        lease = now + timedelta(seconds=endpoint.timeout_seconds + 30)
        with transaction.atomic():
            rows = list(
                BossOutbox.objects.select_for_update(skip_locked=True)
                .filter(delivered_at__isnull=True, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk")[: self.batch]
            )
            BossOutbox.objects.filter(pk__in=[row.pk for row in rows]).update(next_attempt_at=lease)
        return rows

    def _settle(self, row: BossOutbox, reply: Reply) -> None:
        now = self.clock()
        with transaction.atomic():
            row = BossOutbox.objects.select_for_update().select_related("link").get(pk=row.pk)
            if row.delivered_at is not None:
                return
            link = row.link
            row.attempts += 1
            if reply.ok:
                row.delivered_at = now
                row.last_error = ""
                link.delivered_at = now
                if not link.reference:
                    link.reference = reply.reference
                if reply.state and not link.state:
                    link.state = reply.state
            else:
                row.next_attempt_at = now + self.backoff(row.attempts)
                row.last_error = reply.error
            link.last_exchange_at = now
            row.save()
            link.save(update_fields=["reference", "state", "delivered_at", "last_exchange_at"])
            BossExchange.objects.create(
                link=link,
                direction=Direction.OUT,
                payload=row.payload,
                status="acknowledged" if reply.ok else "failed",
                error=reply.error,
                at=now,
            )

    def step(self) -> int:
        """Send what is due; returns how many were acknowledged."""
        endpoint = BossEndpoint.current()
        if endpoint is None:
            return 0
        delivered = 0
        for row in self._take(endpoint):
            reply = post(endpoint, row.payload)
            if not reply.ok:
                log.warning("BOSS did not take ticket forward %s: %s", row.pk, reply.error)
            self._settle(row, reply)
            delivered += reply.ok
        return delivered

    def _step_in_thread(self) -> int:
        close_old_connections()
        try:
            return self.step()
        finally:
            close_old_connections()

    async def run_forever(self) -> None:
        step = sync_to_async(self._step_in_thread, thread_sensitive=False)
        while True:
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment: try again later
                log.exception("the BOSS outbox could not be sent")
            await asyncio.sleep(self.poll)
