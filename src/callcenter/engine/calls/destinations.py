"""Where a call can be sent: the destination strings the web stores and the switch reads.

One grammar for inbound routes, IVR transfer nodes, queue overflow and the call-control
API's transfers:

- ``queue:NAME`` an ACD queue; ``flow:NAME`` an IVR flow; ``hangup`` end the call;
- digits: an extension or a service number, or a number routed by an inbound route with
  no trunk (the hotline); "0" followed by an outside number goes out through a trunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    NUMBER = "number"  # extension, service, hotline, or "0" + outside number
    QUEUE = "queue"
    FLOW = "flow"
    HANGUP = "hangup"


@dataclass(frozen=True, slots=True)
class Destination:
    kind: Kind
    value: str = ""

    def __str__(self) -> str:
        if self.kind is Kind.NUMBER:
            return self.value
        if self.kind is Kind.HANGUP:
            return "hangup"
        return f"{self.kind.value}:{self.value}"


def parse_destination(text: str) -> Destination | None:
    """The destination ``text`` names, or None when it is not one."""
    text = text.strip()
    if text == "hangup":
        return Destination(Kind.HANGUP)
    prefix, sep, rest = text.partition(":")
    if sep:
        if prefix in ("queue", "flow") and rest and rest.strip() == rest:
            return Destination(Kind(prefix), rest)
        return None
    if text and all(c.isdigit() or c in "*#+" for c in text):
        return Destination(Kind.NUMBER, text)
    return None
