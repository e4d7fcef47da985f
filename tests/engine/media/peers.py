"""Real UDP endpoints on loopback that play the phones' side of RTP, and a runner.

Personas: ``caller`` is the customer on 13800138000, ``agent`` is lina at extension
70001, ``supervisor`` is zhou (90001). Each peer is a socket on its own loopback address
(127.0.0.2, .3, …: Linux answers on all of 127/8), so "a different host" is real.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from array import array
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import uvloop

from callcenter.engine.media import Direction, MediaEngine, MediaFormat, PortPool, RtpSession
from callcenter.rtp.g711 import FRAME_SAMPLES
from callcenter.rtp.packet import RtpPacket
from callcenter.rtp.tones import Tone

CALLER = "caller-13800138000"
AGENT = "agent-80001"
SUPERVISOR = "supervisor-90001"

PCMU = MediaFormat(0, dtmf_payload_type=101)
PCMA = MediaFormat(8, dtmf_payload_type=96)

HOSTS = {CALLER: "127.0.0.2", AGENT: "127.0.0.3", SUPERVISOR: "127.0.0.4"}


def run(scenario: Callable[[], Awaitable[None]], timeout: float = 30.0) -> None:
    """Run an async test body on uvloop (the switch's loop), with a time limit."""

    async def main() -> None:
        await asyncio.wait_for(scenario(), timeout)

    uvloop.run(main())


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def random_pool(size: int = 200) -> PortPool:
    """A pool below Linux's ephemeral range, at a random place whose even ports are free
    now (small pools are counted on exactly; a large one may meet a port taken later,
    which the engine skips)."""
    for _ in range(100):
        low = random.randrange(21000, 32000 - size, 2)
        if size > 20 or all(_free(port) for port in range(low, low + size, 2)):
            return PortPool(low, low + size - 1)
    raise RuntimeError(f"no {size} free ports found for a test pool")


@asynccontextmanager
async def media_engine(size: int = 200) -> Any:
    engine = MediaEngine(random_pool(size), "127.0.0.1")
    try:
        yield engine
    finally:
        await engine.close()


@dataclass
class Received:
    packet: RtpPacket
    data: bytes
    at: float
    source: tuple[str, int]


class Peer(asyncio.DatagramProtocol):
    """One phone's RTP socket: sends what the test says, keeps what arrives."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.received: list[Received] = []
        self.transport: asyncio.DatagramTransport | None = None
        self._arrived = asyncio.Event()
        self.ssrc = random.getrandbits(32)
        self.seq = random.getrandbits(16)
        self.ts = random.getrandbits(32)

    @classmethod
    async def open(cls, name: str, host: str | None = None) -> Peer:
        loop = asyncio.get_running_loop()
        peer = cls(name)
        await loop.create_datagram_endpoint(
            lambda: peer, local_addr=(host or HOSTS.get(name, "127.0.0.1"), 0)
        )
        return peer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.received.append(
            Received(RtpPacket.parse(data), data, time.monotonic(), (addr[0], addr[1]))
        )
        self._arrived.set()

    @property
    def address(self) -> tuple[str, int]:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return host, port

    def send(self, data: bytes, session: RtpSession) -> None:
        self.send_to(data, ("127.0.0.1", session.local_port))

    def send_to(self, data: bytes, address: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(data, address)

    def packet(self, payload: bytes, payload_type: int = 0, *, marker: bool = False) -> bytes:
        """The next audio packet of this peer's stream (20 ms further on)."""
        data = bytes(RtpPacket(payload_type, self.seq, self.ts, self.ssrc, payload, marker))
        self.seq = (self.seq + 1) & 0xFFFF
        self.ts = (self.ts + FRAME_SAMPLES) & 0xFFFFFFFF
        return data

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until ``count`` packets have arrived (fails the test after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            self._arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{self.name} got {len(self.received)} packets, expected {count}"
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)
        return self.received

    async def quiet(self, seconds: float = 0.1) -> None:
        """Let packets in flight arrive."""
        await asyncio.sleep(seconds)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connected(
    engine: MediaEngine,
    peer: Peer,
    fmt: MediaFormat = PCMU,
    direction: Direction = Direction.SENDRECV,
) -> RtpSession:
    """A session whose SDP remote is ``peer``'s socket."""
    session = await engine.open_session()
    host, port = peer.address
    session.set_remote(host, port, fmt, direction)
    return session


def tone_frames(frequency: int, count: int, level: float = -10.0) -> Iterator[bytes]:
    tone = Tone((frequency,), level)
    for index in range(count):
        yield tone.frame(index)


def samples(pcm: bytes) -> list[int]:
    return array("h", pcm).tolist()


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (the loop runs meanwhile); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {condition}")
        await asyncio.sleep(0.002)


async def pace(packets: list[bytes], send: Callable[[bytes], None], interval: float = 0.02) -> None:
    """Send ``packets`` one per ``interval`` (as a phone would)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for index, data in enumerate(packets):
        delay = start + index * interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        send(data)
