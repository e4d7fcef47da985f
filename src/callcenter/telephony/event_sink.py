"""The switch's `EventSink` port: events are queued on the switch's loop and applied to
the database by one task, in order, in batches, then announced to the live pages.

`emit` only puts the event on a queue, so the switch never waits for the database. The
writer drains whatever is queued, applies it in one transaction in a worker thread, and
tells the channel layer's groups that something changed. Then it publishes the batch to
the event feed (`recordings.feed`, ``/ws/events/``), stored or not: the feed is what
the switch said.
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
    TrunkRegistrationChanged,
)
from callcenter.recordings import feed
from callcenter.recordings.events import CALLS_GROUP, STORED_EVENTS, apply_call_events
from callcenter.telephony.agent_feed import AgentFeed
from callcenter.telephony.models import Extension, Registration, Trunk

log = logging.getLogger(__name__)

REGISTRATIONS_GROUP = "registrations"
MAX_BATCH = 500
# How long the writer lets events gather after the first one: fewer, larger batches under
# load (registrations are coalesced per batch), at most this much later on the pages.
BATCH_WINDOW = 0.2


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def apply_events(events: list[Event], node: str) -> bool:
    """Write a batch of events; return whether registrations changed.

    Registration events are coalesced first: only the last one per (extension, contact)
    counts, and an EngineStarted makes the ones before it moot. What is left takes a
    handful of queries whatever the batch size (a busy registrar refreshes the same
    contacts over and over). Expiry is stored to the second, all the pages show.
    """
    wipe = False
    latest: dict[tuple[str, str], RegistrationChanged] = {}
    for event in events:
        if isinstance(event, EngineStarted):
            wipe = True
            latest.clear()
        elif isinstance(event, RegistrationChanged):
            latest[(event.binding.extension, event.binding.contact)] = event
    numbers = {number for number, _contact in latest}
    extension_ids = dict(Extension.objects.filter(number__in=numbers).values_list("number", "pk"))
    trunk_states = {e.trunk: e for e in events if isinstance(e, TrunkRegistrationChanged)}
    with transaction.atomic():
        if wipe:
            Registration.objects.filter(node=node).delete()
            Trunk.objects.update(registered=None, registered_until=None)
        changed = _store_registrations(latest, extension_ids, node)
        for name, state in trunk_states.items():
            until = None if state.expires_at is None else _when(state.expires_at)
            Trunk.objects.filter(name=name).update(
                registered=state.registered if state.status else None,
                registered_until=until,
                registration_status=state.status,
                registration_detail=state.detail,
            )
    return wipe or changed or bool(trunk_states)


_LIVE = (RegistrationChange.ADDED, RegistrationChange.REFRESHED)
_FIELDS = ("transport", "source", "user_agent", "expires_at", "registered_at")


def _store_registrations(
    latest: dict[tuple[str, str], RegistrationChanged], extension_ids: dict[str, int], node: str
) -> bool:
    wanted: dict[tuple[int, str], Registration | None] = {}
    for (number, contact), event in latest.items():
        extension_id = extension_ids.get(number)
        if extension_id is None:
            continue
        binding = event.binding
        wanted[(extension_id, contact)] = (
            Registration(
                extension_id=extension_id,
                contact=contact,
                node=node,
                transport=binding.transport,
                source=f"{binding.source_host}:{binding.source_port}",
                user_agent=binding.user_agent,
                expires_at=_when(int(binding.expires_at)),
                registered_at=_when(binding.registered_at),
            )
            if event.change in _LIVE
            else None
        )
    if not wanted:
        return False
    stored = Registration.objects.filter(
        node=node,
        extension_id__in={extension_id for extension_id, _ in wanted},
        contact__in={contact for _, contact in wanted},
    ).values_list(
        "pk", "extension_id", "contact", "transport", "source", "user_agent", "registered_at"
    )
    existing = {(row[1], row[2]): (row[0], row[3:]) for row in stored}
    gone: list[int] = []
    created: list[Registration] = []
    changed: list[Registration] = []
    renewed: dict[datetime, list[int]] = {}  # a refresh: only the expiry moves
    for place, registration in wanted.items():
        row = existing.get(place)
        if registration is None:
            if row is not None:
                gone.append(row[0])
        elif row is None:
            created.append(registration)
        elif row[1] == (
            registration.transport,
            registration.source,
            registration.user_agent,
            registration.registered_at,
        ):
            renewed.setdefault(registration.expires_at, []).append(row[0])
        else:
            registration.pk = row[0]
            changed.append(registration)
    if gone:
        Registration.objects.filter(pk__in=gone).delete()
    for expires_at, pks in renewed.items():
        Registration.objects.filter(pk__in=pks).update(expires_at=expires_at)
    if changed:
        Registration.objects.bulk_update(changed, _FIELDS)
    if created:
        Registration.objects.bulk_create(created)
    return True


class DjangoEventSink:
    def __init__(self, node: str = "callcenter") -> None:
        self.node = node
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.applied = 0
        self.agents = AgentFeed(get_channel_layer())
        AgentFeed.running = self.agents

    def emit(self, event: Event) -> None:
        self.queue.put_nowait(event)
        self.agents.observe(event)

    async def run(self) -> None:
        """Apply events until cancelled; a failing batch is logged, not fatal."""
        layer = get_channel_layer()
        while True:
            batch = [await self.queue.get()]
            await asyncio.sleep(BATCH_WINDOW)  # let a burst gather: one write for all of it
            while not self.queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self.queue.get_nowait())
            calls_changed = await self._apply_calls(batch)
            if calls_changed and layer is not None:
                await layer.group_send(CALLS_GROUP, {"type": "calls.changed"})
            try:
                changed = await sync_to_async(apply_events, thread_sensitive=True)(batch, self.node)
            except Exception:
                log.exception("could not store %d switch events", len(batch))
                await self._publish(layer, batch)
                continue
            self.applied += len(batch)
            if changed and layer is not None:
                await layer.group_send(REGISTRATIONS_GROUP, {"type": "registrations.changed"})
            await self._publish(layer, batch)

    async def _publish(self, layer: object, batch: list[Event]) -> None:
        """The batch to the event feed, after it was stored; logged, not fatal."""
        try:
            await feed.publish(layer, batch)
        except Exception:
            log.exception("could not publish %d switch events to the feed", len(batch))

    async def _apply_calls(self, batch: list[Event]) -> bool:
        """Store the batch's call events (`recordings.events`) before the registrations,
        on their own: a failure in one part must not lose the other. Logged, not fatal."""
        if not any(isinstance(event, STORED_EVENTS) for event in batch):
            return False  # no thread hop for a batch of registrations
        try:
            return await sync_to_async(apply_call_events, thread_sensitive=True)(batch, self.node)
        except Exception:
            log.exception("could not store the calls of %d switch events", len(batch))
            return False

    async def drain(self) -> None:
        """Apply what is still queued (at shutdown)."""
        batch = []
        while not self.queue.empty():
            batch.append(self.queue.get_nowait())
        if batch:
            await self._apply_calls(batch)
            await sync_to_async(apply_events, thread_sensitive=True)(batch, self.node)
