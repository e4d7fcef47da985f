"""A BOSS stand-in: a small HTTP server on 127.0.0.1 (a free port) started and stopped by
the test, recording what it received and answering with its reference.

`boss_port` reserves a port; `StandInBoss(port).start()` listens on it (so a test can
let the worker find BOSS down first, then bring it up); `stop()` closes it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from callcenter.boss.models import BossEndpoint
from callcenter.boss.signing import verify
from tests.api.conftest import api, lina_token, sunli_token, wugang_token  # noqa: F401
from tests.tickets.conftest import make_ticket, nanshan, wugang  # noqa: F401

SECRET = "boss-shared-secret"


class StandInBoss:
    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[dict[str, Any]] = []
        self.signatures_ok: list[bool] = []
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tickets"

    def start(self) -> StandInBoss:
        boss = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                boss.signatures_ok.append(
                    verify(SECRET, body, self.headers.get("X-Callcenter-Signature"))
                    and self.headers.get("Authorization") == f"Bearer {SECRET}"
                )
                payload = json.loads(body)
                boss.received.append(payload)
                answer = json.dumps(
                    {"reference": f"BOSS-{len(boss.received):04d}", "state": "受理"}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            assert self.thread is not None
            self.thread.join(5)
            self.server = None


@pytest.fixture
def boss_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def boss(boss_port: int) -> Iterator[StandInBoss]:
    """The stand-in, not yet started."""
    stand_in = StandInBoss(boss_port)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def endpoint(boss: StandInBoss) -> BossEndpoint:
    return BossEndpoint.objects.create(url=boss.url, secret=SECRET, timeout_seconds=5)
