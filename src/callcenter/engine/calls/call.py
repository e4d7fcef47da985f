"""A call: its legs, how their media is joined, and what it has been through.

The manager (`engine.calls.manager`) drives the SIP side; a :class:`Call` keeps the state
that outlives single messages and owns the media objects joining its legs:

- before an answer, at most an early-media relay (a 183 with SDP from the callee);
- once answered, a :class:`~callcenter.engine.media.Relay` between the caller's and the
  answering callee's RTP sessions, with a :class:`~callcenter.engine.media.Recorder`
  (caller left, callee right) unless a fax line is involved (A14: untouched G.711);
- on hold (a leg's peer re-INVITEd with sendonly/inactive), relaying toward the other
  leg pauses and music on hold plays to it; resuming stops the music and relays again;
- a service (echo test, DTMF read-back) instead of a callee.

:meth:`Call.close_media` stops all of it and closes every session exactly once, so no
port, socket, task or file outlives the call.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callcenter.engine.calls.leg import Leg
from callcenter.engine.events import CallDirection, EndCause
from callcenter.engine.media import Player, Recorder, RecordingInfo, Relay

log = logging.getLogger(__name__)


class Service:
    """Something the switch itself answers with (the echo test, read-back, later IVRs).

    ``hang_up`` ends the call from the switch's side."""

    def __init__(self, hang_up: Callable[[], None]) -> None:
        self.hang_up = hang_up

    def start(self, call: Call) -> None:
        raise NotImplementedError

    def dtmf(self, digit: str) -> None:
        """A digit from the caller (RFC 4733 or SIP INFO)."""

    def stop(self) -> None:
        raise NotImplementedError


@dataclass(eq=False)
class Call:
    direction: CallDirection
    caller_number: str
    dialled: str
    caller: Leg
    caller_name: str = ""
    trunk: str = ""
    fax: bool = False
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    started_at: float = field(default_factory=time.time)
    callees: list[Leg] = field(default_factory=list)
    answered: Leg | None = None
    service: Service | None = None
    ringing: bool = False
    ended: bool = False
    relay: Relay | None = None
    conference: Any = None  # a `media.Conference` instead of the relay (supervision)
    recorder: Recorder | None = None
    recording_path: str = ""  # relative to the recordings folder
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)  # placing legs
    attempts: list[Any] = field(default_factory=list)  # `callee.Attempt`s ringing now
    music: dict[Leg, Player] = field(default_factory=dict)
    origin: tuple[Any, float] | None = None  # click-to-call: (target, its ring timeout)
    consult: Any = None  # a `consult.Consultation` while the agent consults a third party
    held: Leg | None = None  # the party the switch holds (music) for the other leg
    media_heard: int = -1  # RTP packets received by the legs at the last sweep
    media_heard_at: float = 0.0  # monotonic time the count last moved

    @property
    def legs(self) -> list[Leg]:
        return [self.caller, *self.callees]

    def other(self, leg: Leg) -> Leg | None:
        if leg is self.caller:
            return self.answered
        return self.caller if leg is self.answered else None

    def later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        handle = asyncio.get_running_loop().call_later(delay, callback)
        self.timers.append(handle)
        return handle

    def silent_for(self, now: float) -> float:
        """Seconds (monotonic ``now``) since the answered call's legs last received RTP;
        0 while audio comes, while a leg's stream is inactive (both ends on hold), and
        for calls not answered or answered by a service."""
        if self.ended or self.answered is None or self.service is not None:
            return 0.0
        legs = (self.caller, self.answered)
        heard = sum(leg.session.stats.received for leg in legs)
        inactive = any(
            leg.stream is not None
            and not leg.stream.direction.sends
            and not leg.stream.direction.receives
            for leg in legs
        )
        if heard != self.media_heard or inactive:
            self.media_heard, self.media_heard_at = heard, now
        return now - self.media_heard_at

    # --- media -------------------------------------------------------------------
    def early_media(self, callee: Leg) -> None:
        """Relay a callee's early media (183 with SDP) to the caller, unrecorded."""
        if self.relay is None:
            self.relay = Relay(self.caller.session, callee.session, fax=self.fax)
            self.relay.start()

    def bridge(self, callee: Leg, recordings: Path | None) -> None:
        """Join the caller and the callee that answered; record unless a fax line. After
        a transfer the same recording goes on with the new callee on the right."""
        if self.relay is not None:
            self.relay.stop()
        if recordings is not None and not self.fax and self.recorder is None:
            day = time.strftime("%Y/%m/%d", time.localtime(self.started_at))
            self.recording_path = f"{day}/{self.id}.wav"
            self.recorder = Recorder(recordings / self.recording_path)
        self.relay = Relay(self.caller.session, callee.session, self.recorder, fax=self.fax)
        self.relay.start()
        for leg in (self.caller, callee):
            if leg.on_hold:
                self.hold(leg)

    def unbridge(self) -> None:
        """The answered callee leaves (a transfer): stop relaying and any music played
        because of a hold; the recording stays open for whoever comes next."""
        for player in self.music.values():
            player.stop()
        self.music.clear()
        self.held = None
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        self.answered = None

    def hold(self, holder: Leg, music: Callable[[], Player] | None = None) -> None:
        """``holder``'s peer put the call on hold: silence toward it is fine (it sends
        nothing anyway), and the other party hears music instead of the relay."""
        other = self.other(holder)
        if other is None or self.relay is None or other in self.music:
            return
        self.relay.pause(other.session)
        if music is not None:
            player = music()
            self.music[other] = player
            player.start()

    def resume(self, holder: Leg) -> None:
        other = self.other(holder)
        if other is None:
            return
        player = self.music.pop(other, None)
        if player is not None:
            player.stop()
        if self.relay is not None:
            self.relay.resume(other.session)

    def close_media(self) -> RecordingInfo | None:
        """Stop everything and close every session; the finished recording, if any."""
        for handle in self.timers:
            handle.cancel()
        self.timers.clear()
        for task in self.tasks:
            task.cancel()
        for player in self.music.values():
            player.stop()
        self.music.clear()
        if self.service is not None:
            self.service.stop()
        if self.consult is not None:
            self.consult.stop(self)
        if self.conference is not None:
            self.conference.stop()
            self.conference = None
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        info = None
        if self.recorder is not None:
            try:
                info = self.recorder.close()
            except OSError:
                log.exception("could not finish the recording of call %s", self.id)
            self.recorder = None
        for leg in self.legs:
            leg.session.close()
        return info


def cause_of_status(status: int) -> EndCause:
    """The end cause a final response to our INVITE means (RFC 3261 §21)."""
    if status in (486, 600):
        return EndCause.BUSY
    if status in (603, 403):
        return EndCause.REJECTED
    if status == 488 or status == 606:
        return EndCause.NO_CODEC
    if status == 487:
        return EndCause.CANCELLED
    if status in (404, 480, 410, 484, 604):
        return EndCause.UNAVAILABLE
    if status == 408:
        return EndCause.NO_ANSWER
    return EndCause.FAILED


def best_failure(statuses: list[int]) -> int:
    """The response to forward when every fork failed (after RFC 3261 §16.7 step 6):
    a 6xx wins, then busy, then the lowest class, 4xx before 5xx."""
    if not statuses:
        return 480
    six = [s for s in statuses if s >= 600]
    if six:
        return six[0]
    if 486 in statuses:
        return 486
    return min(statuses, key=lambda s: (s // 100, s in (408, 487)))
