"""The transaction layer (RFC 3261 §17, RFC 6026) driven with a fake clock.

Personas: the agent's desk phone (``PHONE``, extension 1001, behind no NAT), the same phone
seen through a NAT (``PHONE_NAT``), a SIP trunk over TCP (``TRUNK``) and the switch itself
as a UAC calling the phone. Every assertion is about what would be on the wire or what
the TU would be told.
"""

from __future__ import annotations

import gc

import pytest

from callcenter.sip.errors import SipUsageError
from callcenter.sip.headers import NameAddr, Via
from callcenter.sip.message import Request, Response, make_response, parse
from callcenter.sip.transaction import (
    AckFor2xx,
    Action,
    Cancelled,
    NewRequest,
    Peer,
    ResponseReceived,
    Send,
    State,
    Terminated,
    TimedOut,
    TransactionLayer,
    response_destination,
    stamp_via,
)
from callcenter.sip.uri import SipUri

T1, T2, T4 = 0.5, 4.0, 5.0
PHONE = Peer("udp", "192.168.1.23", 5062)
PHONE_NAT = Peer("udp", "203.0.113.7", 40000)
TRUNK = Peer("tcp", "10.0.0.5", 49152)
SWITCH_VIA_HOST = "192.168.1.10"


# --- helpers ---------------------------------------------------------------------------
def make_request(
    method: str = "OPTIONS",
    *,
    branch: str | None = "z9hG4bKagent1",
    transport: str = "UDP",
    host: str = "192.168.1.23",
    port: int | None = 5062,
    cseq: int = 1,
    to_tag: str | None = None,
    rport: bool = False,
    call_id: str = "call-1@192.168.1.23",
    headers: tuple[tuple[str, str], ...] = (),
) -> Request:
    """A request from the agent's phone to the switch (or the other way round)."""
    params: list[tuple[str, str | None]] = []
    if branch is not None:
        params.append(("branch", branch))
    if rport:
        params.append(("rport", None))
    to = NameAddr(SipUri("192.168.1.10", user="8001"))
    if to_tag is not None:
        to = to.with_tag(to_tag)
    return Request.create(
        method,
        SipUri("192.168.1.10", user="8001", port=5060),
        from_=NameAddr(SipUri("192.168.1.10", user="1001"), "Agent 1001").with_tag("a1001"),
        to=to,
        call_id=call_id,
        cseq=cseq,
        via=Via(transport, host, port, tuple(params)),
        headers=headers,
    )


def sends(actions: list[Action]) -> list[Send]:
    return [a for a in actions if isinstance(a, Send)]


def sent_messages(actions: list[Action]) -> list[Request | Response]:
    return [parse(a.data) for a in sends(actions)]


def only_send(actions: list[Action]) -> Response:
    (send,) = actions
    assert isinstance(send, Send)
    msg = parse(send.data)
    assert isinstance(msg, Response)
    return msg


def new_key(actions: list[Action]) -> str:
    assert isinstance(actions[0], NewRequest), actions
    return actions[0].key


def run_until(layer: TransactionLayer, end: float) -> list[tuple[float, Action]]:
    """Fire every timer up to ``end``, recording when each action happened."""
    log: list[tuple[float, Action]] = []
    while (deadline := layer.next_deadline()) is not None and deadline <= end:
        log.extend((deadline, a) for a in layer.on_timer(deadline))
    return log


def times_of(log: list[tuple[float, Action]], kind: type) -> list[float]:
    return [round(t, 6) for t, a in log if isinstance(a, kind)]


@pytest.fixture
def layer() -> TransactionLayer:
    return TransactionLayer(t1=T1, t2=T2, t4=T4)


# --- non-INVITE server transaction (§17.2.2) -----------------------------------------------
def test_nist_request_goes_up_and_retransmissions_are_absorbed_in_trying(
    layer: TransactionLayer,
) -> None:
    request = make_request()
    actions = layer.receive_request(request, PHONE, 0.0)
    assert actions == [NewRequest(new_key(actions), request, PHONE)]
    key = new_key(actions)
    assert layer.state(key) is State.TRYING
    assert layer.receive_request(make_request(), PHONE, 0.5) == []
    assert len(layer) == 1


def test_nist_proceeding_resends_last_provisional(layer: TransactionLayer) -> None:
    request = make_request("REGISTER")
    key = new_key(layer.receive_request(request, PHONE, 0.0))
    trying = make_response(request, 100)
    assert only_send(layer.respond(key, trying, 0.1)).status == 100
    assert layer.state(key) is State.PROCEEDING
    again = layer.receive_request(make_request("REGISTER"), PHONE, 0.5)
    assert again == [Send(bytes(trying), PHONE)]


