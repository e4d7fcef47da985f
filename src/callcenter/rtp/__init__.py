"""Sans-IO media primitives for the switch.

Everything here is a pure function or a typed value with ``parse()``/``bytes()``; nothing
opens a socket, reads the wall clock or imports asyncio, uvloop, Django or
``callcenter.engine``. Callers inject time (timestamps, frame indices, arrival times).

Modules:

- :mod:`~callcenter.rtp.packet`: RTP packets, sequence arithmetic (RFC 3550 §5.1, A.1).
- :mod:`~callcenter.rtp.rtcp`: RTCP sender and receiver reports (RFC 3550 §6.4).
- :mod:`~callcenter.rtp.g711`: G.711 µ-law/A-law coding and codec descriptors (RFC 3551 §4.5.14).
- :mod:`~callcenter.rtp.dtmf`: RFC 4733 telephone-events: payload, sender, detector.
- :mod:`~callcenter.rtp.wav`: WAV files: read, write, a crash-safe streaming writer, repair.
- :mod:`~callcenter.rtp.tones`: call-progress (Chinese national standard) and DTMF tones.
- :mod:`~callcenter.rtp.mixer`: an N-party mix-minus mixer with listen-only and whisper.
- :mod:`~callcenter.rtp.jitter`: a sequence-ordered jitter buffer with statistics.
- :mod:`~callcenter.rtp.header`: RTP headers read and patched as bytes (the relay's hot path).
- :mod:`~callcenter.rtp.stream`: one outbound stream's SSRC/sequence/timestamp continuity.

Audio in this package is 16-bit signed linear PCM in native byte order (little-endian on
every platform we run on), 8 kHz, in frames of 20 ms (160 samples, 320 bytes) unless a
function says otherwise.
"""
