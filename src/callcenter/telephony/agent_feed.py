"""The agents' fast feed: each agent's own events, sent to its desktop at once (B2).

The event feed (`recordings.feed`) publishes after the batch is stored, a fifth of a
second and a database write later; a screen pop cannot wait for that. The event sink
(`telephony.event_sink.DjangoEventSink.emit`) hands every event to `AgentFeed.observe`
on the switch's loop, which

- keeps, per live call, what a pop shows: the caller, the number dialled, the IVR path
  with the digits entered, the queue and when the call joined it (`CallFacts`), dropped
  when the call ends;
- sends each event that names an agent (offered, missed, connected, status, state,
  supervisor action; a consultation's events name it in ``by``) to that agent's group
  (`agent_group`) as it happens, an offer with the call's facts;
- sends a queue call's ``call_ringing`` (a phone rang for it) to the agents offered the
  call, so that a desktop learns at once that its phone rings (and can be answered).

The desktop's WebSocket (`desktop.consumers.DesktopConsumer`) listens to its agent's
group. Nothing is stored here: the records are the sink's work.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from callcenter.engine.events import (
    AgentConnected,
    AgentMissed,
    AgentOffered,
    CallEnded,
    CallRinging,
    CallStarted,
    ConsultChanged,
    Event,
    IvrLeft,
    IvrNodeVisited,
    QueueJoined,
)
from callcenter.recordings.feed import as_json

log = logging.getLogger(__name__)

MESSAGE_TYPE = "agent.event"
# A queue's calls whose facts are kept at most (a flood of calls never ended).
MAX_CALLS = 20_000
MAX_STEPS = 50


def agent_group(agent_id: str) -> str:
    """The channel-layer group of one agent's desktops (names allow [-_.a-zA-Z0-9])."""
    return "agent." + re.sub(r"[^-_.a-zA-Z0-9]", "_", agent_id)[:80]


@dataclass
class CallFacts:
    caller: str
    caller_name: str
    dialled: str
    started_at: float
    ivr: list[dict[str, str]] = field(default_factory=list)
    queue: str = ""
    joined_at: float | None = None

    def as_pop(self, offered_at: float) -> dict[str, Any]:
        return {
            "caller": self.caller,
            "caller_name": self.caller_name,
            "dialled": self.dialled,
            "started_at": self.started_at,
            "ivr": list(self.ivr),
            "digits": "".join(step["digits"] for step in self.ivr),
            "queue": self.queue,
            "wait": round(offered_at - self.joined_at, 1) if self.joined_at is not None else 0.0,
        }


class AgentFeed:
    """Fed on the switch's loop; sends through the channel layer without waiting. The
    one the switch's sink feeds is `AgentFeed.running` (None without a switch)."""

    running: AgentFeed | None = None

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.calls: dict[str, CallFacts] = {}
        self.offered: dict[str, set[str]] = {}  # call -> agents its phones ring for
        self._sending: set[asyncio.Task[None]] = set()

    def observe(self, event: Event) -> None:
        try:
            self._note(event)
            agents = self._agents_of(event)
            if agents and self.layer is not None:
                message = self._message(event)
                for agent in agents:
                    self._send(agent, message)
        except Exception:  # the feed must never break the switch's events
            log.exception("agent feed: could not handle %s", event.type)

    def facts(self, call_id: str) -> CallFacts | None:
        return self.calls.get(call_id)

    def _note(self, event: Event) -> None:
        if isinstance(event, CallStarted):
            if len(self.calls) >= MAX_CALLS:
                self.calls.pop(next(iter(self.calls)))
            self.calls[event.call] = CallFacts(
                event.caller, event.caller_name, event.dialled, event.at
            )
        elif isinstance(event, IvrNodeVisited):
            facts = self.calls.get(event.call)
            if facts is not None and len(facts.ivr) < MAX_STEPS:
                facts.ivr.append(
                    {
                        "flow": event.flow,
                        "node": event.node,
                        "kind": event.kind,
                        "digits": event.digits,
                    }
                )
        elif isinstance(event, IvrLeft):
            facts = self.calls.get(event.call)
            if facts is not None and len(facts.ivr) < MAX_STEPS:
                facts.ivr.append(
                    {"flow": event.flow, "node": event.destination, "kind": "exit", "digits": ""}
                )
        elif isinstance(event, QueueJoined):
            facts = self.calls.get(event.call)
            if facts is not None:
                facts.queue, facts.joined_at = event.queue, event.at
        elif isinstance(event, AgentOffered):
            self.offered.setdefault(event.call, set()).add(event.agent)
        elif isinstance(event, AgentMissed | AgentConnected):
            ringing = self.offered.get(event.call)
            if ringing is not None:
                ringing.discard(event.agent)
                if not ringing:
                    del self.offered[event.call]
        elif isinstance(event, CallEnded):
            self.calls.pop(event.call, None)
            self.offered.pop(event.call, None)

    def _agents_of(self, event: Event) -> tuple[str, ...]:
        if isinstance(event, ConsultChanged):
            return (event.by,) if event.by else ()
        if isinstance(event, CallRinging):
            return tuple(sorted(self.offered.get(event.call, ())))
        agent = getattr(event, "agent", "")
        return (agent,) if isinstance(agent, str) and agent else ()

    def _message(self, event: Event) -> dict[str, Any]:
        payload = as_json(event)
        if isinstance(event, AgentOffered):
            facts = self.calls.get(event.call)
            payload["facts"] = facts.as_pop(event.at) if facts is not None else None
        return {"type": MESSAGE_TYPE, "event": payload}

    def _send(self, agent: str, message: dict[str, Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the switch's loop (a script replaying events)
            return
        task = loop.create_task(self.layer.group_send(agent_group(agent), message))
        self._sending.add(task)  # kept until done: a task nobody holds may vanish
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("agent feed: could not send", exc_info=task.exception())
