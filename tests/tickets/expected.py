"""The state tables as the tests expect them, written out from the seed by hand (not
derived from `callcenter.tickets.states`, so that a change there must be made twice).

Each flow maps (action, from state) → (side, to state); the to state equal to the from
state means "unchanged".
"""

from __future__ import annotations

from callcenter.tickets.choices import Action as A
from callcenter.tickets.choices import Kind
from callcenter.tickets.choices import State as S

Row = tuple[str, S]
Table = dict[tuple[A, S], Row]

WORK_ORDER_STATES = [
    S.NEW,
    S.SENT,
    S.IN_REPAIR,
    S.REPAIRED,
    S.DELAYED,
    S.NOT_REPAIRED,
    S.RETURNED,
    S.VISITED,
    S.CLOSED,
]
REQUEST_STATES = [
    S.NEW,
    S.SENT,
    S.PROCESSING,
    S.FINISHED,
    S.DECLINED,
    S.RETURNED,
    S.VISITED,
    S.CLOSED,
]

WORK_ORDER: Table = {
    **{(A.EDIT, state): ("csc", state) for state in WORK_ORDER_STATES if state != S.CLOSED},
    (A.DISPATCH, S.NEW): ("csc", S.SENT),  # seed 001 §1.2
    (A.RESEND, S.RETURNED): ("csc", S.SENT),  # 重新维修, §4.5
    (A.RECEIVE, S.SENT): ("unit", S.IN_REPAIR),  # 接单, §4.5.1
    (A.RETURN, S.SENT): ("unit", S.RETURNED),  # 二级退单, §4.5.2
    (A.ASSIGN, S.IN_REPAIR): ("unit", S.IN_REPAIR),  # 指派 only in 维修中, §4.6.1
    (A.LATE_RETURN, S.IN_REPAIR): ("unit", S.RETURNED),  # 后期退单, §4.6.2
    (A.FEEDBACK_REPAIRED, S.IN_REPAIR): ("unit", S.REPAIRED),  # §4.7.1
    (A.FEEDBACK_REPAIRED, S.DELAYED): ("unit", S.REPAIRED),
    (A.FEEDBACK_UNFINISHED, S.IN_REPAIR): ("unit", S.IN_REPAIR),  # stays 维修中
    (A.FEEDBACK_UNFINISHED, S.DELAYED): ("unit", S.IN_REPAIR),
    (A.FEEDBACK_DELAYED, S.IN_REPAIR): ("unit", S.DELAYED),  # §4.7.2
    (A.FEEDBACK_DELAYED, S.DELAYED): ("unit", S.DELAYED),
    (A.FEEDBACK_NO_REPAIR, S.IN_REPAIR): ("unit", S.NOT_REPAIRED),  # §4.7.3
    (A.FEEDBACK_NO_REPAIR, S.DELAYED): ("unit", S.NOT_REPAIRED),
    (A.CALLBACK, S.REPAIRED): ("csc", S.VISITED),  # 回访
    (A.CALLBACK, S.NOT_REPAIRED): ("csc", S.VISITED),
    (A.CALLBACK, S.VISITED): ("csc", S.VISITED),
    (A.SEND_BACK, S.VISITED): ("csc", S.SENT),  # 重新维修 after an unsatisfied callback
    (A.CLOSE, S.REPAIRED): ("csc", S.CLOSED),
    (A.CLOSE, S.NOT_REPAIRED): ("csc", S.CLOSED),
    (A.CLOSE, S.VISITED): ("csc", S.CLOSED),
    (A.CLOSE, S.NEW): ("csc", S.CLOSED),  # with a reason
    (A.CLOSE, S.RETURNED): ("csc", S.CLOSED),  # with a reason
}

REQUEST: Table = {
    **{(A.EDIT, state): ("csc", state) for state in REQUEST_STATES if state != S.CLOSED},
    (A.DISPATCH, S.NEW): ("csc", S.SENT),
    (A.RESEND, S.RETURNED): ("csc", S.SENT),
    (A.PROCESS, S.SENT): ("unit", S.PROCESSING),  # 处理中, §4.8.1
    (A.PROCESS, S.PROCESSING): ("unit", S.PROCESSING),
    (A.FINISH, S.SENT): ("unit", S.FINISHED),  # 处理结束, §4.8.2
    (A.FINISH, S.PROCESSING): ("unit", S.FINISHED),
    (A.DECLINE, S.SENT): ("unit", S.DECLINED),  # 不处理, §4.8.3
    (A.DECLINE, S.PROCESSING): ("unit", S.DECLINED),
    (A.RETURN, S.SENT): ("unit", S.RETURNED),  # C11 "plus return"
    (A.RETURN, S.PROCESSING): ("unit", S.RETURNED),
    (A.CALLBACK, S.FINISHED): ("csc", S.VISITED),
    (A.CALLBACK, S.DECLINED): ("csc", S.VISITED),
    (A.CALLBACK, S.VISITED): ("csc", S.VISITED),
    (A.SEND_BACK, S.VISITED): ("csc", S.SENT),
    (A.CLOSE, S.FINISHED): ("csc", S.CLOSED),
    (A.CLOSE, S.DECLINED): ("csc", S.CLOSED),
    (A.CLOSE, S.VISITED): ("csc", S.CLOSED),
    (A.CLOSE, S.NEW): ("csc", S.CLOSED),
    (A.CLOSE, S.RETURNED): ("csc", S.CLOSED),
}

INQUIRY: Table = dict(REQUEST)  # the same rows; closing a new inquiry needs no reason

TABLES: dict[Kind, Table] = {
    Kind.FAULT: WORK_ORDER,
    Kind.COMPLAINT: REQUEST,
    Kind.SUGGESTION: REQUEST,
    Kind.REPORT: REQUEST,
    Kind.INQUIRY: INQUIRY,
}
STATES: dict[Kind, list[S]] = {
    Kind.FAULT: WORK_ORDER_STATES,
    Kind.COMPLAINT: REQUEST_STATES,
    Kind.SUGGESTION: REQUEST_STATES,
    Kind.REPORT: REQUEST_STATES,
    Kind.INQUIRY: REQUEST_STATES,
}

# Inputs that are mandatory, by (kind family, action, state).
REASON_REQUIRED = {
    A.RETURN,
    A.LATE_RETURN,
    A.FEEDBACK_DELAYED,
    A.FEEDBACK_NO_REPAIR,
    A.SEND_BACK,
}

# Roles by the side they act for; the administrator acts for neither.
ROLES = ["agent", "supervisor", "admin", "operator", "other_operator"]
ROLE_SIDE = {
    "agent": "csc",
    "supervisor": "csc",
    "admin": None,
    "operator": "unit",
    "other_operator": "unit",
}
