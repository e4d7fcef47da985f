"""The transaction state machines of RFC 3261 §17 (with RFC 6026's corrections) as data.

Owns the four machines' states, the events that drive them, the timers and what each
transition does. :mod:`callcenter.sip.transaction` interprets these tables; nothing here
touches a message.

The rules, in the spirit of h11's ``_state.py``:

Rule 1. There are four machines (§17): the INVITE client transaction (ICT, §17.1.1), the
non-INVITE client transaction (NICT, §17.1.2), the INVITE server transaction (IST,
§17.2.1) and the non-INVITE server transaction (NIST, §17.2.2). Each is a table from
(state, trigger) to a :class:`Transition`: the next state, the effects to perform (in
order), the timers to stop and the timers to (re)start.

Rule 2. A trigger is a network event (a request retransmission, an ACK, a response of
class 1xx / 2xx / 3xx-6xx), a response handed down by the TU (server side) or a timer
firing. A combination missing from a table means: a network event is absorbed (nothing
happens: a late or duplicated message never hurts, §17.1.1.2, §17.2.1); a TU response is
a local error (:class:`~callcenter.sip.errors.SipUsageError`: the TU answered twice or
after the end, §17.2.1 "MUST be discarded" — we refuse loudly instead); a timer cannot
fire (every timer is stopped when its state is left) and is ignored.

Rule 3. RFC 6026 §7.1 and §7.2: a 2xx moves both INVITE machines to *Accepted* instead of
*Terminated*. The IST in Accepted absorbs INVITE retransmissions (the TU retransmits the
2xx, §13.3.1.4, by handing it down again), passes matching ACKs up to the TU and ends on
Timer L. The ICT in Accepted passes every further 2xx up (the dialog ACKs each one,
§13.2.2.4), drops anything else, and ends on Timer M.

Rule 4. Timer durations are functions of T1, T2, T4 and the transport's reliability
(:data:`TIMERS`, Table 4 of §A). Over a reliable transport the retransmission timers A, E
and G are never armed (§17.1.1.2, §17.1.2.2, §17.2.1) and the wait timers D, I, J and K
are zero: they fire at once, so the transaction ends within the call that reached the
waiting state.

Rule 5. Retransmission timers re-arm themselves when they fire: A doubles each time
(§17.1.1.2); E doubles up to T2 in Trying and is T2 in Proceeding (§17.1.2.2); G doubles
up to T2 (§17.2.1). Timers B, F and H report a timeout to the TU (it treats B and F as a
408, §8.1.3.1; H means the ACK never came, §13.3.1.4) and end the transaction.

Rule 6. Reaching *Terminated* removes the transaction and every timer it had (§17.1.1.2,
§17.2.1): memory is bounded by live transactions only.

Rule 7. Two timers the RFC leaves to the TU are kept here so that no transaction can
live forever without one: Timer C guards an ICT in Proceeding (like a proxy's Timer C,
§16.6 step 11, > 3 minutes, restarted by each provisional; 64*T1 once a CANCEL was sent,
§9.1), and the Trying timer makes an IST send 100 Trying if the TU has not answered within
200 ms (§17.2.1).

Rule 8. Matching (§17.1.3, §17.2.3), CANCEL (§9.1, §9.2), the ACK for a non-2xx
(§17.1.1.3) and the overload cap live in :mod:`callcenter.sip.transaction`, whose
docstring describes them.

Rule 9. A state whose only remaining duties are to answer each retransmission of the
request with the last response and to end when one timer fires is *dormant*
(:data:`DORMANT`): the non-INVITE server transaction in Completed, waiting for Timer J
(§17.2.2). The layer then keeps only the key, the bytes of that response, where they went,
the To tag and the timer, no message objects. Over UDP such transactions live 64*T1 (32 s)
each and outnumber all others on a busy server: a REGISTER or OPTIONS a millisecond costs
tens of thousands of them. The table rows of the dormant state must say exactly this (a
request retransmission re-sends, the timer terminates, nothing else happens); a test holds
them to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "DORMANT",
    "INITIAL",
    "MACHINE_STATES",
    "MACHINE_TRIGGERS",
    "TABLES",
    "TIMERS",
    "Effect",
    "Event",
    "Machine",
    "State",
    "Timer",
    "TimerSpec",
    "Timings",
    "Transition",
    "Trigger",
    "lookup",
]


class Machine(StrEnum):
    ICT = "INVITE client"  # §17.1.1
    NICT = "non-INVITE client"  # §17.1.2
    IST = "INVITE server"  # §17.2.1
    NIST = "non-INVITE server"  # §17.2.2

    @property
    def is_client(self) -> bool:
        return self in (Machine.ICT, Machine.NICT)


class State(StrEnum):
    CALLING = "Calling"
    TRYING = "Trying"
    PROCEEDING = "Proceeding"
    COMPLETED = "Completed"
    CONFIRMED = "Confirmed"
    ACCEPTED = "Accepted"  # RFC 6026 §7.1, §7.2
    TERMINATED = "Terminated"


class Event(StrEnum):
    # server side, from the network
    REQUEST = "request retransmission"
    ACK = "ACK"
    # server side, from the TU
    TU_1XX = "TU sends 1xx"
    TU_2XX = "TU sends 2xx"
    TU_FINAL = "TU sends 3xx-6xx"
    # client side, from the network
    RESP_1XX = "1xx received"
    RESP_2XX = "2xx received"
    RESP_FINAL = "3xx-6xx received"

    @property
    def from_tu(self) -> bool:
        return self in (Event.TU_1XX, Event.TU_2XX, Event.TU_FINAL)


class Timer(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"
    I = "I"  # noqa: E741 - the RFC's name
    J = "J"
    K = "K"
    L = "L"
    M = "M"
    TRYING = "Trying"


Trigger = Event | Timer


class Effect(StrEnum):
    PASS_UP = "pass the response to the TU"
    PASS_UP_ACK = "pass the ACK to the TU"
    SEND_RESPONSE = "send the TU's response, remember it as the last"
    RESEND_RESPONSE = "re-send the last response, if any"
    SEND_TRYING = "send 100 Trying unless a response was sent"
    RETRANSMIT = "re-send the request"
    SEND_ACK = "send the ACK for the non-2xx final (built once, §17.1.1.3)"
    SEND_PENDING_CANCEL = "send the CANCEL the TU asked for before any 1xx (§9.1)"
    TIMEOUT = "report the timeout to the TU"


@dataclass(frozen=True, slots=True)
class Timings:
    """The protocol constants of Table 4 (§A), plus the two timers of Rule 7."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0
    timer_c: float = 185.0
    trying: float | None = 0.2


