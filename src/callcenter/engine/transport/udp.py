"""SIP over UDP (RFC 3261 §18): one datagram is one message.

Datagrams larger than `MAX_MESSAGE_SIZE` are dropped unread; empty datagrams and the
CRLF/NUL keep-alives some phones send to keep a NAT binding open are ignored.

The socket asks for a receive buffer of `RECEIVE_BUFFER` bytes: the kernel's default
(about 200 KB, a few hundred datagrams) overflows within tens of milliseconds at a few
thousand requests a second whenever the loop is busy elsewhere, and every datagram lost
there costs the phone a retransmission 500 ms later. The kernel caps the size at
`net.core.rmem_max`; a smaller result is logged with the setting to raise.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import cast

from callcenter.engine.transport import MAX_MESSAGE_SIZE, MessageHandler
from callcenter.sip.transaction import Peer

log = logging.getLogger(__name__)

_KEEPALIVE_BYTES = b"\r\n\x00 "
RECEIVE_BUFFER = 4 * 1024 * 1024


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


async def open_udp(
    host: str, port: int, handler: MessageHandler, *, receive_buffer: int = RECEIVE_BUFFER
) -> UdpTransport:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: UdpTransport(handler), local_addr=(host, port), reuse_port=False
    )
    _grow_receive_buffer(transport, receive_buffer)
    return protocol


def _grow_receive_buffer(transport: asyncio.BaseTransport, size: int) -> None:
    sock = transport.get_extra_info("socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
        granted = int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
    except OSError as error:
        log.warning("cannot set the SIP/UDP receive buffer to %d bytes: %s", size, error)
        return
    # Linux reports twice the size asked for (it counts its own bookkeeping).
    if granted < size:
        log.warning(
            "the SIP/UDP receive buffer is %d bytes, not %d: bursts may be lost. Raise "
            "the limit with `sysctl -w net.core.rmem_max=%d`.",
            granted,
            size,
            size,
        )
