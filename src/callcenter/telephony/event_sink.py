"""The switch's `EventSink` port: events are queued on the switch's loop and applied to
the database by one task, in order, in batches, then announced to the live pages.

`emit` only puts the event on a queue, so the switch never waits for the database. The
writer drains whatever is queued, applies it in one transaction in a worker thread, and
tells the channel layer's groups that something changed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from callcenter.engine.events import (
    EngineStarted,
    Event,
    RegistrationChange,
    RegistrationChanged,
)
from callcenter.telephony.models import Extension, Registration

log = logging.getLogger(__name__)

REGISTRATIONS_GROUP = "registrations"
MAX_BATCH = 500


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def apply_events(events: list[Event], node: str) -> bool:
    """Write a batch of events; return whether registrations changed."""
    changed = False
    numbers = {
        event.binding.extension for event in events if isinstance(event, RegistrationChanged)
    }
    extension_ids = dict(Extension.objects.filter(number__in=numbers).values_list("number", "pk"))
    with transaction.atomic():
        for event in events:
            if isinstance(event, EngineStarted):
                Registration.objects.filter(node=node).delete()
                changed = True
            elif isinstance(event, RegistrationChanged):
                binding = event.binding
                extension_id = extension_ids.get(binding.extension)
                if extension_id is None:
                    continue
                changed = True
                if event.change in (RegistrationChange.ADDED, RegistrationChange.REFRESHED):
                    Registration.objects.update_or_create(
                        extension_id=extension_id,
                        contact=binding.contact,
                        node=node,
                        defaults={
                            "transport": binding.transport,
                            "source": f"{binding.source_host}:{binding.source_port}",
                            "user_agent": binding.user_agent,
                            "expires_at": _when(binding.expires_at),
                            "registered_at": _when(binding.registered_at),
                        },
                    )
                else:
                    Registration.objects.filter(
                        extension_id=extension_id, contact=binding.contact, node=node
                    ).delete()
    return changed


class DjangoEventSink:
    def __init__(self, node: str = "callcenter") -> None:
        self.node = node
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.applied = 0

    def emit(self, event: Event) -> None:
        self.queue.put_nowait(event)

    async def run(self) -> None:
        """Apply events until cancelled; a failing batch is logged, not fatal."""
        layer = get_channel_layer()
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self.queue.get_nowait())
            try:
                changed = await sync_to_async(apply_events, thread_sensitive=True)(batch, self.node)
            except Exception:
                log.exception("could not store %d switch events", len(batch))
                continue
            self.applied += len(batch)
            if changed and layer is not None:
                await layer.group_send(REGISTRATIONS_GROUP, {"type": "registrations.changed"})

    async def drain(self) -> None:
        """Apply what is still queued (at shutdown)."""
        batch = []
        while not self.queue.empty():
            batch.append(self.queue.get_nowait())
        if batch:
            await sync_to_async(apply_events, thread_sensitive=True)(batch, self.node)
