"""Errors raised by the SIP message layer.

Two kinds, as h11 separates ``RemoteProtocolError`` from ``LocalProtocolError``:

- :class:`SipParseError`: the *peer* sent something malformed. It carries the SIP status
  code a server should answer with (RFC 3261 §8.2, §21.4: 400 Bad Request in general,
  416 Unsupported URI Scheme, 505 Version Not Supported, 513 Message Too Large) and a
  precise message naming what was wrong and where.
- :class:`SipUsageError`: *our* code misused the API (building a message without a
  mandatory part, asking for a response to a response, ...). It is a bug, never answered
  on the wire.

Every parser in :mod:`callcenter.sip` raises only :class:`SipParseError` on bad input,
never ``IndexError``, ``ValueError`` or ``UnicodeDecodeError``.
"""

from __future__ import annotations

__all__ = ["SipError", "SipParseError", "SipUsageError"]


class SipError(Exception):
    """Base class of every error raised by :mod:`callcenter.sip`."""


class SipParseError(SipError):
    """The remote side sent a malformed message or value.

    ``status`` is the SIP status code to answer a request with (400 unless a more precise
    code applies); ``where`` names the part of the message at fault (a header name, "start
    line", "Request-URI", ...) when known.
    """

    def __init__(self, message: str, *, status: int = 400, where: str | None = None) -> None:
        self.message = message
        self.status = status
        self.where = where
        text = f"{where}: {message}" if where else message
        super().__init__(text)

    def located(self, where: str) -> SipParseError:
        """Return a copy of this error attributed to ``where`` (if not yet attributed)."""
        if self.where not in (None, "URI"):
            return self
        return SipParseError(self.message, status=self.status, where=where)

    def __repr__(self) -> str:
        return f"SipParseError({self.message!r}, status={self.status}, where={self.where!r})"


class SipUsageError(SipError):
    """Local misuse of the API: a bug in the caller, not a peer's fault."""
