"""The switch's media plane: RTP sockets, relaying, playing, recording, conferencing.

Everything runs on the engine's event loop (uvloop in production); only the recorder's
file writing runs on a writer thread. The sans-IO pieces (packets, G.711, RFC 4733, WAV,
tones, mixer, jitter buffer, outbound numbering) are in :mod:`callcenter.rtp`.

Modules:

- :mod:`~callcenter.engine.media.ports`: the RTP port range (:class:`PortPool`).
- :mod:`~callcenter.engine.media.format`: what was negotiated (:class:`MediaFormat`,
  :class:`Direction`).
- :mod:`~callcenter.engine.media.session`: one leg's socket and its receive rules
  (:class:`RtpSession`: latching, filtering, DTMF detection, sending).
- :mod:`~callcenter.engine.media.engine`: opening and closing sessions (:class:`MediaEngine`).
- :mod:`~callcenter.engine.media.relay`: bridging two legs (:class:`Relay`) and :class:`Echo`.
- :mod:`~callcenter.engine.media.recorder`: stereo call recording (:class:`Recorder`,
  :func:`recover_recordings`).
- :mod:`~callcenter.engine.media.player`: prompts and tones (:class:`Player`).
- :mod:`~callcenter.engine.media.conference`: mix-minus conferences (:class:`Conference`).
- :mod:`~callcenter.engine.media.pacing`: the drift-free 20 ms clock (:class:`Ticker`).
"""

from callcenter.engine.media.conference import Conference, Mode
from callcenter.engine.media.engine import MediaEngine
from callcenter.engine.media.format import COMFORT_NOISE, Direction, MediaError, MediaFormat
from callcenter.engine.media.pacing import Ticker
from callcenter.engine.media.player import Player, frames_from_tone, frames_from_wav
from callcenter.engine.media.ports import NoPortsLeft, PortPool
from callcenter.engine.media.recorder import (
    PART_SUFFIX,
    Recorder,
    RecorderStats,
    RecordingError,
    RecordingInfo,
    recover_recordings,
)
from callcenter.engine.media.relay import Echo, Forwarder, Relay
from callcenter.engine.media.session import MediaConsumer, RtpSession, SessionStats

__all__ = [
    "COMFORT_NOISE",
    "PART_SUFFIX",
    "Conference",
    "Direction",
    "Echo",
    "Forwarder",
    "MediaConsumer",
    "MediaEngine",
    "MediaError",
    "MediaFormat",
    "Mode",
    "NoPortsLeft",
    "Player",
    "PortPool",
    "Recorder",
    "RecorderStats",
    "RecordingError",
    "RecordingInfo",
    "Relay",
    "RtpSession",
    "SessionStats",
    "Ticker",
    "frames_from_tone",
    "frames_from_wav",
    "recover_recordings",
]
