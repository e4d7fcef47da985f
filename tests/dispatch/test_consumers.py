"""The unit desk's WebSocket: only unit operators, told when their unit's orders change."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator

from callcenter.accounts.models import Unit, User
from callcenter.dispatch.consumers import UnitDeskConsumer
from callcenter.tickets import actions
from callcenter.tickets.choices import Kind, State
from tests.tickets.conftest import MakeTicket


async def listen(user: User, change: Any = None) -> list[dict[str, Any]]:
    """Connect as `user`; when accepted, make the change; return what the socket said."""
    scope = {"type": "websocket", "path": "/ws/dispatch/unit/", "headers": [], "user": user}
    socket = ApplicationCommunicator(UnitDeskConsumer.as_asgi(), scope)
    await socket.send_input({"type": "websocket.connect"})
    said = [await socket.receive_output(5)]
    if said[0]["type"] == "websocket.accept":
        await sync_to_async(change)()
        said.append(await socket.receive_output(5))
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
    await socket.wait(5)
    return said


def test_operator_is_told_when_the_center_dispatches(
    sunli: User, lina: User, futian: Unit, make_ticket: MakeTicket, transactional_db: None
) -> None:
    ticket = make_ticket(Kind.FAULT, State.NEW)

    def dispatch() -> None:
        actions.dispatch(lina, ticket, version=ticket.version, unit=futian)

    accepted, sent = asyncio.run(listen(sunli, dispatch))
    assert accepted["type"] == "websocket.accept"
    assert json.loads(sent["text"]) == {"type": "tickets.changed"}


def test_others_are_refused(lina: User, admin: User) -> None:
    for user in (lina, admin):
        assert asyncio.run(listen(user)) == [{"type": "websocket.close", "code": 4403}]
