"""The registrar's rules (RFC 3261 §10.3), driven with a fake clock and scripted phones."""

from __future__ import annotations

import pytest

from callcenter.engine.events import RegistrationChange
from callcenter.engine.ports import ExtensionEntry
from callcenter.engine.registrar import RegisterOutcome, Registrar
from callcenter.sip.auth import Challenge, FailureLimiter
from callcenter.sip.message import Request
from callcenter.sip.transaction import Peer
from tests.engine.phones import Phone

NOW = 1_800_000_000.0
EXTENSIONS = {
    number: ExtensionEntry(number=number, sip_password=number) for number in ("70001", "70002")
}


@pytest.fixture
def registrar() -> Registrar:
    return Registrar(
        realm="callcenter",
        nonce_secret=b"0123456789abcdef0123",
        extensions=lambda: EXTENSIONS,
        limiter=FailureLimiter(slow_after=2, block_after=4, window=60, block_for=600),
    )


PEER = Peer("udp", "192.0.2.10", 40000)


def send(registrar: Registrar, request: Request, now: float = NOW, peer: Peer = PEER):
    return registrar.register(request, peer, now, to_tag="tt")


def authenticated(
    registrar: Registrar, phone: Phone, now: float = NOW, peer: Peer = PEER, **kwargs
) -> RegisterOutcome:
    challenge = send(registrar, phone.register(**kwargs), now, peer).response
    assert challenge.status == 401
    return send(registrar, phone.register(challenge=challenge, **kwargs), now, peer)


def test_register_without_credentials_is_challenged_with_md5(registrar) -> None:
    outcome = send(registrar, Phone("70001", "70001").register())
    assert outcome.response.status == 401
    challenges = [Challenge.parse(v) for v in outcome.response.headers.values("www-authenticate")]
    assert [c.algorithm for c in challenges] == ["MD5"]
    assert all(c.realm == "callcenter" and c.qop == ("auth",) for c in challenges)
    assert outcome.changes == []
    assert outcome.response.to.tag == "tt"


def test_register_binds_the_contact_and_the_real_source(registrar) -> None:
    outcome = authenticated(registrar, Phone("70001", "70001"))
    assert outcome.response.status == 200
    [contact] = outcome.response.headers.values("contact")
    assert contact == "<sip:70001@10.0.0.5:5062>;expires=3600"
    [change] = outcome.changes
    assert change.change == RegistrationChange.ADDED
    binding = change.binding
    assert (binding.source_host, binding.source_port, binding.transport) == (
        "192.0.2.10",
        40000,
        "udp",
    )
    assert binding.user_agent == "TestPhone/1.0"
    assert registrar.is_registered("70001")
    assert not registrar.is_registered("70002")


def test_refresh_and_out_of_order_cseq(registrar) -> None:
    phone = Phone("70001", "70001")
    authenticated(registrar, phone)
    refresh = authenticated(registrar, phone, now=NOW + 100)
    assert [c.change for c in refresh.changes] == [RegistrationChange.REFRESHED]
    assert refresh.changes[0].binding.registered_at == NOW
    phone.cseq -= 5
    stale = authenticated(registrar, phone, now=NOW + 101)
    assert stale.response.status == 500
    assert stale.changes == []


def test_expires_rules(registrar) -> None:
    phone = Phone("70001", "70001")
    too_brief = authenticated(registrar, phone, expires=30)
    assert too_brief.response.status == 423
    assert too_brief.response.headers.get("min-expires") == "60"
    long = authenticated(registrar, phone, expires=7200)
    assert long.response.headers.values("contact") == ["<sip:70001@10.0.0.5:5062>;expires=3600"]
    param = authenticated(
        registrar, phone, expires=None, contact="<sip:70001@10.0.0.5:5062>;expires=120"
    )
    assert param.response.headers.values("contact") == ["<sip:70001@10.0.0.5:5062>;expires=120"]


def test_unregister_one_and_all(registrar) -> None:
    phone = Phone("70001", "70001")
    authenticated(registrar, phone)
    authenticated(registrar, phone, contact="<sip:70001@10.0.0.6:5062>")
    assert len(registrar.bindings("70001")) == 2
    one = authenticated(registrar, phone, expires=0)
    assert [c.change for c in one.changes] == [RegistrationChange.REMOVED]
    assert len(registrar.bindings("70001")) == 1
    bad_star = authenticated(registrar, phone, contact="*", expires=60)
    assert bad_star.response.status == 400
    star = authenticated(registrar, phone, contact="*", expires=0)
    assert star.response.status == 200
    assert [c.change for c in star.changes] == [RegistrationChange.REMOVED]
    assert not registrar.is_registered("70001")


