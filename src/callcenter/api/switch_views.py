"""The switch's endpoints: agents, live calls and queues (A5, A6, A13; contract in
`api.openapi`). Each view checks who may do what, then runs one command of the contact
center (`engine.acd.center`) on the switch's loop through `telephony.switch`.

- ``GET /api/agents/`` and ``GET /api/agents/<id>``: status (logged out / ready / not
  ready with reason and its label), state (idle, reserved, ringing, in call, on hold,
  wrap-up), since when, the extension, the agent's queues and the current call with its
  caller. ``GET /api/agents/?supervised=true``: only the agents the caller may act on
  (`may_act_on`), itself left out (the supervisor monitor, `desktop.monitor`).
- ``POST /api/agents/<id>/login`` ``{extension, ready?, reason?}``, ``.../logout``,
  ``.../status`` ``{status: ready|not_ready, reason?}``, ``.../wrap-up/end``.
- ``GET /api/calls/``: the calls up now; ``POST /api/calls/<id>/hangup``,
  ``POST /api/calls/<id>/transfer`` ``{destination}`` (blind: an extension, ``queue:NAME``,
  "0" and an outside number).
- ``GET /api/queues/``: per queue, callers waiting, the longest wait, agents logged in
  and available, answered and abandoned since the switch started.

Who may: an agent acts on itself and on calls it is on; a supervisor also on the agents
of the queues it supervises (and their calls); an administrator on everyone. What a
supervisor or administrator does to another agent is audited (SupervisorAction event).
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from callcenter.accounts.choices import Role
from callcenter.accounts.models import User
from callcenter.api.errors import ApiError
from callcenter.api.http import endpoint, json_response, read_json
from callcenter.engine.acd.center import CommandError
from callcenter.engine.acd.states import Agent, AgentStatus
from callcenter.engine.calls.call import Call
from callcenter.engine.events import SupervisorAction
from callcenter.engine.switch import Engine
from callcenter.telephony.switch import SwitchUnavailable, command

STAFF = (Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _messages() -> dict[str, tuple[int, str, str | None]]:
    """Command error codes: (HTTP status, message, field)."""
    return {
        "unknown_agent": (404, _("There is no such agent."), None),
        "unknown_extension": (400, _("There is no such extension."), "extension"),
        "extension_taken": (409, _("Another agent is logged in at this extension."), None),
        "unknown_reason": (400, _("Choose a not-ready reason from the list."), "reason"),
        "not_logged_in": (409, _("The agent is not logged in."), None),
        "invalid_status": (409, _("The agent cannot change to this status now."), None),
        "not_in_wrap_up": (409, _("The agent is not in wrap-up."), None),
        "no_call": (404, _("There is no such call now."), None),
        "bad_destination": (
            400,
            _("Give an extension, queue:NAME, or 0 and an outside number."),
            "destination",
        ),
        "not_answered": (409, _("The call has not been answered yet."), None),
        "already_held": (409, _("The call is on hold already."), None),
        "not_held": (409, _("The call is not on hold."), None),
        "call_busy": (
            409,
            _("Not possible while a supervisor or a third party is in the call."),
            None,
        ),
        "consulting": (409, _("Finish the consultation first."), None),
        "not_consulting": (409, _("Nobody is being consulted on this call."), None),
        "consult_not_answered": (409, _("The consulted party has not answered yet."), None),
        "not_registered": (409, _("That phone is not registered."), None),
        "may_not_dial_out": (403, _("This extension may not call outside numbers."), None),
        "unreachable": (409, _("That number cannot be reached now."), "destination"),
        "bad_mode": (400, _("Choose listen, whisper or barge."), "mode"),
        "not_ringing": (409, _("No call is ringing at the agent's phone."), None),
        "cannot_answer": (
            409,
            _(
                "This phone cannot be answered from here (it does not offer the talk "
                "event): answer it on the phone."
            ),
            None,
        ),
    }


def run_command(action: Any) -> Any:
    try:
        return command(action)
    except SwitchUnavailable:
        raise ApiError(
            "switch_unavailable", _("The switch is not running; try again shortly."), status=503
        ) from None
    except CommandError as error:
        status, message, field = _messages().get(
            error.code, (409, _("The switch refused the command."), None)
        )
        raise ApiError(error.code, message, field, status=status) from None


def staff_only(user: User) -> None:
    if user.role not in STAFF:
        raise ApiError("not_permitted", _("Only the customer-service center may do this."))


def may_act_on(user: User, engine: Engine, agent_id: str) -> bool:
    """Rule of the module docstring; True for the agent itself."""
    if user.agent_id == agent_id or user.role == Role.ADMINISTRATOR:
        return True
    if user.role != Role.SUPERVISOR:
        return False
    me = engine.center.acd.agents.get(user.agent_id)
    supervised = set(me.entry.supervises) if me is not None else set()
    if "*" in supervised:
        return True
    return bool(supervised & set(engine.center.acd.queues_of(agent_id)))


def agent_json(agent: Agent, engine: Engine | None = None) -> dict[str, Any]:
    """The agent as the API shows it; with ``engine``, also what the switch knows around
    it: ``status_since``, ``reason_label``, ``queues``, ``current_call`` (the call the
    agent is on, a queue call or a direct one), its ``caller``, and ``answerable``
    (a phone rings at the agent's extension that can be answered from the API)."""
    found: dict[str, Any] = {
        "agent_id": agent.agent_id,
        "name": agent.entry.name,
        "status": agent.status.value,
        "reason": agent.reason,
        "extension": agent.extension,
        "state": agent.state.value if agent.status is not AgentStatus.LOGGED_OUT else "",
        "state_since": agent.state_since,
        "call": agent.call,
        "queue": agent.queue,
        "wrap_up_until": agent.wrap_up_until,
        "calls_taken": agent.calls_taken,
    }
    if engine is not None:
        center = engine.center
        labels = {reason.code: reason.label for reason in center.reasons}
        current = center.call_of_agent(agent.agent_id) if agent.call or agent.extension else None
        found |= {
            "status_since": agent.status_since,
            "reason_label": labels.get(agent.reason, agent.reason),
            "queues": list(center.acd.queues_of(agent.agent_id)),
            "current_call": current.id if current is not None else "",
            "caller": current.caller_number if current is not None else "",
            "answerable": _answerable(engine, agent.extension),
        }
    return found


def _answerable(engine: Engine, extension: str) -> bool:
    # Only a phone with a live leg is looked at: finding it walks every call.
    if not extension or not engine.calls.busy.get(extension):
        return False
    return any(leg.talk_event for _call, leg in engine.control.answerable(extension))


def _call_json(call: Call, engine: Engine) -> dict[str, Any]:
    connected = engine.center.connected.get(call.id)
    member = engine.center.acd.member(call.id)
    return {
        "id": call.id,
        "direction": call.direction.value,
        "caller": call.caller_number,
        "dialled": call.dialled,
        "started_at": call.started_at,
        "answered_by": call.answered.party if call.answered is not None else "",
        "queue": member.queue if member is not None else connected.queue if connected else "",
        "agent": connected.agent if connected is not None else "",
        "waiting": member is not None,
    }


def _audit(engine: Engine, user: User, agent_id: str, action: str, detail: str = "") -> None:
    if user.agent_id != agent_id:
        engine.events.emit(
            SupervisorAction(time.time(), user.agent_id, action, agent=agent_id, detail=detail)
        )


# --- agents --------------------------------------------------------------------------------


@endpoint("GET")
def agents_view(request: HttpRequest, user: User) -> HttpResponse:
    staff_only(user)
    supervised = request.GET.get("supervised", "false")
    if supervised not in ("true", "false"):
        raise ApiError("invalid", _("Give true or false."), "supervised")

    def read(engine: Engine) -> dict[str, Any]:
        agents = sorted(engine.center.acd.agents.values(), key=lambda a: a.agent_id)
        if supervised == "true":
            agents = [a for a in agents if a.agent_id != user.agent_id
                      and may_act_on(user, engine, a.agent_id)]  # fmt: skip
        return {"now": time.time(), "agents": [agent_json(a, engine) for a in agents]}

    return json_response(run_command(read))


@endpoint("GET")
def agent_view(request: HttpRequest, user: User, agent_id: str) -> HttpResponse:
    staff_only(user)

    def read(engine: Engine) -> dict[str, Any]:
        agent = engine.center.acd.agents.get(agent_id)
        if agent is None:
            raise CommandError("unknown_agent", agent_id)
        return agent_json(agent, engine)

    return json_response(run_command(read))


def agent_command(user: User, agent_id: str, work: Any, action: str) -> HttpResponse:
    staff_only(user)

    def run(engine: Engine) -> dict[str, Any]:
        if agent_id not in engine.center.acd.agents:
            raise CommandError("unknown_agent", agent_id)
        if not may_act_on(user, engine, agent_id):
            raise ApiError("not_permitted", _("You may not act on this agent."))
        detail = work(engine) or ""
        _audit(engine, user, agent_id, action, detail)
        return agent_json(engine.center.acd.agents[agent_id], engine)

    return json_response(run_command(run))


def text_field(data: dict[str, Any], field: str) -> str:
    value = data.get(field, "")
    if not isinstance(value, str) or "\x00" in value or len(value) > 100:
        raise ApiError("invalid", _("Give text."), field)
    return value


@endpoint("POST")
def login_view(request: HttpRequest, user: User, agent_id: str) -> HttpResponse:
    data = read_json(request)
    extension = text_field(data, "extension")
    if not extension:
        raise ApiError("invalid", _("Give the extension to log in at."), "extension")
    ready = data.get("ready", True)
    if not isinstance(ready, bool):
        raise ApiError("invalid", _("Give true or false."), "ready")
    reason = text_field(data, "reason")

    def work(engine: Engine) -> str:
        by = user.agent_id
        engine.center.login(agent_id, extension, ready=ready, reason=reason, by=by)
        return extension

    return agent_command(user, agent_id, work, "login")


@endpoint("POST")
def logout_view(request: HttpRequest, user: User, agent_id: str) -> HttpResponse:
    return agent_command(
        user, agent_id, lambda e: e.center.logout(agent_id, by=user.agent_id), "logout"
    )


@endpoint("POST")
def status_view(request: HttpRequest, user: User, agent_id: str) -> HttpResponse:
    data = read_json(request)
    status = data.get("status")
    if status not in (AgentStatus.READY.value, AgentStatus.NOT_READY.value):
        raise ApiError("invalid", _("Choose ready or not ready."), "status")
    reason = text_field(data, "reason")

    def work(engine: Engine) -> str:
        if status == AgentStatus.READY.value:
            engine.center.set_ready(agent_id, by=user.agent_id)
        else:
            engine.center.set_not_ready(agent_id, reason, by=user.agent_id)
        return f"{status} {reason}".strip()

    return agent_command(user, agent_id, work, "force_status")


@endpoint("POST")
def end_wrap_up_view(request: HttpRequest, user: User, agent_id: str) -> HttpResponse:
    return agent_command(user, agent_id, lambda e: e.center.end_wrap_up(agent_id), "end_wrap_up")


# --- calls ---------------------------------------------------------------------------------


def list_calls(user: User) -> HttpResponse:
    """``GET /api/calls/`` (dispatched by `api.call_control_views.calls_view`)."""
    staff_only(user)
    rows = run_command(lambda e: [_call_json(c, e) for c in list(e.calls.calls.values())])
    return json_response({"calls": rows})


def call_command(user: User, call_id: str, work: Any, action: str) -> HttpResponse:
    staff_only(user)

    def run(engine: Engine) -> dict[str, Any]:
        call = engine.calls.calls.get(call_id)
        if call is None:
            raise CommandError("no_call", call_id)
        connected = engine.center.connected.get(call_id)
        agent_id = connected.agent if connected is not None else ""
        mine = agent_id == user.agent_id or any(
            leg.party == extension_of(engine, user) and not leg.ended for leg in call.legs
        )
        supervising = bool(agent_id) and may_act_on(user, engine, agent_id)
        if not (mine or supervising or user.role == Role.ADMINISTRATOR):
            raise ApiError("not_permitted", _("You may not act on this call."))
        answer = _call_json(call, engine)
        detail = work(engine, call) or ""
        if not mine:
            engine.events.emit(
                SupervisorAction(time.time(), user.agent_id, action, call_id, agent_id, detail)
            )
        return answer

    return json_response(run_command(run))


def extension_of(engine: Engine, user: User) -> str:
    agent = engine.center.acd.agents.get(user.agent_id)
    return agent.extension if agent is not None and agent.extension else "\x00"


@endpoint("POST")
def hangup_view(request: HttpRequest, user: User, call_id: str) -> HttpResponse:
    return call_command(user, call_id, lambda e, call: e.calls.hang_up(call), "release")


@endpoint("POST")
def transfer_view(request: HttpRequest, user: User, call_id: str) -> HttpResponse:
    data = read_json(request)
    destination = text_field(data, "destination")

    def work(engine: Engine, call: Call) -> str:
        engine.center.transfer(call.id, destination, by=user.agent_id)
        return destination

    return call_command(user, call_id, work, "transfer")


# --- queues --------------------------------------------------------------------------------


def queue_rows(engine: Engine, names: Any = None) -> list[dict[str, Any]]:
    """Per queue (all, or those in ``names``): its figures now (``GET /api/queues/``)."""
    now = time.time()
    acd = engine.center.acd
    rows = []
    for name, queue in sorted(acd.queues.items()):
        if names is not None and name not in names:
            continue
        stats = queue.stats(now)
        agents = [acd.agents[a] for a in acd.agents if name in acd.queues_of(a)]
        rows.append(
            {
                "name": name,
                "title": queue.entry.display_name,
                "strategy": queue.entry.strategy,
                "waiting": len(queue),
                "longest_wait": stats.longest_wait,
                "answered": stats.answered,
                "abandoned": stats.abandoned,
                "logged_in": acd.logged_in(name),
                "available": sum(1 for a in agents if a.available(now)),
            }
        )
    return rows


@endpoint("GET")
def queues_view(request: HttpRequest, user: User) -> HttpResponse:
    staff_only(user)
    return json_response({"queues": run_command(queue_rows)})
