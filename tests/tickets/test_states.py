"""The state tables themselves (pure): every (kind, state, action) is in the table exactly
as the seed says (`tests/tickets/expected.py`), with its side and target."""

from __future__ import annotations

import itertools

import pytest

from callcenter.accounts.choices import Role
from callcenter.accounts.models import Unit, User
from callcenter.tickets import states
from callcenter.tickets.choices import Action, Kind, State
from callcenter.tickets.models import Ticket
from tests.tickets import expected

TABLE_ACTIONS = [action for action in Action if action not in (Action.CREATE, Action.ATTACH)]


@pytest.mark.parametrize(
    ("kind", "state", "action"),
    list(itertools.product(Kind, State, TABLE_ACTIONS)),
    ids=lambda value: str(value),
)
def test_every_state_and_action(kind: Kind, state: State, action: Action) -> None:
    row = states.transition(kind, action, state)
    want = expected.TABLES[kind].get((action, state))
    if want is None:
        assert row is None, f"{kind}: {action} from {state} should be refused"
        return
    assert row is not None, f"{kind}: {action} from {state} should be allowed"
    side, target = want
    assert row.side == side
    assert row.target_from(state) == target


@pytest.mark.parametrize("kind", list(Kind))
def test_flows_use_only_their_states(kind: Kind) -> None:
    flow = states.flow_of(kind)
    assert flow.states == frozenset(expected.STATES[kind])
    for row in flow.transitions:
        assert row.sources <= flow.states
        assert row.target is None or row.target in flow.states
        assert row.seed, f"{row.action} cites no seed section"


@pytest.mark.parametrize("kind", list(Kind))
def test_every_state_but_closed_can_be_left(kind: Kind) -> None:
    """No ticket can get stuck: each open state has a way out, closed has none."""
    flow = states.flow_of(kind)
    for state in flow.states - {State.CLOSED}:
        assert any(
            row.target_from(state) != state for row in flow.transitions if state in row.sources
        ), state
    assert not [row for row in flow.transitions if State.CLOSED in row.sources]


def test_mandatory_inputs() -> None:
    for kind, table in expected.TABLES.items():
        for action, state in table:
            row = states.transition(kind, action, state)
            assert row is not None
            if action in expected.REASON_REQUIRED:
                assert states.Input.REASON in row.needs, (kind, action)
    # Closing without sending down needs a reason, except a new inquiry (answered on the
    # phone); closing after the unit's result does not.
    assert states.Input.REASON in states.transition(Kind.FAULT, Action.CLOSE, State.NEW).needs
    assert not states.transition(Kind.INQUIRY, Action.CLOSE, State.NEW).needs
    assert states.Input.REASON in states.transition(Kind.INQUIRY, Action.CLOSE, "returned").needs
    assert not states.transition(Kind.FAULT, Action.CLOSE, State.REPAIRED).needs
    assert (
        states.Input.RESULT in states.transition(Kind.FAULT, "feedback_repaired", "in_repair").needs
    )
    assert states.Input.NOTES in states.transition(Kind.REPORT, Action.FINISH, State.SENT).needs
    assert states.Input.UNIT in states.transition(Kind.FAULT, Action.DISPATCH, State.NEW).needs


def test_guards() -> None:
    late = states.transition(Kind.FAULT, Action.LATE_RETURN, State.IN_REPAIR)
    assert late is not None
    assert late.guard is states.Guard.NO_FEEDBACK_YET
    back = states.transition(Kind.FAULT, Action.SEND_BACK, State.VISITED)
    assert back is not None
    assert back.guard is states.Guard.CALLBACK_UNSATISFIED


def test_a_flow_refuses_two_rows_for_one_state() -> None:
    row = states.transition(Kind.FAULT, Action.RECEIVE, State.SENT)
    assert row is not None
    with pytest.raises(ValueError, match="two rows"):
        states.Flow("broken", states.WORK_ORDER_STATES, (row, row))


@pytest.mark.django_db
def test_available_actions(lina: User, sunli: User, admin: User, futian: Unit) -> None:
    order = Ticket(kind=Kind.FAULT, state=State.IN_REPAIR, unit=futian)
    assert states.available_actions(order, sunli) == [
        Action.ASSIGN,
        Action.LATE_RETURN,
        Action.FEEDBACK_REPAIRED,
        Action.FEEDBACK_UNFINISHED,
        Action.FEEDBACK_DELAYED,
        Action.FEEDBACK_NO_REPAIR,
    ]
    assert states.available_actions(order, lina) == [Action.EDIT]
    assert states.available_actions(order, admin) == []
    order.feedback_at = order.created_at
    assert Action.LATE_RETURN not in states.available_actions(order, sunli)
    elsewhere = Unit.objects.create(code="U9", name="外单位")
    other = User.objects.create_user(
        "u9001", "x" * 10, name="外人", role=Role.UNIT_OPERATOR, unit=elsewhere
    )
    assert states.available_actions(order, other) == []