def test_nist_completed_resends_final_then_timer_j(layer: TransactionLayer) -> None:
    request = make_request()
    key = new_key(layer.receive_request(request, PHONE, 0.0))
    ok = make_response(request, 200, to_tag="sw1")
    (send,) = layer.respond(key, ok, 0.1)
    assert send == Send(bytes(ok), PHONE)
    assert layer.state(key) is State.COMPLETED
    assert layer.receive_request(make_request(), PHONE, 1.0) == [send]
    assert layer.next_deadline() == pytest.approx(0.1 + 64 * T1)
    assert layer.on_timer(0.1 + 64 * T1 - 0.001) == []
    assert layer.on_timer(0.1 + 64 * T1) == [Terminated(key)]
    assert len(layer) == 0
    # After Timer J the same request is a new transaction again.
    assert isinstance(layer.receive_request(make_request(), PHONE, 40.0)[0], NewRequest)


def test_nist_completed_keeps_answering_cancel_and_refusing_the_tu(
    layer: TransactionLayer,
) -> None:
    request = make_request("REGISTER")
    key = new_key(layer.receive_request(request, PHONE, 0.0))
    layer.respond(key, make_response(request, 401, to_tag="sw1"), 0.1)
    with pytest.raises(SipUsageError):  # a second final (§17.2.2)
        layer.respond(key, make_response(request, 200, to_tag="sw1"), 0.2)
    cancel = only_send(layer.receive_request(make_request("CANCEL"), PHONE, 0.3))
    assert (cancel.status, cancel.to.tag) == (200, "sw1")  # §9.2: it matched
    assert layer.state(key) is State.COMPLETED
    assert len(layer) == 2  # the REGISTER and the CANCEL's own transaction


def test_completed_nist_costs_the_garbage_collector_nothing(layer: TransactionLayer) -> None:
    """Rule 9 of the tables: a busy UDP server holds 64*T1 worth of these."""
    gc.collect()
    before = len(gc.get_objects())
    for n in range(2000):
        request = make_request(branch=f"z9hG4bK{n}", call_id=f"call-{n}")
        key = new_key(layer.receive_request(request, PHONE, n / 1000))
        layer.respond(key, make_response(request, 200, to_tag=f"t{n}"), n / 1000)
    del request
    gc.collect()
    assert len(layer) == 2000
    assert len(gc.get_objects()) - before < 100  # a transaction object each would be 2000+
    assert len(run_until(layer, 100.0)) == 2000  # each one's Terminated
    assert len(layer) == 0


def test_nist_over_tcp_terminates_at_once(layer: TransactionLayer) -> None:
    request = make_request(transport="TCP", host="10.0.0.5", port=5060)
    key = new_key(layer.receive_request(request, TRUNK, 0.0))
    actions = layer.respond(key, make_response(request, 200, to_tag="t"), 0.0)
    assert [type(a) for a in actions] == [Send, Terminated]
    assert actions[0].peer == TRUNK  # type: ignore[union-attr]
    assert len(layer) == 0
    assert layer.next_deadline() is None


def test_responding_to_ended_or_unknown_keys_is_a_local_error(layer: TransactionLayer) -> None:
    request = make_request()
    key = new_key(layer.receive_request(request, PHONE, 0.0))
    layer.respond(key, make_response(request, 404, to_tag="x"), 0.0)
    with pytest.raises(SipUsageError):  # a second final (§17.2.2: Completed)
        layer.respond(key, make_response(request, 200, to_tag="x"), 0.1)
    with pytest.raises(SipUsageError):
        layer.respond("s|nope", make_response(request, 200), 0.1)
    layer.on_timer(100.0)
    with pytest.raises(SipUsageError):
        layer.respond(key, make_response(request, 200, to_tag="x"), 101.0)


# --- INVITE server transaction (§17.2.1, RFC 6026 §7.1) ------------------------------------
def test_ist_sends_100_trying_when_the_tu_is_slow(layer: TransactionLayer) -> None:
    invite = make_request("INVITE")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    assert layer.state(key) is State.PROCEEDING
    assert layer.next_deadline() == pytest.approx(0.2)
    trying = only_send(layer.on_timer(0.2))
    assert (trying.status, trying.to.tag) == (100, None)
    # A retransmitted INVITE gets the 100 again (§17.2.1).
    assert only_send(layer.receive_request(make_request("INVITE"), PHONE, 0.5)).status == 100


def test_ist_no_automatic_trying_when_the_tu_answers_first(layer: TransactionLayer) -> None:
    invite = make_request("INVITE")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    assert only_send(layer.respond(key, make_response(invite, 180, to_tag="s1"), 0.05)).status
    assert layer.on_timer(0.3) == []
    assert layer.next_deadline() is None
    again = layer.receive_request(make_request("INVITE"), PHONE, 0.5)
    assert only_send(again).status == 180


