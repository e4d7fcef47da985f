"""What the agent desktop shows, read off the switch and the CRM (B2, A5).

- `desk_state` runs on the switch's loop (through `telephony.switch.command`): the
  agent's status and state, the figures of its queues, the agents and queues it may
  transfer to, and the switch's clock (the page counts wrap-up down by it).
- `pop_for` builds the screen pop of a call offered to the agent: the call's facts as
  the agents' feed kept them (`telephony.agent_feed`: caller, IVR path and digits, queue,
  wait) and the CRM's customers for the caller ID (none, one, or several to choose from).
- `tickets_of_call`: the tickets made during a call, for the call panel.
"""

from __future__ import annotations

import time
from typing import Any

from django.urls import reverse

from callcenter.api.customer_views import customer_json
from callcenter.api.switch_views import agent_json, queue_rows
from callcenter.crm.customers import customers_for_caller
from callcenter.engine.acd.states import AgentStatus
from callcenter.engine.switch import Engine
from callcenter.telephony.agent_feed import AgentFeed
from callcenter.tickets.models import Ticket

MAX_CUSTOMERS = 10  # several found: the chooser lists at most these


def desk_state(engine: Engine, agent_id: str) -> dict[str, Any]:
    acd = engine.center.acd
    agent = acd.agents.get(agent_id)
    if agent is None:
        return {
            "type": "state",
            "now": time.time(),
            "agent": None,
            "queues": [],
            "agents": [],
            "call": None,
        }
    mine = acd.queues_of(agent_id)
    others = [
        {
            "agent_id": a.agent_id,
            "name": a.entry.name,
            "extension": a.extension,
            "state": a.state.value,
            "status": a.status.value,
        }
        for a in sorted(acd.agents.values(), key=lambda a: a.agent_id)
        if a.agent_id != agent_id and a.status is not AgentStatus.LOGGED_OUT and a.extension
    ]
    # Only for an agent on a call: finding a direct call walks every call of the switch.
    busy = agent.extension and (agent.call or agent.other_calls)
    call = engine.center.call_of_agent(agent_id) if busy else None
    return {
        "type": "state",
        "now": time.time(),
        "agent": agent_json(agent, engine),
        "queues": queue_rows(engine, set(mine)),
        "all_queues": [
            {"name": name, "title": q.entry.display_name} for name, q in sorted(acd.queues.items())
        ],
        "agents": others,
        "call": _call_state(engine, call) if call is not None else None,
    }


def _call_state(engine: Engine, call: Any) -> dict[str, Any]:
    return {
        "id": call.id,
        "caller": call.caller_number,
        "dialled": call.dialled,
        "answered": call.answered is not None,
        "consulting": call.consult is not None,
        "conference": call.conference is not None,
        "started_at": call.started_at,
    }


def pop_for(call_id: str, facts: dict[str, Any] | None) -> dict[str, Any]:
    """The pop of `call_id` (``facts`` as the offer carried them, or as the feed keeps
    them); runs in a worker thread (it reads the database)."""
    if facts is None:
        feed = AgentFeed.running
        known = feed.facts(call_id) if feed is not None else None
        facts = known.as_pop(time.time()) if known is not None else None
    caller = (facts or {}).get("caller", "")
    found = list(customers_for_caller(caller)[: MAX_CUSTOMERS + 1]) if caller else []
    return {
        "type": "pop",
        "call": call_id,
        "facts": facts,
        "customers": [customer_json(c) for c in found[:MAX_CUSTOMERS]],
        "more": len(found) > MAX_CUSTOMERS,
    }


def tickets_of_call(call_id: str) -> list[dict[str, Any]]:
    tickets = Ticket.objects.filter(call_id=call_id).order_by("created_at")
    return [
        {
            "number": t.number,
            "kind": t.get_kind_display(),
            "state": t.get_state_display(),
            "url": reverse("tickets:detail", args=[t.pk]),
        }
        for t in tickets
    ]
