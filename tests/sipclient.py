"""A tiny blocking SIP client over a real UDP socket, for tests against a running server."""

from __future__ import annotations

import socket
from types import TracebackType

from callcenter.sip.message import Request, Response, parse
from tests.engine.phones import Phone


class UdpPhone:
    """A `Phone` with its own socket on 127.0.0.1, registering to host:port."""

    def __init__(self, number: str, password: str, server: tuple[str, int]) -> None:
        self.server = server
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(5)
        port = self.socket.getsockname()[1]
        self.phone = Phone(
            number,
            password,
            host="127.0.0.1",
            port=port,
            registrar=f"sip:{server[0]}:{server[1]}",
        )

    def exchange(self, request: Request) -> Response:
        self.socket.sendto(bytes(request), self.server)
        while True:
            message = parse(self.socket.recv(65535))
            if isinstance(message, Response) and message.status >= 200:
                return message

    def register(self, expires: int = 3600, contact: str | None = None) -> Response:
        challenge = self.exchange(self.phone.register(expires=expires, contact=contact))
        if challenge.status != 401:
            return challenge
        return self.exchange(
            self.phone.register(expires=expires, contact=contact, challenge=challenge)
        )

    def close(self) -> None:
        self.socket.close()

    def __enter__(self) -> UdpPhone:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
