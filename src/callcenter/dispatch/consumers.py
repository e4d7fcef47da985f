"""WebSocket that tells an open unit desk page when its unit's orders changed (group
``tickets-unit-<unit id>``, published by `tickets.actions` after commit)."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from callcenter.accounts.roles import Capability, has_capability
from callcenter.tickets.steps import unit_group


class UnitDeskConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        unit_id = getattr(user, "unit_id", None)
        if not has_capability(user, Capability.UNIT_DESK) or unit_id is None:
            await self.close(code=4403)
            return
        self.group = unit_group(unit_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def tickets_changed(self, message: dict[str, Any]) -> None:
        # Only that something changed: the page fetches what its user may see.
        await self.send_json({"type": "tickets.changed"})
