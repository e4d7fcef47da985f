"""Who is calling and where the call goes (Rules 1 and 2 of `engine.calls.manager`).

:meth:`Router.route` looks at a new INVITE and where it came from, and decides without
sending anything: either a :class:`Route` (the caller, the dialled number and the target:
an extension, a trunk or a service) or a :class:`Rejection` (the status to answer, with
the challenge headers when credentials are missing).

- From a trunk's address (host and port; host alone for a trunk we register to): no
  authentication, the caller is the From user, the target is the inbound route of the
  dialled number (DID).
- From anywhere else: digest credentials of an extension in ``Proxy-Authorization``
  (RFC 3261 §22.3), checked by the registrar's authenticator, failures counted by its
  per-source limiter; then another extension (registered: else 480), a service number,
  a feature code of the contact center ("*01"...), a number of an inbound route that
  names no trunk (the hotline 4000), or "0" + an outside number through the first
  enabled trunk if the extension may dial out (403 otherwise; 503 without a trunk).
  Anything else: 404.
- A destination ``queue:NAME`` or ``flow:NAME`` (an inbound route's) is handed to the
  contact center as a :class:`Destination`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from callcenter.engine.calls.call import Service
from callcenter.engine.calls.destinations import Destination, Kind, parse_destination
from callcenter.engine.calls.services import SERVICES
from callcenter.engine.events import CallDirection
from callcenter.engine.ports import ExtensionEntry, InboundRoute, TrunkEntry
from callcenter.engine.registrar import Registrar
from callcenter.sip.constants import Method
from callcenter.sip.message import Request
from callcenter.sip.transaction import Peer
from callcenter.sip.uri import SipUri, TelUri

Target = ExtensionEntry | TrunkEntry | type[Service] | Destination


@dataclass(frozen=True, slots=True)
class Rejection:
    status: int
    reason: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    caller: str
    caller_name: str
    dialled: str  # the number the call goes to (for a DID: its destination)
    direction: CallDirection
    target: Target
    from_trunk: TrunkEntry | None = None


class Router:
    def __init__(
        self,
        registrar: Registrar,
        extensions: Callable[[], Mapping[str, ExtensionEntry]],
        trunks: Callable[[], Mapping[str, TrunkEntry]],
        routes: Callable[[], tuple[InboundRoute, ...]],
    ) -> None:
        self.registrar = registrar
        self.extensions = extensions
        self.trunks = trunks
        self.routes = routes
        # Feature codes ("*01" agent login...): set by the contact center.
        self.is_feature: Callable[[str], bool] = lambda number: False

    def route(self, request: Request, peer: Peer, now: float) -> Route | Rejection:
        caller_name = request.from_.display_name or ""
        dialled = dialled_number(request)
        trunk = self.trunk_for(peer)
        if trunk is not None:
            route = self.inbound_route(trunk.name, dialled)
            if route is None:
                return Rejection(404, "Not Found (no route for this number)")
            caller = user_of(request.from_.uri) or "anonymous"
            target = self.target(caller, route.destination, from_trunk=True)
            if isinstance(target, Rejection):
                return target
            return Route(caller, caller_name, route.destination, CallDirection.INBOUND, target,
                         trunk)  # fmt: skip
        checked = self.authenticate(request, peer, now)
        if isinstance(checked, Rejection):
            return checked
        target = self.target(checked, dialled, from_trunk=False)
        if isinstance(target, Rejection):
            return target
        direction = (
            CallDirection.OUTBOUND if isinstance(target, TrunkEntry) else CallDirection.INTERNAL
        )
        name = caller_name or self.extensions()[checked].display_name
        return Route(checked, name, dialled, direction, target)

    def trunk_for(self, peer: Peer) -> TrunkEntry | None:
        for trunk in self.trunks().values():
            if not trunk.enabled or trunk.host != peer.host:
                continue
            if trunk.register or trunk.port == peer.port:
                return trunk
        return None

    def inbound_route(self, trunk: str, did: str) -> InboundRoute | None:
        matches = [r for r in self.routes() if r.did == did and r.trunk in ("", trunk)]
        matches.sort(key=lambda r: r.trunk == "")  # a trunk's own route before a general one
        return matches[0] if matches else None

    def outbound_trunk(self) -> TrunkEntry | None:
        enabled = sorted((t for t in self.trunks().values() if t.enabled), key=lambda t: t.name)
        return enabled[0] if enabled else None

    def target(
        self, caller: str, dialled: str, *, from_trunk: bool, depth: int = 0
    ) -> Target | Rejection:
        destination = parse_destination(dialled)
        if destination is None or destination.kind is Kind.HANGUP:
            return Rejection(404, "Not Found (no such number)")
        if destination.kind is not Kind.NUMBER:
            return destination  # a queue or an IVR flow: the contact center takes it
        extensions = self.extensions()
        if dialled in extensions:
            if not self.registrar.is_registered(dialled):
                return Rejection(480, "Temporarily Unavailable (not registered)")
            return extensions[dialled]
        service = SERVICES.get(dialled)
        if service is not None:
            return service
        if not from_trunk and self.is_feature(dialled):
            return destination
        if not from_trunk and depth == 0:
            hotline = self.inbound_route("", dialled)  # a number any trunk and phone reach
            if hotline is not None and hotline.trunk == "":
                return self.target(caller, hotline.destination, from_trunk=True, depth=1)
        if not from_trunk and len(dialled) > 1 and dialled.startswith("0"):
            entry = extensions.get(caller)
            if entry is None or not entry.outbound_allowed:
                return Rejection(403, "Forbidden (this phone may not dial out)")
            outbound = self.outbound_trunk()
            if outbound is None:
                return Rejection(503, "Service Unavailable (no trunk)")
            return outbound
        return Rejection(404, "Not Found (no such number)")

    def authenticate(self, request: Request, peer: Peer, now: float) -> str | Rejection:
        """The extension whose credentials the INVITE carries, or why not."""
        limiter, auth = self.registrar.limiter, self.registrar.auth
        if limiter.check(peer.host, now).blocked:
            return Rejection(403, "Forbidden (too many failed attempts)")
        raw = request.headers.get("proxy-authorization")
        if raw is None:
            return self._challenge(now)
        uri = request.uri
        forms: tuple[str, ...] = (str(uri),)
        if isinstance(uri, SipUri) and uri.user is not None:
            forms += (str(replace(uri, user=None, password=None)),)
        result = auth.verify(raw, method=Method.INVITE, uri=forms, now=now)
        if not result.ok:
            if result.counts_as_failure:
                limiter.failure(peer.host, now)
            return self._challenge(now, stale=result.stale)
        if result.username is None or result.username not in self.extensions():
            return Rejection(403, "Forbidden (no such extension)")
        return result.username

    def _challenge(self, now: float, *, stale: bool = False) -> Rejection:
        challenges = self.registrar.auth.challenges(now, stale=stale)
        return Rejection(407, None, tuple(("Proxy-Authenticate", c) for c in challenges))


def user_of(uri: object) -> str:
    if isinstance(uri, SipUri):
        return uri.user or ""
    if isinstance(uri, TelUri):
        return uri.number
    return ""


def dialled_number(request: Request) -> str:
    return user_of(request.uri).split(";")[0]
