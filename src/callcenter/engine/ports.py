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
    outbound_allowed: bool = False  # may dial out through a trunk ("0" prefix, A1)
    fax: bool = False  # relayed G.711 end to end, untouched (A14)


@dataclass(frozen=True, slots=True)
class TrunkEntry:
    """A SIP trunk (中继): a gateway or carrier the switch calls out through and takes
    calls in from. Calls from ``host`` (and ``port`` when registering is off) are
    accepted as this trunk's without authentication; the caller's number is the From
    user. When ``register`` is set the switch registers ``username`` to it; ``username``
    and ``password`` also answer its digest challenges."""

    name: str
    host: str
    port: int = 5060
    transport: str = "udp"
    username: str = ""
    password: str = ""
    register: bool = False
    register_expires: int = 3600
    caller_id: str = ""  # the From user on outbound calls; else the extension number
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class InboundRoute:
    """A dialled number (DID) arriving on a trunk, and the number it leads to (an
    extension or a service number). ``trunk`` empty: any trunk."""

    did: str
    destination: str
    trunk: str = ""


class Directory(Protocol):
    """Who may register and call: the switch's configuration, read from outside."""

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        """All extensions, by number."""
        ...

    async def trunks(self) -> Mapping[str, TrunkEntry]:
        """All trunks, by name."""
        ...

    async def routes(self) -> tuple[InboundRoute, ...]:
        """The inbound routes (DID to destination)."""
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
    """A fixed configuration: for tests and for running the switch on its own."""

    def __init__(
        self,
        entries: Mapping[str, ExtensionEntry],
        trunks: Mapping[str, TrunkEntry] | None = None,
        routes: tuple[InboundRoute, ...] = (),
    ) -> None:
        self.entries = dict(entries)
        self.trunk_entries = dict(trunks or {})
        self.route_entries = routes
        self._callbacks: list[Callable[[], None]] = []

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        return dict(self.entries)

    async def trunks(self) -> Mapping[str, TrunkEntry]:
        return dict(self.trunk_entries)

    async def routes(self) -> tuple[InboundRoute, ...]:
        return self.route_entries

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def replace(
        self,
        entries: Mapping[str, ExtensionEntry] | None = None,
        trunks: Mapping[str, TrunkEntry] | None = None,
        routes: tuple[InboundRoute, ...] | None = None,
    ) -> None:
        """Change what is given (None: keep) and tell the switch."""
        if entries is not None:
            self.entries = dict(entries)
        if trunks is not None:
            self.trunk_entries = dict(trunks)
        if routes is not None:
            self.route_entries = routes
        for callback in self._callbacks:
            callback()
