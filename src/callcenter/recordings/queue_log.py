"""Asterisk's queue_log, written from the switch's events (REQUIREMENTS A10's raw material).

Reporting tools made for Asterisk (QueueMetrics, Wazo's statistics, home-grown scripts)
read ``queue_log``: one line per event, fields separated by ``|``::

    epoch|callid|queuename|agent|event|data1|data2|...

as Asterisk's file logger writes it (the event is always followed by ``|``, then as many
data fields as the event has; nothing is padded to five). ``callid`` is the switch's
call ID (Asterisk puts the caller channel's unique ID there), ``NONE`` where there is no
call, queue or agent.

Agents are written ``Agent/<agent ID>`` (``Agent/80001``): our agents log in by agent ID
at any extension, which is what Asterisk's agent pool (app_agent_pool, ``Agent/``
channels) models, and the tools recognise ``Agent/`` members natively; a member named
by its phone (``SIP/70001``) would split one agent's day over every desk they sat at.
The phone is written where Asterisk writes a channel (AGENTLOGIN, AGENTLOGOFF).

The lines (`recordings.activity_events` decides when; these functions say how):

=====================  ============================  =========================================
event                  line                          data
=====================  ============================  =========================================
QueueJoined            ENTERQUEUE                    url (empty) | caller | position
AgentConnected         CONNECT                       wait | agent's leg ID | ring time
CallEnded (talking)    COMPLETECALLER/COMPLETEAGENT  wait | talk | entry position
                                                     (CALLER when ``hangup_by`` is caller)
CallTransferred        TRANSFER                      destination | context (empty) | wait |
                       (talking)                     talk | entry position
QueueLeft abandoned    ABANDON                       position | entry position | wait
QueueLeft timeout      EXITWITHTIMEOUT               position | entry position | wait
QueueLeft empty        EXITEMPTY                     position | entry position | wait
QueueLeft transferred  EXITWITHKEY                   key (empty) | position | entry position |
(before an agent)                                    wait
QueueLeft failed       ABANDON                       position | entry position | wait
AgentMissed            RINGNOANSWER                  ring time in ms (no answer, busy,
                                                     rejected, unavailable: as Asterisk's
                                                     ``rna()``)
AgentMissed            RINGCANCELED                  ring time in ms
(caller_gone)
AgentStatusChanged     AGENTLOGIN                    SIP/<extension>
(logged in)
AgentStatusChanged     AGENTLOGOFF                   SIP/<extension> | seconds logged in
(logged out)
AgentStatusChanged     PAUSEALL                      reason code
(not ready)
AgentStatusChanged     UNPAUSEALL                    (none)
(ready after not ready)
EngineStarted          QUEUESTART                    (none)
=====================  ============================  =========================================

QueueLeft answered writes nothing (CONNECT said it). Our statuses are the agent's, not
per queue, so pausing is PAUSEALL/UNPAUSEALL on queue ``NONE``, as Asterisk writes when a
member is paused in every queue. Queue membership is administered, not an event, so
ADDMEMBER/REMOVEMEMBER are not written. Times are whole seconds (Asterisk's), except the
ring times of RINGNOANSWER/RINGCANCELED (milliseconds, as Asterisk).

Writing: `append_lines` appends a batch's lines to ``settings.QUEUE_LOG_PATH`` (None: not
written) after the batch's transaction committed (``transaction.on_commit``), in one
``write`` on a file opened ``O_APPEND``, then ``fsync``: one fsync per batch (the event
writer makes at most about five batches a second), so a line on disk is never ahead of
the database and a crash loses at most the batch being written. A failure is logged and
the batch's records stay stored: the log is a by-product, never a reason to lose calls.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

NONE = "NONE"


@dataclass(frozen=True, slots=True)
class QueueLogLine:
    at: float
    call: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = (str(int(self.at)), self.call, self.queue, self.agent, self.event)
        fields = [_clean(value) or NONE for value in head]
        return "|".join(fields) + "|" + "|".join(_clean(value) for value in self.data)


def _clean(value: str) -> str:
    """A field may not hold the separator or end the line."""
    return value.replace("|", " ").replace("\r", " ").replace("\n", " ")


def member(agent: str) -> str:
    return f"Agent/{agent}" if agent else NONE


def channel(extension: str) -> str:
    return f"SIP/{extension}" if extension else ""


def _secs(seconds: float | None) -> str:
    return str(max(0, round(seconds or 0)))


def _ms(seconds: float) -> str:
    return str(max(0, round(seconds * 1000)))


# --- the lines -----------------------------------------------------------------------------
def enter_queue(at: float, call: str, queue: str, caller: str, position: int) -> QueueLogLine:
    return QueueLogLine(at, call, queue, NONE, "ENTERQUEUE", ("", caller, str(position)))


def connect(
    at: float, call: str, queue: str, agent: str, wait: float, leg: str, ring: float
) -> QueueLogLine:
    return QueueLogLine(at, call, queue, member(agent), "CONNECT", (_secs(wait), leg, _secs(ring)))


def complete(
    at: float,
    call: str,
    queue: str,
    agent: str,
    *,
    by_caller: bool,
    wait: float | None,
    talk: float,
    entry_position: int,
) -> QueueLogLine:
    event = "COMPLETECALLER" if by_caller else "COMPLETEAGENT"
    data = (_secs(wait), _secs(talk), str(entry_position))
    return QueueLogLine(at, call, queue, member(agent), event, data)


def transfer(
    at: float,
    call: str,
    queue: str,
    agent: str,
    destination: str,
    *,
    wait: float | None,
    talk: float,
    entry_position: int,
) -> QueueLogLine:
    data = (destination, "", _secs(wait), _secs(talk), str(entry_position))
    return QueueLogLine(at, call, queue, member(agent), "TRANSFER", data)


EXIT_EVENTS = {
    "abandoned": "ABANDON",
    "failed": "ABANDON",
    "timeout": "EXITWITHTIMEOUT",
    "empty": "EXITEMPTY",
    "transferred": "EXITWITHKEY",
}


def exit_queue(
    at: float,
    call: str,
    queue: str,
    outcome: str,
    *,
    position: int,
    entry_position: int,
    wait: float,
) -> QueueLogLine | None:
    """The line of a caller leaving without an agent (None: ``answered`` writes none)."""
    event = EXIT_EVENTS.get(outcome)
    if event is None:
        return None
    data: tuple[str, ...] = (str(position), str(entry_position), _secs(wait))
    if event == "EXITWITHKEY":
        data = ("", *data)
    return QueueLogLine(at, call, queue, NONE, event, data)


def missed(at: float, call: str, queue: str, agent: str, reason: str, ring: float) -> QueueLogLine:
    event = "RINGCANCELED" if reason == "caller_gone" else "RINGNOANSWER"
    return QueueLogLine(at, call, queue, member(agent), event, (_ms(ring),))


def agent_login(at: float, agent: str, extension: str) -> QueueLogLine:
    return QueueLogLine(at, NONE, NONE, member(agent), "AGENTLOGIN", (channel(extension),))


def agent_logoff(at: float, agent: str, extension: str, logged_in: float) -> QueueLogLine:
    data = (channel(extension), _secs(logged_in))
    return QueueLogLine(at, NONE, NONE, member(agent), "AGENTLOGOFF", data)


def pause_all(at: float, agent: str, reason: str) -> QueueLogLine:
    return QueueLogLine(at, NONE, NONE, member(agent), "PAUSEALL", (reason,))


def unpause_all(at: float, agent: str) -> QueueLogLine:
    return QueueLogLine(at, NONE, NONE, member(agent), "UNPAUSEALL")


def queue_start(at: float) -> QueueLogLine:
    return QueueLogLine(at, NONE, NONE, NONE, "QUEUESTART")


# --- the file ------------------------------------------------------------------------------
def append_lines(lines: Sequence[QueueLogLine], path: Path | str | None = None) -> bool:
    """Append `lines` to the queue_log (`path`, else ``settings.QUEUE_LOG_PATH``) and
    fsync; return whether they were written. Never raises: a failure is logged."""
    target = path if path is not None else getattr(settings, "QUEUE_LOG_PATH", None)
    if not lines or not target:
        return False
    data = "".join(f"{line}\n" for line in lines).encode()
    try:
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        log.exception("could not append %d lines to the queue_log %s", len(lines), target)
        return False
    return True
