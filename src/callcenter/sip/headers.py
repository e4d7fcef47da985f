"""SIP header fields: the ordered collection and typed values (RFC 3261 §7.3, §20, §25.1).

Owns:

- :class:`Headers`, an ordered, case-insensitive multi-map of header fields. Compact forms
  (§7.3.3 and the IANA SIP parameters registry: ``v f t i m l c s k e o r u b x y``) are
  looked up as their long names. Each parsed field keeps its raw bytes, so a field that
  is not changed is written back byte for byte (name spelling, folding, value).
- Splitting of comma lists outside quoted strings and ``<>`` (§7.3.1), applied only to
  headers whose grammar is a comma list (never to WWW-Authenticate, Authorization, Date,
  unknown headers, ...).
- Typed parsers: :class:`Via` (§20.42, RFC 3581 rport), :class:`NameAddr` for
  From/To/Contact/Route/Record-Route (§20.10, §20.20, §20.39), :class:`CSeq` (§20.16),
  Call-ID (§20.8), Max-Forwards (§20.22), Content-Length (§20.14), :class:`ContentType`
  (§20.15), Expires (§20.19) and :func:`parse_auth_params` for the digest headers (§25.1
  ``challenge``/``credentials``, RFC 2617).

Every parser raises :class:`~callcenter.sip.errors.SipParseError` (400) on bad input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from ._grammar import (
    QUOTED,
    TOKEN,
    Params,
    find_param,
    format_params,
    is_token,
    parse_params,
    quote,
    split_list,
    unquote,
)
from .errors import SipParseError, SipUsageError
from .uri import SipUri, Uri, parse_uri

__all__ = [
    "COMPACT_FORMS",
    "CSeq",
    "ContentType",
    "Header",
    "Headers",
    "NameAddr",
    "Via",
    "canonical_name",
    "header_key",
    "parse_auth_params",
    "parse_call_id",
    "parse_contact",
    "parse_content_length",
    "parse_cseq",
    "parse_expires",
    "parse_max_forwards",
    "parse_name_addr",
    "parse_name_addr_list",
    "parse_via",
]

# §7.3.3 and the IANA "Header Fields" registry of compact forms.
COMPACT_FORMS: Final[dict[str, str]] = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
    "s": "subject",
    "k": "supported",
    "e": "content-encoding",
    "o": "event",
    "r": "refer-to",
    "u": "allow-events",
    "b": "referred-by",
    "x": "session-expires",
    "y": "identity",
}

_CANONICAL: Final[dict[str, str]] = {
    n.lower(): n
    for n in [
        "Via",
        "From",
        "To",
        "Call-ID",
        "CSeq",
        "Contact",
        "Content-Length",
        "Content-Type",
        "Content-Encoding",
        "Max-Forwards",
        "Route",
        "Record-Route",
        "Expires",
        "Min-Expires",
        "WWW-Authenticate",
        "Authorization",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "Subject",
        "Supported",
        "Require",
        "Proxy-Require",
        "Unsupported",
        "Allow",
        "Accept",
        "Accept-Encoding",
        "Accept-Language",
        "User-Agent",
        "Server",
        "Date",
        "Event",
        "Refer-To",
        "Allow-Events",
        "Referred-By",
        "Session-Expires",
        "Identity",
        "Timestamp",
        "Retry-After",
        "Warning",
        "Reply-To",
        "Organization",
        "Priority",
        "Call-Info",
        "Alert-Info",
        "Error-Info",
        "In-Reply-To",
        "MIME-Version",
        "Content-Disposition",
        "Content-Language",
        "Authentication-Info",
        "RSeq",
        "RAck",
        "Path",
        "Service-Route",
        "P-Asserted-Identity",
        "P-Preferred-Identity",
        "Privacy",
        "Reason",
        "Replaces",
        "Refer-Sub",
        "Min-SE",
    ]
}

# Headers whose grammar is a comma list (§7.3.1: only these may be combined or split).
LIST_HEADERS: Final[frozenset[str]] = frozenset(
    [
        "via",
        "contact",
        "route",
        "record-route",
        "accept",
        "accept-encoding",
        "accept-language",
        "allow",
        "alert-info",
        "call-info",
        "content-encoding",
        "content-language",
        "error-info",
        "in-reply-to",
        "proxy-require",
        "require",
        "supported",
        "unsupported",
        "warning",
        "allow-events",
        "path",
        "service-route",
        "p-asserted-identity",
        "p-preferred-identity",
        "privacy",
        "reason",
    ]
)


@lru_cache(maxsize=4096)
def header_key(name: str) -> str:
    """The lookup key of a header name: lower-cased long form (``"m"`` -> ``"contact"``).

    Cached: a message's handful of header names recur in every message.
    """
    key = name.lower()
    return COMPACT_FORMS.get(key, key)


# Header names already seen to be tokens (bounded: names recur, garbage does not stay).
_TOKEN_NAMES: set[str] = set()


def name_is_token(name: str) -> bool:
    """Whether a header name is a token (§25.1), remembering the names that were."""
    if name in _TOKEN_NAMES:
        return True
    if not is_token(name):
        return False
    if len(name) <= 64 and len(_TOKEN_NAMES) < 1024:
        _TOKEN_NAMES.add(name)
    return True


def canonical_name(name: str) -> str:
    """The conventional spelling of a header name (``"call-id"`` -> ``"Call-ID"``)."""
    key = header_key(name)
    return _CANONICAL.get(key, name)


_FIELD_RE = re.compile(rf"({TOKEN})[ \t]*:(.*)", re.DOTALL)
_FOLD_RE = re.compile(r"\r\n[ \t]+")
# Control characters are not allowed in a header value except HT, or escaped as a
# quoted-pair inside a quoted-string (§25.1 quoted-pair admits %x00-09 / %x0B-0C / %x0E-7F).
_BAD_CTL_RE = re.compile(r"(?<!\\)[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(slots=True)
class Header:
    """One header field: ``name`` as written, ``value`` unfolded (§7.3.1) and stripped.

    ``raw`` holds the field's original bytes (without the final CRLF) when it came off
    the wire; a field with ``raw`` is written back unchanged. A field is never changed
    once made (:class:`Headers` replaces fields), so messages share them: a response
    holds the very Via, From, Call-ID and CSeq fields of its request.
    """

    name: str
    value: str
    raw: bytes | None = field(default=None, compare=False, repr=False)
    # The lookup key, computed once: every header lookup compares it.
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.key = header_key(self.name)

    def to_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return f"{self.name}: {self.value}".encode()

    @classmethod
    def from_line(cls, text: str, raw: bytes | None = None) -> Header:
        """Parse one (possibly folded) header field ``name: value`` (§7.3.1)."""
        m = _FIELD_RE.fullmatch(text)
        if m is None:
            name = text.split(":", 1)[0].strip() if ":" in text else text[:30]
            what = "is not a token" if ":" in text else "has no ':'"
            raise SipParseError(f"header field {name!r} {what}", where="header section")
        name, value = m.group(1), m.group(2)
        if "\r" in value or "\n" in value:
            value = _FOLD_RE.sub(" ", value)
            if "\r" in value or "\n" in value:
                raise SipParseError("bare CR or LF inside a header value", where=name)
        bad = _BAD_CTL_RE.search(value)
        if bad is not None:
            code = ord(bad.group())
            raise SipParseError(f"control character 0x{code:02X} in value", where=name)
        return cls(name, value.strip(" \t"), raw)


class Headers:
    """Ordered, case-insensitive header fields of one message (§7.3).

    Values given in code are stripped of surrounding SP/HT (not significant, §7.3.1).

    Lookups accept long or compact names in any case. Typed values parsed from the
    fields of one name are cached under its key until a field of that name changes.
    """

    __slots__ = ("_cache", "_fields")

    def __init__(self, fields: Iterable[Header | tuple[str, str]] = ()) -> None:
        self._fields: list[Header] = [
            f if isinstance(f, Header) else Header(f[0], f[1].strip(" \t")) for f in fields
        ]
        self._cache: dict[str, object] = {}

    @classmethod
    def of(cls, fields: list[Header]) -> Headers:
        """Headers made of ``fields`` (the list is taken over, not copied)."""
        headers = cls.__new__(cls)
        headers._fields = fields
        headers._cache = {}
        return headers

    # -- reading -------------------------------------------------------------------
    def __iter__(self) -> Iterator[Header]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = header_key(name)
        return any(f.key == key for f in self._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return [(f.name, f.value) for f in self._fields] == [
            (f.name, f.value) for f in other._fields
        ]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Headers({[(f.name, f.value) for f in self._fields]!r})"

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of the first field called ``name``, or ``default``."""
        key = header_key(name)
        for f in self._fields:
            if f.key == key:
                return f.value
        return default

    def get_all(self, name: str) -> list[str]:
        """The values of every field called ``name``, in order, not split on commas."""
        key = header_key(name)
        return [f.value for f in self._fields if f.key == key]

    def values(self, name: str) -> list[str]:
        """Every element of ``name``: comma-split when the header is a comma list (§7.3.1).

        Headers that are not comma lists (Authorization, Date, unknown ones, ...) are
        returned field by field, never split.
        """
        key = header_key(name)
        fields = [f.value for f in self._fields if f.key == key]
        if key not in LIST_HEADERS:
            return fields
        out: list[str] = []
        for value in fields:
            out.extend(split_list(value, canonical_name(name)))
        return out

    def fields(self) -> list[Header]:
        return list(self._fields)

    def cached(self, key: str) -> object | None:
        return self._cache.get(key)

    def store(self, key: str, value: object) -> None:
        """Cache ``value``, parsed from the fields with lookup key ``key`` and nothing else
        (it is dropped when one of them changes)."""
        self._cache[key] = value

    # -- changing ------------------------------------------------------------------
    def add(self, name: str, value: str) -> None:
        """Append a field (after any with the same name)."""
        _check_new(name, value)
        new = Header(name, value.strip(" \t"))
        self._fields.append(new)
        self._cache.pop(new.key, None)

    def insert(self, index: int, name: str, value: str) -> None:
        """Insert a field at ``index`` (0 is the top, e.g. for a new Via, §16.6 step 8)."""
        _check_new(name, value)
        new = Header(name, value.strip(" \t"))
        self._fields.insert(index, new)
        self._cache.pop(new.key, None)

    def set(self, name: str, value: str) -> None:
        """Replace every field called ``name`` by one, at the place of the first."""
        _check_new(name, value)
        key = header_key(name)
        new = Header(name, value.strip(" \t"))
        for i, f in enumerate(self._fields):
            if f.key == key:
                self._fields[i] = new
                self._fields[i + 1 :] = [g for g in self._fields[i + 1 :] if g.key != key]
                break
        else:
            self._fields.append(new)
        self._cache.pop(key, None)

    def remove(self, name: str) -> int:
        """Remove every field called ``name``; return how many were removed."""
        key = header_key(name)
        before = len(self._fields)
        self._fields = [f for f in self._fields if f.key != key]
        self._cache.pop(key, None)
        return before - len(self._fields)

    def replaced(self, index: int, name: str, value: str, parsed: object = None) -> Headers:
        """A copy with the field at ``index`` replaced by ``name: value``.

        What was cached for other names stays cached; ``parsed``, when given, becomes the
        cached value of the new field's name (it must describe every field of that name).
        """
        _check_new(name, value)
        fields = list(self._fields)
        new = fields[index] = Header(name, value.strip(" \t"))
        copy = Headers.of(fields)
        copy._cache = {k: v for k, v in self._cache.items() if k != new.key}
        if parsed is not None:
            copy._cache[new.key] = parsed
        return copy

    def copy(self) -> Headers:
        return Headers(Header(f.name, f.value, f.raw) for f in self._fields)

    def to_bytes(self) -> bytes:
        """All fields, each followed by CRLF (raw bytes for unchanged parsed fields)."""
        return b"".join(f.to_bytes() + b"\r\n" for f in self._fields)


