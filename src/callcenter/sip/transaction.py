"""SIP transactions (RFC 3261 §17, with RFC 6026's corrections), sans-IO.

Owns the transaction layer: matching messages to transactions, retransmissions, timers,
absorbing duplicates, the ACK for a non-2xx final, CANCEL handling and the routing of
responses (§18.2.2, RFC 3581). The state machines themselves are data in
:mod:`callcenter.sip._transaction_tables`, whose opening comment states the rules.

No I/O and no clock: every call takes ``now`` (monotonic seconds) and returns a list of
actions (:class:`Send` bytes to a :class:`Peer`, or an event for the TU). The engine calls
:meth:`TransactionLayer.on_timer` at :meth:`TransactionLayer.next_deadline`.

Matching (Rule 8 of the tables):

- a response matches the client transaction whose request had the same top Via branch and
  the CSeq method (§17.1.3); an unmatched response is dropped (``[]``);
- a request with a ``z9hG4bK`` branch matches by branch, sent-by and method, an ACK
  matching the INVITE (§17.2.3); a request without the cookie falls back to RFC 2543
  matching: Request-URI, To tag, From tag, Call-ID, CSeq and top Via, the ACK matching by
  the To tag of the response sent (§17.2.3);
- a CANCEL is its own server transaction, answered by the layer (§9.2): 200 when it
  matches a live transaction (the TU gets :class:`Cancelled` if it is an INVITE that has
  not been answered finally, and must answer the INVITE 487), else 481;
- an ACK matching an INVITE server transaction that sent a non-2xx final is absorbed;
  every other ACK goes up as :class:`AckFor2xx` (§17.2.3, §13.3.1.4, RFC 6026 §7.1).

Before matching, :func:`stamp_via` adds ``received`` and the ``rport`` value to the top Via
of a request when the transport has not (§18.2.1, RFC 3581 §4); responses built from the
request with :func:`~callcenter.sip.message.make_response` carry them back, and
:func:`response_destination` follows them.

Bounded memory: a transaction is removed as soon as it terminates; one that only waits
for Timer J is kept as its last response and a deadline (Rule 9 of the tables). At most
``max_server_transactions`` server transactions (default 100,000) are kept; beyond that a
new request is answered ``503 Service Unavailable`` with ``Retry-After`` by the layer
itself (a :class:`Send`, no transaction and no :class:`NewRequest`; the ACK of such a 503
arrives as :class:`AckFor2xx` and is for the TU to drop). CANCEL transactions created by
the layer (answering a CANCEL, or :meth:`TransactionLayer.cancel`) are internal: they
count in ``len()`` but report nothing to the TU except through the INVITE's own key.
"""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass, field
from typing import Final

from ._grammar import split_list
from ._transaction_tables import (
    DORMANT,
    INITIAL,
    TIMERS,
    Effect,
    Event,
    Machine,
    State,
    Timer,
    Timings,
    Trigger,
    lookup,
)
from .constants import Method
from .errors import SipParseError, SipUsageError
from .headers import Headers, Via
from .message import Request, Response, make_response

__all__ = [
    "MAGIC_COOKIE",
    "AckFor2xx",
    "Action",
    "Cancelled",
    "Machine",
    "NewRequest",
    "Peer",
    "ResponseReceived",
    "Send",
    "State",
    "Terminated",
    "TimedOut",
    "Timer",
    "TransactionLayer",
    "make_ack",
    "make_cancel",
    "response_destination",
    "stamp_via",
    "stateless_tag",
]

MAGIC_COOKIE: Final = "z9hG4bK"  # §8.1.1.7
RELIABLE_TRANSPORTS: Final = frozenset({"tcp", "tls", "ws", "wss", "sctp"})
_DEFAULT_PORT: Final = {"tls": 5061, "wss": 443, "ws": 80}


@dataclass(frozen=True, slots=True)
class Peer:
    """Where bytes come from or go to: transport (lower case), host, port."""

    transport: str
    host: str
    port: int

    @property
    def reliable(self) -> bool:
        """True for stream transports: no retransmissions, timers D, I, J, K are zero."""
        return self.transport.lower() in RELIABLE_TRANSPORTS


