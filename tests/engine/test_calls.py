"""Calls through a running Engine on loopback, driven step by step by scripted phones.

Each test starts the switch with a static directory, talks SIP and RTP to it over real
UDP sockets, and ends by checking that every RTP port went back to the pool and no file
descriptor was left open: a call that ends in any way must leak nothing.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from callcenter.engine.calls import CallConfig
from callcenter.engine.events import (
    CallAnswered,
    CallEnded,
    CallHeld,
    CallResumed,
    CallStarted,
    DtmfReceived,
    EndCause,
    LegEnded,
    RecordingSaved,
)
from callcenter.engine.ports import (
    ExtensionEntry,
    InboundRoute,
    MemoryEventSink,
    StaticDirectory,
    TrunkEntry,
)
from callcenter.engine.switch import Engine, EngineConfig
from callcenter.rtp.packet import RtpPacket
from callcenter.rtp.wav import WavFormat, build_wav, read_wav
from callcenter.sip.message import Request, Response
from tests.engine.callphone import CallPhone, remote_media, sdp

EXTENSIONS = {
    n: ExtensionEntry(
        number=n,
        sip_password=n,
        display_name=f"Phone {n}",
        outbound_allowed=n == "70001",
        fax=n == "70009",
    )
    for n in ("70001", "70002", "70003", "70009")
}


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class Switch:
    def __init__(self, engine: Engine, sink: MemoryEventSink, recordings: Path) -> None:
        self.engine, self.sink, self.recordings = engine, sink, recordings
        self.phones: list[CallPhone] = []

    def close_phones(self) -> None:
        for phone in self.phones:
            phone.close()
        self.phones.clear()

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.engine.sip_port

    def events(self, kind: type) -> list:
        return [e for e in self.sink.events if isinstance(e, kind)]

    async def phone(self, number: str, *, register: bool = True, port: int = 0) -> CallPhone:
        phone = await CallPhone(number, self.address).open(port)
        self.phones.append(phone)
        if register:
            assert (await phone.register()).status == 200
        return phone

    async def settle(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        for _ in range(int(timeout / 0.02)):
            if condition():
                return True
            await asyncio.sleep(0.02)
        return condition()


def run(
    test: Callable[[Switch], Awaitable[None]],
    tmp_path: Path,
    *,
    trunks: dict[str, TrunkEntry] | None = None,
    routes: tuple[InboundRoute, ...] = (),
    ring_timeout: float = 5.0,
    directory: StaticDirectory | None = None,
) -> None:
    """Run ``test`` against a started switch (``directory``: else EXTENSIONS with the
    given trunks and routes), then check that nothing is left behind."""

    async def main() -> None:
        sink = MemoryEventSink()
        low = random.randrange(40000, 50000, 2)
        config = EngineConfig(
            nonce_secret=b"n" * 32,
            sip_host="127.0.0.1",
            sip_port=0,
            tcp=False,
            rtp_low=low,
            rtp_high=low + 99,
            recordings=tmp_path / "rec",
            ring_timeout=ring_timeout,
        )
        engine = Engine(config, directory or StaticDirectory(EXTENSIONS, trunks, routes), sink)
        engine.calls.config = CallConfig(
            ring_timeout=ring_timeout, recordings=tmp_path / "rec", t1=0.05, t2=0.4
        )
        await engine.start()
        fds = _fds()
        switch = Switch(engine, sink, tmp_path / "rec")
        try:
            try:
                await test(switch)
            finally:
                switch.close_phones()
            assert await switch.settle(lambda: not engine.calls.calls)
            assert engine.media.pool.in_use == 0
            await asyncio.sleep(0.1)
            assert _fds() <= fds
        finally:
            await engine.stop()

    asyncio.run(main())


async def connect(
    switch: Switch,
    caller: CallPhone,
    callee: CallPhone,
    number: str = "70002",
    caller_codecs: str = "0 101",
    callee_codecs: str = "8 101",
):
    """Caller calls callee; callee rings and answers; both ACK. Returns the pieces."""
    a_rtp, b_rtp = await caller.rtp(), await callee.rtp()
    invite, _ = await caller.invite(number, sdp(a_rtp.port, caller_codecs), wait=False)
    incoming = await callee.expect_request("INVITE")
    callee.send(callee.answer(incoming, 180))
    assert (await caller.expect_response(final=False)).status == 180
    ok_b = callee.answer(incoming, 200, sdp(b_rtp.port, callee_codecs))
    callee.send(ok_b)
    await callee.expect_request("ACK")
    ok_a = await caller.expect_response()
    assert ok_a.status == 200
    caller.send(caller.ack_for(invite, ok_a))
    return invite, ok_a, incoming, ok_b, a_rtp, b_rtp


async def hang_up(caller: CallPhone, invite: Request, ok: Response, callee: CallPhone) -> None:
    """The caller hangs up an answered call; the switch's BYE reaches the callee."""
    caller.send(caller.in_dialog("BYE", invite, ok))
    assert (await caller.expect_response()).status == 200
    bye = await callee.expect_request("BYE")
    callee.send(callee.answer(bye, 200))


