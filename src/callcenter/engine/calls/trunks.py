"""Registering the switch to the trunks that ask for it (a carrier's SIP account).

For each enabled trunk with ``register`` set, the switch is a registering UA (RFC 3261
§10.2): REGISTER ``sip:USER@HOST`` to the trunk's address with our Contact and the
trunk's interval. Rules:

Rule 1 (§22.2): a 401/407 is answered with the trunk's credentials, once per challenge;
    a second challenge in a row means the credentials are wrong: failed.
Rule 2 (§10.2.4): a 200 gives the interval granted (the expires of our Contact in the
    answer, else Expires, else what we asked); the registration is refreshed when 80 %
    of it has passed, with the same Call-ID and a CSeq one higher (§10.2.4).
Rule 3: a failure (any other final status, or no answer: timeout) is retried after
    ``retry`` seconds, 30 by default, doubling to 10 minutes while it keeps failing; a
    423 (§10.2.8) raises our interval to the Min-Expires asked for and retries at once.
Rule 4: when the configuration changes, trunks that stopped registering (deleted,
    disabled, no longer registering, or their address or account changed) are
    unregistered with Expires 0 and new ones start; at shutdown every registration is
    removed the same way.

Every change of state is reported as a :class:`TrunkRegistrationChanged` event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from callcenter.engine.calls.sipio import SipIO, new_branch, new_call_id, new_tag, our_via
from callcenter.engine.events import TrunkRegistrationChanged
from callcenter.engine.ports import EventSink, TrunkEntry
from callcenter.sip.auth import AuthError, authorization, choose_challenge
from callcenter.sip.constants import Method
from callcenter.sip.errors import SipParseError, SipUsageError
from callcenter.sip.headers import NameAddr
from callcenter.sip.message import Request, Response
from callcenter.sip.transaction import Peer
from callcenter.sip.uri import SipUri

log = logging.getLogger(__name__)

REFRESH_AT = 0.8
MAX_RETRY = 600.0


@dataclass(eq=False)
class _Registration:
    trunk: TrunkEntry
    call_id: str
    from_tag: str = field(default_factory=new_tag)
    cseq: int = 0
    expires: int = 0  # what we ask for
    key: str = ""  # the REGISTER client transaction in flight
    challenged: bool = False  # the request in flight carries credentials
    registered: bool = False
    removing: bool = False
    retry: float = 0.0
    timer: asyncio.TimerHandle | None = None

    @property
    def peer(self) -> Peer:
        return Peer(self.trunk.transport, self.trunk.host, self.trunk.port)


class TrunkRegistrations:
    def __init__(
        self,
        sip: SipIO,
        trunks: Callable[[], Mapping[str, TrunkEntry]],
        events: EventSink,
        *,
        retry: float = 30.0,
        user_agent: str = "callcenter",
    ) -> None:
        self.sip = sip
        self.trunks = trunks
        self.events = events
        self.retry = retry
        self.user_agent = user_agent
        self._active: dict[str, _Registration] = {}
        self._by_key: dict[str, _Registration] = {}

    def state(self, name: str) -> bool | None:
        """True when registered to trunk ``name``, False when trying, None when not asked."""
        registration = self._active.get(name)
        return None if registration is None else registration.registered

    # --- configuration (Rule 4) -----------------------------------------------------
    def sync(self) -> None:
        """Start, keep or stop registrations to match the trunks now configured."""
        wanted = {
            name: trunk
            for name, trunk in self.trunks().items()
            if trunk.enabled and trunk.register and trunk.username
        }
        for name, registration in list(self._active.items()):
            if wanted.get(name) != registration.trunk:
                self._remove(registration)
        for name, trunk in wanted.items():
            if name not in self._active:
                registration = _Registration(trunk, new_call_id(trunk.host))
                registration.expires = trunk.register_expires
                registration.retry = self.retry
                self._active[name] = registration
                self._send(registration)

    def close(self) -> None:
        for registration in list(self._active.values()):
            self._remove(registration)

    def _remove(self, registration: _Registration) -> None:
        self._active.pop(registration.trunk.name, None)
        if registration.timer is not None:
            registration.timer.cancel()
        if registration.registered:
            registration.removing = True
            registration.challenged = False
            self._send(registration, expires=0)
        self._changed(registration, False, 0, "removed")

    # --- messages ------------------------------------------------------------------
    def _send(
        self,
        registration: _Registration,
        *,
        expires: int | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        trunk = registration.trunk
        peer = registration.peer
        host, port = self.sip.local_address(peer)
        registration.cseq += 1
        aor = NameAddr(SipUri(trunk.host, user=trunk.username))
        headers = [
            ("Expires", str(registration.expires if expires is None else expires)),
            ("User-Agent", self.user_agent),
        ]
        if credentials is not None:
            headers.append(credentials)
        request = Request.create(
            Method.REGISTER,
            SipUri(trunk.host, port=trunk.port if trunk.port != 5060 else None),
            from_=NameAddr(aor.uri, None, (("tag", registration.from_tag),)),
            to=aor,
            call_id=registration.call_id,
            cseq=registration.cseq,
            via=our_via(peer, host, port, new_branch()),
            contact=NameAddr(SipUri(host, user=trunk.username, port=port)),
            headers=headers,
        )
        try:
            key = self.sip.send_request(request, peer)
        except SipUsageError:
            log.exception("cannot register to trunk %s", trunk.name)
            return
        if registration.key:
            self._by_key.pop(registration.key, None)
        registration.key = key
        registration.challenged = credentials is not None
        self._by_key[key] = registration

    def on_response(self, key: str, response: Response) -> bool:
        """A response for one of our REGISTERs; False when the key is not ours."""
        registration = self._by_key.get(key)
        if registration is None:
            return False
        if response.status < 200:
            return True
        self._by_key.pop(key, None)
        registration.key = ""
        if registration.removing:
            return True
        if response.status in (401, 407) and not registration.challenged:
            self._answer_challenge(registration, response)
        elif 200 <= response.status < 300:
            self._registered(registration, response)
        elif response.status == 423 and response.headers.get("min-expires"):
            try:
                registration.expires = int(response.headers.get("min-expires") or "0")
            except ValueError:
                self._failed(registration, 423, "Min-Expires unreadable")
                return True
            self._send(registration)
        else:
            self._failed(registration, response.status, response.reason)
        return True

    def on_timeout(self, key: str) -> bool:
        registration = self._by_key.pop(key, None)
        if registration is None:
            return False
        registration.key = ""
        if not registration.removing:
            self._failed(registration, 408, "no answer")
        return True

    def _answer_challenge(self, registration: _Registration, response: Response) -> None:
        trunk = registration.trunk
        name = "www-authenticate" if response.status == 401 else "proxy-authenticate"
        header = "Authorization" if response.status == 401 else "Proxy-Authorization"
        uri = str(SipUri(trunk.host, port=trunk.port if trunk.port != 5060 else None))
        try:
            value = authorization(
                choose_challenge(response.headers.get_all(name)),
                method=Method.REGISTER,
                uri=uri,
                username=trunk.username,
                password=trunk.password,
                cnonce=new_tag(),
            )
        except (AuthError, SipParseError) as error:
            self._failed(registration, response.status, f"challenge not understood: {error}")
            return
        self._send(registration, credentials=(header, value))

    def _registered(self, registration: _Registration, response: Response) -> None:
        granted = registration.expires
        user = registration.trunk.username
        ours = [c for c in response.contacts if isinstance(c.uri, SipUri) and c.uri.user == user]
        if ours and ours[0].expires is not None:
            granted = ours[0].expires
        elif response.expires is not None:
            granted = response.expires
        granted = max(granted, 1)
        registration.registered = True
        registration.retry = self.retry
        self._changed(registration, True, response.status, "", time.time() + granted)
        self._later(registration, REFRESH_AT * granted)

    def _failed(self, registration: _Registration, status: int, detail: str) -> None:
        registration.registered = False
        name = registration.trunk.name
        log.warning("registration to trunk %s failed: %s %s", name, status, detail)
        self._changed(registration, False, status, detail)
        self._later(registration, registration.retry)
        registration.retry = min(registration.retry * 2, MAX_RETRY)

    def _later(self, registration: _Registration, delay: float) -> None:
        if registration.timer is not None:
            registration.timer.cancel()

        def again() -> None:
            registration.timer = None
            if self._active.get(registration.trunk.name) is registration:
                self._send(registration)

        registration.timer = asyncio.get_running_loop().call_later(delay, again)

    def _changed(
        self,
        registration: _Registration,
        registered: bool,
        status: int,
        detail: str,
        expires_at: float | None = None,
    ) -> None:
        name, now = registration.trunk.name, time.time()
        event = TrunkRegistrationChanged(now, name, registered, status, detail[:200], expires_at)
        self.events.emit(event)
