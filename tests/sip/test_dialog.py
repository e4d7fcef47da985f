"""Dialogs (RFC 3261 §12): creation, in-dialog requests, CSeq rules, target refresh, glare.

The personas: Agent 1001's desk phone calls extension 8001 on the switch (the corpus
INVITE and 200 OK). The phone holds the UAC dialog, the switch the UAS dialog; requests
one builds are parsed from bytes and fed to the other, as on the wire.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.sip.dialog import Dialog, DialogId, DialogSet, DialogState
from callcenter.sip.errors import SipParseError, SipUsageError
from callcenter.sip.headers import NameAddr, Via
from callcenter.sip.message import Request, Response, make_response, parse
from callcenter.sip.uri import SipUri

from .conftest import CORPUS

CALL_ID = "0_2829104530@192.168.1.23"
PHONE_TAG = "1740393245"
SWITCH_TAG = "as5e1f2d3c"
SWITCH_VIA = Via("UDP", "192.168.1.10", 5060)


def _request(data: bytes) -> Request:
    msg = parse(data)
    assert isinstance(msg, Request)
    return msg


def _response(data: bytes) -> Response:
    msg = parse(data)
    assert isinstance(msg, Response)
    return msg


def _wire(msg: Request) -> Request:
    """What the peer receives: the bytes parsed back."""
    return _request(bytes(msg))


def _rand(seed: int = 7) -> random.Random:
    return random.Random(seed)


@pytest.fixture
def invite(corpus: dict[str, bytes]) -> Request:
    return _request(corpus["invite_deskphone"])


@pytest.fixture
def ok(corpus: dict[str, bytes]) -> Response:
    return _response(corpus["ok_invite"])


@pytest.fixture
def ringing(corpus: dict[str, bytes]) -> Response:
    return _response(corpus["ringing"])


@pytest.fixture
def switch(invite: Request, ok: Response) -> Dialog:
    """The switch's (UAS) dialog with the phone."""
    return Dialog.uas(invite, ok, via=SWITCH_VIA, rand=_rand(1).getrandbits)


@pytest.fixture
def phone(invite: Request, ok: Response) -> Dialog:
    """The desk phone's (UAC) dialog with the switch."""
    return Dialog.uac(invite, ok, rand=_rand(2).getrandbits)


def _with_record_route(msg: Request | Response, *values: str) -> None:
    for value in values:
        msg.headers.insert(1, "Record-Route", value)


# --- creation (§12.1.1, §12.1.2) ----------------------------------------------------
def test_uas_dialog_from_the_corpus_invite(switch: Dialog) -> None:
    assert switch.id == DialogId(CALL_ID, SWITCH_TAG, PHONE_TAG)
    assert switch.state is DialogState.CONFIRMED
    assert not switch.is_uac
    assert str(switch.remote_target) == "sip:1001@192.168.1.23:5062"
    assert str(switch.remote_uri) == "sip:1001@192.168.1.10:5060"
    assert str(switch.local_uri) == "sip:8001@192.168.1.10:5060"
    assert switch.local.tag == SWITCH_TAG
    assert switch.remote.tag == PHONE_TAG
    assert switch.route_set == ()
    assert (switch.local_seq, switch.remote_seq) == (None, 2)
    assert not switch.secure
    assert switch.local_contact is not None
    assert str(switch.local_contact.uri) == "sip:8001@192.168.1.10:5060"
    assert not switch.reinvite_in
    assert not switch.reinvite_out


def test_uac_dialog_from_the_corpus_invite(phone: Dialog) -> None:
    assert phone.id == DialogId(CALL_ID, PHONE_TAG, SWITCH_TAG)
    assert phone.state is DialogState.CONFIRMED
    assert phone.is_uac
    assert str(phone.remote_target) == "sip:8001@192.168.1.10:5060"
    assert (phone.local_seq, phone.remote_seq) == (2, None)
    assert phone.via is not None
    assert str(phone.via) == "SIP/2.0/UDP 192.168.1.23:5062;rport"  # branch dropped
    assert phone.local_contact is not None
    assert str(phone.local_contact.uri) == "sip:1001@192.168.1.23:5062"


