"""SIP dialogs as sans-IO state objects (RFC 3261 §12, with §13-§15 for INVITE and BYE).

Owns the dialog state one user agent keeps for one peer (each leg of the switch's
back-to-back user agent has one :class:`Dialog`), and the registry that finds a dialog
for an incoming request or response (:class:`DialogSet`). No sockets, no clock: the
caller passes in the messages it sent or received and sends the requests built here
through its transactions.

State (§12): the dialog ID (Call-ID, local tag, remote tag), the local and remote
sequence numbers, the local and remote URIs, the remote target, the route set and the
secure flag, plus the state early / confirmed / terminated and two re-INVITE flags.

Rules, each from the RFC section named:

1. Creation, UAS (§12.1.1): from the INVITE received and our 1xx (with To tag) or 2xx.
   Route set = the request's Record-Route, in order; remote target = its Contact;
   remote sequence number = its CSeq; local sequence number empty; remote tag = From
   tag (empty for an RFC 2543 peer), local tag = our To tag. 1xx: early; 2xx: confirmed.
2. Creation, UAC (§12.1.2): from our INVITE and a 1xx with a To tag or a 2xx. Route set
   = the response's Record-Route, *reversed*; remote target = its Contact; local
   sequence number = the INVITE's CSeq; remote sequence number empty. A forked INVITE
   gets one early dialog per remote tag (§12.1.2, §13.2.2.4): :meth:`DialogSet.uac_response`.
3. Secure (§12.1.1, §12.1.2): the Request-URI was SIPS and the request went over TLS.
4. In-dialog requests (§12.2.1.1): Request-URI = remote target and Route = route set
   when the route set is empty or its first URI has ``lr``; otherwise (a strict router)
   Request-URI = the first route (without the parameters a Request-URI may not carry)
   and Route = the rest followed by the remote target. To/From carry the remote/local
   URI and tags; CSeq = local sequence number + 1 (a random start when empty, §8.1.1.5).
5. ACK for a 2xx (§13.2.2.4): built as an in-dialog request, with the INVITE's CSeq
   number and the method ACK; the local sequence number does not move.
6. Receiving a request (§12.2.2): a CSeq lower than the remote sequence number is out of
   order: 500. A target refresh (re-INVITE, UPDATE, SUBSCRIBE, NOTIFY) replaces the
   remote target with its Contact. A request for a terminated dialog: 481.
7. Glare (§14.1, §14.2): a re-INVITE received while ours is outstanding: 491; a second
   re-INVITE before we answered the first: 500. Our own re-INVITE may not be started
   while either is outstanding (:attr:`Dialog.can_reinvite`).
8. Responses received (§12.2.1.2, §13.2.2.4): a 2xx to the INVITE confirms an early
   dialog and recomputes its route set; a 2xx to a target refresh replaces the remote
   target; a 481 or 408 to any in-dialog request terminates the dialog; a non-2xx final
   response to the initial INVITE terminates the early dialog (§12.3).
9. BYE (§15): sending or receiving BYE terminates the dialog. A UAS may not send BYE on
   an early dialog (§15).

The 481 for a request whose dialog does not exist (§12.2.2) is answered by the caller
with :meth:`DialogSet.match` (or :meth:`DialogSet.receive_request`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from .constants import Method
from .errors import SipParseError, SipUsageError
from .headers import NameAddr, Via
from .message import Request, Response
from .uri import SipUri, Uri

__all__ = [
    "TARGET_REFRESH",
    "Dialog",
    "DialogId",
    "DialogSet",
    "DialogState",
    "Random",
]

Random = Callable[[int], int]
"""A source of random bits, ``rand(k) -> int`` of ``k`` bits (:func:`secrets.randbits`)."""

MAX_FORWARDS: Final = 70
BRANCH_COOKIE: Final = "z9hG4bK"
# Requests that replace the remote target (§12.2; RFC 3311 UPDATE; RFC 6665 SUBSCRIBE
# and NOTIFY); the ones we send carry our Contact.
TARGET_REFRESH: Final = frozenset(
    m.value for m in (Method.INVITE, Method.UPDATE, Method.SUBSCRIBE, Method.NOTIFY)
)
# URI parameters not allowed in a Request-URI (§19.1.1 table: "method"); URI headers
# are dropped too.
_NOT_IN_REQUEST_URI: Final = frozenset(("method",))
_MAX_SEQ: Final = 2**31 - 1


class DialogState(StrEnum):
    EARLY = "early"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class DialogId:
    """The dialog ID of §12: Call-ID, local tag, remote tag ("" when the peer sent none)."""

    call_id: str
    local_tag: str
    remote_tag: str

    @classmethod
    def of_request(cls, request: Request) -> DialogId:
        """The ID of the dialog a request we *received* belongs to (To tag is ours)."""
        return cls(request.call_id, request.to.tag or "", request.from_.tag or "")

    @classmethod
    def of_response(cls, response: Response) -> DialogId:
        """The ID of the dialog a response we *received* belongs to (From tag is ours)."""
        return cls(response.call_id, response.from_.tag or "", response.to.tag or "")


def _contact_uri(msg: Request | Response, what: str) -> Uri:
    contacts = msg.contacts
    if not contacts:
        raise SipParseError(f"a dialog needs a Contact in the {what} (§12.1)", where="Contact")
    return contacts[0].uri


def _is_tls(via: Via) -> bool:
    return via.transport in ("TLS", "WSS")


def _request_uri(uri: Uri) -> Uri:
    """A route URI made fit for the Request-URI of a strict router (§12.2.1.1)."""
    if not isinstance(uri, SipUri) or not (
        uri.headers or any(k.lower() in _NOT_IN_REQUEST_URI for k, _ in uri.params)
    ):
        return uri
    params = tuple((k, v) for k, v in uri.params if k.lower() not in _NOT_IN_REQUEST_URI)
    return SipUri(uri.host, uri.user, uri.password, uri.port, params, (), uri.scheme)


@dataclass(eq=False)
class Dialog:
    """One dialog, seen from our side (§12). Build with :meth:`uas` or :meth:`uac`.

    ``local``/``remote`` are the From/To values we write in requests (URI, display name
    and tag); ``local_seq`` is None until the first request we send when we are the UAS
    (§12.1.1), ``remote_seq`` None until the first request we receive when we are the UAC
    (§12.1.2). ``reinvite_out``: an INVITE we sent (initial or re-INVITE) awaits its
    final response; ``reinvite_in``: an INVITE we received awaits our final response.
    ``via`` is the template (transport and sent-by, no branch) of the Via we put in
    requests; ``local_contact`` goes in the target refreshes we send.
    """

    id: DialogId
    state: DialogState
    is_uac: bool
    local: NameAddr
    remote: NameAddr
    remote_target: Uri
    route_set: tuple[NameAddr, ...] = ()
    local_seq: int | None = None
    remote_seq: int | None = None
    secure: bool = False
    local_contact: NameAddr | None = None
    via: Via | None = None
    reinvite_out: bool = False
    reinvite_in: bool = False
    rand: Random = field(default=secrets.randbits, repr=False)
    _bye_sent: bool = field(default=False, init=False, repr=False)

    # -- creation ------------------------------------------------------------------
    @classmethod
    def uas(
        cls,
        request: Request,
        response: Response,
        *,
        over_tls: bool | None = None,
        via: Via | None = None,
        rand: Random = secrets.randbits,
    ) -> Dialog:
        """The dialog a UAS creates when it sends a 1xx (with To tag) or 2xx to ``request``.

        ``over_tls`` says whether the request arrived over TLS (default: its top Via's
        transport is TLS or WSS). ``via`` is the template for the Via of requests we send
        in the dialog (we are not the UAC, so there is none to copy).
        """
        local_tag = response.to.tag
        if request.method != Method.INVITE and request.method != Method.SUBSCRIBE:
            raise SipUsageError(f"{request.method} does not create a dialog")
        if not 101 <= response.status <= 299 or local_tag is None:
            raise SipUsageError("a dialog is created by a 101-299 response with a To tag")
        tls = _is_tls(request.via) if over_tls is None else over_tls
        remote = request.from_
        local = request.to.with_tag(local_tag)
        contacts = response.contacts
        return cls(
            id=DialogId(request.call_id, local_tag, remote.tag or ""),
            state=DialogState.EARLY if response.status < 200 else DialogState.CONFIRMED,
            is_uac=False,
            local=local,
            remote=remote,
            remote_target=_contact_uri(request, "request"),
            route_set=tuple(request.record_routes),
            local_seq=None,
            remote_seq=request.cseq.seq,
            secure=tls and request.uri.scheme == "sips",
            local_contact=contacts[0] if contacts else None,
            via=via,
            reinvite_in=request.method == Method.INVITE and response.status < 200,
            rand=rand,
        )

    @classmethod
    def uac(
        cls,
        request: Request,
        response: Response,
        *,
        over_tls: bool | None = None,
        rand: Random = secrets.randbits,
    ) -> Dialog:
        """The dialog a UAC creates on a 1xx with a To tag or a 2xx to its ``request``.

        ``over_tls`` says whether the request was sent over TLS (default: its top Via's
        transport). A 1xx without Contact gets the Request-URI as a provisional remote
        target (replaced by the 2xx's Contact); a 2xx without Contact is a 400 error.
        """
        remote_tag = response.to.tag
        if not 101 <= response.status <= 299:
            raise SipUsageError(f"a {response.status} response does not create a dialog")
        if remote_tag is None:
            raise SipParseError("a dialog-creating response needs a To tag", where="To")
        if response.call_id != request.call_id or response.cseq != request.cseq:
            raise SipUsageError("the response does not answer this request")
        local_tag = request.from_.tag
        if local_tag is None:
            raise SipUsageError("our request has no From tag (§8.1.1.3)")
        if response.status >= 200 or response.contacts:
            target = _contact_uri(response, "response")
        else:
            target = request.uri
        via = request.via
        tls = _is_tls(via) if over_tls is None else over_tls
        early = response.status < 200
        return cls(
            id=DialogId(request.call_id, local_tag, remote_tag),
            state=DialogState.EARLY if early else DialogState.CONFIRMED,
            is_uac=True,
            local=request.from_,
            remote=request.to.with_tag(remote_tag),
            remote_target=target,
            route_set=tuple(reversed(response.record_routes)),
            local_seq=request.cseq.seq,
            remote_seq=None,
            secure=tls and request.uri.scheme == "sips",
            local_contact=next(iter(request.contacts), None),
            via=Via(
                via.transport, via.host, via.port, _without_branch(via), via.protocol, via.version
            ),
            reinvite_out=early,
            rand=rand,
        )

    # -- properties ----------------------------------------------------------------
    @property
    def local_uri(self) -> Uri:
        return self.local.uri

    @property
    def remote_uri(self) -> Uri:
        return self.remote.uri

    @property
    def is_early(self) -> bool:
        return self.state is DialogState.EARLY

    @property
    def is_confirmed(self) -> bool:
        return self.state is DialogState.CONFIRMED

    @property
    def is_terminated(self) -> bool:
        return self.state is DialogState.TERMINATED

    @property
    def can_reinvite(self) -> bool:
        """True when we may send a re-INVITE now (§14.1: none in progress either way)."""
        return self.is_confirmed and not (self.reinvite_out or self.reinvite_in)

    def terminate(self) -> None:
        self.state = DialogState.TERMINATED
        self.reinvite_in = self.reinvite_out = False

    # -- building requests (§12.2.1.1, §13.2.2.4) -----------------------------------
    def new_branch(self) -> str:
        """A fresh RFC 3261 branch (§8.1.1.7) from the dialog's random source."""
        return f"{BRANCH_COOKIE}{self.rand(64):016x}"

    def _target_and_routes(self) -> tuple[Uri, list[NameAddr]]:
        routes = list(self.route_set)
        if not routes:
            return self.remote_target, []
        first = routes[0].uri
        if isinstance(first, SipUri) and first.lr:
            return self.remote_target, routes
        # Strict router (§12.2.1.1, §16.6 step 6 of RFC 2543 routing).
        return _request_uri(first), [*routes[1:], NameAddr(self.remote_target)]

    def _build(
        self,
        method: str,
        seq: int,
        *,
        body: bytes,
        content_type: str | None,
        extra_headers: Iterable[tuple[str, str]],
        branch: str | None,
        via: Via | None,
    ) -> Request:
        template = via if via is not None else self.via
        if template is None:
            raise SipUsageError("no Via template: pass via= or set Dialog.via")
        top = template.with_params(branch=branch or self.new_branch())
        uri, routes = self._target_and_routes()
        headers: list[tuple[str, str]] = [("Route", str(r)) for r in routes]
        headers.extend(extra_headers)
        contact = self.local_contact if method in TARGET_REFRESH else None
        return Request.create(
            method,
            uri,
            from_=self.local,
            to=self.remote,
            call_id=self.id.call_id,
            cseq=seq,
            via=top,
            max_forwards=MAX_FORWARDS,
            contact=contact,
            headers=headers,
            body=body,
            content_type=content_type,
        )

    def create_request(
        self,
        method: str,
        *,
        body: bytes = b"",
        content_type: str | None = None,
        extra_headers: Iterable[tuple[str, str]] = (),
        branch: str | None = None,
        via: Via | None = None,
    ) -> Request:
        """Build the next request in this dialog (§12.2.1.1) and advance the local CSeq.

        ``branch`` defaults to a fresh one from the random source; ``via`` to
        :attr:`via`. Not for ACK (:meth:`create_ack`) nor CANCEL (built from the INVITE,
        §9.1). Sending INVITE marks a re-INVITE outstanding (clear it with
        :meth:`update_from_response`); sending BYE terminates the dialog (§15.1.1).
        Raises :class:`SipUsageError` for a request the dialog's state forbids.
        """
        if method in (Method.ACK, Method.CANCEL):
            raise SipUsageError(f"{method} is not built by create_request")
        if self.is_terminated and not (method == Method.BYE and self._bye_sent):
            raise SipUsageError(f"cannot send {method} in a terminated dialog")
        if method == Method.BYE and self.is_early and not self.is_uac:
            raise SipUsageError("a UAS must not send BYE on an early dialog (§15)")
        if method == Method.INVITE and not self.can_reinvite:
            raise SipUsageError("an INVITE is already in progress in this dialog (§14.1)")
        seq = (self.local_seq + 1) if self.local_seq is not None else 1 + self.rand(16)
        if seq > _MAX_SEQ:
            raise SipUsageError("local CSeq would exceed 2**31-1 (§8.1.1.5)")
        request = self._build(
            method,
            seq,
            body=body,
            content_type=content_type,
            extra_headers=extra_headers,
            branch=branch,
            via=via,
        )
        self.local_seq = seq
        if method == Method.INVITE:
            self.reinvite_out = True
        elif method == Method.BYE:
            self._bye_sent = True
            self.terminate()
        return request

    def create_ack(
        self,
        invite_cseq: int,
        *,
        body: bytes = b"",
        content_type: str | None = None,
        extra_headers: Iterable[tuple[str, str]] = (),
        branch: str | None = None,
        via: Via | None = None,
    ) -> Request:
        """The ACK for a 2xx to the INVITE whose CSeq number is ``invite_cseq`` (§13.2.2.4).

        A new transaction, so a new branch (§17.1.1.3 concerns non-2xx ACKs only);
        credentials of the INVITE go in ``extra_headers``. Allowed once the dialog was
        confirmed, also after it terminated (a 2xx must be acknowledged before a BYE).
        """
        if self.is_early:
            raise SipUsageError("only a 2xx is acknowledged in a dialog; this one is early")
        return self._build(
            Method.ACK,
            invite_cseq,
            body=body,
            content_type=content_type,
            extra_headers=extra_headers,
            branch=branch,
            via=via,
        )

    # -- receiving requests (§12.2.2, §14.2, §15.1.2) --------------------------------
    def receive_request(self, request: Request) -> int | None:
        """Apply an in-dialog request we received; None to accept, else the status to answer.

        481 when the dialog is terminated or the request is not for it; 500 when its CSeq
        is lower than the remote sequence number (§12.2.2) or it is an INVITE arriving
        before we answered the previous one (§14.2, add a Retry-After); 491 when it is an
        INVITE arriving while ours is in progress (§14.2). An ACK is never answered: for
        an ACK the result is always None. Accepting a target refresh replaces the remote
        target with its Contact; accepting BYE terminates the dialog.
        """
        method = request.method
        if method == Method.ACK:
            return None
        if self.is_terminated or DialogId.of_request(request) != self.id:
            return 481
        seq = request.cseq.seq
        if self.remote_seq is not None and seq < self.remote_seq:
            return 500
        self.remote_seq = seq  # in order, even if refused below (§12.2.2)
        if method == Method.INVITE:
            if self.reinvite_in:
                return 500
            if self.reinvite_out:
                return 491
        if method in TARGET_REFRESH:
            contacts = request.contacts
            if contacts:
                self.remote_target = contacts[0].uri
        if method == Method.INVITE:
            self.reinvite_in = True
        elif method == Method.BYE:
            self.terminate()
        return None

    def response_sent(self, response: Response) -> None:
        """Note a response we sent to a request of this dialog (or the initial INVITE).

        A final response to an INVITE ends ``reinvite_in``; our 2xx confirms an early
        dialog (UAS side); a non-2xx final response to the initial INVITE terminates it
        (§12.3).
        """
        if self.is_terminated or response.cseq.method != Method.INVITE:
            return
        if response.status < 200:
            return
        self.reinvite_in = False
        if self.is_early:
            if response.status < 300:
                self.state = DialogState.CONFIRMED
                contacts = response.contacts
                if contacts:
                    self.local_contact = contacts[0]
            else:
                self.terminate()

    # -- receiving responses (§12.2.1.2, §13.2.2.4) ----------------------------------
    def update_from_response(self, response: Response) -> None:
        """Apply a response to a request we sent in this dialog (or the initial INVITE).

        Raises :class:`SipUsageError` when the response belongs to another dialog.
        """
        if DialogId.of_response(response) != self.id:
            raise SipUsageError("the response does not belong to this dialog")
        if self.is_terminated:
            return
        status = response.status
        method = response.cseq.method
        if status in (408, 481):
            self.terminate()  # §12.2.1.2
            return
        if method == Method.INVITE and status >= 200:
            self.reinvite_out = False
        if status >= 300:
            if method == Method.INVITE and self.is_early:
                self.terminate()  # §12.3
            return
        if (status >= 200 and method in TARGET_REFRESH) or (
            self.is_early and method == Method.INVITE
        ):
            contacts = response.contacts
            if contacts:
                self.remote_target = contacts[0].uri
        if method == Method.INVITE and status >= 200 and self.is_early:
            self.state = DialogState.CONFIRMED
            if self.is_uac:  # §13.2.2.4: recompute the route set from the 2xx
                self.route_set = tuple(reversed(response.record_routes))


def _without_branch(via: Via) -> tuple[tuple[str, str | None], ...]:
    return tuple((k, v) for k, v in via.params if k.lower() not in ("branch", "received"))


class DialogSet:
    """The dialogs of one user agent, keyed by dialog ID (§12).

    The switch looks up every request with a To tag (:meth:`match`) and answers 481 when
    there is no dialog (§12.2.2); responses to our INVITEs go through
    :meth:`uac_response`, which creates one early dialog per remote tag when an INVITE
    forks (§12.1.2, §13.2.2.4).
    """

    def __init__(self, *, rand: Random = secrets.randbits) -> None:
        self._dialogs: dict[DialogId, Dialog] = {}
        self._rand = rand

    def __len__(self) -> int:
        return len(self._dialogs)

    def __iter__(self) -> Iterator[Dialog]:
        return iter(list(self._dialogs.values()))

    def __contains__(self, dialog_id: object) -> bool:
        return dialog_id in self._dialogs

    def add(self, dialog: Dialog) -> Dialog:
        if dialog.id in self._dialogs:
            raise SipUsageError(f"dialog {dialog.id} already exists")
        self._dialogs[dialog.id] = dialog
        return dialog

    def get(self, dialog_id: DialogId) -> Dialog | None:
        return self._dialogs.get(dialog_id)

    def remove(self, dialog_id: DialogId) -> Dialog | None:
        return self._dialogs.pop(dialog_id, None)

    def purge(self) -> list[Dialog]:
        """Remove and return the terminated dialogs."""
        gone = [d for d in self._dialogs.values() if d.is_terminated]
        for d in gone:
            del self._dialogs[d.id]
        return gone

    def match(self, request: Request) -> Dialog | None:
        """The dialog of a request we received, by (Call-ID, To tag, From tag) (§12.2.2)."""
        return self._dialogs.get(DialogId.of_request(request))

    def match_response(self, response: Response) -> Dialog | None:
        """The dialog of a response we received, by (Call-ID, From tag, To tag)."""
        return self._dialogs.get(DialogId.of_response(response))

    def of_invite(self, call_id: str, local_tag: str) -> list[Dialog]:
        """Every dialog created by one INVITE of ours: several when it forked."""
        return [
            d
            for d in self._dialogs.values()
            if d.is_uac and d.id.call_id == call_id and d.id.local_tag == local_tag
        ]

    def receive_request(self, request: Request) -> tuple[Dialog | None, int | None]:
        """Route a request we received: ``(dialog, status_to_answer)``.

        A request without a To tag is outside any dialog: ``(None, None)``, the caller
        handles it as new. With a To tag and no dialog: 481 (§12.2.2), except for an ACK
        (never answered: a late ACK is dropped). Otherwise :meth:`Dialog.receive_request`.
        """
        if request.to.tag is None:
            return None, None
        dialog = self.match(request)
        if dialog is None:
            return None, None if request.method == Method.ACK else 481
        return dialog, dialog.receive_request(request)

    def uac_response(self, request: Request, response: Response) -> Dialog | None:
        """Apply a response to our out-of-dialog ``request`` (an INVITE, normally).

        A 1xx with a To tag or a 2xx creates the dialog of its remote tag, or updates
        it; a non-2xx final response terminates (and removes) every early dialog of the
        request (§12.3). Returns the dialog concerned, or None.
        """
        status = response.status
        call_id, local_tag = request.call_id, request.from_.tag or ""
        if status >= 300:
            for d in self.of_invite(call_id, local_tag):
                if d.is_early:
                    d.terminate()
                    del self._dialogs[d.id]
            return None
        if status == 100 or response.to.tag is None:
            return None
        dialog = self.match_response(response)
        if dialog is None:
            return self.add(Dialog.uac(request, response, rand=self._rand))
        dialog.update_from_response(response)
        return dialog
