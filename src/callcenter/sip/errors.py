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

A :class:`SipParseError` raised by :func:`callcenter.sip.message.parse` also carries a
:class:`PartialMessage`: what a tolerant line scan could still read from the bytes (the
request method, every Via, From, To, Call-ID, CSeq), so that a server can answer the
malformed request as §8.2.6 requires (see :func:`callcenter.sip.malformed.error_response`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PartialMessage", "SipError", "SipParseError", "SipUsageError"]


@dataclass(frozen=True, slots=True)
class PartialMessage:
    """The raw values a tolerant scan found in a message that does not parse.

    Values are unfolded (§7.3.1) and stripped, never validated: they are what the peer
    wrote. ``None`` means the header is absent, appears more than once with different
    values, or its line is not UTF-8. ``vias`` holds every Via field value in order
    (``()`` when there is none or one of them is unreadable). ``method`` is the request
    method when the start line looks like a request line; ``is_response`` is True when
    it looks like a status line. Compact header names (``v f t i``) are recognised.
    """

    method: str | None = None
    is_response: bool = False
    vias: tuple[str, ...] = ()
    from_: str | None = None
    to: str | None = None
    call_id: str | None = None
    cseq: str | None = None


class SipError(Exception):
    """Base class of every error raised by :mod:`callcenter.sip`."""


class SipParseError(SipError):
    """The remote side sent a malformed message or value.

    ``status`` is the SIP status code to answer a request with (400 unless a more precise
    code applies); ``where`` names the part of the message at fault (a header name, "start
    line", "Request-URI", ...) when known; ``partial`` holds what could still be read of
    the whole message (set by :func:`~callcenter.sip.message.parse` and
    :func:`~callcenter.sip.message.message_length`, None from the value parsers).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        where: str | None = None,
        partial: PartialMessage | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.where = where
        self.partial = partial
        text = f"{where}: {message}" if where else message
        super().__init__(text)

    def located(self, where: str) -> SipParseError:
        """Return a copy of this error attributed to ``where`` (if not yet attributed)."""
        if self.where not in (None, "URI"):
            return self
        return SipParseError(self.message, status=self.status, where=where, partial=self.partial)

    def __repr__(self) -> str:
        return f"SipParseError({self.message!r}, status={self.status}, where={self.where!r})"


class SipUsageError(SipError):
    """Local misuse of the API: a bug in the caller, not a peer's fault."""
