"""SIP methods, status codes and reason phrases (RFC 3261 §7.1, §21, §27.4).

Methods are case-sensitive tokens (§7.1); :class:`Method` names the ones the switch uses
(RFC 3261 and the common extensions). Status codes are plain ints; :data:`REASON_PHRASES`
holds the default phrase for every code §21 lists (plus 204/422/489/491/494 from later
RFCs the switch meets in practice).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["REASON_PHRASES", "Method", "reason_phrase", "status_class"]


class Method(StrEnum):
    """Methods of RFC 3261 §27.4 and the extensions the switch handles."""

    INVITE = "INVITE"
    ACK = "ACK"
    BYE = "BYE"
    CANCEL = "CANCEL"
    OPTIONS = "OPTIONS"
    REGISTER = "REGISTER"
    PRACK = "PRACK"  # RFC 3262
    SUBSCRIBE = "SUBSCRIBE"  # RFC 6665
    NOTIFY = "NOTIFY"  # RFC 6665
    PUBLISH = "PUBLISH"  # RFC 3903
    INFO = "INFO"  # RFC 6086
    REFER = "REFER"  # RFC 3515
    MESSAGE = "MESSAGE"  # RFC 3428
    UPDATE = "UPDATE"  # RFC 3311


# §21: 1xx provisional, 2xx success, 3xx redirection, 4xx client error,
# 5xx server error, 6xx global failure.
REASON_PHRASES: Final[dict[int, str]] = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    200: "OK",
    202: "Accepted",  # RFC 3265
    204: "No Notification",  # RFC 5839
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Moved Temporarily",
    305: "Use Proxy",
    380: "Alternative Service",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    410: "Gone",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    421: "Extension Required",
    422: "Session Interval Too Small",  # RFC 4028
    423: "Interval Too Brief",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    484: "Address Incomplete",
    485: "Ambiguous",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    489: "Bad Event",  # RFC 6665
    491: "Request Pending",
    493: "Undecipherable",
    494: "Security Agreement Required",  # RFC 3329
    500: "Server Internal Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Server Time-out",
    505: "Version Not Supported",
    513: "Message Too Large",
    600: "Busy Everywhere",
    603: "Decline",
    604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
}

_CLASS_PHRASES: Final[dict[int, str]] = {
    1: "Provisional",
    2: "Success",
    3: "Redirection",
    4: "Client Error",
    5: "Server Error",
    6: "Global Failure",
}


def status_class(code: int) -> int:
    """The class digit of a status code (1 to 6)."""
    return code // 100


def reason_phrase(code: int) -> str:
    """The default reason phrase for ``code``; an unknown code gets its class's name (§21)."""
    return REASON_PHRASES.get(code) or _CLASS_PHRASES.get(code // 100, "Unknown")
