"""Header collection, comma lists, folding and the typed header parsers (RFC 3261 §7.3, §20)."""

from __future__ import annotations

import pytest

from callcenter.sip.errors import SipParseError, SipUsageError
from callcenter.sip.headers import (
    Header,
    Headers,
    NameAddr,
    Via,
    canonical_name,
    header_key,
    parse_auth_params,
    parse_call_id,
    parse_contact,
    parse_content_length,
    parse_content_type,
    parse_cseq,
    parse_max_forwards,
    parse_name_addr,
    parse_via,
)
from callcenter.sip.uri import SipUri


@pytest.mark.parametrize(
    ("compact", "long"),
    [
        ("v", "via"),
        ("f", "from"),
        ("t", "to"),
        ("i", "call-id"),
        ("m", "contact"),
        ("l", "content-length"),
        ("c", "content-type"),
        ("s", "subject"),
        ("k", "supported"),
        ("e", "content-encoding"),
        ("o", "event"),
        ("r", "refer-to"),
        ("u", "allow-events"),
        ("b", "referred-by"),
        ("x", "session-expires"),
        ("y", "identity"),
    ],
)
def test_compact_forms(compact: str, long: str) -> None:
    assert header_key(compact.upper()) == long
    headers = Headers([(compact, "x")])
    assert headers.get(long) == "x"
    assert long in headers


def test_collection_keeps_order_and_is_case_insensitive() -> None:
    h = Headers([("Via", "a"), ("To", "t"), ("via", "b"), ("X-Odd", "1")])
    assert h.get_all("VIA") == ["a", "b"]
    h.set("v", "c")
    assert [(f.name, f.value) for f in h] == [("v", "c"), ("To", "t"), ("X-Odd", "1")]
    h.insert(0, "Via", "top")
    assert h.get("via") == "top"
    assert h.remove("via") == 2
    assert "via" not in h
    assert canonical_name("call-id") == "Call-ID"
    assert canonical_name("cseq") == "CSeq"
    with pytest.raises(SipUsageError):
        h.add("Bad Name", "x")
    with pytest.raises(SipUsageError):
        h.add("X", "a\r\nInjected: 1")


def test_list_split_only_for_list_headers() -> None:
    h = Headers(
        [
            ("Contact", '"Doe, John" <sip:j@a>;q=0.5, <sip:k@b;x=",">'),
            ("Authorization", 'Digest username="a,b", realm="r"'),
            ("Date", "Sat, 13 Nov 2010 23:29:00 GMT"),
            ("X-Unknown", "a, b"),
        ]
    )
    assert h.values("m") == ['"Doe, John" <sip:j@a>;q=0.5', '<sip:k@b;x=",">']
    assert h.values("Authorization") == ['Digest username="a,b", realm="r"']
    assert h.values("Date") == ["Sat, 13 Nov 2010 23:29:00 GMT"]
    assert h.values("X-Unknown") == ["a, b"]


def test_folding_and_raw_bytes() -> None:
    f = Header.from_line("Subject :  I know\r\n   you're there,\r\n\tpick up!", b"raw")
    assert (f.name, f.value) == ("Subject", "I know you're there, pick up!")
    assert f.to_bytes() == b"raw"
    assert Header("X", "y").to_bytes() == b"X: y"


@pytest.mark.parametrize(
    "line", ["No colon here", "Bad Name: x", ": empty", "X: a\x01b", "X: a\rb"]
)
def test_bad_header_lines(line: str) -> None:
    with pytest.raises(SipParseError):
        Header.from_line(line)


def test_via() -> None:
    (via,) = parse_via("SIP/2.0/udp 192.0.2.1:5062;branch=z9hG4bKx;rport;received=10.0.0.1;ttl=1")
    assert via == Via(
        "UDP",
        "192.0.2.1",
        5062,
        (("branch", "z9hG4bKx"), ("rport", None), ("received", "10.0.0.1"), ("ttl", "1")),
    )
    assert via.rport == ""
    assert via.rport_port is None
    assert via.ttl == 1
    answered = via.with_params(rport="5062")
    assert answered.rport_port == 5062
    assert (
        str(answered)
        == "SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKx;received=10.0.0.1;ttl=1;rport=5062"
    )
    (v6,) = parse_via("SIP/2.0/TCP [2001:db8::9]:5060;branch=z9hG4bK1;maddr=224.2.0.1")
    assert v6.host == "[2001:db8::9]"
    assert v6.maddr == "224.2.0.1"


