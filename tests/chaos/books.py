"""The chaos test's books: what the switch must look like after the churn, and the counts.

Owns the end-of-run checks, each a pure function of the contact center, the call manager
or the event list that returns the problems it found (an empty list: the books balance):

- every agent's state matches the calls: nobody reserved, ringing, in call or on hold
  without a live call behind it, nobody in wrap-up long after its end;
- every call has exactly one record: each CallStarted exactly one CallEnded, none ends
  that never started; each queue member left its queue exactly once;
- nothing held: no call in progress, no RTP port in use.

It also sorts the calls by where the customer's call ended (IVR, waiting, ringing,
talking) and counts the reconciler's repairs, for the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from callcenter.engine.acd.center import ContactCenter
from callcenter.engine.acd.states import AgentState
from callcenter.engine.events import (
    AgentConnected,
    AgentMissed,
    CallEnded,
    CallStarted,
    Event,
    MissReason,
    QueueJoined,
    QueueLeft,
    QueueOutcome,
    StateRepaired,
)

BUSY_STATES = (AgentState.RESERVED, AgentState.RINGING, AgentState.IN_CALL, AgentState.ON_HOLD)
WRAP_UP_SLACK = 2.0  # seconds past its end a wrap-up may still be seen (the sweep's tick)


def stuck_agents(center: ContactCenter, now: float) -> list[str]:
    """Agents whose state no live call backs."""
    problems = []
    calls = center.manager.calls
    for agent in center.acd.agents.values():
        if agent.state in BUSY_STATES:
            call = calls.get(agent.call) if agent.call else None
            live = call is not None and not call.ended
            direct = not agent.call and center.manager.busy.get(agent.extension, 0) > 0
            if not live and not direct:
                problems.append(
                    f"agent {agent.agent_id} {agent.state.value} since "
                    f"{now - agent.state_since:.1f} s without a call (call {agent.call or '-'})"
                )
        until = agent.wrap_up_until
        if agent.state is AgentState.WRAP_UP and (until is None or now > until + WRAP_UP_SLACK):
            problems.append(f"agent {agent.agent_id} in wrap-up past its end")
    return problems


def call_records(events: Sequence[Event]) -> list[str]:
    """Each CallStarted has exactly one CallEnded; each QueueJoined one QueueLeft."""
    started = Counter(e.call for e in events if isinstance(e, CallStarted))
    ended = Counter(e.call for e in events if isinstance(e, CallEnded))
    joined = Counter(e.call for e in events if isinstance(e, QueueJoined))
    left = Counter(e.call for e in events if isinstance(e, QueueLeft))
    problems = [f"call {c} started {n} times" for c, n in started.items() if n != 1]
    problems += [f"call {c} started, ended {ended[c]} times" for c in started if ended[c] != 1]
    problems += [f"call {c} ended but never started" for c in ended if c not in started]
    problems += [
        f"call {c} joined a queue {n} time(s), left {left[c]} time(s)"
        for c, n in joined.items()
        if left[c] != n
    ]
    problems += [f"call {c} left a queue it never joined" for c in left if c not in joined]
    return problems


def held(center: ContactCenter, rtp_in_use: int) -> list[str]:
    problems = [f"call {c} still in progress" for c in center.manager.calls]
    if rtp_in_use:
        problems.append(f"{rtp_in_use} RTP ports still in use")
    return problems


def phases(events: Sequence[Event]) -> Counter[str]:
    """Where each call ended: ``ivr`` (the customer hung up in the menu), ``ivr_gave_up``
    (the menu ended it), ``queue`` (hung up while waiting), ``ringing`` (while an agent's
    phone rang), ``talking_customer`` / ``talking_agent`` (who hung up an answered call),
    ``queue_<outcome>`` for other ways out of a queue."""
    joined = {e.call for e in events if isinstance(e, QueueJoined)}
    connected = {e.call for e in events if isinstance(e, AgentConnected)}
    rang = {
        e.call for e in events if isinstance(e, AgentMissed) and e.reason is MissReason.CALLER_GONE
    }
    outcomes = {e.call: e.outcome for e in events if isinstance(e, QueueLeft)}
    found: Counter[str] = Counter()
    for end in events:
        if not isinstance(end, CallEnded):
            continue
        call = end.call
        if call in connected:
            found["talking_agent" if end.hangup_by == "callee" else "talking_customer"] += 1
        elif call in joined:
            outcome = outcomes.get(call)
            if outcome is QueueOutcome.ABANDONED:
                found["ringing" if call in rang else "queue"] += 1
            else:
                found[f"queue_{outcome.value if outcome else 'no_exit'}"] += 1
        else:
            found["ivr" if end.hangup_by == "caller" else "ivr_gave_up"] += 1
    return found


def repairs(events: Sequence[Event]) -> Counter[str]:
    return Counter(e.what for e in events if isinstance(e, StateRepaired))


def events_by_type(events: Sequence[Event]) -> Counter[str]:
    return Counter(e.type for e in events)


def repair_samples(events: Sequence[Event], count: int = 8) -> list[str]:
    """The first repairs, as text, for the reader of a run."""
    return [
        f"{e.what}: agent {e.agent or '-'}, call {e.call or '-'}: {e.repair}"
        for e in events
        if isinstance(e, StateRepaired)
    ][:count]
