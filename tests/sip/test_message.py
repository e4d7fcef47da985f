"""Requests and responses: the corpus of real messages, framing, responses, UAC requests."""

from __future__ import annotations

import pytest

from callcenter.sip.constants import REASON_PHRASES, Method, reason_phrase
from callcenter.sip.errors import SipParseError, SipUsageError
from callcenter.sip.headers import NameAddr, Via
from callcenter.sip.message import (
    Request,
    Response,
    make_response,
    message_length,
    parse,
    skip_keepalive,
)
from callcenter.sip.uri import SipUri

CORPUS_NAMES = [
    "bye",
    "invite_deskphone",
    "ok_invite",
    "options",
    "register_auth",
    "ringing",
    "unauthorized",
]


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_round_trip(corpus: dict[str, bytes], name: str) -> None:
    data = corpus[name]
    msg = parse(data)
    assert bytes(msg) == data
    assert parse(bytes(msg)) == msg
    if isinstance(msg, Request):
        msg.check()


def test_desk_phone_invite(corpus: dict[str, bytes]) -> None:
    msg = parse(corpus["invite_deskphone"])
    assert isinstance(msg, Request)
    assert msg.method == Method.INVITE
    assert msg.via.rport == ""
    assert msg.via.branch == "z9hG4bK1457468089"
    assert msg.from_.display_name == "Agent 1001"
    assert msg.from_.tag == "1740393245"
    assert msg.to.tag is None
    assert msg.content_type is not None
    assert msg.content_type.mime == "application/sdp"
    assert msg.body.startswith(b"v=0\r\n")
    assert len(msg.body) == msg.content_length
    ((scheme, params),) = msg.auth("Authorization")
    assert scheme == "Digest"
    assert params["uri"] == "sip:8001@192.168.1.10:5060"


def test_register_and_challenge(corpus: dict[str, bytes]) -> None:
    reg = parse(corpus["register_auth"])
    assert reg.expires == 3600
    (contact,) = reg.contacts
    assert contact.param("+sip.instance") == "<urn:uuid:00000000-0000-1000-8000-805ec0a1b2c3>"
    assert reg.auth("authorization")[0][1]["nc"] == "00000001"
    challenge = parse(corpus["unauthorized"])
    assert isinstance(challenge, Response)
    assert challenge.status == 401
    assert challenge.auth("WWW-Authenticate")[0][1]["qop"] == "auth"
    bye = parse(corpus["bye"])
    assert [str(r.uri) for r in bye.routes] == [
        "sip:192.168.1.2;lr",
        "sip:proxy.example.com;lr;transport=udp",
    ]


def test_changed_header_is_reserialised_and_others_stay_byte_identical(
    corpus: dict[str, bytes],
) -> None:
    data = corpus["invite_deskphone"]
    msg = parse(data)
    msg.headers.set("Max-Forwards", "69")
    out = bytes(msg)
    assert out == data.replace(b"Max-Forwards: 70", b"Max-Forwards: 69")
    assert parse(out).max_forwards == 69


def test_make_response_copies_per_8_2_6(corpus: dict[str, bytes]) -> None:
    req = parse(corpus["invite_deskphone"])
    assert isinstance(req, Request)
    resp = make_response(req, 180, to_tag="as5e1f2d3c")
    assert (resp.status, resp.reason) == (180, "Ringing")
    assert resp.headers.get_all("Via") == req.headers.get_all("Via")
    for name in ("From", "Call-ID", "CSeq"):
        assert resp.headers.get(name) == req.headers.get(name)
    assert resp.to.tag == "as5e1f2d3c"
    assert resp.content_length == 0
    again = parse(bytes(resp))
    assert again == resp
    trying = make_response(req, 100, to_tag="x")
    assert trying.to.tag is None  # 100 Trying has no To tag (§8.2.6.2)
    ok = make_response(req, 200, body=b"v=0\r\n", content_type="application/sdp")
    assert ok.body == b"v=0\r\n"
    assert ok.content_length == 5
    ack = Request.create(
        "ACK", req.uri, from_=req.from_, to=req.to, call_id=req.call_id, cseq=2, via=req.via
    )
    with pytest.raises(SipUsageError):
        make_response(ack, 200)
    with pytest.raises(SipUsageError):
        make_response(req, 99)


