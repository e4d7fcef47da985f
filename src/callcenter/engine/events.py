"""The events the switch emits: plain frozen dataclasses with a type name and a timestamp.

Everything the service desk learns about the switch comes as one of these through the
`EventSink` port: call records, the live pages and reports are built from them. Times
are wall-clock seconds (``time.time()``), so they can be stored and shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar


class RegistrationChange(StrEnum):
    ADDED = "added"  # a new contact for an extension
    REFRESHED = "refreshed"  # the same contact registered again (new expiry)
    REMOVED = "removed"  # unregistered by the phone
    EXPIRED = "expired"  # not refreshed in time
    REPLACED = "replaced"  # pushed out by a newer contact (too many contacts)


@dataclass(frozen=True, slots=True)
class Binding:
    """One registered contact of an extension, as the registrar keeps it."""

    extension: str
    contact: str  # the Contact URI as the phone sent it
    transport: str  # udp | tcp
    source_host: str  # where the REGISTER really came from (NAT-safe target)
    source_port: int
    expires_at: float  # wall clock
    user_agent: str = ""
    call_id: str = ""
    cseq: int = 0
    registered_at: float = 0.0
    q: float | None = None


@dataclass(frozen=True, slots=True)
class Event:
    type: ClassVar[str] = "event"
    at: float


@dataclass(frozen=True, slots=True)
class RegistrationChanged(Event):
    type: ClassVar[str] = "registration_changed"
    change: RegistrationChange
    binding: Binding


class CallDirection(StrEnum):
    INTERNAL = "internal"  # extension to extension, or to a service number
    INBOUND = "inbound"  # from a trunk, routed by the dialled number (DID)
    OUTBOUND = "outbound"  # from an extension out through a trunk


class LegRole(StrEnum):
    CALLER = "caller"  # the leg the call came in on (the switch is its UAS)
    CALLEE = "callee"  # a leg the switch placed (the switch is its UAC)


class EndCause(StrEnum):
    """Why a call or leg ended, in the terms a call record shows."""

    NORMAL = "normal"  # answered, then one side hung up
    CANCELLED = "cancelled"  # the caller hung up before an answer
    BUSY = "busy"  # 486/600 from the callee
    NO_ANSWER = "no_answer"  # nobody answered in time
    REJECTED = "rejected"  # the callee declined (603) or refused another way
    UNAVAILABLE = "unavailable"  # not registered, unreachable, or no such number
    NOT_ALLOWED = "not_allowed"  # the caller may not dial this number
    NO_CODEC = "no_codec"  # no common codec (488)
    FAILED = "failed"  # a SIP failure, a timeout, a lost ACK, a media error
    SHUTDOWN = "shutdown"  # the switch stopped or restarted


@dataclass(frozen=True, slots=True)
class CallStarted(Event):
    """A call came in. ``call`` is the switch's own identifier (also the recording's
    file name); ``caller`` is the calling number, ``dialled`` what was dialled."""

    type: ClassVar[str] = "call_started"
    call: str
    direction: CallDirection
    caller: str
    dialled: str
    caller_name: str = ""
    trunk: str = ""  # the trunk it came in on (inbound) or goes out through (outbound)
    node: str = "callcenter"


@dataclass(frozen=True, slots=True)
class LegStarted(Event):
    """One leg of a call: the caller's, or one the switch placed toward ``party``."""

    type: ClassVar[str] = "leg_started"
    call: str
    leg: str
    role: LegRole
    party: str  # the number (extension, or the outside number for a trunk leg)
    sip_call_id: str
    remote: str = ""  # host:port of the SIP peer
    trunk: str = ""


@dataclass(frozen=True, slots=True)
class LegEnded(Event):
    type: ClassVar[str] = "leg_ended"
    call: str
    leg: str
    cause: EndCause
    sip_status: int = 0  # the final status that ended it, when one did
    codec: str = ""  # PCMU / PCMA when media flowed
    answered_at: float | None = None


@dataclass(frozen=True, slots=True)
class CallRinging(Event):
    type: ClassVar[str] = "call_ringing"
    call: str
    leg: str


@dataclass(frozen=True, slots=True)
class CallAnswered(Event):
    type: ClassVar[str] = "call_answered"
    call: str
    leg: str
    answered_by: str


@dataclass(frozen=True, slots=True)
class CallHeld(Event):
    type: ClassVar[str] = "call_held"
    call: str
    leg: str  # the leg that put the other on hold


@dataclass(frozen=True, slots=True)
class CallResumed(Event):
    type: ClassVar[str] = "call_resumed"
    call: str
    leg: str


@dataclass(frozen=True, slots=True)
class DtmfReceived(Event):
    type: ClassVar[str] = "dtmf_received"
    call: str
    leg: str
    digit: str
    source: str  # rfc4733 | info


@dataclass(frozen=True, slots=True)
class CallEnded(Event):
    type: ClassVar[str] = "call_ended"
    call: str
    cause: EndCause
    hangup_by: str = ""  # caller | callee | switch
    sip_status: int = 0


@dataclass(frozen=True, slots=True)
class RecordingSaved(Event):
    """A call's stereo WAV (caller left, callee right) is complete on disk. ``path`` is
    relative to the recordings folder."""

    type: ClassVar[str] = "recording_saved"
    call: str
    path: str
    duration: float
    size: int
    started_at: float


