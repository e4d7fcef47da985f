"""Schemathesis against ``/api/openapi.json``, in process through Django's WSGI app:
for every operation, generated inputs (valid and invalid) never cause a 500 and every
answer conforms to the document (status, content type, body). The examples are bounded
so the suite stays quick; each operation runs as the agent 李娜 with an API token, over
a few real tickets, so that valid ids are found too, and with a real switch running (the
agents', calls' and queues' endpoints)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from callcenter.accounts.models import Unit
from callcenter.api.models import ApiToken
from callcenter.api.openapi import document
from callcenter.boss.models import BossEndpoint
from callcenter.tickets.choices import Kind, State
from tests.api.conftest import Running

schema = schemathesis.openapi.from_dict(document())
application = get_wsgi_application()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Django's handler closes the database connection after each request it serves;
    inside a test's transaction (PostgreSQL) that would close the test's own connection.
    The test client disconnects this signal too; here the WSGI app is called directly."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(lina: Any, sunli: Any, futian: Unit, make_ticket: Any) -> str:
    for kind in Kind.values:
        for state in (State.NEW, State.SENT, State.IN_REPAIR, State.VISITED):
            make_ticket(kind, state)
    BossEndpoint.objects.create(url="http://127.0.0.1:9/boss", secret="s3cret")
    return ApiToken.issue(lina, "schemathesis")[1]


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
def test_the_api_keeps_its_contract(case: Any, token: str, running: Running) -> None:
    response = case.call(app=application, headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=CHECKS)
