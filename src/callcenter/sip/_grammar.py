"""Shared lexical rules of RFC 3261 §25.1 as compiled regular expressions and small helpers.

Private to :mod:`callcenter.sip`. Owns: ``token``, ``quoted-string`` (with ``quoted-pair``
unescaping), ``LWS``/``SWS``, generic parameters (``generic-param``, §25.1) and the split of
comma lists outside quoted strings and angle brackets (§7.3.1).
"""

from __future__ import annotations

import re

from .errors import SipParseError

# token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")  (§25.1)
TOKEN_CHARS = r"A-Za-z0-9\-.!%*_+`'~"
TOKEN = f"[{TOKEN_CHARS}]+"
TOKEN_RE = re.compile(TOKEN)
# quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE.  quoted-pair excludes CR and LF.
QUOTED = r'"(?:[^"\\\r\n]|\\[^\r\n])*"'
QUOTED_RE = re.compile(QUOTED)
_QUOTED_PAIR_RE = re.compile(r"\\(.)", re.DOTALL)
# Characters that need a quoted-pair inside a quoted-string when we write one.
_NEEDS_ESCAPE_RE = re.compile(r'(["\\])')

# One element of a comma list: quoted strings and <...> are opaque (§7.3.1, §20).
_LIST_ELEMENT_RE = re.compile(r'(?:"(?:[^"\\]|\\.)*"|<[^>]*>|[^,"<]+)*', re.DOTALL)

# generic-param = token [ EQUAL gen-value ]; gen-value = token / host / quoted-string.
# Values are kept as written (quotes included); hosts cover IPv6 references.
PARAM_RE = re.compile(rf'[ \t]*;[ \t]*({TOKEN})(?:[ \t]*=[ \t]*({QUOTED}|[^\s;,"=]+))?[ \t]*')

Params = tuple[tuple[str, str | None], ...]


def is_token(text: str) -> bool:
    """True if ``text`` is a SIP token (§25.1)."""
    return TOKEN_RE.fullmatch(text) is not None


def unquote(text: str) -> str:
    """Strip a quoted-string's quotes and resolve its quoted-pairs; other text is returned as is."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        inner = text[1:-1]
        if "\\" in inner:
            return _QUOTED_PAIR_RE.sub(r"\1", inner)
        return inner
    return text


def quote(text: str) -> str:
    """Write ``text`` as a quoted-string, escaping ``"`` and ``\\``."""
    return '"' + _NEEDS_ESCAPE_RE.sub(r"\\\1", text) + '"'


def split_list(value: str, where: str) -> list[str]:
    """Split a comma-separated header value outside quoted strings and ``<>`` (§7.3.1).

    Empty elements (``a,,b``) and unterminated quotes or brackets are errors.
    """
    if '"' not in value and "<" not in value:
        parts = value.split(",")
    else:
        parts = []
        pos = 0
        end = len(value)
        while True:
            m = _LIST_ELEMENT_RE.match(value, pos)
            assert m is not None  # the pattern can match the empty string
            parts.append(m.group())
            pos = m.end()
            if pos >= end:
                break
            if value[pos] != ",":
                what = "quoted string" if value[pos] == '"' else "'<'"
                raise SipParseError(f"unterminated {what} at column {pos + 1}", where=where)
            pos += 1
            if pos == end:
                parts.append("")
                break
    out = [p.strip(" \t") for p in parts]
    for i, p in enumerate(out):
        if not p:
            raise SipParseError(f"empty element #{i + 1} in a comma-separated list", where=where)
    return out


def parse_params(text: str, where: str) -> Params:
    """Parse ``*( SEMI generic-param )`` that must cover all of ``text``.

    Returns ``((name, value_or_None), ...)`` with names as written and values as written
    (a quoted-string keeps its quotes; use :func:`unquote`).
    """
    if not text:
        return ()
    out: list[tuple[str, str | None]] = []
    pos = 0
    end = len(text)
    match = PARAM_RE.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            bad = text[pos:].strip()
            raise SipParseError(f"malformed parameter at {bad[:40]!r}", where=where)
        out.append((m.group(1), m.group(2)))
        pos = m.end()
    return tuple(out)


def find_param(params: Params, name: str) -> tuple[bool, str | None]:
    """Look ``name`` up case-insensitively; return (present, unquoted value or None)."""
    lname = name.lower()
    for key, val in params:
        if key.lower() == lname:
            return True, (None if val is None else unquote(val))
    return False, None


def format_params(params: Params) -> str:
    """Write parameters back as ``;name=value`` (values as stored, quotes included)."""
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params)
