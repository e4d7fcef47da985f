"""WebSocket that tells an open call records page when calls changed (group `calls`)."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from callcenter.accounts.roles import Capability, has_capability
from callcenter.recordings.events import CALLS_GROUP


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
