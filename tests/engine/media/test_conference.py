"""Conferences: mix-minus for three parties, listen-only and whisper, codecs mixed."""

from __future__ import annotations

import asyncio

import pytest

from callcenter.engine.media import Conference, MediaError, Mode
from tests.engine.media.peers import (
    AGENT,
    CALLER,
    PCMA,
    PCMU,
    SUPERVISOR,
    Peer,
    connected,
    media_engine,
    run,
    tone_frames,
)
from tests.rtp._audio import goertzel_power

VOICES = {CALLER: 400, AGENT: 1000, SUPERVISOR: 1700}


async def talk(peers: dict[str, Peer], sessions: dict, speaking: set[str], frames: int = 40):
    """Each speaking peer sends its own tone, one frame per 20 ms, for ``frames`` frames."""
    tones = {name: list(tone_frames(VOICES[name], frames, -12.0)) for name in speaking}
    loop = asyncio.get_running_loop()
    start = loop.time()
    for k in range(frames):
        for name in speaking:
            session = sessions[name]
            codec = session.format.codec
            peer = peers[name]
            peer.send(peer.packet(codec.encode(tones[name][k]), codec.payload_type), session)
        delay = start + (k + 1) * 0.02 - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)


def heard(peer: Peer, session) -> dict[str, float]:
    """Power of each voice in what ``peer`` received (after the first 10 frames)."""
    codec = session.format.codec
    pcm = b"".join(codec.decode(r.packet.payload) for r in peer.received[10:])
    return {name: goertzel_power(pcm, f) for name, f in VOICES.items()}


def test_three_parties_each_hear_the_two_others_and_never_themselves() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            peers = {name: await Peer.open(name) for name in VOICES}
            formats = {CALLER: PCMU, AGENT: PCMA, SUPERVISOR: PCMU}
            sessions = {n: await connected(engine, peers[n], formats[n]) for n in VOICES}
            conference = Conference()
            for name in VOICES:
                conference.add(sessions[name])
            assert conference.parties == tuple(sessions.values())
            conference.start()
            await talk(peers, sessions, set(VOICES))
            await asyncio.sleep(0.1)
            conference.stop()
            for name, peer in peers.items():
                assert len(peer.received) >= 30
                power = heard(peer, sessions[name])
                others = [power[o] for o in VOICES if o != name]
                assert min(others) > 100 * power[name], (name, power)  # mix-minus
            assert conference.parties == ()
            assert all(s.consumer is None for s in sessions.values())

    run(scenario)


def test_a_listening_supervisor_hears_all_and_is_heard_by_none_until_whispering() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            peers = {name: await Peer.open(name) for name in VOICES}
            sessions = {n: await connected(engine, peers[n], PCMU) for n in VOICES}
            conference = Conference()
            conference.add(sessions[CALLER])
            conference.add(sessions[AGENT])
            conference.add(sessions[SUPERVISOR], Mode.LISTEN)
            conference.start()
            await talk(peers, sessions, set(VOICES))
            supervisor = heard(peers[SUPERVISOR], sessions[SUPERVISOR])
            assert supervisor[CALLER] > 100 * supervisor[SUPERVISOR]
            assert supervisor[AGENT] > 100 * supervisor[SUPERVISOR]
            for name in (CALLER, AGENT):
                assert heard(peers[name], sessions[name])[SUPERVISOR] < 1.0

            conference.set_mode(sessions[SUPERVISOR], Mode.WHISPER, target=sessions[AGENT])
            assert conference.mode(sessions[SUPERVISOR]) is Mode.WHISPER
            for peer in peers.values():
                peer.received.clear()
            await talk(peers, sessions, {SUPERVISOR})
            conference.stop()
            agent = heard(peers[AGENT], sessions[AGENT])
            caller = heard(peers[CALLER], sessions[CALLER])
            assert agent[SUPERVISOR] > 100 * caller[SUPERVISOR]

    run(scenario)


def test_a_session_joins_once_and_only_when_free() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            session = await connected(engine, caller)
            conference = Conference()
            conference.add(session)
            with pytest.raises(MediaError, match="already in"):
                conference.add(session)
            with pytest.raises(MediaError, match="already feeds"):
                Conference().add(session)
            other = await connected(engine, await Peer.open(AGENT))
            with pytest.raises(ValueError, match="whisper"):
                conference.add(other, Mode.WHISPER)
            assert other.consumer is None
            conference.remove(session)
            assert session.consumer is None
            Conference().add(session)

    run(scenario)
