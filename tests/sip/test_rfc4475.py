"""RFC 4475 torture messages: every message, with the outcome the RFC describes.

The files under ``data/rfc4475/`` hold the exact bytes of each test message (CRLF line
ends, ``<allOneLine>`` joined, ``<hex>`` decoded, ``<repeat>`` expanded).

Outcomes:

- ``ok``: :func:`parse` succeeds (and the per-message test below checks the fields);
- ``parse:N``: :func:`parse` raises :class:`SipParseError` with status N;
- ``check:N``: the message is syntactically valid, :func:`parse` succeeds and
  :meth:`Request.check` (the §8.2 UAS checks) raises with status N.
"""

from __future__ import annotations

import contextlib

import pytest

from callcenter.sip.errors import SipParseError
from callcenter.sip.headers import parse_auth_params
from callcenter.sip.message import Request, Response, parse
from callcenter.sip.uri import AbsoluteUri, SipUri

from .conftest import RFC4475, load

# name -> expected outcome (RFC 4475 section in the comment)
EXPECTED: dict[str, str] = {
    # §3.1.1 valid messages
    "wsinv": "ok",  # 3.1.1.1 short tortuous INVITE
    "intmeth": "ok",  # 3.1.1.2 wide range of valid characters
    "esc01": "ok",  # 3.1.1.3 valid use of % escaping
    "escnull": "ok",  # 3.1.1.4 escaped nulls in URIs
    "esc02": "ok",  # 3.1.1.5 % that is not an escape
    "lwsdisp": "ok",  # 3.1.1.6 no LWS between display name and <
    "longreq": "ok",  # 3.1.1.7 long values
    "dblreq": "ok",  # 3.1.1.8 extra trailing octets in a datagram
    "semiuri": "ok",  # 3.1.1.9 semicolons in the user part
    "transports": "ok",  # 3.1.1.10 varied and unknown transports
    "mpart01": "ok",  # 3.1.1.11 multipart MIME body
    "unreason": "ok",  # 3.1.1.12 unusual reason phrase
    "noreason": "ok",  # 3.1.1.13 empty reason phrase
    # §3.1.2 invalid messages
    "badinv01": "parse:400",  # 3.1.2.1 extraneous header field separators
    "clerr": "parse:400",  # 3.1.2.2 Content-Length larger than the message
    "ncl": "parse:400",  # 3.1.2.3 negative Content-Length
    "scalar02": "parse:400",  # 3.1.2.4 request scalar fields with overlarge values
    "scalarlg": "parse:400",  # 3.1.2.5 response scalar fields (a response: dropped)
    "quotbal": "parse:400",  # 3.1.2.6 unterminated quoted string in display name
    "ltgtruri": "parse:400",  # 3.1.2.7 <> enclosing the Request-URI
    "lwsruri": "parse:400",  # 3.1.2.8 LWS in the Request-URI
    "lwsstart": "parse:400",  # 3.1.2.9 multiple SP in the request line
    "trws": "parse:400",  # 3.1.2.10 SP at the end of the request line
    "escruri": "parse:400",  # 3.1.2.11 escaped headers in the Request-URI
    "baddate": "ok",  # 3.1.2.12 invalid Date time zone: Date is not interpreted (see test)
    "regbadct": "parse:400",  # 3.1.2.13 name-addr URI with '?' not in <>
    "badaspec": "parse:400",  # 3.1.2.14 spaces within addr-spec
    "baddn": "parse:400",  # 3.1.2.15 non-token characters in display name
    "badvers": "parse:505",  # 3.1.2.16 unknown protocol version
    "mismatch01": "check:400",  # 3.1.2.17 start line and CSeq method mismatch
    "mismatch02": "check:400",  # 3.1.2.18 unknown method with CSeq mismatch
    "bigcode": "parse:400",  # 3.1.2.19 overlarge response code
    # §3.2 transaction layer
    "badbranch": "ok",  # 3.2.1 branch is only the magic cookie: see test
    # §3.3 application layer
    "insuf": "check:400",  # 3.3.1 missing required headers
    "unkscm": "parse:416",  # 3.3.2 Request-URI with unknown scheme
    "novelsc": "parse:416",  # 3.3.3 Request-URI with known but atypical scheme
    "unksm2": "check:416",  # 3.3.4 unknown URI schemes in header fields
    "bext01": "ok",  # 3.3.5 Proxy-Require and Require: the switch answers 420
    "invut": "ok",  # 3.3.6 unknown Content-Type: the switch answers 415
    "regaut01": "ok",  # 3.3.7 unknown authorization scheme: the registrar answers 401
    "multi01": "parse:400",  # 3.3.8 multiple values in single-value fields
    "mcl01": "parse:400",  # 3.3.9 multiple Content-Length values
    "bcast": "ok",  # 3.3.10 200 OK with a broadcast Via
    "zeromf": "ok",  # 3.3.11 Max-Forwards of zero
    "cparam01": "ok",  # 3.3.12 REGISTER with a contact header parameter
    "cparam02": "ok",  # 3.3.13 REGISTER with a URI parameter
    "regescrt": "ok",  # 3.3.14 REGISTER with an escaped header in the contact URI
    "sdp01": "ok",  # 3.3.15 unacceptable Accept offering
    # §3.4 backward compatibility
    "inv2543": "ok",  # 3.4.1 INVITE with RFC 2543 syntax
}