def _check_new(name: str, value: str) -> None:
    if not name_is_token(name):
        raise SipUsageError(f"header name {name!r} is not a token")
    if "\r" in value or "\n" in value:
        raise SipUsageError(f"header value for {name!r} contains CR or LF")


# --- scalar headers ----------------------------------------------------------------
_DIGITS_RE = re.compile(r"[0-9]+")
_CALL_ID_WORD = r"[A-Za-z0-9\-.!%*_+`'~()<>:\\\"/\[\]?{}]+"
_CALL_ID_RE = re.compile(rf"{_CALL_ID_WORD}(?:@{_CALL_ID_WORD})?")
_CSEQ_RE = re.compile(rf"([0-9]+)[ \t]+({TOKEN})")


def _int(text: str, where: str, limit: int, what: str) -> int:
    if not _DIGITS_RE.fullmatch(text):
        raise SipParseError(f"{what} must be decimal digits, got {text[:40]!r}", where=where)
    if len(text) > 12 or int(text) > limit:
        raise SipParseError(f"{what} {text[:40]} exceeds {limit}", where=where)
    return int(text)


def parse_content_length(value: str) -> int:
    """Content-Length (§20.14): a non-negative decimal, at most 2**32-1."""
    return _int(value, "Content-Length", 2**32 - 1, "Content-Length")


