"""What offer/answer settled for one leg's media: codec, telephone-event payload type,
packet time, comfort noise, and the direction of the stream.

Owns these values only; the SDP negotiation itself lives in ``callcenter.sip.sdp`` and the
B2BUA passes its outcome to :meth:`RtpSession.set_remote
<callcenter.engine.media.session.RtpSession.set_remote>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from callcenter.rtp.g711 import Codec, codec_by_payload_type

__all__ = ["COMFORT_NOISE", "Direction", "MediaError", "MediaFormat"]

COMFORT_NOISE = 13
"""The static payload type of comfort noise (RFC 3389)."""


class MediaError(Exception):
    """Media was used in a way it cannot be (a local error, not a remote one)."""


@dataclass(frozen=True, slots=True)
class MediaFormat:
    """The negotiated format of one leg.

    ``payload_type`` is 0 (PCMU) or 8 (PCMA); ``dtmf_payload_type`` is the
    telephone-event payload type the peer uses (RFC 4733, e.g. 101), or ``None`` if it
    did not offer one; ``comfort_noise`` is whether payload type 13 was negotiated
    (RFC 3389), in which case comfort-noise packets are relayed to this leg.
    """

    payload_type: int
    dtmf_payload_type: int | None = None
    ptime: int = 20
    comfort_noise: bool = False

    def __post_init__(self) -> None:
        if codec_by_payload_type(self.payload_type) is None:
            raise ValueError(f"payload type {self.payload_type} is not G.711 (0 PCMU, 8 PCMA)")
        dtmf = self.dtmf_payload_type
        if dtmf is not None and not (35 <= dtmf <= 71 or 77 <= dtmf <= 127):
            # RFC 3551 §6: dynamic types are 96-127, then the unassigned 35-71 and 77-95;
            # 72-76 would collide with RTCP packet types (RFC 5761 §4).
            raise ValueError(f"telephone-event payload type {dtmf} is not a dynamic one")
        if not 5 <= self.ptime <= 200:
            raise ValueError(f"ptime {self.ptime} ms is outside 5-200 ms")

    @property
    def codec(self) -> Codec:
        """The G.711 codec of ``payload_type``."""
        codec = codec_by_payload_type(self.payload_type)
        assert codec is not None  # checked in __post_init__
        return codec


class Direction(StrEnum):
    """The stream's direction from the switch's point of view (RFC 3264 §6.1).

    ``SENDONLY``: we send, the peer does not; ``RECVONLY``: we receive only (the peer put
    the call on hold with ``a=sendonly``).
    """

    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"

    @property
    def sends(self) -> bool:
        """Whether we may send in this direction."""
        return self in (Direction.SENDRECV, Direction.SENDONLY)

    @property
    def receives(self) -> bool:
        """Whether we take what the peer sends."""
        return self in (Direction.SENDRECV, Direction.RECVONLY)
