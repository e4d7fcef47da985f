"""A supervisor joins an agent's call (A7): listen, whisper, barge.

The supervisor dials ``*33`` followed by the agent's ID (``*3380001``) from the phone it
is logged in at. The switch checks that the agent logged in there is a supervisor of one
of the agent's queues (or of all: ``*``) and that the agent is on a call; otherwise the
supervisor hears "工号或密码错误" and the call ends.

While supervised, the agent's call is mixed by a :class:`~callcenter.engine.media.
Conference` instead of relayed: customer and agent speak as before, the supervisor
listens (hears both, is heard by nobody). Keys on the supervisor's phone change that:
``4`` listen, ``5`` whisper (heard by the agent only), ``6`` barge (heard by both). The
call's recording goes on through the conference (customer left, agent right; the
supervisor is not recorded). When the supervisor hangs up the relay comes back; when
the agent's call ends, the supervisor's call ends too. Each change is a
`SupervisorAction` event (who, which call, which agent): the audit of A7.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from callcenter.engine.calls.call import Call, Service
from callcenter.engine.events import Event, SupervisorAction
from callcenter.engine.media import MediaError
from callcenter.engine.media.conference import Conference, Mode

SUPERVISE = "*33"
KEYS = {"4": "listen", "5": "whisper", "6": "barge"}


def supervise_target(number: str) -> str | None:
    """The agent ID in a ``*33<agent>`` number, else None."""
    if number.startswith(SUPERVISE) and number[len(SUPERVISE) :].isdigit():
        return number[len(SUPERVISE) :]
    return None


class SupervisorService(Service):
    """Runs on the supervisor's call; joins its caller leg to ``target``'s media."""

    def __init__(
        self,
        hang_up: Callable[[], None],
        target: Call,
        *,
        supervisor: str,
        agent: str,
        recordings: Path | None,
        emit: Callable[[Event], None],
        mode: str = "listen",
    ) -> None:
        super().__init__(hang_up)
        self.target = target
        self.supervisor = supervisor
        self.agent = agent
        self.recordings = recordings
        self.emit = emit
        self.mode = ""
        self.first_mode = mode if mode in KEYS.values() else "listen"
        self._own: Call | None = None

    def start(self, call: Call) -> None:
        target, agent_leg = self.target, self.target.answered
        if target.ended or agent_leg is None:
            self.hang_up()
            return
        self._own = call
        conference = target.conference
        if conference is None:
            conference = Conference()
            if target.relay is not None:
                target.relay.stop()
                target.relay = None
            recorder = target.recorder
            try:
                conference.add(target.caller.session, record=(recorder, 0) if recorder else None)
                conference.add(agent_leg.session, record=(recorder, 1) if recorder else None)
            except MediaError:
                conference.stop()
                target.bridge(agent_leg, self.recordings)
                self.hang_up()
                return
            target.conference = conference
            conference.start()
        try:
            conference.add(call.caller.session, Mode.LISTEN)
        except MediaError:
            self.hang_up()
            return
        self.change(self.first_mode)

    def dtmf(self, digit: str) -> None:
        action = KEYS.get(digit)
        if action is not None:
            self.change(action)

    def change(self, action: str) -> None:
        """Listen, whisper or barge (from a key or the desktop); the same again: nothing."""
        if action == self.mode or action not in KEYS.values():
            return
        conference, own = self.target.conference, self._own
        agent_leg = self.target.answered
        if conference is None or own is None or agent_leg is None:
            return
        session = own.caller.session
        if action == "listen":
            conference.set_mode(session, Mode.LISTEN)
        elif action == "whisper":
            conference.set_mode(session, Mode.WHISPER, target=agent_leg.session)
        else:
            conference.set_mode(session, Mode.SPEAK)
        self.mode = action
        self.emit(
            SupervisorAction(time.time(), self.supervisor, action, self.target.id, self.agent)
        )

    def stop(self) -> None:
        """The supervisor leaves: the agent's call is relayed again (if it goes on)."""
        own, target = self._own, self.target
        self._own = None
        conference = target.conference
        if own is None or conference is None:
            return
        if own.caller.session in conference.parties:
            conference.remove(own.caller.session)
        if len(conference.parties) <= 2:
            conference.stop()
            target.conference = None
            if not target.ended and target.answered is not None:
                target.bridge(target.answered, self.recordings)
