"""Every (kind, state, action, role) through the real action functions: allowed exactly
as the seed's table says (`expected.py`), refused otherwise with the code that says why,
and nothing written when refused."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from callcenter.accounts.models import AuditEntry, Handler, Unit, User
from callcenter.tickets import actions
from callcenter.tickets.choices import Action, FeedbackKind, Kind, State
from callcenter.tickets.models import ReturnReason, Ticket, TicketEvent
from callcenter.web.errors import ActionError
from tests.tickets import expected
from tests.tickets.conftest import Cast, MakeTicket

TABLE_ACTIONS = [action for action in Action if action not in (Action.CREATE, Action.ATTACH)]
FLOW_ACTIONS = {
    Kind.FAULT: {action for action, _state in expected.WORK_ORDER},
    Kind.COMPLAINT: {action for action, _state in expected.REQUEST},
}


def run(action: Action, actor: User, ticket: Ticket, lists: dict[str, Any]) -> Ticket:
    """`action` with inputs that are always valid, so only the table can refuse it."""
    v = ticket.version
    if action is Action.EDIT:
        return actions.edit_ticket(actor, ticket, version=v, description="更正：充电桩 E03")
    if action is Action.DISPATCH:
        return actions.dispatch(actor, ticket, version=v, unit=lists["unit"])
    if action is Action.RESEND:
        return actions.resend(actor, ticket, version=v)
    if action is Action.RECEIVE:
        return actions.receive(actor, ticket, version=v)
    if action is Action.RETURN:
        return actions.return_order(actor, ticket, version=v, reason=lists["reason"])
    if action is Action.ASSIGN:
        return actions.assign(actor, ticket, version=v, handler=lists["handler"])
    if action is Action.LATE_RETURN:
        return actions.late_return(actor, ticket, version=v, reason=lists["reason"])
    if action is Action.FEEDBACK_REPAIRED:
        return actions.feedback(
            actor, ticket, version=v, kind=FeedbackKind.NORMAL, repaired=True, result="已修好"
        )
    if action is Action.FEEDBACK_UNFINISHED:
        return actions.feedback(actor, ticket, version=v, kind=FeedbackKind.NORMAL, result="等配件")
    if action is Action.FEEDBACK_DELAYED:
        return actions.feedback(actor, ticket, version=v, kind=FeedbackKind.DELAYED, reason="缺件")
    if action is Action.FEEDBACK_NO_REPAIR:
        return actions.feedback(
            actor, ticket, version=v, kind=FeedbackKind.NO_REPAIR, reason="非我方设备"
        )
    if action in (Action.PROCESS, Action.FINISH, Action.DECLINE):
        return actions.handle_request(actor, ticket, version=v, outcome=action, notes="已核实")
    if action is Action.CALLBACK:
        return actions.record_callback(actor, ticket, version=v, reached=True, satisfied=False)
    if action is Action.SEND_BACK:
        return actions.send_back_for_rerepair(actor, ticket, version=v, reason="客户不满意")
    if action is Action.CLOSE:
        return actions.close(actor, ticket, version=v, reason="重复工单")
    raise AssertionError(action)


def expected_refusal(
    kind: Kind, state: State, action: Action, role: str, ticket: Ticket
) -> str | None:
    side = expected.ROLE_SIDE[role]
    if side is None:
        return "not_permitted"
    if side == "unit" and (role == "other_operator" or ticket.unit_id is None):
        return "not_found"
    table = expected.TABLES[kind]
    if action not in {a for a, _s in table}:
        return "not_for_kind"
    sides = {row_side for (a, _s), (row_side, _t) in table.items() if a == action}
    if side not in sides:
        return "not_permitted"
    if (action, state) not in table:
        return "wrong_state"
    return None


CASES = [
    (kind, state, action)
    for kind in Kind
    for state, action in itertools.product(expected.STATES[kind], TABLE_ACTIONS)
]


@pytest.mark.parametrize(("kind", "state", "action"), CASES, ids=lambda value: str(value))
def test_action_by_every_role(
    kind: Kind,
    state: State,
    action: Action,
    cast: Cast,
    make_ticket: MakeTicket,
    futian: Unit,
    he_jianguo: Handler,
    reason: ReturnReason,
) -> None:
    lists = {"unit": futian, "handler": he_jianguo, "reason": reason}
    for role in expected.ROLES:
        ticket = make_ticket(kind, state)
        events, audits = TicketEvent.objects.count(), AuditEntry.objects.count()
        refusal = expected_refusal(kind, state, action, role, ticket)
        if refusal is None:
            done = run(action, cast[role], ticket, lists)
            target = expected.TABLES[kind][(action, state)][1]
            assert done.state == target, (role, done.state)
            assert done.version == ticket.version + 1
            event = done.events.get(pk__gt=0, action=action)
            assert (event.from_state, event.to_state, event.actor) == (state, target, cast[role])
            assert AuditEntry.objects.filter(action=f"ticket_{action}").exists()
        else:
            with pytest.raises(ActionError) as refused:
                run(action, cast[role], ticket, lists)
            assert refused.value.code == refusal, (role, refused.value.message)
            assert refused.value.message
            fresh = Ticket.objects.get(pk=ticket.pk)
            assert (fresh.state, fresh.version) == (state, ticket.version)
            assert (TicketEvent.objects.count(), AuditEntry.objects.count()) == (events, audits)
