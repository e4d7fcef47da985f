"""Service numbers the switch answers itself, for trying a phone by hand.

- 9196 echo test: everything the caller says comes straight back (same payload, no
  decoding), so the round trip through the switch can be heard.
- 9197 DTMF read-back: a prompt asks for digits ending with #; the digits heard (RFC 4733
  or SIP INFO) are played back as in-band DTMF tones after "您输入的号码是"; three rounds,
  then the switch hangs up.

The numbers must match `callcenter.telephony.services`, which offers them as destinations
in the web.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from callcenter.engine.media import Echo, Player, frames_from_wav
from callcenter.rtp.tones import dtmf_frames

if TYPE_CHECKING:
    from callcenter.engine.calls.call import Call

from callcenter.engine.calls.call import Service

SOUNDS = Path(__file__).resolve().parent.parent / "sounds"
ECHO_NUMBER = "9196"
READBACK_NUMBER = "9197"


class EchoService(Service):
    def __init__(self, hang_up: Callable[[], None]) -> None:
        super().__init__(hang_up)
        self.echo: Echo | None = None

    def start(self, call: Call) -> None:
        self.echo = Echo(call.caller.session)
        self.echo.start()

    def stop(self) -> None:
        if self.echo is not None:
            self.echo.stop()


class ReadbackService(Service):
    ROUNDS = 3
    DIGIT_TIMEOUT = 5.0  # seconds after the last digit (or the prompt) before reading back

    def __init__(self, hang_up: Callable[[], None]) -> None:
        super().__init__(hang_up)
        self.digits: list[str] = []
        self._heard: asyncio.Event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._player: Player | None = None

    def start(self, call: Call) -> None:
        self._task = asyncio.create_task(self._run(call))

    def dtmf(self, digit: str) -> None:
        self.digits.append(digit)
        self._heard.set()

    async def _play(self, call: Call, frames: Iterable[bytes]) -> None:
        self._player = Player(call.caller.session, frames)
        self._player.start()
        await self._player.done

    async def _run(self, call: Call) -> None:
        prompt = frames_from_wav(SOUNDS / "zh" / "enter-digits.wav")
        intro = frames_from_wav(SOUNDS / "zh" / "you-entered.wav")
        try:
            for _ in range(self.ROUNDS):
                self.digits.clear()
                await self._play(call, prompt)
                while not self.digits or self.digits[-1] != "#":
                    self._heard.clear()
                    try:
                        await asyncio.wait_for(self._heard.wait(), self.DIGIT_TIMEOUT)
                    except TimeoutError:
                        break
                heard = "".join(d for d in self.digits if d != "#")
                if heard:
                    await self._play(call, intro)
                    await self._play(call, dtmf_frames(heard, on_ms=120, off_ms=120))
            self.hang_up()
        except asyncio.CancelledError:
            pass

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()


SERVICES: dict[str, type[Service]] = {
    ECHO_NUMBER: EchoService,
    READBACK_NUMBER: ReadbackService,
}
