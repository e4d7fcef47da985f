"""SIP requests and responses as typed values, parsed from and written to bytes.

Owns the message grammar of RFC 3261 §7 and §25.1 (start lines, header section, body),
message framing (§18.3: Content-Length on streams, the datagram's end on UDP), the
validity checks a UAS applies before processing a request (§8.2.1, §8.2.2) and the
construction of responses (§8.2.6) and UAC requests (§8.1.1).

- :func:`parse` takes one complete message (a datagram, or a frame cut by
  :func:`message_length`) and returns a :class:`Request` or :class:`Response`. Syntax
  errors raise :class:`~callcenter.sip.errors.SipParseError` with the status to answer
  (400; 505 for another SIP version; 416 for a Request-URI scheme other than sip, sips,
  tel; 513 when too large). Text is UTF-8; the body is bytes.
- ``bytes(msg)`` writes the message back; parsed header fields that were not changed are
  written byte for byte.
- :meth:`Request.check` applies the application-layer rules a switch needs before acting
  (mandatory headers, CSeq method, URI schemes) and raises with the status to answer.
- A request that fails :func:`parse` or :meth:`Request.check` is answered by
  :func:`callcenter.sip.malformed.error_response` from what
  :func:`callcenter.sip.partial.scan_partial` could still read, or dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from ._grammar import TOKEN_RE
from .constants import Method, reason_phrase
from .errors import SipParseError, SipUsageError
from .headers import (
    ContentType,
    CSeq,
    Header,
    Headers,
    NameAddr,
    Via,
    header_key,
    name_is_token,
    parse_auth_params,
    parse_call_id,
    parse_contact,
    parse_content_length,
    parse_content_type,
    parse_cseq,
    parse_expires,
    parse_max_forwards,
    parse_name_addr,
    parse_name_addr_list,
    parse_via,
)
from .partial import SCAN_LIMIT, scan_partial
from .uri import AbsoluteUri, SipUri, TelUri, Uri, parse_uri

__all__ = [
    "DEFAULT_MAX_HEADER_SIZE",
    "DEFAULT_MAX_SIZE",
    "Message",
    "Request",
    "Response",
    "make_response",
    "message_length",
    "parse",
    "skip_keepalive",
]

SIP_VERSION: Final = "SIP/2.0"
DEFAULT_MAX_SIZE: Final = 65535
DEFAULT_MAX_HEADER_SIZE: Final = 16384

_VERSION_RE = re.compile(r"[Ss][Ii][Pp]/([0-9]+)\.([0-9]+)")
_STATUS_RE = re.compile(r"[0-9]{3}")
_REASON_BAD_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Control characters other than HT (CRLF line ends removed first): their presence sends a
# header section down the careful path, which says which field holds them.
_CTL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CL_RE = re.compile(rb"\r\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)", re.IGNORECASE)
# Headers that may appear at most once (§7.3.1, §20): a second one is a 400.
_SINGLE: Final = ("to", "from", "call-id", "cseq", "max-forwards", "content-length", "content-type")
_SUPPORTED_SCHEMES: Final = ("sip", "sips", "tel")


@dataclass(eq=False)
class Message:
    """Common part of :class:`Request` and :class:`Response`."""

    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    version: str = SIP_VERSION

    # -- typed accessors (parsed on demand, cached until the headers change) -----------
    def _get(self, key: str, name: str) -> str:
        value = self.headers.get(key)
        if value is None:
            raise SipParseError(f"missing {name} header", where=name)
        return value

    @property
    def vias(self) -> list[Via]:
        """Every Via value, topmost first (§20.42)."""
        cached = self.headers.cached("via")
        if cached is None:
            cached = [v for value in self.headers.get_all("via") for v in parse_via(value)]
            self.headers.store("via", cached)
        assert isinstance(cached, list)
        return cached

    @property
    def via(self) -> Via:
        """The topmost Via (raises 400 if there is none)."""
        vias = self.vias
        if not vias:
            raise SipParseError("missing Via header", where="Via")
        return vias[0]

    def _name_addr(self, key: str, name: str) -> NameAddr:
        cached = self.headers.cached(key)
        if cached is None:
            cached = parse_name_addr(self._get(key, name), name)
            self.headers.store(key, cached)
        assert isinstance(cached, NameAddr)
        return cached

    @property
    def from_(self) -> NameAddr:
        return self._name_addr("from", "From")

    @property
    def to(self) -> NameAddr:
        return self._name_addr("to", "To")

    @property
    def call_id(self) -> str:
        return parse_call_id(self._get("call-id", "Call-ID"))

    @property
    def cseq(self) -> CSeq:
        cached = self.headers.cached("cseq")
        if cached is None:
            cached = parse_cseq(self._get("cseq", "CSeq"))
            self.headers.store("cseq", cached)
        assert isinstance(cached, CSeq)
        return cached

    @property
    def max_forwards(self) -> int | None:
        value = self.headers.get("max-forwards")
        return None if value is None else parse_max_forwards(value)

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        return None if value is None else parse_content_length(value)

    @property
    def content_type(self) -> ContentType | None:
        value = self.headers.get("content-type")
        return None if value is None else parse_content_type(value)

    @property
    def expires(self) -> int | None:
        value = self.headers.get("expires")
        return None if value is None else parse_expires(value)

    @property
    def contacts(self) -> list[NameAddr]:
        """Every Contact value; [] when there is none or for ``*`` (see :attr:`contact_star`)."""
        cached = self.headers.cached("contact")
        if cached is None:
            out: list[NameAddr] = []
            for value in self.headers.get_all("contact"):
                parsed = parse_contact(value)
                if parsed is not None:
                    out.extend(parsed)
            self.headers.store("contact", out)
            cached = out
        assert isinstance(cached, list)
        return cached

    @property
    def contact_star(self) -> bool:
        """True for ``Contact: *`` (a REGISTER removing every binding, §10.2.2)."""
        return any(v.strip() == "*" for v in self.headers.get_all("contact"))

    def _route_set(self, key: str, name: str) -> list[NameAddr]:
        return [
            na for value in self.headers.get_all(key) for na in parse_name_addr_list(value, name)
        ]

    @property
    def routes(self) -> list[NameAddr]:
        return self._route_set("route", "Route")

    @property
    def record_routes(self) -> list[NameAddr]:
        return self._route_set("record-route", "Record-Route")

    def auth(self, name: str) -> list[tuple[str, dict[str, str]]]:
        """Parsed values of an auth header (``"Authorization"``, ``"WWW-Authenticate"``, ...)."""
        return [parse_auth_params(v) for v in self.headers.get_all(name)]

    # -- body ----------------------------------------------------------------------
    def set_body(self, body: bytes, content_type: str | None = None) -> None:
        """Replace the body, keeping Content-Length (and Content-Type if given) right."""
        self.body = body
        if content_type is not None:
            self.headers.set("Content-Type", content_type)
        elif not body:
            self.headers.remove("Content-Type")
        self.headers.set("Content-Length", str(len(body)))

    def _validate(self) -> None:
        """Parse every header the switch depends on; raise on the first malformed one."""
        counts: dict[str, int] = {}
        for f in self.headers:
            counts[f.key] = counts.get(f.key, 0) + 1
        for key in _SINGLE:
            if counts.get(key, 0) > 1:
                raise SipParseError(f"header appears {counts[key]} times", where=key.title())
        _ = self.vias
        for key, name in (("from", "From"), ("to", "To")):
            if key in counts:
                self._name_addr(key, name)
        if "call-id" in counts:
            _ = self.call_id
        if "cseq" in counts:
            _ = self.cseq
        if "max-forwards" in counts:
            _ = self.max_forwards
        if "content-type" in counts:
            _ = self.content_type
        if "contact" in counts:
            _ = self.contacts
        if "route" in counts:
            _ = self.routes
        if "record-route" in counts:
            _ = self.record_routes

    def _start_line(self) -> str:
        raise NotImplementedError

    def __bytes__(self) -> bytes:
        return b"".join(
            (self._start_line().encode(), b"\r\n", self.headers.to_bytes(), b"\r\n", self.body)
        )


@dataclass(eq=False)
class Request(Message):
    """A SIP request (§7.1): method, Request-URI, headers, body."""

    method: str = ""
    uri: Uri = field(default_factory=lambda: SipUri("invalid"))

    def _start_line(self) -> str:
        return f"{self.method} {self.uri} {self.version}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Request):
            return NotImplemented
        return (self.method, self.uri, self.version, self.headers, self.body) == (
            other.method,
            other.uri,
            other.version,
            other.headers,
            other.body,
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def create(
        cls,
        method: str,
        uri: Uri,
        *,
        from_: NameAddr,
        to: NameAddr,
        call_id: str,
        cseq: int,
        via: Via,
        max_forwards: int = 70,
        contact: NameAddr | None = None,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        content_type: str | None = None,
    ) -> Request:
        """Build a UAC request with the mandatory headers of §8.1.1, in the usual order.

        ``from_`` should carry a tag (§8.1.1.3) and ``via`` a branch starting with
        ``z9hG4bK`` (§8.1.1.7); Content-Length is set from ``body``.
        """
        if not TOKEN_RE.fullmatch(method):
            raise SipUsageError(f"method {method!r} is not a token")
        if body and content_type is None:
            raise SipUsageError("a body needs a content_type (§7.4.1)")
        cseq_method = method
        fields: list[tuple[str, str]] = [
            ("Via", str(via)),
            ("Max-Forwards", str(max_forwards)),
            ("From", str(from_)),
            ("To", str(to)),
            ("Call-ID", parse_call_id(call_id)),
            ("CSeq", str(CSeq(cseq, cseq_method))),
        ]
        if contact is not None:
            fields.append(("Contact", str(contact)))
        fields.extend(headers)
        if content_type is not None:
            fields.append(("Content-Type", content_type))
        fields.append(("Content-Length", str(len(body))))
        return cls(headers=Headers(fields), body=body, method=method, uri=uri)

    def check(self) -> None:
        """Apply the UAS checks of §8.2 that a parse cannot; raise with the status to answer.

        - To, From, Call-ID, CSeq and Via must be present (§8.1.1): 400 (a missing
          Max-Forwards is tolerated, RFC 2543 peers omit it: RFC 4475 §3.4.1);
        - the CSeq method must equal the request method (§8.1.1.5, §12.2.1.1): 400;
        - the Request-URI scheme must be sip, sips or tel (§8.2.2.1): 416;
        - To, From and Contact URIs of unknown schemes (RFC 4475 §3.3.4): 416 for a
          REGISTER (the registrar cannot bind them), accepted otherwise.
        """
        present = {f.key for f in self.headers}
        for key, name in (
            ("to", "To"),
            ("from", "From"),
            ("call-id", "Call-ID"),
            ("cseq", "CSeq"),
            ("via", "Via"),
        ):
            if key not in present:
                raise SipParseError(f"missing mandatory {name} header (§8.1.1)", where=name)
        if self.cseq.method != self.method:
            raise SipParseError(
                f"CSeq method {self.cseq.method!r} differs from request method {self.method!r}",
                where="CSeq",
            )
        if isinstance(self.uri, AbsoluteUri):
            raise SipParseError(
                f"unsupported Request-URI scheme {self.uri.scheme!r}",
                status=416,
                where="Request-URI",
            )
        if self.method == Method.REGISTER:
            for name, uri in (("To", self.to.uri), ("From", self.from_.uri)):
                if isinstance(uri, AbsoluteUri):
                    raise SipParseError(
                        f"unsupported URI scheme {uri.scheme!r}", status=416, where=name
                    )
            for contact in self.contacts:
                if isinstance(contact.uri, AbsoluteUri):
                    raise SipParseError(
                        f"unsupported URI scheme {contact.uri.scheme!r}",
                        status=416,
                        where="Contact",
                    )


@dataclass(eq=False)
class Response(Message):
    """A SIP response (§7.2): status code, reason phrase, headers, body."""

    status: int = 200
    reason: str = "OK"

    def _start_line(self) -> str:
        return f"{self.version} {self.status} {self.reason}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Response):
            return NotImplemented
        return (self.status, self.reason, self.version, self.headers, self.body) == (
            other.status,
            other.reason,
            other.version,
            other.headers,
            other.body,
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def is_provisional(self) -> bool:
        return 100 <= self.status < 200

    @property
    def is_final(self) -> bool:
        return self.status >= 200


def make_response(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    content_type: str | None = None,
) -> Response:
    """Build a response to ``request`` as §8.2.6.2 says.

    Via (every value, in order), From, Call-ID and CSeq are copied; To is copied and, when
    ``to_tag`` is given and To has no tag yet, the tag is added. A 100 Trying copies the
    request's Timestamp (§8.2.6.1). Content-Length is set from ``body``.
    """
    if request.method == Method.ACK:
        raise SipUsageError("ACK is never answered (§17.1.1.3)")
    if not 100 <= status <= 699:
        raise SipUsageError(f"status {status} is outside 100-699")
    if body and content_type is None:
        raise SipUsageError("a body needs a content_type (§7.4.1)")
    src = request.headers
    fields: list[Header | tuple[str, str]] = []
    to: NameAddr | None = None
    tos = 0
    for f in src:  # Header objects are never changed in place: they can be shared
        key = f.key
        if key in ("via", "from", "call-id", "cseq"):
            fields.append(f)
        elif key == "to":
            tos += 1
            to = request.to
            if to_tag is not None and to.tag is None and status != 100:
                to = to.with_tag(to_tag)
                fields.append((f.name, str(to)))
            else:
                fields.append(f)
        elif key == "timestamp" and status == 100:
            fields.append(f)
    ours = len(fields)
    fields.extend(headers)
    if content_type is not None:
        fields.append(("Content-Type", content_type))
    fields.append(("Content-Length", str(len(body))))
    copied = Headers(fields)
    # The copied fields mean what they meant in the request: keep what it had parsed
    # (unless the caller's extra headers add to them).
    extra = {header_key(f.name if isinstance(f, Header) else f[0]) for f in fields[ours:]}
    for key in ("via", "from", "cseq"):
        value = src.cached(key)
        if value is not None and key not in extra:
            copied.store(key, value)
    if to is not None and tos == 1 and "to" not in extra:
        copied.store("to", to)
    return Response(
        headers=copied,
        body=body,
        status=status,
        reason=reason if reason is not None else reason_phrase(status),
    )


# --- parsing ---------------------------------------------------------------------------
def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipParseError(
            f"invalid UTF-8 at byte {exc.start} ({data[exc.start : exc.start + 1]!r})",
            where=where,
        ) from None


def _check_version(text: str, where: str) -> str:
    m = _VERSION_RE.fullmatch(text)
    if m is None:
        raise SipParseError(f"invalid SIP version {text[:20]!r}", where=where)
    if (m.group(1), m.group(2)) != ("2", "0"):
        raise SipParseError(f"SIP version {text} is not supported", status=505, where=where)
    return SIP_VERSION


def _parse_start(line: str) -> Request | Response:
    where = "start line"
    if _REASON_BAD_RE.search(line):
        raise SipParseError("control character in the start line", where=where)
    if line[:4].upper() == "SIP/":
        parts = line.split(" ", 2)
        if len(parts) < 3:
            raise SipParseError("expected 'SIP/2.0 code reason'", where=where)
        version = _check_version(parts[0], where)
        if not _STATUS_RE.fullmatch(parts[1]) or not 100 <= int(parts[1]) <= 699:
            raise SipParseError(f"invalid status code {parts[1][:20]!r}", where=where)
        return Response(version=version, status=int(parts[1]), reason=parts[2])
    parts = line.split(" ")
    if len(parts) != 3 or not all(parts):
        raise SipParseError(
            "expected 'METHOD Request-URI SIP/2.0' separated by single spaces", where=where
        )
    method, uri_text, version_text = parts
    if not TOKEN_RE.fullmatch(method):
        raise SipParseError(f"method {method[:30]!r} is not a token", where=where)
    version = _check_version(version_text, where)
    try:
        uri = parse_uri(uri_text)
    except SipParseError as exc:
        raise exc.located("Request-URI") from None
    if uri.scheme not in _SUPPORTED_SCHEMES:
        raise SipParseError(
            f"unsupported URI scheme {uri.scheme!r}", status=416, where="Request-URI"
        )
    assert isinstance(uri, (SipUri, TelUri))
    if isinstance(uri, SipUri) and uri.headers:
        raise SipParseError(
            "URI headers ('?...') are not allowed in a Request-URI (§19.1.1)", where="Request-URI"
        )
    return Request(version=version, method=method, uri=uri)


def parse(data: bytes, *, max_size: int | None = DEFAULT_MAX_SIZE) -> Request | Response:
    """Parse one complete SIP message (a UDP datagram or a frame cut from a stream).

    The body is ``Content-Length`` bytes; when the header is absent the body runs to the
    end of ``data`` (§18.3, datagrams). A body shorter than Content-Length is a 400;
    bytes beyond it are ignored (§18.3). Raises :class:`SipParseError` on any defect; its
    ``partial`` then holds what :func:`scan_partial` read (for :func:`error_response`).
    """
    try:
        return _parse(data, max_size)
    except SipParseError as exc:
        if exc.partial is None:
            exc.partial = scan_partial(data)
        raise


def _parse(data: bytes, max_size: int | None) -> Request | Response:
    if max_size is not None and len(data) > max_size:
        raise SipParseError(f"message of {len(data)} bytes exceeds {max_size}", status=513)
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise SipParseError("no empty line ending the header section", where="message")
    head = data[:end]
    text = _decode(head, "header section")
    lines = text.split("\r\n")
    msg = _parse_start(lines[0])
    raw_lines = head.split(b"\r\n")
    if "\r\n " in text or "\r\n\t" in text or _CTL_RE.search(text.replace("\r\n", "")):
        fields = _fields(lines, raw_lines)
    else:
        fields = _plain_fields(lines, raw_lines)
    msg.headers = Headers.of(fields)
    body = data[end + 4 :]
    length = msg.content_length
    if length is not None:
        if len(body) < length:
            raise SipParseError(
                f"body has {len(body)} bytes, fewer than Content-Length {length}",
                where="Content-Length",
            )
        body = body[:length]
    msg.body = body
    msg._validate()
    return msg


def _plain_fields(lines: list[str], raw_lines: list[bytes]) -> list[Header]:
    """The fields of a header section without folding or control characters (nearly all)."""
    fields: list[Header] = []
    for i in range(1, len(lines)):
        name, colon, value = lines[i].partition(":")
        name = name.rstrip(" \t")
        if colon and name_is_token(name):
            fields.append(Header(name, value.strip(" \t"), raw_lines[i]))
        else:
            fields.append(Header.from_line(lines[i], raw_lines[i]))  # raises the precise error
    return fields


def _fields(lines: list[str], raw_lines: list[bytes]) -> list[Header]:
    """The fields of any header section: folded lines joined, each one checked."""
    fields: list[Header] = []
    i = 1
    n = len(lines)
    while i < n:
        j = i + 1
        while j < n and lines[j][:1] in (" ", "\t"):
            j += 1
        if lines[i][:1] in (" ", "\t"):
            raise SipParseError("continuation line before any header field", where="header section")
        if not lines[i]:
            raise SipParseError("empty line inside the header section", where="header section")
        field_text = "\r\n".join(lines[i:j])
        fields.append(Header.from_line(field_text, b"\r\n".join(raw_lines[i:j])))
        i = j
    return fields


def skip_keepalive(buffer: bytes | bytearray) -> int:
    """How many leading CRLF keep-alive bytes (RFC 5626 §3.5.1) to drop from a stream."""
    n = 0
    while buffer[n : n + 2] == b"\r\n":
        n += 2
    return n


def message_length(
    buffer: bytes | bytearray,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    max_header_size: int = DEFAULT_MAX_HEADER_SIZE,
) -> int | None:
    """Frame a stream (TCP/TLS, §18.3): bytes taken by the next message, or None if incomplete.

    Content-Length is mandatory on streams (§20.14): its absence is a 400. A header
    section longer than ``max_header_size`` or a message longer than ``max_size`` raises
    :class:`SipParseError` with status 513; the caller should then close the connection,
    as the stream cannot be resynchronised (after sending :func:`error_response`, if any).
    Drop keep-alives first with :func:`skip_keepalive`.
    """
    try:
        return _message_length(buffer, max_size, max_header_size)
    except SipParseError as exc:
        if exc.partial is None:
            exc.partial = scan_partial(bytes(buffer[:SCAN_LIMIT]))
        raise


def _message_length(buffer: bytes | bytearray, max_size: int, max_header_size: int) -> int | None:
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > max_header_size:
            raise SipParseError(
                f"header section exceeds {max_header_size} bytes", status=513, where="stream"
            )
        return None
    if end + 4 > max_header_size:
        raise SipParseError(
            f"header section exceeds {max_header_size} bytes", status=513, where="stream"
        )
    head = bytes(buffer[:end])
    values = _CL_RE.findall(head)
    if not values:
        raise SipParseError("Content-Length is required on a stream transport", where="stream")
    if len({v.strip() for v in values}) > 1:
        raise SipParseError("conflicting Content-Length headers", where="stream")
    length = parse_content_length(_decode(values[0].strip(), "Content-Length"))
    total = end + 4 + length
    if total > max_size:
        raise SipParseError(f"message of {total} bytes exceeds {max_size}", status=513)
    return total if len(buffer) >= total else None
