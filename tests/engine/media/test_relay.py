"""Anchored media: same-codec forwarding, PCMU↔PCMA transcoding, telephone-events,
hold (pause/resume), stream continuity across a change of leg, and the echo test."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from callcenter.engine.media import Echo, MediaError, MediaFormat, Relay
from callcenter.rtp.dtmf import dtmf_packets
from callcenter.rtp.packet import seq_diff, ts_diff
from tests.engine.media.peers import (
    AGENT,
    CALLER,
    PCMA,
    PCMU,
    Peer,
    connected,
    eventually,
    media_engine,
    pace,
    run,
    samples,
    tone_frames,
)


def correlation(a: list[int], b: list[int]) -> float:
    num = sum(x * y for x, y in zip(a, b, strict=True))
    den = (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5
    return num / den if den else 0.0


def test_same_codec_relays_the_payload_untouched_under_our_own_header() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller)
            b = await connected(engine, agent)
            relay = Relay(a, b)
            relay.start()
            payloads = [bytes([n]) * 160 for n in range(20)]
            sent = [caller.packet(p) for p in payloads]
            await pace(sent, lambda data: caller.send(data, a), 0.005)
            received = await agent.wait_for(20)
            packets = [r.packet for r in received]
            assert [p.payload for p in packets] == payloads
            assert {p.ssrc for p in packets} == {b.out.ssrc} != {caller.ssrc}
            assert {p.payload_type for p in packets} == {0}
            assert [seq_diff(packets[0].sequence, p.sequence) for p in packets] == list(range(20))
            assert [ts_diff(packets[0].timestamp, p.timestamp) for p in packets] == [
                160 * n for n in range(20)
            ]
            assert [p.marker for p in packets] == [True] + [False] * 19
            assert {r.source for r in received} == {("127.0.0.1", b.local_port)}

            # and the other way
            agent.send(agent.packet(b"\x42" * 160), b)
            [back] = await caller.wait_for(1)
            assert back.packet.payload == b"\x42" * 160
            assert back.packet.ssrc == a.out.ssrc
            assert (a.stats.received, b.stats.sent, b.stats.received, a.stats.sent) == (
                20,
                20,
                1,
                1,
            )

    run(scenario)


def test_loss_and_reordering_pass_through_as_they_were() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller)
            b = await connected(engine, agent)
            Relay(a, b).start()
            sent = [caller.packet(bytes([n]) * 160) for n in range(6)]
            order = [0, 1, 3, 2, 5]  # 4 is lost, 3 and 2 swapped
            for index in order:
                caller.send(sent[index], a)
                await asyncio.sleep(0.005)
            received = [r.packet for r in await agent.wait_for(5)]
            first = received[0]
            steps = [
                (seq_diff(first.sequence, p.sequence), ts_diff(first.timestamp, p.timestamp))
                for p in received
            ]
            assert steps == [(n, 160 * n) for n in order]

    run(scenario)


@pytest.mark.parametrize(("caller_format", "agent_format"), [(PCMU, PCMA), (PCMA, PCMU)])
def test_pcmu_and_pcma_are_transcoded_both_ways(
    caller_format: MediaFormat, agent_format: MediaFormat
) -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller, caller_format)
            b = await connected(engine, agent, agent_format)
            Relay(a, b).start()
            voice = list(tone_frames(440, 10, -6.0))
            codec_a, codec_b = caller_format.codec, agent_format.codec
            for frame in voice:
                caller.send(caller.packet(codec_a.encode(frame), codec_a.payload_type), a)
            received = await agent.wait_for(10)
            assert {r.packet.payload_type for r in received} == {codec_b.payload_type}
            heard = b"".join(codec_b.decode(r.packet.payload) for r in received)
            assert correlation(samples(heard), samples(b"".join(voice))) > 0.999
            # the answer comes back in the caller's codec
            for frame in tone_frames(1000, 3):
                agent.send(agent.packet(codec_b.encode(frame), codec_b.payload_type), b)
            back = await caller.wait_for(3)
            assert {r.packet.payload_type for r in back} == {codec_a.payload_type}
            assert {r.packet.ssrc for r in back} == {a.out.ssrc}
            heard_back = b"".join(codec_a.decode(r.packet.payload) for r in back)
            assert correlation(samples(heard_back), samples(b"".join(tone_frames(1000, 3)))) > 0.999

    run(scenario)


def test_dtmf_is_forwarded_with_the_other_legs_payload_type_and_reported() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller, PCMU)  # telephone-event 101
            b = await connected(engine, agent, MediaFormat(0, dtmf_payload_type=96))
            reported: list[str] = []
            a.on_dtmf = reported.append
            Relay(a, b).start()
            packets = dtmf_packets(
                "8", 100, ssrc=caller.ssrc, sequence=caller.seq, timestamp=caller.ts
            )
            for item in packets:
                caller.send(bytes(item.packet), a)
            received = await agent.wait_for(len(packets))
            assert {r.packet.payload_type for r in received} == {96}
            assert [r.packet.payload for r in received] == [
                bytes(i.packet.payload) for i in packets
            ]
            assert {r.packet.ssrc for r in received} == {b.out.ssrc}
            assert reported == ["8"]

            # a leg without telephone-event gets no events; the digit is still reported
            c_peer = await Peer.open("no-events", "127.0.0.8")
            c = await connected(engine, c_peer, MediaFormat(0))
            relay = Relay(a, c)
            a.detach(a.consumer)  # type: ignore[arg-type]
            relay.start()
            three = dtmf_packets("3", 60, ssrc=caller.ssrc, sequence=5000, timestamp=90_000)
            for item in three:
                caller.send(bytes(item.packet), a)
            await eventually(lambda: a.stats.received == len(packets) + len(three))
            assert reported == ["8", "3"]
            await c_peer.quiet()
            assert c_peer.received == []

    run(scenario)


def test_hold_pauses_one_direction_and_resume_continues_the_numbering() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller)
            b = await connected(engine, agent)
            relay = Relay(a, b)
            relay.start()
            for _ in range(3):
                caller.send(caller.packet(b"\x01" * 160), a)
            await agent.wait_for(3)
            relay.pause(b)  # the caller holds: the agent hears music, not the caller
            assert relay.paused(b)
            assert not relay.paused(a)
            for _ in range(5):
                caller.send(caller.packet(b"\x02" * 160), a)
                agent.send(agent.packet(b"\x03" * 160), b)  # still reaches the caller
            await caller.wait_for(5)
            await agent.quiet()
            assert len(agent.received) == 3
            b.send_pcm(bytes(320))  # music on hold, say
            await agent.wait_for(4)
            relay.resume(b)
            await asyncio.sleep(0.05)
            caller.send(caller.packet(b"\x04" * 160), a)
            received = [r.packet for r in await agent.wait_for(5)]
            assert [p.payload[0] for p in received] == [1, 1, 1, 0xFF, 4]
            assert [seq_diff(received[0].sequence, p.sequence) for p in received] == [0, 1, 2, 3, 4]
            assert {p.ssrc for p in received} == {b.out.ssrc}
            assert received[3].marker
            assert received[4].marker
            gaps = [ts_diff(x.timestamp, y.timestamp) for x, y in itertools.pairwise(received)]
            assert all(gap >= 160 for gap in gaps)  # time moves forward, never back

    run(scenario)


def test_a_new_leg_behind_the_relay_keeps_the_phones_stream_continuous() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            other = await Peer.open("second-agent", "127.0.0.8")
            a = await connected(engine, caller)
            b = await connected(engine, agent)
            c = await connected(engine, other)
            first = Relay(a, b)
            first.start()
            for _ in range(3):
                agent.send(agent.packet(b"\x10" * 160), b)
            await caller.wait_for(3)
            first.stop()  # transfer: the caller now talks to the second agent
            second = Relay(a, c)
            second.start()
            for _ in range(3):
                other.send(other.packet(b"\x20" * 160), c)
            received = [r.packet for r in await caller.wait_for(6)]
            assert {p.ssrc for p in received} == {a.out.ssrc}
            assert [seq_diff(received[0].sequence, p.sequence) for p in received] == list(range(6))
            assert [p.marker for p in received] == [True, False, False, True, False, False]

    run(scenario)


def test_fax_passthrough_needs_one_codec() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller, PCMU)
            b = await connected(engine, agent, PCMA)
            with pytest.raises(MediaError, match="one codec"):
                Relay(a, b, fax=True)
            b.set_remote(*agent.address, PCMU)
            relay = Relay(a, b, fax=True)
            relay.start()
            tones = bytes(range(256))[:160]
            caller.send(caller.packet(tones), a)
            [r] = await agent.wait_for(1)
            assert r.packet.payload == tones
            with pytest.raises(MediaError, match="already feeds"):
                Relay(a, b).start()

    run(scenario)


def test_echo_sends_back_the_same_payload() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            session = await connected(engine, caller, PCMA)
            echo = Echo(session)
            echo.start()
            payloads = [bytes([n]) * 160 for n in range(5)]
            for payload in payloads:
                caller.send(caller.packet(payload, 8), session)
            for item in dtmf_packets("1", 60, ssrc=caller.ssrc, sequence=1, timestamp=1):
                item.packet.payload_type = 96
                caller.send(bytes(item.packet), session)
            received = await caller.wait_for(5)
            await caller.quiet()
            assert [r.packet.payload for r in received] == payloads
            assert {r.packet.ssrc for r in received} == {session.out.ssrc}
            echo.stop()
            caller.send(caller.packet(b"\x00" * 160, 8), session)
            await caller.quiet()
            assert len(caller.received) == 5

    run(scenario)


def test_a_reinvite_that_changes_the_codec_switches_to_transcoding() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller, PCMU)
            b = await connected(engine, agent, PCMU)
            Relay(a, b).start()
            voice = list(tone_frames(700, 4, -6.0))
            caller.send(caller.packet(PCMU.codec.encode(voice[0])), a)
            await agent.wait_for(1)
            b.set_remote(*agent.address, PCMA)  # the agent's phone re-INVITEs with PCMA only
            for frame in voice[1:]:
                caller.send(caller.packet(PCMU.codec.encode(frame)), a)
            received = await agent.wait_for(4)
            assert [r.packet.payload_type for r in received] == [0, 8, 8, 8]
            heard = b"".join(PCMA.codec.decode(r.packet.payload) for r in received[1:])
            assert correlation(samples(heard), samples(b"".join(voice[1:]))) > 0.999
            seqs = [r.packet.sequence for r in received]
            assert [seq_diff(seqs[0], s) for s in seqs] == [0, 1, 2, 3]

    run(scenario)


def test_comfort_noise_goes_only_to_a_leg_that_negotiated_it() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller, PCMU)
            b = await connected(engine, agent, PCMU)
            Relay(a, b).start()
            noise = caller.packet(b"\x40", payload_type=13)  # RFC 3389: one level byte
            caller.send(noise, a)
            caller.send(caller.packet(b"\x01" * 160), a)
            received = await agent.wait_for(1)
            await agent.quiet()
            assert [r.packet.payload_type for r in received] == [0]
            assert a.stats.dropped_payload_type == 0  # accepted, just not for this leg

            b.set_remote(*agent.address, MediaFormat(0, dtmf_payload_type=101, comfort_noise=True))
            caller.send(caller.packet(b"\x40", payload_type=13), a)
            received = await agent.wait_for(2)
            assert received[1].packet.payload_type == 13
            assert received[1].packet.payload == b"\x40"

    run(scenario)