def test_ist_retransmitted_invite_before_any_response_is_absorbed() -> None:
    layer = TransactionLayer(trying_delay=None)
    new_key(layer.receive_request(make_request("INVITE"), PHONE, 0.0))
    assert layer.receive_request(make_request("INVITE"), PHONE, 0.5) == []
    assert layer.next_deadline() is None


def test_ist_non_2xx_final_retransmitted_on_timer_g_until_timer_h(
    layer: TransactionLayer,
) -> None:
    invite = make_request("INVITE")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    busy = make_response(invite, 486, to_tag="s1")
    layer.respond(key, busy, 0.0)
    assert layer.state(key) is State.COMPLETED
    log = run_until(layer, 100.0)
    # Timer G: T1, 2T1, 4T1, then capped at T2 (§17.2.1); Timer H at 64*T1.
    expected, t, interval = [], 0.0, T1
    while t + interval < 64 * T1:
        t += interval
        expected.append(round(t, 6))
        interval = min(2 * interval, T2)
    assert times_of(log, Send) == expected
    assert expected[:5] == [0.5, 1.5, 3.5, 7.5, 11.5]
    assert all(a == Send(bytes(busy), PHONE) for _, a in log if isinstance(a, Send))
    assert [a for _, a in log if not isinstance(a, Send)] == [TimedOut(key), Terminated(key)]
    assert times_of(log, TimedOut) == [64 * T1]
    assert len(layer) == 0


def test_ist_ack_for_non_2xx_is_absorbed_then_timer_i(layer: TransactionLayer) -> None:
    invite = make_request("INVITE")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    layer.respond(key, make_response(invite, 486, to_tag="s1"), 0.0)
    assert layer.on_timer(0.5) != []  # one Timer G retransmission
    ack = make_request("ACK", to_tag="s1")
    assert layer.receive_request(ack, PHONE, 0.6) == []
    assert layer.state(key) is State.CONFIRMED
    assert layer.receive_request(make_request("ACK", to_tag="s1"), PHONE, 0.7) == []
    assert layer.receive_request(make_request("INVITE"), PHONE, 0.8) == []
    assert layer.next_deadline() == pytest.approx(0.6 + T4)  # G and H are stopped
    assert layer.on_timer(0.6 + T4) == [Terminated(key)]
    assert len(layer) == 0


def test_ist_over_tcp_no_timer_g_and_timer_i_is_zero(layer: TransactionLayer) -> None:
    invite = make_request("INVITE", transport="TCP", host="10.0.0.5", port=5060)
    key = new_key(layer.receive_request(invite, TRUNK, 0.0))
    layer.respond(key, make_response(invite, 603, to_tag="s1"), 0.0)
    assert layer.next_deadline() == pytest.approx(64 * T1)  # only Timer H
    ack = make_request("ACK", transport="TCP", host="10.0.0.5", port=5060, to_tag="s1")
    assert layer.receive_request(ack, TRUNK, 1.0) == [Terminated(key)]
    assert len(layer) == 0


def test_ist_over_tcp_timer_h_still_reports_the_missing_ack(layer: TransactionLayer) -> None:
    invite = make_request("INVITE", transport="TCP", host="10.0.0.5", port=5060)
    key = new_key(layer.receive_request(invite, TRUNK, 0.0))
    layer.respond(key, make_response(invite, 480, to_tag="s1"), 0.0)
    log = run_until(layer, 1000.0)
    assert [a for _, a in log] == [TimedOut(key), Terminated(key)]


def test_ist_2xx_accepted_state_rfc6026(layer: TransactionLayer) -> None:
    invite = make_request("INVITE")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    ok = make_response(invite, 200, to_tag="s1")
    assert layer.respond(key, ok, 0.1) == [Send(bytes(ok), PHONE)]
    assert layer.state(key) is State.ACCEPTED
    # A retransmitted INVITE is absorbed: the TU, not the layer, retransmits the 2xx.
    assert layer.receive_request(make_request("INVITE"), PHONE, 0.6) == []
    assert layer.respond(key, ok, 0.6) == [Send(bytes(ok), PHONE)]
    with pytest.raises(SipUsageError):
        layer.respond(key, make_response(invite, 486, to_tag="s1"), 0.7)
    # The ACK for a 2xx carries a new branch: it belongs to the dialog.
    ack = make_request("ACK", branch="z9hG4bKack2xx", to_tag="s1")
    assert layer.receive_request(ack, PHONE, 0.8) == [AckFor2xx(ack, PHONE)]
    assert layer.next_deadline() == pytest.approx(0.1 + 64 * T1)  # Timer L
    assert layer.on_timer(0.1 + 64 * T1) == [Terminated(key)]


