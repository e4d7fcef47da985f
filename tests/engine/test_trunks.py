"""The switch registering to a carrier's trunk: challenge, refresh, failure, removal.

The carrier is a loopback socket that checks the digest with the project's own
authenticator (so a wrong answer would fail), grants a short interval and watches the
refresh come.
"""

from __future__ import annotations

import asyncio
import random

from callcenter.engine.events import TrunkRegistrationChanged
from callcenter.engine.ports import MemoryEventSink, StaticDirectory, TrunkEntry
from callcenter.engine.switch import Engine, EngineConfig
from callcenter.sip.auth import DigestAuthenticator, Secret
from callcenter.sip.message import Request
from tests.engine.callphone import CallPhone


def carrier_auth() -> DigestAuthenticator:
    def secret(username: str, realm: str) -> Secret | None:
        return Secret(password="s3cret") if username == "acct" else None

    return DigestAuthenticator("carrier.example", b"k" * 32, secret)


def reply(request: Request, status: int, extra: str = "") -> bytes:
    text = (
        f"SIP/2.0 {status} X\r\n"
        + "".join(f"Via: {v}\r\n" for v in request.headers.get_all("via"))
        + f"From: {request.headers.get('from')}\r\nTo: {request.headers.get('to')};tag=c1\r\n"
        f"Call-ID: {request.call_id}\r\nCSeq: {request.cseq.seq} REGISTER\r\n{extra}"
        "Content-Length: 0\r\n\r\n"
    )
    return text.encode()


async def registration_states(sink: MemoryEventSink, count: int) -> list[tuple[bool, int]]:
    for _ in range(100):
        states = [e for e in sink.events if isinstance(e, TrunkRegistrationChanged)]
        if len(states) >= count:
            break
        await asyncio.sleep(0.02)
    return [(e.registered, e.status) for e in states]


def test_the_switch_registers_to_a_trunk_refreshes_retries_and_unregisters() -> None:
    port = random.randrange(53000, 54000)
    trunk = TrunkEntry(
        "carrier",
        "127.0.0.1",
        port,
        username="acct",
        password="s3cret",
        register=True,
        register_expires=120,
    )

    async def main() -> None:
        sink = MemoryEventSink()
        directory = StaticDirectory({}, {"carrier": trunk})
        low = random.randrange(40000, 50000, 2)
        config = EngineConfig(
            nonce_secret=b"n" * 32,
            sip_host="127.0.0.1",
            sip_port=0,
            tcp=False,
            rtp_low=low,
            rtp_high=low + 9,
        )
        carrier = await CallPhone("carrier", ("127.0.0.1", 0)).open(port)
        auth = carrier_auth()
        engine = Engine(config, directory, sink)
        engine.trunk_registrations.retry = 0.2  # Rule 3, shortened for the test
        await engine.start()
        try:
            first = await carrier.expect_request("REGISTER")
            assert str(first.to.uri) == "sip:acct@127.0.0.1"
            assert first.expires == 120
            carrier.server = (first.via.host, first.via.port or 5060)
            challenge = auth.challenges(0.0)[0]
            carrier.send(reply(first, 401, f"WWW-Authenticate: {challenge}\r\n"))

            second = await carrier.expect_request("REGISTER")
            assert second.call_id == first.call_id
            assert second.cseq.seq == first.cseq.seq + 1
            value = second.headers.get("authorization") or ""
            assert auth.verify(value, method="REGISTER", uri=str(second.uri), now=1.0).ok
            contact = second.headers.get("contact")
            carrier.send(reply(second, 200, f"Contact: {contact};expires=2\r\n"))

            # Rule 2: refreshed at 80 % of the 2 s granted, same Call-ID, next CSeq.
            refresh = await carrier.expect_request("REGISTER", timeout=4)
            assert refresh.call_id == first.call_id
            assert refresh.cseq.seq == second.cseq.seq + 1
            carrier.send(reply(refresh, 403))
            assert await registration_states(sink, 2) == [(True, 200), (False, 403)]
            assert engine.trunk_registrations.state("carrier") is False

            # Rule 3: tried again after the retry delay.
            again = await carrier.expect_request("REGISTER", timeout=4)
            carrier.send(reply(again, 200, f"Contact: {contact};expires=60\r\n"))
            assert (await registration_states(sink, 3))[-1] == (True, 200)

            # Rule 4: the trunk is deleted: Expires 0.
            directory.replace(trunks={})
            removal = await carrier.expect_request("REGISTER")
            assert removal.expires == 0
            carrier.send(reply(removal, 200))
            assert engine.trunk_registrations.state("carrier") is None
        finally:
            await engine.stop()
            carrier.close()

    asyncio.run(main())
