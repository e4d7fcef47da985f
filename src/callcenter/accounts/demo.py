"""Demo accounts: agents 80001–80008, supervisor 90001, admin, two units with operators.

Passwords equal the agent ID (and `admin` for admin): demo data only, which is why it is
loaded only on request (`callcenter demo`). Existing rows are left as they are, so a
second run keeps whatever was changed since.
"""

from __future__ import annotations

from callcenter.accounts.choices import Role
from callcenter.accounts.models import Handler, Unit, User

AGENTS = [
    ("80001", "李娜"),
    ("80002", "王芳"),
    ("80003", "张伟"),
    ("80004", "刘洋"),
    ("80005", "陈静"),
    ("80006", "杨磊"),
    ("80007", "赵敏"),
    ("80008", "黄强"),
]
SUPERVISORS = [("90001", "周晓东")]
ADMINISTRATORS = [("admin", "系统管理员")]
# (code, name, parent code, operator agent ID, operator name, handlers)
UNITS = [
    (
        "U1",
        "福田维修站",
        None,
        "u1001",
        "孙丽",
        [("何建国", "13900000001"), ("罗小军", "13900000002")],
    ),
    ("U1-1", "福田维修站一班", "U1", None, None, [("郭明", "13900000003")]),
    ("U2", "南山维修站", None, "u2001", "吴刚", [("马超", "13900000011"), ("林涛", "13900000012")]),
]


def _user(agent_id: str, name: str, role: str, unit: Unit | None = None) -> bool:
    if User.objects.filter(agent_id=agent_id).exists():
        return False
    User.objects.create_user(agent_id, agent_id, name=name, role=role, unit=unit)
    return True


def load() -> int:
    """Create what is missing; return how many rows were created."""
    created = 0
    for agent_id, name in AGENTS:
        created += _user(agent_id, name, Role.AGENT)
    for agent_id, name in SUPERVISORS:
        created += _user(agent_id, name, Role.SUPERVISOR)
    for agent_id, name in ADMINISTRATORS:
        created += _user(agent_id, name, Role.ADMINISTRATOR)
    for code, name, parent_code, operator_id, operator_name, handlers in UNITS:
        parent = Unit.objects.get(code=parent_code) if parent_code else None
        unit, made = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "parent": parent}
        )
        created += made
        if operator_id and operator_name:
            created += _user(operator_id, operator_name, Role.UNIT_OPERATOR, unit)
        for handler_name, phone in handlers:
            _handler, made = Handler.objects.get_or_create(
                unit=unit, name=handler_name, defaults={"phone": phone}
            )
            created += made
    return created