def test_ack_matching_an_accepted_invite_is_passed_up(layer: TransactionLayer) -> None:
    invite = make_request("INVITE")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    layer.respond(key, make_response(invite, 200, to_tag="s1"), 0.0)
    ack = make_request("ACK", to_tag="s1")  # same branch, as a confused peer would do
    assert layer.receive_request(ack, PHONE, 0.1) == [AckFor2xx(ack, PHONE)]
    assert layer.state(key) is State.ACCEPTED


def test_stray_ack_goes_to_the_tu(layer: TransactionLayer) -> None:
    ack = make_request("ACK", branch="z9hG4bKnobody", to_tag="x")
    assert layer.receive_request(ack, PHONE, 0.0) == [AckFor2xx(ack, PHONE)]
    assert len(layer) == 0


# --- CANCEL (§9.2) --------------------------------------------------------------------------
def test_cancel_of_a_ringing_invite(layer: TransactionLayer) -> None:
    invite = make_request("INVITE")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    layer.respond(key, make_response(invite, 180, to_tag="s1"), 0.0)
    cancel = make_request("CANCEL")
    actions = layer.receive_request(cancel, PHONE, 1.0)
    assert actions[1:] == [Cancelled(key, cancel, PHONE)]
    ok = only_send(actions[:1])
    assert (ok.status, ok.cseq.method, ok.to.tag) == (200, "CANCEL", "s1")
    # A retransmitted CANCEL gets the same 200 and is not reported again.
    assert layer.receive_request(make_request("CANCEL"), PHONE, 1.5) == actions[:1]
    terminated = make_response(invite, 487, to_tag="s1")
    assert layer.respond(key, terminated, 1.6) == [Send(bytes(terminated), PHONE)]
    assert layer.receive_request(make_request("ACK", to_tag="s1"), PHONE, 1.7) == []
    log = run_until(layer, 100.0)
    # The CANCEL transaction is the layer's own: only the INVITE's end is reported.
    assert [a for _, a in log if not isinstance(a, Send)] == [Terminated(key)]
    assert len(layer) == 0


def test_cancel_after_the_final_is_answered_200_without_effect(
    layer: TransactionLayer,
) -> None:
    invite = make_request("INVITE")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    layer.respond(key, make_response(invite, 200, to_tag="s1"), 0.0)
    response = only_send(layer.receive_request(make_request("CANCEL"), PHONE, 0.1))
    assert (response.status, response.to.tag) == (200, "s1")


def test_cancel_of_a_non_invite_is_answered_200_without_effect(
    layer: TransactionLayer,
) -> None:
    key = new_key(layer.receive_request(make_request("OPTIONS"), PHONE, 0.0))
    response = only_send(layer.receive_request(make_request("CANCEL"), PHONE, 0.1))
    assert response.status == 200
    assert layer.state(key) is State.TRYING


def test_unmatched_cancel_gets_481(layer: TransactionLayer) -> None:
    actions = layer.receive_request(make_request("CANCEL", branch="z9hG4bKgone"), PHONE, 0.0)
    response = only_send(actions)
    assert (response.status, response.cseq.method) == (481, "CANCEL")
    assert response.to.tag is not None
    assert len(layer) == 1  # absorbs the CANCEL's retransmissions until Timer J
    assert layer.receive_request(make_request("CANCEL", branch="z9hG4bKgone"), PHONE, 1.0) == (
        actions
    )
    assert run_until(layer, 100.0) == []
    assert len(layer) == 0


# --- response routing (§18.2.2, RFC 3581) ---------------------------------------------------
def test_response_follows_rport_and_received_through_nat(layer: TransactionLayer) -> None:
    invite = make_request("INVITE", rport=True)
    key = new_key(layer.receive_request(invite, PHONE_NAT, 0.0))
    assert invite.via.received == "203.0.113.7"
    assert invite.via.rport == "40000"
    (send,) = layer.respond(key, make_response(invite, 180, to_tag="s1"), 0.0)
    assert isinstance(send, Send)
    assert send.peer == PHONE_NAT
    response = parse(send.data)
    assert response.via.received == "203.0.113.7"
    assert response.via.rport == "40000"


def test_response_goes_to_received_and_sent_by_port_without_rport(
    layer: TransactionLayer,
) -> None:
    request = make_request()
    key = new_key(layer.receive_request(request, Peer("udp", "203.0.113.7", 40000), 0.0))
    (send,) = layer.respond(key, make_response(request, 200, to_tag="s"), 0.0)
    assert isinstance(send, Send)
    assert send.peer == Peer("udp", "203.0.113.7", 5062)


def test_response_goes_to_sent_by_with_default_port(layer: TransactionLayer) -> None:
    request = make_request(port=None)
    key = new_key(layer.receive_request(request, Peer("udp", "192.168.1.23", 33000), 0.0))
    assert request.via.received is None
    (send,) = layer.respond(key, make_response(request, 200, to_tag="s"), 0.0)
    assert isinstance(send, Send)
    assert send.peer == Peer("udp", "192.168.1.23", 5060)


