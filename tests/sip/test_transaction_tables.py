"""The transaction tables cell by cell, the timer table, and random interleavings.

The golden table below is written from RFC 3261 Figures 5-8 and RFC 6026 Figures 5 and 7,
independently of ``_transaction_tables``; every (machine, state, trigger) is checked
against it, and every (machine, state, network or TU event) also by driving a real
:class:`TransactionLayer` into the state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.sip._transaction_tables import (
    DORMANT,
    MACHINE_STATES,
    MACHINE_TRIGGERS,
    TABLES,
    TIMERS,
    Effect,
    Event,
    Machine,
    State,
    Timer,
    Timings,
    Transition,
    Trigger,
    lookup,
)
from callcenter.sip.errors import SipUsageError
from callcenter.sip.message import Request, make_response, parse
from callcenter.sip.transaction import (
    AckFor2xx,
    Action,
    Cancelled,
    NewRequest,
    Peer,
    ResponseReceived,
    Send,
    Terminated,
    TimedOut,
    TransactionLayer,
)

from .test_transaction import PHONE, TRUNK, make_request

# machine, state, trigger -> next state, effects, +started timers, -stopped timers.
# Cells not listed: network events and timers are absorbed, TU responses are refused.
GOLDEN = """
ICT   Calling    A          Calling     RETRANSMIT          +A
ICT   Calling    B          Terminated  TIMEOUT
ICT   Calling    1xx        Proceeding  PASS_UP,SEND_PENDING_CANCEL  +C -A -B
ICT   Calling    2xx        Accepted    PASS_UP             +M -A -B
ICT   Calling    final      Completed   PASS_UP,SEND_ACK    +D -A -B
ICT   Proceeding 1xx        Proceeding  PASS_UP             +C
ICT   Proceeding 2xx        Accepted    PASS_UP             +M -C
ICT   Proceeding final      Completed   PASS_UP,SEND_ACK    +D -C
ICT   Proceeding C          Terminated  TIMEOUT
ICT   Completed  final      Completed   SEND_ACK
ICT   Completed  D          Terminated  -
ICT   Accepted   2xx        Accepted    PASS_UP
ICT   Accepted   M          Terminated  -
NICT  Trying     E          Trying      RETRANSMIT          +E
NICT  Trying     F          Terminated  TIMEOUT
NICT  Trying     1xx        Proceeding  PASS_UP
NICT  Trying     2xx        Completed   PASS_UP             +K -E -F
NICT  Trying     final      Completed   PASS_UP             +K -E -F
NICT  Proceeding E          Proceeding  RETRANSMIT          +E
NICT  Proceeding F          Terminated  TIMEOUT
NICT  Proceeding 1xx        Proceeding  PASS_UP
NICT  Proceeding 2xx        Completed   PASS_UP             +K -E -F
NICT  Proceeding final      Completed   PASS_UP             +K -E -F
NICT  Completed  K          Terminated  -
IST   Proceeding request    Proceeding  RESEND_RESPONSE
IST   Proceeding Trying     Proceeding  SEND_TRYING
IST   Proceeding tu1xx      Proceeding  SEND_RESPONSE       -Trying
IST   Proceeding tu2xx      Accepted    SEND_RESPONSE       +L -Trying
IST   Proceeding tufinal    Completed   SEND_RESPONSE       +G +H -Trying
IST   Completed  request    Completed   RESEND_RESPONSE
IST   Completed  G          Completed   RESEND_RESPONSE     +G
IST   Completed  H          Terminated  TIMEOUT
IST   Completed  ack        Confirmed   -                   +I -G -H
IST   Confirmed  I          Terminated  -
IST   Accepted   ack        Accepted    PASS_UP_ACK
IST   Accepted   tu2xx      Accepted    SEND_RESPONSE
IST   Accepted   L          Terminated  -
NIST  Trying     tu1xx      Proceeding  SEND_RESPONSE
NIST  Trying     tu2xx      Completed   SEND_RESPONSE       +J
NIST  Trying     tufinal    Completed   SEND_RESPONSE       +J
NIST  Proceeding request    Proceeding  RESEND_RESPONSE
NIST  Proceeding tu1xx      Proceeding  SEND_RESPONSE
NIST  Proceeding tu2xx      Completed   SEND_RESPONSE       +J
NIST  Proceeding tufinal    Completed   SEND_RESPONSE       +J
NIST  Completed  request    Completed   RESEND_RESPONSE
NIST  Completed  J          Terminated  -
"""

EVENT_NAMES: dict[str, Event] = {
    "request": Event.REQUEST,
    "ack": Event.ACK,
    "tu1xx": Event.TU_1XX,
    "tu2xx": Event.TU_2XX,
    "tufinal": Event.TU_FINAL,
    "1xx": Event.RESP_1XX,
    "2xx": Event.RESP_2XX,
    "final": Event.RESP_FINAL,
}


def _trigger(name: str) -> Trigger:
    return EVENT_NAMES[name] if name in EVENT_NAMES else Timer(name)


def _golden() -> dict[tuple[Machine, State, Trigger], Transition]:
    out: dict[tuple[Machine, State, Trigger], Transition] = {}
    for line in GOLDEN.strip().splitlines():
        machine, state, trigger, next_state, effects, *timers = line.split()
        out[(Machine[machine], State(state), _trigger(trigger))] = Transition(
            State(next_state),
            tuple(Effect[e] for e in effects.split(",")) if effects != "-" else (),
            tuple(Timer(t[1:]) for t in timers if t.startswith("+")),
            tuple(Timer(t[1:]) for t in timers if t.startswith("-")),
        )
    return out


GOLDEN_TABLE = _golden()
CELLS = [
    (machine, state, trigger)
    for machine in Machine
    for state in MACHINE_STATES[machine]
    for trigger in MACHINE_TRIGGERS[machine]
]


def test_every_cell_is_counted() -> None:
    # 4 ICT states x (3 responses + A B C D M), 3 NICT x (3 + E F K),
    # 4 IST x (5 events + G H I L Trying), 3 NIST x (5 + J).
    assert len(CELLS) == 4 * 8 + 3 * 6 + 4 * 10 + 3 * 6
    assert set(GOLDEN_TABLE) <= set(CELLS)


@pytest.mark.parametrize(("machine", "state", "trigger"), CELLS, ids=str)
def test_table_cell(machine: Machine, state: State, trigger: Trigger) -> None:
    expected = GOLDEN_TABLE.get((machine, state, trigger))
    if expected is None:
        if isinstance(trigger, Event) and trigger.from_tu:
            assert lookup(machine, state, trigger) is None  # refused: SipUsageError
        else:
            assert lookup(machine, state, trigger) == Transition(state)  # absorbed
    else:
        assert lookup(machine, state, trigger) == expected


def test_the_dormant_state_only_resends_and_ends() -> None:
    """Rule 9: the layer may keep a transaction in this state as bytes and a deadline."""
    machine, state, timer = DORMANT
    assert TIMERS[timer].machine is machine
    for trigger in MACHINE_TRIGGERS[machine]:
        transition = lookup(machine, state, trigger)
        if trigger is Event.REQUEST:
            assert transition == Transition(state, (Effect.RESEND_RESPONSE,))
        elif trigger is timer:
            assert transition == Transition(State.TERMINATED)
        elif isinstance(trigger, Event) and trigger.from_tu:
            assert transition is None
        else:
            assert transition == Transition(state)
    # Every way into the state starts its timer, and no other.
    into = [t for (s, _), t in TABLES[machine].items() if t.next is state and s is not state]
    assert into
    assert all(t.start == (timer,) for t in into)


# --- the timer table (Table 4 of §A) --------------------------------------------------------
TIMINGS = Timings(t1=0.5, t2=4.0, t4=5.0, timer_c=185.0, trying=0.2)
# timer -> (first duration over UDP, over TCP); None: not armed.
DURATIONS: dict[Timer, tuple[float | None, float | None]] = {
    Timer.A: (0.5, None),
    Timer.B: (32.0, 32.0),
    Timer.C: (185.0, 185.0),
    Timer.D: (32.0, 0.0),
    Timer.E: (0.5, None),
    Timer.F: (32.0, 32.0),
    Timer.G: (0.5, None),
    Timer.H: (32.0, 32.0),
    Timer.I: (5.0, 0.0),
    Timer.J: (32.0, 0.0),
    Timer.K: (5.0, 0.0),
    Timer.L: (32.0, 32.0),
    Timer.M: (32.0, 32.0),
    Timer.TRYING: (0.2, 0.2),
}


@pytest.mark.parametrize("timer", list(Timer))
def test_timer_durations(timer: Timer) -> None:
    spec = TIMERS[timer]
    assert (spec.first(TIMINGS, False), spec.first(TIMINGS, True)) == DURATIONS[timer]
    assert spec.timer is timer
    assert spec.section


def test_timer_d_is_at_least_32_seconds_and_scales_with_t1() -> None:
    assert TIMERS[Timer.D].first(Timings(t1=1.0), False) == 64.0
    assert TIMERS[Timer.D].first(Timings(t1=0.1), False) == 32.0


def test_retransmission_intervals() -> None:
    a, e, g = (TIMERS[t].next for t in (Timer.A, Timer.E, Timer.G))
    assert a is not None
    assert e is not None
    assert g is not None
    assert [a(x, State.CALLING, TIMINGS) for x in (0.5, 4.0, 16.0)] == [1.0, 8.0, 32.0]
    assert [e(x, State.TRYING, TIMINGS) for x in (0.5, 2.0, 4.0)] == [1.0, 4.0, 4.0]
    assert e(0.5, State.PROCEEDING, TIMINGS) == 4.0
    assert [g(x, State.COMPLETED, TIMINGS) for x in (0.5, 2.0, 4.0)] == [1.0, 4.0, 4.0]
    assert all(TIMERS[t].next is None for t in Timer if t not in (Timer.A, Timer.E, Timer.G))


# --- the layer agrees with the table (network and TU events) ------------------------------
Setup = Callable[[TransactionLayer], tuple[str, Request]]


def _server(method: str, *responses: int, ack: bool = False) -> Setup:
    def setup(layer: TransactionLayer) -> tuple[str, Request]:
        request = make_request(method)
        (new, *_) = layer.receive_request(request, PHONE, 0.0)
        assert isinstance(new, NewRequest)
        for status in responses:
            layer.respond(new.key, make_response(request, status, to_tag="s1"), 0.0)
        if ack:
            layer.receive_request(make_request("ACK", to_tag="s1"), PHONE, 0.0)
        return new.key, request

    return setup


def _client(method: str, *statuses: int) -> Setup:
    def setup(layer: TransactionLayer) -> tuple[str, Request]:
        request = make_request(method, branch="z9hG4bKclient", host="192.168.1.10", port=5060)
        key, _ = layer.send_request(request, PHONE, 0.0)
        for status in statuses:
            layer.receive_response(make_response(request, status, to_tag="p1"), PHONE, 0.0)
        return key, request

    return setup


SETUPS: dict[tuple[Machine, State], Setup] = {
    (Machine.ICT, State.CALLING): _client("INVITE"),
    (Machine.ICT, State.PROCEEDING): _client("INVITE", 180),
    (Machine.ICT, State.COMPLETED): _client("INVITE", 486),
    (Machine.ICT, State.ACCEPTED): _client("INVITE", 200),
    (Machine.NICT, State.TRYING): _client("OPTIONS"),
    (Machine.NICT, State.PROCEEDING): _client("OPTIONS", 100),
    (Machine.NICT, State.COMPLETED): _client("OPTIONS", 200),
    (Machine.IST, State.PROCEEDING): _server("INVITE"),
    (Machine.IST, State.COMPLETED): _server("INVITE", 486),
    (Machine.IST, State.CONFIRMED): _server("INVITE", 486, ack=True),
    (Machine.IST, State.ACCEPTED): _server("INVITE", 200),
    (Machine.NIST, State.TRYING): _server("OPTIONS"),
    (Machine.NIST, State.PROCEEDING): _server("OPTIONS", 100),
    (Machine.NIST, State.COMPLETED): _server("OPTIONS", 200),
}
STATUS = {
    Event.TU_1XX: 180,
    Event.TU_2XX: 200,
    Event.TU_FINAL: 404,
    Event.RESP_1XX: 180,
    Event.RESP_2XX: 200,
    Event.RESP_FINAL: 404,
}
EVENT_CELLS = [cell for cell in CELLS if isinstance(cell[2], Event)]


@pytest.mark.parametrize(("machine", "state", "event"), EVENT_CELLS, ids=str)
def test_layer_follows_the_table(machine: Machine, state: State, event: Event) -> None:
    layer = TransactionLayer(trying_delay=None)
    key, request = SETUPS[(machine, state)](layer)
    assert layer.state(key) is state
    transition = lookup(machine, state, event)
    if event is Event.REQUEST:
        layer.receive_request(make_request(request.method), PHONE, 0.1)
    elif event is Event.ACK:
        layer.receive_request(make_request("ACK", to_tag="s1"), PHONE, 0.1)
    elif event.from_tu:
        response = make_response(request, STATUS[event], to_tag="s1")
        if transition is None:
            with pytest.raises(SipUsageError):
                layer.respond(key, response, 0.1)
            assert layer.state(key) is state
            return
        layer.respond(key, response, 0.1)
    else:
        layer.receive_response(make_response(request, STATUS[event], to_tag="p1"), PHONE, 0.1)
    assert transition is not None
    assert layer.state(key) is transition.next


# --- random interleavings (hypothesis) -----------------------------------------------------
SERVER_OPS = ("request", "ack", "ack2xx", "cancel", "tu1xx", "tu2xx", "tufinal")
CLIENT_OPS = ("send", "resp1xx", "resp2xx", "respfinal", "cancel_client")
OPS = st.tuples(
    st.sampled_from(SERVER_OPS + CLIENT_OPS + ("wait",)),
    st.integers(0, 5),  # which request
    st.sampled_from(["INVITE", "OPTIONS"]),
    st.floats(0, 3, allow_nan=False),  # time passing before the op
)


def _peer_for(i: int) -> tuple[Peer, str, str]:
    if i % 2:
        return TRUNK, "TCP", "10.0.0.5"
    return PHONE, "UDP", "192.168.1.23"


class Tu:
    """A test TU: remembers the keys it was told about and checks every action."""

    def __init__(self) -> None:
        self.live: set[str] = set()
        self.ended: set[str] = set()
        self.server: dict[str, Request] = {}

    def take(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, NewRequest):
                assert action.key not in self.live
                self.live.add(action.key)
                self.server[action.key] = action.request
            elif isinstance(action, Terminated):
                assert action.key in self.live, action
                self.live.remove(action.key)
                self.ended.add(action.key)
            elif isinstance(action, ResponseReceived | TimedOut | Cancelled):
                assert action.key in self.live, action
            else:
                assert isinstance(action, Send | AckFor2xx)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, max_size=60))
def test_random_interleavings_never_raise_and_never_leak(
    ops: list[tuple[str, int, str, float]],
) -> None:
    layer = TransactionLayer()
    tu = Tu()
    now = 0.0
    clients: dict[int, tuple[str, Request]] = {}
    for op, i, method, dt in ops:
        now += dt
        tu.take(layer.on_timer(now))
        peer, transport, host = _peer_for(i)
        branch = f"z9hG4bKr{i}{method}"
        request = functools.partial(
            make_request, branch=branch, transport=transport, host=host, cseq=i + 1
        )
        if op == "request":
            tu.take(layer.receive_request(request(method), peer, now))
        elif op == "ack":
            tu.take(layer.receive_request(request("ACK", to_tag="s1"), peer, now))
        elif op == "ack2xx":
            ack = make_request("ACK", branch=f"z9hG4bKack{i}", to_tag="s1")
            tu.take(layer.receive_request(ack, peer, now))
        elif op == "cancel":
            tu.take(layer.receive_request(request("CANCEL"), peer, now))
        elif op.startswith("tu"):
            status = {"tu1xx": 180, "tu2xx": 200, "tufinal": 486}[op]
            for key, req in list(tu.server.items()):
                if key in tu.live and req.via.branch == branch:
                    state = layer.state(key)
                    assert state is not None
                    event = Event.TU_1XX if status < 200 else Event.TU_2XX
                    if status >= 300:
                        event = Event.TU_FINAL
                    machine = Machine.IST if req.method == "INVITE" else Machine.NIST
                    response = make_response(req, status, to_tag="s1")
                    if lookup(machine, state, event) is None:
                        with pytest.raises(SipUsageError):
                            layer.respond(key, response, now)
                    else:
                        tu.take(layer.respond(key, response, now))
        elif op == "send":
            if i not in clients:
                req = make_request(method, branch=f"z9hG4bKc{i}", transport=transport)
                key, actions = layer.send_request(req, peer, now)
                tu.live.add(key)
                tu.take(actions)
                clients[i] = (key, req)
        elif op.startswith("resp") and i in clients:
            status = {"resp1xx": 180, "resp2xx": 200, "respfinal": 486}[op]
            req = clients[i][1]
            tu.take(layer.receive_response(make_response(req, status, to_tag="p"), peer, now))
        elif op == "cancel_client" and i in clients:
            key, req = clients[i]
            if req.method == "INVITE":
                tu.take(layer.cancel(key, now))
    # The TU answers whatever it still owes, then time runs out.
    for key in list(tu.live):
        state = layer.state(key)
        if key in tu.server and state in (State.TRYING, State.PROCEEDING):
            response = make_response(tu.server[key], 500, to_tag="s1")
            tu.take(layer.respond(key, response, now))
    for _ in range(10_000):
        deadline = layer.next_deadline()
        if deadline is None:
            break
        now = max(now, deadline)
        tu.take(layer.on_timer(now))
    assert len(layer) == 0
    assert tu.live == set()
    assert layer.next_deadline() is None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.booleans(), min_size=1, max_size=40),  # which datagrams are lost
    st.booleans(),
    st.sampled_from([200, 486]),
)
def test_lossy_pair_reaches_an_outcome(losses: list[bool], ringing: bool, status: int) -> None:
    """The switch (UAC) calls the phone (UAS) over a UDP link that drops datagrams."""
    switch, phone = TransactionLayer(), TransactionLayer()
    switch_peer, phone_peer = Peer("udp", "192.168.1.10", 5060), PHONE
    invite = make_request("INVITE", branch="z9hG4bKlossy", host="192.168.1.10", port=5060)
    key, in_flight = switch.send_request(invite, phone_peer, 0.0)
    lost = iter(losses)
    outcome: list[Action] = []
    now = 0.0
    for _ in range(10_000):
        to_switch: list[Action] = []
        for action in in_flight:
            if isinstance(action, Send) and not next(lost, False):
                msg = parse(action.data)
                if action.peer == phone_peer:
                    assert isinstance(msg, Request)
                    for got in phone.receive_request(msg, switch_peer, now):
                        if isinstance(got, NewRequest):
                            for code in (180, status) if ringing else (status,):
                                answer = make_response(got.request, code, to_tag="ph")
                                to_switch += phone.respond(got.key, answer, now)
                        else:
                            to_switch.append(got)
                else:
                    to_switch += switch.receive_response(msg, phone_peer, now)  # type: ignore[arg-type]
            elif not isinstance(action, Send):
                outcome.append(action)
        in_flight = to_switch
        if not in_flight:
            deadlines = [d for d in (switch.next_deadline(), phone.next_deadline()) if d]
            if not deadlines:
                break
            now = min(deadlines)
            in_flight = switch.on_timer(now) + phone.on_timer(now)
    finals = [a for a in outcome if isinstance(a, ResponseReceived) and a.response.status >= 200]
    timed_out = TimedOut(key) in outcome
    assert finals or timed_out  # the call got an answer, or the TU learns it did not
    assert all(f.response.status == status for f in finals)
    assert len(switch) == 0
    assert len(phone) == 0
