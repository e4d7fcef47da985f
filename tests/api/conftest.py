"""Personas of the API tests: the suite's and the tickets tests' (`tests/tickets/conftest`),
with API tokens: `lina_token` (agent), `sunli_token` (operator of 福田维修站),
`wugang_token` (operator of 南山维修站). `api` calls the API as a system would."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from callcenter.accounts.models import User
from callcenter.api.models import ApiToken
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
