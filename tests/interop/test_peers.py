"""The real-peer harness proves itself: baresip, sipp and Kamailio talking to each other.

Personas: Lina's desk phone (extension 70001) and a second agent phone (70002), both
registered at Kamailio, which stands in for a registrar of our own.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.interop.peers import (
    BaresipPhone,
    KamailioRegistrar,
    SipAccount,
    run_sipp,
)
from tests.interop.peers.baresip import AnswerMode
from tests.interop.peers.processes import wait_until

pytestmark = pytest.mark.interop

USERS = {"70001": "Lina-70001", "70002": "Agent-70002"}
LOAD_USERS = [(f"7{n:04d}", f"pw-{n:04d}") for n in range(100, 120)]


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[KamailioRegistrar]:
    with KamailioRegistrar(tmp_path / "kamailio", {**USERS, **dict(LOAD_USERS)}) as registrar:
        yield registrar


def account(user: str, registrar: KamailioRegistrar, answermode: AnswerMode = "auto") -> SipAccount:
    return SipAccount(user, USERS[user], registrar.address, answermode=answermode)


def test_phone_registers_with_digest_and_unregisters(
    kamailio: KamailioRegistrar, tmp_path: Path
) -> None:
    lina = account("70001", kamailio)
    with BaresipPhone(tmp_path / "lina", [lina]) as phone:
        [contact] = kamailio.registered_contacts("70001")
        assert contact.address.endswith(f"@{phone.contact_host}")
        assert contact.user_agent.startswith("baresip")
        assert 0 < contact.expires <= lina.regint

        phone.unregister()
        # The REGISTER with Expires 0 gets no event of its own: the registrar is the judge.
        assert _eventually(lambda: kamailio.registered_contacts("70001") == [])

        phone.register()
        assert len(kamailio.registered_contacts("70001")) == 1


def test_wrong_password_is_refused(kamailio: KamailioRegistrar, tmp_path: Path) -> None:
    wrong = SipAccount("70001", "not-the-password", kamailio.address)
    with BaresipPhone(tmp_path / "lina", [wrong], register=False) as phone:
        phone.command("uanew", wrong.line())
        failure = phone.wait_for("REGISTER_FAIL")
        assert failure.param.startswith("401")
        assert kamailio.registered_contacts("70001") == []


def test_sipp_registers_twenty_users(kamailio: KamailioRegistrar, tmp_path: Path) -> None:
    result = run_sipp(
        kamailio.address,
        "register_auth",
        tmp_path,
        calls=len(LOAD_USERS),
        rate=200,
        users=LOAD_USERS,
    )
    assert result.ok, result.report()
    assert result.successful == 20
    assert result.failed == 0
    assert result.responses == {401: 20, 200: 20}
    for user, _ in LOAD_USERS:
        [contact] = kamailio.registered_contacts(user)
        assert contact.user_agent == "sipp register_auth"


def test_sipp_wrong_password_fails(kamailio: KamailioRegistrar, tmp_path: Path) -> None:
    result = run_sipp(
        kamailio.address, "register_auth", tmp_path, users=[("70001", "wrong")], timeout=3
    )
    assert not result.ok
    assert result.failed == 1
    assert result.responses == {401: 1}
    assert result.unexpected == 1  # the second 401 where 200 was expected


def test_sipp_options(kamailio: KamailioRegistrar, tmp_path: Path) -> None:
    result = run_sipp(kamailio.address, "options", tmp_path, calls=50, rate=500)
    assert result.ok, result.report()
    assert result.successful == 50
    assert result.responses == {200: 50}


def test_sipp_against_a_silent_peer_ends_on_its_timeout(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        result = run_sipp(f"127.0.0.1:{port}", "options", tmp_path, timeout=1.5)
    assert not result.ok
    assert result.successful == 0
    assert result.unfinished == 1
    assert result.retransmissions >= 1  # Timer E: 500 ms, then 1 s
    assert result.elapsed < 5


def test_sipp_invite_expecting_a_code(kamailio: KamailioRegistrar, tmp_path: Path) -> None:
    found = run_sipp(
        kamailio.address,
        "uac_expect",
        tmp_path,
        service="79999",
        variables={"expected": "404"},
    )
    assert found.ok, found.report()
    assert found.responses == {404: 1}

    # The same answer fails the call when another code is expected.
    other = run_sipp(
        kamailio.address,
        "uac_expect",
        tmp_path,
        service="79999",
        variables={"expected": "480"},
        timeout=3,
    )
    assert not other.ok
    assert other.failures == {"FailedTimeoutOnRecv": 1}


def test_phone_calls_phone_through_kamailio(kamailio: KamailioRegistrar, tmp_path: Path) -> None:
    with (
        BaresipPhone(tmp_path / "lina", [account("70001", kamailio)]) as lina,
        BaresipPhone(
            tmp_path / "agent", [account("70002", kamailio, answermode="manual")]
        ) as agent,
    ):
        lina.dial(f"sip:70002@{kamailio.address}")
        incoming = agent.wait_for("CALL_INCOMING")
        assert incoming.peer_uri.startswith("sip:70001@")
        lina.wait_for("CALL_RINGING")

        agent.accept()
        lina.wait_for("CALL_ESTABLISHED")
        agent.wait_for("CALL_ESTABLISHED")

        lina.send_dtmf("4#")
        assert agent.wait_for("CALL_DTMF_START").param == "4"
        assert agent.wait_for("CALL_DTMF_START").param == "#"

        lina.hangup()
        agent.wait_for("CALL_CLOSED")
        lina.wait_for("CALL_CLOSED")


def test_one_account_registers_at_two_registrars(tmp_path: Path) -> None:
    with (
        KamailioRegistrar(tmp_path / "first", USERS) as first,
        KamailioRegistrar(tmp_path / "second", USERS) as second,
    ):
        dual = SipAccount(
            "70001",
            USERS["70001"],
            "127.0.0.1",
            outbound=(first.address, second.address),
        )
        with BaresipPhone(tmp_path / "lina", [dual]) as phone:
            [at_first] = first.registered_contacts("70001")
            [at_second] = second.registered_contacts("70001")
            assert at_first.address == at_second.address
            assert at_first.address.endswith(f"@{phone.contact_host}")
            # RFC 5626: one instance, one registration flow per registrar.
            assert at_first.instance == at_second.instance != ""
            assert {at_first.reg_id, at_second.reg_id} == {1, 2}

            phone.unregister()
            assert _eventually(
                lambda: (
                    first.registered_contacts("70001") == []
                    and second.registered_contacts("70001") == []
                )
            )


def test_two_accounts_register_at_two_registrars(tmp_path: Path) -> None:
    with (
        KamailioRegistrar(tmp_path / "first", USERS) as first,
        KamailioRegistrar(tmp_path / "second", USERS) as second,
    ):
        accounts = [account("70001", first), account("70001", second)]
        with BaresipPhone(tmp_path / "lina", accounts) as phone:
            [at_first] = first.registered_contacts("70001")
            [at_second] = second.registered_contacts("70001")
            for contact in (at_first, at_second):
                assert contact.address.endswith(f"@{phone.contact_host}")

            phone.unregister(accounts[1])
            assert _eventually(lambda: second.registered_contacts("70001") == [])
            assert len(first.registered_contacts("70001")) == 1


def _eventually(check: Callable[[], bool], timeout: float = 3.0) -> bool:
    return wait_until(check, timeout)