def test_response_destination_maddr_and_reliable() -> None:
    via = Via("UDP", "192.168.1.23", 5062, (("maddr", "239.255.255.1"), ("received", "1.2.3.4")))
    assert response_destination(via, PHONE) == Peer("udp", "239.255.255.1", 5062)
    assert response_destination(via, TRUNK) == TRUNK
    v6 = Via("UDP", "[2001:db8::1]", None, ())
    assert response_destination(v6, Peer("udp", "2001:db8::1", 5060)).host == "2001:db8::1"


def test_stamp_via_is_idempotent_and_keeps_other_vias(corpus: dict[str, bytes]) -> None:
    invite = parse(corpus["invite_deskphone"])
    assert isinstance(invite, Request)
    invite.headers.add("Via", "SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKlower")
    stamp_via(invite, PHONE_NAT)
    once = bytes(invite)
    stamp_via(invite, PHONE_NAT)
    assert bytes(invite) == once
    assert [v.branch for v in invite.vias] == ["z9hG4bK1457468089", "z9hG4bKlower"]
    assert invite.via.rport_port == 40000


def test_corpus_invite_from_desk_phone_is_answered_at_its_rport(
    layer: TransactionLayer, corpus: dict[str, bytes]
) -> None:
    invite = parse(corpus["invite_deskphone"])
    assert isinstance(invite, Request)
    actions = layer.receive_request(invite, PHONE, 0.0)
    key = new_key(actions)
    (send,) = layer.respond(key, make_response(invite, 180, to_tag="as5e1f2d3c"), 0.0)
    assert send == Send(send.data, Peer("udp", "192.168.1.23", 5062))  # type: ignore[union-attr]
    again = parse(corpus["invite_deskphone"])
    assert isinstance(again, Request)
    assert sends(layer.receive_request(again, PHONE, 0.5)) == [send]


# --- RFC 2543 fallback matching (§17.2.3) ---------------------------------------------------
def test_rfc2543_requests_match_without_the_magic_cookie(layer: TransactionLayer) -> None:
    invite = make_request("INVITE", branch="old2543branch")
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    assert key.startswith("s2543|")
    layer.respond(key, make_response(invite, 486, to_tag="s1"), 0.0)
    retransmission = make_request("INVITE", branch="old2543branch")
    assert only_send(layer.receive_request(retransmission, PHONE, 0.3)).status == 486
    # Another CSeq is another transaction.
    other = make_request("INVITE", branch="old2543branch", cseq=2)
    assert isinstance(layer.receive_request(other, PHONE, 0.4)[0], NewRequest)
    # The ACK matches by the To tag of the response sent.
    wrong_tag = make_request("ACK", branch="old2543branch", to_tag="other")
    assert layer.receive_request(wrong_tag, PHONE, 0.5) == [AckFor2xx(wrong_tag, PHONE)]
    ack = make_request("ACK", branch="old2543branch", to_tag="s1")
    assert layer.receive_request(ack, PHONE, 0.5) == []
    assert layer.state(key) is State.CONFIRMED


def test_rfc2543_no_branch_at_all_and_cancel(layer: TransactionLayer) -> None:
    invite = make_request("INVITE", branch=None)
    key = new_key(layer.receive_request(invite, PHONE, 0.0))
    assert layer.receive_request(make_request("INVITE", branch=None), PHONE, 0.1) == []
    cancel = make_request("CANCEL", branch=None)
    actions = layer.receive_request(cancel, PHONE, 0.2)
    assert actions[1:] == [Cancelled(key, cancel, PHONE)]
    moved = make_request("CANCEL", branch=None, call_id="other@x")
    assert only_send(layer.receive_request(moved, PHONE, 0.3)).status == 481


def test_rfc2543_reinvite_ack_with_its_to_tag(layer: TransactionLayer) -> None:
    reinvite = make_request("INVITE", branch=None, to_tag="s1", cseq=5)
    key = new_key(layer.receive_request(reinvite, PHONE, 0.0))
    layer.respond(key, make_response(reinvite, 491), 0.0)
    ack = make_request("ACK", branch=None, to_tag="s1", cseq=5)
    assert layer.receive_request(ack, PHONE, 1.0) == []
    assert layer.state(key) is State.CONFIRMED


# --- INVITE client transaction (§17.1.1, RFC 6026 §7.2) -------------------------------------
def switch_invite(
    branch: str = "z9hG4bKsw1", transport: str = "UDP", routes: bool = False
) -> Request:
    headers = (("Route", "<sip:proxy.example.com;lr>"),) if routes else ()
    return make_request(
        "INVITE",
        branch=branch,
        transport=transport,
        host=SWITCH_VIA_HOST,
        port=5060,
        headers=headers,
    )