def test_uas_early_dialog_confirmed_by_our_2xx(
    invite: Request, ringing: Response, ok: Response
) -> None:
    dialog = Dialog.uas(invite, ringing, via=SWITCH_VIA)
    assert dialog.state is DialogState.EARLY
    assert dialog.reinvite_in  # the initial INVITE awaits our final response
    with pytest.raises(SipUsageError, match="early"):
        dialog.create_request("BYE")  # §15: not by the callee on an early dialog
    dialog.response_sent(ok)
    assert dialog.state is DialogState.CONFIRMED
    assert not dialog.reinvite_in


def test_uas_early_dialog_ended_by_our_error(invite: Request, ringing: Response) -> None:
    dialog = Dialog.uas(invite, ringing, via=SWITCH_VIA)
    dialog.response_sent(make_response(invite, 486, to_tag=SWITCH_TAG))
    assert dialog.is_terminated


def test_creation_rejects_what_does_not_create_a_dialog(
    invite: Request, ok: Response, corpus: dict[str, bytes]
) -> None:
    trying = make_response(invite, 100)
    with pytest.raises(SipUsageError):
        Dialog.uas(invite, trying)
    untagged = make_response(invite, 180)
    with pytest.raises(SipParseError, match="To tag"):
        Dialog.uac(invite, untagged)
    no_contact = make_response(invite, 200, to_tag="x")
    with pytest.raises(SipParseError, match="Contact"):
        Dialog.uac(invite, no_contact)
    with pytest.raises(SipUsageError):
        Dialog.uac(_request(corpus["options"]), ok)


def test_secure_flag_needs_sips_and_tls(invite: Request, ok: Response) -> None:
    assert not Dialog.uas(invite, ok, over_tls=True).secure  # sip: Request-URI
    invite.uri = SipUri.parse("sips:8001@192.168.1.10")
    assert not Dialog.uas(invite, ok).secure  # top Via is UDP
    assert Dialog.uas(invite, ok, over_tls=True).secure
    assert Dialog.uac(invite, ok, over_tls=True).secure


# --- route sets (§12.1.1, §12.1.2, §12.2.1.1) ----------------------------------------
def test_uas_route_set_keeps_record_route_order(invite: Request, ok: Response) -> None:
    _with_record_route(invite, "<sip:edge.example.com;lr>", "<sip:core.example.com;lr>")
    dialog = Dialog.uas(invite, ok, via=SWITCH_VIA)
    assert [str(r.uri) for r in dialog.route_set] == [
        "sip:core.example.com;lr",
        "sip:edge.example.com;lr",
    ]
    bye = _wire(dialog.create_request("BYE"))
    assert str(bye.uri) == "sip:1001@192.168.1.23:5062"  # loose routing: the remote target
    assert [str(r.uri) for r in bye.routes] == [
        "sip:core.example.com;lr",
        "sip:edge.example.com;lr",
    ]


def test_uac_route_set_is_record_route_reversed(invite: Request, ok: Response) -> None:
    ok.headers.add("Record-Route", "<sip:core.example.com;lr>, <sip:edge.example.com;lr>")
    dialog = Dialog.uac(invite, ok)
    assert [str(r.uri) for r in dialog.route_set] == [
        "sip:edge.example.com;lr",
        "sip:core.example.com;lr",
    ]
    bye = _wire(dialog.create_request("BYE"))
    assert str(bye.uri) == "sip:8001@192.168.1.10:5060"
    assert [str(r.uri) for r in bye.routes] == [
        "sip:edge.example.com;lr",
        "sip:core.example.com;lr",
    ]


