"""Who may hear which recording (B10) and the audit of every playback.

- 李娜 (agent 80001, at 70001) and 陈静 (agent 80005, at 70005) each took a call: ``mine``
  and ``hers``. 80001 cannot open 陈静's call or its recording by URL (404).
- 周晓东 (supervisor 90001) supervises the queue ``service`` only: he sees its call
  ``svc`` and his own call ``own`` (at 70009 while logged in there), not the call ``cmp``
  of ``complaints`` nor the agents' direct calls. The administrator sees every call.
- Playback: a GET from byte 0 is entered once as ``recording_played``; the player's later
  ranges are not; a download is entered as ``recording_downloaded`` only.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from django.test import Client

from callcenter.accounts.choices import Role
from callcenter.accounts.models import AuditEntry, LoginRecord, User
from callcenter.acd.models import Queue
from callcenter.crm.customers import create_customer
from callcenter.engine.events import Event
from callcenter.recordings.events import apply_call_events
from callcenter.recordings.models import CallRecord
from callcenter.telephony.models import Extension
from callcenter.tickets.actions import create_ticket
from tests.conftest import PASSWORD, log_in
from tests.recordings.calls import inbound_call
from tests.recordings.contact_center import answered_call
from tests.recordings.test_pages import WAV, body, rows

RECORDING = "2027/01/15/c1.wav"


@pytest.fixture
def recordings(settings, tmp_path: Path) -> Path:
    settings.RECORDINGS_DIR = tmp_path / "recordings"
    (settings.RECORDINGS_DIR / "2027" / "01" / "15").mkdir(parents=True)
    (settings.RECORDINGS_DIR / RECORDING).write_bytes(WAV)
    return Path(settings.RECORDINGS_DIR)


def in_queue(events: list[Event], queue: str, agent: str = "80001") -> list[Event]:
    """`events` with every queue named `queue` and every agent ID `agent`."""
    changed: list[Event] = []
    for event in events:
        fields = {f.name for f in dataclasses.fields(event)}  # type: ignore[arg-type]
        updates = {"queue": queue} if "queue" in fields else {}
        if "agent" in fields:
            updates["agent"] = agent
        changed.append(dataclasses.replace(event, **updates))  # type: ignore[type-var]
    return changed


@pytest.fixture
def chenjing_client(db: None) -> Client:
    Extension.objects.create(number="70005", sip_password="70005")
    User.objects.create_user("80005", PASSWORD, name="陈静", role=Role.AGENT)
    client = Client()
    assert log_in(client, "80005", "70005").status_code == 302
    return client


@pytest.fixture
def zhou_client(zhou: User) -> Client:
    Extension.objects.create(number="70009", sip_password="70009")
    Queue.objects.create(name="service", display_name="业务咨询").supervisors.add(zhou)
    Queue.objects.create(name="complaints", display_name="投诉建议")
    client = Client()
    assert log_in(client, "90001", "70009").status_code == 302
    return client


@pytest.fixture
def admin_browser(admin: User) -> Client:
    """The administrator in a browser of its own (the suite's `admin_client` shares
    `client` with `lina_client`)."""
    client = Client()
    assert log_in(client, "admin").status_code == 302
    return client


@pytest.fixture
def calls(lina_client: Client, chenjing_client: Client, zhou_client: Client, recordings: Path):
    """Every call after the three logins (the agents' rule: calls during their login)."""
    since = max(login.logged_in_at.timestamp() for login in LoginRecord.objects.all())
    time.sleep(0.05)
    at = since + 0.01
    apply_call_events(inbound_call("mine", at=at, agent="70001", recording=RECORDING), "cc")
    apply_call_events(inbound_call("hers", at=at + 1, agent="70005", recording=RECORDING), "cc")
    apply_call_events(inbound_call("own", at=at + 2, agent="70009", recording=None), "cc")
    apply_call_events(in_queue(answered_call("svc", "caller", at + 3), "service"), "cc")
    apply_call_events(in_queue(answered_call("cmp", "caller", at + 4), "complaints", "80005"), "cc")


def url(call_id: str, suffix: str = "") -> str:
    return f"/recordings/calls/{CallRecord.objects.get(call_id=call_id).pk}/{suffix}"


def test_agent_cannot_open_another_agents_recording(
    lina_client: Client, chenjing_client: Client, calls: None
) -> None:
    assert rows(lina_client) == ["svc", "mine"]  # svc: 80001 answered at 70001
    assert rows(chenjing_client) == ["cmp", "hers"]
    assert lina_client.get(url("hers")).status_code == 404
    assert lina_client.get(url("hers", "recording.wav")).status_code == 404
    assert lina_client.get(url("hers", "recording.wav"), HTTP_RANGE="bytes=0-").status_code == 404
    assert lina_client.get(url("hers", "recording.wav?download=1")).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="recording_").exists()
    assert chenjing_client.get(url("hers", "recording.wav")).status_code == 200
    assert lina_client.get(url("mine", "recording.wav")).status_code == 200


