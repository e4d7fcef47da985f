"""The state machines of tickets, as tables (REQUIREMENTS B4, C2–C11).

Three flows, chosen by the ticket's kind (`FLOWS`):

- **Work orders** (维修单; fault tickets, 故障工单), seed 001 chapter 4:

  ======================  =============================  ==============  ====  ===========
  action                  from                           to              side  needs
  ======================  =============================  ==============  ====  ===========
  edit 修改                every state but closed         (unchanged)     CSC
  dispatch 派单            new                            sent            CSC   unit
  resend 重新派单          returned                       sent            CSC
  receive 接单             sent                           in_repair       unit
  return 退单              sent                           returned        unit  reason
  assign 指派              in_repair                      in_repair       unit  unit|handler
  late_return 后期退单      in_repair, no feedback yet     returned        unit  reason
  feedback_repaired       in_repair, delayed             repaired        unit  result
  feedback_unfinished     in_repair, delayed             in_repair       unit  result
  feedback_delayed        in_repair, delayed             delayed         unit  reason
  feedback_no_repair      in_repair, delayed             not_repaired    unit  reason
  callback 回访            repaired, not_repaired,        visited         CSC
                          visited
  send_back 重新维修        visited, callback unsatisfied  sent            CSC   reason
  close 关闭               repaired, not_repaired,        closed          CSC
                          visited
  close 关闭               new, returned                  closed          CSC   reason
  ======================  =============================  ==============  ====  ===========

- **Requests** (complaints 投诉, suggestions 建议, reports 举报), seed 001 §4.8: dispatch,
  resend, edit, callback, send_back and close as above (with finished/declined in place
  of repaired/not_repaired), and for the unit:

  ======================  =============================  ==============  ====  ===========
  process 处理中            sent, processing               processing      unit
  finish 处理结束           sent, processing               finished        unit  notes
  decline 不处理            sent, processing               declined        unit
  return 退单              sent, processing               returned        unit  reason
  ======================  =============================  ==============  ====  ===========

- **Inquiries** (咨询): the request flow, except that closing a new inquiry needs no
  reason: the agent usually answers on the phone and closes it (seed 000 §4.11).

Sides: ``CSC`` is the customer-service center (`Capability.AGENT_DESK`: agents and
supervisors); ``unit`` is a second-level unit (`Capability.UNIT_DESK`), and only for
orders whose unit is the operator's unit or one below it (`Unit.subtree_ids`). Nobody else
(administrators included) acts on tickets.

Rules, with the seed's sections (seed 001 chapter 4 unless said otherwise):

1. A ticket is created at the CSC in ``new`` (待派单; seed 000 §4.6, §4.9–4.11). The CSC
   sends a fault or request down to one unit (派单; seed 001 §1.2 "将对应的工单请求下发到
   具体的二级处理单位"), which makes it ``sent`` (待接单).
2. Receive (接单, §4.5.1): a ``sent`` work order becomes ``in_repair`` (维修中); the
   operator may choose the handling unit (its own or one below) and the handler now or
   later (§4.5.1.1 "处理单位及处理人这里也可以不选择，后期可以对其进行重新指派").
3. Return (二级退单, §4.5.2): a ``sent`` order goes back to the CSC (``returned``); the
   reason is mandatory ("退单原因必须填写，否则不允许退单操作").
4. Assign (指派, §4.6.1): only orders ``in_repair`` can be (re)assigned ("只有处于'维修中'
   的工单才能被重新指派").
5. Late return (后期退单, §4.6.2): a received order may still be returned, with a reason,
   but never once feedback was given ("已经反馈的单子不能进行退单处理") — not even a
   "not finished" normal feedback, which leaves the order ``in_repair``.
6. Feedback (反馈, §4.7): normal (正常反馈) with the result — ``repaired`` (已维修) when the
   repair is done, else the order stays ``in_repair`` (维修中, §4.7.1 说明); delayed repair
   (延后维修, §4.7.2) with its reason, ``delayed``; no repair (不维修, §4.7.3) with its
   reason, ``not_repaired``. A delayed order stays with the unit, which gives feedback
   again when it repairs.
7. Requests (§4.8): the unit sets 处理中 (``processing``), 处理结束 (``finished``) or 不处理
   (``declined``); there is no receive step. The seed writes notes "根据需要" for 处理中 and
   none for 不处理; we require notes for 处理结束 (the CSC tells the customer the result).
   Return is allowed until a result is given (the seed's desk has no return for
   requests; REQUIREMENTS C11 asks for one).
8. The CSC's side after the unit (the seed's detail window shows 回访单信息, §4.6.5): a
   callback visit (回访) records whether the customer was reached and satisfied
   (``visited``; it may be repeated). A satisfied or final order is closed (关闭); an
   unsatisfied one may be sent back to the unit for re-repair (重新维修, with a reason),
   which counts in the unit's re-repair figure (§4.5 "重新维修的单子多少个").
9. A returned order is corrected (edit) and sent again (resend, possibly to another
   unit: 非本单位辖区); it counts as re-repair too. A returned or new order the CSC does
   not send on (重复派单, solved on the phone) is closed with a reason.

`transition(kind, action, state)` finds the row (None: refused); `side_of(user)` and
`in_unit_scope(user, unit_id)` say who acts; `available_actions(ticket, user)` lists what
a page may offer. `tickets.actions` applies the rows and refuses the rest with a code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from callcenter.accounts.roles import Capability, has_capability
from callcenter.tickets.choices import Action, Kind, State

if TYPE_CHECKING:
    from callcenter.tickets.models import Ticket


class Side(StrEnum):
    CSC = "csc"  # the customer-service center: agents and supervisors
    UNIT = "unit"  # a second-level unit's operator, within its units


SIDE_CAPABILITY: dict[Side, Capability] = {
    Side.CSC: Capability.AGENT_DESK,
    Side.UNIT: Capability.UNIT_DESK,
}


class Guard(StrEnum):
    """A condition beyond the state (the row's rule number in the docstring)."""

    NO_FEEDBACK_YET = "no_feedback_yet"  # rule 5
    CALLBACK_UNSATISFIED = "callback_unsatisfied"  # rule 8


class Input(StrEnum):
    """Inputs a row requires (the action refuses without them)."""

    UNIT = "unit"
    REASON = "reason"
    RESULT = "result"
    NOTES = "notes"
    UNIT_OR_HANDLER = "unit_or_handler"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[State]
    target: State | None  # None: the state does not change
    side: Side
    needs: frozenset[Input] = frozenset()
    guard: Guard | None = None
    seed: str = ""

    def target_from(self, state: State) -> State:
        return state if self.target is None else self.target


def _row(
    action: Action,
    sources: Iterable[State],
    target: State | None,
    side: Side,
    needs: Iterable[Input] = (),
    guard: Guard | None = None,
    seed: str = "",
) -> Transition:
    return Transition(action, frozenset(sources), target, side, frozenset(needs), guard, seed)


S = State
A = Action
CSC, UNIT = Side.CSC, Side.UNIT

WORK_ORDER_STATES = frozenset(
    {
        S.NEW,
        S.SENT,
        S.IN_REPAIR,
        S.REPAIRED,
        S.DELAYED,
        S.NOT_REPAIRED,
        S.RETURNED,
        S.VISITED,
        S.CLOSED,
    }
)
REQUEST_STATES = frozenset(
    {S.NEW, S.SENT, S.PROCESSING, S.FINISHED, S.DECLINED, S.RETURNED, S.VISITED, S.CLOSED}
)

WORK_ORDER: tuple[Transition, ...] = (
    _row(A.EDIT, WORK_ORDER_STATES - {S.CLOSED}, None, CSC, seed="000 §4.9"),
    _row(A.DISPATCH, [S.NEW], S.SENT, CSC, [Input.UNIT], seed="001 §1.2"),
    _row(A.RESEND, [S.RETURNED], S.SENT, CSC, seed="001 §4.5 重新维修"),
    _row(A.RECEIVE, [S.SENT], S.IN_REPAIR, UNIT, seed="001 §4.5.1"),
    _row(A.RETURN, [S.SENT], S.RETURNED, UNIT, [Input.REASON], seed="001 §4.5.2"),
    _row(A.ASSIGN, [S.IN_REPAIR], S.IN_REPAIR, UNIT, [Input.UNIT_OR_HANDLER], seed="001 §4.6.1"),
    _row(
        A.LATE_RETURN,
        [S.IN_REPAIR],
        S.RETURNED,
        UNIT,
        [Input.REASON],
        Guard.NO_FEEDBACK_YET,
        seed="001 §4.6.2",
    ),
    _row(
        A.FEEDBACK_REPAIRED,
        [S.IN_REPAIR, S.DELAYED],
        S.REPAIRED,
        UNIT,
        [Input.RESULT],
        seed="001 §4.7.1",
    ),
    _row(
        A.FEEDBACK_UNFINISHED,
        [S.IN_REPAIR, S.DELAYED],
        S.IN_REPAIR,
        UNIT,
        [Input.RESULT],
        seed="001 §4.7.1",
    ),
    _row(
        A.FEEDBACK_DELAYED,
        [S.IN_REPAIR, S.DELAYED],
        S.DELAYED,
        UNIT,
        [Input.REASON],
        seed="001 §4.7.2",
    ),
    _row(
        A.FEEDBACK_NO_REPAIR,
        [S.IN_REPAIR, S.DELAYED],
        S.NOT_REPAIRED,
        UNIT,
        [Input.REASON],
        seed="001 §4.7.3",
    ),
    _row(A.CALLBACK, [S.REPAIRED, S.NOT_REPAIRED, S.VISITED], S.VISITED, CSC, seed="001 §4.6.5"),
    _row(
        A.SEND_BACK,
        [S.VISITED],
        S.SENT,
        CSC,
        [Input.REASON],
        Guard.CALLBACK_UNSATISFIED,
        seed="001 §4.5 重新维修",
    ),
    _row(A.CLOSE, [S.REPAIRED, S.NOT_REPAIRED, S.VISITED], S.CLOSED, CSC, seed="001 §4.6.5"),
    _row(A.CLOSE, [S.NEW, S.RETURNED], S.CLOSED, CSC, [Input.REASON], seed="001 §4.5.2"),
)

_REQUEST_COMMON: tuple[Transition, ...] = (
    _row(A.EDIT, REQUEST_STATES - {S.CLOSED}, None, CSC, seed="000 §4.10"),
    _row(A.DISPATCH, [S.NEW], S.SENT, CSC, [Input.UNIT], seed="001 §1.2"),
    _row(A.RESEND, [S.RETURNED], S.SENT, CSC, seed="001 §4.5.2"),
    _row(A.PROCESS, [S.SENT, S.PROCESSING], S.PROCESSING, UNIT, seed="001 §4.8.1"),
    _row(A.FINISH, [S.SENT, S.PROCESSING], S.FINISHED, UNIT, [Input.NOTES], seed="001 §4.8.2"),
    _row(A.DECLINE, [S.SENT, S.PROCESSING], S.DECLINED, UNIT, seed="001 §4.8.3"),
    _row(A.RETURN, [S.SENT, S.PROCESSING], S.RETURNED, UNIT, [Input.REASON], seed="C11"),
    _row(A.CALLBACK, [S.FINISHED, S.DECLINED, S.VISITED], S.VISITED, CSC, seed="001 §4.8.6"),
    _row(
        A.SEND_BACK,
        [S.VISITED],
        S.SENT,
        CSC,
        [Input.REASON],
        Guard.CALLBACK_UNSATISFIED,
        seed="001 §4.8.6",
    ),
    _row(A.CLOSE, [S.FINISHED, S.DECLINED, S.VISITED], S.CLOSED, CSC, seed="001 §4.8.6"),
)

REQUEST: tuple[Transition, ...] = (
    *_REQUEST_COMMON,
    _row(A.CLOSE, [S.NEW, S.RETURNED], S.CLOSED, CSC, [Input.REASON], seed="001 §4.5.2"),
)

INQUIRY: tuple[Transition, ...] = (
    *_REQUEST_COMMON,
    _row(A.CLOSE, [S.NEW], S.CLOSED, CSC, seed="000 §4.11"),
    _row(A.CLOSE, [S.RETURNED], S.CLOSED, CSC, [Input.REASON], seed="001 §4.5.2"),
)


@dataclass(frozen=True)
class Flow:
    name: str
    states: frozenset[State]
    transitions: tuple[Transition, ...]

    def __post_init__(self) -> None:
        seen: set[tuple[Action, State]] = set()
        for row in self.transitions:
            for state in row.sources:
                key = (row.action, state)
                if key in seen:
                    raise ValueError(f"{self.name}: two rows for {key}")
                if state not in self.states:
                    raise ValueError(f"{self.name}: {state} is not a state of this flow")
                seen.add(key)

    def find(self, action: Action | str, state: State | str) -> Transition | None:
        for row in self.transitions:
            if row.action == action and state in row.sources:
                return row
        return None

    def actions(self) -> frozenset[Action]:
        return frozenset(row.action for row in self.transitions)


WORK_ORDER_FLOW = Flow("work order", WORK_ORDER_STATES, WORK_ORDER)
REQUEST_FLOW = Flow("request", REQUEST_STATES, REQUEST)
INQUIRY_FLOW = Flow("inquiry", REQUEST_STATES, INQUIRY)

FLOWS: dict[Kind, Flow] = {
    Kind.FAULT: WORK_ORDER_FLOW,
    Kind.COMPLAINT: REQUEST_FLOW,
    Kind.SUGGESTION: REQUEST_FLOW,
    Kind.REPORT: REQUEST_FLOW,
    Kind.INQUIRY: INQUIRY_FLOW,
}

# The clock of a ticket: waiting for the unit to react, or not yet resolved.
WAITING_FOR_UNIT = frozenset({S.SENT})
UNRESOLVED = frozenset({S.NEW, S.SENT, S.IN_REPAIR, S.DELAYED, S.PROCESSING, S.RETURNED})
FINAL = frozenset({S.CLOSED})


def flow_of(kind: Kind | str) -> Flow:
    return FLOWS[Kind(kind)]


def transition(kind: Kind | str, action: Action | str, state: State | str) -> Transition | None:
    """The row that lets `action` leave `state` for tickets of `kind`, or None."""
    return flow_of(kind).find(action, state)


def side_of(user: Any) -> Side | None:
    """Which side `user` acts for, by capability (never by role name)."""
    for side, capability in SIDE_CAPABILITY.items():
        if has_capability(user, capability):
            return side
    return None


def in_unit_scope(user: Any, unit_id: int | None) -> bool:
    """Whether a unit operator may act on an order that is with `unit_id`: their unit or
    one below it."""
    unit = getattr(user, "unit", None)
    return unit is not None and unit_id is not None and unit_id in unit.subtree_ids()


def guard_holds(guard: Guard | None, ticket: Ticket) -> bool:
    if guard is None:
        return True
    if guard is Guard.NO_FEEDBACK_YET:
        return ticket.feedback_at is None
    if guard is Guard.CALLBACK_UNSATISFIED:
        return ticket.callback_satisfied is not True
    raise AssertionError(guard)


def available_actions(ticket: Ticket, user: Any) -> list[Action]:
    """The actions `user` may take on `ticket` now (for the buttons of a page)."""
    side = side_of(user)
    if side is None:
        return []
    if side is Side.UNIT and not in_unit_scope(user, ticket.unit_id):
        return []
    found: list[Action] = []
    for row in flow_of(ticket.kind).transitions:
        if (
            row.side is side
            and ticket.state in row.sources
            and guard_holds(row.guard, ticket)
            and row.action not in found
        ):
            found.append(row.action)
    return found
