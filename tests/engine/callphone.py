"""A scripted SIP phone on real loopback sockets, for driving the switch's calls in tests.

Each step is explicit (send this INVITE, expect that response, answer with this SDP, send
RTP), so tests can produce what real phones rarely do on purpose: no ACK, an SDP without
a common codec, a BYE for a dialog that never was, RTP from the wrong address.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from dataclasses import dataclass, field

from callcenter.rtp.g711 import ulaw_encode
from callcenter.rtp.packet import RtpPacket
from callcenter.sip.auth import authorization, choose_challenge
from callcenter.sip.message import Request, Response, parse

_counter = itertools.count(1)


def sdp(
    port: int, codecs: str = "0 101", direction: str = "sendrecv", host: str = "127.0.0.1"
) -> str:
    names = {
        "0": "PCMU/8000",
        "8": "PCMA/8000",
        "9": "G722/8000",
        "18": "G729/8000",
        "101": "telephone-event/8000",
    }
    lines = [
        "v=0",
        f"o=phone {next(_counter)} 1 IN IP4 {host}",
        "s=-",
        f"c=IN IP4 {host}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {codecs}",
        *(f"a=rtpmap:{pt} {names[pt]}" for pt in codecs.split()),
        f"a={direction}",
        "",
    ]
    return "\r\n".join(lines)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, queue: asyncio.Queue[tuple[bytes, tuple[str, int]]]) -> None:
        self.queue = queue

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        self.queue.put_nowait((data, addr))


@dataclass
class Rtp:
    """A phone's RTP socket: send G.711 frames, collect what arrives."""

    transport: asyncio.DatagramTransport
    queue: asyncio.Queue[tuple[bytes, tuple[str, int]]]
    port: int
    seq: int = 0
    ssrc: int = field(default_factory=lambda: secrets.randbits(32))

    def send(self, to: tuple[str, int], payload: bytes | None = None, pt: int = 0) -> None:
        self.seq += 1
        packet = RtpPacket(
            payload_type=pt,
            sequence=self.seq & 0xFFFF,
            timestamp=self.seq * 160,
            ssrc=self.ssrc,
            payload=payload if payload is not None else ulaw_encode(b"\x10\x00" * 160),
        )
        self.transport.sendto(bytes(packet), to)

    def drain(self) -> list[bytes]:
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait()[0])
        return out

    def close(self) -> None:
        self.transport.close()