def test_ict_timer_a_doubles_until_timer_b(layer: TransactionLayer) -> None:
    invite = switch_invite()
    key, actions = layer.send_request(invite, PHONE, 0.0)
    assert actions == [Send(bytes(invite), PHONE)]
    assert layer.state(key) is State.CALLING
    log = run_until(layer, 100.0)
    assert times_of(log, Send) == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert [a for _, a in log if not isinstance(a, Send)] == [TimedOut(key), Terminated(key)]
    assert times_of(log, TimedOut) == [64 * T1]
    assert len(layer) == 0


def test_ict_over_tcp_never_retransmits(layer: TransactionLayer) -> None:
    key, _ = layer.send_request(switch_invite(transport="TCP"), TRUNK, 0.0)
    log = run_until(layer, 100.0)
    assert [a for _, a in log] == [TimedOut(key), Terminated(key)]


def test_ict_provisional_stops_retransmissions_and_timer_c_guards(
    layer: TransactionLayer,
) -> None:
    invite = switch_invite()
    key, _ = layer.send_request(invite, PHONE, 0.0)
    ringing = make_response(invite, 180, to_tag="p1")
    assert layer.receive_response(ringing, PHONE, 0.7) == [ResponseReceived(key, ringing)]
    assert layer.state(key) is State.PROCEEDING
    assert layer.on_timer(1.5) == []  # no more Timer A
    # Each provisional restarts Timer C (§16.7 step 2).
    layer.receive_response(make_response(invite, 183, to_tag="p1"), PHONE, 10.0)
    assert layer.next_deadline() == pytest.approx(10.0 + 185.0)
    assert layer.on_timer(10.0 + 185.0) == [TimedOut(key), Terminated(key)]


def test_ict_non_2xx_final_is_acked_by_the_layer(layer: TransactionLayer) -> None:
    invite = switch_invite(routes=True)
    key, _ = layer.send_request(invite, PHONE, 0.0)
    busy = make_response(invite, 486, to_tag="p1")
    actions = layer.receive_response(busy, PHONE, 0.2)
    assert actions[0] == ResponseReceived(key, busy)
    (ack,) = sent_messages(actions[1:])
    assert isinstance(ack, Request)
    assert (ack.method, str(ack.uri), ack.via.branch) == ("ACK", str(invite.uri), "z9hG4bKsw1")
    assert (ack.cseq.seq, ack.cseq.method) == (invite.cseq.seq, "ACK")
    assert ack.to.tag == "p1"
    assert (ack.from_, ack.call_id) == (invite.from_, invite.call_id)
    assert ack.headers.get_all("Route") == ["<sip:proxy.example.com;lr>"]
    assert len(ack.vias) == 1
    assert layer.state(key) is State.COMPLETED
    # A retransmitted final is absorbed, the ACK re-sent.
    assert layer.receive_response(busy, PHONE, 1.0) == actions[1:]
    assert layer.next_deadline() == pytest.approx(0.2 + 32.0)  # Timer D
    assert layer.on_timer(0.2 + 32.0) == [Terminated(key)]


def test_ict_non_2xx_over_tcp_timer_d_is_zero(layer: TransactionLayer) -> None:
    invite = switch_invite(transport="TCP")
    layer.send_request(invite, TRUNK, 0.0)
    actions = layer.receive_response(make_response(invite, 404, to_tag="p"), TRUNK, 0.1)
    assert [type(a) for a in actions] == [ResponseReceived, Send, Terminated]


def test_ict_2xx_accepted_passes_retransmissions_up(layer: TransactionLayer) -> None:
    invite = switch_invite()
    key, _ = layer.send_request(invite, PHONE, 0.0)
    ok = make_response(invite, 200, to_tag="p1")
    assert layer.receive_response(ok, PHONE, 0.1) == [ResponseReceived(key, ok)]
    assert layer.state(key) is State.ACCEPTED
    assert layer.on_timer(0.5) == []  # Timer A stopped
    assert layer.receive_response(ok, PHONE, 0.6) == [ResponseReceived(key, ok)]
    forked = make_response(invite, 200, to_tag="p2")
    assert layer.receive_response(forked, PHONE, 0.7) == [ResponseReceived(key, forked)]
    late = make_response(invite, 486, to_tag="p3")
    assert layer.receive_response(late, PHONE, 0.8) == []
    assert layer.next_deadline() == pytest.approx(0.1 + 64 * T1)  # Timer M
    assert layer.on_timer(0.1 + 64 * T1) == [Terminated(key)]


