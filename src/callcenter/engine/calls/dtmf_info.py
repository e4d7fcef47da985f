"""DTMF carried in SIP INFO, the fallback for phones without RFC 4733 (REQUIREMENTS A3).

There is no RFC for the body: ``application/dtmf-relay`` with ``Signal=5`` and
``Duration=160`` lines is the de facto format (Cisco, and most phones after it);
``application/dtmf`` carries the bare digit. Events 10 and 11 stand for * and #.
"""

from __future__ import annotations

DTMF_RELAY = "application/dtmf-relay"
DTMF = "application/dtmf"
_DIGITS = frozenset("0123456789*#ABCD")


def info_digit(body: str, mime: str) -> str | None:
    """The digit an INFO body of type ``mime`` carries, or None when it carries none."""
    text = body.strip()
    if mime == DTMF_RELAY:
        for line in text.splitlines():
            name, _, value = line.partition("=")
            if name.strip().lower() == "signal":
                text = value.strip()
                break
        else:
            return None
    if text in ("10", "11"):
        text = "*" if text == "10" else "#"
    text = text.upper()
    return text if len(text) == 1 and text in _DIGITS else None