def test_every_file_is_in_the_table() -> None:
    assert {p.stem for p in RFC4475.glob("*.sip")} == set(EXPECTED)
    assert len(EXPECTED) == 49


@pytest.mark.parametrize(("name", "outcome"), sorted(EXPECTED.items()))
def test_outcome(name: str, outcome: str) -> None:
    data = load(name)
    kind, _, status = outcome.partition(":")
    if kind == "parse":
        with pytest.raises(SipParseError) as info:
            parse(data)
        assert info.value.status == int(status)
        assert info.value.message  # says what was wrong
        return
    msg = parse(data)
    if kind == "check":
        assert isinstance(msg, Request)
        with pytest.raises(SipParseError) as info:
            msg.check()
        assert info.value.status == int(status)
    elif isinstance(msg, Request) and name != "inv2543":
        msg.check()


@pytest.mark.parametrize("name", sorted(n for n, o in EXPECTED.items() if o != "ok"))
def test_errors_never_escape_as_other_exceptions(name: str) -> None:
    with contextlib.suppress(SipParseError):
        parse(load(name))


@pytest.mark.parametrize("name", sorted(n for n, o in EXPECTED.items() if o != "parse:400"))
def test_round_trip_is_byte_identical(name: str) -> None:
    data = load(name)
    if name in ("unkscm", "novelsc", "badvers"):
        return
    msg = parse(data)
    if name == "dblreq":  # the trailing INVITE is not part of the REGISTER (§18.3)
        data = data[: data.index(b"\r\n\r\n") + 4]
    assert bytes(msg) == data
    assert parse(bytes(msg)) == msg


def test_wsinv_folded_headers() -> None:
    msg = parse(load("wsinv"))
    assert isinstance(msg, Request)
    assert msg.method == "INVITE"
    assert msg.uri == SipUri("chair-dnrc.example.com", "vivekg", params=(("unknownparam", None),))
    assert msg.to.tag == "1918181833n"
    assert msg.from_.display_name == 'J Rosenberg \\"'
    assert msg.from_.tag == "98asjd8"
    assert msg.max_forwards == 68
    assert msg.call_id == "wsinv.ndaksdj@192.0.2.1"
    assert (msg.cseq.seq, msg.cseq.method) == (9, "INVITE")
    assert [(v.transport, v.host, v.branch) for v in msg.vias] == [
        ("UDP", "192.0.2.2", "390skdjuw"),
        ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
        ("UDP", "192.168.255.111", "z9hG4bK30239"),
    ]
    assert msg.headers.get("Subject") == ""
    assert msg.headers.get("newfangledheader") == "newfangled value continued newfangled value"
    assert msg.headers.get("UnknownHeaderWithUnusualValue") == ";;,,;;,;"
    assert msg.content_type is not None
    assert msg.content_type.mime == "application/sdp"
    (route,) = msg.routes
    assert isinstance(route.uri, SipUri)
    assert route.uri.lr
    assert route.uri.param("unknownwith") == "value"
    (contact,) = msg.contacts
    assert contact.display_name == 'Quoted string ""'
    assert contact.param("newparam") == "newvalue"
    assert contact.param("secondparam") == ""
    assert contact.q == 0.33
    assert len(msg.body) == 150


