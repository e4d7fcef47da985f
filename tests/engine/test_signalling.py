"""The switch's answers to every kind of request, over an in-memory transport."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from callcenter.engine.events import RegistrationChanged
from callcenter.engine.ports import ExtensionEntry, MemoryEventSink
from callcenter.engine.registrar import Registrar
from callcenter.engine.signalling import Signalling
from callcenter.sip.message import Response, parse
from callcenter.sip.transaction import Peer
from tests.engine.phones import Phone

EXTENSIONS = {n: ExtensionEntry(number=n, sip_password=n) for n in ("70001", "70002")}
PHONE = Peer("udp", "192.0.2.10", 40000)


class Wire:
    """An in-memory transport: what the switch sent, parsed."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, Peer]] = []

    def send(self, data: bytes, peer: Peer) -> bool:
        self.sent.append((data, peer))
        return True

    def responses(self) -> list[Response]:
        out = []
        for data, _peer in self.sent:
            message = parse(data)
            assert isinstance(message, Response)
            out.append(message)
        return out


def run(test: Callable[[Signalling, Wire, MemoryEventSink], None]) -> None:
    async def main() -> None:
        sink = MemoryEventSink()
        registrar = Registrar(
            realm="callcenter", nonce_secret=b"x" * 20, extensions=lambda: EXTENSIONS
        )
        signalling = Signalling(registrar=registrar, extensions=lambda: EXTENSIONS, events=sink)
        wire = Wire()
        signalling.transports["udp"] = wire
        test(signalling, wire, sink)
        signalling.close()

    asyncio.run(main())


def request(
    method: str,
    uri: str = "sip:70002@127.0.0.1",
    extra: str = "",
    branch: str = "b1",
    body: str = "",
) -> bytes:
    return (
        f"{method} {uri} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK{branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:70001@127.0.0.1>;tag=f1\r\n"
        "To: <sip:70002@127.0.0.1>\r\n"
        f"Call-ID: call-{branch}\r\n"
        f"CSeq: 1 {method}\r\n"
        "Contact: <sip:70001@10.0.0.5:5062>\r\n"
        f"{extra}"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


@pytest.mark.parametrize(
    ("message", "status"),
    [
        (request("OPTIONS"), 200),
        # Without a call layer (tests/engine/test_calls.py has one), an INVITE gets 503.
        (request("INVITE", "sip:79999@127.0.0.1"), 503),
        (request("INVITE", "sip:70002@127.0.0.1", extra="Require: path\r\n"), 503),
        (request("BYE"), 481),
        (request("INFO"), 481),
        (request("MESSAGE"), 405),
        (request("SUBSCRIBE"), 405),
        (request("FOOBAR"), 501),
        (request("INVITE", extra="Require: 100rel\r\n"), 420),
        (request("INVITE").replace(b"Max-Forwards: 70", b"Max-Forwards: 0"), 483),
        (request("INVITE", "mailto:x@example.com"), 416),
        (request("INVITE").replace(b"SIP/2.0\r\n", b"SIP/7.0\r\n", 1), 505),
        (request("INVITE").replace(b"CSeq: 1 INVITE", b"CSeq: 1 BYE"), 400),
    ],
)
def test_every_request_gets_its_answer(message: bytes, status: int) -> None:
    def check(signalling: Signalling, wire: Wire, sink: MemoryEventSink) -> None:
        signalling.on_message(message, PHONE)
        finals = [r for r in wire.responses() if r.status >= 200]
        assert [r.status for r in finals] == [status]
        assert finals[0].call_id == "call-b1"

    run(check)


def test_options_says_what_we_allow() -> None:
    def check(signalling: Signalling, wire: Wire, sink: MemoryEventSink) -> None:
        signalling.on_message(request("OPTIONS"), PHONE)
        [response] = wire.responses()
        assert "REGISTER" in response.headers.get("allow", "")
        assert response.headers.get("accept") == "application/sdp"
        assert response.headers.get("server", "").startswith("callcenter/")

    run(check)


def test_response_goes_to_the_real_source_with_received_and_rport() -> None:
    def check(signalling: Signalling, wire: Wire, sink: MemoryEventSink) -> None:
        signalling.on_message(request("OPTIONS"), PHONE)
        [(data, peer)] = wire.sent
        assert peer == PHONE
        response = parse(data)
        assert response.via.received == "192.0.2.10"
        assert response.via.rport_port == 40000

    run(check)


def test_retransmitted_request_gets_the_same_answer_once_more() -> None:
    def check(signalling: Signalling, wire: Wire, sink: MemoryEventSink) -> None:
        signalling.on_message(request("OPTIONS"), PHONE)
        signalling.on_message(request("OPTIONS"), PHONE)
        first, second = wire.responses()
        assert bytes(first) == bytes(second)

    run(check)


def test_keep_alives_to_the_switch_are_answered_without_a_transaction() -> None:
    def check(signalling: Signalling, wire: Wire, sink: MemoryEventSink) -> None:
        keepalive = request("OPTIONS", uri="sip:127.0.0.1:5060")
        signalling.on_message(keepalive, PHONE)
        signalling.on_message(keepalive, PHONE)  # a retransmission: the same answer
        first, second = wire.responses()
        assert first.status == 200
        assert first.to.tag
        assert bytes(first) == bytes(second)
        assert (first.via.received, first.via.rport_port) == ("192.0.2.10", 40000)
        assert [peer for _data, peer in wire.sent] == [PHONE, PHONE]
        assert len(signalling.transactions) == 0
        # To an extension, or with a Require: the transaction layer as for any request.
        signalling.on_message(request("OPTIONS", branch="b2"), PHONE)
        signalling.on_message(
            request("OPTIONS", uri="sip:127.0.0.1", branch="b3", extra="Require: foo\r\n"),
            PHONE,
        )
        assert [r.status for r in wire.responses()[2:]] == [200, 420]
        assert len(signalling.transactions) == 2

    run(check)


def test_malformed_requests_get_400_and_responses_and_acks_are_never_answered() -> None:
    def check(signalling: Signalling, wire: Wire, sink: MemoryEventSink) -> None:
        bad = request("OPTIONS").replace(b"Max-Forwards: 70", b"Max-Forwards: seventy")
        signalling.on_message(bad, PHONE)
        assert [r.status for r in wire.responses()] == [400]
        wire.sent.clear()
        signalling.on_message(b"SIP/2.0 200 OK\r\nVia: garbage\r\n\r\n", PHONE)
        signalling.on_message(request("ACK").replace(b"CSeq: 1 ACK", b"CSeq: x ACK"), PHONE)
        signalling.on_message(b"\x00\x01\x02 not sip at all", PHONE)
        assert wire.sent == []
        assert signalling.counters["parse_errors"] == 4

    run(check)


def test_registration_through_the_core_emits_events() -> None:
    def check(signalling: Signalling, wire: Wire, sink: MemoryEventSink) -> None:
        phone = Phone("70001", "70001")
        signalling.on_message(bytes(phone.register()), PHONE)
        [challenge] = wire.responses()
        assert challenge.status == 401
        signalling.on_message(bytes(phone.register(challenge=challenge)), PHONE)
        assert wire.responses()[-1].status == 200
        [event] = sink.events
        assert isinstance(event, RegistrationChanged)
        assert event.binding.extension == "70001"
        assert signalling.registrar.is_registered("70001")

    run(check)