def test_strict_router_takes_the_request_uri(invite: Request, ok: Response) -> None:
    ok.headers.add("Record-Route", "<sip:loose.example.com;lr>")
    ok.headers.add("Record-Route", "<sip:strict.example.com;method=INVITE;transport=udp>")
    dialog = Dialog.uac(invite, ok)
    info = _wire(dialog.create_request("INFO"))
    assert str(info.uri) == "sip:strict.example.com;transport=udp"  # 'method' stripped
    assert [str(r.uri) for r in info.routes] == [
        "sip:loose.example.com;lr",
        "sip:8001@192.168.1.10:5060",  # the remote target goes last
    ]


def test_route_set_recomputed_when_the_2xx_confirms(
    invite: Request, ringing: Response, ok: Response
) -> None:
    ringing.headers.add("Record-Route", "<sip:early.example.com;lr>")
    dialog = Dialog.uac(invite, ringing)
    assert dialog.is_early
    assert dialog.reinvite_out
    ok.headers.add("Record-Route", "<sip:b.example.com;lr>, <sip:a.example.com;lr>")
    ok.headers.set("Contact", "<sip:8001@10.9.9.9:5070>")
    dialog.update_from_response(ok)
    assert dialog.is_confirmed
    assert not dialog.reinvite_out
    assert [str(r.uri) for r in dialog.route_set] == [
        "sip:a.example.com;lr",
        "sip:b.example.com;lr",
    ]
    assert str(dialog.remote_target) == "sip:8001@10.9.9.9:5070"


def test_provisional_without_contact_targets_the_request_uri(
    invite: Request, ringing: Response
) -> None:
    ringing.headers.remove("Contact")
    dialog = Dialog.uac(invite, ringing)
    assert dialog.remote_target == invite.uri


# --- building requests (§12.2.1.1, §13.2.2.4) ----------------------------------------
def test_bye_built_by_the_switch(switch: Dialog) -> None:
    bye = _wire(switch.create_request("BYE", extra_headers=[("Reason", "Q.850;cause=16")]))
    assert bye.method == "BYE"
    assert str(bye.uri) == "sip:1001@192.168.1.23:5062"
    assert (bye.from_.tag, bye.to.tag) == (SWITCH_TAG, PHONE_TAG)
    assert str(bye.from_.uri) == "sip:8001@192.168.1.10:5060"
    assert str(bye.to.uri) == "sip:1001@192.168.1.10:5060"
    assert bye.call_id == CALL_ID
    assert bye.max_forwards == 70
    assert bye.via.sent_by == "192.168.1.10:5060"
    assert bye.via.branch is not None
    assert bye.via.branch.startswith("z9hG4bK")
    assert bye.headers.get("Reason") == "Q.850;cause=16"
    assert "Contact" not in bye.headers  # not a target refresh
    # The UAS had no local sequence number: a random start (§8.1.1.5), then +1 each.
    assert switch.local_seq == bye.cseq.seq
    assert 1 <= bye.cseq.seq <= 2**16
    assert bye.cseq.method == "BYE"
    assert switch.is_terminated  # §15.1.1
    bye.check()


def test_local_cseq_increments_and_branches_come_from_the_random_source(
    invite: Request, ok: Response
) -> None:
    a = Dialog.uac(invite, ok, rand=_rand(5).getrandbits)
    b = Dialog.uac(invite, ok, rand=_rand(5).getrandbits)
    first, second = a.create_request("INFO"), a.create_request("OPTIONS")
    assert (first.cseq.seq, second.cseq.seq) == (3, 4)
    assert first.via.branch != second.via.branch
    assert b.create_request("INFO").via.branch == first.via.branch  # same seed, same branch
    given_branch = a.create_request("INFO", branch="z9hG4bKmine").via.branch
    assert given_branch == "z9hG4bKmine"


