"""The supervisor monitor page (REQUIREMENTS A7, B10): ``/desktop/monitor/``.

Owns the page and what it needs from the server at render time: the labels of statuses,
states and actions, the confirmation texts, the not-ready reasons a supervisor may force.
Everything live is read by the page itself (``static/desktop/monitor.js``):

- snapshots from ``GET /api/agents/?supervised=true`` (the agents the supervisor may act
  on, `api.switch_views.may_act_on`, the supervisor itself left out), ``GET /api/queues/``
  (shown: the queues of those agents) and ``GET /api/agents/<me>`` (whether the
  supervisor's own phone is logged in at an extension: listen, whisper and barge ring it);
- the event feed ``/ws/events/`` (docs/event-feed.md): each agent, queue, call-end, hold
  and supervisor event makes the page fetch the snapshots again (one fetch in flight, at
  most one more pending); timers tick in the page every second, on the switch's clock.

Each action (listen, whisper, barge, force release, force ready / not ready, log out) is
confirmed in an in-page dialog, then posted to the API; its error message (in the user's
language) is shown in the page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.acd.models import NO_ANSWER, ReasonCode
from callcenter.recordings.choices import AgentState, AgentStatus

# Events after which the snapshots are fetched again (the feed's ``?types=``).
EVENT_TYPES = (
    "agent_status_changed",
    "agent_state_changed",
    "agent_offered",
    "agent_missed",
    "agent_connected",
    "queue_joined",
    "queue_left",
    "call_answered",
    "call_ended",
    "call_held",
    "call_resumed",
    "call_transferred",
    "consult_changed",
    "supervisor_action",
    "state_repaired",
    "engine_started",
)


def monitor_texts() -> dict[str, Any]:
    """The page's strings for its script, in the user's language. ``%(agent)s`` stands
    for the agent's ID and name."""
    return {
        "status": dict(AgentStatus.choices),
        "state": dict(AgentState.choices),
        "online": _("Live: changes show as they happen."),
        "offline": _("Disconnected: reconnecting…"),
        "failed": _("The server did not answer; try again."),
        "done": _("Done."),
        "phone_rings": _("Your phone rings: pick it up to join the call."),
        "my_phone": _("Your phone: extension %(extension)s."),
        "no_phone": _(
            "You are not logged in to the switch at an extension: listen, whisper and "
            "barge ring your phone, so log in at one first."
        ),
        "left": _("%(seconds)s s left"),
        "no_agents": _("No agent you supervise."),
        "no_queues": _("No queue."),
        "confirm": {
            "listen": _("Listen to the call of %(agent)s? Your phone rings first."),
            "whisper": _("Whisper to %(agent)s? Only the agent hears you. Your phone rings first."),
            "barge": _(
                "Barge into the call of %(agent)s? Both parties hear you. Your phone rings first."
            ),
            "release": _("Release the call of %(agent)s? The call ends for everyone in it."),
            "ready": _("Set %(agent)s ready?"),
            "not_ready": _("Set %(agent)s not ready?"),
            "logout": _("Log %(agent)s out of the switch?"),
        },
    }


@require(Capability.SUPERVISE)
def monitor_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    reasons = [
        {"code": code, "label": label}
        for code, label in ReasonCode.objects.filter(active=True)
        .exclude(code=NO_ANSWER)
        .values_list("code", "label")
    ]
    return render(
        request,
        "desktop/monitor.html",
        {
            "me": request.user.agent_id,
            "texts": monitor_texts(),
            "reasons": reasons,
            "events": ",".join(EVENT_TYPES),
        },
    )
