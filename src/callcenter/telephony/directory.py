"""The switch's `Directory` port, read from this app's models.

Every read runs in a worker thread (the switch's loop never waits on the database).
`on_change` callbacks run whenever an extension, trunk, inbound route, login
(`accounts.LoginRecord`, which decides who may dial out), user, queue, tier, skill,
reason, prompt or flow is saved or deleted (or a queue's supervisors change), after the
transaction that did it commits, in whatever thread did it: the switch then reads a
configuration that includes the change.

Agents are the active users of role agent or supervisor, and administrators (who may
supervise every queue, "*"); supervisors supervise the queues they are named for.

Outbound rule (REQUIREMENTS A1): an extension may dial out ("0" prefix) only when it is
permitted to (`Extension.dial_out_permitted`) and someone is logged in at it now (a
`LoginRecord` with that extension that has not ended).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from callcenter.accounts.choices import Role
from callcenter.accounts.models import LoginRecord, User
from callcenter.acd.models import (
    NO_ANSWER,
    AgentSkill,
    Queue,
    ReasonCode,
    Skill,
    Tier,
    parse_relax,
)
from callcenter.engine import ports
from callcenter.engine.ivr.flow import Flow, FlowFormatError
from callcenter.engine.ports import ExtensionEntry, TrunkEntry
from callcenter.ivr import models as ivr_models
from callcenter.recordings.activity import current_presences
from callcenter.telephony.models import Extension, InboundRoute, Trunk

logger = logging.getLogger(__name__)

WATCHED: tuple[type[Any], ...] = (
    Extension,
    Trunk,
    InboundRoute,
    LoginRecord,
    User,
    Queue,
    Tier,
    Skill,
    AgentSkill,
    ReasonCode,
    ivr_models.Prompt,
    ivr_models.Flow,
)
AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR)
NO_ANSWER_LABEL = "未接听"


def logged_in_extensions() -> set[str]:
    """Extensions someone is logged in at now."""
    return set(
        LoginRecord.objects.filter(logged_out_at__isnull=True)
        .exclude(extension="")
        .values_list("extension", flat=True)
    )


def _read_extensions() -> dict[str, ExtensionEntry]:
    staffed = logged_in_extensions()
    return {
        number: ExtensionEntry(
            number=number,
            sip_password=password,
            display_name=name,
            outbound_allowed=permitted and number in staffed,
            fax=fax,
        )
        for number, password, name, permitted, fax in Extension.objects.values_list(
            "number", "sip_password", "display_name", "dial_out_permitted", "fax"
        )
    }


def _read_trunks() -> dict[str, TrunkEntry]:
    return {
        trunk.name: TrunkEntry(
            name=trunk.name,
            host=trunk.host,
            port=trunk.port,
            transport=trunk.transport,
            username=trunk.username,
            password=trunk.password,
            register=trunk.register,
            register_expires=trunk.register_expires,
            caller_id=trunk.caller_id,
            enabled=trunk.enabled,
        )
        for trunk in Trunk.objects.all()
    }


def _read_routes() -> tuple[ports.InboundRoute, ...]:
    return tuple(
        ports.InboundRoute(did=did, destination=destination, trunk=trunk or "")
        for did, destination, trunk in InboundRoute.objects.values_list(
            "did", "destination", "trunk__name"
        )
    )


def _read_queues() -> dict[str, ports.QueueEntry]:
    queues: dict[str, ports.QueueEntry] = {}
    for queue in Queue.objects.select_related("skill").prefetch_related("tiers__agent"):
        try:
            relax = tuple((float(seconds), level) for seconds, level in parse_relax(queue.relax))
        except ValidationError:
            logger.warning("queue %s: unreadable relax steps %r ignored", queue.name, queue.relax)
            relax = ()
        tiers = sorted(
            (
                ports.TierEntry(agent=tier.agent.agent_id, level=tier.level, position=tier.position)
                for tier in queue.tiers.all()
                if tier.agent.is_active
            ),
            key=lambda tier: (tier.level, tier.position, tier.agent),
        )
        queues[queue.name] = ports.QueueEntry(
            name=queue.name,
            display_name=queue.display_name,
            strategy=queue.strategy,
            weight=queue.weight,
            tiers=tuple(tiers),
            skill=queue.skill.name if queue.skill else "",
            min_proficiency=queue.min_proficiency,
            relax=relax,
            ring_timeout=float(queue.ring_timeout),
            wrap_up=float(queue.wrap_up),
            max_wait=float(queue.max_wait),
            overflow=queue.overflow,
            join_empty=queue.join_empty,
            leave_empty=queue.leave_empty,
            announce_interval=float(queue.announce_interval),
            announce_position=queue.announce_position,
            music=queue.music,
            no_answer_delay=float(queue.no_answer_delay),
            max_no_answer=queue.max_no_answer,
            busy_delay=float(queue.busy_delay),
            reject_delay=float(queue.reject_delay),
            progressive_step=float(queue.progressive_step),
            service_level=float(queue.service_level),
        )
    return queues


def _read_agents() -> dict[str, ports.AgentEntry]:
    skills: dict[int, list[tuple[str, int]]] = {}
    for user_id, skill, proficiency in AgentSkill.objects.values_list(
        "user_id", "skill__name", "proficiency"
    ).order_by("skill__name"):
        skills.setdefault(user_id, []).append((skill, proficiency))
    supervised: dict[int, list[str]] = {}
    for user_id, queue in Queue.supervisors.through.objects.values_list(
        "user_id", "queue__name"
    ).order_by("queue__name"):
        supervised.setdefault(user_id, []).append(queue)
    agents: dict[str, ports.AgentEntry] = {}
    for user in User.objects.filter(is_active=True, role__in=AGENT_ROLES).exclude(agent_id=""):
        supervises: tuple[str, ...] = ()
        if user.role == Role.ADMINISTRATOR:
            supervises = ("*",)
        elif user.role == Role.SUPERVISOR:
            supervises = tuple(supervised.get(user.pk, ()))
        agents[user.agent_id] = ports.AgentEntry(
            agent_id=user.agent_id,
            name=user.name,
            skills=tuple(skills.get(user.pk, ())),
            supervisor=user.role in (Role.SUPERVISOR, Role.ADMINISTRATOR),
            supervises=supervises,
            auto_answer=user.auto_answer,
        )
    return agents


def _read_flows() -> dict[str, Flow]:
    flows: dict[str, Flow] = {}
    for name, definition in ivr_models.Flow.objects.values_list("name", "definition"):
        try:
            flows[name] = Flow.from_dict(name, definition)
        except FlowFormatError as error:
            logger.error("IVR flow %s cannot be read and is left out: %s", name, error)
    return flows


def _read_reasons() -> tuple[ports.ReasonEntry, ...]:
    reasons = [
        ports.ReasonEntry(code=code, label=label)
        for code, label in ReasonCode.objects.filter(active=True).values_list("code", "label")
    ]
    if not any(reason.code == NO_ANSWER for reason in reasons):
        reasons.append(ports.ReasonEntry(code=NO_ANSWER, label=NO_ANSWER_LABEL))
    return tuple(reasons)


def _check_agent(agent_id: str, password: str) -> bool:
    user = User.objects.filter(agent_id=agent_id, is_active=True, role__in=AGENT_ROLES).first()
    return user is not None and user.check_password(password)


class DjangoDirectory:
    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []
        for model in WATCHED:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        m2m_changed.connect(self._changed, sender=Queue.supervisors.through, weak=False)

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        return await sync_to_async(_read_extensions, thread_sensitive=False)()

    async def trunks(self) -> Mapping[str, TrunkEntry]:
        return await sync_to_async(_read_trunks, thread_sensitive=False)()

    async def routes(self) -> tuple[ports.InboundRoute, ...]:
        return await sync_to_async(_read_routes, thread_sensitive=False)()

    async def queues(self) -> Mapping[str, ports.QueueEntry]:
        return await sync_to_async(_read_queues, thread_sensitive=False)()

    async def agents(self) -> Mapping[str, ports.AgentEntry]:
        return await sync_to_async(_read_agents, thread_sensitive=False)()

    async def flows(self) -> Mapping[str, Flow]:
        return await sync_to_async(_read_flows, thread_sensitive=False)()

    async def reasons(self) -> tuple[ports.ReasonEntry, ...]:
        return await sync_to_async(_read_reasons, thread_sensitive=False)()

    async def presences(self) -> tuple[ports.AgentPresence, ...]:
        return await sync_to_async(current_presences, thread_sensitive=False)()

    async def check_agent(self, agent_id: str, password: str) -> bool:
        return await sync_to_async(_check_agent, thread_sensitive=False)(agent_id, password)

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _changed(self, sender: type[Any], instance: Any, **kwargs: object) -> None:
        if sender is LoginRecord and not instance.extension:
            return  # a login without an extension changes nobody's right to dial out
        if sender is User and kwargs.get("update_fields") == frozenset({"last_login"}):
            return  # a web login changes nothing the switch knows
        action = kwargs.get("action")
        if action is not None and action not in ("post_add", "post_remove", "post_clear"):
            return  # m2m_changed (a queue's supervisors): once, after the change
        # After commit: a callback that reads at once must see the change.
        transaction.on_commit(self._notify)

    def _notify(self) -> None:
        for callback in self._callbacks:
            callback()

    def close(self) -> None:
        for model in WATCHED:
            post_save.disconnect(self._changed, sender=model)
            post_delete.disconnect(self._changed, sender=model)
        m2m_changed.disconnect(self._changed, sender=Queue.supervisors.through)