def test_expiry_sweep(registrar) -> None:
    authenticated(registrar, Phone("70001", "70001"), expires=60)
    assert registrar.expire(NOW + 59) == []
    [expired] = registrar.expire(NOW + 60)
    assert expired.change == RegistrationChange.EXPIRED
    assert not registrar.is_registered("70001")


def test_credentials_must_be_those_of_the_extension(registrar) -> None:
    phone = Phone("70001", "70001")
    other = authenticated(registrar, phone, to_user="70002")
    assert other.response.status == 403
    unknown = authenticated(registrar, Phone("79999", "79999"))
    assert unknown.response.status == 401  # no such user: its answer cannot be right


def test_known_credentials_for_unknown_aor(registrar) -> None:
    outcome = authenticated(registrar, Phone("70001", "70001"), to_user="79999")
    assert outcome.response.status == 404


def test_stale_nonce_gets_stale_true(registrar) -> None:
    phone = Phone("70001", "70001")
    challenge = send(registrar, phone.register()).response
    later = NOW + 3600
    outcome = send(registrar, phone.register(challenge=challenge), now=later)
    assert outcome.response.status == 401
    assert any(
        "stale=true" in v.lower() for v in outcome.response.headers.values("www-authenticate")
    )
    assert outcome.delay == 0


def test_wrong_passwords_slow_then_block_one_source_only(registrar) -> None:
    attacker = Phone("70001", "70001")
    delays = []
    for _ in range(4):
        outcome = authenticated(registrar, attacker, password="guess")
        delays.append(outcome.delay)
    assert delays[0] == 0
    assert delays[1] > 0
    assert delays[2] >= delays[1]
    blocked = send(registrar, attacker.register())
    assert blocked.response.status == 403
    # Another phone, from another address, still registers.
    good = authenticated(registrar, Phone("70002", "70002"), peer=Peer("udp", "192.0.2.99", 5060))
    assert good.response.status == 200
    # The block lapses.
    assert authenticated(registrar, Phone("70001", "70001"), now=NOW + 601).response.status == 200


def test_unsupported_require_is_420(registrar) -> None:
    phone = Phone("70001", "70001", extra=["Require: 100rel, foo"])
    outcome = send(registrar, phone.register())
    assert outcome.response.status == 420
    assert outcome.response.headers.get("unsupported") == "100rel, foo"


def test_too_many_contacts_pushes_out_the_oldest() -> None:
    registrar = Registrar(
        realm="callcenter",
        nonce_secret=b"0123456789abcdef0123",
        extensions=lambda: EXTENSIONS,
        max_contacts=2,
    )
    phone = Phone("70001", "70001")
    for index, host in enumerate(("10.0.0.1", "10.0.0.2", "10.0.0.3")):
        outcome = authenticated(
            registrar, phone, now=NOW + index, contact=f"<sip:70001@{host}:5060>"
        )
    assert [c.change for c in outcome.changes] == [
        RegistrationChange.ADDED,
        RegistrationChange.REPLACED,
    ]
    assert outcome.changes[1].binding.contact == "sip:70001@10.0.0.1:5060"
    assert {b.contact for b in registrar.bindings("70001")} == {
        "sip:70001@10.0.0.2:5060",
        "sip:70001@10.0.0.3:5060",
    }


def test_deleted_extension_loses_its_bindings(registrar) -> None:
    authenticated(registrar, Phone("70001", "70001"))
    changes = registrar.forget_extensions({"70002": EXTENSIONS["70002"]})
    assert [c.change for c in changes] == [RegistrationChange.REMOVED]
    assert registrar.all_bindings() == []


def test_wrong_password_is_challenged_again_with_the_same_nonce(registrar) -> None:
    phone = Phone("70001", "70001")
    first = send(registrar, phone.register()).response
    wrong = send(registrar, phone.register(challenge=first, password="bad")).response
    assert wrong.status == 401
    nonce = Challenge.parse(first.headers.values("www-authenticate")[0]).nonce
    assert Challenge.parse(wrong.headers.values("www-authenticate")[0]).nonce == nonce
    # A forged nonce gets a fresh one.
    forged = send(registrar, phone.register(challenge=wrong, password="bad"), now=NOW + 400)
    assert Challenge.parse(forged.response.headers.values("www-authenticate")[0]).nonce != nonce


def test_sha256_can_be_offered_and_is_accepted() -> None:
    from callcenter.sip.auth import Algorithm

    registrar = Registrar(
        realm="callcenter",
        nonce_secret=b"0123456789abcdef0123",
        extensions=lambda: EXTENSIONS,
        algorithms=(Algorithm.SHA256, Algorithm.MD5),
    )
    challenge = send(registrar, Phone("70001", "70001").register()).response
    offered = [Challenge.parse(v).algorithm for v in challenge.headers.values("www-authenticate")]
    assert offered == ["SHA-256", "MD5"]
    assert authenticated(registrar, Phone("70001", "70001")).response.status == 200
