"""One leg's receive rules (latching, filtering, direction), DTMF both ways, and what
goes out on the wire when the switch sends."""

from __future__ import annotations

import pytest

from callcenter.engine.media import Direction, MediaEngine, MediaError, MediaFormat, Relay
from callcenter.rtp.dtmf import DtmfPhase, DtmfReceiver, TelephoneEvent, dtmf_packets
from callcenter.rtp.g711 import SILENCE_ULAW, alaw_decode, ulaw_decode
from callcenter.rtp.packet import RtpPacket
from tests.engine.media.peers import (
    AGENT,
    CALLER,
    PCMA,
    PCMU,
    Peer,
    connected,
    eventually,
    media_engine,
    random_pool,
    run,
    samples,
    tone_frames,
)

VOICE = bytes(range(160))  # a recognisable µ-law payload


def test_nat_latching_follows_the_public_address_and_then_ignores_strays() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            phone = await Peer.open(CALLER)  # really sends from 127.0.0.2
            stray = await Peer.open("stray", "127.0.0.5")
            session = await engine.open_session()
            # the SDP carries the phone's private address, where nothing listens
            session.set_remote("127.0.0.9", 4000, PCMU)
            session.send_pcm(bytes(320))  # to the private address: lost
            phone.send(phone.packet(VOICE), session)
            await eventually(lambda: session.stats.received == 1)
            assert session.remote == phone.address
            assert session.stats.latched_to == phone.address
            session.send_pcm(bytes(320))
            [first] = await phone.wait_for(1)
            assert first.source == ("127.0.0.1", session.local_port)
            assert first.packet.payload == SILENCE_ULAW

            # a stray sender after latching does not take the stream over
            for _ in range(3):
                stray.send(stray.packet(VOICE), session)
            await eventually(lambda: session.stats.dropped_source == 3)
            assert session.remote == phone.address
            assert session.stats.received == 1
            session.send_pcm(bytes(320))
            await phone.wait_for(2)
            await stray.quiet(0.05)
            assert stray.received == []

    run(scenario)


def test_a_reinvite_with_a_new_address_latches_again_and_the_same_one_does_not() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            phone = await Peer.open(CALLER)
            moved = await Peer.open("moved", "127.0.0.6")
            session = await engine.open_session()
            session.set_remote("127.0.0.9", 4000, PCMU)
            phone.send(phone.packet(VOICE), session)
            await eventually(lambda: session.stats.received == 1)
            assert session.remote == phone.address
            session.set_remote("127.0.0.9", 4000, PCMU, Direction.SENDRECV)  # same SDP
            assert session.remote == phone.address  # still latched
            moved.send(moved.packet(VOICE), session)
            await eventually(lambda: session.stats.dropped_source == 1)
            assert session.stats.received == 1

            session.set_remote("127.0.0.10", 5000, PCMU)  # the phone moved (re-INVITE)
            assert session.remote == ("127.0.0.10", 5000)
            moved.send(moved.packet(VOICE), session)
            await eventually(lambda: session.stats.received == 2)
            assert session.remote == moved.address
            phone.send(phone.packet(VOICE), session)
            await eventually(lambda: session.stats.dropped_source == 2)
            assert session.remote == moved.address

    run(scenario)


def test_the_first_packet_from_the_sdp_address_ends_latching() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            phone = await Peer.open(CALLER)
            hijacker = await Peer.open("hijacker", "127.0.0.7")
            session = await connected(engine, phone)
            phone.send(phone.packet(VOICE), session)
            await eventually(lambda: session.stats.received == 1)
            hijacker.send(hijacker.packet(VOICE), session)
            await eventually(lambda: session.stats.dropped_source == 1)
            assert session.remote == phone.address
            assert session.stats.latched_to is None
            assert session.stats.dropped_source == 1

    run(scenario)


