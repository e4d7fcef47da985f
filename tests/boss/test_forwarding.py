"""Forwarding a fault ticket to BOSS (REQUIREMENTS B5) and its delivery (D1): through a
stand-in BOSS on 127.0.0.1, down at first when the test says so, with the worker's clock
in the test's hands."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from callcenter.boss.models import BossEndpoint, BossExchange, BossLink, BossOutbox
from callcenter.boss.panel import ticket_panel
from callcenter.boss.signing import sign
from callcenter.boss.worker import BossWorker
from callcenter.tickets.choices import Kind, State
from tests.api.conftest import Api
from tests.boss.conftest import SECRET, StandInBoss


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def forward(api: Api, token: str, ticket: Any) -> Any:
    return api("POST", f"/api/tickets/{ticket.pk}/boss/forward", token, {"version": ticket.version})


def statuses(link: BossLink) -> list[str]:
    return list(link.exchanges.values_list("status", flat=True))


def test_a_forward_is_delivered_and_boss_reference_recorded(
    api: Api, lina_token: str, make_ticket: Any, endpoint: BossEndpoint, boss: StandInBoss
) -> None:
    boss.start()
    ticket = make_ticket(Kind.FAULT, State.NEW)
    answer = forward(api, lina_token, ticket)
    assert answer.status == 202, answer
    assert answer.data == {
        "ticket": ticket.number,
        "reference": "",
        "state": "",
        "delivered": False,
        "exchanges": [],
    }
    assert BossOutbox.objects.filter(delivered_at__isnull=True).count() == 1

    assert BossWorker().step() == 1
    assert boss.signatures_ok == [True]
    sent = boss.received[0]
    assert (sent["ticket"], sent["vehicle_plate"], sent["kind"]) == (
        ticket.number,
        "粤B12345",
        "fault",
    )
    link = BossLink.objects.get(ticket=ticket)
    assert (link.reference, link.state, link.delivered_at is not None) == (
        "BOSS-0001",
        "受理",
        True,
    )
    assert statuses(link) == ["acknowledged"]
    assert BossWorker().step() == 0
    assert len(boss.received) == 1

    shown = api("GET", f"/api/tickets/{ticket.pk}/boss", lina_token).data
    assert (shown["reference"], shown["delivered"]) == ("BOSS-0001", True)
    assert shown["exchanges"][0]["direction"] == "out"


def test_boss_down_is_retried_with_back_off_until_it_comes_up(
    api: Api, lina_token: str, make_ticket: Any, endpoint: BossEndpoint, boss: StandInBoss
) -> None:
    ticket = make_ticket(Kind.FAULT, State.NEW)
    forward(api, lina_token, ticket)
    clock = Clock()
    worker = BossWorker(base=10, ceiling=600, clock=clock)
    row = BossOutbox.objects.get()

    assert worker.step() == 0  # BOSS is down
    row.refresh_from_db()
    assert row.attempts == 1
    assert row.next_attempt_at == clock.now + timedelta(seconds=10)
    assert row.last_error

    clock.advance(5)
    worker.step()  # not due yet: no attempt
    row.refresh_from_db()
    assert row.attempts == 1

    clock.advance(5)
    worker.step()  # the second attempt, still down: the wait doubles
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at == clock.now + timedelta(seconds=20)

    boss.start()
    clock.advance(19)
    assert worker.step() == 0
    assert boss.received == []
    clock.advance(1)
    assert worker.step() == 1
    row.refresh_from_db()
    assert row.attempts == 3
    assert row.delivered_at is not None
    assert statuses(row.link) == ["failed", "failed", "acknowledged"]
    assert len(boss.received) == 1
    assert worker.backoff(20) == timedelta(seconds=600)  # never more than the ceiling


def test_a_new_worker_over_the_same_database_still_delivers(
    api: Api, lina_token: str, make_ticket: Any, endpoint: BossEndpoint, boss: StandInBoss
) -> None:
    first, second = make_ticket(Kind.FAULT, State.NEW), make_ticket(Kind.FAULT, State.SENT)
    forward(api, lina_token, first)
    forward(api, lina_token, second)
    clock = Clock()
    before_restart = BossWorker(base=30, clock=clock)
    assert before_restart.step() == 0  # BOSS down; then this worker's process ends
    # The second one was taken by a worker that died while sending: only its lease is left.
    BossOutbox.objects.filter(link__ticket=second).update(next_attempt_at=clock.now)
    before_restart._take(endpoint)

    boss.start()
    clock.advance(30)
    after_restart = BossWorker(base=30, clock=clock)
    assert after_restart.step() == 1  # the first; the second is still leased
    clock.advance(endpoint.timeout_seconds + 30)
    assert after_restart.step() == 1
    assert sorted(sent["ticket"] for sent in boss.received) == sorted([first.number, second.number])
    assert not BossOutbox.objects.filter(delivered_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_serve_task_delivers_in_the_background(
    lina: Any, make_ticket: Any, endpoint: BossEndpoint, boss: StandInBoss
) -> None:
    from callcenter.boss import actions

    boss.start()
    ticket = make_ticket(Kind.FAULT, State.NEW)
    actions.forward(lina, ticket, version=ticket.version)

    async def run() -> None:
        task = asyncio.create_task(BossWorker(poll=0.05).run_forever())
        try:
            for _ in range(200):
                if boss.received:
                    break
                await asyncio.sleep(0.02)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run())
    assert [sent["ticket"] for sent in boss.received] == [ticket.number]
    assert BossLink.objects.get(ticket=ticket).reference == "BOSS-0001"


def test_forwarding_is_refused_where_the_rules_say(
    api: Api,
    lina_token: str,
    sunli_token: str,
    wugang_token: str,
    make_ticket: Any,
    boss: StandInBoss,
) -> None:
    fault = make_ticket(Kind.FAULT, State.SENT)

    def refusal(token: str, ticket: Any, version: int | None = None) -> tuple[int, str]:
        answer = api(
            "POST",
            f"/api/tickets/{ticket.pk}/boss/forward",
            token,
            {"version": version or ticket.version},
        )
        return answer.status, answer.data["code"]

    assert refusal(lina_token, fault) == (409, "boss_not_configured")
    BossEndpoint.objects.create(url=boss.url, secret=SECRET)
    assert refusal(lina_token, make_ticket(Kind.COMPLAINT, State.NEW)) == (409, "not_for_kind")
    assert refusal(lina_token, make_ticket(Kind.FAULT, State.CLOSED)) == (409, "wrong_state")
    assert refusal(lina_token, fault, version=fault.version + 1) == (409, "stale")
    assert refusal(sunli_token, fault) == (403, "not_permitted")
    assert refusal(wugang_token, fault) == (404, "not_found")
    assert (
        api(
            "POST", f"/api/tickets/{fault.pk}/boss/forward", lina_token, {"version": fault.version}
        ).status
        == 202
    )
    assert refusal(lina_token, fault) == (409, "already_forwarded")
    assert BossOutbox.objects.count() == 1


def _signed(body: dict[str, Any], secret: str = SECRET) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, sign(secret, raw)


def test_boss_reports_progress_with_a_signed_update(
    api: Api, lina_token: str, make_ticket: Any, endpoint: BossEndpoint, boss: StandInBoss
) -> None:
    boss.start()
    ticket = make_ticket(Kind.FAULT, State.NEW)
    forward(api, lina_token, ticket)
    BossWorker().step()
    client = Client()

    def post(body: bytes, signature: str | None) -> Any:
        headers = {"X-Boss-Signature": signature} if signature else {}
        return client.post(
            "/api/boss/updates", body, content_type="application/json", headers=headers
        )

    update = {"reference": "BOSS-0001", "state": "维修中", "note": "已派工程师"}
    raw, _signature = _signed(update)
    for signature in (None, "sha256=00", _signed(update, "wrong-secret")[1]):
        refused = post(raw, signature)
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_signature")
    link = BossLink.objects.get(ticket=ticket)
    assert link.state == "受理"
    assert statuses(link) == ["acknowledged"]

    raw, signature = _signed(update)
    accepted = post(raw, signature)
    assert accepted.status_code == 200, accepted.json()
    link.refresh_from_db()
    assert link.state == "维修中"
    assert statuses(link) == ["acknowledged", "received"]
    assert BossExchange.objects.last().payload["note"] == "已派工程师"  # type: ignore[union-attr]

    raw, signature = _signed({"reference": "BOSS-9999", "state": "完成"})
    assert post(raw, signature).status_code == 404


def test_the_ticket_page_can_show_and_post_the_forward(
    lina_client: Client, lina: Any, make_ticket: Any, endpoint: BossEndpoint, boss: StandInBoss
) -> None:
    ticket = make_ticket(Kind.FAULT, State.NEW)
    panel = ticket_panel(ticket, lina, "/tickets/1/")
    assert panel["boss_can_forward"]
    assert panel["boss_link"] is None
    html = render_to_string("boss/ticket_panel.html", panel)
    assert 'name="version"' in html
    assert panel["boss_forward_url"] in html

    response = lina_client.post(
        panel["boss_forward_url"], {"version": ticket.version, "next": "/tickets/1/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/tickets/1/")
    boss.start()
    BossWorker().step()
    panel = ticket_panel(ticket, lina)
    assert not panel["boss_can_forward"]
    html = render_to_string("boss/ticket_panel.html", panel)
    assert "BOSS-0001" in html
    assert "受理" in html

    again = lina_client.post(
        panel["boss_forward_url"], {"version": ticket.version, "next": "https://evil.example/"}
    )
    assert again["Location"] == "/"
    assert BossOutbox.objects.count() == 1