def test_ict_matches_corpus_responses(layer: TransactionLayer, corpus: dict[str, bytes]) -> None:
    invite = parse(corpus["invite_deskphone"])
    assert isinstance(invite, Request)
    key, _ = layer.send_request(invite, Peer("udp", "192.168.1.10", 5060), 0.0)
    ringing, ok = parse(corpus["ringing"]), parse(corpus["ok_invite"])
    assert isinstance(ringing, Response)
    assert isinstance(ok, Response)
    assert layer.receive_response(ringing, PHONE, 0.1) == [ResponseReceived(key, ringing)]
    assert layer.receive_response(ok, PHONE, 0.2) == [ResponseReceived(key, ok)]
    unauthorized = parse(corpus["unauthorized"])  # another branch and method
    assert isinstance(unauthorized, Response)
    assert layer.receive_response(unauthorized, PHONE, 0.3) == []


def test_cancel_waits_for_a_provisional_then_sends_a_cancel(layer: TransactionLayer) -> None:
    invite = switch_invite()
    key, _ = layer.send_request(invite, PHONE, 0.0)
    assert layer.cancel(key, 0.1) == []  # §9.1: not before a provisional
    ringing = make_response(invite, 180, to_tag="p1")
    actions = layer.receive_response(ringing, PHONE, 0.2)
    assert actions[0] == ResponseReceived(key, ringing)
    (cancel,) = sent_messages(actions[1:])
    assert isinstance(cancel, Request)
    assert (cancel.method, cancel.via.branch, str(cancel.uri)) == (
        "CANCEL",
        "z9hG4bKsw1",
        str(invite.uri),
    )
    assert (cancel.cseq.seq, cancel.cseq.method) == (invite.cseq.seq, "CANCEL")
    assert (cancel.to, cancel.from_, cancel.call_id) == (invite.to, invite.from_, invite.call_id)
    # The CANCEL is retransmitted on Timer E; its 200 is the layer's business.
    assert sent_messages(layer.on_timer(0.7)) == [cancel]
    assert layer.receive_response(make_response(cancel, 200, to_tag="p1"), PHONE, 0.8) == []
    assert layer.cancel(key, 0.9) == []  # once is enough
    terminated = make_response(invite, 487, to_tag="p1")
    actions = layer.receive_response(terminated, PHONE, 1.0)
    assert actions[0] == ResponseReceived(key, terminated)
    assert [m.method for m in sent_messages(actions) if isinstance(m, Request)] == ["ACK"]
    run_until(layer, 100.0)
    assert len(layer) == 0


def test_cancel_without_final_times_the_invite_out_after_64_t1(
    layer: TransactionLayer,
) -> None:
    invite = switch_invite()
    key, _ = layer.send_request(invite, PHONE, 0.0)
    layer.receive_response(make_response(invite, 180, to_tag="p1"), PHONE, 0.1)
    assert len(sends(layer.cancel(key, 1.0))) == 1
    log = run_until(layer, 1000.0)
    assert [(t, a) for t, a in log if not isinstance(a, Send)] == [
        (pytest.approx(1.0 + 64 * T1), TimedOut(key)),
        (pytest.approx(1.0 + 64 * T1), Terminated(key)),
    ]
    assert len(layer) == 0


def test_cancel_too_late_or_misused(layer: TransactionLayer) -> None:
    invite = switch_invite()
    key, _ = layer.send_request(invite, PHONE, 0.0)
    layer.receive_response(make_response(invite, 603, to_tag="p"), PHONE, 0.1)
    assert layer.cancel(key, 0.2) == []
    assert layer.cancel("c|z9hG4bKgone|INVITE", 0.2) == []
    options_key, _ = layer.send_request(make_request(branch="z9hG4bKo"), PHONE, 0.0)
    with pytest.raises(SipUsageError):
        layer.cancel(options_key, 0.3)
    with pytest.raises(SipUsageError):
        layer.cancel("s|z9hG4bKx|h:1|INVITE", 0.3)


def test_final_before_the_provisional_drops_a_pending_cancel(layer: TransactionLayer) -> None:
    invite = switch_invite(transport="TCP")
    key, _ = layer.send_request(invite, TRUNK, 0.0)
    layer.cancel(key, 0.1)
    actions = layer.receive_response(make_response(invite, 200, to_tag="p"), TRUNK, 0.2)
    assert [type(a) for a in actions] == [ResponseReceived]


# --- non-INVITE client transaction (§17.1.2) ------------------------------------------------
def test_nict_timer_e_doubles_to_t2_until_timer_f(layer: TransactionLayer) -> None:
    options = make_request(branch="z9hG4bKopt", host=SWITCH_VIA_HOST, port=5060)
    key, _ = layer.send_request(options, PHONE, 0.0)
    assert layer.state(key) is State.TRYING
    log = run_until(layer, 100.0)
    assert times_of(log, Send) == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    assert [a for _, a in log if not isinstance(a, Send)] == [TimedOut(key), Terminated(key)]
    assert times_of(log, TimedOut) == [64 * T1]


