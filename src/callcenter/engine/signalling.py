"""Turns received SIP bytes into answers: parsing, transactions, and each method's handler.

The transports hand every message to `Signalling.on_message`; it parses it (malformed
requests get the 4xx the parser names, or are dropped when they cannot be answered) and
feeds the transaction layer (which notes `received`/`rport` on the top Via). New requests
are dispatched by method:

- REGISTER: the registrar (`engine.registrar`), answered after the delay it asks for;
- OPTIONS: 200 with what we allow and accept (phones use it as a keep-alive);
- INVITE starting a dialog, requests inside one, ACKs for 2xx, CANCELs of INVITEs and the
  responses to what the switch sent: the call layer (`engine.calls`), which answers;
- BYE, UPDATE, INFO, PRACK (and INVITE with a To tag) for no dialog of ours: 481 (§12.2.2);
- methods we know but do not serve: 405 with Allow (§8.2.1); unknown methods: 501
  (§21.5.2); an unsupported Require: 420 (§8.2.2.3); Max-Forwards 0: 483 (§16.3).

Nothing that needs an answer goes unanswered: every path ends in a response or, for ACK
and responses, in silence as RFC 3261 requires.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

import callcenter
from callcenter.engine.calls.sipio import new_tag
from callcenter.engine.events import RegistrationChanged
from callcenter.engine.ports import EventSink, ExtensionEntry
from callcenter.engine.registrar import BindingChange, Registrar
from callcenter.sip.errors import SipParseError, SipUsageError
from callcenter.sip.malformed import error_response
from callcenter.sip.message import Request, Response, make_response, parse
from callcenter.sip.transaction import (
    AckFor2xx,
    Action,
    Cancelled,
    NewRequest,
    Peer,
    ResponseReceived,
    Send,
    TimedOut,
    TransactionLayer,
    response_destination,
    stamp_via,
    stateless_tag,
)
from callcenter.sip.uri import SipUri

if TYPE_CHECKING:
    from callcenter.engine.calls import CallManager
    from callcenter.engine.calls.trunks import TrunkRegistrations

log = logging.getLogger(__name__)

SERVER = f"callcenter/{callcenter.__version__}"
ALLOWED = ("INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "INFO", "REGISTER")
IN_DIALOG_ONLY = frozenset({"BYE", "UPDATE", "INFO", "PRACK"})
KNOWN_NOT_ALLOWED = frozenset({"SUBSCRIBE", "NOTIFY", "PUBLISH", "MESSAGE", "REFER"})
SUPPORTED = ("path", "outbound")


class Transport(Protocol):
    def send(self, data: bytes, peer: Peer) -> bool: ...


class Signalling:
    def __init__(
        self,
        *,
        registrar: Registrar,
        extensions: Callable[[], Mapping[str, ExtensionEntry]],
        events: EventSink,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registrar = registrar
        self.extensions = extensions
        self.events = events
        self.clock = clock
        self.monotonic = monotonic
        self.transactions = TransactionLayer()
        self.bound_host = ""
        self.transports: dict[str, Transport] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self.counters: dict[str, int] = {"parse_errors": 0, "dropped": 0}
        self.calls: CallManager | None = None
        self.trunk_registrations: TrunkRegistrations | None = None
        self.sip_port = 0
        self._local_hosts: dict[str, str] = {}

    # --- input -----------------------------------------------------------------------
    def on_message(self, data: bytes, peer: Peer) -> None:
        try:
            message = parse(data)
        except SipParseError as error:
            self.counters["parse_errors"] += 1
            reply = error_response(data, error, new_tag())
            if reply is None:
                self.counters["dropped"] += 1
            else:
                self._send(reply, peer)
            return
        now = self.monotonic()
        if isinstance(message, Response):
            self._run(self.transactions.receive_response(message, peer, now))
            return
        try:
            message.check()
        except SipParseError as error:
            if message.method != "ACK":
                self._send(bytes(self._answer(message, error.status, error.message)), peer)
            return
        if (
            message.method == "OPTIONS"
            and isinstance(message.uri, SipUri)
            and message.uri.user is None
            and message.to.tag is None
            and "require" not in message.headers
        ):
            # A keep-alive to the switch itself: answered statelessly (§8.2.7), as proxies
            # do, with the same To tag for each retransmission. A transaction would only
            # keep 64*T1 of state to re-send the same bytes.
            stamp_via(message, peer)
            response = self._options(message, to_tag=stateless_tag(message))
            self._send(bytes(response), response_destination(response.via, peer))
            return
        self._run(self.transactions.receive_request(message, peer, now))

    def _run(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                self._send(action.data, action.peer)
            elif isinstance(action, NewRequest):
                self._dispatch(action.key, action.request, action.peer)
            elif isinstance(action, ResponseReceived):
                trunks = self.trunk_registrations
                if trunks is not None and trunks.on_response(action.key, action.response):
                    continue
                if self.calls is not None:
                    self.calls.on_response(action.key, action.response)
            elif isinstance(action, TimedOut):
                trunks = self.trunk_registrations
                if trunks is not None and trunks.on_timeout(action.key):
                    continue
                if self.calls is not None:
                    self.calls.on_timeout(action.key)
            elif isinstance(action, Cancelled):
                if self.calls is None or not self.calls.on_cancelled(action.key):
                    self.respond(action.key, self._answer(action.cancel, 487))
            elif isinstance(action, AckFor2xx) and self.calls is not None:
                self.calls.on_ack(action.request, action.peer)
        self._schedule_timer()

    # --- output ----------------------------------------------------------------------
    def respond(self, key: str, response: Response) -> None:
        try:
            actions = self.transactions.respond(key, response, self.monotonic())
        except SipUsageError:
            log.exception("cannot send %s in transaction %s", response.status, key)
            return
        self._run(actions)

    def send_request(self, request: Request, peer: Peer) -> str:
        key, actions = self.transactions.send_request(request, peer, self.monotonic())
        self._run(actions)
        return key

    def send_ack(self, ack: Request, peer: Peer) -> None:
        self._send(bytes(ack), peer)

    def cancel(self, key: str) -> None:
        try:
            actions = self.transactions.cancel(key, self.monotonic())
        except SipUsageError:
            log.exception("cannot cancel %s", key)
            return
        self._run(actions)

    def answer(
        self,
        request: Request,
        status: int,
        reason: str | None = None,
        *,
        to_tag: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        content_type: str | None = None,
    ) -> Response:
        response = make_response(
            request,
            status,
            reason,
            to_tag=to_tag or new_tag(),
            headers=headers,
            body=body,
            content_type=content_type,
        )
        response.headers.add("Server", SERVER)
        return response

    def local_address(self, peer: Peer) -> tuple[str, int]:
        """Our address as ``peer`` sees it: the bound address, or when bound to every
        interface, the one the system routes toward the peer (a connected UDP socket's
        own address; nothing is sent)."""
        host = self.bound_host
        if host in ("", "0.0.0.0", "::"):
            host = self._local_hosts.get(peer.host, "")
            if not host:
                host = _route_source(peer.host)
                self._local_hosts[peer.host] = host
        return host, self.sip_port

    def _send(self, data: bytes, peer: Peer) -> None:
        transport = self.transports.get(peer.transport)
        if transport is None or not transport.send(data, peer):
            self.counters["dropped"] += 1

    def _answer(
        self, request: Request, status: int, reason: str | None = None, **kwargs: object
    ) -> Response:
        response = make_response(request, status, reason, to_tag=new_tag(), **kwargs)  # type: ignore[arg-type]
        response.headers.add("Server", SERVER)
        return response

    # --- timers ----------------------------------------------------------------------
    def _schedule_timer(self) -> None:
        deadline = self.transactions.next_deadline()
        if deadline is None:
            return
        if self._timer is not None and self._timer_at is not None and self._timer_at <= deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer_at = deadline
        self._timer = loop.call_later(max(0.0, deadline - self.monotonic()), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self._run(self.transactions.on_timer(self.monotonic()))

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    # --- methods ---------------------------------------------------------------------
    def _dispatch(self, key: str, request: Request, peer: Peer) -> None:
        method = request.method
        if method == "REGISTER":
            self._register(key, request, peer)
            return
        unsupported = [
            tag.strip()
            for tag in request.headers.values("require")
            if tag.strip() and tag.strip().lower() not in SUPPORTED
        ]
        if unsupported and method != "CANCEL":
            self.respond(
                key, self._answer(request, 420, headers=[("Unsupported", ", ".join(unsupported))])
            )
        elif request.max_forwards == 0 and method != "OPTIONS":
            self.respond(key, self._answer(request, 483))
        elif method == "OPTIONS" and request.to.tag is None:
            self.respond(key, self._options(request))
        elif method == "INVITE" and request.to.tag is None:
            if self.calls is None:
                self.respond(key, self._answer(request, 503, "Service Unavailable (no calls)"))
            else:
                self.calls.on_invite(key, request, peer)
        elif method in IN_DIALOG_ONLY or method == "INVITE" or method == "OPTIONS":
            if self.calls is None or not self.calls.on_in_dialog(key, request, peer):
                if method == "OPTIONS":
                    self.respond(key, self._options(request))
                else:
                    self.respond(key, self._answer(request, 481))
        elif method in KNOWN_NOT_ALLOWED:
            self.respond(key, self._answer(request, 405, headers=[("Allow", ", ".join(ALLOWED))]))
        else:
            self.respond(key, self._answer(request, 501, headers=[("Allow", ", ".join(ALLOWED))]))

    def _options(self, request: Request, to_tag: str | None = None) -> Response:
        return self.answer(
            request,
            200,
            to_tag=to_tag,
            headers=[
                ("Allow", ", ".join(ALLOWED)),
                ("Accept", "application/sdp"),
                ("Accept-Encoding", "identity"),
                ("Supported", ", ".join(SUPPORTED)),
            ],
        )

    def _register(self, key: str, request: Request, peer: Peer) -> None:
        outcome = self.registrar.register(request, peer, self.clock(), to_tag=new_tag())
        outcome.response.headers.add("Server", SERVER)
        self.publish(outcome.changes)
        if outcome.delay > 0:
            asyncio.get_running_loop().call_later(
                outcome.delay, self.respond, key, outcome.response
            )
        else:
            self.respond(key, outcome.response)

    def publish(self, changes: list[BindingChange]) -> None:
        now = self.clock()
        for change in changes:
            self.events.emit(
                RegistrationChanged(at=now, change=change.change, binding=change.binding)
            )


def _route_source(host: str) -> str:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((host, 9))
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
