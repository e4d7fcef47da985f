"""The live call list's WebSocket: who may listen, and what it is told."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer

from callcenter.accounts.models import User
from callcenter.recordings.consumers import CallsConsumer
from callcenter.recordings.events import CALLS_GROUP


async def listen(user: User) -> list[dict[str, Any]]:
    """Connect as `user`; when accepted, announce a change; return what the socket said."""
    scope = {"type": "websocket", "path": "/ws/recordings/calls/", "headers": [], "user": user}
    socket = ApplicationCommunicator(CallsConsumer.as_asgi(), scope)
    await socket.send_input({"type": "websocket.connect"})
    said = [await socket.receive_output(5)]
    if said[0]["type"] == "websocket.accept":
        layer = get_channel_layer()
        assert layer is not None
        await layer.group_send(CALLS_GROUP, {"type": "calls.changed"})
        said.append(await socket.receive_output(5))
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
    await socket.wait(5)
    return said


def test_agents_and_supervisors_are_told_calls_changed(lina: User, zhou: User) -> None:
    for user in (lina, zhou):
        accepted, sent = asyncio.run(listen(user))
        assert accepted["type"] == "websocket.accept"
        assert sent["type"] == "websocket.send"
        assert json.loads(sent["text"]) == {"type": "calls.changed"}


def test_unit_operator_is_refused(sunli: User) -> None:
    assert asyncio.run(listen(sunli)) == [{"type": "websocket.close", "code": 4403}]
