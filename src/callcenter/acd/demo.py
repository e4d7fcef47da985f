"""Demo ACD: queues 业务咨询 (service) and 投诉建议 (complaints) with agents 80001–80004
and 80005–80008, supervisor 90001 over both, and the usual not-ready reasons (demo data
only). Only what is missing is created; changes made since are kept.
"""

from __future__ import annotations

from callcenter.accounts.models import User
from callcenter.acd.models import NO_ANSWER, Queue, ReasonCode, Tier

QUEUES = [
    ("service", "业务咨询", [f"8000{n}" for n in range(1, 5)]),
    ("complaints", "投诉建议", [f"8000{n}" for n in range(5, 9)]),
]
SUPERVISORS = ["90001"]
REASONS = [
    ("rest", "休息", 10),
    ("meal", "就餐", 20),
    ("training", "培训", 30),
    ("meeting", "会议", 40),
    ("other", "其他", 50),
    (NO_ANSWER, "未接听", 90),
]


def load() -> int:
    created = 0
    supervisors = list(User.objects.filter(agent_id__in=SUPERVISORS))
    for name, display_name, agent_ids in QUEUES:
        queue, made = Queue.objects.get_or_create(
            name=name, defaults={"display_name": display_name, "strategy": "longest-idle"}
        )
        created += made
        if made:
            queue.supervisors.add(*supervisors)
            for position, user in enumerate(
                User.objects.filter(agent_id__in=agent_ids).order_by("agent_id"), start=1
            ):
                Tier.objects.create(queue=queue, agent=user, level=1, position=position)
                created += 1
    for code, label, order in REASONS:
        _reason, made = ReasonCode.objects.get_or_create(
            code=code, defaults={"label": label, "order": order}
        )
        created += made
    return created
