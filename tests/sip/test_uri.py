"""URI grammar (RFC 3261 §19.1, §25.1; RFC 3966) and §19.1.4 comparison."""

from __future__ import annotations

import pytest

from callcenter.sip.errors import SipParseError
from callcenter.sip.uri import AbsoluteUri, SipUri, TelUri, parse_uri


def test_full_sip_uri() -> None:
    uri = parse_uri("sips:alice:secret@[2001:db8::1]:5061;transport=TLS;lr?subject=a%20b&x=")
    assert uri == SipUri(
        "[2001:db8::1]",
        "alice",
        "secret",
        5061,
        (("transport", "TLS"), ("lr", None)),
        (("subject", "a b"), ("x", "")),
        scheme="sips",
    )
    assert isinstance(uri, SipUri)
    assert uri.transport == "tls"
    assert uri.lr


def test_text_is_kept_and_built_uris_are_escaped() -> None:
    text = "SIP:%61lice@Example.COM;maddr=239.255.255.1;ttl=15"
    uri = parse_uri(text)
    assert str(uri) == text
    assert bytes(uri) == text.encode()
    assert isinstance(uri, SipUri)
    assert uri.user == "alice"
    assert uri.maddr == "239.255.255.1"
    built = SipUri("example.com", "agent 7", params=(("method", "INVITE"),))
    assert str(built) == "sip:agent%207@example.com;method=INVITE"
    assert parse_uri(str(built)) == built


def test_tel_and_other_schemes() -> None:
    tel = parse_uri("tel:+1-201-555-0123;ext=12")
    assert isinstance(tel, TelUri)
    assert tel.is_global
    assert tel.digits == "+12015550123"
    assert tel.param("ext") == "12"
    local = parse_uri("tel:7042;phone-context=example.com")
    assert isinstance(local, TelUri)
    assert not local.is_global
    assert parse_uri("urn:service:sos") == AbsoluteUri("urn", "service:sos")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sip:", "empty"),
        ("sip:a@b@c", "'@'"),
        ("sip:user@host:99999", "port"),
        ("sip:user@host:", "port"),
        ("sip:user@ho st", "host"),
        ("sip:us%zzer@host", "hex"),
        ("sip:user@[::1", "IPv6"),
        ("sip:host;=x", "parameter"),
        ("sip:host?novalue", "header"),
        ("tel:7042", "phone-context"),
        ("tel:+", "number"),
        ("<sip:a@b>", "not a URI"),
        ("sip:%C3%28@host", "UTF-8"),
    ],
)
def test_malformed(text: str, fragment: str) -> None:
    with pytest.raises(SipParseError) as info:
        parse_uri(text)
    assert fragment in str(info.value)
    assert info.value.status == 400


def test_sipuri_parse_rejects_other_schemes_with_416() -> None:
    with pytest.raises(SipParseError) as info:
        SipUri.parse("tel:+15551234")
    assert info.value.status == 416


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
        ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5"),
        (
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
        ),
        (
            "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
            "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
        ),
    ],
)
def test_equivalent_per_19_1_4(a: str, b: str) -> None:
    ua, ub = SipUri.parse(a), SipUri.parse(b)
    assert ua.equivalent(ub)
    assert ub.equivalent(ua)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),
        ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
        ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"),
    ],
)
def test_not_equivalent_per_19_1_4(a: str, b: str) -> None:
    assert not SipUri.parse(a).equivalent(SipUri.parse(b))
