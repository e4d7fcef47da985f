"""WebSockets of the recordings app.

- ``/ws/recordings/calls/`` (`CallsConsumer`): tells an open call records page when
  calls changed (group `calls`).
- ``/ws/events/`` (`EventFeedConsumer`): the event feed (A13, ``docs/event-feed.md``):
  every switch event as JSON, for supervisors and administrators, logged in (the
  session) or systems with an API token (``Authorization: Bearer <token>``) of a user
  who may supervise. ``?types=call_started,queue_joined`` limits it to those types.
  Refused: 4401 (no user, or a wrong or revoked token), 4403 (may not supervise).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from callcenter.accounts.roles import Capability, has_capability
from callcenter.recordings.events import CALLS_GROUP
from callcenter.recordings.feed import EVENTS_GROUP


class CallsConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        if not has_capability(self.scope.get("user"), Capability.CALL_RECORDS):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(CALLS_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(CALLS_GROUP, self.channel_name)

    async def calls_changed(self, message: dict[str, Any]) -> None:
        # Only that something changed: each page fetches the calls its user may see.
        await self.send_json({"type": "calls.changed"})


def _bearer(scope: dict[str, Any]) -> str | None:
    """The token of an ``Authorization: Bearer`` header; "" when the header is wrong."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            scheme, _space, token = value.decode("latin-1").strip().partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return None


@database_sync_to_async  # type: ignore[untyped-decorator]
def _token_owner(token: str) -> Any:
    from callcenter.api.models import ApiToken, hash_token

    found = ApiToken.objects.select_related("owner").filter(key_hash=hash_token(token)).first()
    if found is None or not found.is_active or not found.owner.is_active:
        return None
    return found.owner


class EventFeedConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    types: frozenset[str] = frozenset()

    async def connect(self) -> None:
        token = _bearer(self.scope)
        if token is not None:  # a token decides, even beside a session (as the API)
            user = await _token_owner(token) if token else None
        else:
            user = self.scope.get("user")
        if user is None or not getattr(user, "is_authenticated", False):
            await self.close(code=4401)
            return
        if not has_capability(user, Capability.SUPERVISE):
            await self.close(code=4403)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.types = frozenset(
            name.strip() for value in query.get("types", []) for name in value.split(",")
        ) - {""}
        await self.channel_layer.group_add(EVENTS_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(EVENTS_GROUP, self.channel_name)

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        return json.dumps(content, ensure_ascii=False)

    async def switch_events(self, message: dict[str, Any]) -> None:
        for event in message["events"]:
            if not self.types or event.get("type") in self.types:
                await self.send_json(event)
