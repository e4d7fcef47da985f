"""What a caller hears while the switch holds it: in a queue, or while a number is rung.

:class:`WaitingService` loops the queue's music (a prompt, or the built-in music on
hold) and, every ``announce_interval`` seconds, interrupts it to tell the caller its
position ("您前面还有 N 位客户在等待") and, when known, the expected wait in minutes; then
the music goes on. It ends when the manager stops it (an agent answered, the caller left,
the queue sent the caller elsewhere).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from callcenter.engine.calls.call import Service
from callcenter.engine.calls.music import music_on_hold
from callcenter.engine.ivr.runner import PromptLibrary
from callcenter.engine.media import Player

if TYPE_CHECKING:
    from callcenter.engine.calls.call import Call

log = logging.getLogger(__name__)


def number_prompts(n: int) -> list[str]:
    """Prompt names that say ``n`` digit by digit (位数 by digit is how IVRs say counts)."""
    return [f"digit-{d}" for d in str(max(n, 0))]


class WaitingService(Service):
    def __init__(
        self,
        hang_up: Callable[[], None],
        prompts: PromptLibrary,
        *,
        music: str = "",
        greeting: str = "",
        announce_interval: float = 0.0,
        position: Callable[[], int | None] | None = None,
        expected_wait: Callable[[], float | None] | None = None,
    ) -> None:
        super().__init__(hang_up)
        self.prompts = prompts
        self.music = music
        self.greeting = greeting
        self.announce_interval = announce_interval
        self.position = position
        self.expected_wait = expected_wait
        self._player: Player | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self, call: Call) -> None:
        self._task = asyncio.create_task(self._run(call))

    def _music_frames(self) -> Iterable[bytes]:
        if self.music:
            frames = self.prompts.frames(self.music)
            if frames:
                return frames
        return music_on_hold()

    async def _play(self, call: Call, names: list[str]) -> None:
        frames: list[bytes] = []
        for name in names:
            frames.extend(self.prompts.frames(name))
        if not frames:
            return
        self._stop_player()
        self._player = Player(call.caller.session, frames)
        self._player.start()
        await self._player.done

    def _loop_music(self, call: Call) -> None:
        self._stop_player()
        self._player = Player(call.caller.session, self._music_frames(), loop_forever=True)
        self._player.start()

    def _announcement(self) -> list[str]:
        names: list[str] = []
        position = self.position() if self.position is not None else None
        if position is not None and position > 1:
            names += ["queue-position", *number_prompts(position - 1), "queue-callers"]
        wait = self.expected_wait() if self.expected_wait is not None else None
        if wait is not None and wait > 0:
            names += ["queue-expected", *number_prompts(math.ceil(wait / 60)), "minutes"]
        return names

    async def _run(self, call: Call) -> None:
        try:
            if self.greeting:
                await self._play(call, [self.greeting])
            if self.announce_interval > 0:
                await self._play(call, self._announcement())
            while True:
                self._loop_music(call)
                if self.announce_interval <= 0:
                    return  # music until stopped
                await asyncio.sleep(self.announce_interval)
                await self._play(call, self._announcement())
        except asyncio.CancelledError:
            pass

    def _stop_player(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player = None

    def stop(self) -> None:
        self._stop_player()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