def test_call_between_extensions_relays_transcodes_records_and_ends_cleanly(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        invite, ok_a, incoming, _ok_b, a_rtp, b_rtp = await connect(switch, a, b)
        assert "70001" in (incoming.headers.get("from") or "")
        to_a, to_b = remote_media(ok_a), remote_media(incoming)
        assert to_a[2] == 0  # the caller keeps PCMU
        for _ in range(25):
            a_rtp.send(to_a[:2])
            b_rtp.send(to_b[:2], pt=8, payload=b"\xd5" * 160)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        at_b = [RtpPacket.parse(d) for d in b_rtp.drain()]
        at_a = [RtpPacket.parse(d) for d in a_rtp.drain()]
        assert len(at_b) >= 20
        assert {p.payload_type for p in at_b} == {8}
        assert len(at_a) >= 20
        assert {p.payload_type for p in at_a} == {0}
        await hang_up(a, invite, ok_a, b)
        assert await switch.settle(lambda: bool(switch.events(RecordingSaved)))
        ended = switch.events(CallEnded)[-1]
        assert ended.cause is EndCause.NORMAL
        assert ended.hangup_by == "caller"
        assert switch.events(CallAnswered)[-1].answered_by == "70002"
        saved = switch.events(RecordingSaved)[-1]
        audio = read_wav(switch.recordings / saved.path)
        assert audio.channels == 2
        assert audio.duration > 0.3

    run(scenario, tmp_path)


def test_invite_without_credentials_is_challenged_and_wrong_ones_again(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a = await switch.phone("70001")
        _, response = await a.invite("70002", sdp(4000), auth=False)
        assert response.status == 407
        assert "Digest" in (response.headers.get("proxy-authenticate") or "")
        a.password = "wrong"
        _, response = await a.invite("70002", sdp(4000))
        assert response.status == 407
        assert not switch.events(CallStarted)

    run(scenario, tmp_path)


@pytest.mark.parametrize(
    ("number", "codecs", "status"),
    [
        ("79999", "0", 404),  # no such number
        ("70003", "0", 480),  # an extension with no phone registered
        ("70002", "18", 488),  # G.729 only: no codec in common
        ("013800138000", "0", 503),  # may dial out, but no trunk exists
    ],
)
def test_calls_that_cannot_be_made_get_the_right_status(
    tmp_path: Path, number: str, codecs: str, status: int
) -> None:
    async def scenario(switch: Switch) -> None:
        a = await switch.phone("70001")
        await switch.phone("70002")  # registered: 70002 is reachable
        invite, response = await a.invite(number, sdp(4000, codecs))
        assert response.status == status
        a.send(a.ack_for(invite, response))

    run(scenario, tmp_path)


def test_an_extension_that_may_not_dial_out_gets_403(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        b = await switch.phone("70002")
        _invite, response = await b.invite("013800138000", sdp(4000))
        assert response.status == 403

    run(scenario, tmp_path)


def test_busy_callee_makes_a_busy_call(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        invite, _ = await a.invite("70002", sdp(4000), wait=False)
        incoming = await b.expect_request("INVITE")
        b.send(b.answer(incoming, 486))
        await b.expect_request("ACK")
        response = await a.expect_response()
        assert response.status == 486
        a.send(a.ack_for(invite, response))
        assert await switch.settle(lambda: bool(switch.events(CallEnded)))
        assert switch.events(CallEnded)[-1].cause is EndCause.BUSY

    run(scenario, tmp_path)


def test_caller_cancels_while_ringing(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        invite, _ = await a.invite("70002", sdp(4000), wait=False)
        incoming = await b.expect_request("INVITE")
        b.send(b.answer(incoming, 180))
        assert (await a.expect_response(final=False)).status == 180
        cancel = Request(headers=invite.headers.copy(), method="CANCEL", uri=invite.uri)
        cancel.headers.set("CSeq", f"{invite.cseq.seq} CANCEL")
        cancel.set_body(b"")
        cancel.headers.remove("Content-Type")
        a.send(cancel)
        statuses = {(await a.expect_response()).status, (await a.expect_response()).status}
        assert statuses == {200, 487}
        their_cancel = await b.expect_request("CANCEL")
        b.send(b.answer(their_cancel, 200))
        b.send(b.answer(incoming, 487))
        assert await switch.settle(lambda: bool(switch.events(CallEnded)))
        assert switch.events(CallEnded)[-1].cause is EndCause.CANCELLED

    run(scenario, tmp_path)


def test_nobody_answers_within_the_ring_timeout(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        _invite, _ = await a.invite("70002", sdp(4000), wait=False)
        incoming = await b.expect_request("INVITE")
        b.send(b.answer(incoming, 180))
        their_cancel = await b.expect_request("CANCEL", timeout=5)
        b.send(b.answer(their_cancel, 200))
        b.send(b.answer(incoming, 487))
        response = await a.expect_response()
        while response.status < 300:
            response = await a.expect_response()
        assert response.status == 480
        assert switch.events(CallEnded)[-1].cause is EndCause.NO_ANSWER

    run(scenario, tmp_path, ring_timeout=1.0)


def test_a_caller_that_never_acks_is_torn_down_and_both_sides_told(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        b_rtp = await b.rtp()
        await a.invite("70002", sdp(4000), wait=False)
        incoming = await b.expect_request("INVITE")
        b.send(b.answer(incoming, 200, sdp(b_rtp.port, "0")))
        await b.expect_request("ACK")
        # No ACK from the caller: the 2xx is retransmitted, then both legs get BYE.
        bye_b = await b.expect_request("BYE", timeout=10)
        b.send(b.answer(bye_b, 200))
        bye_a = await a.expect_request("BYE", timeout=10)
        a.send(a.answer(bye_a, 200))
        assert switch.events(CallEnded)[-1].cause is EndCause.FAILED

    run(scenario, tmp_path)


def test_bye_for_an_unknown_dialog_gets_481(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a = await switch.phone("70001")
        bye = a.request(
            "BYE",
            f"sip:70002@127.0.0.1:{switch.address[1]}",
            to="<sip:70002@127.0.0.1>;tag=nothere",
        )
        a.send(bye)
        assert (await a.expect_response()).status == 481

    run(scenario, tmp_path)


def test_hold_plays_music_to_the_other_side_and_resume_relays_again(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        invite, ok_a, _incoming, _ok_b, a_rtp, b_rtp = await connect(switch, a, b)
        to_a = remote_media(ok_a)
        hold = a.in_dialog("INVITE", invite, ok_a, body=sdp(a_rtp.port, "0 101", "sendonly"))
        a.send(hold)
        answer = await a.expect_response()
        assert answer.status == 200
        assert "a=recvonly" in answer.body.decode()
        a.send(a.ack_for(hold, answer))
        assert switch.events(CallHeld)
        b_rtp.drain()
        await asyncio.sleep(0.5)
        music = [RtpPacket.parse(d) for d in b_rtp.drain()]
        assert len(music) >= 15  # music on hold, 50 packets/s, to the held party
        assert any(set(p.payload) - {0xFF, 0x7F, 0xD5, 0x55} for p in music)  # not silence
        resume = a.in_dialog("INVITE", invite, ok_a, body=sdp(a_rtp.port, "0 101", "sendrecv"))
        a.send(resume)
        answer = await a.expect_response()
        assert answer.status == 200
        assert "a=sendrecv" in answer.body.decode()
        a.send(a.ack_for(resume, answer))
        assert switch.events(CallResumed)
        await asyncio.sleep(0.1)
        b_rtp.drain()
        for _ in range(10):
            a_rtp.send(to_a[:2], payload=b"\x42" * 160)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        relayed = [RtpPacket.parse(d) for d in b_rtp.drain()]
        assert len(relayed) >= 8
        await hang_up(a, invite, ok_a, b)

    run(scenario, tmp_path)


def test_rtp_from_a_stranger_is_not_relayed_and_dtmf_info_is_reported(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        invite, ok_a, _incoming, _ok_b, a_rtp, b_rtp = await connect(
            switch, a, b, callee_codecs="0"
        )
        to_a = remote_media(ok_a)
        for _ in range(5):
            a_rtp.send(to_a[:2])
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        b_rtp.drain()
        stranger = await a.rtp()
        for _ in range(10):
            stranger.send(to_a[:2], payload=b"\x11" * 160)
            stranger.transport.sendto(b"\x80\x00garbage", to_a[:2])
        await asyncio.sleep(0.2)
        assert not [d for d in b_rtp.drain() if RtpPacket.parse(d).payload == b"\x11" * 160]
        info = a.in_dialog(
            "INFO",
            invite,
            ok_a,
            body="Signal=5\r\nDuration=160\r\n",
            content_type="application/dtmf-relay",
        )
        a.send(info)
        assert (await a.expect_response()).status == 200
        assert [e.digit for e in switch.events(DtmfReceived)] == ["5"]
        await hang_up(a, invite, ok_a, b)

    run(scenario, tmp_path)


def test_outbound_call_goes_through_the_trunk_and_answers_its_challenge(tmp_path: Path) -> None:
    gateway_port = random.randrange(51000, 52000)
    trunk = TrunkEntry(
        "carrier", "127.0.0.1", gateway_port, username="acct", password="pw", caller_id="4008000000"
    )

    async def scenario(switch: Switch) -> None:
        a = await switch.phone("70001")
        gateway = await switch.phone("acct", register=False, port=gateway_port)
        invite, _ = await a.invite("013800138000", sdp(4000), wait=False)
        first = await gateway.expect_request("INVITE")
        assert str(first.uri).startswith("sip:13800138000@127.0.0.1")
        assert "4008000000" in (first.headers.get("from") or "")
        challenge = gateway.answer(first, 401)
        challenge.headers.add(
            "WWW-Authenticate",
            f'Digest realm="carrier", nonce="{secrets.token_hex(8)}", qop="auth"',
        )
        gateway.send(challenge)
        second = await gateway.expect_request("INVITE")
        assert 'username="acct"' in (second.headers.get("authorization") or "")
        assert second.call_id == first.call_id
        assert second.cseq.seq == first.cseq.seq + 1
        gateway.send(gateway.answer(second, 486))
        response = await a.expect_response()
        assert response.status == 486
        a.send(a.ack_for(invite, response))
        started = switch.events(CallStarted)[-1]
        assert started.direction == "outbound"
        assert started.trunk == "carrier"

    run(scenario, tmp_path, trunks={"carrier": trunk})


def test_inbound_trunk_call_is_routed_by_did_without_authentication(tmp_path: Path) -> None:
    gateway_port = random.randrange(52000, 53000)
    trunk = TrunkEntry("demo-gw", "127.0.0.1", gateway_port)
    routes = (InboundRoute("4008000000", "70002", "demo-gw"),)

    async def scenario(switch: Switch) -> None:
        b = await switch.phone("70002")
        gateway = await switch.phone("13800138000", register=False, port=gateway_port)
        g_rtp = await gateway.rtp()
        invite, _ = await gateway.invite("4008000000", sdp(g_rtp.port, "8"), auth=False, wait=False)
        incoming = await b.expect_request("INVITE")
        assert "13800138000" in (incoming.headers.get("from") or "")
        b.send(b.answer(incoming, 603))
        await b.expect_request("ACK")
        response = await gateway.expect_response()
        assert response.status == 603
        gateway.send(gateway.ack_for(invite, response))
        assert switch.events(CallStarted)[-1].direction == "inbound"
        assert switch.events(CallEnded)[-1].cause is EndCause.REJECTED
        _unknown, response = await gateway.invite("4008000999", sdp(g_rtp.port, "8"), auth=False)
        assert response.status == 404

    run(scenario, tmp_path, trunks={"demo-gw": trunk}, routes=routes)


def test_every_leg_is_reported_with_its_end(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        _invite, _ok_a, incoming, ok_b, _a_rtp, _b_rtp = await connect(switch, a, b)
        bye = b.in_dialog("BYE", incoming, ok_b, received=True)
        b.send(bye)
        assert (await b.expect_response()).status == 200
        bye_a = await a.expect_request("BYE")
        a.send(a.answer(bye_a, 200))
        assert await switch.settle(lambda: len(switch.events(LegEnded)) == 2)
        assert switch.events(CallEnded)[-1].hangup_by == "callee"
        assert {e.codec for e in switch.events(LegEnded)} == {"PCMU", "PCMA"}

    run(scenario, tmp_path)


def test_a_recording_left_unfinished_by_a_crash_is_repaired_and_reported(tmp_path: Path) -> None:
    folder = tmp_path / "rec" / "2026" / "11" / "22"
    folder.mkdir(parents=True)
    wav = build_wav(b"\x01\x00\x02\x00" * 8000, WavFormat(channels=2))
    # A crash before the header was finished: the sizes in it are still zero.
    broken = wav[:4] + b"\x00\x00\x00\x00" + wav[8:40] + b"\x00\x00\x00\x00" + wav[44:]
    (folder / "deadbeef.wav.part").write_bytes(broken)

    async def scenario(switch: Switch) -> None:
        assert await switch.settle(lambda: bool(switch.events(RecordingSaved)))
        [saved] = switch.events(RecordingSaved)
        assert saved.call == "deadbeef"
        assert saved.path == "2026/11/22/deadbeef.wav"
        assert abs(saved.duration - 1.0) < 0.01
        assert read_wav(switch.recordings / saved.path).channels == 2

    run(scenario, tmp_path)


def test_a_call_whose_phones_fell_silent_is_ended(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        switch.engine.calls.config = CallConfig(recordings=None, t1=0.05, media_timeout=0.5)
        a, b = await switch.phone("70001"), await switch.phone("70002")
        invite, ok_a, _incoming, _ok_b, a_rtp, _b_rtp = await connect(switch, a, b)
        to_a = remote_media(ok_a)
        for _ in range(3):
            a_rtp.send(to_a[:2])
            switch.engine.calls.sweep()
            await asyncio.sleep(0.3)
        assert switch.engine.calls.calls  # audio kept it alive
        for _ in range(5):
            switch.engine.calls.sweep()
            await asyncio.sleep(0.2)
        bye_a = await a.expect_request("BYE")
        a.send(a.answer(bye_a, 200))
        bye_b = await b.expect_request("BYE")
        b.send(b.answer(bye_b, 200))
        ended = switch.events(CallEnded)[-1]
        assert ended.cause is EndCause.FAILED
        assert ended.hangup_by == "switch"
        assert invite.call_id

    run(scenario, tmp_path)


def test_a_reinvite_that_changes_codec_keeps_audio_flowing(tmp_path: Path) -> None:
    async def scenario(switch: Switch) -> None:
        a, b = await switch.phone("70001"), await switch.phone("70002")
        invite, ok_a, _incoming, _ok_b, a_rtp, b_rtp = await connect(
            switch, a, b, callee_codecs="0"
        )
        change = a.in_dialog("INVITE", invite, ok_a, body=sdp(a_rtp.port, "8"))
        a.send(change)
        answer = await a.expect_response()
        assert answer.status == 200
        assert remote_media(answer)[2] == 8  # PCMA now on the caller's side
        a.send(a.ack_for(change, answer))
        b_rtp.drain()
        for _ in range(10):
            a_rtp.send(remote_media(answer)[:2], pt=8, payload=b"\xd5" * 160)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        at_b = [RtpPacket.parse(d) for d in b_rtp.drain()]
        assert len(at_b) >= 8
        assert {p.payload_type for p in at_b} == {0}  # transcoded back to the callee's PCMU
        await hang_up(a, invite, ok_a, b)

    run(scenario, tmp_path)


def test_a_fax_extension_gets_the_callers_codec_untouched_and_no_recording(
    tmp_path: Path,
) -> None:
    async def scenario(switch: Switch) -> None:
        a, fax = await switch.phone("70001"), await switch.phone("70009")
        a_rtp, f_rtp = await a.rtp(), await fax.rtp()
        invite, _ = await a.invite("70009", sdp(a_rtp.port, "8 0"), wait=False)
        incoming = await fax.expect_request("INVITE")
        offered = incoming.body.decode()
        assert "m=audio" in offered
        assert "RTP/AVP 8" in offered  # only the caller's codec: no transcoding possible
        assert "PCMU" not in offered
        ok_f = fax.answer(incoming, 200, sdp(f_rtp.port, "8"))
        fax.send(ok_f)
        await fax.expect_request("ACK")
        ok_a = await a.expect_response()
        a.send(a.ack_for(invite, ok_a))
        payload = bytes(range(160))
        for _ in range(10):
            a_rtp.send(remote_media(ok_a)[:2], pt=8, payload=payload)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        at_fax = [RtpPacket.parse(d) for d in f_rtp.drain()]
        assert len(at_fax) >= 8
        assert all(p.payload == payload for p in at_fax)  # bit for bit
        await hang_up(a, invite, ok_a, fax)
        assert await switch.settle(lambda: bool(switch.events(CallEnded)))
        assert not switch.events(RecordingSaved)

    run(scenario, tmp_path)
