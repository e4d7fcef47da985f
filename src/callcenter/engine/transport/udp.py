"""SIP over UDP (RFC 3261 §18): one datagram is one message.

Datagrams larger than `MAX_MESSAGE_SIZE` are dropped unread; empty datagrams and the
CRLF/NUL keep-alives some phones send to keep a NAT binding open are ignored.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from callcenter.engine.transport import MAX_MESSAGE_SIZE, MessageHandler
from callcenter.sip.transaction import Peer

log = logging.getLogger(__name__)

_KEEPALIVE_BYTES = b"\r\n\x00 "


class UdpTransport(asyncio.DatagramProtocol):
    def __init__(self, handler: MessageHandler, *, max_size: int = MAX_MESSAGE_SIZE) -> None:
        self.handler = handler
        self.max_size = max_size
        self.transport: asyncio.DatagramTransport | None = None
        self.dropped_oversized = 0
        self.received = 0

    @property
    def local_address(self) -> tuple[str, int]:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return str(host), int(port)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not inherit from asyncio's classes, but behave like them.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if len(data) > self.max_size:
            self.dropped_oversized += 1
            return
        if not data.strip(_KEEPALIVE_BYTES):
            return
        self.received += 1
        try:
            self.handler(data, Peer("udp", str(addr[0]), int(addr[1])))
        except Exception:  # a bug must not stop the socket
            log.exception("SIP handler failed on a datagram from %s", addr[:2])

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like: the peer is gone; transactions time out.
        log.debug("UDP error: %s", exc)

    def send(self, data: bytes, peer: Peer) -> bool:
        if self.transport is None or self.transport.is_closing():
            return False
        self.transport.sendto(data, (peer.host, peer.port))
        return True

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_udp(host: str, port: int, handler: MessageHandler) -> UdpTransport:
    loop = asyncio.get_running_loop()
    _transport, protocol = await loop.create_datagram_endpoint(
        lambda: UdpTransport(handler), local_addr=(host, port), reuse_port=False
    )
    return protocol
