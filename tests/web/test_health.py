"""`/healthz` answers with the database's state."""

from __future__ import annotations

from unittest import mock

from django.db import DatabaseError
from django.test import Client


def test_healthy(client: Client, db: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] in ("sqlite", "postgresql")


def test_database_down_is_503(client: Client, db: None) -> None:
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=DatabaseError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {
        "vendor": response.json()["database"]["vendor"],
        "ok": False,
        "error": "connection refused",
    }