class CallPhone:
    def __init__(self, number: str, server: tuple[str, int], password: str | None = None) -> None:
        self.number = number
        self.password = password if password is not None else number
        self.server = server
        self.queue: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0
        self.cseq = 0
        self.rtps: list[Rtp] = []

    async def open(self, port: int = 0) -> CallPhone:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self.queue), local_addr=("127.0.0.1", port)
        )
        self.transport = transport  # type: ignore[assignment]
        self.port = transport.get_extra_info("sockname")[1]
        return self

    async def rtp(self) -> Rtp:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(queue), local_addr=("127.0.0.1", 0)
        )
        rtp = Rtp(transport, queue, transport.get_extra_info("sockname")[1])  # type: ignore[arg-type]
        self.rtps.append(rtp)
        return rtp

    def close(self) -> None:
        for rtp in self.rtps:
            rtp.close()
        if self.transport is not None:
            self.transport.close()

    # --- wire --------------------------------------------------------------------------
    def send(self, message: Request | Response | bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(
            message if isinstance(message, bytes) else bytes(message), self.server
        )

    async def receive(self, timeout: float = 5.0) -> Request | Response:
        data, _addr = await asyncio.wait_for(self.queue.get(), timeout)
        return parse(data)

    async def expect_response(self, timeout: float = 5.0, *, final: bool = True) -> Response:
        while True:
            message = await self.receive(timeout)
            if isinstance(message, Response) and (message.status >= 200 or not final):
                if message.status == 100:
                    continue
                return message

    async def expect_request(self, method: str, timeout: float = 5.0) -> Request:
        while True:
            message = await self.receive(timeout)
            if isinstance(message, Request) and message.method == method:
                return message

    # --- building ----------------------------------------------------------------------
    def _headers(self, method: str, to: str, call_id: str, tag: str, cseq: int) -> str:
        return (
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:{self.number}@127.0.0.1>;tag={tag}\r\n"
            f"To: {to if to.startswith('<') else f'<{to}>'}\r\n"
            f"Call-ID: {call_id}\r\n"
            f"CSeq: {cseq} {method}\r\n"
            f"Contact: <sip:{self.number}@127.0.0.1:{self.port}>\r\n"
        )

    def request(
        self,
        method: str,
        uri: str,
        *,
        to: str | None = None,
        call_id: str | None = None,
        tag: str = "t1",
        cseq: int | None = None,
        body: str = "",
        extra: str = "",
    ) -> Request:
        self.cseq += 1
        text = (
            f"{method} {uri} SIP/2.0\r\n"
            + self._headers(
                method,
                to or uri,
                call_id or secrets.token_hex(8),
                tag,
                cseq if cseq is not None else self.cseq,
            )
            + extra
            + ("Content-Type: application/sdp\r\n" if body else "")
            + f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
        )
        message = parse(text.encode())
        assert isinstance(message, Request)
        return message

    def with_credentials(self, request: Request, challenge: Response) -> Request:
        name = "proxy-authenticate" if challenge.status == 407 else "www-authenticate"
        header = "Proxy-Authorization" if challenge.status == 407 else "Authorization"
        value = authorization(
            choose_challenge(challenge.headers.get_all(name)),
            method=request.method,
            uri=str(request.uri),
            username=self.number,
            password=self.password,
            cnonce=secrets.token_hex(4),
        )
        again = Request(
            headers=request.headers.copy(),
            body=request.body,
            method=request.method,
            uri=request.uri,
        )
        self.cseq += 1
        again.headers.set("CSeq", f"{self.cseq} {request.method}")
        again.headers.set(
            "Via", f"SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{secrets.token_hex(6)};rport"
        )
        again.headers.add(header, value)
        return again

    async def register(self) -> Response:
        uri = f"sip:{self.server[0]}:{self.server[1]}"
        first = self.request(
            "REGISTER", uri, to=f"sip:{self.number}@127.0.0.1", extra="Expires: 300\r\n"
        )
        self.send(first)
        challenge = await self.expect_response()
        assert challenge.status == 401, challenge.status
        self.send(self.with_credentials(first, challenge))
        return await self.expect_response()

    async def invite(
        self, number: str, body: str, *, auth: bool = True, extra: str = "", wait: bool = True
    ) -> tuple[Request, Response | None]:
        """Send an INVITE, answering the 407 when ``auth``; return it and, when ``wait``,
        the first response after 100 (provisional or final)."""
        uri = f"sip:{number}@{self.server[0]}:{self.server[1]}"
        request = self.request("INVITE", uri, body=body, tag=secrets.token_hex(4), extra=extra)
        self.send(request)
        if auth:
            challenge = await self.expect_response(final=False)
            if challenge.status != 407:
                return request, challenge
            self.send(self.ack_for(request, challenge))
            request = self.with_credentials(request, challenge)
            self.send(request)
        if not wait:
            return request, None
        return request, await self.expect_response(final=False)

    def ack_for(self, invite: Request, response: Response) -> bytes:
        """ACK: for a non-2xx, the same branch (§17.1.1.3); for a 2xx, a new one."""
        via = invite.headers.get("via") or ""
        if response.status < 300:
            via = f"SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{secrets.token_hex(6)};rport"
        return (
            f"ACK {invite.uri} SIP/2.0\r\n"
            f"Via: {via}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: {invite.headers.get('from')}\r\n"
            f"To: {response.headers.get('to')}\r\n"
            f"Call-ID: {invite.call_id}\r\n"
            f"CSeq: {invite.cseq.seq} ACK\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode()

    def in_dialog(
        self,
        method: str,
        invite: Request,
        response: Response,
        *,
        body: str = "",
        received: bool = False,
        extra: str = "",
        content_type: str = "application/sdp",
    ) -> Request:
        """A request in the dialog of ``invite``/``response``; ``received`` when the
        INVITE came from the switch (we are its UAS)."""
        self.cseq += 1
        if received:
            from_, to = response.headers.get("to"), invite.headers.get("from")
            target = str(invite.contacts[0].uri) if invite.contacts else str(invite.uri)
        else:
            from_, to = invite.headers.get("from"), response.headers.get("to")
            target = str(response.contacts[0].uri) if response.contacts else str(invite.uri)
        text = (
            f"{method} {target} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: {from_}\r\nTo: {to}\r\nCall-ID: {invite.call_id}\r\n"
            f"CSeq: {self.cseq + 1000} {method}\r\n"
            f"Contact: <sip:{self.number}@127.0.0.1:{self.port}>\r\n"
            + extra
            + (f"Content-Type: {content_type}\r\n" if body else "")
            + f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
        )
        message = parse(text.encode())
        assert isinstance(message, Request)
        return message

    def answer(
        self, request: Request, status: int, body: str = "", tag: str = "callee", extra: str = ""
    ) -> Response:
        headers = [f"Via: {v}" for v in request.headers.get_all("via")]
        to = request.headers.get("to") or ""
        if ";tag=" not in to and status > 100:
            to += f";tag={tag}"
        text = (
            f"SIP/2.0 {status} Whatever\r\n"
            + "\r\n".join(headers)
            + "\r\n"
            + f"From: {request.headers.get('from')}\r\nTo: {to}\r\n"
            f"Call-ID: {request.call_id}\r\nCSeq: {request.cseq.seq} {request.cseq.method}\r\n"
            f"Contact: <sip:{self.number}@127.0.0.1:{self.port}>\r\n"
            + extra
            + ("Content-Type: application/sdp\r\n" if body else "")
            + f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
        )
        message = parse(text.encode())
        assert isinstance(message, Response)
        return message


def remote_media(message: Request | Response) -> tuple[str, int, int]:
    """(address, port, first payload type) of the audio in a message's SDP."""
    text = message.body.decode()
    host = next(line[9:] for line in text.splitlines() if line.startswith("c=IN IP4 "))
    m = next(line for line in text.splitlines() if line.startswith("m=audio "))
    parts = m.split()
    return host.strip(), int(parts[1]), int(parts[3])
