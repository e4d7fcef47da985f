"""What the keypad codes of `engine.acd.features` do on a call: log in and out, ready and
not ready, ``*06`` call pickup, and ``*33`` + agent ID (a supervisor joins the agent's call,
`engine.acd.supervision`), run by the contact center (`engine.acd.center`) for a call
that dialled one. A supervisor may join only an answered two-party call of an agent in
a queue it supervises (``*``: all), not one on hold or in a consultation.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from callcenter.engine.acd.errors import CommandError
from callcenter.engine.acd.features import (
    LOGIN,
    LOGOUT,
    NOT_READY,
    PICKUP,
    READY,
    AnnounceService,
    LoginService,
)
from callcenter.engine.acd.supervision import SupervisorService, supervise_target
from callcenter.engine.calls.call import Call
from callcenter.engine.events import EndCause

if TYPE_CHECKING:
    from callcenter.engine.acd.center import ContactCenter

log = logging.getLogger(__name__)


def run_feature(center: ContactCenter, call: Call, code: str) -> None:
    """What a feature code dialled on a phone does (module docstring)."""
    extension = call.caller_number
    hang_up = lambda: center.manager.hang_up(call)  # noqa: E731
    supervised = supervise_target(code)
    if supervised is not None:
        _supervise(center, call, supervised)
        return

    if code == PICKUP:
        target = ringing_for_group(center, extension)
        if target is None:
            center.manager.hang_up(call, EndCause.UNAVAILABLE, status=480)
        else:
            center.manager.pick_up(call, target)
        return

    if code == LOGIN:

        async def login(agent_id: str, password: str) -> bool:
            if not await center.check_agent(agent_id, password):
                return False
            try:
                center.login(agent_id, extension, by=agent_id)
            except CommandError as error:
                log.info("phone login of %s at %s refused: %s", agent_id, extension, error)
                return False
            return True

        center.manager.attach_service(call, LoginService(hang_up, center.prompts, login))
        return

    def act() -> str:
        agent = center.agent_by_extension(extension)
        if agent is None:
            return "login-failed"
        try:
            if code == LOGOUT:
                center.logout(agent.agent_id, by=agent.agent_id)
                return "logged-out"
            if code == READY:
                center.set_ready(agent.agent_id, by=agent.agent_id)
                return "ready"
            reason = ""
            index = code[len(NOT_READY) :]
            if index.isdigit() and 0 < int(index) <= len(center.reasons):
                reason = center.reasons[int(index) - 1].code
            center.set_not_ready(agent.agent_id, reason, by=agent.agent_id)
            return "not-ready"
        except CommandError:
            return "login-failed"

    center.manager.attach_service(call, AnnounceService(hang_up, center.prompts, act))


def _supervise(center: ContactCenter, call: Call, agent_id: str) -> None:
    """``*33<agent>`` from a supervisor's phone (`engine.acd.supervision`)."""
    supervisor = center.agent_by_extension(call.caller_number)
    agent = center.acd.agents.get(agent_id)
    target = center.call_of_agent(agent_id) if agent is not None else None
    allowed = (
        supervisor is not None
        and supervisor.entry.supervisor
        and agent is not None
        and (
            "*" in supervisor.entry.supervises
            or bool(set(supervisor.entry.supervises) & set(center.acd.queues_of(agent_id)))
        )
    )
    hang_up = lambda: center.manager.hang_up(call)  # noqa: E731
    if (
        not allowed
        or target is None
        or target.answered is None
        or target.consult is not None
        or target.held is not None
        or supervisor is None
    ):
        refused = AnnounceService(hang_up, center.prompts, lambda: "login-failed")
        center.manager.attach_service(call, refused)
        return
    service = SupervisorService(
        hang_up,
        target,
        supervisor=supervisor.agent_id,
        agent=agent_id,
        recordings=center.manager.config.recordings,
        emit=center.emit,
        mode=center.first_modes.pop(call.id, "listen"),
    )
    center.supervising[call.id] = (target.id, service)
    center.manager.attach_service(call, service)


def ringing_for_group(center: ContactCenter, extension: str) -> Call | None:
    """The call that has rung longest the phone of an agent in the same pickup group as
    the agent logged in at ``extension`` (explicit groups, else shared queues); not a
    queue's offer (the queue gives that caller to the next agent itself)."""
    picker = center.agent_by_extension(extension)
    if picker is None:
        return None
    group = picker.entry.pickup_group
    queues = set(center.acd.queues_of(picker.agent_id))
    found: tuple[float, Call] | None = None
    for call in center.manager.calls.values():
        if call.ended or call.answered is not None or center.acd.member(call.id) is not None:
            continue
        for attempt in call.attempts:
            agent = center.agent_by_extension(attempt.target)
            if agent is None or agent is picker or not attempt.exclusive:
                continue
            if group:
                same = agent.entry.pickup_group == group
            else:
                same = bool(queues & set(center.acd.queues_of(agent.agent_id)))
            if same and (found is None or attempt.started_at < found[0]):
                found = (attempt.started_at, call)
    return found[1] if found is not None else None