# --- actions ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Send:
    """Put these bytes on the wire to ``peer``."""

    data: bytes
    peer: Peer


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A new server transaction: the TU must answer ``request`` with :meth:`respond`."""

    key: str
    request: Request
    peer: Peer


@dataclass(frozen=True, slots=True)
class Cancelled:
    """A CANCEL matched the unanswered INVITE ``key``; the layer already sent its 200.

    The TU must answer the INVITE 487 Request Terminated (§9.2).
    """

    key: str
    cancel: Request
    peer: Peer


@dataclass(frozen=True, slots=True)
class AckFor2xx:
    """An ACK that belongs to the dialog, not to a transaction (§13.3.1.4, §17.2.3)."""

    request: Request
    peer: Peer


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    """A response for the TU on client transaction ``key`` (duplicates absorbed)."""

    key: str
    response: Response


@dataclass(frozen=True, slots=True)
class TimedOut:
    """Timer B, C or F (no final: treat as 408) or Timer H (no ACK) fired for ``key``."""

    key: str


@dataclass(frozen=True, slots=True)
class Terminated:
    """Transaction ``key`` is gone."""

    key: str


Action = Send | NewRequest | Cancelled | AckFor2xx | ResponseReceived | TimedOut | Terminated


# --- message helpers -------------------------------------------------------------------
def _unbracket(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def response_destination(via: Via, peer: Peer) -> Peer:
    """Where a response goes (§18.2.2 with RFC 3581 §4), from its top Via.

    Over a reliable transport the response goes back on the request's connection
    (``peer``). Otherwise: to ``maddr`` if present; else to ``received`` (or the sent-by
    host) at the ``rport`` value (or the sent-by port, or the transport's default port).
    """
    if peer.reliable:
        return peer
    transport = peer.transport
    default = _DEFAULT_PORT.get(transport.lower(), 5060)
    maddr = via.maddr
    if maddr:
        return Peer(transport, _unbracket(maddr), via.port or default)
    host = via.received or via.host
    port = via.rport_port or via.port or default
    return Peer(transport, _unbracket(host), port)


def stamp_via(request: Request, peer: Peer) -> None:
    """Add ``received`` and the ``rport`` value to the top Via (§18.2.1, RFC 3581 §4).

    ``received`` is added when the sent-by host differs from the source address, or
    when the client asked for ``rport``; an empty ``rport`` gets the source port. A Via
    already stamped is left alone, so calling this twice changes nothing.
    """
    via = request.via
    updates: dict[str, str | None] = {}
    if via.rport == "":
        updates["rport"] = str(peer.port)
        if via.received is None:
            updates["received"] = peer.host
    elif via.received is None and _unbracket(via.host).lower() != peer.host.lower():
        updates["received"] = peer.host
    if not updates:
        return
    stamped = via.with_params(**updates)
    vias = request.vias
    for index, f in enumerate(request.headers):
        if f.key == "via":
            # The values of this field are the first of ``vias``; the others stay as parsed.
            count = len(split_list(f.value, "Via")) if "," in f.value else 1
            value = ", ".join(str(v) for v in (stamped, *vias[1:count]))
            request.headers = request.headers.replaced(index, f.name, value, [stamped, *vias[1:]])
            return


def _dialog_fields(request: Request, cseq_method: str, to_value: str) -> list[tuple[str, str]]:
    """Via (top only), Max-Forwards, From, To, Call-ID, CSeq, Route: §9.1, §17.1.1.3."""
    fields = [
        ("Via", str(request.via)),
        ("Max-Forwards", "70"),
        ("From", request.headers.get("from") or ""),
        ("To", to_value),
        ("Call-ID", request.call_id),
        ("CSeq", f"{request.cseq.seq} {cseq_method}"),
    ]
    fields += [("Route", value) for value in request.headers.get_all("route")]
    fields.append(("Content-Length", "0"))
    return fields


def make_ack(request: Request, response: Response) -> Request:
    """The ACK for a non-2xx final response to ``request`` (§17.1.1.3).

    Same Request-URI, Call-ID, From, CSeq number and top Via (so the same branch) as the
    INVITE, the To of the response (with its tag), the INVITE's Route headers.
    """
    fields = _dialog_fields(request, Method.ACK, response.headers.get("to") or "")
    return Request(headers=Headers(fields), method=Method.ACK, uri=request.uri)


def make_cancel(request: Request) -> Request:
    """The CANCEL for ``request`` (§9.1): same Request-URI, Call-ID, To, From, CSeq
    number, top Via and Route headers."""
    fields = _dialog_fields(request, Method.CANCEL, request.headers.get("to") or "")
    return Request(headers=Headers(fields), method=Method.CANCEL, uri=request.uri)


def _tag_for(key: str) -> str:
    """A To tag derived from a key: the same for every retransmission, no randomness."""
    return hashlib.blake2s(key.encode(), digest_size=5).hexdigest()


def stateless_tag(request: Request) -> str:
    """The To tag of a response sent without a transaction (§8.2.7): derived from the
    request (top Via branch and sent-by, Call-ID, From tag, CSeq), so every
    retransmission gets the same one."""
    via = request.via
    parts = (via.branch or "", via.sent_by, request.call_id, request.from_.tag or "")
    return _tag_for("|".join((*parts, str(request.cseq))))


def _event_for(status: int, *, from_tu: bool) -> Event:
    if status < 200:
        return Event.TU_1XX if from_tu else Event.RESP_1XX
    if status < 300:
        return Event.TU_2XX if from_tu else Event.RESP_2XX
    return Event.TU_FINAL if from_tu else Event.RESP_FINAL


# --- transactions ----------------------------------------------------------------------
_DORMANT_MACHINE, _DORMANT_STATE, _DORMANT_TIMER = DORMANT

# A dormant transaction (Rule 9 of the tables): the arming sequence of its timer, the last
# response's bytes, where they went (transport, host, port), the To tag of that response
# and whether the transaction is internal. Only atoms: a plain tuple of them is not
# tracked by the garbage collector.
_Dormant = tuple[int, bytes, str, str, int, str | None, bool]
_TO_TAG: Final = 5
_INTERNAL: Final = 6


@dataclass(eq=False, slots=True)
class _Transaction:
    key: str
    machine: Machine
    state: State
    request: Request
    peer: Peer
    internal: bool = False
    timers: dict[Timer, int] = field(default_factory=dict)  # timer -> arming sequence
    intervals: dict[Timer, float] = field(default_factory=dict)  # current duration
    data: bytes = b""  # client: the request as sent
    last: bytes | None = None  # server: the last response sent
    dest: Peer | None = None  # server: where responses go
    response_to_tag: str | None = None  # server: To tag of the last response
    ack: bytes | None = None  # ICT: the ACK for the non-2xx final
    cancel_pending: bool = False  # ICT: cancel() before any provisional
    cancel_sent: bool = False
    cancel_deadline: float | None = None  # ICT: 64*T1 after the CANCEL (§9.1)


class TransactionLayer:
    """Every client and server transaction of one SIP endpoint.

    ``t1``, ``t2``, ``t4`` are the constants of §17.1.1.1 and Table 4; ``timer_c`` guards
    an INVITE client transaction in Proceeding and ``trying_delay`` is the delay before
    an unanswered INVITE gets an automatic 100 Trying (None: never), see Rule 7 of the
    tables. ``max_server_transactions`` is the cap above which new requests are answered
    503 with ``Retry-After: retry_after`` (see the module docstring).
    """

    def __init__(
        self,
        *,
        t1: float = 0.5,
        t2: float = 4.0,
        t4: float = 5.0,
        timer_c: float = 185.0,
        trying_delay: float | None = 0.2,
        max_server_transactions: int = 100_000,
        retry_after: int = 5,
    ) -> None:
        if not 0 < t1 <= t2:
            raise SipUsageError(f"need 0 < T1 <= T2, got T1={t1}, T2={t2}")
        self.timings = Timings(t1, t2, t4, timer_c, trying_delay)
        self.max_server_transactions = max_server_transactions
        self.retry_after = retry_after
        self._tx: dict[str, _Transaction] = {}
        # Rule 9 of the tables: dormant transactions as plain tuples, which the garbage
        # collector stops tracking (key -> see _Dormant), and timers as (deadline,
        # arming sequence, key, timer name) for the same reason.
        self._dormant: dict[str, _Dormant] = {}
        self._servers = 0
        self._heap: list[tuple[float, int, str, str]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._tx) + len(self._dormant)

    def state(self, key: str) -> State | None:
        """The state of transaction ``key``, or None when there is none."""
        tx = self._tx.get(key)
        if tx is None:
            return _DORMANT_STATE if key in self._dormant else None
        return tx.state

    # -- server side --------------------------------------------------------------
    def receive_request(self, request: Request, peer: Peer, now: float) -> list[Action]:
        """Feed a request from ``peer``; see the module docstring for what comes back.

        Raises :class:`SipParseError` when a header needed for matching (Via, CSeq,
        To, From, Call-ID) is missing or malformed: answer it statelessly.
        """
        stamp_via(request, peer)
        out: list[Action] = []
        method = request.method
        if method == Method.ACK:
            ack_tx = self._match_ack(request)
            if ack_tx is None:
                out.append(AckFor2xx(request, peer))
            else:
                self._fire(ack_tx, Event.ACK, now, out, request)
            return out
        key = self._server_key(request, method)
        tx = self._tx.get(key)
        if tx is not None:
            self._fire(tx, Event.REQUEST, now, out, request)
            return out
        dormant = self._dormant.get(key)
        if dormant is not None:  # Rule 9: a retransmission gets the last response again
            _, last, transport, host, port, _, _ = dormant
            out.append(Send(last, Peer(transport, host, port)))
            return out
        full = self._servers >= self.max_server_transactions
        if method == Method.CANCEL:
            self._new_cancel(key, request, peer, now, out, stateless=full)
            return out
        if full:
            response = make_response(
                request,
                503,
                to_tag=_tag_for(key),
                headers=[("Retry-After", str(self.retry_after))],
            )
            out.append(Send(bytes(response), response_destination(response.via, peer)))
            return out
        machine = Machine.IST if method == Method.INVITE else Machine.NIST
        tx = self._create(key, machine, request, peer, now, out)
        out.insert(0, NewRequest(key, request, peer))
        return out

    def respond(self, key: str, response: Response, now: float) -> list[Action]:
        """Send ``response`` in server transaction ``key`` (§17.2.1, §17.2.2).

        Raises :class:`SipUsageError` for an unknown or ended key, a client key, or a
        response the state does not allow (a second final, a 1xx after the final).
        """
        tx = self._tx.get(key)
        if tx is None and key in self._dormant and not self._dormant[key][_INTERNAL]:
            trigger = _event_for(response.status, from_tu=True)
            raise SipUsageError(  # no TU response is allowed in the dormant state
                f"{_DORMANT_MACHINE} transaction {key!r} in state {_DORMANT_STATE} cannot: "
                f"{trigger}"
            )
        if tx is None or tx.machine.is_client or tx.internal:
            raise SipUsageError(f"no server transaction {key!r} (unknown or terminated)")
        out: list[Action] = []
        self._fire(tx, _event_for(response.status, from_tu=True), now, out, response)
        return out

    def _server_key(self, request: Request, method: str, to_tag: str | None = None) -> str:
        via = request.via
        branch = via.branch
        if branch and branch.startswith(MAGIC_COOKIE):  # §17.2.3, RFC 3261 branch
            return f"s|{branch}|{via.host.lower()}:{via.port or ''}|{method}"
        if to_tag is None:
            to_tag = request.to.tag or ""
        parts = (
            str(request.uri),
            to_tag,
            request.from_.tag or "",
            request.call_id,
            str(request.cseq.seq),
            method,
            str(via),
        )
        return "s2543|" + "|".join(parts)

    def _match_ack(self, ack: Request) -> _Transaction | None:
        branch = ack.via.branch
        if branch and branch.startswith(MAGIC_COOKIE):
            tx = self._tx.get(self._server_key(ack, Method.INVITE))
            return tx if tx is not None and tx.machine is Machine.IST else None
        # RFC 2543: the ACK's To tag is the response's; the INVITE's was that tag (a
        # re-INVITE) or none (§17.2.3).
        ack_tag = ack.to.tag or ""
        for invite_tag in (ack_tag, ""):
            tx = self._tx.get(self._server_key(ack, Method.INVITE, invite_tag))
            if tx is not None and (tx.response_to_tag or "") == ack_tag:
                return tx
        return None

    def _match_cancel(self, cancel: Request) -> str | None:
        """The key of the server transaction ``cancel`` is for (live or dormant), if any."""
        # §9.2: match as if the CANCEL had the method of the request it cancels.
        for method in Method:
            if method in (Method.ACK, Method.CANCEL):
                continue
            key = self._server_key(cancel, method)
            tx = self._tx.get(key)
            if (tx is not None and not tx.machine.is_client) or key in self._dormant:
                return key
        return None

    def _new_cancel(
        self,
        key: str,
        cancel: Request,
        peer: Peer,
        now: float,
        out: list[Action],
        *,
        stateless: bool,
    ) -> None:
        target_key = self._match_cancel(cancel)
        target = None if target_key is None else self._tx.get(target_key)
        if target_key is None:
            response = make_response(cancel, 481, to_tag=_tag_for(key))
        else:
            to_tag = target.response_to_tag if target is not None else self._to_tag(target_key)
            response = make_response(cancel, 200, to_tag=to_tag or _tag_for(target_key))
        if stateless:
            out.append(Send(bytes(response), response_destination(response.via, peer)))
        else:
            tx = self._create(key, Machine.NIST, cancel, peer, now, out, internal=True)
            self._fire(tx, Event.TU_2XX, now, out, response)
        if (
            target is not None
            and target.machine is Machine.IST
            and target.state is State.PROCEEDING
        ):
            out.append(Cancelled(target.key, cancel, peer))

    # -- client side --------------------------------------------------------------
    def send_request(self, request: Request, peer: Peer, now: float) -> tuple[str, list[Action]]:
        """Start a client transaction for ``request`` to ``peer``; return its key.

        The top Via must carry a ``z9hG4bK`` branch unique to this request (§8.1.1.7).
        An ACK is never a transaction (the dialog sends the ACK for a 2xx itself with
        :class:`Send`, §13.2.2.4): :class:`SipUsageError`.
        """
        if request.method == Method.ACK:
            raise SipUsageError("an ACK is not a transaction: send it directly (§17.1.1.3)")
        branch = request.via.branch
        if not branch or not branch.startswith(MAGIC_COOKIE):
            raise SipUsageError(f"the top Via branch must start with {MAGIC_COOKIE} (§8.1.1.7)")
        key = f"c|{branch}|{request.method}"
        if key in self._tx:
            raise SipUsageError(f"a client transaction with branch {branch!r} already exists")
        machine = Machine.ICT if request.method == Method.INVITE else Machine.NICT
        out: list[Action] = []
        self._create(key, machine, request, peer, now, out)
        return key, out

    def cancel(self, key: str, now: float) -> list[Action]:
        """Cancel the INVITE client transaction ``key`` (§9.1).

        The CANCEL is built by :func:`make_cancel` and sent as its own, internal,
        non-INVITE client transaction once a provisional response has come (at once if one
        has; otherwise when the first arrives). A final response ends the INVITE as usual;
        if none comes within 64*T1 of the CANCEL, the INVITE times out (:class:`TimedOut`).
        Too late (a final was received, or the key is gone): nothing happens.
        """
        tx = self._tx.get(key)
        if tx is None:
            if not key.startswith("c|"):
                raise SipUsageError(f"{key!r} is not a client transaction key")
            return []
        if tx.machine is not Machine.ICT or tx.internal:
            raise SipUsageError(f"only an INVITE client transaction can be cancelled: {key!r}")
        out: list[Action] = []
        if tx.state is State.CALLING:
            tx.cancel_pending = True
        elif tx.state is State.PROCEEDING:
            self._send_cancel(tx, now, out)
        return out

    def _send_cancel(self, invite: _Transaction, now: float, out: list[Action]) -> None:
        if invite.cancel_sent:
            return
        invite.cancel_sent = True
        invite.cancel_pending = False
        cancel = make_cancel(invite.request)
        key = f"c|{invite.request.via.branch}|{Method.CANCEL}"
        if key not in self._tx:  # the TU may have sent its own CANCEL
            self._create(key, Machine.NICT, cancel, invite.peer, now, out, internal=True)
        # §9.1: no final within 64*T1 of the CANCEL: the INVITE is given up (Timer C).
        invite.cancel_deadline = now + 64 * self.timings.t1
        if Timer.C in invite.timers:
            self._arm(invite, Timer.C, now)

    def receive_response(self, response: Response, peer: Peer, now: float) -> list[Action]:
        """Feed a response; unmatched or unparsable ones are dropped (§17.1.3, §18.1.2)."""
        try:
            branch = response.via.branch
            method = response.cseq.method
        except SipParseError:
            return []
        tx = self._tx.get(f"c|{branch}|{method}")
        if tx is None:
            return []
        out: list[Action] = []
        self._fire(tx, _event_for(response.status, from_tu=False), now, out, response)
        return out

    # -- timers ---------------------------------------------------------------------
    def next_deadline(self) -> float | None:
        """When :meth:`on_timer` should next be called, or None if no timer runs."""
        heap = self._heap
        while heap:
            _, seq, key, name = heap[0]
            tx = self._tx.get(key)
            if tx is not None:
                if tx.timers.get(Timer(name)) == seq:
                    return heap[0][0]
            else:
                dormant = self._dormant.get(key)
                if dormant is not None and dormant[0] == seq:
                    return heap[0][0]
            heapq.heappop(heap)
        return None

    def on_timer(self, now: float) -> list[Action]:
        """Fire every timer due at ``now``, earliest first."""
        out: list[Action] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, seq, key, name = heapq.heappop(heap)
            tx = self._tx.get(key)
            if tx is None:
                dormant = self._dormant.get(key)
                if dormant is not None and dormant[0] == seq:
                    self._end_dormant(key, dormant, out)
                continue
            timer = Timer(name)
            if tx.timers.get(timer) != seq:
                continue  # stopped or re-armed since
            del tx.timers[timer]
            self._fire(tx, timer, now, out, None)
        return out

    # -- the interpreter of the tables ------------------------------------------------
    def _create(
        self,
        key: str,
        machine: Machine,
        request: Request,
        peer: Peer,
        now: float,
        out: list[Action],
        *,
        internal: bool = False,
    ) -> _Transaction:
        state, timers = INITIAL[machine]
        tx = _Transaction(key, machine, state, request, peer, internal)
        self._tx[key] = tx
        if machine.is_client:
            tx.data = bytes(request)
            out.append(Send(tx.data, peer))
        else:
            self._servers += 1
        for timer in timers:
            self._arm(tx, timer, now)
        return tx

    def _arm(self, tx: _Transaction, timer: Timer, now: float) -> bool:
        """Arm ``timer``; return True if it is due at once (a zero duration, Rule 4)."""
        spec = TIMERS[timer]
        current = tx.intervals.get(timer)
        duration: float | None
        if current is not None and spec.next is not None:
            duration = spec.next(current, tx.state, self.timings)
        else:
            duration = spec.first(self.timings, tx.peer.reliable)
        if duration is None:
            return False
        tx.intervals[timer] = duration
        if timer is Timer.C and tx.cancel_deadline is not None:
            duration = min(duration, tx.cancel_deadline - now)
        if duration <= 0:
            tx.timers.pop(timer, None)
            return True
        self._seq += 1
        tx.timers[timer] = self._seq
        heapq.heappush(self._heap, (now + duration, self._seq, tx.key, timer.value))
        return False

    def _fire(
        self,
        tx: _Transaction,
        trigger: Trigger,
        now: float,
        out: list[Action],
        message: Request | Response | None,
    ) -> None:
        transition = lookup(tx.machine, tx.state, trigger)
        if transition is None:
            raise SipUsageError(
                f"{tx.machine} transaction {tx.key!r} in state {tx.state} cannot: {trigger}"
            )
        for timer in transition.stop:
            tx.timers.pop(timer, None)
        tx.state = transition.next
        for effect in transition.effects:
            self._do(effect, tx, now, out, message)
        if tx.state is State.TERMINATED:
            self._remove(tx, out)
            return
        due = [timer for timer in transition.start if self._arm(tx, timer, now)]
        for timer in due:
            if self._tx.get(tx.key) is tx:
                self._fire(tx, timer, now, out, None)
        if (
            tx.state is _DORMANT_STATE
            and tx.machine is _DORMANT_MACHINE
            and self._tx.get(tx.key) is tx
        ):
            self._make_dormant(tx)

    def _make_dormant(self, tx: _Transaction) -> None:
        """Rule 9: keep only what the dormant state needs (see _Dormant)."""
        seq = tx.timers.get(_DORMANT_TIMER)
        if seq is None or len(tx.timers) != 1 or tx.last is None or tx.dest is None:
            return  # not the state Rule 9 describes: keep the whole transaction
        dest = tx.dest
        del self._tx[tx.key]
        self._dormant[tx.key] = (
            seq,
            tx.last,
            dest.transport,
            dest.host,
            dest.port,
            tx.response_to_tag,
            tx.internal,
        )

    def _end_dormant(self, key: str, dormant: _Dormant, out: list[Action]) -> None:
        """The dormant timer fired: the transaction terminates (Rule 9, Rule 6)."""
        del self._dormant[key]
        self._servers -= 1
        if not dormant[_INTERNAL]:
            out.append(Terminated(key))

    def _to_tag(self, dormant_key: str) -> str | None:
        return self._dormant[dormant_key][_TO_TAG]

    def _do(
        self,
        effect: Effect,
        tx: _Transaction,
        now: float,
        out: list[Action],
        message: Request | Response | None,
    ) -> None:
        if effect is Effect.PASS_UP:
            assert isinstance(message, Response)
            if not tx.internal:
                out.append(ResponseReceived(tx.key, message))
        elif effect is Effect.PASS_UP_ACK:
            assert isinstance(message, Request)
            out.append(AckFor2xx(message, tx.peer))
        elif effect is Effect.SEND_RESPONSE:
            assert isinstance(message, Response)
            self._send_response(tx, message, out)
        elif effect is Effect.SEND_TRYING:
            if tx.last is None:
                self._send_response(tx, make_response(tx.request, 100), out)
        elif effect is Effect.RESEND_RESPONSE:
            if tx.last is not None and tx.dest is not None:
                out.append(Send(tx.last, tx.dest))
        elif effect is Effect.RETRANSMIT:
            out.append(Send(tx.data, tx.peer))
        elif effect is Effect.SEND_ACK:
            assert isinstance(message, Response)
            if tx.ack is None:
                tx.ack = bytes(make_ack(tx.request, message))
            out.append(Send(tx.ack, tx.peer))
        elif effect is Effect.SEND_PENDING_CANCEL:
            if tx.cancel_pending:
                self._send_cancel(tx, now, out)
        elif effect is Effect.TIMEOUT:
            if not tx.internal:
                out.append(TimedOut(tx.key))
        else:  # pragma: no cover - every Effect is handled above
            raise AssertionError(effect)

    def _send_response(self, tx: _Transaction, response: Response, out: list[Action]) -> None:
        try:
            via = response.via
        except SipParseError as exc:
            raise SipUsageError(f"a response needs the request's Via: {exc}") from None
        data = bytes(response)
        tx.last = data
        tx.dest = response_destination(via, tx.peer)
        if response.status > 100:
            tx.response_to_tag = response.to.tag
        out.append(Send(data, tx.dest))

    def _remove(self, tx: _Transaction, out: list[Action]) -> None:
        del self._tx[tx.key]
        tx.timers.clear()
        if not tx.machine.is_client:
            self._servers -= 1
        if not tx.internal:
            out.append(Terminated(tx.key))
