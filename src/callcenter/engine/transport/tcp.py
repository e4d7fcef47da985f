"""SIP over TCP (RFC 3261 §18.3): a stream framed by Content-Length.

Rules:
Rule 1: a stream whose header section grows past `MAX_HEADER_SIZE` without ending, or
    whose message would pass `MAX_MESSAGE_SIZE`, or that has no Content-Length, cannot be
    resynchronised: the connection is closed (§18.3).
Rule 2 (RFC 5626 §3.5.1): a CRLFCRLF "ping" between messages is answered with a CRLF
    "pong".
Rule 3 (§18.2.2): responses go back over the connection the request came on; requests to
    a phone registered over TCP reuse its connection (RFC 5626's "flow").
Rule 4: connections idle for `idle_timeout` are closed; at most `max_connections` are
    open, new ones beyond that are refused at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import cast

from callcenter.engine.transport import MAX_HEADER_SIZE, MAX_MESSAGE_SIZE, MessageHandler
from callcenter.sip.errors import SipParseError
from callcenter.sip.message import message_length, skip_keepalive
from callcenter.sip.transaction import Peer

log = logging.getLogger(__name__)


class TcpConnection(asyncio.Protocol):
    def __init__(self, owner: TcpTransport) -> None:
        self.owner = owner
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer: Peer | None = None
        self.last_activity = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not inherit from asyncio's classes, but behave like them.
        self.transport = cast(asyncio.Transport, transport)
        host, port = transport.get_extra_info("peername")[:2]
        self.peer = Peer("tcp", str(host), int(port))
        if not self.owner.admit(self):
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self.last_activity = time.monotonic()
        self.buffer += data
        while self.buffer:
            skipped = skip_keepalive(self.buffer)
            if skipped:
                del self.buffer[:skipped]
                if skipped >= 4:
                    self.write(b"\r\n")  # Rule 2
                continue
            try:
                length = message_length(
                    self.buffer,
                    max_size=self.owner.max_size,
                    max_header_size=self.owner.max_header_size,
                )
            except SipParseError as error:
                log.info("closing SIP/TCP connection from %s: %s", self.peer, error)
                self.owner.framing_errors += 1
                self.close()
                return
            if length is None:
                return
            message = bytes(self.buffer[:length])
            del self.buffer[:length]
            assert self.peer is not None
            try:
                self.owner.handler(message, self.peer)
            except Exception:
                log.exception("SIP handler failed on a message from %s", self.peer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.forget(self)

    def write(self, data: bytes) -> bool:
        if self.transport is None or self.transport.is_closing():
            return False
        self.transport.write(data)
        self.last_activity = time.monotonic()
        return True

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class TcpTransport:
    def __init__(
        self,
        handler: MessageHandler,
        *,
        max_size: int = MAX_MESSAGE_SIZE,
        max_header_size: int = MAX_HEADER_SIZE,
        idle_timeout: float = 3_700.0,
        max_connections: int = 10_000,
    ) -> None:
        self.handler = handler
        self.max_size = max_size
        self.max_header_size = max_header_size
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.connections: dict[tuple[str, int], TcpConnection] = {}
        self.server: asyncio.Server | None = None
        self.framing_errors = 0
        self._reaper: asyncio.Task[None] | None = None

    @property
    def local_address(self) -> tuple[str, int]:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: TcpConnection(self), host, port)
        self._reaper = asyncio.create_task(self._reap_idle(), name="sip-tcp-reaper")

    def admit(self, connection: TcpConnection) -> bool:
        if len(self.connections) >= self.max_connections:
            log.warning("refusing SIP/TCP connection from %s: too many", connection.peer)
            return False
        assert connection.peer is not None
        self.connections[(connection.peer.host, connection.peer.port)] = connection
        return True

    def forget(self, connection: TcpConnection) -> None:
        if connection.peer is not None:
            key = (connection.peer.host, connection.peer.port)
            if self.connections.get(key) is connection:
                del self.connections[key]

    def send(self, data: bytes, peer: Peer) -> bool:
        connection = self.connections.get((peer.host, peer.port))
        if connection is None:
            log.info("no SIP/TCP connection to %s:%s: message dropped", peer.host, peer.port)
            return False
        return connection.write(data)

    async def _reap_idle(self) -> None:
        while True:
            await asyncio.sleep(min(60.0, self.idle_timeout / 2))
            cutoff = time.monotonic() - self.idle_timeout
            for connection in list(self.connections.values()):
                if connection.last_activity < cutoff:
                    connection.close()

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        if self.server is not None:
            self.server.close()
        for connection in list(self.connections.values()):
            connection.close()
        if self.server is not None:
            await self.server.wait_closed()
