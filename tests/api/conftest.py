"""Personas of the API tests: the suite's and the tickets tests' (`tests/tickets/conftest`),
with API tokens: `lina_token` (agent), `sunli_token` (operator of 福田维修站),
`wugang_token` (operator of 南山维修站). `api` calls the API as a system would;
`running` starts a real switch on its own loop in a thread, as `callcenter serve` does,
for the switch's endpoints."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from callcenter.accounts.models import User
from callcenter.api.models import ApiToken
from callcenter.engine.ports import (
    AgentEntry,
    ExtensionEntry,
    MemoryEventSink,
    QueueEntry,
    ReasonEntry,
    StaticDirectory,
    TierEntry,
)
from callcenter.engine.switch import Engine, EngineConfig
from callcenter.telephony import switch
from tests.tickets.conftest import (  # noqa: F401  (fixtures)
    fast_passwords,
    futian_1,
    he_jianguo,
    make_ticket,
    nanshan,
    reason,
    wugang,
)


def _token(user: User) -> str:
    return ApiToken.issue(user, f"测试系统 {user.agent_id}")[1]


@pytest.fixture
def lina_token(lina: User) -> str:
    return _token(lina)


@pytest.fixture
def sunli_token(sunli: User) -> str:
    return _token(sunli)


@pytest.fixture
def wugang_token(wugang: User) -> str:  # noqa: F811
    return _token(wugang)


Api = Callable[..., Any]


class Answer:
    def __init__(self, response: Any) -> None:
        self.status = response.status_code
        self.response = response
        self.data = json.loads(response.content) if response.content else None

    def __repr__(self) -> str:
        return f"<{self.status} {self.data}>"


@pytest.fixture
def api(db: None) -> Api:
    """``api(method, path, token, body=None, **headers) -> Answer``."""
    client = Client()

    def call(method: str, path: str, token: str | None, body: Any = None, **headers: str) -> Answer:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return Answer(getattr(client, method.lower())(path, **kwargs))

    return call


# --- a running switch, for the switch's endpoints ---------------------------------------
EXTENSIONS = {n: ExtensionEntry(n, n) for n in ("70001", "70002", "70003")}
AGENTS = {
    "80001": AgentEntry("80001", "李娜"),
    "80002": AgentEntry("80002", "王芳"),
    "90001": AgentEntry("90001", "周晓东", supervisor=True, supervises=("service",)),
}
QUEUES = {
    "service": QueueEntry(
        "service", "业务咨询", tiers=(TierEntry("80001"), TierEntry("80002")), wrap_up=30
    )
}


class Running:
    def __init__(self, engine: Engine, sink: MemoryEventSink, loop: asyncio.AbstractEventLoop):
        self.engine, self.sink, self.loop = engine, sink, loop

    def run(self, coroutine: object) -> object:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)  # type: ignore[arg-type]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    low = random.randrange(40000, 50000, 2)
    config = EngineConfig(
        nonce_secret=b"n" * 32,
        sip_host="127.0.0.1",
        sip_port=0,
        tcp=False,
        rtp_low=low,
        rtp_high=low + 19,
    )
    directory = StaticDirectory(
        EXTENSIONS,
        queues=QUEUES,
        agents=AGENTS,
        reasons=(ReasonEntry("rest", "休息"), ReasonEntry("meal", "就餐")),
    )
    sink = MemoryEventSink()
    engine = Engine(config, directory, sink)
    state = Running(engine, sink, loop)

    async def start() -> None:
        await engine.start()
        switch.attach(engine)

    async def stop() -> None:
        switch.attach(None)
        await engine.stop()

    state.run(start())
    try:
        yield state
    finally:
        state.run(stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
