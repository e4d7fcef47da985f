"""The running switch, as Django's views reach it.

`callcenter serve` runs the switch and the web in one process on one event loop; once
the switch has started, `attach` records it here. Views run in worker threads: `command`
runs a function with the engine *on the switch's loop* (the switch's objects are never
touched from another thread) and waits for its result. Without a switch (``--no-sip``,
the test client, a web-only process) `command` raises :class:`SwitchUnavailable`; a
deployment with the web in other processes would carry these commands over Redis, which
this module would then hide.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from callcenter.engine.switch import Engine

T = TypeVar("T")
TIMEOUT = 5.0

_engine: Engine | None = None
_loop: asyncio.AbstractEventLoop | None = None
_thread: int | None = None


class SwitchUnavailable(Exception):
    """No switch runs in this process (or it did not answer in time)."""


def attach(engine: Engine | None) -> None:
    """Record the running switch (None: it stopped). Call on the switch's loop."""
    global _engine, _loop, _thread
    _engine = engine
    _loop = asyncio.get_running_loop() if engine is not None else None
    _thread = threading.get_ident() if engine is not None else None


def available() -> bool:
    return _engine is not None


def command(action: Callable[[Engine], T], timeout: float = TIMEOUT) -> T:
    """``action(engine)`` on the switch's loop; its result, or its exception re-raised."""
    engine, loop = _engine, _loop
    if engine is None or loop is None or loop.is_closed():
        raise SwitchUnavailable
    if threading.get_ident() == _thread:
        return action(engine)  # already on the switch's loop
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(action(engine))
        except BaseException as error:  # handed back to the caller's thread
            future.set_exception(error)

    loop.call_soon_threadsafe(run)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise SwitchUnavailable from None
