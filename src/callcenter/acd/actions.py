"""Changes to the ACD configuration, each in a transaction and audited.

Rules:
1. A queue that routes, queues or IVR flows lead to can be neither deleted nor renamed
   while they do (they would lead nowhere).
2. A skill that a queue asks for cannot be deleted.
3. The built-in reason ``no_answer`` (未接听) can be neither deleted nor switched off: the
   switch sets it after an agent misses calls.
4. Everything else is the models' validation (`full_clean`), which says what to fix.
The switch learns of every change through `DjangoDirectory.on_change`, after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from callcenter.accounts.actions import audit
from callcenter.accounts.models import User
from callcenter.acd.destinations import destination_users
from callcenter.acd.models import NO_ANSWER, AgentSkill, Queue, ReasonCode, Skill, Tier
from callcenter.web.errors import ActionError


def save_queue(
    actor: User,
    queue: Queue,
    changed: list[str],
    request: HttpRequest | None = None,
    supervisors: list[User] | None = None,
) -> Queue:
    creating = queue.pk is None
    with transaction.atomic():
        if not creating and "name" in changed:
            old_name = Queue.objects.values_list("name", flat=True).get(pk=queue.pk)
            users = destination_users(f"queue:{old_name}")
            if users:
                raise ActionError(
                    "queue_in_use",
                    _("%(users)s lead to queue %(name)s: change them before renaming it.")
                    % {"users": ", ".join(users), "name": old_name},
                    field="name",
                )
        queue.full_clean()
        queue.save()
        if supervisors is not None:
            queue.supervisors.set(supervisors)
        audit(
            actor,
            "queue_created" if creating else "queue_updated",
            f"queue {queue.name}",
            request,
            fields=sorted(changed),
        )
    return queue


def delete_queue(actor: User, queue: Queue, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        users = destination_users(queue.destination)
        if users:
            raise ActionError(
                "queue_in_use",
                _("%(users)s lead to queue %(name)s: change or delete them first.")
                % {"users": ", ".join(users), "name": queue.name},
            )
        name = queue.name
        queue.delete()
        audit(actor, "queue_deleted", f"queue {name}", request)


def add_tier(actor: User, tier: Tier, request: HttpRequest | None = None) -> Tier:
    with transaction.atomic():
        tier.full_clean()
        tier.save()
        audit(
            actor,
            "tier_added",
            f"queue {tier.queue.name}",
            request,
            agent=tier.agent.agent_id,
            level=tier.level,
            position=tier.position,
        )
    return tier


def remove_tier(actor: User, tier: Tier, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        queue, agent_id = tier.queue.name, tier.agent.agent_id
        tier.delete()
        audit(actor, "tier_removed", f"queue {queue}", request, agent=agent_id)


def save_skill(
    actor: User, skill: Skill, changed: list[str], request: HttpRequest | None = None
) -> Skill:
    creating = skill.pk is None
    with transaction.atomic():
        skill.full_clean()
        skill.save()
        audit(
            actor,
            "skill_created" if creating else "skill_updated",
            f"skill {skill.name}",
            request,
            fields=sorted(changed),
        )
    return skill


def delete_skill(actor: User, skill: Skill, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        queues = list(skill.queues.values_list("name", flat=True))
        if queues:
            raise ActionError(
                "skill_in_use",
                _("Queues %(queues)s ask for skill %(name)s: change them first.")
                % {"queues": ", ".join(queues), "name": skill.name},
            )
        name = skill.name
        skill.delete()
        audit(actor, "skill_deleted", f"skill {name}", request)


def save_agent_skill(
    actor: User, agent_skill: AgentSkill, changed: list[str], request: HttpRequest | None = None
) -> AgentSkill:
    creating = agent_skill.pk is None
    with transaction.atomic():
        agent_skill.full_clean()
        agent_skill.save()
        audit(
            actor,
            "agent_skill_created" if creating else "agent_skill_updated",
            f"agent {agent_skill.user.agent_id}",
            request,
            skill=agent_skill.skill.name,
            proficiency=agent_skill.proficiency,
        )
    return agent_skill


def delete_agent_skill(
    actor: User, agent_skill: AgentSkill, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        agent_id, skill = agent_skill.user.agent_id, agent_skill.skill.name
        agent_skill.delete()
        audit(actor, "agent_skill_deleted", f"agent {agent_id}", request, skill=skill)


def save_reason(
    actor: User, reason: ReasonCode, changed: list[str], request: HttpRequest | None = None
) -> ReasonCode:
    creating = reason.pk is None
    with transaction.atomic():
        if not creating:
            old_code = ReasonCode.objects.values_list("code", flat=True).get(pk=reason.pk)
            if old_code == NO_ANSWER and (reason.code != NO_ANSWER or not reason.active):
                raise ActionError(
                    "reason_builtin",
                    _(
                        "The reason no_answer is built in: its code cannot change and it "
                        "cannot be switched off."
                    ),
                )
        reason.full_clean()
        reason.save()
        audit(
            actor,
            "reason_created" if creating else "reason_updated",
            f"reason {reason.code}",
            request,
            fields=sorted(changed),
        )
    return reason


def delete_reason(actor: User, reason: ReasonCode, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        if reason.builtin:
            raise ActionError(
                "reason_builtin",
                _("The reason no_answer is built in: the switch sets it after missed calls."),
            )
        code = reason.code
        reason.delete()
        audit(actor, "reason_deleted", f"reason {code}", request)