@pytest.mark.parametrize(
    "value",
    [
        "SIP/2.0 host",
        "SIP/2.0/UDP",
        "SIP/2.0/UDP host:70000",
        "SIP/2.0/UDP host;rport=x",
        "SIP/2.0/UDP host;branch",
        "SIP/2.0/UDP host;received=not_an_ip!",
        "SIP/2.0/UDP h;ttl=256",
        "SIP/2.0/UDP a,,SIP/2.0/UDP b",
    ],
)
def test_bad_via(value: str) -> None:
    with pytest.raises(SipParseError):
        parse_via(value)


def test_name_addr_forms() -> None:
    na = parse_name_addr('"Agent \\"7\\"" <sip:7@pbx;transport=tcp>;tag=abc;expires=60;q=0.7')
    assert na.display_name == 'Agent "7"'
    assert isinstance(na.uri, SipUri)
    assert na.uri.transport == "tcp"
    assert (na.tag, na.expires, na.q) == ("abc", 60, 0.7)
    assert str(na) == '"Agent \\"7\\"" <sip:7@pbx;transport=tcp>;tag=abc;expires=60;q=0.7'
    spec = parse_name_addr("sip:bob@biloxi.com;tag=1")
    assert spec == NameAddr(SipUri("biloxi.com", "bob"), None, (("tag", "1"),))
    assert str(spec.with_tag("2")) == "<sip:bob@biloxi.com>;tag=2"
    assert parse_contact("*") is None
    assert parse_contact("<sip:a@b>, <sip:c@d>;expires=0")[1].expires == 0  # type: ignore[index]


@pytest.mark.parametrize(
    "value",
    [
        '"unterminated <sip:a@b>',
        "<sip:a@b",
        "Bell, A <sip:a@b>",
        "< sip:a@b >",
        "sip:a@b?x=y",
        '"x" sip:a@b',
        "<>",
        "<sip:a@b>;q=2",
    ],
)
def test_bad_name_addr(value: str) -> None:
    def parse_fully() -> None:
        _ = parse_name_addr(value).q

    with pytest.raises(SipParseError):
        parse_fully()


def test_scalars() -> None:
    assert parse_cseq("101  INVITE").seq == 101
    assert parse_max_forwards("70") == 70
    assert parse_content_length("0") == 0
    assert parse_call_id("a84b4c76e66710@pc33.atlanta.com") == "a84b4c76e66710@pc33.atlanta.com"
    ct = parse_content_type("Application/SDP ; charset=utf-8")
    assert ct.mime == "application/sdp"
    assert ct.param("charset") == "utf-8"
    for bad, parser in [
        ("2147483648 INVITE", parse_cseq),
        ("1", parse_cseq),
        ("256", parse_max_forwards),
        ("-1", parse_content_length),
        ("a b@c", parse_call_id),
        ("text", parse_content_type),
    ]:
        with pytest.raises(SipParseError):
            parser(bad)  # type: ignore[operator]


def test_auth_params() -> None:
    scheme, params = parse_auth_params(
        'Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth,auth-int", '
        'nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5'
    )
    assert scheme == "Digest"
    assert params == {
        "realm": "atlanta.com",
        "domain": "sip:ss1.carrier.com",
        "qop": "auth,auth-int",
        "nonce": "f84f1cec41e6cbe5aea9c8e88d359",
        "opaque": "",
        "stale": "FALSE",
        "algorithm": "MD5",
    }
    assert parse_auth_params('Digest Realm="a\\"b"')[1] == {"realm": 'a"b'}
    for bad in ["", "Digest realm", 'Digest realm="x', "Digest a=1,", "Digest a=1, a=2"]:
        with pytest.raises(SipParseError):
            parse_auth_params(bad)
