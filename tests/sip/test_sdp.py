"""SDP parsing, serialisation and offer/answer (callcenter.sip.sdp).

The corpus in data/sdp/ holds offers in the shape desk phones and softphones send them.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.sip.errors import SipParseError
from callcenter.sip.offer_answer import (
    G722,
    PCMA,
    PCMU,
    TELEPHONE_EVENT,
    Codec,
    accept_answer,
    answer_offer,
    build_offer,
    hold_offer,
    resume_offer,
)
from callcenter.sip.sdp import (
    Attribute,
    Connection,
    Direction,
    Fmtp,
    MediaDescription,
    Origin,
    RtpMap,
    SdpError,
    SessionDescription,
    Timing,
    format_events,
    parse_events,
)

DATA = Path(__file__).parent / "data" / "sdp"
CORPUS = sorted(DATA.glob("*.sdp"))
# Files written in the canonical line order come back byte for byte.
CANONICAL = [
    "audio_video_offer.sdp",
    "ipv6_media_connection.sdp",
    "polycom_vvx_offer.sdp",
    "rfc2543_hold.sdp",
    "softphone_plain_offer.sdp",
]
OURS = [PCMU, PCMA, TELEPHONE_EVENT]
SWITCH = {"address": "203.0.113.5", "port": 30000, "session_id": "4711", "session_version": 1}


def load(name: str) -> SessionDescription:
    return SessionDescription.parse((DATA / name).read_bytes())


def offer(*media_lines: str, session: str = "c=IN IP4 192.0.2.1") -> SessionDescription:
    head = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", session, "t=0 0"]
    return SessionDescription.parse("\r\n".join([*head, *media_lines]) + "\r\n")


def answer(sdp: SessionDescription, **kwargs: object) -> tuple[SessionDescription, object]:
    result = answer_offer(sdp, codecs=OURS, **SWITCH, **kwargs)  # type: ignore[arg-type]
    return result.sdp, result.audio


# --- Parsing the corpus ----------------------------------------------------------------------


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_round_trips(path: Path) -> None:
    sdp = SessionDescription.parse(path.read_bytes())
    again = SessionDescription.parse(bytes(sdp))
    assert again == sdp
    assert bytes(again) == bytes(sdp)
    assert bytes(sdp).endswith(b"\r\n")
    assert b"\n" not in bytes(sdp).replace(b"\r\n", b"")


@pytest.mark.parametrize("name", CANONICAL)
def test_canonical_corpus_is_reproduced_byte_for_byte(name: str) -> None:
    raw = (DATA / name).read_bytes()
    assert bytes(SessionDescription.parse(raw)) == raw


def test_yealink_offer_fields() -> None:
    sdp = load("yealink_t46_offer.sdp")
    assert sdp.origin == Origin("-", "20045", 20045, "192.168.10.21")
    assert sdp.name == "SDP data"
    assert sdp.connection == Connection("192.168.10.21")
    assert sdp.timing == (Timing(0, 0),)
    (audio,) = sdp.media
    assert (audio.media, audio.port, audio.proto) == ("audio", 11780, "RTP/AVP")
    assert audio.payload_types == (0, 8, 9, 18, 101)
    assert audio.rtpmap(18) == RtpMap(18, "G729", 8000)
    assert audio.fmtp(18) == "annexb=no"
    assert audio.rtpmap(101) == RtpMap(101, "telephone-event", 8000)
    assert parse_events(audio.fmtp(101) or "") == frozenset(range(16))
    assert audio.ptime == 20
    assert audio.direction is Direction.SENDRECV
    # rtpmap lines come out in m= order, each followed by its fmtp.
    text = str(sdp)
    assert text.index("a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no") < text.index("a=ptime:20")


def test_static_payload_types_need_no_rtpmap() -> None:
    audio = load("softphone_plain_offer.sdp").media[0]
    assert audio.rtpmaps == (RtpMap(101, "telephone-event", 8000),)
    assert audio.rtpmap(8) == RtpMap(8, "PCMA", 8000)
    assert audio.rtpmap(0) == RtpMap(0, "PCMU", 8000)
    assert audio.rtpmap(96) is None
    assert (audio.ptime, audio.maxptime) == (30, 60)
    assert audio.attributes == (Attribute("rtcp", "7079"),)


def test_baresip_keeps_unknown_attributes_in_order() -> None:
    audio = load("baresip_offer.sdp").media[0]
    assert [a.name for a in audio.attributes] == ["label", "ssrc", "rtcp-rsize"]
    assert audio.attributes[1].value == "1394302727 cname:sip:alice@example.net"
    assert audio.rtpmap(96) == RtpMap(96, "opus", 48000, 2)
    assert audio.extra == (("b", "AS:128"),)


def test_session_level_direction_applies_unless_media_overrides() -> None:
    sdp = load("polycom_vvx_offer.sdp")
    assert sdp.direction is Direction.SENDRECV
    assert sdp.media[0].direction is None
    assert sdp.media[0].effective_direction(sdp) is Direction.SENDRECV
    sdp = offer("m=audio 4000 RTP/AVP 0", "a=inactive", session="c=IN IP4 192.0.2.1\r\na=sendonly")
    assert sdp.direction is Direction.SENDONLY
    assert sdp.media[0].effective_direction(sdp) is Direction.INACTIVE


def test_media_connection_overrides_session_connection() -> None:
    sdp = load("ipv6_media_connection.sdp")
    assert sdp.connection == Connection("192.0.2.10")
    assert sdp.media[0].effective_connection(sdp) == Connection("2001:db8::10", "IP6")
    _video, audio = load("audio_video_offer.sdp").media
    assert audio.connection is None
    assert audio.effective_connection(load("audio_video_offer.sdp")) == Connection("198.51.100.7")


def test_null_address_and_port_zero_mean_different_things() -> None:
    hold = load("rfc2543_hold.sdp")
    assert hold.media[0].effective_connection(hold).is_null  # type: ignore[union-attr]
    assert not hold.media[0].is_rejected
    disabled = offer("m=audio 0 RTP/AVP 0")
    assert disabled.media[0].is_rejected


def test_bare_lf_and_trailing_blank_lines_are_accepted() -> None:
    crlf = (DATA / "softphone_plain_offer.sdp").read_bytes()
    lf = crlf.replace(b"\r\n", b"\n") + b"\n\n"
    assert SessionDescription.parse(lf) == SessionDescription.parse(crlf)
    assert SessionDescription.parse(lf.decode()) == SessionDescription.parse(crlf)


def test_rtpmap_for_unlisted_payload_type_is_ignored_and_reported() -> None:
    sdp = offer("m=audio 4000 RTP/AVP 0", "a=rtpmap:96 opus/48000/2", "a=fmtp:96 stereo=1")
    assert sdp.media[0].rtpmaps == ()
    assert sdp.media[0].fmtps == ()
    assert len(sdp.warnings) == 2
    assert "payload type 96 not in m= line ignored" in sdp.warnings[0]
    assert b"opus" not in bytes(sdp)


def test_non_rtp_media_keeps_rtpmap_like_attributes_verbatim() -> None:
    sdp = offer("m=application 5000 UDP/BFCP *", "a=floorctrl:c-s", "a=fmtp:* x")
    app = sdp.media[0]
    assert app.payload_types == ()
    assert app.attributes == (Attribute("floorctrl", "c-s"), Attribute("fmtp", "* x"))


HEAD = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty session description"),
        ("o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n", "expected v= line, got o="),
        ("v=1\r\n", "unsupported SDP version"),
        ("v=0\r\ns=-\r\n", "expected o= line, got s="),
        ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n", "expected s= line, got t="),
        ("v=0\r\no=- 1 IN IP4 192.0.2.1\r\n", "o= needs 6 fields"),
        ("v=0\r\no=- 1 x IN IP4 192.0.2.1\r\n", "sess-version must be a decimal number"),
        ("v=0\r\no=- 1 1 IN IPX 192.0.2.1\r\n", "address type must be IP4 or IP6"),
        ("v=0\r\no=- 1 1 IN IP4 192.0.2.300\r\n", "invalid IP4 address"),
        ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n", "missing t= line"),
        ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n", "before any t="),
        (HEAD + "x=1\r\n", "unknown line type 'x'"),
        (HEAD + "garbage\r\n", "expected '<type>=<value>'"),
        (HEAD + "s=again\r\n", "second s= line"),
        (HEAD + "c=IN IP4 192.0.2.2\r\n", "second c= line"),
        (HEAD + "m=audio 70000 RTP/AVP 0\r\n", "m= port 70000 is out of range"),
        (HEAD + "m=audio -1 RTP/AVP 0\r\n", "m= port must be a decimal number"),
        (HEAD + "m=audio 4000 RTP/AVP 0 PCMA\r\n", "RTP payload type must be a decimal"),
        (HEAD + "m=audio 4000 RTP/AVP 128\r\n", "RTP payload type 128 is out of range"),
        (HEAD + "m=audio 4000 RTP/AVP 0 0\r\n", "listed twice"),
        (HEAD + "m=audio 4000 RTP/AVP\r\n", "m= needs media, port, proto and formats"),
        (HEAD + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n", "malformed a=rtpmap"),
        (HEAD + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/0\r\n", "clock rate 0 is out of"),
        (HEAD + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 A/8000\r\na=rtpmap:0 B/8000\r\n", "second"),
        (HEAD + "m=audio 4000 RTP/AVP 0\r\na=ptime:twenty\r\n", "a=ptime must be a decimal"),
        (HEAD + "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", "conflicting"),
        (HEAD + "m=audio 4000 RTP/AVP 0\r\na=fmtp:0\r\n", "malformed a=fmtp"),
        (HEAD + "m=audio 4000 RTP/AVP 0\r\nt=0 0\r\n", "t= line inside a media section"),
        (HEAD + "m=audio 4000 RTP/AVP 0\r\nu=http://x\r\n", "u= line not allowed in a media"),
        (HEAD.replace("c=IN IP4 192.0.2.1\r\n", "") + "m=audio 4000 RTP/AVP 0\r\n", "no c= line"),
        ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=\xff\r\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_malformed_sdp_raises_a_precise_error(text: str | bytes, message: str) -> None:
    with pytest.raises(SdpError, match=message) as info:
        SessionDescription.parse(text)
    assert isinstance(info.value, SipParseError)
    assert info.value.status == 400


def test_error_names_the_line() -> None:
    with pytest.raises(SdpError) as info:
        SessionDescription.parse(HEAD + "m=audio 4000 RTP/AVP 0\r\na=ptime:x\r\n")
    assert info.value.where == "SDP line 7"


def test_disabled_stream_may_omit_connection() -> None:
    sdp = SessionDescription.parse(
        HEAD.replace("c=IN IP4 192.0.2.1\r\n", "") + "m=video 0 RTP/AVP 96\r\n"
    )
    assert sdp.media[0].effective_connection(sdp) is None


def test_telephone_event_lists() -> None:
    assert parse_events("0-15,66, 70") == frozenset([*range(16), 66, 70])
    assert format_events([3, 0, 1, 2, 66, 70, 71]) == "0-3,66,70-71"
    for bad in ("", "a", "5-2", "0-300", "1-2-3"):
        with pytest.raises(SdpError):
            parse_events(bad)


# --- Answering offers (RFC 3264 §6) ----------------------------------------------------------


def test_answer_to_yealink_picks_pcmu_and_keeps_telephone_event() -> None:
    sdp, audio = answer(load("yealink_t46_offer.sdp"))
    assert bytes(sdp) == (
        b"v=0\r\no=- 4711 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\n"
        b"m=audio 30000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        b"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
    )
    assert audio == dataclasses.replace(
        audio,  # type: ignore[type-var]
        index=0,
        remote_address="192.168.10.21",
        remote_port=11780,
        payload_type=0,
        telephone_event=101,
        ptime=20,
        direction=Direction.SENDRECV,
    )


def test_answer_keeps_offered_dynamic_telephone_event_number() -> None:
    sdp, audio = answer(load("polycom_vvx_offer.sdp"))
    assert sdp.media[0].formats == ("0", "127")
    assert audio.telephone_event == 127  # type: ignore[attr-defined]
    assert sdp.media[0].ptime is None  # none offered, none echoed


def test_answer_order_offerer_or_ours() -> None:
    polycom = load("polycom_vvx_offer.sdp")  # offers G722, PCMU, PCMA
    result = answer_offer(polycom, codecs=[PCMA, PCMU, TELEPHONE_EVENT], **SWITCH)  # type: ignore[arg-type]
    assert result.audio is not None
    assert result.audio.payload_type == 0
    result = answer_offer(
        polycom,
        codecs=[PCMA, PCMU, TELEPHONE_EVENT],
        order="local",
        **SWITCH,  # type: ignore[arg-type]
    )
    assert result.audio is not None
    assert result.audio.payload_type == 8
    result = answer_offer(polycom, codecs=[G722, PCMU], order="local", **SWITCH)  # type: ignore[arg-type]
    assert result.audio is not None
    assert result.audio.codec == RtpMap(9, "G722", 8000)
    assert result.audio.telephone_event is None  # we did not list telephone-event


def test_answer_intersects_event_ranges() -> None:
    sdp, _ = answer(load("softphone_plain_offer.sdp"))  # offers 0-16, we take 0-16
    assert sdp.media[0].fmtp(101) == "0-16"
    narrow = offer("m=audio 4000 RTP/AVP 0 100", "a=rtpmap:100 telephone-event/8000")
    sdp, audio = answer(narrow)  # no fmtp: 0-15 (RFC 4733 §2.4.1)
    assert sdp.media[0].fmtp(100) == "0-15"
    wideband = offer("m=audio 4000 RTP/AVP 0 100", "a=rtpmap:100 telephone-event/16000")
    sdp, audio = answer(wideband)
    assert sdp.media[0].formats == ("0",)
    assert audio.telephone_event is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("offered", "hold", "answered"),
    [
        ("sendrecv", False, "sendrecv"),
        ("sendonly", False, "recvonly"),
        ("recvonly", False, "sendonly"),
        ("inactive", False, "inactive"),
        ("sendrecv", True, "sendonly"),
        ("sendonly", True, "inactive"),
        ("recvonly", True, "sendonly"),
    ],
)
def test_answer_direction(offered: str, hold: bool, answered: str) -> None:
    sdp, audio = answer(offer("m=audio 4000 RTP/AVP 0", f"a={offered}"), hold=hold)
    assert sdp.media[0].direction == Direction(answered)
    assert audio.direction == Direction(answered)  # type: ignore[attr-defined]


def test_answer_to_rfc2543_hold_sends_nothing() -> None:
    sdp, audio = answer(load("rfc2543_hold.sdp"))
    assert sdp.media[0].direction is Direction.RECVONLY
    assert audio.remote_address is None  # type: ignore[attr-defined]


def test_video_is_rejected_with_port_zero_and_m_lines_kept() -> None:
    offered = load("audio_video_offer.sdp")
    result = answer_offer(offered, codecs=OURS, **SWITCH)  # type: ignore[arg-type]
    video, audio = result.sdp.media
    assert (video.media, video.port, video.proto, video.formats) == (
        "video",
        0,
        "RTP/AVP",
        ("96", "97"),
    )
    assert (audio.port, audio.formats) == (30000, ("0", "101"))
    assert result.accepted
    assert result.audio is not None
    assert result.audio.index == 1
    assert SessionDescription.parse(bytes(result.sdp)) == result.sdp


def test_no_common_codec_rejects_everything_and_says_so() -> None:
    g729 = offer("m=audio 4000 RTP/AVP 18 101", "a=rtpmap:101 telephone-event/8000")
    result = answer_offer(g729, codecs=OURS, **SWITCH)  # type: ignore[arg-type]
    assert not result.accepted
    assert result.audio is None
    assert [(m.media, m.port) for m in result.sdp.media] == [("audio", 0)]


@pytest.mark.parametrize(
    "media",
    [
        ["m=audio 0 RTP/AVP 0"],  # disabled by the offerer
        ["m=audio 4000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc"],
        ["m=audio 4000 RTP/AVP 96", "a=rtpmap:96 opus/48000/2"],
        ["m=audio 4000 RTP/AVP 96"],  # dynamic type without rtpmap: unknown codec
        [],
    ],
)
def test_unacceptable_offers(media: list[str]) -> None:
    result = answer_offer(offer(*media), codecs=OURS, **SWITCH)  # type: ignore[arg-type]
    assert result.audio is None
    assert len(result.sdp.media) == len(media[:1])
    assert all(m.port == 0 for m in result.sdp.media)


def test_second_audio_stream_is_rejected() -> None:
    two = offer("m=audio 4000 RTP/AVP 0", "m=audio 4002 RTP/AVP 8")
    sdp, audio = answer(two)
    assert [m.port for m in sdp.media] == [30000, 0]
    assert audio.index == 0  # type: ignore[attr-defined]


def test_answer_uses_ipv6_when_our_address_is_ipv6() -> None:
    result = answer_offer(
        load("ipv6_media_connection.sdp"),
        codecs=OURS,
        address="2001:db8::1",
        port=30000,
        session_id="1",
        session_version=1,
    )
    assert result.sdp.connection == Connection("2001:db8::1", "IP6")
    assert result.sdp.origin.addrtype == "IP6"
    assert result.sdp.media[0].direction is Direction.SENDONLY  # they offered recvonly


# --- Offers, answers to our offers, hold (RFC 3264 §5, §7, §8) --------------------------------


def make_offer() -> SessionDescription:
    opus = Codec("opus", 48000, channels=2, fmtp="useinbandfec=1")
    return build_offer(codecs=[PCMU, PCMA, opus, TELEPHONE_EVENT], **SWITCH)  # type: ignore[arg-type]


def test_build_offer() -> None:
    sdp = make_offer()
    assert str(sdp) == (
        "v=0\r\no=- 4711 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\n"
        "m=audio 30000 RTP/AVP 0 8 96 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
    )
    assert SessionDescription.parse(bytes(sdp)) == sdp


def test_offer_answered_by_ourselves_agrees_on_both_sides() -> None:
    ours = make_offer()
    result = answer_offer(
        ours,
        codecs=[PCMA, TELEPHONE_EVENT],
        address="192.0.2.9",
        port=5000,
        session_id="9",
        session_version=1,
    )
    stream = accept_answer(ours, SessionDescription.parse(bytes(result.sdp)))
    assert stream is not None
    assert (stream.remote_address, stream.remote_port) == ("192.0.2.9", 5000)
    assert (stream.payload_type, stream.telephone_event) == (8, 101)
    assert stream.direction is Direction.SENDRECV


def test_accept_answer_rejections_and_errors() -> None:
    ours = make_offer()
    rejected = offer("m=audio 0 RTP/AVP 0")
    assert accept_answer(ours, rejected) is None
    with pytest.raises(SdpError, match="m= lines") as info:
        accept_answer(ours, offer("m=audio 4000 RTP/AVP 0", "m=video 0 RTP/AVP 96"))
    assert info.value.status == 488
    with pytest.raises(SdpError, match="media type"):
        accept_answer(ours, offer("m=video 4000 RTP/AVP 96"))


def test_accept_answer_sees_peer_direction() -> None:
    stream = accept_answer(make_offer(), offer("m=audio 4000 RTP/AVP 0", "a=recvonly"))
    assert stream is not None
    assert stream.direction is Direction.SENDONLY


def test_hold_and_resume() -> None:
    ours = make_offer()
    held = hold_offer(ours)
    assert held.origin.sess_version == ours.origin.sess_version + 1
    assert held.media[0].direction is Direction.SENDONLY
    assert held.media[0].formats == ours.media[0].formats
    resumed = resume_offer(held)
    assert resumed.origin.sess_version == ours.origin.sess_version + 2
    assert resumed.media[0].direction is Direction.SENDRECV


def test_hold_while_held_by_the_peer_is_inactive() -> None:
    remote = offer("m=audio 4000 RTP/AVP 0", "a=sendonly")
    assert hold_offer(make_offer(), remote).media[0].direction is Direction.INACTIVE
    old_style = load("rfc2543_hold.sdp")
    assert hold_offer(make_offer(), old_style).media[0].direction is Direction.INACTIVE
    recvonly = dataclasses.replace(make_offer().media[0], direction=Direction.RECVONLY)
    previous = dataclasses.replace(make_offer(), media=(recvonly,))
    assert hold_offer(previous).media[0].direction is Direction.INACTIVE


def test_hold_leaves_rejected_streams_alone() -> None:
    answered = answer_offer(load("audio_video_offer.sdp"), codecs=OURS, **SWITCH).sdp  # type: ignore[arg-type]
    held = hold_offer(answered)
    assert held.media[0] == answered.media[0]
    assert held.media[1].direction is Direction.SENDONLY


# --- Properties ----------------------------------------------------------------------------

TOKEN = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._+!", min_size=1, max_size=10
)
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n\0"), max_size=20)
FMTP = st.lists(TOKEN, min_size=1, max_size=3).map(" ".join)
IP4 = st.ip_addresses(v=4).map(str)
DIRECTIONS = st.none() | st.sampled_from(Direction)
RESERVED = {"rtpmap", "fmtp", "ptime", "maxptime", *Direction}


def extra(letters: str) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    # Canonical order: grouped as the serialiser writes them, stable inside a group.
    pairs = st.lists(st.tuples(st.sampled_from(letters), TEXT), max_size=2)
    return pairs.map(lambda ps: tuple(sorted(ps, key=lambda p: letters.index(p[0]))))


ATTRIBUTES = st.lists(
    st.builds(Attribute, TOKEN.filter(lambda t: t not in RESERVED), st.none() | TEXT), max_size=2
).map(tuple)


@st.composite
def media_descriptions(draw: st.DrawFn, needs_connection: bool) -> MediaDescription:
    rtp = draw(st.booleans())
    if rtp:
        pts = draw(st.lists(st.integers(0, 127), min_size=1, max_size=5, unique=True))
        formats = tuple(str(pt) for pt in pts)
        mapped = [pt for pt in pts if draw(st.booleans())]
        rtpmaps = tuple(
            RtpMap(
                pt,
                draw(TOKEN.filter(lambda t: "/" not in t)),
                draw(st.integers(1, 96000)),
                draw(st.none() | st.integers(1, 8)),
            )
            for pt in mapped
        )
        fmtps = tuple(
            Fmtp(
                pt,
                draw(FMTP),
            )
            for pt in pts
            if draw(st.booleans())
        )
        ptime, maxptime = (
            draw(st.none() | st.integers(1, 200)),
            draw(st.none() | st.integers(1, 200)),
        )
    else:
        formats = tuple(draw(st.lists(TOKEN, min_size=1, max_size=3, unique=True)))
        rtpmaps, fmtps, ptime, maxptime = (), (), None, None
    port = draw(st.integers(0, 65535))
    connection = draw(
        st.builds(Connection, IP4)
        if needs_connection and port
        else st.none() | st.builds(Connection, IP4)
    )
    return MediaDescription(
        media=draw(st.sampled_from(["audio", "video", "application", "text"])),
        port=port,
        proto="RTP/AVP" if rtp else draw(st.sampled_from(["UDP/BFCP", "TCP/MSRP", "udp"])),
        formats=formats,
        port_count=draw(st.none() | st.integers(1, 4)),
        connection=connection,
        rtpmaps=rtpmaps,
        fmtps=fmtps,
        ptime=ptime,
        maxptime=maxptime,
        direction=draw(DIRECTIONS),
        attributes=draw(ATTRIBUTES),
        extra=draw(extra("ibk")),
    )


@st.composite
def session_descriptions(draw: st.DrawFn) -> SessionDescription:
    connection = draw(st.none() | st.builds(Connection, IP4))
    return SessionDescription(
        origin=Origin(draw(TOKEN), draw(TOKEN), draw(st.integers(0, 2**63)), draw(IP4)),
        name=draw(TEXT),
        connection=connection,
        timing=tuple(
            draw(
                st.lists(
                    st.builds(
                        Timing,
                        st.integers(0, 2**40),
                        st.integers(0, 2**40),
                        st.lists(TEXT, max_size=2).map(tuple),
                    ),
                    min_size=1,
                    max_size=2,
                )
            )
        ),
        direction=draw(DIRECTIONS),
        attributes=draw(ATTRIBUTES),
        media=tuple(draw(st.lists(media_descriptions(connection is None), max_size=2))),
        extra=draw(extra("iuepbzk")),
    )


@given(session_descriptions())
def test_generated_descriptions_round_trip(sdp: SessionDescription) -> None:
    parsed = SessionDescription.parse(bytes(sdp))
    assert parsed == sdp
    assert parsed.warnings == ()
    assert bytes(parsed) == bytes(sdp)


@given(st.binary(max_size=300))
def test_random_bytes_raise_only_sdp_errors(data: bytes) -> None:
    with contextlib.suppress(SdpError):
        SessionDescription.parse(data)


LINE = st.tuples(st.sampled_from("vosiuepcbtrzkamx"), st.sampled_from("= "), st.text(max_size=30))


@given(st.lists(LINE.map("".join), max_size=12), st.booleans())
def test_random_lines_after_a_valid_head_raise_only_sdp_errors(
    lines: list[str], head: bool
) -> None:
    text = (HEAD if head else "") + "\r\n".join(lines)
    try:
        sdp = SessionDescription.parse(text)
    except SdpError:
        return
    assert SessionDescription.parse(bytes(sdp)) == sdp
