"""What the call layer needs from the signalling layer, and helpers to build SIP for it.

The B2BUA never touches sockets or the transaction layer directly: it answers server
transactions, starts client transactions, sends ACKs for 2xx (which are no transaction,
RFC 3261 §13.2.2.4, §17.1.1.3) and cancels INVITEs through :class:`SipIO`, which
`engine.signalling.Signalling` implements. It also needs to know its own address as a
peer sees it, for Via, Contact and the SDP connection line (RFC 3261 §18.1.1, RFC 4566
§5.7).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Protocol

from callcenter.sip.headers import NameAddr, Via
from callcenter.sip.message import Request, Response
from callcenter.sip.transaction import Peer
from callcenter.sip.uri import SipUri


class SipIO(Protocol):
    def respond(self, key: str, response: Response) -> None:
        """Answer the server transaction ``key``."""
        ...

    def send_request(self, request: Request, peer: Peer) -> str:
        """Start a client transaction; return its key (responses come back under it)."""
        ...

    def send_ack(self, ack: Request, peer: Peer) -> None:
        """Send an ACK for a 2xx straight to the wire (§13.2.2.4)."""
        ...

    def cancel(self, key: str) -> None:
        """CANCEL the INVITE client transaction ``key`` (§9.1)."""
        ...

    def answer(
        self,
        request: Request,
        status: int,
        reason: str | None = None,
        *,
        to_tag: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        content_type: str | None = None,
    ) -> Response:
        """A response to ``request`` carrying our Server header and a To tag."""
        ...

    def local_address(self, peer: Peer) -> tuple[str, int]:
        """Our IP address and SIP port as ``peer`` should see them."""
        ...


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(10)}@{host}"


def our_via(peer: Peer, host: str, port: int, branch: str | None = None) -> Via:
    """Our Via toward ``peer``: its transport, our address, ``rport`` (RFC 3581 §3)."""
    params: tuple[tuple[str, str | None], ...] = (("rport", None),)
    if branch is not None:
        params = (("branch", branch), *params)
    return Via(peer.transport.upper(), host, port, params)


def our_contact(peer: Peer, host: str, port: int, user: str = "callcenter") -> NameAddr:
    params: tuple[tuple[str, str | None], ...] = ()
    if peer.transport != "udp":
        params = (("transport", peer.transport),)
    return NameAddr(SipUri(host, user=user, port=port, params=params))
