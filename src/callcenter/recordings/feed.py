"""The event feed (REQUIREMENTS A13): every switch event, as JSON, to WebSocket clients.

The event writer (`telephony.event_sink.DjangoEventSink`) publishes each batch after it
was stored (`publish`), as one channel-layer message to the group `EVENTS_GROUP`;
`recordings.consumers.EventFeedConsumer` (``/ws/events/``) sends each event of it as one
text frame. An event is ``{"type": ..., "at": ..., <its fields>}``: the names and values
of `engine.events` (enumerations as their values, tuples as lists, a registration's
binding as an object). See ``docs/event-feed.md``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from callcenter.engine.events import Event

EVENTS_GROUP = "switch_events"
MESSAGE_TYPE = "switch.events"


def as_json(event: Event) -> dict[str, Any]:
    """The event as plain JSON values, its ``type`` first."""
    fields = dataclasses.asdict(event)
    plain: dict[str, Any] = json.loads(json.dumps(fields, ensure_ascii=False))
    return {"type": event.type, **plain}


async def publish(layer: Any, events: Iterable[Event]) -> None:
    """Send a batch of events to the feed's listeners (one channel-layer message)."""
    if layer is None:
        return
    payload = [as_json(event) for event in events]
    if payload:
        await layer.group_send(EVENTS_GROUP, {"type": MESSAGE_TYPE, "events": payload})
