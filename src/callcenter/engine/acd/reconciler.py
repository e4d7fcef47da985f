"""The reconciler: agent, member and call bookkeeping checked against the calls that exist.

The ACD's state machines (`engine.acd.states`) move on the call layer's callbacks; a lost
callback, a bug or a crash in one leaves an agent "reserved" forever or "in call" after
the hang-up, the most reported defect of contact centers. :func:`reconcile` compares the
contact center's bookkeeping with the calls, attempts and legs the call manager really has
and repairs every difference. It does no I/O: it changes the objects and returns one
:class:`~callcenter.engine.events.StateRepaired` per repair; the caller (the engine's
sweep, once a second) emits them and calls :meth:`ContactCenter.dispatch` when any came.

A call "is gone" when the call manager no longer has it or it has ended. The rules, in
the order they run, each with its ``what`` code:

Rule 1 (the extension map). ``center.by_extension`` is rebuilt from the agents:
    ``logged_in_twice``: two logged-in agents on one extension; the one the map names
    (else the lowest agent ID) keeps it, the others are logged out.
    ``extension_map_wrong``: the map names an agent unknown, logged out or logged in
    elsewhere (the entry is removed), or lacks a logged-in agent (it is added).
Rule 2 (offers). An agent reserved or ringing for longer than :data:`OFFER_GRACE`
    seconds whose call is gone (``reserved_without_call``, ``ringing_without_call``) or
    has no attempt ringing the agent's extension (``reserved_without_leg``,
    ``ringing_without_leg``) is released as if the caller had gone: the member no longer
    counts it as rung, no miss is counted, the agent is idle.
Rule 3 (queue calls). An agent in call or on hold for a queue call (``agent.call`` set)
    whose call does not exist (``in_call_without_call``, ``on_hold_without_call``), has
    ended (``in_call_on_ended_call``, ``on_hold_on_ended_call``), or whose answered leg is
    not on the agent's extension (``in_call_without_leg``, ``on_hold_without_leg``) is
    set idle without wrap-up or statistics, and ``center.connected`` forgets the call when
    it names that agent. The leg is not compared for an agent logged out during its call
    (it has no extension then).
Rule 4 (direct calls). An agent in call or on hold for a direct call (``agent.call``
    empty) while ``manager.busy`` counts no live leg on its extension
    (``in_call_without_call``, ``on_hold_without_call``) is set idle, ``other_calls`` 0.
Rule 5 (wrap-up). An agent in wrap-up more than :data:`WRAP_UP_GRACE` seconds after its
    ``wrap_up_until``, or with none (``wrap_up_overdue``), is set idle.
Rule 6 (direct call count). A logged-in agent on no queue call whose ``other_calls``
    differs from the live legs ``manager.busy`` counts on its extension
    (``extension_busy_count``) takes that count: a stale count keeps an agent from every
    offer.
Rule 7 (members). A queue member whose call is gone (``member_without_call``) leaves
    its queue as abandoned; agents still reserved or ringing for it are released too
    (reported as ``reserved_without_call`` / ``ringing_without_call``).
Rule 8 (connected). A ``center.connected`` entry whose call is gone
    (``connected_without_call``) is dropped.

Running it again at once finds nothing: every repair leaves a state no rule matches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from callcenter.engine.events import MissReason, StateRepaired

from .states import Agent, AgentState, AgentStatus

if TYPE_CHECKING:
    from callcenter.engine.calls.call import Call

    from .center import ContactCenter

OFFER_GRACE: Final = 2.0  # seconds an offer may lack its attempt (a normal offer's race)
WRAP_UP_GRACE: Final = 1.0  # seconds a wrap-up may outlive its end before it is repaired

_OFFERED = (AgentState.RESERVED, AgentState.RINGING)
_TALKING = (AgentState.IN_CALL, AgentState.ON_HOLD)


def reconcile(center: ContactCenter, now: float) -> list[StateRepaired]:
    """Check every rule of the module on ``center`` at ``now`` (the wall clock the
    center uses, ``time.time()``); repair what differs and return what was repaired."""
    found: list[StateRepaired] = []
    _extension_map(center, now, found)
    for agent in list(center.acd.agents.values()):
        _offer(center, agent, now, found)
        _queue_call(center, agent, now, found)
        _direct_call(center, agent, now, found)
        _wrap_up(agent, now, found)
        _busy_count(center, agent, now, found)
    _members(center, now, found)
    _connected(center, now, found)
    return found


def _live(center: ContactCenter, call_id: str) -> Call | None:
    """The call, when it exists and has not ended."""
    call = center.manager.calls.get(call_id) if call_id else None
    return call if call is not None and not call.ended else None


def _logged_in(agent: Agent) -> bool:
    return agent.status is not AgentStatus.LOGGED_OUT and bool(agent.extension)


# === Rule 1 ================================================================================
def _extension_map(center: ContactCenter, now: float, found: list[StateRepaired]) -> None:
    agents = center.acd.agents
    mapping = center.by_extension
    holders: dict[str, list[Agent]] = {}
    for agent in agents.values():
        if _logged_in(agent):
            holders.setdefault(agent.extension, []).append(agent)
    for extension, sharing in sorted(holders.items()):
        if len(sharing) < 2:
            continue
        named = mapping.get(extension)
        keeper = next(
            (a for a in sharing if a.agent_id == named),
            min(sharing, key=lambda a: a.agent_id),
        )
        for agent in sorted(sharing, key=lambda a: a.agent_id):
            if agent is keeper:
                continue
            agent.logout(now)
            found.append(
                StateRepaired(
                    now,
                    agent.agent_id,
                    "logged_in_twice",
                    f"logged out: extension {extension} is agent {keeper.agent_id}'s",
                    agent.call,
                )
            )
    for extension, agent_id in sorted(mapping.items()):
        holder = agents.get(agent_id)
        if holder is None or not _logged_in(holder) or holder.extension != extension:
            del mapping[extension]
            found.append(
                StateRepaired(
                    now,
                    agent_id,
                    "extension_map_wrong",
                    f"extension {extension} no longer mapped to the agent",
                )
            )
    for agent in agents.values():
        if _logged_in(agent) and mapping.get(agent.extension) != agent.agent_id:
            mapping[agent.extension] = agent.agent_id
            found.append(
                StateRepaired(
                    now,
                    agent.agent_id,
                    "extension_map_wrong",
                    f"extension {agent.extension} mapped to the agent",
                )
            )


# === Rule 2 ================================================================================
def _offer(center: ContactCenter, agent: Agent, now: float, found: list[StateRepaired]) -> None:
    if agent.state not in _OFFERED or now - agent.state_since <= OFFER_GRACE:
        return
    call_id, state = agent.call, agent.state
    call = _live(center, call_id)
    if call is None:
        what = f"{state.value}_without_call"
    elif agent.extension and any(
        attempt.target == agent.extension and not attempt.over for attempt in call.attempts
    ):
        return
    else:
        what = f"{state.value}_without_leg"
    center.acd.offer_failed(call_id, agent.agent_id, MissReason.CALLER_GONE, now)
    if agent.state is not AgentState.IDLE:
        agent.reset(now)
    found.append(StateRepaired(now, agent.agent_id, what, "idle, offer withdrawn", call_id))


# === Rule 3 ================================================================================
def _queue_call(
    center: ContactCenter, agent: Agent, now: float, found: list[StateRepaired]
) -> None:
    if agent.state not in _TALKING or not agent.call:
        return
    call_id, state = agent.call, agent.state
    call = center.manager.calls.get(call_id)
    if call is None:
        what = f"{state.value}_without_call"
    elif call.ended:
        what = f"{state.value}_on_ended_call"
    elif not agent.extension or (
        call.answered is not None and call.answered.party == agent.extension
    ):
        return
    else:
        what = f"{state.value}_without_leg"
    agent.reset(now)
    connected = center.connected.get(call_id)
    if connected is not None and connected.agent == agent.agent_id:
        del center.connected[call_id]
    found.append(StateRepaired(now, agent.agent_id, what, "idle, without wrap-up", call_id))


# === Rule 4 ================================================================================
def _direct_call(
    center: ContactCenter, agent: Agent, now: float, found: list[StateRepaired]
) -> None:
    if agent.state not in _TALKING or agent.call:
        return
    if agent.extension and center.manager.busy.get(agent.extension, 0) > 0:
        return
    what = f"{agent.state.value}_without_call"
    agent.reset(now)
    agent.other_calls = 0
    found.append(StateRepaired(now, agent.agent_id, what, "idle, no direct call"))


# === Rule 5 ================================================================================
def _wrap_up(agent: Agent, now: float, found: list[StateRepaired]) -> None:
    if agent.state is not AgentState.WRAP_UP:
        return
    until = agent.wrap_up_until
    if until is not None and now - until <= WRAP_UP_GRACE:
        return
    call_id = agent.call
    agent.reset(now)
    found.append(StateRepaired(now, agent.agent_id, "wrap_up_overdue", "idle", call_id))


# === Rule 6 ================================================================================
def _busy_count(
    center: ContactCenter, agent: Agent, now: float, found: list[StateRepaired]
) -> None:
    if not _logged_in(agent) or agent.call:
        return
    live = center.manager.busy.get(agent.extension, 0)
    if agent.other_calls == live:
        return
    was = agent.other_calls
    agent.other_calls = live
    found.append(
        StateRepaired(
            now,
            agent.agent_id,
            "extension_busy_count",
            f"direct calls on {agent.extension}: {was} corrected to {live}",
        )
    )


# === Rule 7 ================================================================================
def _members(center: ContactCenter, now: float, found: list[StateRepaired]) -> None:
    acd = center.acd
    for queue in list(acd.queues.values()):
        for member in queue.members():
            call_id = member.call_id
            if _live(center, call_id) is not None:
                continue
            offered: dict[str, AgentState] = {}
            for agent_id in member.ringing:
                rung = acd.agents.get(agent_id)
                if rung is not None and rung.call == call_id and rung.state in _OFFERED:
                    offered[agent_id] = rung.state
            acd.member_left(call_id, now, abandoned=True)
            found.append(
                StateRepaired(
                    now,
                    "",
                    "member_without_call",
                    f"removed from queue {queue.name} as abandoned",
                    call_id,
                )
            )
            for agent_id, state in offered.items():
                agent = acd.agents[agent_id]
                if agent.state is not AgentState.IDLE:
                    agent.reset(now)
                found.append(
                    StateRepaired(
                        now,
                        agent_id,
                        f"{state.value}_without_call",
                        "idle, offer withdrawn",
                        call_id,
                    )
                )


# === Rule 8 ================================================================================
def _connected(center: ContactCenter, now: float, found: list[StateRepaired]) -> None:
    for call_id, connected in list(center.connected.items()):
        if _live(center, call_id) is not None:
            continue
        del center.connected[call_id]
        found.append(
            StateRepaired(now, connected.agent, "connected_without_call", "forgotten", call_id)
        )
