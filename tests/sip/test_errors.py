"""Answering malformed requests: SipParseError.partial and error_response (§8.2, §21.4).

A switch that receives a malformed request answers it when it can identify it (Via, From,
To, Call-ID and CSeq readable) and drops it otherwise; it never answers a response or an
ACK. The RFC 4475 invalid messages say which happens for each.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.sip.errors import PartialMessage, SipParseError, SipUsageError
from callcenter.sip.headers import parse_via
from callcenter.sip.malformed import error_response
from callcenter.sip.message import (
    Request,
    Response,
    message_length,
    parse,
)
from callcenter.sip.partial import scan_partial

from .conftest import load
from .mutations import SAMPLES, mutate
from .test_rfc4475 import EXPECTED

TAG = "sw1tch"

# RFC 4475 invalid message -> status of our answer, or None when it is dropped (and why).
ANSWERS: dict[str, int | None] = {
    "badinv01": None,  # its only Via is malformed: nowhere to send an answer
    "clerr": 400,
    "ncl": 400,
    "scalar02": None,  # CSeq 36893488147419103232 cannot be copied into a valid answer
    "scalarlg": None,  # a response
    "quotbal": None,  # To is malformed and must be copied
    "ltgtruri": 400,
    "lwsruri": 400,
    "lwsstart": 400,
    "trws": 400,
    "escruri": 400,
    "regbadct": 400,
    "badaspec": None,  # To is malformed
    "baddn": None,  # From and To are malformed
    "badvers": 505,
    "mismatch01": 400,
    "mismatch02": 400,
    "bigcode": None,  # a response
    "insuf": None,  # no From, To, Call-ID
    "unkscm": 416,
    "novelsc": 416,
    "unksm2": 416,
    "multi01": None,  # two different Call-IDs, CSeqs, Froms and Tos
    "mcl01": 400,
}


def _error(data: bytes) -> SipParseError:
    """The error the switch meets on ``data``: from parse() or, failing that, check()."""
    try:
        msg = parse(data)
        assert isinstance(msg, Request)
        msg.check()
    except SipParseError as exc:
        return exc
    raise AssertionError("no error")


def test_table_covers_every_invalid_message() -> None:
    assert set(ANSWERS) == {name for name, outcome in EXPECTED.items() if outcome != "ok"}


@pytest.mark.parametrize(("name", "status"), sorted(ANSWERS.items()))
def test_rfc4475_invalid_message_answer(name: str, status: int | None) -> None:
    data = load(name)
    error = _error(data)
    out = error_response(data, error, TAG)
    if status is None:
        assert out is None
        return
    assert out is not None
    assert error.status == status
    response = parse(out)
    assert isinstance(response, Response)
    assert response.status == status
    assert response.reason.startswith(
        {400: "Bad Request", 416: "Unsupported URI Scheme", 505: "Version Not Supported"}[status]
    )
    partial = error.partial or scan_partial(data)
    assert response.headers.get_all("Via") == list(partial.vias)
    assert response.call_id == partial.call_id
    assert str(response.cseq) == " ".join((partial.cseq or "").split())
    assert response.from_.tag is not None
    assert response.to.tag is not None
    assert response.body == b""
    assert response.content_length == 0


def test_to_tag_added_only_when_missing() -> None:
    clerr = load("clerr")
    out = error_response(clerr, _error(clerr), TAG)
    assert out is not None
    to = parse(out).to
    assert (str(to.uri), to.tag) == ("sip:j.user@example.com", TAG)
    lwsruri = load("lwsruri")  # its To already has a tag: copied as is
    out = error_response(lwsruri, _error(lwsruri), TAG)
    assert out is not None
    assert parse(out).headers.get("To") == "sip:user@example.com;tag=3xfe-9921883-z9f"


def test_partial_of_the_rfc4475_messages() -> None:
    quotbal = _error(load("quotbal")).partial
    assert quotbal == PartialMessage(
        method="INVITE",
        vias=("SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234",),
        from_="sip:caller@example.net;tag=93334",
        to='"Mr. J. User <sip:j.user@example.com>',
        call_id="quotbal.aksdj",
        cseq="8 INVITE",
    )
    scalar02 = _error(load("scalar02")).partial
    assert scalar02 is not None
    assert scalar02.cseq == "36893488147419103232 REGISTER"
    badinv = _error(load("badinv01")).partial
    assert badinv is not None
    assert badinv.vias == ("SIP/2.0/UDP 192.0.2.15;;,;,,",)
    multi = _error(load("multi01")).partial
    assert multi is not None
    assert (multi.call_id, multi.cseq, multi.from_, multi.to) == (None, None, None, None)
    assert multi.vias == ("SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw",)
    bigcode = _error(load("bigcode")).partial
    assert bigcode is not None
    assert bigcode.is_response
    assert bigcode.method is None
    assert bigcode.call_id == "bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i"


# A malformed request in compact form, folded, with two Via fields (one a list).
COMPACT = (
    b"OPTIONS sip:agent@pbx.example.com SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKc1\r\n"
    b"V: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1,\r\n"
    b"  SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKp0\r\n"
    b"f: <sip:caller@example.com>;tag=77\r\n"
    b"t: <sip:agent@pbx.example.com>\r\n"
    b"i: compact-1@10.0.0.7\r\n"
    b"CSeq: 4 OPTIONS\r\n"
    b"Max-Forwards: 999\r\n"
    b"l: 0\r\n"
    b"\r\n"
)


def test_compact_forms_and_folding() -> None:
    with pytest.raises(SipParseError) as info:
        parse(COMPACT)
    error = info.value
    assert error.where == "Max-Forwards"
    assert error.partial == PartialMessage(
        method="OPTIONS",
        vias=(
            "SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKc1",
            "SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKp0",
        ),
        from_="<sip:caller@example.com>;tag=77",
        to="<sip:agent@pbx.example.com>",
        call_id="compact-1@10.0.0.7",
        cseq="4 OPTIONS",
    )
    out = error_response(COMPACT, error, TAG, warn_agent="pbx.example.com:5060")
    assert out is not None
    response = parse(out)
    assert isinstance(response, Response)
    assert (response.status, response.reason) == (400, "Bad Request")
    assert [v.branch for v in response.vias] == ["z9hG4bKc1", "z9hG4bKp1", "z9hG4bKp0"]
    (warning,) = response.headers.get_all("Warning")
    assert warning.startswith('399 pbx.example.com:5060 "Max-Forwards: Max-Forwards 999 exceeds')


def test_ack_and_responses_are_never_answered() -> None:
    ack = COMPACT.replace(b"OPTIONS", b"ACK")
    with pytest.raises(SipParseError) as info:
        parse(ack)
    assert info.value.partial is not None
    assert info.value.partial.method == "ACK"
    assert error_response(ack, info.value, TAG) is None
    # CSeq says ACK though the start line is damaged into another token: still dropped.
    disguised = COMPACT.replace(b"CSeq: 4 OPTIONS", b"CSeq: 4 ACK")
    assert error_response(disguised, _error(disguised), TAG) is None
    response = b"SIP/2.0 200 OK\r\n" + COMPACT.split(b"\r\n", 1)[1]
    assert error_response(response, _error(response), TAG) is None


def test_unreadable_start_line_or_headers_are_dropped() -> None:
    garbage = b"\x00\x01 hello\r\n" + COMPACT.split(b"\r\n", 1)[1]
    assert error_response(garbage, _error(garbage), TAG) is None
    no_via = b"\r\n".join(line for line in COMPACT.split(b"\r\n") if not line.startswith(b"v:"))
    no_via = no_via.replace(b"V: ", b"X-Via: ")
    assert error_response(no_via, _error(no_via), TAG) is None
    bad_utf8 = COMPACT.replace(b"i: compact-1", b"i: compact-\xff")
    error = _error(bad_utf8)
    assert error.partial is not None
    assert error.partial.call_id is None
    assert error_response(bad_utf8, error, TAG) is None


def test_bare_lf_and_leading_blank_lines_are_tolerated_by_the_scan() -> None:
    data = b"\r\n\r\n" + COMPACT.replace(b"\r\n", b"\n")
    partial = scan_partial(data)
    assert partial.method == "OPTIONS"
    assert partial.call_id == "compact-1@10.0.0.7"
    out = error_response(data, _error(data), TAG)
    assert out is not None
    assert parse(out).call_id == "compact-1@10.0.0.7"


def test_too_large_and_stream_errors_carry_the_partial(corpus: dict[str, bytes]) -> None:
    data = corpus["invite_deskphone"]
    with pytest.raises(SipParseError) as info:
        parse(data, max_size=200)
    assert info.value.status == 513
    out = error_response(data, info.value, TAG)
    assert out is not None
    response = parse(out)
    assert isinstance(response, Response)
    assert response.status == 513
    assert response.via.branch == "z9hG4bK1457468089"
    stream = data.replace(b"Content-Length: 306\r\n", b"")
    with pytest.raises(SipParseError) as info:
        message_length(stream)
    assert info.value.partial is not None
    assert info.value.partial.cseq == "2 INVITE"


def test_explanation_is_kept_short_and_phrase_safe() -> None:
    error = SipParseError('bad "thing" <here>\x00 ' + "x" * 300, where="To")
    out = error_response(load("clerr"), error, TAG)
    assert out is not None
    response = parse(out)
    assert isinstance(response, Response)
    assert response.reason.startswith("Bad Request (To: bad 'thing' here ")
    assert response.reason.endswith("...)")
    assert len(response.reason) < 130


def test_usage_errors() -> None:
    data = load("clerr")
    error = _error(data)
    with pytest.raises(SipUsageError):
        error_response(data, error, "not a tag")
    with pytest.raises(SipUsageError):
        error_response(data, error, TAG, warn_agent='bad "agent"')


def test_value_parsers_leave_partial_empty() -> None:
    with pytest.raises(SipParseError) as info:
        parse_via("nonsense")
    assert info.value.partial is None


@given(st.binary(max_size=600))
def test_scan_never_raises(data: bytes) -> None:
    partial = scan_partial(data)
    assert not (partial.is_response and partial.method is not None)


@given(st.sampled_from(SAMPLES), st.data())
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_messages_parse_or_get_a_valid_answer(sample: bytes, data: st.DataObject) -> None:
    mutated = mutate(sample, data, max_ops=5, keep_head=True)
    try:
        msg = parse(mutated)
    except SipParseError as exc:
        error = exc
    else:
        if not isinstance(msg, Request):
            return
        try:
            msg.check()
        except SipParseError as exc:
            error = exc
        else:
            return
    out = error_response(mutated, error, TAG)
    if out is None:
        return
    response = parse(out)
    assert isinstance(response, Response)
    assert response.status == error.status
    partial = error.partial or scan_partial(mutated)
    assert partial.method not in (None, "ACK")
    assert response.headers.get_all("Via") == list(partial.vias)
    assert response.headers.get("Call-ID") == partial.call_id
    assert response.headers.get("CSeq") == partial.cseq
    with contextlib.suppress(SipParseError):
        assert response.cseq.method != "ACK"
