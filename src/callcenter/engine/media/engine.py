"""The switch's media engine: binds RTP sockets on ports of the pool and closes them.

Owns the life of every :class:`~callcenter.engine.media.session.RtpSession` it opened: one
UDP socket each, bound on ``bind_host`` at an even port of the
:class:`~callcenter.engine.media.ports.PortPool`, with one datagram protocol (the session
itself) on the running loop. A port that another program holds is skipped: the pool moves
it to the back of its queue and the next free port is tried, until every free port has
been tried once. Media sockets are marked DSCP EF (expedited forwarding, RFC 3246) where
the system allows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import ipaddress
import logging
import socket

from callcenter.engine.media.ports import NoPortsLeft, PortPool
from callcenter.engine.media.session import RtpSession

__all__ = ["MediaEngine"]

log = logging.getLogger(__name__)

_DSCP_EF = 46 << 2
_PORT_TAKEN = (errno.EADDRINUSE, errno.EACCES)


def _same(session: RtpSession) -> RtpSession:
    return session


class MediaEngine:
    """One per switch: opens RTP sessions and closes them all at the end.

    A session's port goes back to the pool as soon as :meth:`RtpSession.close` is
    called; its socket really closes on the loop's next turn, so a session opened on
    the same port before then first waits for that.
    """

    def __init__(self, pool: PortPool, bind_host: str = "0.0.0.0") -> None:
        self.pool = pool
        self.bind_host = bind_host
        self._family = (
            socket.AF_INET6 if ipaddress.ip_address(bind_host).version == 6 else socket.AF_INET
        )
        self._sessions: set[RtpSession] = set()  # open
        self._closing: dict[int, RtpSession] = {}  # by port: closed, socket not yet

    @property
    def sessions(self) -> int:
        """How many sessions are open."""
        return len(self._sessions)

    def _bind(self, port: int) -> socket.socket:
        sock = socket.socket(self._family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.bind((self.bind_host, port))
        except BaseException:
            sock.close()
            raise
        try:
            if self._family == socket.AF_INET:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, _DSCP_EF)
            else:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, _DSCP_EF)
        except OSError:
            pass  # not allowed here: plain best effort
        return sock

    async def open_session(self) -> RtpSession:
        """A new session bound on a free port; raises :class:`NoPortsLeft`."""
        loop = asyncio.get_running_loop()
        attempts = max(1, self.pool.free)
        taken_elsewhere = 0
        for _ in range(attempts):
            port = self.pool.take()
            closing = self._closing.get(port)
            if closing is not None:  # closed a moment ago: its socket closes on this turn
                try:
                    await closing.wait_closed()
                except BaseException:
                    self.pool.give_back(port)
                    raise
            try:
                sock = self._bind(port)
            except OSError as exc:
                self.pool.give_back(port)
                if exc.errno not in _PORT_TAKEN:
                    raise
                taken_elsewhere += 1
                log.debug("RTP port %d is taken by another program: %s", port, exc)
                continue
            session = RtpSession(
                port, local_host=self.bind_host, on_close=self._closed, released=self._released
            )
            try:
                await loop.create_datagram_endpoint(functools.partial(_same, session), sock=sock)
            except BaseException:
                sock.close()
                session.close()
                raise
            self._sessions.add(session)
            return session
        raise NoPortsLeft(
            f"no port of {self.pool.low}-{self.pool.high} could be bound "
            f"({taken_elsewhere} taken by other programs)"
        )

    def _closed(self, session: RtpSession) -> None:
        self._sessions.discard(session)
        self._closing[session.local_port] = session
        self.pool.give_back(session.local_port)

    def _released(self, session: RtpSession) -> None:
        if self._closing.get(session.local_port) is session:
            del self._closing[session.local_port]

    async def close(self) -> None:
        """Close every session still open and wait for all sockets to close (so every
        port is back in the pool)."""
        for session in list(self._sessions):
            session.close()
        sessions = list(self._closing.values())
        if sessions:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(s.wait_closed() for s in sessions)), timeout=2.0
                )
