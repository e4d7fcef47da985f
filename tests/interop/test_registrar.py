"""Real phones and tools against a running `callcenter serve`: registration (A1, A2).

Personas: Lina's desk phone is baresip as extension 70001; sipp plays many phones at once
and, from 127.0.0.2, a password-guessing scanner; Kamailio is the second server of a
dual registration. Demo extensions have their number as SIP password.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.interop.peers import BaresipPhone, KamailioRegistrar, SipAccount, run_sipp
from tests.interop.peers.processes import wait_until
from tests.running import RunningCallcenter
from tests.sipclient import UdpPhone

pytestmark = pytest.mark.interop

DEMO_USERS = [(str(n), str(n)) for n in range(70001, 70009)]


def registrations_page(callcenter: RunningCallcenter) -> str:
    return callcenter.admin_session().get("/telephony/extensions/?fragment=1")


def row(page: str, number: str) -> str:
    start = page.index(f'data-extension="{number}"')
    return page[start : page.index("</tr>", start)]


def test_baresip_registers_reregisters_and_unregisters(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    lina = SipAccount("70001", "70001", callcenter.sip_address)
    with BaresipPhone(tmp_path / "lina", [lina]) as phone:
        # Earlier tests may have left other contacts of 70001: wait for this phone's own.
        assert wait_until(
            lambda: f"@{phone.contact_host}" in row(registrations_page(callcenter), "70001"), 5
        )
        shown = row(registrations_page(callcenter), "70001")
        assert "baresip" in shown
        assert "UDP" in shown

        phone.unregister()
        assert wait_until(lambda: "unregistered-70001" in registrations_page(callcenter), 5)

        phone.register()
        assert wait_until(lambda: "registration-70001" in registrations_page(callcenter), 5)
    # baresip unregisters when it quits.
    assert wait_until(lambda: "unregistered-70001" in registrations_page(callcenter), 5)


def test_baresip_registers_over_tcp(callcenter: RunningCallcenter, tmp_path: Path) -> None:
    account = SipAccount("70002", "70002", callcenter.sip_address, transport="tcp")
    with BaresipPhone(tmp_path / "tcp", [account]):
        assert wait_until(lambda: "TCP" in row(registrations_page(callcenter), "70002"), 5)


def test_wrong_password_is_refused(callcenter: RunningCallcenter, tmp_path: Path) -> None:
    # baresip retries a refused REGISTER up to 16 times; the switch answers each with the
    # same challenge, slowing the source as failures pile up (the scanner test below shows
    # the block). Here: the phone never gets registered.
    wrong = SipAccount("70003", "not-70003", callcenter.sip_address)
    with BaresipPhone(tmp_path / "wrong", [wrong], register=False) as phone:
        phone.command("uanew", wrong.line())
        time.sleep(2)
        assert [event.type for event in phone.events if event.type == "REGISTER_OK"] == []
        assert "unregistered-70003" in registrations_page(callcenter)


def test_sipp_registers_every_demo_extension(callcenter: RunningCallcenter, tmp_path: Path) -> None:
    result = run_sipp(
        callcenter.sip_address, "register_auth", tmp_path, calls=8, rate=100, users=DEMO_USERS
    )
    assert result.ok, result.report()
    assert (result.successful, result.failed, result.retransmissions) == (8, 0, 0)
    assert result.responses == {401: 8, 200: 8}
    # The web learns of registrations a moment later (the event writer batches them).
    assert wait_until(
        lambda: all(
            f"registration-{number}" in registrations_page(callcenter) for number, _ in DEMO_USERS
        ),
        5,
    )


def test_sipp_options_keepalives(callcenter: RunningCallcenter, tmp_path: Path) -> None:
    result = run_sipp(callcenter.sip_address, "options", tmp_path, calls=200, rate=400)
    assert result.ok, result.report()
    assert (result.successful, result.failed, result.retransmissions) == (200, 0, 0)
    assert result.responses == {200: 200}


@pytest.mark.parametrize(("number", "expected"), [("79999", "404"), ("70007", "480")])
def test_sipp_invite_to_unknown_or_unregistered(
    callcenter: RunningCallcenter, tmp_path: Path, number: str, expected: str
) -> None:
    with UdpPhone("70007", "70007", ("127.0.0.1", callcenter.sip_port)) as phone:
        assert phone.register(contact="*", expires=0).status == 200  # no phone at 70007
    result = run_sipp(
        callcenter.sip_address,
        "uac_auth_expect",
        tmp_path,
        calls=20,
        rate=100,
        service=number,
        variables={"expected": expected},
        users=[("70006", "70006")],
    )
    assert result.ok, result.report()
    assert (result.successful, result.failed) == (20, 0)
    assert result.retransmissions == 0  # each final answered once and ACKed: no storm
    assert result.responses == {407: 20, int(expected): 20}


def test_dual_registration_to_the_switch_and_kamailio(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    with KamailioRegistrar(tmp_path / "kamailio", {"70004": "70004"}) as kamailio:
        dual = SipAccount(
            "70004",
            "70004",
            callcenter.sip_address,
            outbound=(callcenter.sip_address, kamailio.address),
        )
        with BaresipPhone(tmp_path / "dual", [dual]) as phone:
            assert wait_until(lambda: len(kamailio.registered_contacts("70004")) == 1, 5)
            assert wait_until(
                lambda: f"@{phone.contact_host}" in row(registrations_page(callcenter), "70004"),
                5,
            )


def test_password_guessing_is_slowed_then_blocked_while_others_register(
    callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    guesses = [("70005", f"guess-{n}") for n in range(30)]
    scanner = run_sipp(
        callcenter.sip_address,
        "register_auth",
        tmp_path / "scanner",
        calls=len(guesses),
        rate=50,
        users=guesses,
        timeout=20,
        extra=["-i", "127.0.0.2"],
    )
    assert scanner.successful == 0
    # The scanner's address is now refused outright, without a challenge.
    blocked = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocked.bind(("127.0.0.2", 0))
    with blocked, UdpPhone("70005", "70005", ("127.0.0.1", callcenter.sip_port)) as phone:
        blocked.settimeout(5)
        blocked.sendto(bytes(phone.phone.register()), ("127.0.0.1", callcenter.sip_port))
        reply = blocked.recv(65535)
        assert reply.startswith(b"SIP/2.0 403")
        # Meanwhile a phone from another address registers as usual.
        assert phone.register().status == 200


def test_oversized_datagram_and_endless_headers_are_dropped(
    callcenter: RunningCallcenter,
) -> None:
    server = ("127.0.0.1", callcenter.sip_port)
    with UdpPhone("70006", "70006", server) as phone:
        phone.socket.sendto(b"OPTIONS sip:x SIP/2.0\r\nX: " + b"a" * 40_000 + b"\r\n\r\n", server)
        # Dropped unread; the switch still answers the next request.
        assert phone.register().status == 200

    stream = socket.create_connection(server, timeout=5)
    with stream:
        stream.sendall(b"REGISTER sip:127.0.0.1 SIP/2.0\r\n")
        started = time.monotonic()
        closed = False
        try:
            for _ in range(100):
                stream.sendall(b"X-Endless: " + b"b" * 200 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        if not closed:
            stream.settimeout(5)
            try:
                closed = stream.recv(1024) == b""
            except ConnectionResetError:
                closed = True
        assert closed, "the switch kept a connection whose headers never end"
        assert time.monotonic() - started < 5