def test_ack_for_the_2xx_uses_the_invite_cseq(phone: Dialog) -> None:
    ack = _wire(phone.create_ack(2, extra_headers=[("Authorization", 'Digest username="1001"')]))
    assert ack.method == "ACK"
    assert (ack.cseq.seq, ack.cseq.method) == (2, "ACK")
    assert str(ack.uri) == "sip:8001@192.168.1.10:5060"
    assert (ack.from_.tag, ack.to.tag) == (PHONE_TAG, SWITCH_TAG)
    assert ack.via.branch != "z9hG4bK1457468089"  # a new transaction
    assert ack.headers.get("Authorization") == 'Digest username="1001"'
    assert phone.local_seq == 2  # ACK does not move the local sequence number
    ack.check()


def test_ack_not_for_early_dialogs(invite: Request, ringing: Response) -> None:
    with pytest.raises(SipUsageError):
        Dialog.uac(invite, ringing).create_ack(2)


def test_requests_with_a_body_and_target_refresh_contact(phone: Dialog) -> None:
    sdp = b"v=0\r\n"
    reinvite = _wire(phone.create_request("INVITE", body=sdp, content_type="application/sdp"))
    assert reinvite.body == sdp
    assert reinvite.content_type is not None
    assert reinvite.content_type.mime == "application/sdp"
    (contact,) = reinvite.contacts
    assert str(contact.uri) == "sip:1001@192.168.1.23:5062"


def test_misuse_is_a_usage_error(phone: Dialog, switch: Dialog) -> None:
    for method in ("ACK", "CANCEL"):
        with pytest.raises(SipUsageError):
            phone.create_request(method)
    switch.via = None
    with pytest.raises(SipUsageError, match="Via"):
        switch.create_request("INFO")
    assert switch.create_request("INFO", via=SWITCH_VIA).via.host == "192.168.1.10"
    phone.create_request("BYE")
    with pytest.raises(SipUsageError, match="terminated"):
        phone.create_request("INFO")
    phone.create_request("BYE")  # a BYE may be resent, e.g. with credentials after a 401


# --- receiving requests: CSeq, target refresh, BYE (§12.2.2) --------------------------
def test_requests_pass_between_the_two_sides(phone: Dialog, switch: Dialog) -> None:
    info = _wire(phone.create_request("INFO"))
    assert switch.receive_request(info) is None
    assert switch.remote_seq == 3
    options = _wire(switch.create_request("OPTIONS"))
    assert phone.remote_seq is None
    assert phone.receive_request(options) is None
    assert phone.remote_seq == options.cseq.seq


def test_lower_cseq_is_rejected_with_500(phone: Dialog, switch: Dialog) -> None:
    first, second = phone.create_request("INFO"), phone.create_request("INFO")
    assert switch.receive_request(_wire(second)) is None
    assert switch.receive_request(_wire(first)) == 500  # out of order
    assert switch.remote_seq == second.cseq.seq


def test_target_refresh_replaces_the_remote_target(phone: Dialog, switch: Dialog) -> None:
    phone.local_contact = NameAddr(SipUri.parse("sip:1001@192.168.1.99:5062"))
    info = phone.create_request("INFO")
    info.headers.add("Contact", "<sip:1001@10.0.0.1>")  # INFO is no target refresh
    switch.receive_request(_wire(info))
    assert str(switch.remote_target) == "sip:1001@192.168.1.23:5062"
    assert switch.receive_request(_wire(phone.create_request("INVITE"))) is None
    assert str(switch.remote_target) == "sip:1001@192.168.1.99:5062"
    update = phone.create_request("UPDATE")
    update.headers.set("Contact", "<sip:1001@192.168.1.98:5062>")
    assert switch.receive_request(_wire(update)) is None
    assert str(switch.remote_target) == "sip:1001@192.168.1.98:5062"


def test_2xx_to_our_target_refresh_updates_the_target(phone: Dialog, switch: Dialog) -> None:
    reinvite = _wire(phone.create_request("INVITE"))
    switch.receive_request(reinvite)
    answer = make_response(reinvite, 200, headers=[("Contact", "<sip:8001@192.168.1.11:5060>")])
    switch.response_sent(answer)
    phone.update_from_response(_response(bytes(answer)))
    assert str(phone.remote_target) == "sip:8001@192.168.1.11:5060"
    assert not phone.reinvite_out
    assert not switch.reinvite_in