def test_malformed_and_unexpected_packets_are_counted_and_the_stream_goes_on() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller)
            b = await connected(engine, agent)
            relay = Relay(a, b)
            relay.start()
            good = [caller.packet(bytes([n]) * 160) for n in range(6)]
            version_1 = bytearray(caller.packet(VOICE))
            version_1[0] = 0x40
            g729 = caller.packet(VOICE[:20], payload_type=18)
            rtcp_receiver_report = bytes.fromhex("80c9000100000001")
            rtcp_sender_report = bytes([0x80, 200]) + bytes(26)  # PT 200 & 0x7F = 72
            garbage = [
                b"\x80\x00\x00",
                b"\x80" * 11,
                bytes(version_1),
                rtcp_receiver_report,
                g729,
                rtcp_sender_report,
            ]
            for packet, junk in zip(good, [*garbage, b""], strict=False):
                caller.send(packet, a)
                if junk:
                    caller.send(junk, a)
            received = await agent.wait_for(6)
            await agent.quiet()
            assert [r.packet.payload[0] for r in received] == [0, 1, 2, 3, 4, 5]
            stats = a.stats
            assert stats.received == 6
            assert stats.dropped_malformed == 4  # 3 bytes, 11 bytes, version 1, 8-byte RR
            assert stats.dropped_payload_type == 2  # G.729, SR (payload type 72)
            assert b.stats.sent == 6

    run(scenario)


def test_nothing_is_accepted_before_the_answer_is_known() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            session = await engine.open_session()
            caller.send(caller.packet(VOICE), session)
            await eventually(lambda: session.stats.dropped_payload_type == 1)
            assert session.stats.received == 0
            session.send_pcm(bytes(320))  # nowhere to send: nothing happens
            assert session.stats.sent == 0

    run(scenario)


def test_direction_decides_what_is_sent_and_what_is_taken() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            agent = await Peer.open(AGENT)
            a = await connected(engine, caller, direction=Direction.SENDONLY)
            b = await connected(engine, agent, direction=Direction.RECVONLY)
            relay = Relay(a, b)
            relay.start()
            caller.send(caller.packet(VOICE), a)  # a does not receive
            agent.send(agent.packet(VOICE), b)  # b receives, but a sends it on
            a.send_pcm(bytes(320))
            b.send_pcm(bytes(320))  # b does not send
            await caller.wait_for(2)
            await agent.quiet()
            assert agent.received == []
            assert a.stats.dropped_direction == 1
            assert sorted(r.packet.payload for r in caller.received) == [VOICE, SILENCE_ULAW]
            b.set_direction(Direction.SENDRECV)
            b.send_pcm(bytes(320))
            await agent.wait_for(1)

    run(scenario)


def test_rfc4733_digits_are_reported_once_each_at_their_first_packet() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            session = await connected(engine, caller)
            digits: list[str] = []
            heard: list[str] = []
            session.on_dtmf = digits.append
            session.add_dtmf_listener(heard.append)
            seq, ts = 1000, 50_000
            for digit in "5#":
                packets = dtmf_packets(
                    digit, 100, ssrc=caller.ssrc, sequence=seq, timestamp=ts, payload_type=101
                )
                first = packets[0].packet
                caller.send(bytes(first), session)
                expected = seq - 1000 + 1
                await eventually(lambda: session.stats.received == expected)  # noqa: B023
                assert digits[-1] == digit  # reported at the first packet already
                for item in packets[1:]:  # updates, then the end packet three times
                    caller.send(bytes(item.packet), session)
                seq += len(packets)
                ts += 1600
            await eventually(lambda: session.stats.received == seq - 1000)
            assert digits == ["5", "#"]
            assert heard == ["5", "#"]
            assert session.stats.dtmf_digits == 2
            # a broken event payload is malformed, and does not stop the next digit
            caller.send(bytes(RtpPacket(101, seq, ts, caller.ssrc, b"\x01\x02")), session)
            for item in dtmf_packets(
                "7", 60, ssrc=caller.ssrc, sequence=seq + 1, timestamp=ts + 800, payload_type=101
            ):
                caller.send(bytes(item.packet), session)
            await eventually(lambda: len(digits) == 3)
            await eventually(lambda: session.stats.dropped_malformed == 1)
            assert digits == ["5", "#", "7"]
            assert session.stats.dropped_malformed == 1

    run(scenario)


def test_send_dtmf_puts_rfc4733_events_in_the_audio_stream() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            agent = await Peer.open(AGENT)
            session = await connected(engine, agent, PCMA)  # telephone-event is 96
            for frame in tone_frames(450, 3):
                session.send_pcm(frame)
            session.send_dtmf("9", duration_ms=100)
            session.send_dtmf("0", duration_ms=60)  # queued after the first
            received = await agent.wait_for(3 + 7 + 5)
            await agent.quiet(0.1)
            assert len(received) == 15
            packets = [r.packet for r in received]
            assert {p.ssrc for p in packets} == {session.out.ssrc}
            seqs = [p.sequence for p in packets]
            assert seqs == [(seqs[0] + i) & 0xFFFF for i in range(15)]
            events = [p for p in packets if p.payload_type == 96]
            assert len(events) == 12
            assert events[0].marker
            assert events[5].marker is False
            detector = DtmfReceiver()
            found = [
                e.digit
                for p in events
                for e in detector.receive(p.sequence, p.timestamp, p.payload)
                if e.phase is DtmfPhase.END
            ]
            assert found == ["9", "0"]
            nine = [TelephoneEvent.parse(p.payload) for p in events[:7]]
            assert [e.end for e in nine] == [False] * 4 + [True] * 3
            assert nine[-1].duration == 800
            # the second key press starts after the first ended
            nine_ts, zero_ts = events[0].timestamp, events[7].timestamp
            assert zero_ts - nine_ts >= 800

    run(scenario)


