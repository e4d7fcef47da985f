"""Digest authentication for SIP: challenges, verification, client answers, failure limits.

Owns the server side (:class:`DigestAuthenticator`: challenges and the verification of an
``Authorization`` value), the client side (:func:`choose_challenge`, :func:`authorization`,
used to register to trunks), the digest computation itself (:func:`digest_response`) and
the per-source failure limiter (:class:`FailureLimiter`). Sans-IO: the caller passes the
time (``now``, seconds) in; nothing here reads a clock or a socket.

Follows RFC 2617 (§3.2.1 the challenge, §3.2.2 the credentials and request-digest, §3.2.2.2
A1 and -sess, §3.2.2.3 A2, §3.2.3 stale), its RFC 2069 compatibility mode (no qop), RFC 7616
(§3.3 nonce design, §3.4 request-digest, §3.4.2 SHA-256 and -sess, §3.9.1 example),
RFC 8760 §2.4 (one challenge per algorithm, the preferred first) and RFC 3261 §22 (digest
in SIP: 401/407, the method and Request-URI in A2).

Rules, with where they come from:

Rule 1 (RFC 7616 §3.3, "time-stamp H(time-stamp ":" ETag ":" secret-data)"): a nonce is
    ``base64url(time ms | 8 random bytes | HMAC-SHA256(secret, time | random | realm)[:16])``.
    It needs no server state, and any server sharing the secret verifies it.
Rule 2 (RFC 2617 §3.2.1 stale): ``stale=true`` only when the nonce is ours and too old but
    the response is right; the client then retries without asking the user again.
Rule 3 (RFC 7616 §3.4 nc, §5.12 replay): for one nonce the nonce-count must grow. The
    last count per nonce is kept in a bounded table, oldest entries dropped first.
Rule 4 (RFC 8760 §2.4): challenges are offered strongest first, SHA-256 before MD5; a client
    picks the strongest it supports.
Rule 5 (RFC 2617 §3.2.2.5): the digest-uri must be the Request-URI of the request (the
caller may name equivalent forms it accepts: some clients, sipp among them, sign an INVITE
for the Request-URI without its user part).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import struct
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from callcenter.sip.errors import SipParseError, SipUsageError


class AuthError(SipParseError):
    """A malformed ``Authorization`` or ``WWW-Authenticate`` value (answered with 400)."""


class Algorithm(StrEnum):
    """Digest algorithms, RFC 7616 §3.3 and §6.1 (names compare case-insensitively)."""

    MD5 = "MD5"
    MD5_SESS = "MD5-sess"
    SHA256 = "SHA-256"
    SHA256_SESS = "SHA-256-sess"

    @classmethod
    def named(cls, name: str | None) -> Algorithm | None:
        if name is None:
            return cls.MD5  # RFC 2617 §3.2.1: absent means MD5
        return next((a for a in cls if a.value.lower() == name.lower()), None)

    @property
    def base(self) -> Algorithm:
        return Algorithm.SHA256 if self.value.startswith("SHA") else Algorithm.MD5

    @property
    def is_session(self) -> bool:
        return self.value.endswith("-sess")

    def hash(self, text: str) -> str:
        function = hashlib.sha256 if self.base is Algorithm.SHA256 else hashlib.md5
        return function(text.encode("utf-8")).hexdigest()


# --- Header values ---------------------------------------------------------------------------

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BARE_VALUE = re.compile(r"[^\s,\"]+")
_MAX_VALUE = 8192
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # every control character but HT
# One auth-param as the steps of _param read it: name, "=", then a quoted-string body
# (group 2, escapes unresolved) or a bare value (group 3).
_PARAM = re.compile(
    r'([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))', re.DOTALL
)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_NC = re.compile(r"[0-9a-fA-F]{8}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{32,128}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of 32 bytes (Rule 1)


def _parse(value: str) -> tuple[str, dict[str, str]]:
    """``scheme name=token, name="quoted \\" string"`` -> (scheme, {lower-case name: value}).

    The auth-param grammar of RFC 2617 §1.2 / RFC 7235 §2.1, with optional whitespace around
    ``=`` and ``,`` and empty list elements tolerated as the ``#rule`` allows.
    """
    if len(value) > _MAX_VALUE:
        raise AuthError(f"auth header value longer than {_MAX_VALUE} characters")
    if _CONTROL.search(value):
        raise AuthError("control character in auth header value")
    text = value.strip(" \t")
    scheme = _TOKEN.match(text)
    if not scheme:
        raise AuthError(f"expected an auth scheme, got {text[:30]!r}")
    pos, params = scheme.end(), dict[str, str]()
    end = len(text)
    if pos < end and text[pos] not in " \t":
        raise AuthError(f"expected a space after the scheme, got {text[pos : pos + 10]!r}")
    while True:
        pos = _skip(text, pos, ",")
        if pos >= end:
            return scheme.group(), params
        found = _PARAM.match(text, pos)
        if found is None:
            name, item, pos = _param(text, pos)  # raises the precise error
        else:
            name, quoted, bare = found.groups()
            if quoted is None:
                item = bare
            else:
                item = _ESCAPED.sub(r"\1", quoted) if "\\" in quoted else quoted
            pos = found.end()
        key = name.lower()  # names are case-insensitive (RFC 2617 §1.2)
        if key in params:
            raise AuthError(f"parameter {key!r} given twice")
        params[key] = item
        pos = _skip(text, pos, "")
        if pos < end and text[pos] != ",":
            raise AuthError(f"expected ',' at {text[pos : pos + 20]!r}")


def _param(text: str, pos: int) -> tuple[str, str, int]:
    """Read ``name = value`` at ``pos`` step by step: (name, value, position after)."""
    name = _TOKEN.match(text, pos)
    if not name:
        raise AuthError(f"expected a parameter name at {text[pos : pos + 20]!r}")
    pos = _skip(text, name.end(), "")
    if not text.startswith("=", pos):
        raise AuthError(f"expected '=' after {name.group()!r}")
    pos = _skip(text, pos + 1, "")
    if text.startswith('"', pos):
        item, pos = _quoted(text, pos + 1)
    else:
        bare = _BARE_VALUE.match(text, pos)
        if not bare:
            raise AuthError(f"missing value for {name.group()!r}")
        item, pos = bare.group(), bare.end()
    return name.group(), item, pos


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and (text[pos] in " \t" or text[pos] in chars):
        pos += 1
    return pos


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """Read a quoted-string body after its opening quote; ``\\x`` stands for x (RFC 7230)."""
    out: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == '"':
            return "".join(out), pos + 1
        if char == "\\":
            pos += 1
            if pos == len(text):
                break
            char = text[pos]
        out.append(char)
        pos += 1
    raise AuthError("unterminated quoted string")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _require(params: Mapping[str, str], *names: str) -> list[str]:
    missing = [n for n in names if n not in params]
    if missing:
        raise AuthError(f"missing {', '.join(missing)} in digest parameters")
    return [params[n] for n in names]


def _digest_params(value: str) -> dict[str, str]:
    scheme, params = _parse(value)
    if scheme.lower() != "digest":
        raise AuthError(f"auth scheme {scheme[:20]!r} is not Digest")
    return params


@dataclass(frozen=True, slots=True)
class Challenge:
    """A ``WWW-Authenticate`` / ``Proxy-Authenticate`` Digest challenge (RFC 2617 §3.2.1)."""

    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ("auth",)
    opaque: str | None = None
    stale: bool = False

    @classmethod
    def parse(cls, value: str) -> Challenge:
        params = _digest_params(value)
        realm, nonce = _require(params, "realm", "nonce")
        qop = tuple(q.strip() for q in params.get("qop", "").split(",") if q.strip())
        return cls(
            realm,
            nonce,
            params.get("algorithm", "MD5"),
            qop,
            params.get("opaque"),
            params.get("stale", "").lower() == "true",
        )

    def __str__(self) -> str:
        parts = [f"realm={_quote(self.realm)}", f"nonce={_quote(self.nonce)}"]
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        parts.append(f"algorithm={self.algorithm}")
        if self.qop:
            parts.append(f"qop={_quote(','.join(self.qop))}")
        if self.stale:
            parts.append("stale=true")
        return "Digest " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Credentials:
    """An ``Authorization`` / ``Proxy-Authorization`` Digest value (RFC 2617 §3.2.2)."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str | None = None
    qop: str | None = None
    nc: str | None = None
    cnonce: str | None = None
    opaque: str | None = None

    @classmethod
    def parse(cls, value: str) -> Credentials:
        params = _digest_params(value)
        user, realm, nonce, uri, response = _require(
            params, "username", "realm", "nonce", "uri", "response"
        )
        qop = params.get("qop")
        if qop is not None:
            _require(params, "nc", "cnonce")  # RFC 2617 §3.2.2: MUST be given with qop
            if not _NC.fullmatch(params["nc"]):
                raise AuthError(f"nc must be 8 hex digits, got {params['nc'][:20]!r}")
        if not _HEX_DIGEST.fullmatch(response):
            raise AuthError("response must be a hex digest")
        return cls(
            user,
            realm,
            nonce,
            uri,
            response,
            params.get("algorithm"),
            qop,
            params.get("nc"),
            params.get("cnonce"),
            params.get("opaque"),
        )

    def __str__(self) -> str:
        quoted = [("username", self.username), ("realm", self.realm), ("nonce", self.nonce)]
        quoted += [("uri", self.uri), ("response", self.response)]
        parts = [f"{name}={_quote(value)}" for name, value in quoted]
        if self.algorithm is not None:
            parts.append(f"algorithm={self.algorithm}")
        if self.cnonce is not None:
            parts.append(f"cnonce={_quote(self.cnonce)}")
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        if self.qop is not None:
            parts.append(f"qop={self.qop}, nc={self.nc}")
        return "Digest " + ", ".join(parts)


