"""Call records query, details and playback (A8, B10): who sees what, and the filters."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from callcenter.accounts.choices import Role
from callcenter.accounts.models import AuditEntry, LoginRecord, User
from callcenter.acd.models import Queue
from callcenter.recordings.events import apply_call_events
from callcenter.recordings.models import CallRecord, QueueCall, Recording
from callcenter.rtp.wav import WavFormat, build_wav
from callcenter.telephony.models import Extension
from tests.conftest import PASSWORD, log_in
from tests.recordings.calls import NOW, inbound_call, internal_call

WAV = build_wav(bytes(range(256)) * 64, WavFormat(channels=2))  # 16 KiB of stereo audio


@pytest.fixture
def recordings(settings, tmp_path: Path) -> Path:
    settings.RECORDINGS_DIR = tmp_path / "recordings"
    (settings.RECORDINGS_DIR / "2027" / "01" / "15").mkdir(parents=True)
    (settings.RECORDINGS_DIR / "2027" / "01" / "15" / "c1.wav").write_bytes(WAV)
    (tmp_path / "secret_key").write_text("not for listeners")
    return Path(settings.RECORDINGS_DIR)


@pytest.fixture
def calls(db: None) -> None:
    """c1: 张三 → hotline, answered by 70001, recorded (2027-01-15 16:00 Shanghai);
    c2: 70001 → 70002 unanswered, next day; c3: 70002 → 70003 internal, two days later."""
    apply_call_events(inbound_call(), "callcenter")
    apply_call_events(internal_call("c2", "70001", "70002", NOW + 86400, False), "callcenter")
    apply_call_events(internal_call("c3", "70002", "70003", NOW + 2 * 86400), "callcenter")


def rows(client: Client, query: str = "") -> list[str]:
    text = client.get(f"/recordings/calls/?{query}").content.decode()
    table = text[text.index('data-testid="call-table"') :]
    return [part.split('"')[0] for part in table.split('data-call="')[1:]]


def test_list_newest_first_in_chinese(admin_client: Client, calls: None) -> None:
    text = admin_client.get("/recordings/calls/").content.decode()
    assert "<h1>通话记录查询</h1>" in text
    for label in ("主叫", "被叫", "接听分机", "振铃时长", "通话时长", "挂断原因", "录音"):
        assert f"<th>{label}</th>" in text, label
    assert rows(admin_client) == ["c3", "c2", "c1"]
    c1 = text[text.index('data-call="c1"') :]
    c1 = c1[: c1.index("</tr>")]
    assert "2027-01-15 16:00:00" in c1  # Shanghai time
    assert "13800138000" in c1
    assert "张三" in c1
    assert "呼入" in c1
    assert "正常挂断" in c1
    assert "0:04" in c1  # rang 4 s
    assert "1:00" in c1  # talked 60 s
    assert 'data-testid="has-recording"' in c1
    assert "无人接听" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("number=138001", ["c1"]),  # part of the caller's number
        ("number=4008000000", ["c1"]),  # the dialled number
        ("number=70003", ["c3"]),  # a leg's party
        ("number=70001", ["c2", "c1"]),  # caller of c2, answered c1
        ("name=张三", ["c1"]),
        ("name=李四", []),
        ("direction=internal", ["c3", "c2"]),
        ("direction=inbound", ["c1"]),
        ("cause=no_answer", ["c2"]),
        ("recording=yes", ["c1"]),
        ("recording=no", ["c3", "c2"]),
        ("date_from=2027-01-16", ["c3", "c2"]),
        ("date_to=2027-01-15", ["c1"]),
        ("date_from=2027-01-16&date_to=2027-01-16", ["c2"]),
        ("direction=internal&number=70002&cause=normal", ["c3"]),
    ],
)
def test_filters(admin_client: Client, calls: None, query: str, expected: list[str]) -> None:
    assert rows(admin_client, query) == expected


def test_bad_date_range_says_what_to_fix(admin_client: Client, calls: None) -> None:
    text = admin_client.get(
        "/recordings/calls/?date_from=2027-01-16&date_to=2027-01-15"
    ).content.decode()
    assert "结束日期早于开始日期" in text
    assert rows(admin_client, "date_from=2027-01-16&date_to=2027-01-15") == []


def test_pagination_keeps_the_filters(admin_client: Client, db: None) -> None:
    for n in range(25):
        apply_call_events(internal_call(f"x{n:02d}", "70001", "70002", NOW + n), "callcenter")
    apply_call_events(internal_call("y", "70005", "70006", NOW + 99), "callcenter")
    text = admin_client.get("/recordings/calls/?number=70001").content.decode()
    assert "第 1 页，共 2 页（共 25 条）" in text
    assert 'href="?number=70001&page=2"' in text
    assert rows(admin_client, "number=70001&page=2") == [f"x{n:02d}" for n in range(4, -1, -1)]


def test_supervisor_sees_the_calls_of_its_queues(client: Client, zhou: User, calls: None) -> None:
    """Not every call: those of the queues it supervises (see `test_rights`)."""
    assert log_in(client, "90001").status_code == 302
    assert rows(client) == []
    QueueCall.objects.create(
        call=CallRecord.objects.get(call_id="c2"), queue="service", entered_at=timezone.now()
    )
    Queue.objects.create(name="service", display_name="业务咨询").supervisors.add(zhou)
    assert rows(client) == ["c2"]


def test_unit_operator_sees_no_call(sunli_client: Client, calls: None) -> None:
    assert sunli_client.get("/recordings/calls/").status_code == 403


@pytest.fixture
def wangfang(db: None) -> User:
    Extension.objects.create(number="70002", sip_password="70002")
    return User.objects.create_user("80002", PASSWORD, name="王芳", role=Role.AGENT)


def test_agent_sees_only_calls_at_her_extension_while_logged_in(
    lina_client: Client, wangfang: User, recordings: Path
) -> None:
    """李娜 is logged in at 70001 since the fixture; 王芳 at 70002 from now on."""
    other = Client()
    assert log_in(other, "80002", "70002").status_code == 302
    logins = LoginRecord.objects.filter(logged_out_at__isnull=True)
    since = max(login.logged_in_at.timestamp() for login in logins)  # both logged in
    time.sleep(0.05)  # the calls below are over before she logs out
    apply_call_events(inbound_call("mine", at=since + 0.01, agent="70001"), "callcenter")
    apply_call_events(internal_call("to-me", "70002", "70001", since + 0.02), "callcenter")
    apply_call_events(inbound_call("hers", at=since + 0.03, agent="70002"), "callcenter")
    apply_call_events(internal_call("before", "70001", "70002", since - 3600), "callcenter")
    assert rows(lina_client) == ["to-me", "mine"]
    assert rows(other) == ["hers", "to-me"]
    hers = CallRecord.objects.get(call_id="hers")
    assert lina_client.get(f"/recordings/calls/{hers.pk}/").status_code == 404
    assert hers.recording.path == "2027/01/15/c1.wav"
    assert lina_client.get(f"/recordings/calls/{hers.pk}/recording.wav").status_code == 404
    assert other.get(f"/recordings/calls/{hers.pk}/recording.wav").status_code == 200

    # After she logs out, later calls at 70001 are no longer hers; the earlier ones stay.
    lina_client.post("/accounts/logout/")
    apply_call_events(internal_call("later", "70002", "70001", time.time() + 60), "callcenter")
    Extension.objects.create(number="70003", sip_password="70003")
    assert log_in(lina_client, "80001", "70003").status_code == 302
    assert rows(lina_client) == ["to-me", "mine"]


def test_detail_shows_legs_and_the_player(
    admin_client: Client, calls: None, recordings: Path
) -> None:
    call = CallRecord.objects.get(call_id="c1")
    text = admin_client.get(f"/recordings/calls/{call.pk}/").content.decode()
    assert "13800138000 呼叫 4008000000" in text
    legs = text[text.index('data-testid="leg-table"') :]
    assert 'data-leg="c1-a"' in legs
    assert 'data-leg="c1-b"' in legs
    assert "主叫侧" in legs
    assert "被叫侧" in legs
    assert "PCMA" in legs
    url = f"/recordings/calls/{call.pk}/recording.wav"
    assert f'<audio class="call-audio" controls preload="metadata" src="{url}"' in text
    assert f'href="/recordings/calls/{call.pk}/recording.wav?download=1"' in text
    assert 'data-testid="call-cause">正常挂断' in text


def test_detail_without_recording_or_with_its_file_missing(
    admin_client: Client, calls: None, recordings: Path
) -> None:
    c2 = CallRecord.objects.get(call_id="c2")
    assert "此通话没有录音" in admin_client.get(f"/recordings/calls/{c2.pk}/").content.decode()
    (recordings / "2027" / "01" / "15" / "c1.wav").unlink()
    c1 = CallRecord.objects.get(call_id="c1")
    text = admin_client.get(f"/recordings/calls/{c1.pk}/").content.decode()
    assert 'data-testid="recording-missing"' in text
    assert "<audio" not in text
    assert admin_client.get(f"/recordings/calls/{c1.pk}/recording.wav").status_code == 404


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_recording_is_served_whole_and_by_range(
    admin_client: Client, calls: None, recordings: Path
) -> None:
    url = f"/recordings/calls/{CallRecord.objects.get(call_id='c1').pk}/recording.wav"
    whole = admin_client.get(url)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "audio/wav"
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == str(len(WAV))
    assert body(whole) == WAV
    first = admin_client.get(url, HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206
    assert first["Content-Range"] == f"bytes 0-99/{len(WAV)}"
    assert body(first) == WAV[:100]
    middle = admin_client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert body(middle) == WAV[1000:2000]
    suffix = admin_client.get(url, HTTP_RANGE="bytes=-44")
    assert suffix["Content-Range"] == f"bytes {len(WAV) - 44}-{len(WAV) - 1}/{len(WAV)}"
    assert body(suffix) == WAV[-44:]
    beyond = admin_client.get(url, HTTP_RANGE=f"bytes={len(WAV)}-")
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(WAV)}"
    download = admin_client.get(url + "?download=1")
    assert download["Content-Disposition"] == 'attachment; filename="c1.wav"'
    assert body(download) == WAV
    assert AuditEntry.objects.filter(action="recording_downloaded", target="call c1").count() == 1


@pytest.mark.parametrize("path", ["../secret_key", "/etc/passwd", "2027/../../secret_key"])
def test_recording_outside_the_folder_is_never_served(
    admin_client: Client, calls: None, recordings: Path, path: str
) -> None:
    assert (recordings.parent / "secret_key").exists()
    Recording.objects.filter(call__call_id="c1").update(path=path)
    call = CallRecord.objects.get(call_id="c1")
    response = admin_client.get(f"/recordings/calls/{call.pk}/recording.wav")
    assert response.status_code == 404
    assert b"not for listeners" not in response.content


def test_live_section_shows_calls_in_progress(admin_client: Client, calls: None) -> None:
    apply_call_events(inbound_call("live", at=time.time() - 30)[:5], "callcenter")
    apply_call_events(internal_call("ringing", "70002", "70003", time.time())[:4], "callcenter")
    page = admin_client.get("/recordings/calls/").content.decode()
    assert 'data-live-url="/ws/recordings/calls/"' in page
    assert 'data-fragment-url="?fragment=live"' in page
    fragment = admin_client.get("/recordings/calls/?fragment=live").content.decode()
    assert fragment.lstrip().startswith("<table")
    assert 'data-live-call="live"' in fragment
    assert 'data-live-call="ringing"' in fragment
    assert 'data-live-call="c1"' not in fragment  # ended
    assert "通话中" in fragment
    assert "振铃中" in fragment
    assert "0:2" in fragment  # talking for about 25 s


def sidebar(client: Client) -> str:
    text = client.get("/").content.decode()
    return text[text.index('class="sidebar"') : text.index('class="workarea"')]


def test_menu_of_an_administrator(admin_client: Client) -> None:
    menu = sidebar(admin_client)
    for label in ("中继管理", "呼入路由", "通话记录查询"):
        assert label in menu, label
    assert menu.index("分机管理") < menu.index("中继管理") < menu.index("用户操作")
    assert menu.index("用户操作") < menu.index("通话记录查询")


def test_menu_of_an_agent(lina_client: Client) -> None:
    menu = sidebar(lina_client)
    assert "通话记录查询" in menu
    assert "中继管理" not in menu
    assert "呼入路由" not in menu


def test_menu_of_a_unit_operator(sunli_client: Client) -> None:
    assert "通话记录查询" not in sidebar(sunli_client)
