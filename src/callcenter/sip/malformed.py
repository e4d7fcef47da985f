"""Answering requests that do not parse (RFC 3261 §8.2, §8.2.6, §21.4), or dropping them.

Rules, in order (RFC 3261 §8.2 says a malformed request is answered, normally with a
400; a response is never answered, §8.2 is about requests only):

1. The start line must look like a request line ``METHOD ... SIP/x.y``: a status line,
   or a line that is neither, is dropped.
2. An ACK is never answered (§17.1.1.3, §17.2.1): not when the start line says ACK, not
   when the CSeq method does.
3. The response copies Via (every value, in order), From, Call-ID and CSeq and adds a
   tag to To (§8.2.6.2); each must be present once (or repeated with the same value)
   and well formed, since a response that copies a malformed header would itself be
   malformed: otherwise the request is dropped (the client transaction times out).
4. The status is the error's (400, 416, 505, 513); the explanation goes in a
   ``Warning: 399`` header when the caller names its warn-agent (§20.43), else in the
   reason phrase (§21.4.1: the phrase should say what the syntax problem is).
"""

from __future__ import annotations

import re
from typing import Final

from ._grammar import TOKEN_RE, quote
from .constants import Method, reason_phrase
from .errors import PartialMessage, SipParseError, SipUsageError
from .headers import Header, Headers, parse_call_id, parse_cseq, parse_name_addr, parse_via
from .message import Response
from .partial import scan_partial

__all__ = ["error_response"]

# Characters a reason phrase may hold as written (§25.1 reason-phrase: reserved,
# unreserved, SP, HTAB and non-ASCII UTF-8); anything else becomes a space.
_REASON_OK_RE = re.compile(r"[^A-Za-z0-9\-_.!~*'() ;/?:@&=+$,\u00a0-\U0010ffff]")
_WARN_AGENT_RE = re.compile(r"[^\s\"]+")
_EXPLANATION_MAX: Final = 100


def _explanation(text: str) -> str:
    clean = " ".join(_REASON_OK_RE.sub(" ", text.replace('"', "'")).split())
    if len(clean) > _EXPLANATION_MAX:
        clean = clean[: _EXPLANATION_MAX - 3].rstrip() + "..."
    return clean


def _answerable(partial: PartialMessage, to_tag: str) -> list[tuple[str, str]] | None:
    """The Via, From, To, Call-ID and CSeq fields of the response, or None to drop."""
    if partial.is_response or partial.method in (None, Method.ACK):
        return None
    from_, to_text, call_id, cseq_text = partial.from_, partial.to, partial.call_id, partial.cseq
    if not partial.vias or from_ is None or to_text is None or call_id is None or cseq_text is None:
        return None
    copied = [("Via", v) for v in partial.vias] + [
        ("From", from_),
        ("To", to_text),
        ("Call-ID", call_id),
        ("CSeq", cseq_text),
    ]
    try:
        for name, value in copied:
            Header.from_line(f"{name}: {value}")  # no control characters
        for value in partial.vias:
            parse_via(value)
        parse_name_addr(from_, "From")
        to = parse_name_addr(to_text, "To")
        parse_call_id(call_id)
        cseq = parse_cseq(cseq_text)
    except SipParseError:
        return None
    if cseq.method == Method.ACK:
        return None
    if to.tag is None:  # appended as text: the peer's To is kept as written (§8.2.6.2)
        copied[-3] = ("To", f"{to_text};tag={to_tag}")
    return copied


def error_response(
    data: bytes, error: SipParseError, to_tag: str, *, warn_agent: str | None = None
) -> bytes | None:
    """The bytes of the response to a request that failed to parse, or None to drop it.

    ``error`` comes from :func:`parse`, :func:`message_length` or :meth:`Request.check`
    on ``data``; its ``partial`` is used, or ``data`` is scanned when it has none. The
    status is ``error.status`` (400, 416, 505, 513; 400 for anything outside 400-699).
    ``to_tag`` is added to To when the request's To has no tag (§8.2.6.2). With
    ``warn_agent`` (our host or host:port) the explanation goes in a ``Warning: 399``
    header (§20.43); without it, in the reason phrase: ``400 Bad Request (CSeq: ...)``.

    Returns None for a response, an ACK, or a request whose Via, From, To, Call-ID or
    CSeq is missing, ambiguous or malformed: see the rules above.
    """
    if not TOKEN_RE.fullmatch(to_tag):
        raise SipUsageError(f"To tag {to_tag!r} is not a token")
    if warn_agent is not None and not _WARN_AGENT_RE.fullmatch(warn_agent):
        raise SipUsageError(f"warn-agent {warn_agent!r} is not a host or pseudonym")
    partial = error.partial if error.partial is not None else scan_partial(data)
    copied = _answerable(partial, to_tag)
    if copied is None:
        return None
    status = error.status if 400 <= error.status <= 699 else 400
    reason = reason_phrase(status)
    explanation = _explanation(str(error))
    fields = list(copied)
    if warn_agent is not None:
        fields.append(("Warning", f"399 {warn_agent} {quote(explanation)}"))
    elif explanation:
        reason = f"{reason} ({explanation})"
    fields.append(("Content-Length", "0"))
    return bytes(Response(headers=Headers(fields), status=status, reason=reason))