def test_nict_proceeding_retransmits_every_t2(layer: TransactionLayer) -> None:
    options = make_request(branch="z9hG4bKopt", host=SWITCH_VIA_HOST, port=5060)
    key, _ = layer.send_request(options, PHONE, 0.0)
    assert layer.on_timer(0.5) == [Send(bytes(options), PHONE)]  # next E at 1.5
    trying = make_response(options, 100)
    assert layer.receive_response(trying, PHONE, 0.6) == [ResponseReceived(key, trying)]
    assert layer.state(key) is State.PROCEEDING
    log = run_until(layer, 12.0)
    assert times_of(log, Send) == [1.5, 5.5, 9.5]  # §17.1.2.2: T2 in Proceeding
    ok = make_response(options, 200, to_tag="p")
    assert layer.receive_response(ok, PHONE, 12.0) == [ResponseReceived(key, ok)]
    assert layer.state(key) is State.COMPLETED
    assert layer.receive_response(ok, PHONE, 12.5) == []  # absorbed
    assert layer.next_deadline() == pytest.approx(12.0 + T4)  # Timer K
    assert layer.on_timer(12.0 + T4) == [Terminated(key)]


def test_nict_over_tcp_timer_k_is_zero(layer: TransactionLayer) -> None:
    options = make_request(branch="z9hG4bKopt", transport="TCP")
    key, _ = layer.send_request(options, TRUNK, 0.0)
    assert layer.next_deadline() == pytest.approx(64 * T1)  # Timer F only
    ok = make_response(options, 200, to_tag="p")
    assert layer.receive_response(ok, TRUNK, 0.1) == [ResponseReceived(key, ok), Terminated(key)]


def test_unmatched_responses_are_dropped(layer: TransactionLayer) -> None:
    options = make_request(branch="z9hG4bKopt")
    layer.send_request(options, PHONE, 0.0)
    other_branch = make_response(make_request(branch="z9hG4bKzzz"), 200)
    other_method = make_response(make_request("INFO", branch="z9hG4bKopt"), 200)
    no_via = make_response(options, 200)
    no_via.headers.remove("Via")
    for response in (other_branch, other_method, no_via):
        assert layer.receive_response(response, PHONE, 0.1) == []


def test_send_request_misuse(layer: TransactionLayer) -> None:
    with pytest.raises(SipUsageError):
        layer.send_request(make_request("ACK"), PHONE, 0.0)
    with pytest.raises(SipUsageError):
        layer.send_request(make_request(branch="no-cookie"), PHONE, 0.0)
    layer.send_request(make_request(), PHONE, 0.0)
    with pytest.raises(SipUsageError):
        layer.send_request(make_request(), PHONE, 0.0)
    key, _ = layer.send_request(make_request(branch="z9hG4bKc"), PHONE, 0.0)
    with pytest.raises(SipUsageError):
        layer.respond(key, make_response(make_request(), 200), 0.0)


# --- overload cap ---------------------------------------------------------------------------
def test_cap_on_server_transactions_answers_503() -> None:
    layer = TransactionLayer(max_server_transactions=2, retry_after=7)
    first = new_key(layer.receive_request(make_request(branch="z9hG4bK1"), PHONE, 0.0))
    new_key(layer.receive_request(make_request(branch="z9hG4bK2"), PHONE, 0.0))
    layer.send_request(make_request(branch="z9hG4bKmine"), PHONE, 0.0)  # clients don't count
    third = make_request(branch="z9hG4bK3")
    response = only_send(layer.receive_request(third, PHONE, 0.1))
    assert (response.status, response.headers.get("Retry-After")) == (503, "7")
    assert response.to.tag is not None
    again = only_send(layer.receive_request(make_request(branch="z9hG4bK3"), PHONE, 0.2))
    assert again.to.tag == response.to.tag  # the same answer for a retransmission
    assert len(layer) == 3
    # A CANCEL is still answered (statelessly) at the cap.
    cancel = make_request("CANCEL", branch="z9hG4bK1")
    assert only_send(layer.receive_request(cancel, PHONE, 0.3)).status == 200
    layer.respond(first, make_response(make_request(), 200, to_tag="t"), 0.4)
    run_until(layer, 100.0)
    assert isinstance(layer.receive_request(third, PHONE, 100.0)[0], NewRequest)


def test_next_deadline_is_none_when_idle(layer: TransactionLayer) -> None:
    assert layer.next_deadline() is None
    assert layer.on_timer(5.0) == []
    assert len(layer) == 0


def test_bad_timings_are_refused() -> None:
    with pytest.raises(SipUsageError):
        TransactionLayer(t1=5.0, t2=4.0)
