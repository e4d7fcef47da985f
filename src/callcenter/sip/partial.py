"""Reading what can still be read of a message that does not parse (RFC 3261 §8.2).

:func:`scan_partial` finds the start line, Via, From, To, Call-ID and CSeq of any bytes,
tolerantly, so that a malformed request can still be answered
(:func:`callcenter.sip.malformed.error_response`) or knowingly dropped. The parser
attaches its result to every :class:`~callcenter.sip.errors.SipParseError` it raises.
"""

from __future__ import annotations

import re
from typing import Final

from ._grammar import TOKEN_RE
from .errors import PartialMessage
from .headers import header_key

__all__ = ["SCAN_LIMIT", "scan_partial"]

SCAN_LIMIT: Final = 65535  # the largest message we accept (message.DEFAULT_MAX_SIZE)
_REQUEST_LINE_RE = re.compile(rf"({TOKEN_RE.pattern})[ \t]+.*?[ \t]+[Ss][Ii][Pp]/[0-9.]+[ \t]*")
_WANTED: Final = frozenset(("via", "from", "to", "call-id", "cseq"))


def _utf8(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def scan_partial(data: bytes) -> PartialMessage:
    """Read the start line, Via, From, To, Call-ID and CSeq of a message, tolerantly.

    Never raises. Lines may end in CRLF or a bare LF; the header section ends at the
    first empty line (or the end of ``data``); leading empty lines are skipped; folded
    lines are unfolded; header names are matched case-insensitively, compact forms
    included (§7.3.3). Values are not validated: see :class:`PartialMessage`.
    """
    lines = [line.removesuffix(b"\r") for line in data[:SCAN_LIMIT].split(b"\n")]
    i = 0
    while i < len(lines) and not lines[i]:
        i += 1
    if i == len(lines):
        return PartialMessage()
    start = _utf8(lines[i]) or ""
    is_response = start[:4].upper() == "SIP/"
    match = None if is_response else _REQUEST_LINE_RE.fullmatch(start)
    fields: list[tuple[str, str | None]] = []
    for line in lines[i + 1 :]:
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if fields:
                key, value = fields[-1]
                more = _utf8(line)
                joined = None if value is None or more is None else f"{value} {more.strip()}"
                fields[-1] = (key, joined.strip(" \t") if joined is not None else None)
            continue
        name, colon, rest = line.partition(b":")
        key = header_key(name.decode("latin-1").strip(" \t")) if colon else ""
        value = _utf8(rest) if key in _WANTED else None
        fields.append((key, value.strip(" \t") if value is not None else None))

    def single(key: str) -> str | None:
        values = {v for k, v in fields if k == key}
        return values.pop() if len(values) == 1 else None

    vias = [v for k, v in fields if k == "via"]
    return PartialMessage(
        method=match.group(1) if match is not None else None,
        is_response=is_response,
        vias=() if None in vias else tuple(v for v in vias if v is not None),
        from_=single("from"),
        to=single("to"),
        call_id=single("call-id"),
        cseq=single("cseq"),
    )