@dataclass(frozen=True, slots=True)
class TimerSpec:
    """One timer: where it runs, its first duration, its next one, what firing does.

    ``first(timings, reliable)`` is the duration when armed: None means not armed on that
    transport, 0 means fire at once (Rule 4). ``next(current, state, timings)`` is the
    duration after it fires, for retransmission timers (Rule 5).
    """

    timer: Timer
    machine: Machine
    section: str
    first: Callable[[Timings, bool], float | None]
    next: Callable[[float, State, Timings], float] | None
    fires: str


def _unreliable(value: Callable[[Timings], float]) -> Callable[[Timings, bool], float | None]:
    return lambda t, reliable: None if reliable else value(t)


def _zero_if_reliable(value: Callable[[Timings], float]) -> Callable[[Timings, bool], float | None]:
    return lambda t, reliable: 0.0 if reliable else value(t)


def _always(value: Callable[[Timings], float | None]) -> Callable[[Timings, bool], float | None]:
    return lambda t, reliable: value(t)


def _e_next(current: float, state: State, t: Timings) -> float:
    return min(2 * current, t.t2) if state is State.TRYING else t.t2


TIMERS: Final[dict[Timer, TimerSpec]] = {
    spec.timer: spec
    for spec in (
        TimerSpec(
            Timer.A,
            Machine.ICT,
            "§17.1.1.2",
            _unreliable(lambda t: t.t1),
            lambda cur, state, t: 2 * cur,
            "retransmit the INVITE",
        ),
        TimerSpec(
            Timer.B,
            Machine.ICT,
            "§17.1.1.2",
            _always(lambda t: 64 * t.t1),
            None,
            "timeout (408 for the TU)",
        ),
        TimerSpec(
            Timer.C,
            Machine.ICT,
            "§16.6 step 11, §9.1",
            _always(lambda t: t.timer_c),
            None,
            "timeout: no final response in Proceeding",
        ),
        TimerSpec(
            Timer.D,
            Machine.ICT,
            "§17.1.1.2",
            _zero_if_reliable(lambda t: max(32.0, 64 * t.t1)),
            None,
            "terminate (end of absorbing final retransmissions)",
        ),
        TimerSpec(
            Timer.E,
            Machine.NICT,
            "§17.1.2.2",
            _unreliable(lambda t: t.t1),
            _e_next,
            "retransmit the request",
        ),
        TimerSpec(
            Timer.F,
            Machine.NICT,
            "§17.1.2.2",
            _always(lambda t: 64 * t.t1),
            None,
            "timeout (408 for the TU)",
        ),
        TimerSpec(
            Timer.G,
            Machine.IST,
            "§17.2.1",
            _unreliable(lambda t: t.t1),
            lambda cur, state, t: min(2 * cur, t.t2),
            "retransmit the final response",
        ),
        TimerSpec(
            Timer.H,
            Machine.IST,
            "§17.2.1",
            _always(lambda t: 64 * t.t1),
            None,
            "timeout: the ACK never came",
        ),
        TimerSpec(
            Timer.I,
            Machine.IST,
            "§17.2.1",
            _zero_if_reliable(lambda t: t.t4),
            None,
            "terminate (end of absorbing ACKs)",
        ),
        TimerSpec(
            Timer.J,
            Machine.NIST,
            "§17.2.2",
            _zero_if_reliable(lambda t: 64 * t.t1),
            None,
            "terminate (end of absorbing request retransmissions)",
        ),
        TimerSpec(
            Timer.K,
            Machine.NICT,
            "§17.1.2.2",
            _zero_if_reliable(lambda t: t.t4),
            None,
            "terminate (end of absorbing response retransmissions)",
        ),
        TimerSpec(
            Timer.L,
            Machine.IST,
            "RFC 6026 §7.1",
            _always(lambda t: 64 * t.t1),
            None,
            "terminate (end of Accepted)",
        ),
        TimerSpec(
            Timer.M,
            Machine.ICT,
            "RFC 6026 §7.2",
            _always(lambda t: 64 * t.t1),
            None,
            "terminate (end of Accepted)",
        ),
        TimerSpec(
            Timer.TRYING,
            Machine.IST,
            "§17.2.1",
            _always(lambda t: t.trying),
            None,
            "send 100 Trying if the TU has not answered",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Transition:
    """What a trigger does in a state (Rule 1)."""

    next: State
    effects: tuple[Effect, ...] = ()
    start: tuple[Timer, ...] = ()
    stop: tuple[Timer, ...] = ()


def _t(
    next_state: State,
    *effects: Effect,
    start: tuple[Timer, ...] = (),
    stop: tuple[Timer, ...] = (),
) -> Transition:
    return Transition(next_state, effects, start, stop)


S, E, Tm, X = State, Event, Timer, Effect

TABLES: Final[dict[Machine, dict[tuple[State, Trigger], Transition]]] = {
    # §17.1.1.2, Figure 5; RFC 6026 §7.2, Figure 5.
    Machine.ICT: {
        (S.CALLING, Tm.A): _t(S.CALLING, X.RETRANSMIT, start=(Tm.A,)),
        (S.CALLING, Tm.B): _t(S.TERMINATED, X.TIMEOUT),
        (S.CALLING, E.RESP_1XX): _t(
            S.PROCEEDING, X.PASS_UP, X.SEND_PENDING_CANCEL, start=(Tm.C,), stop=(Tm.A, Tm.B)
        ),
        (S.CALLING, E.RESP_2XX): _t(S.ACCEPTED, X.PASS_UP, start=(Tm.M,), stop=(Tm.A, Tm.B)),
        (S.CALLING, E.RESP_FINAL): _t(
            S.COMPLETED, X.PASS_UP, X.SEND_ACK, start=(Tm.D,), stop=(Tm.A, Tm.B)
        ),
        (S.PROCEEDING, E.RESP_1XX): _t(S.PROCEEDING, X.PASS_UP, start=(Tm.C,)),
        (S.PROCEEDING, E.RESP_2XX): _t(S.ACCEPTED, X.PASS_UP, start=(Tm.M,), stop=(Tm.C,)),
        (S.PROCEEDING, E.RESP_FINAL): _t(
            S.COMPLETED, X.PASS_UP, X.SEND_ACK, start=(Tm.D,), stop=(Tm.C,)
        ),
        (S.PROCEEDING, Tm.C): _t(S.TERMINATED, X.TIMEOUT),
        (S.COMPLETED, E.RESP_FINAL): _t(S.COMPLETED, X.SEND_ACK),
        (S.COMPLETED, Tm.D): _t(S.TERMINATED),
        (S.ACCEPTED, E.RESP_2XX): _t(S.ACCEPTED, X.PASS_UP),
        (S.ACCEPTED, Tm.M): _t(S.TERMINATED),
    },
    # §17.1.2.2, Figure 6.
    Machine.NICT: {
        (S.TRYING, Tm.E): _t(S.TRYING, X.RETRANSMIT, start=(Tm.E,)),
        (S.TRYING, Tm.F): _t(S.TERMINATED, X.TIMEOUT),
        (S.TRYING, E.RESP_1XX): _t(S.PROCEEDING, X.PASS_UP),
        (S.TRYING, E.RESP_2XX): _t(S.COMPLETED, X.PASS_UP, start=(Tm.K,), stop=(Tm.E, Tm.F)),
        (S.TRYING, E.RESP_FINAL): _t(S.COMPLETED, X.PASS_UP, start=(Tm.K,), stop=(Tm.E, Tm.F)),
        (S.PROCEEDING, Tm.E): _t(S.PROCEEDING, X.RETRANSMIT, start=(Tm.E,)),
        (S.PROCEEDING, Tm.F): _t(S.TERMINATED, X.TIMEOUT),
        (S.PROCEEDING, E.RESP_1XX): _t(S.PROCEEDING, X.PASS_UP),
        (S.PROCEEDING, E.RESP_2XX): _t(S.COMPLETED, X.PASS_UP, start=(Tm.K,), stop=(Tm.E, Tm.F)),
        (S.PROCEEDING, E.RESP_FINAL): _t(S.COMPLETED, X.PASS_UP, start=(Tm.K,), stop=(Tm.E, Tm.F)),
        (S.COMPLETED, Tm.K): _t(S.TERMINATED),
    },
    # §17.2.1, Figure 7; RFC 6026 §7.1, Figure 7.
    Machine.IST: {
        (S.PROCEEDING, E.REQUEST): _t(S.PROCEEDING, X.RESEND_RESPONSE),
        (S.PROCEEDING, Tm.TRYING): _t(S.PROCEEDING, X.SEND_TRYING),
        (S.PROCEEDING, E.TU_1XX): _t(S.PROCEEDING, X.SEND_RESPONSE, stop=(Tm.TRYING,)),
        (S.PROCEEDING, E.TU_2XX): _t(S.ACCEPTED, X.SEND_RESPONSE, start=(Tm.L,), stop=(Tm.TRYING,)),
        (S.PROCEEDING, E.TU_FINAL): _t(
            S.COMPLETED, X.SEND_RESPONSE, start=(Tm.G, Tm.H), stop=(Tm.TRYING,)
        ),
        (S.COMPLETED, E.REQUEST): _t(S.COMPLETED, X.RESEND_RESPONSE),
        (S.COMPLETED, Tm.G): _t(S.COMPLETED, X.RESEND_RESPONSE, start=(Tm.G,)),
        (S.COMPLETED, Tm.H): _t(S.TERMINATED, X.TIMEOUT),
        (S.COMPLETED, E.ACK): _t(S.CONFIRMED, start=(Tm.I,), stop=(Tm.G, Tm.H)),
        (S.CONFIRMED, Tm.I): _t(S.TERMINATED),
        (S.ACCEPTED, E.ACK): _t(S.ACCEPTED, X.PASS_UP_ACK),
        (S.ACCEPTED, E.TU_2XX): _t(S.ACCEPTED, X.SEND_RESPONSE),
        (S.ACCEPTED, Tm.L): _t(S.TERMINATED),
    },
    # §17.2.2, Figure 8.
    Machine.NIST: {
        (S.TRYING, E.TU_1XX): _t(S.PROCEEDING, X.SEND_RESPONSE),
        (S.TRYING, E.TU_2XX): _t(S.COMPLETED, X.SEND_RESPONSE, start=(Tm.J,)),
        (S.TRYING, E.TU_FINAL): _t(S.COMPLETED, X.SEND_RESPONSE, start=(Tm.J,)),
        (S.PROCEEDING, E.REQUEST): _t(S.PROCEEDING, X.RESEND_RESPONSE),
        (S.PROCEEDING, E.TU_1XX): _t(S.PROCEEDING, X.SEND_RESPONSE),
        (S.PROCEEDING, E.TU_2XX): _t(S.COMPLETED, X.SEND_RESPONSE, start=(Tm.J,)),
        (S.PROCEEDING, E.TU_FINAL): _t(S.COMPLETED, X.SEND_RESPONSE, start=(Tm.J,)),
        (S.COMPLETED, E.REQUEST): _t(S.COMPLETED, X.RESEND_RESPONSE),
        (S.COMPLETED, Tm.J): _t(S.TERMINATED),
    },
}

INITIAL: Final[dict[Machine, tuple[State, tuple[Timer, ...]]]] = {
    Machine.ICT: (State.CALLING, (Timer.A, Timer.B)),
    Machine.NICT: (State.TRYING, (Timer.E, Timer.F)),
    Machine.IST: (State.PROCEEDING, (Timer.TRYING,)),
    Machine.NIST: (State.TRYING, ()),
}

# Rule 9: the dormant state and the timer that ends it.
DORMANT: Final[tuple[Machine, State, Timer]] = (Machine.NIST, State.COMPLETED, Timer.J)

MACHINE_STATES: Final[dict[Machine, tuple[State, ...]]] = {
    Machine.ICT: (S.CALLING, S.PROCEEDING, S.COMPLETED, S.ACCEPTED),
    Machine.NICT: (S.TRYING, S.PROCEEDING, S.COMPLETED),
    Machine.IST: (S.PROCEEDING, S.COMPLETED, S.CONFIRMED, S.ACCEPTED),
    Machine.NIST: (S.TRYING, S.PROCEEDING, S.COMPLETED),
}

_CLIENT_EVENTS: Final = (E.RESP_1XX, E.RESP_2XX, E.RESP_FINAL)
_SERVER_EVENTS: Final = (E.REQUEST, E.ACK, E.TU_1XX, E.TU_2XX, E.TU_FINAL)

MACHINE_TRIGGERS: Final[dict[Machine, tuple[Trigger, ...]]] = {
    machine: (
        *(_CLIENT_EVENTS if machine.is_client else _SERVER_EVENTS),
        *(timer for timer, spec in TIMERS.items() if spec.machine is machine),
    )
    for machine in Machine
}

del S, E, Tm, X


def lookup(machine: Machine, state: State, trigger: Trigger) -> Transition | None:
    """The transition for ``trigger`` in ``state`` (Rule 2 for the missing ones).

    Returns None when the TU may not hand down that response in that state; a network
    event or a timer the table does not list is absorbed (a transition to the same
    state that does nothing).
    """
    found = TABLES[machine].get((state, trigger))
    if found is not None:
        return found
    if isinstance(trigger, Event) and trigger.from_tu:
        return None
    return Transition(state)