def test_send_dtmf_without_telephone_event_is_refused() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            agent = await Peer.open(AGENT)
            session = await connected(engine, agent, MediaFormat(0))
            with pytest.raises(MediaError, match="telephone-event"):
                session.send_dtmf("1")
            session.set_remote(*agent.address, PCMU)
            with pytest.raises(ValueError, match="not a DTMF digit"):
                session.send_dtmf("x")

    run(scenario)


def test_send_pcm_encodes_and_numbers_frames() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            agent = await Peer.open(AGENT)
            session = await connected(engine, agent, PCMA)
            frames = list(tone_frames(1000, 5))
            for frame in frames:
                session.send_pcm(frame)
            received = await agent.wait_for(5)
            packets = [r.packet for r in received]
            assert [p.payload_type for p in packets] == [8] * 5
            assert [p.marker for p in packets] == [True, False, False, False, False]
            assert [(p.timestamp - packets[0].timestamp) & 0xFFFFFFFF for p in packets] == [
                0,
                160,
                320,
                480,
                640,
            ]
            for frame, packet in zip(frames, packets, strict=True):
                decoded = alaw_decode(packet.payload)
                assert len(decoded) == len(frame)
                pairs = zip(samples(decoded), samples(frame), strict=True)
                assert max(abs(a - b) for a, b in pairs) < 600

    run(scenario)


def test_bad_remote_addresses_are_refused() -> None:
    async def scenario() -> None:
        async with media_engine() as engine:
            session = await engine.open_session()
            with pytest.raises(ValueError, match="resolve it first"):
                session.set_remote("phone.example.com", 4000, PCMU)
            with pytest.raises(ValueError, match="family"):
                session.set_remote("::1", 4000, PCMU)
            with pytest.raises(ValueError, match="out of range"):
                session.set_remote("127.0.0.1", 70000, PCMU)
            session.set_remote("0.0.0.0", 0, PCMU, Direction.INACTIVE)  # held, old style
            assert session.remote is None
            assert not session.can_send
            assert ulaw_decode(b"\xff") == b"\x00\x00"

    run(scenario)


def test_a_consumer_that_raises_does_not_stop_the_socket() -> None:
    class Broken:
        def __init__(self) -> None:
            self.calls = 0

        def audio_received(self, data: bytes) -> None:
            self.calls += 1
            raise RuntimeError("a bug")

        def event_received(self, data: bytes) -> None:
            pass

        def format_changed(self) -> None:
            pass

    async def scenario() -> None:
        async with media_engine() as engine:
            caller = await Peer.open(CALLER)
            session = await connected(engine, caller)
            broken = Broken()
            session.attach(broken)
            for _ in range(3):
                caller.send(caller.packet(VOICE), session)
            await eventually(lambda: session.stats.received == 3)
            assert broken.calls == 3
            assert session.stats.consumer_errors == 3

    run(scenario)


def test_ipv6_sessions_latch_and_send() -> None:
    async def scenario() -> None:
        engine = MediaEngine(random_pool(), "::1")
        try:
            phone = await Peer.open(CALLER, "::1")
            stray = await Peer.open("stray", "::1")
            session = await engine.open_session()
            session.set_remote("::1", 9, PCMU)  # the phone's SDP port is not where it sends
            phone.send_to(phone.packet(VOICE), ("::1", session.local_port))
            await eventually(lambda: session.stats.received == 1)
            assert session.remote == phone.address[:2]
            phone.send_to(phone.packet(VOICE), ("::1", session.local_port))
            stray.send_to(stray.packet(VOICE), ("::1", session.local_port))
            await eventually(lambda: session.stats.received == 2)
            await eventually(lambda: session.stats.dropped_source == 1)
            session.send_pcm(bytes(320))
            await phone.wait_for(1)
        finally:
            await engine.close()

    run(scenario)