def parse_max_forwards(value: str) -> int:
    """Max-Forwards (§20.22): 0 to 255."""
    return _int(value, "Max-Forwards", 255, "Max-Forwards")


def parse_expires(value: str) -> int:
    """Expires (§20.19) or an ``expires`` parameter: delta-seconds, 0 to 2**32-1."""
    return _int(value, "Expires", 2**32 - 1, "Expires")


def parse_call_id(value: str) -> str:
    """Call-ID (§20.8): ``word [ "@" word ]``; returned as written."""
    if not _CALL_ID_RE.fullmatch(value):
        raise SipParseError(f"invalid Call-ID {value[:60]!r}", where="Call-ID")
    return value


@dataclass(frozen=True, slots=True)
class CSeq:
    """CSeq (§20.16): sequence number (< 2**31, §8.1.1.5) and method."""

    seq: int
    method: str

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


def parse_cseq(value: str) -> CSeq:
    m = _CSEQ_RE.fullmatch(value)
    if m is None:
        raise SipParseError(f"expected 'number method', got {value[:60]!r}", where="CSeq")
    return CSeq(_int(m.group(1), "CSeq", 2**31 - 1, "sequence number"), m.group(2))


@dataclass(frozen=True, slots=True)
class ContentType:
    """Content-Type (§20.15): ``type/subtype`` lower-cased, parameters as written."""

    type: str
    subtype: str
    params: Params = ()

    @property
    def mime(self) -> str:
        return f"{self.type}/{self.subtype}"

    def param(self, name: str) -> str | None:
        return find_param(self.params, name)[1]

    def __str__(self) -> str:
        return self.mime + format_params(self.params)


