"""Call control over REST (A6, A13; contract in `api.openapi_switch`): click-to-call,
hold and resume, attended transfer, conference, and a supervisor joining a call. Each
runs one command of `engine.acd.control` on the switch's loop, with the permissions of
`api.switch_views` (an agent on its own calls, a supervisor on its queues' agents and
their calls, an administrator on all).

- ``POST /api/calls/`` ``{destination, extension?, auto_answer?}``: ring the caller's
  own extension (where its agent is logged in; an administrator, or an integration's
  token of one, may name any extension), then the destination: an extension, a queue
  (``queue:NAME``), a flow, or "0" and an outside number. 201 with the new call's id.
- ``POST /api/calls/<id>/hold`` and ``.../resume``: the switch holds the customer.
- ``POST /api/calls/<id>/consult`` ``{destination}``: the customer waits with music
  while the destination (an extension, or "0" and an outside number) rings for the agent;
  then ``.../consult/complete`` (the agent leaves), ``.../consult/cancel`` (back to the
  customer) or ``.../conference`` (all three).
- ``POST /api/agents/<id>/answer``: the phone ringing at the agent's extension is asked
  to answer (`engine.acd.control` Rule 7); 202 with the call's id, the answer itself
  follows as the agent's state. The agent itself or an administrator.
- ``POST /api/agents/<id>/supervise`` ``{mode: listen|whisper|barge}``: the supervisor
  asking joins the agent's call from its own phone (rung first, auto-answer asked), or
  changes the mode of the supervision it runs. Audited as every supervisor action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from callcenter.accounts.choices import Role
from callcenter.accounts.models import User
from callcenter.api.errors import ApiError
from callcenter.api.http import endpoint, json_response, read_json
from callcenter.api.switch_views import (
    call_command,
    extension_of,
    list_calls,
    may_act_on,
    run_command,
    staff_only,
    text_field,
)
from callcenter.engine.acd.center import CommandError
from callcenter.engine.calls.call import Call
from callcenter.engine.switch import Engine


@endpoint("GET", "POST")
def calls_view(request: HttpRequest, user: User) -> HttpResponse:
    """The calls up now (`switch_views.list_calls`), or click-to-call."""
    if request.method == "GET":
        return list_calls(user)
    return originate(request, user)


def originate(request: HttpRequest, user: User) -> HttpResponse:
    """``POST /api/calls/``."""
    staff_only(user)
    data = read_json(request)
    destination = text_field(data, "destination")
    if not destination:
        raise ApiError("invalid", _("Give the number to call."), "destination")
    extension = text_field(data, "extension")
    auto_answer = data.get("auto_answer", False)
    if not isinstance(auto_answer, bool):
        raise ApiError("invalid", _("Give true or false."), "auto_answer")

    def run(engine: Engine) -> dict[str, Any]:
        own = extension_of(engine, user)
        chosen = extension or own
        if chosen == "\x00":
            raise CommandError("not_logged_in", user.agent_id)
        if chosen != own and user.role != Role.ADMINISTRATOR:
            raise ApiError("not_permitted", _("You may only call from your own extension."))
        call_id = engine.control.originate(chosen, destination, auto_answer=auto_answer)
        return {"id": call_id, "extension": chosen, "destination": destination}

    return json_response(run_command(run), status=201)


def _agent_on(engine: Engine, call: Call, user: User) -> str:
    """The agent whose side of ``call`` a command acts for: the user's own, else the
    queue agent connected to it."""
    mine = extension_of(engine, user)
    if any(leg is not None and leg.party == mine for leg in (call.caller, call.answered)):
        return user.agent_id
    connected = engine.center.connected.get(call.id)
    return connected.agent if connected is not None else ""


def _command_view(action: str, command: Callable[[Engine, Call, User], None]) -> Any:
    """A view ``POST /api/calls/<id>/...`` running ``command`` on the call; ``action``
    is what the audit calls it when someone acts on a call not its own."""

    @endpoint("POST")
    def view(request: HttpRequest, user: User, call_id: str) -> HttpResponse:
        def work(engine: Engine, call: Call) -> str:
            command(engine, call, user)
            return ""

        return call_command(user, call_id, work, action)

    return view


hold_view = _command_view(
    "hold", lambda engine, call, user: engine.control.hold(call.id, _agent_on(engine, call, user))
)
resume_view = _command_view(
    "resume",
    lambda engine, call, user: engine.control.resume(call.id, _agent_on(engine, call, user)),
)
complete_view = _command_view(
    "transfer", lambda engine, call, user: engine.control.complete(call.id)
)
cancel_view = _command_view(
    "consult_cancel", lambda engine, call, user: engine.control.cancel(call.id)
)
conference_view = _command_view(
    "conference", lambda engine, call, user: engine.control.conference(call.id)
)


@endpoint("POST")
def consult_view(request: HttpRequest, user: User, call_id: str) -> HttpResponse:
    data = read_json(request)
    destination = text_field(data, "destination")

    def work(engine: Engine, call: Call) -> str:
        agent = _agent_on(engine, call, user)
        engine.control.consult(call.id, destination, agent, by=agent or user.agent_id)
        return destination

    return call_command(user, call_id, work, "consult")


@endpoint("POST")
def answer_view(request: HttpRequest, user: User, agent_id: str) -> HttpResponse:
    staff_only(user)
    if user.agent_id != agent_id and user.role != Role.ADMINISTRATOR:
        raise ApiError("not_permitted", _("Only the agent may answer its phone."))
    call_id = run_command(lambda engine: engine.control.answer(agent_id))
    return json_response({"call": call_id, "agent": agent_id}, status=202)


@endpoint("POST")
def supervise_view(request: HttpRequest, user: User, agent_id: str) -> HttpResponse:
    data = read_json(request)
    mode = data.get("mode", "listen")
    if mode not in ("listen", "whisper", "barge"):
        raise ApiError("invalid", _("Choose listen, whisper or barge."), "mode")
    if user.role not in (Role.SUPERVISOR, Role.ADMINISTRATOR) or user.agent_id == agent_id:
        raise ApiError("not_permitted", _("Only a supervisor may join an agent's call."))

    def run(engine: Engine) -> dict[str, Any]:
        if agent_id not in engine.center.acd.agents:
            raise CommandError("unknown_agent", agent_id)
        if not may_act_on(user, engine, agent_id):
            raise ApiError("not_permitted", _("You may not act on this agent."))
        # Audited by the switch itself when the mode is applied (SupervisorAction).
        call_id = engine.control.supervise(user.agent_id, agent_id, mode)
        return {"call": call_id, "agent": agent_id, "mode": mode}

    return json_response(run_command(run))
