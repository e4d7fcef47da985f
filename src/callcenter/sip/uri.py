"""SIP, SIPS and tel URIs as frozen typed values (RFC 3261 §19.1, §25.1; RFC 3966).

Owns the URI grammar: ``sip:``/``sips:`` URIs with user, password, host (hostname, IPv4
or a bracketed IPv6 reference), port, URI parameters and URI headers; ``tel:`` URIs
(RFC 3966: global or local number and parameters); and any other ``absoluteURI``
(§25.1) kept opaque, so a message naming ``http:`` or ``isbn:`` URIs still parses and the
application layer decides (416 Unsupported URI Scheme, §8.2.2.1).

Escapes (``%HH``, §19.1.2) are resolved in the typed fields: ``user``, ``password``, the
names and values of parameters and headers hold the decoded text. ``str(uri)`` gives
back the text exactly as parsed; a URI built in code is written with the minimal
escaping §19.1.2 requires. Equality of the dataclass is structural; the comparison
rules of §19.1.4 are :meth:`SipUri.equivalent`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypeAlias
from urllib.parse import quote as _pct_quote
from urllib.parse import unquote_to_bytes

from .errors import SipParseError

__all__ = ["AbsoluteUri", "SipUri", "TelUri", "Uri", "parse_uri"]

# --- character classes (§25.1) -------------------------------------------------------
_UNRESERVED = r"A-Za-z0-9\-_.!~*'()"
_ESC = r"%[0-9A-Fa-f]{2}"
_USER_RE = re.compile(rf"(?:[{_UNRESERVED}&=+$,;?/]|{_ESC})+")
_PASSWORD_RE = re.compile(rf"(?:[{_UNRESERVED}&=+$,]|{_ESC})*")
_PARAMCHARS_RE = re.compile(rf"(?:[{_UNRESERVED}\[\]/:&+$]|{_ESC})+")
_HNVCHARS_RE = re.compile(rf"(?:[{_UNRESERVED}\[\]/?:+$]|{_ESC})*")
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_\-]*[A-Za-z0-9_])?"
_HOSTNAME_RE = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}\.?")
_IPV4_RE = re.compile(
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
)
_IPV6REF_RE = re.compile(r"\[[0-9A-Fa-f:.]+\]")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")
# absoluteURI opaque part: uric characters (RFC 2396) and escapes.
_ABS_REST_RE = re.compile(rf"(?:[{_UNRESERVED};/?:@&=+$,\[\]]|{_ESC})+")
# Characters written without escaping when we build text (§19.1.2).
_SAFE_USER = "-_.!~*'()&=+$,;?/"
_SAFE_PASSWORD = "-_.!~*'()&=+$,"
_SAFE_PARAM = "-_.!~*'()[]/:&+$"
_SAFE_HNV = "-_.!~*'()[]/?:+$"
_PERCENT_RE = re.compile(r"%")

Params = tuple[tuple[str, str | None], ...]


def _unescape(text: str, where: str) -> str:
    """Resolve %HH escapes; the result is UTF-8 text (invalid UTF-8 is an error)."""
    if "%" not in text:
        return text
    try:
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise SipParseError(f"escaped bytes in {text!r} are not UTF-8", where=where) from None


def _escape(text: str, safe: str) -> str:
    return _pct_quote(text, safe=safe, encoding="utf-8")


def _check_escapes(text: str, where: str) -> None:
    if "%" not in text:
        return
    for m in _PERCENT_RE.finditer(text):
        i = m.start()
        if not re.fullmatch(r"[0-9A-Fa-f]{2}", text[i + 1 : i + 3]):
            raise SipParseError(f"'%' not followed by two hex digits in {text!r}", where=where)


def _parse_host_port(text: str, where: str) -> tuple[str, int | None]:
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise SipParseError(f"unterminated IPv6 reference in {text!r}", where=where)
        host, rest = text[: end + 1], text[end + 1 :]
        if not _IPV6REF_RE.fullmatch(host) or host.count(":") < 2:
            raise SipParseError(f"invalid IPv6 reference {host!r}", where=where)
    else:
        host, sep, port_text = text.partition(":")
        rest = sep + port_text
        if not host:
            raise SipParseError("empty host", where=where)
        if not (_IPV4_RE.fullmatch(host) or _HOSTNAME_RE.fullmatch(host)):
            raise SipParseError(f"invalid host {host!r}", where=where)
    if not rest:
        return host, None
    if rest[0] != ":" or not rest[1:].isdigit() or not rest[1:].isascii():
        raise SipParseError(f"invalid port in {text!r}", where=where)
    port = int(rest[1:])
    if port > 65535:
        raise SipParseError(f"port {port} out of range", where=where)
    return host, port


def _parse_uri_params(text: str, where: str) -> Params:
    out: list[tuple[str, str | None]] = []
    for item in text.split(";"):
        name, eq, value = item.partition("=")
        if not name or not _PARAMCHARS_RE.fullmatch(name):
            raise SipParseError(f"invalid URI parameter {item!r}", where=where)
        if eq and not _PARAMCHARS_RE.fullmatch(value):
            raise SipParseError(f"invalid value in URI parameter {item!r}", where=where)
        out.append((_unescape(name, where), _unescape(value, where) if eq else None))
    return tuple(out)


def _parse_uri_headers(text: str, where: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for item in text.split("&"):
        name, eq, value = item.partition("=")
        if not eq or not name or not _HNVCHARS_RE.fullmatch(name):
            raise SipParseError(f"invalid URI header {item!r}", where=where)
        if not _HNVCHARS_RE.fullmatch(value):
            raise SipParseError(f"invalid value in URI header {item!r}", where=where)
        out.append((_unescape(name, where), _unescape(value, where)))
    return tuple(out)


def _lookup(params: Params, name: str) -> str | None:
    lname = name.lower()
    for k, v in params:
        if k.lower() == lname:
            return v if v is not None else ""
    return None


# §19.1.4: these URI parameters, when present in one URI, must be present and equal
# in the other for the URIs to be equivalent.
_MUST_MATCH_PARAMS = ("user", "ttl", "method", "maddr")


@dataclass(frozen=True, slots=True)
class SipUri:
    """A ``sip:`` or ``sips:`` URI (§19.1.1).

    ``user``/``password`` are unescaped (None when absent, which differs from empty);
    ``host`` is as written (IPv6 with brackets); ``params`` and ``headers`` keep their
    order and spelling with escapes resolved; a valueless parameter (``lr``) has value
    None.
    """

    host: str
    user: str | None = None
    password: str | None = None
    port: int | None = None
    params: Params = ()
    headers: tuple[tuple[str, str], ...] = ()
    scheme: str = "sip"
    _text: str | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.scheme not in ("sip", "sips"):
            raise ValueError(f"SipUri scheme must be 'sip' or 'sips', not {self.scheme!r}")

    @classmethod
    def parse(cls, text: str) -> SipUri:
        """Parse a SIP or SIPS URI; raise :class:`SipParseError` (400) if malformed."""
        uri = parse_uri(text)
        if not isinstance(uri, SipUri):
            raise SipParseError(f"expected a sip: or sips: URI, got {text[:60]!r}", status=416)
        return uri

    # -- parameter helpers ---------------------------------------------------------
    def param(self, name: str) -> str | None:
        """Value of URI parameter ``name`` (case-insensitive); "" if valueless; None if absent."""
        return _lookup(self.params, name)

    def has_param(self, name: str) -> bool:
        return _lookup(self.params, name) is not None

    @property
    def transport(self) -> str | None:
        """The ``transport`` parameter, lower-cased (§19.1.4: compared case-insensitively)."""
        value = self.param("transport")
        return value.lower() if value else None

    @property
    def lr(self) -> bool:
        """True if the URI has the loose-routing ``lr`` parameter (§19.1.1, §16.12)."""
        return self.has_param("lr")

    @property
    def maddr(self) -> str | None:
        return self.param("maddr")

    @property
    def user_param(self) -> str | None:
        """The ``user`` URI parameter (``phone``/``ip``), lower-cased."""
        value = self.param("user")
        return value.lower() if value is not None else None

    @property
    def host_port(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def equivalent(self, other: SipUri) -> bool:
        """Compare two SIP URIs by the rules of §19.1.4.

        Scheme must match; user and password compare case-sensitively after unescaping;
        host case-insensitively; port and transport must both be present and equal or
        both absent; ``user``, ``ttl``, ``method`` and ``maddr`` parameters present in
        either URI must match in both; other parameters are compared only when present
        in both; URI headers must match (names case-insensitive) in both.
        """
        if (self.scheme, self.user, self.password, self.port) != (
            other.scheme,
            other.user,
            other.password,
            other.port,
        ):
            return False
        if self.host.lower() != other.host.lower():
            return False
        mine = {k.lower(): v for k, v in self.params}
        theirs = {k.lower(): v for k, v in other.params}
        for name in ("transport", *_MUST_MATCH_PARAMS):
            a, b = mine.get(name, False), theirs.get(name, False)
            if (a is False) != (b is False):
                return False
        for name in mine.keys() & theirs.keys():
            a, b = mine[name], theirs[name]
            if (a is None) != (b is None):
                return False
            if a is not None and b is not None and a.lower() != b.lower():
                return False
        return {(k.lower(), v) for k, v in self.headers} == {
            (k.lower(), v) for k, v in other.headers
        }

    def __str__(self) -> str:
        if self._text is not None:
            return self._text
        parts = [self.scheme, ":"]
        if self.user is not None:
            parts.append(_escape(self.user, _SAFE_USER))
            if self.password is not None:
                parts += [":", _escape(self.password, _SAFE_PASSWORD)]
            parts.append("@")
        parts.append(self.host_port)
        for name, value in self.params:
            parts += [";", _escape(name, _SAFE_PARAM)]
            if value is not None:
                parts += ["=", _escape(value, _SAFE_PARAM)]
        if self.headers:
            parts.append("?")
            parts.append(
                "&".join(
                    f"{_escape(k, _SAFE_HNV)}={_escape(v, _SAFE_HNV)}" for k, v in self.headers
                )
            )
        return "".join(parts)

    def __bytes__(self) -> bytes:
        return str(self).encode("utf-8")


# RFC 3966 §3: global numbers start with "+"; local numbers need a phone-context.
_TEL_NUMBER_RE = re.compile(
    r"\+[0-9\-.()]*[0-9][0-9\-.()]*"
    r"|[0-9A-Fa-f*#\-.()]*[0-9A-Fa-f*#][0-9A-Fa-f*#\-.()]*"
)


@dataclass(frozen=True, slots=True)
class TelUri:
    """A ``tel:`` URI (RFC 3966): ``number`` as written and its parameters."""

    number: str
    params: Params = ()
    _text: str | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def scheme(self) -> str:
        return "tel"

    @property
    def is_global(self) -> bool:
        return self.number.startswith("+")

    @property
    def digits(self) -> str:
        """The number without visual separators (RFC 3966 §5.1.1: ``-``, ``.``, ``(``, ``)``)."""
        return re.sub(r"[\-.()]", "", self.number)

    def param(self, name: str) -> str | None:
        return _lookup(self.params, name)

    def __str__(self) -> str:
        if self._text is not None:
            return self._text
        out = "tel:" + self.number
        for name, value in self.params:
            out += f";{_escape(name, _SAFE_PARAM)}"
            if value is not None:
                out += "=" + _escape(value, _SAFE_PARAM)
        return out

    def __bytes__(self) -> bytes:
        return str(self).encode("utf-8")


@dataclass(frozen=True, slots=True)
class AbsoluteUri:
    """Any other ``absoluteURI`` (§25.1), kept opaque.

    ``scheme`` is lower-cased, ``rest`` (after the colon) kept as written.
    """

    scheme: str
    rest: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.rest}"

    def __bytes__(self) -> bytes:
        return str(self).encode("utf-8")


Uri: TypeAlias = SipUri | TelUri | AbsoluteUri


def _parse_sip(scheme: str, rest: str, text: str) -> SipUri:
    where = "URI"
    if not rest:
        raise SipParseError(f"empty {scheme}: URI", where=where)
    _check_escapes(rest, where)
    at = rest.find("@")
    user: str | None = None
    password: str | None = None
    if at >= 0:
        if "@" in rest[at + 1 :]:
            raise SipParseError(f"more than one '@' in {text!r}", where=where)
        userinfo, rest = rest[:at], rest[at + 1 :]
        # user may contain ';' '?' '/', password may not contain ':' after the first.
        user_text, colon, password_text = userinfo.partition(":")
        if not user_text or not _USER_RE.fullmatch(user_text):
            raise SipParseError(f"invalid user part {user_text!r}", where=where)
        if colon and not _PASSWORD_RE.fullmatch(password_text):
            raise SipParseError(f"invalid password in {text!r}", where=where)
        user = _unescape(user_text, where)
        password = _unescape(password_text, where) if colon else None
    rest, qmark, headers_text = rest.partition("?")
    hostport, semi, params_text = rest.partition(";")
    host, port = _parse_host_port(hostport, where)
    params = _parse_uri_params(params_text, where) if semi else ()
    headers = _parse_uri_headers(headers_text, where) if qmark else ()
    uri = SipUri(host, user, password, port, params, headers, scheme)
    object.__setattr__(uri, "_text", text)
    return uri


def _parse_tel(rest: str, text: str) -> TelUri:
    where = "tel URI"
    number, semi, params_text = rest.partition(";")
    if not _TEL_NUMBER_RE.fullmatch(number):
        raise SipParseError(f"invalid telephone number {number!r}", where=where)
    _check_escapes(params_text, where)
    params = _parse_uri_params(params_text, where) if semi else ()
    if not number.startswith("+") and _lookup(params, "phone-context") is None:
        raise SipParseError("a local number needs a phone-context (RFC 3966 §5.1.5)", where=where)
    uri = TelUri(number, params)
    object.__setattr__(uri, "_text", text)
    return uri


# Parsed URIs by their text. A switch sees the same few thousand URIs again and again
# (its own address in every Request-URI, each phone's AOR and contact in every REGISTER,
# the Via hosts); the values are frozen, so one parse serves every message. Bounded in
# entries and in the length of the texts kept; emptied when full.
_CACHE: dict[str, Uri] = {}
_CACHE_ENTRIES = 4096
_CACHE_TEXT = 256


def parse_uri(text: str) -> Uri:
    """Parse any URI: :class:`SipUri`, :class:`TelUri`, else :class:`AbsoluteUri`.

    The scheme is case-insensitive (§19.1.4). Raises :class:`SipParseError` (400) when the
    text is not a URI at all, or when a sip/sips/tel URI breaks its grammar. Valid URIs
    are remembered by their text (errors are not): the same text gives the same object.
    """
    uri = _CACHE.get(text)
    if uri is None:
        uri = _parse_uri(text)
        if len(text) <= _CACHE_TEXT:
            if len(_CACHE) >= _CACHE_ENTRIES:
                _CACHE.clear()
            _CACHE[text] = uri
    return uri


def _parse_uri(text: str) -> Uri:
    scheme, colon, rest = text.partition(":")
    if not colon or not _SCHEME_RE.fullmatch(scheme):
        raise SipParseError(f"not a URI: {text[:60]!r}", where="URI")
    lscheme = scheme.lower()
    if lscheme in ("sip", "sips"):
        return _parse_sip(lscheme, rest, text)
    if lscheme == "tel":
        return _parse_tel(rest, text)
    if not _ABS_REST_RE.fullmatch(rest):
        raise SipParseError(f"invalid characters in URI {text[:60]!r}", where="URI")
    _check_escapes(rest, "URI")
    return AbsoluteUri(lscheme, rest)