def test_uac_request() -> None:
    req = Request.create(
        Method.OPTIONS,
        SipUri("trunk.example.net"),
        from_=NameAddr(SipUri("pbx.example.com", "callcenter"), "Call Center", (("tag", "1a"),)),
        to=NameAddr(SipUri("trunk.example.net")),
        call_id="c1@pbx",
        cseq=1,
        via=Via("UDP", "192.0.2.10", 5060, (("branch", "z9hG4bK-1"), ("rport", None))),
        contact=NameAddr(SipUri("192.0.2.10", "callcenter", port=5060)),
    )
    data = bytes(req)
    assert data.startswith(
        b"OPTIONS sip:trunk.example.net SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060"
    )
    assert data.endswith(b"Content-Length: 0\r\n\r\n")
    again = parse(data)
    assert again == req
    assert isinstance(again, Request)
    again.check()
    with pytest.raises(SipUsageError):
        Request.create(
            "BAD METHOD", SipUri("x"), from_=req.from_, to=req.to, call_id="c", cseq=1, via=req.via
        )


def test_set_body_keeps_content_length() -> None:
    resp = Response(status=200, reason="OK")
    resp.set_body(b"hello", "text/plain")
    assert resp.headers.get("Content-Length") == "5"
    resp.set_body(b"")
    assert "Content-Type" not in resp.headers
    assert resp.content_length == 0


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        (b"", 400, "empty line"),
        (b"INVITE sip:a@b SIP/2.0\r\n", 400, "empty line"),
        (b"INVITE sip:a@b SIP/2.0\r\nX: \xff\r\n\r\n", 400, "UTF-8"),
        (b"INVITE sip:a@b SIP/3.0\r\n\r\n", 505, "version"),
        (b"INVITE sip:a@b HTTP/1.1\r\n\r\n", 400, "version"),
        (b"INVITE mailto:a@b SIP/2.0\r\n\r\n", 416, "scheme"),
        (b"SIP/2.0 200\r\n\r\n", 400, "code reason"),
        (b"SIP/2.0 099 Low\r\n\r\n", 400, "status code"),
        (b"INVITE sip:a@b SIP/2.0\r\n folded\r\n\r\n", 400, "continuation"),
        (b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\nX: y\r\n\r\n", 400, "bare"),
        (b"OPTIONS sip:a@b SIP/2.0\r\nl: 5\r\n\r\nabc", 400, "fewer"),
    ],
)
def test_malformed_messages(data: bytes, status: int, fragment: str) -> None:
    with pytest.raises(SipParseError) as info:
        parse(data)
    assert info.value.status == status
    assert fragment in str(info.value)


def test_too_large() -> None:
    with pytest.raises(SipParseError) as info:
        parse(b"x" * 70000)
    assert info.value.status == 513


def test_stream_framing(corpus: dict[str, bytes]) -> None:
    one = corpus["invite_deskphone"]
    two = corpus["bye"]
    stream = b"\r\n\r\n" + one + two
    skip = skip_keepalive(stream)
    assert skip == 4
    stream = stream[skip:]
    n = message_length(stream)
    assert n == len(one)
    assert message_length(stream[n:]) == len(two)
    for cut in (0, 10, len(one) - 1):
        assert message_length(one[:cut]) is None
    with pytest.raises(SipParseError) as info:
        message_length(one, max_size=100)
    assert info.value.status == 513
    with pytest.raises(SipParseError) as info:
        message_length(b"A" * 300, max_header_size=200)
    assert info.value.status == 513
    with pytest.raises(SipParseError):
        message_length(b"OPTIONS sip:a SIP/2.0\r\nTo: <sip:a>\r\n\r\n")  # no Content-Length
    with pytest.raises(SipParseError):
        message_length(b"OPTIONS sip:a SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\n")


def test_reason_phrases_cover_rfc3261_section_21() -> None:
    section_21 = [
        100,
        180,
        181,
        182,
        183,
        200,
        300,
        301,
        302,
        305,
        380,
        400,
        401,
        402,
        403,
        404,
        405,
        406,
        407,
        408,
        410,
        413,
        414,
        415,
        416,
        420,
        421,
        423,
        480,
        481,
        482,
        483,
        484,
        485,
        486,
        487,
        488,
        491,
        493,
        500,
        501,
        502,
        503,
        504,
        505,
        513,
        600,
        603,
        604,
        606,
    ]
    assert set(section_21) <= set(REASON_PHRASES)
    assert reason_phrase(487) == "Request Terminated"
    assert reason_phrase(499) == "Client Error"