def test_intmeth_wide_range_of_characters() -> None:
    msg = parse(load("intmeth"))
    assert isinstance(msg, Request)
    assert msg.method == "!interesting-Method0123456789_*+`.%indeed'~"
    assert isinstance(msg.uri, SipUri)
    assert msg.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert msg.uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert msg.to.display_name == "BEL:\x07 NUL:\x00 DEL:\x7f"
    assert msg.from_.display_name == "token1~` token2'+_ token3*%!.-"
    assert msg.from_.param("fromParam''~+*_!.-%") == "работающий"
    assert msg.from_.tag == "_token~1'+`*%!-."
    assert msg.call_id == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    assert msg.cseq.method == msg.method
    assert msg.max_forwards == 255
    assert msg.headers.get("extensionHeader-!.%*+_`'~") == "\ufeff大停電"


def test_esc01_escapes_resolved() -> None:
    msg = parse(load("esc01"))
    assert isinstance(msg, Request)
    assert isinstance(msg.uri, SipUri)
    assert msg.uri.user == "sips:user@example.com"
    assert isinstance(msg.to.uri, SipUri)
    assert msg.to.uri.user == "user"
    assert isinstance(msg.from_.uri, SipUri)
    assert msg.from_.uri.user == "I have spaces"
    (contact,) = msg.contacts
    assert isinstance(contact.uri, SipUri)
    assert contact.uri.user == "caller"
    assert contact.uri.lr
    assert contact.uri.param("name") == "value%41"
    assert msg.call_id == "esc01.239409asdfakjkn23onasd0-3234"  # i: is Call-ID
    assert msg.content_type is not None
    assert msg.content_type.mime == "application/sdp"  # c:
    assert contact.uri.equivalent(SipUri.parse("sip:caller@host5.example.net;lr;name=value%2541"))


def test_escnull_nul_in_user() -> None:
    msg = parse(load("escnull"))
    assert isinstance(msg.to.uri, SipUri)
    assert msg.to.uri.user == "null-\x00-null"
    users = [c.uri.user for c in msg.contacts if isinstance(c.uri, SipUri)]
    assert users == ["\x00", "\x00\x00"]
    assert msg.content_length == 0  # L:0


def test_esc02_percent_not_an_escape() -> None:
    msg = parse(load("esc02"))
    assert isinstance(msg, Request)
    assert msg.method == "RE%47IST%45R"  # not REGISTER
    assert msg.to.display_name == "%Z%45"
    assert msg.via.branch == "z9hG4bK209%fzsnel234"
    hosts = [c.uri.host for c in msg.contacts if isinstance(c.uri, SipUri)]
    assert hosts == ["host1.example.com", "host3.example.com"]  # C%6Fntact is not Contact
    assert msg.headers.get("C%6Fntact") == "<sip:alias2@host2.example.com>"


def test_lwsdisp_and_longreq() -> None:
    assert parse(load("lwsdisp")).from_.display_name == "caller"
    msg = parse(load("longreq"))
    assert len(msg.vias) == 34
    assert msg.vias[-1].received == "192.0.2.5"
    assert isinstance(msg.to.uri, SipUri)
    assert msg.to.uri.port == 6000
    assert msg.from_.tag is not None
    assert msg.from_.tag.endswith("424")


def test_dblreq_only_the_first_request() -> None:
    msg = parse(load("dblreq"))
    assert isinstance(msg, Request)
    assert msg.method == "REGISTER"
    assert msg.body == b""


def test_semiuri_and_transports() -> None:
    msg = parse(load("semiuri"))
    assert isinstance(msg, Request)
    assert isinstance(msg.uri, SipUri)
    assert msg.uri.user == "user;par=u@example.net"
    assert msg.uri.params == ()
    assert msg.headers.values("Accept") == [
        "application/sdp",
        "application/pkcs7-mime",
        "multipart/mixed",
        "multipart/signed",
        "message/sip",
        "message/sipfrag",
    ]
    vias = parse(load("transports")).vias
    assert [v.transport for v in vias] == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]


