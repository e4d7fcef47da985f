"""The registrar: REGISTER with digest authentication, and the location service it fills.

No I/O: `Registrar.register()` takes a parsed REGISTER, where it came from and the time,
and returns the response and the binding changes; `expire()` removes what timed out. The
engine sends, sleeps and emits events around it.

Rules (RFC 3261 §10.3 unless another RFC is named):
Rule 1 (§8.2.2.3): a Require header naming an extension we lack is answered 420 with
    Unsupported.
Rule 2 (§10.3 step 3, §22): a REGISTER without valid credentials is answered 401 with
    a challenge, `stale=true` when only the nonce expired. A wrong password is challenged
    again with the nonce it answered while that nonce is fresh (the client's password is
    wrong, not its nonce). MD5 only by default: phones such as baresip 1.0 reject the
    whole 401 when it also offers SHA-256 (RFC 8760 §2.4 lets the server choose). A
    source that keeps failing is slowed, then refused 403 for a while, without touching
    other sources (`FailureLimiter`).
Rule 3 (step 5, 6): the address-of-record is the To URI's user; it must be a known
    extension (404), and the authenticated user must be that extension (403).
Rule 4 (step 6): `Contact: *` needs `Expires: 0` and no other Contact (else 400) and
    removes every binding of the AOR.
Rule 5 (step 7): a contact's expiry is its `expires` parameter, else the Expires header,
    else 3600 s; 0 removes it; above 0 but below `min_expires` is answered 423 with
    Min-Expires; above `max_expires` is shortened to it.
Rule 6 (step 7): for an existing binding with the same Call-ID, a CSeq that is not higher
    aborts the request (500, out of order); another Call-ID replaces it.
Rule 7: at most `max_contacts` bindings per extension: the oldest is pushed out (a phone
    that re-registers with a new contact after a restart must not lock itself out).
Rule 8 (step 8): the 200 OK lists every current binding with its remaining `expires`.
Rule 9 (RFC 3581, RFC 5626 §5): the binding keeps the address the REGISTER came from;
    requests to the phone go there, so phones behind NAT are reachable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from functools import lru_cache

from callcenter.engine.events import Binding, RegistrationChange
from callcenter.engine.ports import ExtensionEntry
from callcenter.sip.auth import (
    Algorithm,
    Credentials,
    DigestAuthenticator,
    Failure,
    FailureLimiter,
    Secret,
)
from callcenter.sip.errors import SipParseError
from callcenter.sip.headers import NameAddr
from callcenter.sip.message import Request, Response, make_response
from callcenter.sip.transaction import Peer
from callcenter.sip.uri import SipUri, Uri, parse_uri

DEFAULT_EXPIRES = 3600
SUPPORTED_EXTENSIONS = frozenset({"path", "outbound", "gruu"})


@dataclass(frozen=True, slots=True)
class BindingChange:
    change: RegistrationChange
    binding: Binding


@dataclass(slots=True)
class RegisterOutcome:
    """What to answer, after how long, and what changed in the location service."""

    response: Response
    changes: list[BindingChange] = field(default_factory=list)
    delay: float = 0.0  # answer after this many seconds (slowing a failing source)


class Registrar:
    def __init__(
        self,
        *,
        realm: str,
        nonce_secret: bytes,
        extensions: Callable[[], Mapping[str, ExtensionEntry]],
        min_expires: int = 60,
        max_expires: int = 3600,
        max_contacts: int = 10,
        limiter: FailureLimiter | None = None,
        server_name: str = "callcenter",
        algorithms: Sequence[Algorithm] = (Algorithm.MD5,),
    ) -> None:
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.max_contacts = max_contacts
        self.server_name = server_name
        self._extensions = extensions
        self.auth = DigestAuthenticator(realm, nonce_secret, self._secret, algorithms=algorithms)
        self.limiter = limiter if limiter is not None else FailureLimiter()
        # extension -> contact key -> binding
        self._bindings: dict[str, dict[str, Binding]] = {}

    # --- queries -------------------------------------------------------------------
    def bindings(self, extension: str) -> list[Binding]:
        return list(self._bindings.get(extension, {}).values())

    def all_bindings(self) -> list[Binding]:
        return [binding for per in self._bindings.values() for binding in per.values()]

    def is_registered(self, extension: str) -> bool:
        return bool(self._bindings.get(extension))

    # --- REGISTER --------------------------------------------------------------------
    def register(self, request: Request, peer: Peer, now: float, *, to_tag: str) -> RegisterOutcome:
        def answer(status: int, reason: str | None = None, **kwargs: object) -> Response:
            return make_response(request, status, reason, to_tag=to_tag, **kwargs)  # type: ignore[arg-type]

        unsupported = [
            tag for tag in _option_tags(request, "require") if tag not in SUPPORTED_EXTENSIONS
        ]
        if unsupported:
            return RegisterOutcome(answer(420, headers=[("Unsupported", ", ".join(unsupported))]))

        throttle = self.limiter.check(peer.host, now)
        if throttle.blocked:
            return RegisterOutcome(answer(403, "Forbidden (too many failed attempts)"))

        extension = _aor_user(request)
        credentials = request.headers.get("authorization")
        if credentials is None:
            return RegisterOutcome(self._challenge(answer, now))
        # Parsed once, by the authenticator: a malformed value is a failure it answers
        # with a challenge.
        result = self.auth.verify(credentials, method="REGISTER", uri=str(request.uri), now=now)
        if not result.ok:
            delay = 0.0
            if result.counts_as_failure:
                delay = self.limiter.failure(peer.host, now).delay
            repeat = _client_nonce(request) if result.failure in _WRONG_SECRET else None
            challenge = self._challenge(answer, now, stale=result.stale, nonce=repeat)
            return RegisterOutcome(challenge, delay=delay)
        if extension is None or extension not in self._extensions():
            return RegisterOutcome(answer(404, "Not Found (no such extension)"))
        if result.username != extension:
            return RegisterOutcome(answer(403, "Forbidden (credentials of another extension)"))

        if request.contact_star:
            if request.expires != 0 or len(request.headers.values("contact")) != 1:
                return RegisterOutcome(answer(400, "Bad Request (Contact: * needs Expires: 0)"))
            removed = [
                BindingChange(RegistrationChange.REMOVED, binding)
                for binding in self._bindings.pop(extension, {}).values()
            ]
            return RegisterOutcome(self._ok(answer, extension, now), removed)

        contacts = request.contacts
        header_expires = request.expires
        changes: list[BindingChange] = []
        current = dict(self._bindings.get(extension, {}))
        user_agent = request.headers.get("user-agent", "") or ""
        call_id, cseq = request.call_id, request.cseq.seq
        for contact in contacts:
            expires = _expires_of(contact, header_expires)
            if 0 < expires < self.min_expires:
                return RegisterOutcome(
                    answer(423, headers=[("Min-Expires", str(self.min_expires))])
                )
            key = _contact_key(contact)
            existing = current.get(key)
            if existing is not None and existing.call_id == call_id and cseq <= existing.cseq:
                return RegisterOutcome(answer(500, "Server Internal Error (CSeq out of order)"))
            if expires == 0:
                if existing is not None:
                    del current[key]
                    changes.append(BindingChange(RegistrationChange.REMOVED, existing))
                continue
            binding = Binding(
                extension=extension,
                contact=str(contact.uri),
                transport=peer.transport,
                source_host=peer.host,
                source_port=peer.port,
                expires_at=now + min(expires, self.max_expires),
                user_agent=user_agent[:200],
                call_id=call_id,
                cseq=cseq,
                registered_at=existing.registered_at if existing else now,
                q=contact.q,
            )
            current[key] = binding
            changes.append(
                BindingChange(
                    RegistrationChange.REFRESHED if existing else RegistrationChange.ADDED, binding
                )
            )
        while len(current) > self.max_contacts:
            oldest_key = min(current, key=lambda k: current[k].registered_at)
            changes.append(BindingChange(RegistrationChange.REPLACED, current.pop(oldest_key)))
        if current:
            self._bindings[extension] = current
        else:
            self._bindings.pop(extension, None)
        return RegisterOutcome(self._ok(answer, extension, now), changes)

    def expire(self, now: float) -> list[BindingChange]:
        """Remove every binding whose time is up."""
        changes = []
        for extension in list(self._bindings):
            per = self._bindings[extension]
            for key in [key for key, binding in per.items() if binding.expires_at <= now]:
                changes.append(BindingChange(RegistrationChange.EXPIRED, per.pop(key)))
            if not per:
                del self._bindings[extension]
        return changes

    def forget_extensions(self, known: Mapping[str, ExtensionEntry]) -> list[BindingChange]:
        """Drop the bindings of extensions that were deleted."""
        changes = []
        for extension in [ext for ext in self._bindings if ext not in known]:
            for binding in self._bindings.pop(extension).values():
                changes.append(BindingChange(RegistrationChange.REMOVED, binding))
        return changes

    def restore(self, binding: Binding) -> None:
        """Put back a binding kept across a restart (UDP only: TCP connections are gone)."""
        key = _uri_key(parse_uri(binding.contact))
        self._bindings.setdefault(binding.extension, {})[key] = binding

    # --- helpers ---------------------------------------------------------------------
    def _secret(self, username: str, realm: str) -> Secret | None:
        entry = self._extensions().get(username)
        return Secret(password=entry.sip_password) if entry else None

    def _challenge(
        self,
        answer: Callable[..., Response],
        now: float,
        *,
        stale: bool = False,
        nonce: str | None = None,
    ) -> Response:
        values = self.auth.challenges(now, stale=stale, nonce=nonce)
        return answer(401, headers=[("WWW-Authenticate", value) for value in values])

    def _ok(self, answer: Callable[..., Response], extension: str, now: float) -> Response:
        contacts = [
            ("Contact", f"<{binding.contact}>;expires={max(0, int(binding.expires_at - now))}")
            for binding in self._bindings.get(extension, {}).values()
        ]
        return answer(200, headers=[*contacts, ("Date", _http_date(int(now)))])


@lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    """The Date header value (§20.17) of a second: one formatting per second, not per 200."""
    return formatdate(second, usegmt=True)


# Failures that mean "wrong password or user": the same nonce is challenged again (Rule 2).
_WRONG_SECRET = frozenset({Failure.WRONG_RESPONSE, Failure.UNKNOWN_USER})


def _client_nonce(request: Request) -> str | None:
    try:
        return Credentials.parse(_raw_authorization(request)).nonce
    except SipParseError:
        return None


def _option_tags(request: Request, header: str) -> list[str]:
    return [tag.strip().lower() for tag in request.headers.values(header) if tag.strip()]


def _aor_user(request: Request) -> str | None:
    uri = request.to.uri
    return uri.user if isinstance(uri, SipUri) and uri.user else None


def _raw_authorization(request: Request) -> str:
    value = request.headers.get("authorization")
    assert value is not None
    return value


def _expires_of(contact: NameAddr, header_expires: int | None) -> int:
    if contact.expires is not None:
        return contact.expires
    if header_expires is not None:
        return header_expires
    return DEFAULT_EXPIRES


def _contact_key(contact: NameAddr) -> str:
    return _uri_key(contact.uri)


def _uri_key(uri: Uri) -> str:
    """Contacts are the same binding when their URIs are equivalent (§10.3 step 7, §19.1.4):
    scheme, user, host (case-insensitive), port and transport decide where requests go."""
    if isinstance(uri, SipUri):
        transport = (uri.param("transport") or "udp").lower()
        return f"{uri.scheme}:{uri.user or ''}@{uri.host.lower()}:{uri.port or 5060};{transport}"
    return str(uri)
