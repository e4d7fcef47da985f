"""The media of a call while its agent holds the other party or consults a third one.

Owns what plays and who hears whom in the three situations of call control (A6) that a
plain two-party relay (`engine.calls.call`) does not cover; `engine.acd.control` decides
when each begins and ends:

- **held by the switch** (the desktop's hold button, not the phone's): the held party
  hears music, the agent hears nothing, the relay forwards nothing either way;
- **consulting**: the held party hears music; the agent hears the ringback tone while
  the third party rings, then talks with it through a second relay (not recorded);
- **conference**: the three are mixed (`media.Conference`, everyone hears the other
  two); the call's recording goes on with the held party left and the agent right.

Every piece is stopped exactly once by :meth:`Consultation.stop` (or :func:`retrieve`),
which never closes a session: the call does, when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.engine.calls.call import Call
from callcenter.engine.calls.callee import Attempt
from callcenter.engine.calls.leg import Leg
from callcenter.engine.calls.music import music_on_hold
from callcenter.engine.media import MediaError, Player, Relay, frames_from_tone
from callcenter.engine.media.conference import Conference
from callcenter.rtp.tones import ringback


def hold(call: Call, agent: Leg) -> Leg:
    """Hold the agent's peer: music to it, nothing relayed either way. The held leg."""
    held = call.other(agent)
    if held is None or call.relay is None:
        raise MediaError("only a two-party call can be held")
    call.relay.pause(held.session)
    call.relay.pause(agent.session)
    stop_music(call, held)
    player = Player(held.session, music_on_hold(), loop_forever=True)
    call.music[held] = player
    player.start()
    call.held = held
    return held


def retrieve(call: Call) -> None:
    """Undo :func:`hold`: the music stops, the two hear each other again."""
    held = call.held
    if held is None:
        return
    stop_music(call, held)
    relay = call.relay
    if relay is not None:
        for leg in (call.caller, call.answered):
            if leg is not None and relay.paused(leg.session) and not _holds(call, leg):
                relay.resume(leg.session)


def _holds(call: Call, leg: Leg) -> bool:
    """Whether ``leg``'s own phone holds the call (a re-INVITE): its music stays."""
    other = call.other(leg)
    return other is not None and other.on_hold


@dataclass(eq=False)
class Consultation:
    """The agent (``agent``) consults ``destination`` while ``held`` waits."""

    agent: Leg
    held: Leg
    destination: str
    by: str  # the agent ID (or extension) who consults
    attempt: Attempt | None = None
    target: Leg | None = None  # the consulted party, once it answered
    relay: Relay | None = None  # agent <-> target
    tone: Player | None = None  # ringback to the agent while the target rings
    conference: Conference | None = None
    orphaned: bool = False  # the agent hung up while the target rang: join on answer

    @classmethod
    def begin(cls, call: Call, agent: Leg, destination: str, by: str) -> Consultation:
        """Stop relaying, music to the held party, ringback to the agent."""
        held = call.other(agent)
        if held is None or call.relay is None or call.conference is not None:
            raise MediaError("only a two-party call can consult")
        if call.held is None:
            hold(call, agent)
        call.relay.stop()
        call.relay = None
        consultation = cls(agent, held, destination, by)
        consultation.tone = Player(agent.session, frames_from_tone(ringback()))
        consultation.tone.start()
        return consultation

    def connect(self, target: Leg) -> None:
        """The consulted party answered: agent and target talk."""
        self._stop_tone()
        self.target = target
        self.relay = Relay(self.agent.session, target.session)
        self.relay.start()

    def join_all(self, call: Call) -> None:
        """Three-party conference of held party, agent and target."""
        target = self.target
        if target is None:
            raise MediaError("nobody answered the consultation yet")
        self._stop_tone()
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        stop_music(call, self.held)
        recorder = call.recorder
        conference = Conference()
        try:
            conference.add(self.held.session, record=(recorder, 0) if recorder else None)
            conference.add(self.agent.session, record=(recorder, 1) if recorder else None)
            conference.add(target.session)
        except MediaError:
            conference.stop()
            raise
        conference.start()
        self.conference = conference
        call.conference = conference

    def stop(self, call: Call) -> None:
        """End the consultation's media (its legs stay open)."""
        self._stop_tone()
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        if self.conference is not None:
            self.conference.stop()
            if call.conference is self.conference:
                call.conference = None
            self.conference = None

    def end(self, call: Call) -> None:
        """The consultation is over (completed or given up): its media stop and the held
        party's music too; what the call does next is the caller's."""
        self.stop(call)
        stop_music(call, self.held)
        call.consult = None

    def _stop_tone(self) -> None:
        if self.tone is not None:
            self.tone.stop()
            self.tone = None


def stop_music(call: Call, leg: Leg) -> None:
    """Stop what plays to ``leg`` (hold music); it is no longer held by the switch."""
    player = call.music.pop(leg, None)
    if player is not None:
        player.stop()
    if call.held is leg:
        call.held = None
