"""Drift-free periodic callbacks on the event loop: the 20 ms clock of players and
conferences.

Owns the schedule only. Tick *n* is due at ``start + n × interval`` on the loop's clock
(``loop.call_at``), never "``interval`` after the previous one", so lateness in one tick
(the loop was busy) does not push every later tick back. If the loop falls more than
``max_lag`` behind (it was blocked), the ticks it missed are skipped rather than fired in
a burst, and counted in ``skipped``; the schedule keeps its phase.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

__all__ = ["Ticker"]

log = logging.getLogger(__name__)


class Ticker:
    """Calls ``callback`` every ``interval`` seconds on ``loop``, from :meth:`start` to
    :meth:`stop`. A callback that raises is logged and stops the ticker."""

    __slots__ = (
        "_callback",
        "_handle",
        "_n",
        "_start",
        "interval",
        "loop",
        "max_lag",
        "skipped",
        "ticks",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        interval: float,
        callback: Callable[[], None],
        *,
        max_lag: float = 0.1,
    ) -> None:
        if interval <= 0:
            raise ValueError("the interval must be positive")
        self.loop = loop
        self.interval = interval
        self.max_lag = max_lag
        self.ticks = 0
        self.skipped = 0
        self._callback = callback
        self._handle: asyncio.TimerHandle | None = None
        self._start = 0.0
        self._n = 0

    @property
    def running(self) -> bool:
        """Between :meth:`start` and :meth:`stop`."""
        return self._handle is not None

    def start(self, delay: float = 0.0) -> None:
        """First tick after ``delay`` seconds (0: on the loop's next turn)."""
        if self._handle is not None:
            return
        self._start = self.loop.time() + delay
        self._n = 0
        self._handle = self.loop.call_at(self._start, self._fire)

    def stop(self) -> None:
        """No more ticks (a tick already running finishes)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self.ticks += 1
        try:
            self._callback()
        except Exception:
            log.exception("periodic callback %r failed; stopping it", self._callback)
            self._handle = None
            return
        if self._handle is None:  # the callback stopped us
            return
        self._n += 1
        due = self._start + self._n * self.interval
        late = self.loop.time() - due
        if late > self.max_lag:
            missed = int(late / self.interval) + 1  # the next tick is due after now
            self._n += missed
            self.skipped += missed
            due = self._start + self._n * self.interval
        self._handle = self.loop.call_at(due, self._fire)