def test_bye_terminates_then_481(phone: Dialog, switch: Dialog) -> None:
    assert switch.receive_request(_wire(phone.create_request("BYE"))) is None
    assert switch.is_terminated
    again = _wire(phone.create_request("BYE"))
    assert switch.receive_request(again) == 481
    assert switch.receive_request(_wire(phone.create_ack(2))) is None  # ACK: never answered


def test_request_for_another_dialog_is_481(switch: Dialog, invite: Request, ok: Response) -> None:
    ok.headers.set("To", "<sip:8001@192.168.1.10:5060>;tag=other")
    stranger = Dialog.uac(invite, ok)
    assert switch.receive_request(_wire(stranger.create_request("INFO"))) == 481


@pytest.mark.parametrize("status", [408, 481])
def test_408_and_481_terminate_the_dialog(phone: Dialog, switch: Dialog, status: int) -> None:
    info = _wire(phone.create_request("INFO"))
    phone.update_from_response(_response(bytes(make_response(info, status))))
    assert phone.is_terminated


def test_other_errors_keep_the_dialog(phone: Dialog) -> None:
    reinvite = _wire(phone.create_request("INVITE"))
    phone.update_from_response(_response(bytes(make_response(reinvite, 488))))
    assert phone.is_confirmed
    assert phone.can_reinvite


def test_response_of_another_dialog_is_a_usage_error(phone: Dialog, switch: Dialog) -> None:
    info = _wire(phone.create_request("INFO"))
    with pytest.raises(SipUsageError):
        switch.update_from_response(_response(bytes(make_response(info, 200))))


# --- glare (§14.1, §14.2) ------------------------------------------------------------
def test_reinvite_glare_is_491(phone: Dialog, switch: Dialog) -> None:
    from_phone = _wire(phone.create_request("INVITE"))
    from_switch = _wire(switch.create_request("INVITE"))
    assert phone.reinvite_out
    assert switch.reinvite_out
    assert switch.receive_request(from_phone) == 491
    assert switch.remote_seq == from_phone.cseq.seq  # in order, though refused
    assert phone.receive_request(from_switch) == 491
    # The switch's 491 ends the phone's attempt; the switch's own re-INVITE goes on.
    phone.update_from_response(_response(bytes(make_response(from_phone, 491))))
    assert not phone.reinvite_out
    assert phone.is_confirmed


def test_second_reinvite_before_the_answer_is_500(phone: Dialog, switch: Dialog) -> None:
    first = _wire(phone.create_request("INVITE"))
    assert switch.receive_request(first) is None
    assert switch.reinvite_in
    assert not switch.can_reinvite
    with pytest.raises(SipUsageError, match="progress"):
        switch.create_request("INVITE")  # §14.1
    phone.reinvite_out = False  # a misbehaving phone sends another
    assert switch.receive_request(_wire(phone.create_request("INVITE"))) == 500
    switch.response_sent(make_response(first, 200))
    assert switch.can_reinvite


# --- the registry: 481 and forking (§12.2.2, §12.1.2, §13.2.2.4) --------------------------
def test_dialog_set_match_and_481(switch: Dialog, phone: Dialog, invite: Request) -> None:
    dialogs = DialogSet()
    dialogs.add(switch)
    with pytest.raises(SipUsageError):
        dialogs.add(switch)
    info = _wire(phone.create_request("INFO"))
    assert dialogs.match(info) is switch
    assert dialogs.receive_request(info) == (switch, None)
    info.headers.set("To", "<sip:8001@192.168.1.10:5060>;tag=gone")
    assert dialogs.match(info) is None
    assert dialogs.receive_request(info) == (None, 481)
    ack = _wire(phone.create_ack(2))
    ack.headers.set("To", "<sip:8001@192.168.1.10:5060>;tag=gone")
    assert dialogs.receive_request(ack) == (None, None)  # never answer an ACK
    assert dialogs.receive_request(invite) == (None, None)  # no To tag: a new call
    assert DialogId(CALL_ID, SWITCH_TAG, PHONE_TAG) in dialogs
    switch.terminate()
    assert dialogs.purge() == [switch]
    assert len(dialogs) == 0


