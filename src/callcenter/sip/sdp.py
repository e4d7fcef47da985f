"""SDP session descriptions for audio calls: the wire format as typed values.

Owns :class:`SessionDescription` and :class:`MediaDescription` with ``parse()`` and
``bytes()``. The offer/answer model built on them (answering, offering, hold and resume)
is in :mod:`callcenter.sip.offer_answer`.

Follows RFC 4566 (SDP: §5 line grammar and order, §5.7 c=, §5.14 m=, §6 attributes
rtpmap/fmtp/ptime/maxptime/direction), RFC 3551 §6 (static payload types), RFC 4733
(telephone-event and its ``events`` fmtp list, §2.4.1), RFC 3264 (offer/answer: §5 offer,
§6 and §6.1 answer, §7 reading the answer, §8 modifying a session, §8.4 hold).

Rules, with where they come from:

Rule 1 (RFC 4566 §5): a description starts ``v=0``, ``o=``, ``s=``, in that order; at least
    one ``t=`` comes before the first ``m=``; a letter outside ``v o s i u e p c b t r z k
    a m`` makes the whole description unusable. Lines end in CRLF; bare LF is accepted.
Rule 2 (RFC 4566 §5.7): every media section with a non-zero port needs a ``c=``, its own
    or the session's; the media one wins (:meth:`MediaDescription.effective_connection`).
Rule 3 (RFC 4566 §6): a direction attribute at media level wins over one at session level;
    with neither the stream is sendrecv.
Rule 4 (RFC 3264 §8.4): a connection address of 0.0.0.0 (RFC 2543 hold) means "send
    neither RTP nor RTCP to me"; a port of 0 means the stream is rejected or disabled.
Rule 5 (RFC 3264 §6): the answer has exactly as many m= lines as the offer, in the same
    order; a stream is rejected by answering it with port 0.

Output is canonical: lines in the RFC 4566 order, and in a media section the codec lines
(rtpmap then fmtp, in m= format order), ptime, maxptime, other attributes in their
original order, then the direction. Input in another order parses to the same value.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from callcenter.sip.errors import SipParseError


class SdpError(SipParseError):
    """A malformed or unusable session description from the peer.

    ``status`` is the SIP status to answer with: 400 for a body that does not parse, 488
    (Not Acceptable Here) for a valid one we cannot use. ``where`` names the line.
    """


class Direction(StrEnum):
    """Direction attributes, RFC 4566 §6 (and RFC 3264 §5.1 for their meaning)."""

    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"

    @property
    def sends(self) -> bool:
        return self in (Direction.SENDRECV, Direction.SENDONLY)

    @property
    def receives(self) -> bool:
        return self in (Direction.SENDRECV, Direction.RECVONLY)

    @classmethod
    def of(cls, *, send: bool, recv: bool) -> Direction:
        if send:
            return cls.SENDRECV if recv else cls.SENDONLY
        return cls.RECVONLY if recv else cls.INACTIVE


_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+")
_DIGITS = re.compile(r"[0-9]+")
_LINE_TYPES = frozenset("vosiuepcbtrzkam")
# RFC 4566 §5: the optional lines kept as (letter, value), in groups written before c=,
# after c= and (session only) after t=.
_SESSION_GROUPS = ("iuep", "b", "zk")
_MEDIA_GROUPS = ("i", "bk")


def _canonical(
    extra: list[tuple[str, str]], groups: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """Extra lines in the order they are written back (stable inside a group)."""
    return tuple(sorted(extra, key=lambda kv: next(i for i, g in enumerate(groups) if kv[0] in g)))


def _int(text: str, what: str, where: str, low: int = 0, high: int | None = None) -> int:
    # ASCII digits only: int() would accept "1_0", " 1" and non-ASCII digits.
    if not _DIGITS.fullmatch(text) or len(text) > 20:
        raise SdpError(f"{what} must be a decimal number, got {text[:30]!r}", where=where)
    value = int(text)
    if value < low or (high is not None and value > high):
        raise SdpError(f"{what} {value} is out of range {low}..{high}", where=where)
    return value


def _token(text: str, what: str, where: str) -> str:
    if not _TOKEN.fullmatch(text):
        raise SdpError(f"{what} must be a token, got {text[:30]!r}", where=where)
    return text


@dataclass(frozen=True, slots=True)
class Origin:
    """The ``o=`` line, RFC 4566 §5.2. ``sess_version`` grows with each change (RFC 3264 §8)."""

    username: str
    sess_id: str
    sess_version: int
    address: str
    addrtype: str = "IP4"
    nettype: str = "IN"

    def __str__(self) -> str:
        return (
            f"{self.username} {self.sess_id} {self.sess_version} "
            f"{self.nettype} {self.addrtype} {self.address}"
        )


@dataclass(frozen=True, slots=True)
class Connection:
    """The ``c=`` line, RFC 4566 §5.7 (``address`` may carry a multicast ``/ttl``)."""

    address: str
    addrtype: str = "IP4"
    nettype: str = "IN"

    @classmethod
    def for_address(cls, address: str) -> Connection:
        return cls(address, "IP6" if ":" in address else "IP4")

    @property
    def is_null(self) -> bool:
        """The RFC 2543 hold address: send nothing to this peer (RFC 3264 §8.4)."""
        return self.address == "0.0.0.0"

    def __str__(self) -> str:
        return f"{self.nettype} {self.addrtype} {self.address}"


@dataclass(frozen=True, slots=True)
class Timing:
    """A ``t=`` line and its ``r=`` lines, RFC 4566 §5.9-5.10; VoIP uses ``t=0 0``."""

    start: int = 0
    stop: int = 0
    repeats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Attribute:
    """An ``a=`` line kept as is: ``a=name`` (flag, value None) or ``a=name:value``."""

    name: str
    value: str | None = None

    def __str__(self) -> str:
        return self.name if self.value is None else f"{self.name}:{self.value}"


@dataclass(frozen=True, slots=True)
class RtpMap:
    """``a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]``, RFC 4566 §6."""

    payload_type: int
    encoding: str
    clock_rate: int
    channels: int | None = None

    def __str__(self) -> str:
        tail = "" if self.channels is None else f"/{self.channels}"
        return f"{self.payload_type} {self.encoding}/{self.clock_rate}{tail}"


@dataclass(frozen=True, slots=True)
class Fmtp:
    """``a=fmtp:<format> <parameters>``, RFC 4566 §6; parameters are codec-specific."""

    payload_type: int
    parameters: str

    def __str__(self) -> str:
        return f"{self.payload_type} {self.parameters}"


# RFC 3551 §6, Table 4: audio payload types usable without an rtpmap line.
_STATIC = "0 PCMU 8000,3 GSM 8000,4 G723 8000,5 DVI4 8000,6 DVI4 16000,7 LPC 8000,8 PCMA 8000,\
9 G722 8000,10 L16 44100 2,11 L16 44100,12 QCELP 8000,13 CN 8000,14 MPA 90000,15 G728 8000,\
16 DVI4 11025,17 DVI4 22050,18 G729 8000"  # G722 is 8000 although sampled at 16 kHz (§4.5.2)
STATIC_PAYLOAD_TYPES: dict[int, RtpMap] = {
    int(pt): RtpMap(int(pt), name, int(rate), int(ch[0]) if ch else None)
    for pt, name, rate, *ch in (item.split() for item in _STATIC.split(","))
}


@dataclass(frozen=True, slots=True)
class MediaDescription:
    """One media section: the ``m=`` line and the lines after it (RFC 4566 §5.14).

    ``formats`` are the m= line's format tokens; for an RTP profile they are payload type
    numbers (see :attr:`payload_types`). ``extra`` keeps i=, b= and k= lines as
    ``(letter, value)`` pairs.
    """

    media: str
    port: int
    proto: str
    formats: tuple[str, ...]
    port_count: int | None = None
    connection: Connection | None = None
    rtpmaps: tuple[RtpMap, ...] = ()
    fmtps: tuple[Fmtp, ...] = ()
    ptime: int | None = None
    maxptime: int | None = None
    direction: Direction | None = None
    attributes: tuple[Attribute, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def is_rtp(self) -> bool:
        """RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF...: formats are payload types (RFC 4566 §5.14)."""
        return "RTP/" in self.proto

    @property
    def payload_types(self) -> tuple[int, ...]:
        return tuple(int(f) for f in self.formats) if self.is_rtp else ()

    @property
    def is_rejected(self) -> bool:
        """Port 0: rejected in an answer, disabled in an offer (RFC 3264 §6, §8.2)."""
        return self.port == 0

    def rtpmap(self, payload_type: int) -> RtpMap | None:
        """The codec of a payload type: its rtpmap, else the static table (RFC 3551 §6)."""
        for rtpmap in self.rtpmaps:
            if rtpmap.payload_type == payload_type:
                return rtpmap
        return STATIC_PAYLOAD_TYPES.get(payload_type)

    def fmtp(self, payload_type: int) -> str | None:
        for fmtp in self.fmtps:
            if fmtp.payload_type == payload_type:
                return fmtp.parameters
        return None

    def effective_connection(self, session: SessionDescription) -> Connection | None:
        """Rule 2: the media c= line, else the session one."""
        return self.connection or session.connection

    def effective_direction(self, session: SessionDescription) -> Direction:
        """Rule 3: media direction, else session direction, else sendrecv."""
        return self.direction or session.direction or Direction.SENDRECV

    def lines(self) -> list[str]:
        port = str(self.port) if self.port_count is None else f"{self.port}/{self.port_count}"
        out = [f"m={' '.join([self.media, port, self.proto, *self.formats])}"]
        out += _extra_lines(self.extra, _MEDIA_GROUPS[0])
        if self.connection is not None:
            out.append(f"c={self.connection}")
        out += _extra_lines(self.extra, _MEDIA_GROUPS[1])
        rtpmaps = {r.payload_type: r for r in self.rtpmaps}
        fmtps = {f.payload_type: f for f in self.fmtps}
        for pt in [*self.payload_types, *rtpmaps, *fmtps]:
            if pt in rtpmaps:
                out.append(f"a=rtpmap:{rtpmaps.pop(pt)}")
            if pt in fmtps:
                out.append(f"a=fmtp:{fmtps.pop(pt)}")
        if self.ptime is not None:
            out.append(f"a=ptime:{self.ptime}")
        if self.maxptime is not None:
            out.append(f"a=maxptime:{self.maxptime}")
        out += [f"a={a}" for a in self.attributes]
        if self.direction is not None:
            out.append(f"a={self.direction}")
        return out


def _extra_lines(extra: Iterable[tuple[str, str]], letters: str) -> list[str]:
    return [f"{letter}={value}" for letter, value in extra if letter in letters]


@dataclass(frozen=True, slots=True)
class SessionDescription:
    """A whole SDP body. ``parse()`` reads one; ``bytes()`` writes it with CRLF.

    ``extra`` keeps i=, u=, e=, p=, b=, z= and k= lines as ``(letter, value)`` pairs;
    ``warnings`` lists what was tolerated and ignored while parsing (not part of equality).
    """

    origin: Origin
    name: str = "-"
    connection: Connection | None = None
    timing: tuple[Timing, ...] = (Timing(),)
    direction: Direction | None = None
    attributes: tuple[Attribute, ...] = ()
    media: tuple[MediaDescription, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    version: int = 0
    warnings: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def parse(cls, data: str | bytes) -> SessionDescription:
        """Parse an SDP body; raise :class:`SdpError` saying which line is wrong and why."""
        return _Parser().parse(data)

    def __str__(self) -> str:
        out = [f"v={self.version}", f"o={self.origin}", f"s={self.name}"]
        out += _extra_lines(self.extra, _SESSION_GROUPS[0])
        if self.connection is not None:
            out.append(f"c={self.connection}")
        out += _extra_lines(self.extra, _SESSION_GROUPS[1])
        for timing in self.timing:
            out.append(f"t={timing.start} {timing.stop}")
            out += [f"r={repeat}" for repeat in timing.repeats]
        out += _extra_lines(self.extra, _SESSION_GROUPS[2])
        out += [f"a={a}" for a in self.attributes]
        if self.direction is not None:
            out.append(f"a={self.direction}")
        for media in self.media:
            out += media.lines()
        return "".join(line + "\r\n" for line in out)

    def __bytes__(self) -> bytes:
        return str(self).encode("utf-8")

    def with_next_version(self) -> SessionDescription:
        """The same description with o= sess-version + 1, as RFC 3264 §8 requires."""
        origin = dataclasses.replace(self.origin, sess_version=self.origin.sess_version + 1)
        return dataclasses.replace(self, origin=origin, warnings=())


@dataclass
class _MediaBuilder:
    """Mutable state while the lines of one media section are read."""

    media: str
    port: int
    port_count: int | None
    proto: str
    formats: tuple[str, ...]
    where: str
    connection: Connection | None = None
    rtpmaps: dict[int, RtpMap] = field(default_factory=dict)
    fmtps: dict[int, Fmtp] = field(default_factory=dict)
    ptime: int | None = None
    maxptime: int | None = None
    direction: Direction | None = None
    attributes: list[Attribute] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_rtp(self) -> bool:
        return "RTP/" in self.proto

    def build(self) -> MediaDescription:
        order = {f: i for i, f in enumerate(self.formats)}
        rtpmaps = tuple(sorted(self.rtpmaps.values(), key=lambda r: order[str(r.payload_type)]))
        fmtps = tuple(sorted(self.fmtps.values(), key=lambda f: order[str(f.payload_type)]))
        return MediaDescription(
            self.media, self.port, self.proto, self.formats, self.port_count, self.connection,
            rtpmaps, fmtps, self.ptime, self.maxptime, self.direction, tuple(self.attributes),
            _canonical(self.extra, _MEDIA_GROUPS),
        )  # fmt: skip


_RTPMAP = re.compile(r"([0-9]{1,3}) +([^ /]+)/([0-9]{1,10})(?:/([0-9]{1,3}))? *")
_FMTP = re.compile(r"([0-9]{1,3}) +(\S.*)")


class _Parser:
    def __init__(self) -> None:
        self.version: int | None = None
        self.origin: Origin | None = None
        self.name: str | None = None
        self.connection: Connection | None = None
        self.timing: list[Timing] = []
        self.direction: Direction | None = None
        self.attributes: list[Attribute] = []
        self.extra: list[tuple[str, str]] = []
        self.media: list[_MediaBuilder] = []
        self.warnings: list[str] = []

    def parse(self, data: str | bytes) -> SessionDescription:
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise SdpError(f"SDP is not UTF-8 (byte {exc.start})") from None
        # RFC 4566 §5: CRLF, but "parsers SHOULD be tolerant and also accept" bare LF.
        lines = [line.removesuffix("\r") for line in data.split("\n")]
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            raise SdpError("empty session description")
        for number, line in enumerate(lines, 1):
            self.line(line, f"SDP line {number}")
        return self.finish()

    def line(self, line: str, where: str) -> None:
        if len(line) < 2 or line[1] != "=":
            raise SdpError(f"expected '<type>=<value>', got {line[:40]!r}", where=where)
        kind, value = line[0], line[2:]
        if kind not in _LINE_TYPES:
            # RFC 4566 §5: an unknown type letter makes the whole description unusable.
            raise SdpError(f"unknown line type {kind!r}", where=where)
        if "\0" in value or "\r" in value:
            raise SdpError("control character in value", where=where)
        # Rule 1: v=, o=, s= first and in that order.
        expected = "vos"[self._header_count()] if self._header_count() < 3 else None
        if expected is not None and kind != expected:
            raise SdpError(f"expected {expected}= line, got {kind}=", where=where)
        if expected is None and kind in "vos":
            raise SdpError(f"second {kind}= line", where=where)
        if kind == "v":
            if value != "0":
                raise SdpError(f"unsupported SDP version {value[:10]!r}", where=where)
            self.version = 0
        elif kind == "o":
            self.origin = _parse_origin(value, where)
        elif kind == "s":
            self.name = value
        elif kind == "m":
            if not self.timing:
                raise SdpError("m= line before any t= line (RFC 4566 §5)", where=where)
            self.media.append(_parse_media_line(value, where))
        elif kind == "t":
            if self.media:
                raise SdpError("t= line inside a media section", where=where)
            self.timing.append(_parse_timing(value, where))
        elif kind == "r":
            if self.media or not self.timing:
                raise SdpError("r= line without a preceding t= line", where=where)
            last = self.timing[-1]
            self.timing[-1] = dataclasses.replace(last, repeats=(*last.repeats, value))
        elif kind == "c":
            self._connection(_parse_connection(value, where), where)
        elif kind == "a":
            self._attribute(value, where)
        elif self.media:
            if kind not in "ibk":
                raise SdpError(f"{kind}= line not allowed in a media section", where=where)
            self.media[-1].extra.append((kind, value))
        else:
            self.extra.append((kind, value))

    def _header_count(self) -> int:
        return sum(x is not None for x in (self.version, self.origin, self.name))

    def _connection(self, connection: Connection, where: str) -> None:
        target = self.media[-1] if self.media else self
        if target.connection is not None:
            raise SdpError("second c= line at the same level", where=where)
        target.connection = connection

    def _attribute(self, value: str, where: str) -> None:
        name, colon, rest = value.partition(":")
        _token(name, "attribute name", where)
        attribute = Attribute(name, rest if colon else None)
        if not colon and name in Direction.__members__.values():
            target = self.media[-1] if self.media else self
            direction = Direction(name)
            if target.direction not in (None, direction):
                raise SdpError(f"conflicting a={target.direction} and a={name}", where=where)
            target.direction = direction
            return
        if not self.media:
            self.attributes.append(attribute)
            return
        media = self.media[-1]
        if not (media.is_rtp and name in ("rtpmap", "fmtp", "ptime", "maxptime")):
            media.attributes.append(attribute)
        elif name in ("ptime", "maxptime"):
            number = _int(rest, f"a={name}", where, 1, 100_000)
            if name == "ptime":
                media.ptime = number
            else:
                media.maxptime = number
        elif name == "rtpmap":
            match = _RTPMAP.fullmatch(rest)
            if not match:
                raise SdpError(f"malformed a=rtpmap:{rest[:40]}", where=where)
            pt = _int(match[1], "rtpmap payload type", where, 0, 127)
            rate = _int(match[3], "clock rate", where, 1)
            channels = None if match[4] is None else _int(match[4], "channels", where, 1)
            if self._codec_listed(media, pt, where, "rtpmap", media.rtpmaps):
                media.rtpmaps[pt] = RtpMap(pt, match[2], rate, channels)
        else:
            match = _FMTP.fullmatch(rest)
            if not match:
                raise SdpError(f"malformed a=fmtp:{rest[:40]}", where=where)
            pt = _int(match[1], "fmtp payload type", where, 0, 127)
            if self._codec_listed(media, pt, where, "fmtp", media.fmtps):
                media.fmtps[pt] = Fmtp(pt, match[2].rstrip())

    def _codec_listed(
        self, media: _MediaBuilder, pt: int, where: str, what: str, seen: Container[int]
    ) -> bool:
        if pt in seen:
            raise SdpError(f"second a={what} for payload type {pt}", where=where)
        if str(pt) in media.formats:
            return True
        # Tolerated: some phones describe codecs they do not offer. Reported, not kept.
        self.warnings.append(f"{where}: a={what} for payload type {pt} not in m= line ignored")
        return False

    def finish(self) -> SessionDescription:
        if self.origin is None or self.name is None:
            raise SdpError("missing v=, o= or s= line (RFC 4566 §5)")
        if not self.timing:
            raise SdpError("missing t= line (RFC 4566 §5)")
        for index, builder in enumerate(self.media):
            # Rule 2 (RFC 4566 §5.7); a disabled stream may omit c=.
            if builder.port and builder.connection is None and self.connection is None:
                raise SdpError(
                    f"media #{index + 1} ({builder.media}) has no c= line and the session "
                    "has none (RFC 4566 §5.7)",
                    where=builder.where,
                )
        media, attributes = tuple(b.build() for b in self.media), tuple(self.attributes)
        return SessionDescription(
            self.origin, self.name, self.connection, tuple(self.timing), self.direction,
            attributes, media, _canonical(self.extra, _SESSION_GROUPS), 0, tuple(self.warnings),
        )  # fmt: skip


def _fields(value: str, count: int, what: str, where: str) -> list[str]:
    parts = value.split()  # RFC 4566 wants single spaces; extra ones are tolerated
    if len(parts) != count:
        raise SdpError(f"{what} needs {count} fields, got {value[:60]!r}", where=where)
    return parts


def _address(nettype: str, addrtype: str, address: str, where: str) -> str:
    _token(nettype, "nettype", where)
    _token(addrtype, "addrtype", where)
    if nettype == "IN" and addrtype not in ("IP4", "IP6"):
        raise SdpError(f"address type must be IP4 or IP6, got {addrtype[:10]!r}", where=where)
    host = address.split("/", 1)[0]
    try:
        if addrtype == "IP4" and re.fullmatch(r"[0-9.]+", host):
            ipaddress.IPv4Address(host)
        elif addrtype == "IP6" and ":" in host:
            ipaddress.IPv6Address(host)
        else:  # RFC 4566 §5.7 also allows an FQDN
            _token(address.replace("/", "."), "address", where)
    except ValueError:
        raise SdpError(f"invalid {addrtype} address {address[:60]!r}", where=where) from None
    return address


def _parse_origin(value: str, where: str) -> Origin:
    # RFC 4566 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
    user, sess_id, version, nettype, addrtype, address = _fields(value, 6, "o=", where)
    number = _int(version, "o= sess-version", where)
    return Origin(
        user, sess_id, number, _address(nettype, addrtype, address, where), addrtype, nettype
    )


def _parse_connection(value: str, where: str) -> Connection:
    nettype, addrtype, address = _fields(value, 3, "c=", where)
    return Connection(_address(nettype, addrtype, address, where), addrtype, nettype)


def _parse_timing(value: str, where: str) -> Timing:
    start, stop = _fields(value, 2, "t=", where)
    return Timing(_int(start, "t= start time", where), _int(stop, "t= stop time", where))


def _parse_media_line(value: str, where: str) -> _MediaBuilder:
    # RFC 4566 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
    parts = value.split()
    if len(parts) < 4:
        raise SdpError(f"m= needs media, port, proto and formats, got {value[:60]!r}", where=where)
    media, port_text, proto, *formats = parts
    _token(media, "media type", where)
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*", proto):
        raise SdpError(f"malformed transport protocol {proto[:30]!r}", where=where)
    port_part, slash, count_part = port_text.partition("/")
    port = _int(port_part, "m= port", where, 0, 65535)
    count = _int(count_part, "m= number of ports", where, 1, 65535) if slash else None
    for fmt in formats:
        if "RTP/" in proto:
            _int(fmt, "RTP payload type", where, 0, 127)
        else:
            _token(fmt, "media format", where)
    if len(set(formats)) != len(formats):
        raise SdpError("a format is listed twice on the m= line", where=where)
    return _MediaBuilder(media, port, count, proto, tuple(formats), where)


def parse_events(spec: str) -> frozenset[int]:
    """Read a telephone-event list such as ``0-15,66,70`` (RFC 4733 §2.4.1)."""
    events: set[int] = set()
    for item in spec.replace(" ", "").split(","):
        low, dash, high = item.partition("-")
        first = _int(low, "event", "telephone-event fmtp", 0, 255)
        last = _int(high, "event", "telephone-event fmtp", first, 255) if dash else first
        events.update(range(first, last + 1))
    return frozenset(events)


def format_events(events: Iterable[int]) -> str:
    """Write an event set back as ranges: {0..16, 66} -> ``0-16,66``."""
    runs: list[list[int]] = []
    for event in sorted(set(events)):
        if runs and runs[-1][1] == event - 1:
            runs[-1][1] = event
        else:
            runs.append([event, event])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
