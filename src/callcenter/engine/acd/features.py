"""Feature codes an agent dials on its phone (A5), answered by the switch itself.

- ``*01`` log in: the switch asks for the agent ID and the password (each ended by #)
  and logs the agent in on this phone's extension, ready;
- ``*02`` log out the agent logged in on this extension;
- ``*03`` ready (置闲);
- ``*04`` not ready (置忙); followed by a reason's position in the administered list
  (``*041``) it gives that reason;
- ``*33`` followed by an agent ID: a supervisor listens to that agent's call (then 4
  listen, 5 whisper, 6 barge: `engine.acd.supervision`);
- ``*06`` pick up a call ringing the phone of an agent of the same pickup group (the
  agent's ``pickup_group``; without one, the agents sharing a queue with it): the
  picking phone is joined to the caller at once, the ringing phone stops; nothing
  ringing: 480 (`engine.acd.phone_codes`).

The others answer, say what happened ("签入成功", "已置忙"...) and hangs up. The work is done by
the contact center (`engine.acd.center`) through the callbacks given here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from callcenter.engine.calls.call import Service
from callcenter.engine.ivr.runner import PromptLibrary
from callcenter.engine.media import Player

if TYPE_CHECKING:
    from callcenter.engine.calls.call import Call

log = logging.getLogger(__name__)

LOGIN, LOGOUT, READY, NOT_READY, PICKUP = "*01", "*02", "*03", "*04", "*06"
FEATURE_CODES = (LOGIN, LOGOUT, READY, NOT_READY, PICKUP)


def is_feature(number: str) -> bool:
    """A feature code (and ``*33<agent>``, supervision: `engine.acd.supervision`)."""
    if number in FEATURE_CODES:
        return True
    for prefix in (NOT_READY, "*33"):
        if number.startswith(prefix) and number[len(prefix) :].isdigit():
            return True
    return False


class PromptingService(Service):
    """A service that plays prompts and reads digits ended by # (or a pause)."""

    DIGIT_TIMEOUT = 8.0

    def __init__(self, hang_up: Callable[[], None], prompts: PromptLibrary) -> None:
        super().__init__(hang_up)
        self.prompts = prompts
        self.digits: list[str] = []
        self._heard = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._player: Player | None = None

    def start(self, call: Call) -> None:
        self._task = asyncio.create_task(self._main(call))

    async def _main(self, call: Call) -> None:
        try:
            await self.run(call)
        except asyncio.CancelledError:
            return
        except Exception:
            log.exception("feature code on call %s failed", call.id)
        self.hang_up()

    async def run(self, call: Call) -> None:
        raise NotImplementedError

    def dtmf(self, digit: str) -> None:
        self.digits.append(digit)
        self._heard.set()
        if self._player is not None:
            self._player.stop()  # a key interrupts the prompt

    async def say(self, call: Call, *names: str) -> None:
        frames: list[bytes] = []
        for name in names:
            frames.extend(await self.prompts.load(name))
        if not frames:
            return
        self._player = Player(call.caller.session, frames)
        self._player.start()
        await self._player.done
        self._player = None

    async def read(self, call: Call, prompt: str) -> str:
        """Play ``prompt``, then collect digits until # or a pause."""
        self.digits.clear()
        await self.say(call, prompt)
        while not self.digits or self.digits[-1] != "#":
            self._heard.clear()
            try:
                await asyncio.wait_for(self._heard.wait(), self.DIGIT_TIMEOUT)
            except TimeoutError:
                break
        return "".join(d for d in self.digits if d.isdigit())

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()


class LoginService(PromptingService):
    def __init__(
        self,
        hang_up: Callable[[], None],
        prompts: PromptLibrary,
        login: Callable[[str, str], Awaitable[bool]],
    ) -> None:
        super().__init__(hang_up, prompts)
        self.login = login

    async def run(self, call: Call) -> None:
        agent_id = await self.read(call, "agent-login")
        password = await self.read(call, "agent-password") if agent_id else ""
        ok = bool(agent_id) and await self.login(agent_id, password)
        await self.say(call, "logged-in" if ok else "login-failed")


class AnnounceService(PromptingService):
    """Do something at once and say how it went (logout, ready, not ready)."""

    def __init__(
        self,
        hang_up: Callable[[], None],
        prompts: PromptLibrary,
        action: Callable[[], str],
    ) -> None:
        super().__init__(hang_up, prompts)
        self.action = action

    async def run(self, call: Call) -> None:
        await self.say(call, self.action())