def test_supervisor_sees_the_calls_of_its_queues_and_its_own(
    zhou_client: Client, calls: None
) -> None:
    assert rows(zhou_client) == ["svc", "own"]
    assert zhou_client.get(url("svc")).status_code == 200
    assert zhou_client.get(url("cmp")).status_code == 404
    assert zhou_client.get(url("hers", "recording.wav")).status_code == 404
    # A queue it is given later: its calls, past ones too.
    Queue.objects.get(name="complaints").supervisors.add(User.objects.get(agent_id="90001"))
    assert rows(zhou_client) == ["cmp", "svc", "own"]


def test_administrator_sees_every_call(admin_browser: Client, calls: None) -> None:
    assert rows(admin_browser) == ["cmp", "svc", "own", "hers", "mine"]


def test_supervisor_without_queues_sees_only_its_own_calls(
    client: Client, zhou: User, db: None
) -> None:
    apply_call_events(inbound_call("c1"), "cc")
    assert log_in(client, "90001").status_code == 302  # no extension: no call of its own
    assert rows(client) == []


def played() -> list[tuple[str, str, str]]:
    return [
        (entry.actor.agent_id if entry.actor else "", entry.target, entry.details.get("range"))
        for entry in AuditEntry.objects.filter(action="recording_played").order_by("pk")
    ]


def test_each_playback_is_audited_once_not_each_seek(lina_client: Client, calls: None) -> None:
    wav = url("mine", "recording.wav")
    start = lina_client.get(wav, HTTP_RANGE="bytes=0-")
    assert start.status_code == 206
    assert body(start) == WAV
    assert played() == [("80001", "call mine", "bytes=0-")]
    # The player seeks: later ranges, a suffix, one past the end, a HEAD.
    assert lina_client.get(wav, HTTP_RANGE="bytes=1000-").status_code == 206
    assert lina_client.get(wav, HTTP_RANGE="bytes=-44").status_code == 206
    assert lina_client.get(wav, HTTP_RANGE=f"bytes={len(WAV)}-").status_code == 416
    assert lina_client.head(wav).status_code == 200
    assert len(played()) == 1
    # Played again from the start, whole (no Range): a second entry.
    assert lina_client.get(wav).status_code == 200
    assert played() == [("80001", "call mine", "bytes=0-"), ("80001", "call mine", "")]
    # A download is a download, not a playback.
    assert lina_client.get(wav + "?download=1").status_code == 200
    assert len(played()) == 2
    downloaded = AuditEntry.objects.get(action="recording_downloaded")
    assert (downloaded.actor.agent_id, downloaded.target) == ("80001", "call mine")


def test_call_page_shows_the_audit_to_supervisors_only(
    lina_client: Client, admin_browser: Client, calls: None
) -> None:
    lina_client.get(url("mine", "recording.wav"), HTTP_RANGE="bytes=0-")
    lina_client.get(url("mine", "recording.wav?download=1"))
    text = admin_browser.get(url("mine")).content.decode()
    audit = text[text.index('data-testid="recording-audit"') :]
    audit = audit[: audit.index("</table>")]
    assert audit.count("80001 李娜") == 2
    assert '<tr data-audit="recording_played">' in audit
    assert '<tr data-audit="recording_downloaded">' in audit
    assert "播放" in audit
    assert "下载" in audit
    assert 'data-testid="recording-audit"' not in lina_client.get(url("mine")).content.decode()


def test_ticket_page_links_its_call_when_one_may_see_it(
    lina_client: Client, chenjing_client: Client, calls: None, lina: User
) -> None:
    customer = create_customer(None, name="张三", phones=[("13800138000", "mobile")])
    ticket = create_ticket(
        lina, kind="inquiry", description="预约", customer=customer, call_id="mine"
    )
    mine = CallRecord.objects.get(call_id="mine")
    text = lina_client.get(f"/tickets/{ticket.pk}/").content.decode()
    cell = text[text.index('data-testid="ticket-call"') :]
    cell = cell[: cell.index("</dd>")]
    assert f'href="/recordings/calls/{mine.pk}/"' in cell
    assert f'href="/recordings/calls/{mine.pk}/#recording"' in cell
    other = chenjing_client.get(f"/tickets/{ticket.pk}/").content.decode()
    cell = other[other.index('data-testid="ticket-call"') :]
    cell = cell[: cell.index("</dd>")]
    assert "/recordings/calls/" not in cell
    assert "mine" in cell


def test_customer_page_lists_its_calls_with_a_play_link(
    lina_client: Client, calls: None, lina: User
) -> None:
    """The calls from 13800138000 (here the ones 80001 may see) and those its tickets
    were made during."""
    customer = create_customer(None, name="张三", phones=[("13800138000", "mobile")])
    create_ticket(lina, kind="inquiry", description="预约", customer=customer, call_id="hers")
    text = lina_client.get(f"/crm/customers/{customer.number}/").content.decode()
    table = text[text.index('data-testid="customer-calls"') :]
    table = table[: table.index("</table>")]
    assert [part.split('"')[0] for part in table.split('data-call="')[1:]] == ["svc", "mine"]
    mine = CallRecord.objects.get(call_id="mine")
    assert f'href="/recordings/calls/{mine.pk}/#recording" data-testid="play-mine"' in table
    assert 'data-testid="play-svc"' not in table  # not recorded
