"""Running an IVR flow on a call: the prompts it plays, the digits it waits for, where the
caller goes at the end.

:class:`IvrService` is a `Service` (like the echo test): the manager answers the caller,
calls :meth:`IvrService.start`, hands it every digit the caller presses (RFC 4733 or SIP
INFO) through :meth:`IvrService.dtmf`, and calls :meth:`IvrService.stop` when the call
ends or the caller is moved elsewhere. The node rules are those of `engine.ivr.flow`:

Rule 1 (input). Digits are kept in order for the next menu or collect node: type-ahead
    from one menu to the next works, and so do digits pressed during a play node (a
    caller who knows the menu presses 1 during the welcome) or before the first node
    ran. They are dropped when the flow reaches a transfer or hangup node. A digit
    pressed during a play node's, a menu's or a collect's prompt (or a retry prompt)
    stops that prompt (barge-in); such a prompt is skipped when a digit is waiting.
Rule 2 (menu). Play ``prompt``, wait ``timeout`` seconds for one digit. A digit of
    ``choices``: go there. No digit: ``timeout_prompt``, an unknown one: the rest of the
    typed digits are dropped and ``invalid_prompt`` plays; then the menu again, until
    ``retries`` tries in all, after which the flow goes to ``failure`` (the retry prompt
    is not played after the last try: the failure branch speaks for itself).
Rule 3 (collect). Play ``prompt``; gather digits until ``terminator``, ``max_digits``,
    or ``timeout`` seconds without a digit. At least ``min_digits``: store them in the
    call variable ``variable`` and go to ``next``; else ``invalid_prompt`` and again,
    until ``retries`` tries, then ``failure``.
Rule 4 (time). Open when the local time (``zone``, Asia/Shanghai by default, from the
    injected ``clock_now``) falls in one of the business hours and the date is not a
    holiday; an invalid span or date in an unchecked flow never matches.
Rule 5 (leaving). A node is reported (`IvrNodeVisited`, with the digits entered there)
    when the flow leaves it. A transfer plays its prompt, reports `IvrLeft` and calls
    ``leave(destination, variables)``: the manager moves the call (a ``flow:NAME``
    destination included). A hangup node, a ``hangup`` destination, an empty
    ``failure`` and anything broken (a missing node, a bad destination) play what they
    have, report `IvrLeft` for ``hangup`` and call ``hang_up()``.
Rule 6 (no spinning). A flow the checker never saw may loop without input: after
    ``MAX_STEPS`` nodes with no digit pressed, the call is hung up.
Rule 7 (stopping). :meth:`IvrService.stop` stops the prompt and cancels the task; a call
    that ends in the middle of the flow (the caller hung up) reports the node it was at
    and `IvrLeft` for ``hangup``, once.

Prompts come from a :class:`PromptLibrary`: the uploaded folder first, then the prompts
shipped in ``engine/sounds/zh``; an unknown or unreadable prompt plays nothing (logged).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from callcenter.engine.calls.call import Service
from callcenter.engine.calls.destinations import Destination, Kind, parse_destination
from callcenter.engine.events import Event, IvrLeft, IvrNodeVisited
from callcenter.engine.ivr.check import iso_date, minutes_of
from callcenter.engine.ivr.flow import (
    Collect,
    Flow,
    Hangup,
    Menu,
    Node,
    Play,
    TimeCondition,
    Transfer,
)
from callcenter.engine.media import Player, RtpSession, frames_from_wav
from callcenter.rtp.wav import WavError

if TYPE_CHECKING:
    from callcenter.engine.calls.call import Call

__all__ = ["SHIPPED_PROMPTS", "ZONE", "IvrService", "PromptLibrary", "is_open", "prompt_names"]

log = logging.getLogger(__name__)

SHIPPED_PROMPTS = Path(__file__).resolve().parent.parent / "sounds" / "zh"
ZONE = ZoneInfo("Asia/Shanghai")
HANGUP = Destination(Kind.HANGUP)

_PROMPT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


# -- Prompts ----------------------------------------------------------------------------


class PromptLibrary:
    """Prompt names to 20 ms frames of 8 kHz linear PCM, from ``folders`` in order (a
    name is ``NAME.wav`` in the first folder that has it). Decoded files are cached
    while their size and modification time stay the same, so a prompt uploaded again is
    read again."""

    def __init__(self, folders: Iterable[str | Path]) -> None:
        self.folders: tuple[Path, ...] = tuple(Path(folder) for folder in folders)
        self._cache: dict[Path, tuple[tuple[int, int], list[bytes]]] = {}
        self._missing: set[str] = set()

    @classmethod
    def default(cls, uploaded: str | Path | None = None) -> PromptLibrary:
        """The uploaded prompts (when there is such a folder), then the shipped ones."""
        folders = [Path(uploaded)] if uploaded is not None else []
        return cls([*folders, SHIPPED_PROMPTS])

    def path(self, name: str) -> Path | None:
        """The file ``name`` plays, or None."""
        if _PROMPT_NAME.fullmatch(name) is None:
            return None
        for folder in self.folders:
            candidate = folder / f"{name}.wav"
            if candidate.is_file():
                return candidate
        return None

    def names(self) -> list[str]:
        """Every prompt name that exists, sorted."""
        found: set[str] = set()
        for folder in self.folders:
            if folder.is_dir():
                found.update(
                    p.stem
                    for p in folder.glob("*.wav")
                    if p.is_file() and _PROMPT_NAME.fullmatch(p.stem)
                )
        return sorted(found)

    def frames(self, name: str) -> list[bytes]:
        """The frames of prompt ``name``; [] (logged once) when there is no such prompt
        or its file cannot be read. Reads the file when not cached (blocking: see
        :meth:`load`)."""
        path = self.path(name)
        if path is None:
            self._complain(name, "no such prompt")
            return []
        try:
            stat = path.stat()
            key = (stat.st_size, stat.st_mtime_ns)
            cached = self._cache.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]
            frames = frames_from_wav(path)
        except (OSError, WavError) as error:
            self._complain(name, str(error))
            return []
        self._cache[path] = (key, frames)
        return frames

    async def load(self, name: str) -> list[bytes]:
        """:meth:`frames` without blocking the loop on a file not read yet."""
        path = self.path(name)
        cached = self._cache.get(path) if path is not None else None
        if cached is not None:
            return self.frames(name)
        return await asyncio.to_thread(self.frames, name)

    def _complain(self, name: str, why: str) -> None:
        if name not in self._missing:
            self._missing.add(name)
            log.warning("prompt %r plays nothing: %s", name, why)


# -- Time conditions --------------------------------------------------------------------


def is_open(node: TimeCondition, now: datetime, zone: tzinfo = ZONE) -> bool:
    """Whether ``node``'s business hours hold at ``now`` (Rule 4); a naive ``now`` is
    taken as local time already."""
    local = now.astimezone(zone) if now.tzinfo is not None else now
    if any(iso_date(day) == local.date() for day in node.holidays):
        return False
    minute = local.hour * 60 + local.minute
    for hours in node.hours:
        start, end = minutes_of(hours.start), minutes_of(hours.end, end=True)
        if start is None or end is None:
            continue
        if local.isoweekday() in hours.days and start <= minute < end:
            return True
    return False


def _utc_now() -> datetime:
    return datetime.now(UTC)


# -- The service ------------------------------------------------------------------------


@dataclass
class _Outcome:
    """How a node was left: where to (a node id, "" for hang up), the digits entered."""

    next: str
    digits: str = ""
    heard: bool = False  # the caller pressed a key here


class IvrService(Service):
    MAX_STEPS = 1000  # nodes in a row without a key pressed (Rule 6)

    def __init__(
        self,
        hang_up: Callable[[], None],
        flow: Flow,
        prompts: PromptLibrary,
        leave: Callable[[Destination, Mapping[str, str]], None],
        events: Callable[[Event], None],
        call_id: str,
        *,
        clock_now: Callable[[], datetime] = _utc_now,
        zone: tzinfo = ZONE,
    ) -> None:
        super().__init__(hang_up)
        self.flow = flow
        self.prompts = prompts
        self.leave = leave
        self.events = events
        self.call_id = call_id
        self.clock_now = clock_now
        self.zone = zone
        self.variables: dict[str, str] = {}
        self.node: Node | None = None  # where the flow is now
        self.finished = False  # left (transfer) or ended (hangup, stop)
        self._session: RtpSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._player: Player | None = None
        self._barge_in = False  # a digit stops the prompt playing now
        self._accepting = False  # at a menu or collect node (Rule 1)
        self._digits: deque[str] = deque()
        self._heard = asyncio.Event()
        self._entered = ""  # digits entered at the current node so far

    def __repr__(self) -> str:
        where = self.node.id if self.node is not None else "-"
        return f"<IvrService {self.flow.name!r} at {where} for call {self.call_id}>"

    # --- Service -----------------------------------------------------------------------
    def start(self, call: Call) -> None:
        self.attach(call.caller.session)

    def attach(self, session: RtpSession) -> None:
        """Run the flow, playing to ``session`` (what :meth:`start` does with the
        caller's leg)."""
        if self._task is not None or self.finished:
            return
        self._session = session
        self._task = asyncio.get_running_loop().create_task(self._run())

    def dtmf(self, digit: str) -> None:
        # Before the first node runs, keep the digit: the first node decides (Rule 1).
        if self.finished or not (self._accepting or self.node is None):
            return
        self._digits.append(digit)
        self._heard.set()
        if self._barge_in and self._player is not None:
            self._player.stop()

    def stop(self) -> None:
        if not self.finished:
            self.finished = True
            if self._task is not None:  # the caller hung up in the flow (Rule 7)
                if self.node is not None:
                    self._visited(self.node, self._entered)
                self._emit(IvrLeft(time.time(), self.call_id, self.flow.name, str(HANGUP)))
        self._accepting = False
        if self._player is not None:
            self._player.stop()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()

    @property
    def running(self) -> bool:
        """The flow's task is alive."""
        return self._task is not None and not self._task.done()

    # --- the flow ----------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            await self._walk()
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("IVR flow %r failed on call %s", self.flow.name, self.call_id)
            self._end(HANGUP)

    async def _walk(self) -> None:
        node_id = self.flow.start
        quiet_steps = 0
        while not self.finished:
            node = self.flow.nodes.get(node_id)
            if node is None:
                log.warning("IVR flow %r: no node %r: hanging up", self.flow.name, node_id)
                self._end(HANGUP)
                return
            if quiet_steps >= self.MAX_STEPS:
                log.warning(
                    "IVR flow %r: %d nodes without a key at %r: hanging up",
                    self.flow.name,
                    quiet_steps,
                    node_id,
                )
                self._end(HANGUP)
                return
            self._enter(node)
            await asyncio.sleep(0)  # a loop of empty nodes still lets the switch work
            if isinstance(node, Transfer | Hangup):
                await self._leave(node)
                return
            outcome = await self._step(node)
            if self.finished:
                return
            self._visited(node, outcome.digits)
            quiet_steps = 0 if outcome.heard else quiet_steps + 1
            if not outcome.next:
                self._end(HANGUP)
                return
            node_id = outcome.next

    def _enter(self, node: Node) -> None:
        self.node = node
        self._entered = ""
        self._accepting = isinstance(node, Menu | Collect | Play | TimeCondition)
        if not self._accepting:
            self._digits.clear()

    async def _step(self, node: Node) -> _Outcome:
        if isinstance(node, Play):
            await self._play(node.prompt, barge_in=True)
            return _Outcome(node.next)
        if isinstance(node, Menu):
            return await self._menu(node)
        if isinstance(node, Collect):
            return await self._collect(node)
        if isinstance(node, TimeCondition):
            opened = is_open(node, self.clock_now(), self.zone)
            return _Outcome(node.open if opened else node.closed)
        log.warning("IVR flow %r: node %r of unknown kind", self.flow.name, node.id)
        return _Outcome("")

    async def _menu(self, node: Menu) -> _Outcome:
        wrong = ""
        heard = False
        for attempt in range(1, max(node.retries, 1) + 1):
            await self._play(node.prompt, barge_in=True)
            digit = await self._next_digit(node.timeout)
            if digit is not None:
                heard = True
                target = node.choices.get(digit)
                if target is not None:
                    return _Outcome(target, digit, heard)
                wrong += digit
                self._entered = wrong
                self._digits.clear()
            if attempt < node.retries:
                retry = node.timeout_prompt if digit is None else node.invalid_prompt
                await self._play(retry, barge_in=True)
        return _Outcome(node.failure, wrong, heard)

    async def _collect(self, node: Collect) -> _Outcome:
        digits = ""
        heard = False
        for attempt in range(1, max(node.retries, 1) + 1):
            digits = ""
            await self._play(node.prompt, barge_in=True)
            while len(digits) < node.max_digits:
                digit = await self._next_digit(node.timeout)
                if digit is None:
                    break
                heard = True
                if digit == node.terminator:
                    break
                digits += digit
                self._entered = digits
            if len(digits) >= node.min_digits:
                self.variables[node.variable] = digits
                return _Outcome(node.next, digits, heard)
            self._digits.clear()
            if attempt < node.retries:
                await self._play(node.invalid_prompt, barge_in=True)
        return _Outcome(node.failure, digits, heard)

    async def _leave(self, node: Transfer | Hangup) -> None:
        destination: Destination | None = HANGUP
        if isinstance(node, Transfer):
            destination = parse_destination(node.destination)
            if destination is None:
                log.warning(
                    "IVR flow %r: %r is no destination: hanging up",
                    self.flow.name,
                    node.destination,
                )
        if destination is not None:
            await self._play(node.prompt)
        if not self.finished:
            self._visited(node, "")
            self._end(destination or HANGUP)

    def _end(self, destination: Destination) -> None:
        """Leave the flow (Rule 5): report, then move the call or hang up (the node left
        is reported by the caller of this)."""
        if self.finished:
            return
        self.finished = True
        self._accepting = False
        variables = dict(self.variables)
        self._emit(
            IvrLeft(
                time.time(),
                self.call_id,
                self.flow.name,
                str(destination),
                tuple(variables.items()),
            )
        )
        if destination.kind is not Kind.HANGUP:
            try:
                self.leave(destination, variables)
            except Exception:
                log.exception("IVR flow %r: could not leave for %s", self.flow.name, destination)
            else:
                return
        self.hang_up()

    # --- media and digits ----------------------------------------------------------------
    async def _play(self, name: str, *, barge_in: bool = False) -> None:
        if not name or self._session is None:
            return
        frames = await self.prompts.load(name)
        if not frames or self.finished or (barge_in and self._digits):
            return
        player = Player(self._session, frames)
        self._player = player
        self._barge_in = barge_in
        player.start()
        try:
            await player.done
        finally:
            player.stop()
            self._player = None
            self._barge_in = False

    async def _next_digit(self, timeout: float) -> str | None:
        """The next digit pressed, waiting up to ``timeout`` seconds for it."""
        if not self._digits:
            self._heard.clear()
            try:
                await asyncio.wait_for(self._heard.wait(), timeout)
            except TimeoutError:
                return None
        return self._digits.popleft() if self._digits else None

    def _visited(self, node: Node, digits: str) -> None:
        self._emit(
            IvrNodeVisited(time.time(), self.call_id, self.flow.name, node.id, node.kind, digits)
        )

    def _emit(self, event: Event) -> None:
        try:
            self.events(event)
        except Exception:
            log.exception("IVR flow %r: an event handler failed", self.flow.name)


def prompt_names(flow: Flow) -> Sequence[str]:
    """Every prompt ``flow`` plays, in the flow's order, once each (to load ahead)."""
    names: dict[str, None] = {}
    for node in flow.nodes.values():
        for name in ("prompt", "invalid_prompt", "timeout_prompt"):
            value = getattr(node, name, "")
            if value:
                names[value] = None
    return list(names)
