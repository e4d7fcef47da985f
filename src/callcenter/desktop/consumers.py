"""The agent desktop's WebSocket, ``/ws/desktop/`` (B2, A5).

A logged-in user of the customer-service center who is an agent (has an agent ID)
connects; other users are refused (4401 nobody logged in, 4403 no desk). Then:

- at once, and again every `REFRESH` seconds and after each of the agent's own events:
  ``{"type": "state", ...}`` (`desktop.live.desk_state`: status, state, queue figures,
  whom to transfer to, the current call, the switch's clock);
- when a call is offered to the agent: ``{"type": "pop", ...}`` (`desktop.live.pop_for`)
  at once, from the agents' fast feed (`telephony.agent_feed`), with the customers
  found; on connecting during a call, its pop too (a second tab, a reconnect);
- each of the agent's events as ``{"type": "event", "event": {...}}`` (the feed's JSON).

Frames the page sends are ignored: it acts through the REST API. Several tabs of one
agent each get everything; none disturbs another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from callcenter.accounts.roles import Capability, has_capability
from callcenter.desktop.live import desk_state, pop_for
from callcenter.telephony.agent_feed import agent_group
from callcenter.telephony.switch import SwitchUnavailable, command

log = logging.getLogger(__name__)

REFRESH = 2.0  # seconds between state messages (queue figures move without events)
LIVE_STATES = frozenset({"reserved", "ringing", "in_call", "on_hold"})
STATE_EVENTS = frozenset(
    {
        "agent_status_changed",
        "agent_state_changed",
        "agent_connected",
        "agent_missed",
        "consult_changed",
        "supervisor_action",
        "call_ringing",  # a phone rang for an offered call: it may be answerable now
    }
)


def _state(agent_id: str) -> dict[str, Any]:
    try:
        return command(lambda engine: desk_state(engine, agent_id))
    except SwitchUnavailable:
        return {"type": "state", "switch": "unavailable"}


class DesktopConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    agent_id = ""
    group = ""
    ticker: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not getattr(user, "is_authenticated", False):
            await self.close(code=4401)
            return
        if not has_capability(user, Capability.AGENT_DESK) or not user.agent_id:
            await self.close(code=4403)
            return
        self.agent_id = user.agent_id
        self.group = agent_group(self.agent_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        state = await self._send_state()
        agent = state.get("agent") or {}
        # A live call only: in wrap-up (or logged out during it) the call is over and
        # the feed has forgotten its facts.
        live = agent.get("state") in LIVE_STATES
        call = (agent.get("call") if live else "") or (state.get("call") or {}).get("id")
        if call:
            await self.send_json(await database_sync_to_async(pop_for)(call, None))
        self.ticker = asyncio.get_running_loop().create_task(self._tick())

    async def disconnect(self, code: int) -> None:
        if self.ticker is not None:
            self.ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.ticker
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Nothing to do: the page acts through the REST API."""

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        return json.dumps(content, ensure_ascii=False)

    async def agent_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event.get("type") == "agent_offered":
            await self.send_json(
                await database_sync_to_async(pop_for)(event["call"], event.get("facts"))
            )
        await self.send_json({"type": "event", "event": event})
        if event.get("type") in STATE_EVENTS:
            await self._send_state()

    async def _send_state(self) -> dict[str, Any]:
        state = await sync_to_async(_state, thread_sensitive=False)(self.agent_id)
        await self.send_json(state)
        return state

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            try:
                await self._send_state()
            except Exception:  # a closed socket ends the loop through disconnect
                log.debug("desktop state not sent", exc_info=True)