def _answer(invite: Request, status: int, tag: str, contact: str) -> Response:
    return _response(
        bytes(make_response(invite, status, to_tag=tag, headers=[("Contact", contact)]))
    )


def test_forked_invite_has_one_early_dialog_per_remote_tag(invite: Request) -> None:
    dialogs = DialogSet(rand=_rand(3).getrandbits)
    assert dialogs.uac_response(invite, make_response(invite, 100)) is None
    a = dialogs.uac_response(invite, _answer(invite, 180, "agentA", "<sip:a@10.0.0.1>"))
    b = dialogs.uac_response(invite, _answer(invite, 183, "agentB", "<sip:b@10.0.0.2>"))
    assert a is not None
    assert b is not None
    assert a is not b
    assert (a.id.remote_tag, b.id.remote_tag) == ("agentA", "agentB")
    assert a.is_early
    assert b.is_early
    assert dialogs.of_invite(CALL_ID, PHONE_TAG) == [a, b]
    again = dialogs.uac_response(invite, _answer(invite, 180, "agentA", "<sip:a@10.0.0.9>"))
    assert again is a
    assert str(a.remote_target) == "sip:a@10.0.0.9"
    won = dialogs.uac_response(invite, _answer(invite, 200, "agentA", "<sip:a@10.0.0.1>"))
    assert won is a
    assert a.is_confirmed
    assert b.is_early  # until the INVITE transaction ends (§13.2.2.4)
    bye = _wire(a.create_request("BYE", via=Via("UDP", "192.168.1.23", 5062)))
    assert str(bye.uri) == "sip:a@10.0.0.1"
    assert bye.to.tag == "agentA"


def test_final_error_ends_every_early_dialog_of_the_invite(invite: Request) -> None:
    dialogs = DialogSet()
    dialogs.uac_response(invite, _answer(invite, 180, "agentA", "<sip:a@10.0.0.1>"))
    dialogs.uac_response(invite, _answer(invite, 180, "agentB", "<sip:b@10.0.0.2>"))
    assert len(dialogs) == 2
    assert dialogs.uac_response(invite, _answer(invite, 486, "agentB", "<sip:b@10.0.0.2>")) is None
    assert len(dialogs) == 0


def test_uac_early_dialog_ended_by_an_error(invite: Request, ringing: Response) -> None:
    dialog = Dialog.uac(invite, ringing)
    dialog.update_from_response(_answer(invite, 603, SWITCH_TAG, "<sip:x@10.0.0.1>"))
    assert dialog.is_terminated


# --- property: CSeq ordering (§12.2.2) ------------------------------------------------
@given(st.lists(st.integers(1, 2**31 - 1), min_size=1, max_size=30))
def test_cseq_order_property(seqs: list[int]) -> None:
    # Requests arrive with any CSeq: lower than the highest accepted one is a 500, the
    # rest is accepted and becomes the remote sequence number.
    invite = _request((CORPUS / "invite_deskphone.sip").read_bytes())
    ok = _response((CORPUS / "ok_invite.sip").read_bytes())
    switch = Dialog.uas(invite, ok, via=SWITCH_VIA)
    phone = Dialog.uac(invite, ok, rand=_rand().getrandbits)
    highest = 2
    for seq in seqs:
        phone.local_seq = seq - 1
        status = switch.receive_request(_wire(phone.create_request("INFO")))
        if seq < highest:
            assert status == 500
        else:
            assert status is None
            highest = seq
        assert switch.remote_seq == highest
