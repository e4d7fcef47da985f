"""The RTP port range: which even UDP ports the switch may bind for media, and which are
taken.

Owns the bookkeeping only; binding is :class:`~callcenter.engine.media.engine.MediaEngine`'s
job. RTP goes on even ports (RFC 3550 §11; RTCP would be the odd port above, which the
switch does not bind). Ports are handed out least recently used first (a FIFO of free
ports), so a port that was just given back, and may still receive the stray packets of the
call that had it, is the last to be reused.
"""

from __future__ import annotations

from collections import deque

__all__ = ["NoPortsLeft", "PortPool"]


class NoPortsLeft(Exception):
    """Every port of the range is in use (or could not be bound)."""


class PortPool:
    """Even ports ``p`` with ``low <= p`` and ``p + 1 <= high``."""

    __slots__ = ("_free", "_in_use", "high", "low")

    def __init__(self, low: int = 20000, high: int = 29999) -> None:
        first = low + (low & 1)
        if not 0 < low <= high <= 65535 or first + 1 > high:
            raise ValueError(f"port range {low}-{high} holds no even port with its odd neighbour")
        self.low = low
        self.high = high
        self._free: deque[int] = deque(range(first, high, 2))
        self._in_use: set[int] = set()

    def take(self) -> int:
        """A free port, now in use; raises :class:`NoPortsLeft` when there is none."""
        try:
            port = self._free.popleft()
        except IndexError:
            raise NoPortsLeft(
                f"all {len(self._in_use)} RTP ports of {self.low}-{self.high} are in use"
            ) from None
        self._in_use.add(port)
        return port

    def give_back(self, port: int) -> None:
        """Return a port from :meth:`take`; giving back a port not in use is a bug."""
        try:
            self._in_use.remove(port)
        except KeyError:
            raise ValueError(f"port {port} was not taken from this pool") from None
        self._free.append(port)

    @property
    def in_use(self) -> int:
        """Ports taken and not given back."""
        return len(self._in_use)

    @property
    def free(self) -> int:
        """Ports that :meth:`take` can still hand out."""
        return len(self._free)

    def __contains__(self, port: object) -> bool:
        return port in self._in_use