@dataclass(frozen=True, slots=True)
class TrunkRegistrationChanged(Event):
    """The switch's own registration to a trunk: registered until ``expires_at``, or not
    (``status`` and ``detail`` say why: the trunk's answer, 408 for none, 0 removed)."""

    type: ClassVar[str] = "trunk_registration_changed"
    trunk: str
    registered: bool
    status: int = 0
    detail: str = ""
    expires_at: float | None = None


@dataclass(frozen=True, slots=True)
class EngineStarted(Event):
    """The switch is up; anything recorded as live by an earlier run is stale."""

    type: ClassVar[str] = "engine_started"
    node: str
    sip_addresses: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class EngineStopped(Event):
    type: ClassVar[str] = "engine_stopped"
    node: str


# === the contact center: IVR, queues, agents, supervisors ===============================
@dataclass(frozen=True, slots=True)
class IvrNodeVisited(Event):
    """The call reached ``node`` of IVR ``flow``; ``digits`` what the caller entered
    there (a menu choice, collected digits), when the node is left."""

    type: ClassVar[str] = "ivr_node_visited"
    call: str
    flow: str
    node: str
    kind: str
    digits: str = ""


@dataclass(frozen=True, slots=True)
class IvrLeft(Event):
    """The call left the IVR for ``destination`` (or hung up there: ``hangup``)."""

    type: ClassVar[str] = "ivr_left"
    call: str
    flow: str
    destination: str
    variables: tuple[tuple[str, str], ...] = ()


class QueueOutcome(StrEnum):
    ANSWERED = "answered"  # an agent took it
    ABANDONED = "abandoned"  # the caller hung up while waiting (or ringing an agent)
    TIMEOUT = "timeout"  # max wait passed
    EMPTY = "empty"  # no agent logged in (join/leave-when-empty)
    TRANSFERRED = "transferred"  # moved to another destination by the switch or an agent
    FAILED = "failed"  # the switch could not keep it (shutdown, media failure)


@dataclass(frozen=True, slots=True)
class QueueJoined(Event):
    type: ClassVar[str] = "queue_joined"
    call: str
    queue: str
    caller: str
    position: int  # 1: the head
    priority: int = 0


@dataclass(frozen=True, slots=True)
class QueueLeft(Event):
    """The caller left the queue: ``wait`` seconds after joining; ``agent`` when answered;
    ``destination`` where it went on timeout or empty."""

    type: ClassVar[str] = "queue_left"
    call: str
    queue: str
    outcome: QueueOutcome
    wait: float
    position: int = 0  # where it was when it left
    original_position: int = 0
    agent: str = ""
    destination: str = ""


@dataclass(frozen=True, slots=True)
class AgentOffered(Event):
    """A queue's caller was offered to ``agent``: its phone at ``extension`` is rung."""

    type: ClassVar[str] = "agent_offered"
    call: str
    queue: str
    agent: str
    extension: str


class MissReason(StrEnum):
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    REJECTED = "rejected"
    UNAVAILABLE = "unavailable"  # not registered, unreachable
    CALLER_GONE = "caller_gone"  # the caller hung up while the agent's phone rang


@dataclass(frozen=True, slots=True)
class AgentMissed(Event):
    type: ClassVar[str] = "agent_missed"
    call: str
    queue: str
    agent: str
    reason: MissReason
    ring_time: float


@dataclass(frozen=True, slots=True)
class AgentConnected(Event):
    """The agent answered a queue's caller, who had waited ``wait`` seconds."""

    type: ClassVar[str] = "agent_connected"
    call: str
    queue: str
    agent: str
    extension: str
    wait: float
    ring_time: float


@dataclass(frozen=True, slots=True)
class AgentStatusChanged(Event):
    """The agent's chosen status: ``logged_out``, ``ready`` or ``not_ready`` (with a
    ``reason`` code); ``by`` who did it: the agent, a supervisor's ID, or ``system``
    (misses, restart)."""

    type: ClassVar[str] = "agent_status_changed"
    agent: str
    status: str
    reason: str = ""
    extension: str = ""
    by: str = ""


@dataclass(frozen=True, slots=True)
class AgentStateChanged(Event):
    """The system-driven state: idle, reserved, ringing, in_call, on_hold, wrap_up."""

    type: ClassVar[str] = "agent_state_changed"
    agent: str
    state: str
    call: str = ""
    queue: str = ""
    until: float | None = None  # wrap-up: when it ends


@dataclass(frozen=True, slots=True)
class CallTransferred(Event):
    """``kind``: blind or attended; ``by`` the agent (or extension) who did it."""

    type: ClassVar[str] = "call_transferred"
    call: str
    kind: str
    by: str
    destination: str


@dataclass(frozen=True, slots=True)
class ConsultChanged(Event):
    """An attended transfer's steps (A6): ``action`` is started (the third party rings),
    answered, conference (all three talk), cancelled (back to the held party), failed
    (the third party did not answer) or completed (the agent left, the other two talk);
    ``by`` the agent (or extension) consulting, ``destination`` whom it consults."""

    type: ClassVar[str] = "consult_changed"
    call: str
    action: str
    by: str
    destination: str


@dataclass(frozen=True, slots=True)
class SupervisorAction(Event):
    """listen, whisper, barge, release, force_status, logout: who did it to which call
    and agent (A7 audit)."""

    type: ClassVar[str] = "supervisor_action"
    supervisor: str
    action: str
    call: str = ""
    agent: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class StateRepaired(Event):
    """The reconciler found an agent or member state that no dialog or media session
    backs, and repaired it: ``what`` it found, ``repair`` what it did."""

    type: ClassVar[str] = "state_repaired"
    agent: str
    what: str
    repair: str
    call: str = ""
