"""WebSocket that tells an open extensions page when registrations changed."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from callcenter.accounts.roles import Capability, has_capability
from callcenter.telephony.event_sink import REGISTRATIONS_GROUP


class RegistrationsConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        if not has_capability(self.scope.get("user"), Capability.ADMINISTER):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(REGISTRATIONS_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(REGISTRATIONS_GROUP, self.channel_name)

    async def registrations_changed(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "registrations.changed"})