# --- The digest ------------------------------------------------------------------------------


def compute_ha1(algorithm: Algorithm, username: str, realm: str, password: str) -> str:
    """H(username:realm:password), RFC 2617 §3.2.2.2 (what a registrar may store).

    Remembered for the last few thousand (algorithm, user, realm, password): a registrar
    verifies the same users again and again (a phone re-registers every few minutes).
    """
    return _ha1(algorithm, username, realm, password)


@lru_cache(maxsize=4096)
def _ha1(algorithm: Algorithm, username: str, realm: str, password: str) -> str:
    return algorithm.hash(f"{username}:{realm}:{password}")


def digest_response(
    *,
    algorithm: Algorithm,
    ha1: str,
    nonce: str,
    method: str,
    uri: str,
    qop: str | None = None,
    nc: str | None = None,
    cnonce: str | None = None,
) -> str:
    """The request-digest (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1) from the stored H(A1).

    With ``-sess`` A1 also covers the nonce and cnonce (RFC 2617 §3.2.2.2); without qop it is
    the RFC 2069 form ``KD(H(A1), nonce:H(A2))``.
    """
    if algorithm.is_session:
        ha1 = algorithm.hash(f"{ha1}:{nonce}:{cnonce or ''}")
    ha2 = algorithm.hash(f"{method}:{uri}")  # qop=auth; auth-int is not supported
    if qop is None:
        return algorithm.hash(f"{ha1}:{nonce}:{ha2}")
    return algorithm.hash(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


@dataclass(frozen=True, slots=True)
class Secret:
    """What the directory knows of a user: the password, or H(A1) per base algorithm.

    Storing ``ha1`` (``{"MD5": ..., "SHA-256": ...}``) instead of the password is the
    RFC 2617 §4.13 advice; it is tied to the realm it was computed with.
    """

    password: str | None = None
    ha1: Mapping[str, str] = field(default_factory=dict)

    def ha1_for(self, algorithm: Algorithm, username: str, realm: str) -> str | None:
        if self.password is not None:
            return compute_ha1(algorithm.base, username, realm, self.password)
        return self.ha1.get(algorithm.base.value)


# --- Server ----------------------------------------------------------------------------------


class Failure(StrEnum):
    """Why a request was not authenticated; each is answered with a fresh challenge."""

    MALFORMED = "malformed"
    WRONG_REALM = "wrong realm"
    UNSUPPORTED_ALGORITHM = "unsupported algorithm"
    UNSUPPORTED_QOP = "unsupported qop"
    OPAQUE_MISMATCH = "opaque mismatch"
    INVALID_NONCE = "invalid nonce"
    WRONG_URI = "uri is not the Request-URI"
    UNKNOWN_USER = "unknown user"
    WRONG_RESPONSE = "wrong response"
    STALE_NONCE = "stale nonce"
    REPLAY = "nonce count replayed"


@dataclass(frozen=True, slots=True)
class AuthResult:
    """The outcome of :meth:`DigestAuthenticator.verify`.

    ``username`` is set when the header named one (also on failure, for logging).
    ``stale`` says the next challenge carries ``stale=true`` (Rule 2). ``counts_as_failure``
    says whether the failure limiter should hear of it: a stale nonce or a replayed count
    are no sign of a wrong password.
    """

    failure: Failure | None
    username: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def stale(self) -> bool:
        return self.failure is Failure.STALE_NONCE

    @property
    def counts_as_failure(self) -> bool:
        return self.failure not in (None, Failure.STALE_NONCE, Failure.REPLAY)


_MAX_CLOCK_SKEW = 30.0  # seconds a nonce may come from "the future" (servers of a pair)


class DigestAuthenticator:
    """Issues Digest challenges and verifies the answers for one realm (RFC 3261 §22).

    ``lookup(username, realm)`` gives the user's :class:`Secret` or None. ``secret`` signs
    the nonces (Rule 1): give all servers of a pair the same one; ``old_secrets`` are still
    accepted, to rotate without failing every client. ``random`` is injectable for tests.
    """

    def __init__(
        self,
        realm: str,
        secret: bytes,
        lookup: Callable[[str, str], Secret | None],
        *,
        algorithms: Sequence[Algorithm] = (Algorithm.SHA256, Algorithm.MD5),
        nonce_lifetime: float = 300.0,
        allow_rfc2069: bool = True,
        max_tracked_nonces: int = 10_000,
        old_secrets: Sequence[bytes] = (),
        random: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if not algorithms or len(secret) < 16:
            raise SipUsageError("need at least one algorithm and a secret of 16 bytes or more")
        self.realm = realm
        self.algorithms = tuple(algorithms)
        self.nonce_lifetime = nonce_lifetime
        self.allow_rfc2069 = allow_rfc2069
        self._secrets = (secret, *old_secrets)
        self._lookup = lookup
        self._random = random
        self._max_tracked = max_tracked_nonces
        self._counts: OrderedDict[str, int] = OrderedDict()  # Rule 3: nonce -> last nc
        self._opaques = {secret: self._make_opaque(secret) for secret in self._secrets}

    def _mac(self, secret: bytes, stamp: bytes, salt: bytes) -> bytes:
        message = stamp + salt + self.realm.encode("utf-8")
        return hmac.digest(secret, message, "sha256")[:16]

    def _opaque(self, secret: bytes) -> str:
        return self._opaques[secret]

    def _make_opaque(self, secret: bytes) -> str:
        return hmac.new(secret, b"opaque:" + self.realm.encode(), hashlib.sha256).hexdigest()[:32]

    def make_nonce(self, now: float) -> str:
        """A fresh nonce carrying its issue time (Rule 1)."""
        stamp, salt = struct.pack(">Q", max(0, int(now * 1000))), self._random(8)
        raw = stamp + salt + self._mac(self._secrets[0], stamp, salt)
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def nonce_issued_at(self, nonce: str) -> float | None:
        """When we issued ``nonce`` (seconds), or None when it is not one of ours."""
        if not _NONCE.fullmatch(nonce):
            return None
        raw = base64.urlsafe_b64decode(nonce + "=")
        stamp, salt, mac = raw[:8], raw[8:16], raw[16:]
        if not any(hmac.compare_digest(mac, self._mac(s, stamp, salt)) for s in self._secrets):
            return None
        return float(struct.unpack(">Q", stamp)[0]) / 1000

    def is_fresh(self, nonce: str, now: float) -> bool:
        """Whether ``nonce`` is one of ours and younger than the nonce lifetime."""
        issued = self.nonce_issued_at(nonce)
        return issued is not None and 0 <= now - issued <= self.nonce_lifetime

    def challenges(self, now: float, *, stale: bool = False, nonce: str | None = None) -> list[str]:
        """``WWW-Authenticate`` values, one per algorithm, in our order of preference (Rule 4).

        ``nonce`` repeats a nonce the client used: after a wrong answer to a nonce that is
        still fresh, the same challenge tells the client its credentials are wrong, where a
        new nonce would make many clients simply try the same password again.
        """
        if nonce is None or not self.is_fresh(nonce, now):
            nonce = self.make_nonce(now)
        opaque = self._opaque(self._secrets[0])
        return [
            str(Challenge(self.realm, nonce, a.value, ("auth",), opaque, stale))
            for a in self.algorithms
        ]

    def verify(
        self, authorization: str, *, method: str, uri: str | tuple[str, ...], now: float
    ) -> AuthResult:
        """Check an ``Authorization`` value for a request ``method`` to Request-URI ``uri``
        (or to any of the equivalent forms given, Rule 5)."""
        try:
            cred = Credentials.parse(authorization)
        except AuthError as exc:
            return AuthResult(Failure.MALFORMED, None, exc.message)
        user = cred.username

        def fail(failure: Failure, detail: str = "") -> AuthResult:
            return AuthResult(failure, user, detail)

        algorithm = Algorithm.named(cred.algorithm)
        if cred.realm != self.realm:
            return fail(Failure.WRONG_REALM, cred.realm)
        if algorithm is None or algorithm not in self.algorithms:
            return fail(Failure.UNSUPPORTED_ALGORITHM, cred.algorithm or "")
        if cred.opaque is not None and not any(
            hmac.compare_digest(cred.opaque, self._opaque(s)) for s in self._secrets
        ):
            return fail(Failure.OPAQUE_MISMATCH)
        if not (cred.qop == "auth" or (cred.qop is None and self.allow_rfc2069)):
            return fail(Failure.UNSUPPORTED_QOP, cred.qop or "none (RFC 2069)")
        issued = self.nonce_issued_at(cred.nonce)
        if issued is None or issued > now + _MAX_CLOCK_SKEW:
            return fail(Failure.INVALID_NONCE)
        if cred.uri != uri and (isinstance(uri, str) or cred.uri not in uri):  # Rule 5
            return fail(Failure.WRONG_URI, cred.uri)
        secret = self._lookup(user, self.realm)
        ha1 = None if secret is None else secret.ha1_for(algorithm, user, self.realm)
        if ha1 is None:
            return fail(Failure.UNKNOWN_USER)
        expected = digest_response(
            algorithm=algorithm,
            ha1=ha1,
            nonce=cred.nonce,
            method=method,
            uri=cred.uri,
            qop=cred.qop,
            nc=cred.nc,
            cnonce=cred.cnonce,
        )
        if not hmac.compare_digest(expected, cred.response.lower()):
            return fail(Failure.WRONG_RESPONSE)
        if now - issued > self.nonce_lifetime:
            return fail(Failure.STALE_NONCE)  # Rule 2: right answer, old nonce
        if cred.nc is not None and not self._count(cred.nonce, int(cred.nc, 16)):
            return fail(Failure.REPLAY, cred.nc)
        return AuthResult(None, user)

    def _count(self, nonce: str, nc: int) -> bool:
        """Rule 3: accept and remember ``nc`` only if it is above the last one seen."""
        last = self._counts.get(nonce, 0)
        if nc <= last:
            return False
        self._counts[nonce] = nc
        self._counts.move_to_end(nonce)
        while len(self._counts) > self._max_tracked:
            self._counts.popitem(last=False)
        return True


# --- Client ----------------------------------------------------------------------------------


def choose_challenge(values: Iterable[str]) -> Challenge:
    """The challenge to answer among those of one response: the strongest algorithm we
    support with qop auth or none (Rule 4). Raises :class:`AuthError` if there is none."""
    usable: list[tuple[int, Challenge]] = []
    preference = [Algorithm.SHA256, Algorithm.SHA256_SESS, Algorithm.MD5, Algorithm.MD5_SESS]
    for value in values:
        try:
            challenge = Challenge.parse(value)
        except AuthError:
            continue  # another scheme (e.g. Basic) or garbage: look at the others
        algorithm = Algorithm.named(challenge.algorithm)
        if algorithm is not None and (not challenge.qop or "auth" in challenge.qop):
            usable.append((preference.index(algorithm), challenge))
    if not usable:
        raise AuthError("no Digest challenge with a supported algorithm and qop", status=401)
    return min(usable, key=lambda pair: pair[0])[1]


def authorization(
    challenge: Challenge | str,
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str,
    nc: int = 1,
) -> str:
    """The ``Authorization`` value answering ``challenge`` (RFC 2617 §3.2.2).

    ``cnonce`` comes from the caller (a random string; sans-IO), ``nc`` counts the requests
    made with this nonce, from 1. Without qop in the challenge, answers in RFC 2069 form.
    """
    if isinstance(challenge, str):
        challenge = Challenge.parse(challenge)
    algorithm = Algorithm.named(challenge.algorithm)
    if algorithm is None:
        raise AuthError(f"unsupported digest algorithm {challenge.algorithm[:20]!r}", status=401)
    if challenge.qop and "auth" not in challenge.qop:
        raise AuthError("challenge offers only qop=auth-int, which is not supported", status=401)
    if not 0 < nc < 2**32:
        raise SipUsageError(f"nc {nc} out of range")
    qop = "auth" if challenge.qop else None
    count = f"{nc:08x}" if qop else None
    response = digest_response(
        algorithm=algorithm,
        ha1=compute_ha1(algorithm.base, username, challenge.realm, password),
        nonce=challenge.nonce,
        method=method,
        uri=uri,
        qop=qop,
        nc=count,
        cnonce=cnonce if qop or algorithm.is_session else None,
    )
    return str(
        Credentials(
            username,
            challenge.realm,
            challenge.nonce,
            uri,
            response,
            challenge.algorithm,
            qop,
            count,
            cnonce if qop or algorithm.is_session else None,
            challenge.opaque,
        )
    )


# --- Failure limiter -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Throttle:
    """Advice for one request from a source: drop it (``blocked``, until ``until``) or
    answer it only after ``delay`` seconds."""

    blocked: bool = False
    delay: float = 0.0
    until: float | None = None


_OPEN = Throttle()


@dataclass(slots=True)
class _Source:
    failures: deque[float]
    blocked_until: float = 0.0


class FailureLimiter:
    """Per-source limiting of authentication failures (brute force, scanners such as
    SIPVicious), with an injected clock.

    Within ``window`` seconds, from the ``slow_after``-th failure on, answers to the source
    are delayed (``base_delay`` doubling each failure, at most ``max_delay``); at
    ``block_after`` failures the source is blocked for ``block_for`` seconds. Only
    failures count, and only the failing source is touched. Memory is bounded: at most
    ``max_sources`` are remembered, those with nothing recent dropped first, then the
    least recently seen.
    """

    def __init__(
        self,
        *,
        window: float = 60.0,
        slow_after: int = 3,
        block_after: int = 10,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        block_for: float = 600.0,
        max_sources: int = 10_000,
    ) -> None:
        if not 0 < slow_after <= block_after:
            raise SipUsageError("need 0 < slow_after <= block_after")
        self.window, self.slow_after, self.block_after = window, slow_after, block_after
        self.base_delay, self.max_delay, self.block_for = base_delay, max_delay, block_for
        self.max_sources = max_sources
        self._sources: OrderedDict[str, _Source] = OrderedDict()

    def check(self, source: str, now: float) -> Throttle:
        """What to do with a new request from ``source`` before looking at it."""
        state = self._sources.get(source)
        if state is None:
            return _OPEN
        if state.blocked_until > now:
            return Throttle(blocked=True, until=state.blocked_until)
        while state.failures and state.failures[0] <= now - self.window:
            state.failures.popleft()
        if not state.failures:
            del self._sources[source]
            return _OPEN
        return self._advice(len(state.failures))

    def failure(self, source: str, now: float) -> Throttle:
        """Record a failed authentication from ``source``; returns the advice from now on."""
        self.check(source, now)
        state = self._sources.get(source)
        if state is None:
            self._make_room(now)
            state = self._sources[source] = _Source(deque(maxlen=self.block_after))
        self._sources.move_to_end(source)
        if state.blocked_until > now:
            return Throttle(blocked=True, until=state.blocked_until)
        state.failures.append(now)
        if len(state.failures) >= self.block_after:
            state.failures.clear()
            state.blocked_until = now + self.block_for
            return Throttle(blocked=True, until=state.blocked_until)
        return self._advice(len(state.failures))

    def forget(self, source: str) -> None:
        """Unblock ``source`` and drop its history (an administrator's action)."""
        self._sources.pop(source, None)

    def __len__(self) -> int:
        return len(self._sources)

    def _advice(self, failures: int) -> Throttle:
        if failures < self.slow_after:
            return _OPEN
        delay = self.base_delay * 2 ** (failures - self.slow_after)
        return Throttle(delay=min(delay, self.max_delay))

    def _make_room(self, now: float) -> None:
        if len(self._sources) < self.max_sources:
            return
        # First sources with nothing recent (a bounded look at the oldest), then the oldest.
        for source in list(self._sources)[:64]:
            state = self._sources[source]
            if state.blocked_until <= now and all(t <= now - self.window for t in state.failures):
                del self._sources[source]
        while len(self._sources) >= self.max_sources:
            self._sources.popitem(last=False)
