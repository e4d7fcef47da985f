"""Socket adapters that feed bytes into the sans-IO SIP code and send its bytes out.

Each transport calls `handler(data, peer)` with one whole SIP message and offers
`send(data, peer) -> bool`. Framing, size limits and keep-alives are handled here;
parsing and everything after it is not.
"""

from __future__ import annotations

from collections.abc import Callable

from callcenter.sip.transaction import Peer

MessageHandler = Callable[[bytes, Peer], None]

# No SIP message of ours or of a phone comes near this; bigger is an attack or a bug.
MAX_MESSAGE_SIZE = 16_384
MAX_HEADER_SIZE = 8_192