def test_mpart01_body_is_bytes() -> None:
    msg = parse(load("mpart01"))
    assert len(msg.body) == 553
    assert msg.content_type is not None
    assert msg.content_type.mime == "multipart/mixed"
    assert msg.content_type.param("boundary") == "7a9cbec02ceef655"
    assert msg.via.rport == ""  # rport requested, no value


def test_reason_phrases() -> None:
    msg = parse(load("unreason"))
    assert isinstance(msg, Response)
    assert msg.status == 200
    assert msg.reason.startswith("= 2**3 * 5**2 но сто")
    empty = parse(load("noreason"))
    assert isinstance(empty, Response)
    assert (empty.status, empty.reason) == (100, "")


def test_baddate_is_kept_uninterpreted() -> None:
    # RFC 4475 §3.1.2.12: the time zone must be GMT. The switch never interprets Date, so
    # the message is processed as if Date were absent; the raw value stays visible.
    msg = parse(load("baddate"))
    assert msg.headers.get("Date") == "Fri, 01 Jan 2010 16:00:00 EST"


def test_badbranch_exposes_the_bare_cookie() -> None:
    # §3.2.1: a branch of only "z9hG4bK" cannot identify a transaction; the transaction
    # layer must not treat it as RFC 3261 compliant.
    assert parse(load("badbranch")).via.branch == "z9hG4bK"


def test_application_layer_messages_expose_what_the_switch_needs() -> None:
    bext = parse(load("bext01"))
    assert bext.headers.values("Require") == ["nothingSupportsThis", "nothingSupportsThisEither"]
    assert bext.headers.values("Proxy-Require") == [
        "noProxiesSupportThis",
        "norDoAnyProxiesSupportThis",
    ]
    invut = parse(load("invut"))
    assert invut.content_type is not None
    assert invut.content_type.mime == "application/unknownformat"
    regaut = parse(load("regaut01"))
    assert regaut.auth("Authorization") == [("NoOneKnowsThisScheme", {"opaque-data": "here"})]
    assert parse_auth_params(regaut.headers.get("Authorization") or "")[0] != "Digest"
    bcast = parse(load("bcast"))
    assert bcast.vias[1].host == "255.255.255.255"
    assert parse(load("zeromf")).max_forwards == 0
    sdp01 = parse(load("sdp01"))
    assert sdp01.headers.values("Accept") == ["text/nobodyKnowsThis"]


def test_unknown_schemes_in_headers() -> None:
    msg = parse(load("unksm2"))
    assert msg.to.uri == AbsoluteUri("isbn", "2983792873")
    assert isinstance(msg.from_.uri, AbsoluteUri)
    assert msg.from_.uri.scheme == "http"
    assert [str(c.uri) for c in msg.contacts] == ["name:John_Smith"]


def test_contact_param_vs_uri_param() -> None:
    (c1,) = parse(load("cparam01")).contacts
    assert c1.param("unknownparam") == ""
    assert isinstance(c1.uri, SipUri)
    assert c1.uri.params == ()
    (c2,) = parse(load("cparam02")).contacts
    assert c2.params == ()
    assert isinstance(c2.uri, SipUri)
    assert c2.uri.has_param("unknownparam")
    (c3,) = parse(load("regescrt")).contacts
    assert isinstance(c3.uri, SipUri)
    assert c3.uri.headers == (("Route", "<sip:sip.example.com>"),)


def test_inv2543_backward_compatible() -> None:
    msg = parse(load("inv2543"))
    assert isinstance(msg, Request)
    assert msg.via.branch is None  # RFC 2543 transaction matching (§17.2.3)
    assert msg.max_forwards is None
    assert msg.content_length is None
    assert msg.body.startswith(b"v=0")
    assert msg.to.param("user") == "phone"  # header parameter of an addr-spec
    assert msg.record_routes[0].uri == SipUri.parse("sip:UserB@example.com;maddr=ss1.example.com")
    msg.check()  # accepted: Max-Forwards may be absent
