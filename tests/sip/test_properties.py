"""Property tests: generated messages round-trip; garbage raises only SipParseError."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.sip.errors import SipParseError
from callcenter.sip.headers import NameAddr, Via
from callcenter.sip.message import Request, make_response, message_length, parse
from callcenter.sip.uri import SipUri, parse_uri

from .mutations import SAMPLES, mutate

token = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-.!%*_+`'~", min_size=1, max_size=12)
label = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
host = st.one_of(
    st.lists(label, min_size=1, max_size=3).map(".".join),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
)
free_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\n"), max_size=12
)
uris = st.builds(
    SipUri,
    host=host,
    user=st.one_of(st.none(), free_text.filter(bool)),
    port=st.one_of(st.none(), st.integers(1, 65535)),
    params=st.lists(st.tuples(token, st.one_of(st.none(), token)), max_size=3).map(tuple),
)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    return Request.create(
        draw(st.sampled_from(["INVITE", "OPTIONS", "BYE", "REGISTER", "X-CUSTOM"])),
        draw(uris),
        from_=NameAddr(draw(uris), draw(st.one_of(st.none(), free_text)), (("tag", draw(token)),)),
        to=NameAddr(draw(uris)),
        call_id=draw(token) + "@" + draw(host),
        cseq=draw(st.integers(0, 2**31 - 1)),
        via=Via(
            draw(st.sampled_from(["UDP", "TCP", "TLS"])),
            draw(host),
            draw(st.one_of(st.none(), st.integers(1, 65535))),
            (("branch", "z9hG4bK" + draw(token)),),
        ),
        headers=draw(st.lists(st.tuples(st.just("X-Test"), free_text), max_size=3)),
        body=draw(st.binary(max_size=64)),
        content_type="application/octet-stream",
    )


@given(uris)
def test_uri_round_trip(uri: SipUri) -> None:
    assert parse_uri(str(uri)) == uri


@given(requests())
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_generated_requests_round_trip(req: Request) -> None:
    data = bytes(req)
    again = parse(data)
    assert again == req
    assert bytes(again) == data
    assert message_length(data + b"trailing") == len(data)
    resp = make_response(req, 200, to_tag="t")
    assert parse(bytes(resp)) == resp


def _only_parse_errors(data: bytes) -> None:
    try:
        msg = parse(data)
    except SipParseError:
        return
    # A message that parses exposes its headers without any other exception type.
    for accessor in ("vias", "contacts", "routes", "record_routes", "expires", "content_type"):
        with contextlib.suppress(SipParseError):
            getattr(msg, accessor)
    bytes(msg)


@given(st.binary(max_size=512))
def test_random_bytes_raise_only_parse_errors(data: bytes) -> None:
    _only_parse_errors(data)
    with contextlib.suppress(SipParseError):
        message_length(data)


@given(st.sampled_from(SAMPLES), st.data())
@settings(max_examples=300)
def test_mutated_messages_raise_only_parse_errors(sample: bytes, data: st.DataObject) -> None:
    _only_parse_errors(mutate(sample, data))
