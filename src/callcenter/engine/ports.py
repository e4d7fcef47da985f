"""The seam between the switch and the service desk: what the switch needs from outside.

The switch is configured by the web (extensions, later trunks, queues, IVR flows) and
reports what happens as events. Both directions are Protocols here; the Django side
implements them in `callcenter.telephony` (in one process a direct call, across processes
over Redis). Nothing in `engine` knows which implementation it talks to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from callcenter.engine.events import Event


@dataclass(frozen=True, slots=True)
class ExtensionEntry:
    """What the switch knows of one extension."""

    number: str
    sip_password: str
    display_name: str = ""


class Directory(Protocol):
    """Who may register and call: the switch's configuration, read from outside."""

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        """All extensions, by number."""
        ...

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from any thread) whenever the configuration changed."""
        ...


class EventSink(Protocol):
    """Where events go. `emit` never blocks the switch and never raises."""

    def emit(self, event: Event) -> None: ...


class MemoryEventSink:
    """Keeps events in a list: for tests and for running the switch on its own."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)


class StaticDirectory:
    """A fixed set of extensions: for tests and for running the switch on its own."""

    def __init__(self, entries: Mapping[str, ExtensionEntry]) -> None:
        self.entries = dict(entries)
        self._callbacks: list[Callable[[], None]] = []

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        return dict(self.entries)

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def replace(self, entries: Mapping[str, ExtensionEntry]) -> None:
        self.entries = dict(entries)
        for callback in self._callbacks:
            callback()
