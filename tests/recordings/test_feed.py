"""The event feed (A13): ``/ws/events/`` forwards every switch event as JSON to
supervisors, administrators and API tokens of theirs; the event writer publishes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer

from callcenter.accounts.models import User
from callcenter.api.models import ApiToken
from callcenter.engine.events import QueueJoined, RegistrationChange, RegistrationChanged
from callcenter.recordings import feed
from callcenter.recordings.consumers import EventFeedConsumer
from callcenter.recordings.feed import EVENTS_GROUP
from callcenter.recordings.models import QueueCall
from callcenter.telephony.event_sink import DjangoEventSink
from tests.recordings.calls import NOW
from tests.recordings.contact_center import answered_call
from tests.telephony.test_switch_seam import binding

JOINED = QueueJoined(at=NOW, call="c1", queue="service", caller="13800138000", position=1)


async def listen(
    user: Any = None, headers: list[tuple[bytes, bytes]] | None = None, query: bytes = b""
) -> list[dict[str, Any]]:
    """Connect; when accepted, publish `JOINED` and a registration; return what was said."""
    scope = {
        "type": "websocket",
        "path": "/ws/events/",
        "headers": headers or [],
        "query_string": query,
        "user": user,
    }
    socket = ApplicationCommunicator(EventFeedConsumer.as_asgi(), scope)
    await socket.send_input({"type": "websocket.connect"})
    said = [await socket.receive_output(5)]
    if said[0]["type"] == "websocket.accept":
        registration = RegistrationChanged(
            at=NOW, change=RegistrationChange.ADDED, binding=binding()
        )
        await feed.publish(get_channel_layer(), [JOINED, registration])
        said.append(await socket.receive_output(5))
        if not query:
            said.append(await socket.receive_output(5))
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
    await socket.wait(5)
    return said


def sent(frame: dict[str, Any]) -> dict[str, Any]:
    assert frame["type"] == "websocket.send"
    return json.loads(frame["text"])


def test_a_supervisor_receives_every_event_as_json(zhou: User) -> None:
    accepted, joined, registered = asyncio.run(listen(zhou))
    assert accepted["type"] == "websocket.accept"
    assert sent(joined) == {
        "type": "queue_joined",
        "at": NOW,
        "call": "c1",
        "queue": "service",
        "caller": "13800138000",
        "position": 1,
        "priority": 0,
    }
    registration = sent(registered)
    assert registration["type"] == "registration_changed"
    assert registration["change"] == "added"
    assert registration["binding"]["extension"] == binding().extension


def test_types_limit_the_feed(admin: User) -> None:
    _accepted, only = asyncio.run(listen(admin, query=b"types=registration_changed"))
    assert sent(only)["type"] == "registration_changed"


@pytest.mark.django_db(transaction=True)
def test_an_api_token_of_a_supervisor_is_let_in() -> None:
    zhou = User.objects.create_user("90001", "x", name="周晓东", role="supervisor")
    _token, raw = ApiToken.issue(zhou, "报表系统")
    accepted, joined, _registered = asyncio.run(
        listen(headers=[(b"authorization", f"Bearer {raw}".encode())])
    )
    assert accepted["type"] == "websocket.accept"
    assert sent(joined)["type"] == "queue_joined"


@pytest.mark.django_db(transaction=True)
def test_a_revoked_token_is_refused_even_beside_a_session() -> None:
    zhou = User.objects.create_user("90001", "x", name="周晓东", role="supervisor")
    token, raw = ApiToken.issue(zhou, "报表系统")
    token.revoke()
    headers = [(b"authorization", f"Bearer {raw}".encode())]
    assert asyncio.run(listen(zhou, headers)) == [{"type": "websocket.close", "code": 4401}]


def test_agents_and_anonymous_clients_are_refused(lina: User) -> None:
    assert asyncio.run(listen(lina)) == [{"type": "websocket.close", "code": 4403}]
    assert asyncio.run(listen(None)) == [{"type": "websocket.close", "code": 4401}]


@pytest.mark.django_db(transaction=True)
def test_the_event_writer_publishes_after_storing() -> None:
    events = answered_call("a1", "caller")

    async def scenario() -> list[dict[str, Any]]:
        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        await layer.group_add(EVENTS_GROUP, channel)
        sink = DjangoEventSink()
        task = asyncio.create_task(sink.run())
        for event in events:
            sink.emit(event)
        message = await asyncio.wait_for(layer.receive(channel), 10)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return list(message["events"])

    published = asyncio.run(scenario())
    assert [event["type"] for event in published] == [event.type for event in events]
    assert QueueCall.objects.get().agent == "80001"  # stored before it was published