_CTYPE_RE = re.compile(rf"({TOKEN})[ \t]*/[ \t]*({TOKEN})(.*)", re.DOTALL)


def parse_content_type(value: str) -> ContentType:
    m = _CTYPE_RE.fullmatch(value)
    if m is None:
        raise SipParseError(f"expected 'type/subtype', got {value[:60]!r}", where="Content-Type")
    params = parse_params(m.group(3), "Content-Type")
    return ContentType(m.group(1).lower(), m.group(2).lower(), params)


# --- Via (§20.42, §18.2.1, RFC 3581) -------------------------------------------------
_VIA_RE = re.compile(
    rf"({TOKEN})[ \t]*/[ \t]*({TOKEN})[ \t]*/[ \t]*({TOKEN})[ \t]+"
    r"(\[[^\]\s]*\]|[^\s:;\[\]]+)(?:[ \t]*:[ \t]*([^\s;]*))?(.*)",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Via:
    """One Via value: ``SIP/2.0/UDP host:port;params``.

    ``transport`` is upper-cased; params keep order and spelling. ``rport`` is None when
    absent, "" when present without a value (a request for RFC 3581 behaviour) or the
    port digits.
    """

    transport: str
    host: str
    port: int | None = None
    params: Params = ()
    protocol: str = "SIP"
    version: str = "2.0"

    def param(self, name: str) -> str | None:
        present, value = find_param(self.params, name)
        if not present:
            return None
        return "" if value is None else value

    @property
    def branch(self) -> str | None:
        return self.param("branch")

    @property
    def received(self) -> str | None:
        return self.param("received")

    @property
    def rport(self) -> str | None:
        return self.param("rport")

    @property
    def rport_port(self) -> int | None:
        value = self.param("rport")
        return int(value) if value else None

    @property
    def maddr(self) -> str | None:
        return self.param("maddr")

    @property
    def ttl(self) -> int | None:
        value = self.param("ttl")
        return int(value) if value else None

    @property
    def sent_by(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def with_params(self, **updates: str | None) -> Via:
        """A copy with parameters set (value None means valueless, e.g. ``rport``)."""
        params = [(k, v) for k, v in self.params if k.lower() not in updates]
        params += list(updates.items())
        return Via(self.transport, self.host, self.port, tuple(params), self.protocol, self.version)

    def __str__(self) -> str:
        return f"{self.protocol}/{self.version}/{self.transport} {self.sent_by}" + format_params(
            self.params
        )


def _via_one(text: str) -> Via:
    where = "Via"
    m = _VIA_RE.fullmatch(text)
    if m is None:
        raise SipParseError(f"expected 'SIP/2.0/transport host', got {text[:60]!r}", where=where)
    protocol, version, transport, host, port_text, rest = m.groups()
    port = None
    if port_text is not None:
        port = _int(port_text, where, 65535, "port")
    uri_check = parse_uri(f"sip:{host}")
    assert isinstance(uri_check, SipUri)
    params = parse_params(rest, where)
    # The first value of each parameter with a rule (as Via.param would find it).
    first: dict[str, str] = {}
    for key, value in params:
        name = key.lower()
        if name in _VIA_RULED and name not in first:
            first[name] = "" if value is None else unquote(value)
    for name, check in _VIA_CHECKS:
        found = first.get(name)
        if found:
            check(found, name)
    if first.get("branch") == "" or first.get("received") == "":
        raise SipParseError("branch and received need a value", where=where)
    return Via(transport.upper(), host, port, params, protocol, version)


def _check_address(value: str, name: str) -> None:
    host = value if value.startswith("[") or ":" not in value else f"[{value}]"
    try:
        parse_uri(f"sip:{host}")
    except SipParseError:
        raise SipParseError(f"invalid {name} address {value!r}", where="Via") from None


def _check_port(value: str, name: str) -> None:
    _int(value, "Via", 65535, name)


def _check_ttl(value: str, name: str) -> None:
    _int(value, "Via", 255, name)


_VIA_CHECKS: Final = (("received", _check_address), ("rport", _check_port), ("ttl", _check_ttl))
_VIA_RULED: Final = frozenset(("received", "rport", "ttl", "branch"))


def parse_via(value: str) -> list[Via]:
    """All Via values in one header field value (comma list)."""
    return [_via_one(v) for v in split_list(value, "Via")]


# --- name-addr / addr-spec (§20.10, §25.1) ------------------------------------------
_DISPLAY_TOKENS_RE = re.compile(rf"{TOKEN}(?:[ \t]+{TOKEN})*")
_QUOTED_PREFIX_RE = re.compile(rf"[ \t]*({QUOTED})[ \t]*")


@dataclass(frozen=True, slots=True)
class NameAddr:
    """A name-addr or addr-spec with header parameters: From, To, Contact, Route, ....

    ``display_name`` is unquoted (None when absent); ``uri`` is the typed URI; ``params``
    are the header parameters (``tag``, ``expires``, ``q``, ...), order and spelling kept,
    values as written (quoted strings keep their quotes; :meth:`param` unquotes).
    """

    uri: Uri
    display_name: str | None = None
    params: Params = ()

    def param(self, name: str) -> str | None:
        present, value = find_param(self.params, name)
        if not present:
            return None
        return "" if value is None else value

    @property
    def tag(self) -> str | None:
        return self.param("tag") or None

    @property
    def expires(self) -> int | None:
        value = self.param("expires")
        return None if value is None else parse_expires(value)

    @property
    def q(self) -> float | None:
        value = self.param("q")
        if value is None:
            return None
        if not re.fullmatch(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?", value):
            raise SipParseError(f"invalid q value {value!r}", where="Contact")
        return float(value)

    def with_tag(self, tag: str) -> NameAddr:
        params = (*tuple((k, v) for k, v in self.params if k.lower() != "tag"), ("tag", tag))
        return NameAddr(self.uri, self.display_name, params)

    def __str__(self) -> str:
        head = f"<{self.uri}>"
        if self.display_name is not None:
            name = self.display_name
            head = (name if _DISPLAY_TOKENS_RE.fullmatch(name) else quote(name)) + " " + head
        return head + format_params(self.params)


def parse_name_addr(value: str, where: str = "name-addr") -> NameAddr:
    """Parse ``( name-addr / addr-spec ) *( SEMI param )`` (§20.10).

    In an addr-spec (no ``<>``) the parameters after the URI are header parameters, and
    the URI may not contain ``;``, ``,`` or ``?`` (§20.10). The display name is a
    quoted-string or a sequence of tokens (no LWS is needed before ``<``, RFC 4475 §3.1.1.6).
    """
    text = value.strip(" \t")
    display: str | None = None
    if text.startswith('"'):
        m = _QUOTED_PREFIX_RE.match(text)
        if m is None:
            raise SipParseError("unterminated quoted display name", where=where)
        display = unquote(m.group(1))
        text = text[m.end() :]
        if not text.startswith("<"):
            raise SipParseError("a quoted display name must be followed by '<'", where=where)
    lt = text.find("<")
    if lt >= 0:
        if display is None and lt > 0:
            name = text[:lt].strip(" \t")
            if not _DISPLAY_TOKENS_RE.fullmatch(name):
                raise SipParseError(
                    f"display name {name[:40]!r} must be tokens or a quoted string", where=where
                )
            display = name
        gt = text.find(">", lt)
        if gt < 0:
            raise SipParseError("'<' without a closing '>'", where=where)
        uri_text = text[lt + 1 : gt]
        rest = text[gt + 1 :]
    else:
        uri_text, semi, rest = text.partition(";")
        rest = semi + rest
        uri_text = uri_text.rstrip(" \t")
        if "?" in uri_text or "," in uri_text:
            raise SipParseError(
                f"a URI with '?' or ',' must be enclosed in '<>': {uri_text[:60]!r}", where=where
            )
    if not uri_text or uri_text != uri_text.strip():
        raise SipParseError(f"whitespace or nothing inside '<>': {uri_text[:60]!r}", where=where)
    try:
        uri = parse_uri(uri_text)
    except SipParseError as exc:
        raise exc.located(where) from None
    return NameAddr(uri, display, parse_params(rest, where))


def parse_name_addr_list(value: str, where: str) -> list[NameAddr]:
    """Every element of a comma list of name-addrs (Contact, Route, Record-Route)."""
    return [parse_name_addr(v, where) for v in split_list(value, where)]


def parse_contact(value: str) -> list[NameAddr] | None:
    """Contact (§20.10): a list of name-addrs, or None for the wildcard ``*`` (§10.2.2)."""
    if value.strip() == "*":
        return None
    return parse_name_addr_list(value, "Contact")


# --- authentication (§22, §25.1, RFC 2617) --------------------------------------------
_AUTH_SCHEME_RE = re.compile(rf"[ \t]*({TOKEN})(?:[ \t]+|$)")
_AUTH_PARAM_RE = re.compile(rf'[ \t]*({TOKEN})[ \t]*=[ \t]*({QUOTED}|[^\s,"]+)[ \t]*(?:,|$)')


def parse_auth_params(value: str) -> tuple[str, dict[str, str]]:
    """Parse a challenge or credentials value (§25.1 ``challenge``/``credentials``).

    Used for WWW-Authenticate, Authorization, Proxy-Authenticate and Proxy-Authorization.
    Returns ``(scheme, params)``: the scheme as written (compare it case-insensitively,
    e.g. ``scheme.lower() == "digest"``) and the parameters in order, names lower-cased
    (auth-param names are case-insensitive, RFC 2617 §1.2), quoted-string values unquoted
    with their quoted-pairs resolved (``"a\\"b"`` -> ``a"b``). A parameter given twice is
    an error. Raises :class:`SipParseError` (400) on anything malformed.
    """
    where = "auth header"
    m = _AUTH_SCHEME_RE.match(value)
    if m is None:
        raise SipParseError(f"expected an auth scheme token, got {value[:40]!r}", where=where)
    scheme = m.group(1)
    params: dict[str, str] = {}
    pos = m.end()
    end = len(value)
    while pos < end:
        pm = _AUTH_PARAM_RE.match(value, pos)
        if pm is None:
            rest = value[pos:].strip()
            raise SipParseError(f"malformed auth-param at {rest[:40]!r}", where=where)
        name = pm.group(1).lower()
        if name in params:
            raise SipParseError(f"auth-param {name!r} given twice", where=where)
        params[name] = unquote(pm.group(2))
        pos = pm.end()
        if pos == end and value.rstrip(" \t").endswith(","):
            raise SipParseError("trailing ',' after the last auth-param", where=where)
    return scheme, params
