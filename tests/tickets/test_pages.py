"""The agents' ticket pages (B4, C7): who opens them, the query and its export, creating
a ticket, the detail page's actions, attachments and the returned orders."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from callcenter.accounts.models import Unit, User
from callcenter.tickets import actions, export
from callcenter.tickets.choices import Action, Kind, Priority, State
from callcenter.tickets.models import Attachment, ReturnReason, Ticket
from tests.conftest import log_in
from tests.tickets.conftest import MakeTicket

PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)

PAGES = ["/tickets/", "/tickets/new/", "/tickets/returned/", "/tickets/export.xlsx"]


@pytest.fixture(autouse=True)
def attachments_dir(settings: Any, tmp_path: Path) -> Path:
    settings.TICKET_ATTACHMENTS_DIR = tmp_path / "attachments"
    return tmp_path / "attachments"


@pytest.fixture
def zhou_client(client: Client, zhou: User) -> Client:
    response = log_in(client, "90001")
    assert response.status_code == 302, response.content.decode()
    return client


def text_of(response: Any) -> str:
    return str(response.content.decode())


def rows(client: Client, query: str = "") -> list[str]:
    text = text_of(client.get(f"/tickets/?{query}"))
    table = text[text.index('data-testid="ticket-table"') :]
    return [part.split('"')[0] for part in table.split('data-ticket="')[1:]]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# --- who opens what ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["lina_client", "zhou_client"])
def test_center_opens_every_page_with_the_menu(
    persona: str, request: pytest.FixtureRequest, make_ticket: MakeTicket
) -> None:
    client: Client = request.getfixturevalue(persona)
    ticket = make_ticket()
    for url in [*PAGES, f"/tickets/{ticket.pk}/", f"/tickets/{ticket.pk}/edit/"]:
        assert client.get(url).status_code == 200, url
    text = text_of(client.get("/tickets/"))
    assert "<h1>工单查询</h1>" in text
    for label in ("工单管理", "新建工单", "工单查询", "退回工单"):
        assert label in text, label


@pytest.mark.parametrize("persona", ["sunli_client", "admin_client"])
def test_unit_operators_and_admins_are_refused(
    persona: str, request: pytest.FixtureRequest, make_ticket: MakeTicket
) -> None:
    client: Client = request.getfixturevalue(persona)
    ticket = make_ticket(state=State.SENT)
    for url in [*PAGES, f"/tickets/{ticket.pk}/", f"/tickets/{ticket.pk}/edit/"]:
        assert client.get(url).status_code == 403, url
    response = client.post(f"/tickets/{ticket.pk}/close/", {"close-version": ticket.version})
    assert response.status_code == 403
    home = text_of(client.get("/"))
    assert "工单管理" not in home
    assert "退回工单" not in home


# --- the query -----------------------------------------------------------------------------


@pytest.fixture
def three(make_ticket: MakeTicket, zhou: User, futian: Unit) -> dict[str, Ticket]:
    """A fault of 张三 (overdue), a complaint of 李四 (urgent, by zhou), an inquiry of
    王五 with 福田维修站, oldest first."""
    now = timezone.now()
    fault = make_ticket(
        Kind.FAULT, State.NEW, created_at=now - timedelta(days=3), resolution_due=now
    )
    complaint = make_ticket(
        Kind.COMPLAINT,
        State.NEW,
        customer_name="李四",
        contact_phone="13900139000",
        caller_number="075588886666",
        vehicle_plate="",
        description="维修人员态度差",
        priority=Priority.URGENT,
        created_by=zhou,
        created_at=now - timedelta(days=2),
        resolution_due=now + timedelta(days=2),
    )
    inquiry = make_ticket(
        Kind.INQUIRY,
        State.SENT,
        customer_name="王五",
        contact_phone="13700137000",
        vehicle_plate="粤B54321",
        description="咨询充电费用",
        created_at=now - timedelta(days=1),
    )
    return {"fault": fault, "complaint": complaint, "inquiry": inquiry}


def test_list_newest_first_with_chinese_labels_and_overdue_mark(
    lina_client: Client, three: dict[str, Ticket]
) -> None:
    numbers = {name: ticket.number for name, ticket in three.items()}
    assert rows(lina_client) == [numbers["inquiry"], numbers["complaint"], numbers["fault"]]
    text = text_of(lina_client.get("/tickets/"))
    fault = text[text.index(f'data-ticket="{numbers["fault"]}"') :]
    fault = fault[: fault.index("</tr>")]
    assert "故障" in fault
    assert "张三" in fault
    assert "粤B12345" in fault
    assert 'data-testid="overdue"' in fault
    complaint = text[text.index(f'data-ticket="{numbers["complaint"]}"') :]
    complaint = complaint[: complaint.index("</tr>")]
    assert "投诉" in complaint
    assert 'data-testid="overdue"' not in complaint
    local_due = timezone.localtime(three["complaint"].resolution_due)
    assert f"{local_due:%Y-%m-%d %H:%M}" in complaint


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("customer=张", ["fault"]),
        ("customer=李四", ["complaint"]),
        ("customer=13700", ["inquiry"]),
        ("customer=8888", ["complaint"]),  # the caller number
        ("kind=complaint", ["complaint"]),
        ("state=sent", ["inquiry"]),
        ("overdue=on", ["fault"]),
        ("priority=2", ["complaint"]),
        ("plate=粤b54321", ["inquiry"]),
        ("text=态度", ["complaint"]),
        ("created_by=__zhou__", ["complaint"]),
        ("unit=__futian__", ["inquiry"]),
        ("customer=无此人", []),
    ],
)
def test_filters(
    lina_client: Client,
    three: dict[str, Ticket],
    zhou: User,
    futian: Unit,
    query: str,
    expected: list[str],
) -> None:
    query = query.replace("__zhou__", str(zhou.pk)).replace("__futian__", str(futian.pk))
    assert rows(lina_client, query) == [three[name].number for name in expected]


def test_number_and_date_filters(lina_client: Client, three: dict[str, Ticket]) -> None:
    fault = three["fault"]
    assert rows(lina_client, f"number={fault.number}") == [fault.number]
    day = timezone.localtime(fault.created_at).date()
    assert rows(lina_client, f"date_from={day}&date_to={day}") == [fault.number]
    text = text_of(lina_client.get(f"/tickets/?date_from={day}&date_to={day - timedelta(1)}"))
    assert "结束日期早于开始日期" in text


def test_advanced_section_opens_when_used(lina_client: Client, three: dict[str, Ticket]) -> None:
    closed = text_of(lina_client.get("/tickets/?kind=fault"))
    assert '<details data-testid="advanced-query">' in closed
    opened = text_of(lina_client.get("/tickets/?text=态度"))
    assert '<details open data-testid="advanced-query">' in opened


def test_export_is_a_workbook_of_the_query(lina_client: Client, three: dict[str, Ticket]) -> None:
    response = lina_client.get("/tickets/export.xlsx?kind=fault")
    assert response.status_code == 200
    assert response["Content-Type"] == export.CONTENT_TYPE
    assert "attachment;" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = table[0]
    for label in ("工单编号", "工单类型", "状态", "客户姓名", "联系电话", "车牌号码", "受理时间"):
        assert label in header, label
    assert len(table) == 2
    fault = dict(zip(header, table[1], strict=True))
    ticket = three["fault"]
    assert fault["工单编号"] == ticket.number
    assert fault["工单类型"] == "故障"
    assert fault["客户姓名"] == "张三"
    created = fault["受理时间"]
    assert isinstance(created, datetime)
    shanghai = timezone.localtime(ticket.created_at).replace(tzinfo=None)
    assert abs(created - shanghai) < timedelta(seconds=1)


def test_export_refuses_more_than_the_cap(
    lina_client: Client, three: dict[str, Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    response = lina_client.get("/tickets/export.xlsx", follow=True)
    assert response.redirect_chain[-1][0] == "/tickets/"
    assert "最多只能导出 2 条" in text_of(response)
    one = lina_client.get("/tickets/export.xlsx?kind=fault")
    assert one["Content-Type"] == export.CONTENT_TYPE


# --- creating and modifying ------------------------------------------------------------


FAULT = {
    "kind": "fault",
    "customer_name": "张三",
    "contact_phone": "138 0013 8000",
    "caller_number": "13800138000",
    "vehicle_plate": "粤b·12345",
    "address": "深圳市福田区",
    "priority": "1",
    "description": "充电桩无法启动",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"contact_phone": "12345"}, "contact_phone", "请填写 11 位手机号码"),
        ({"vehicle_plate": "粤BI2345"}, "vehicle_plate", "请填写车牌号码"),
        ({"customer_name": ""}, "customer_name", "这个字段是必填项"),
        ({"description": " "}, "description", "这个字段是必填项"),
    ],
)
def test_create_with_bad_input_says_what_to_fix_and_creates_nothing(
    lina_client: Client, change: dict[str, str], field: str, message: str
) -> None:
    response = lina_client.post("/tickets/new/?kind=fault", {**FAULT, **change})
    assert response.status_code == 200
    text = text_of(response)
    error = text[text.index(f'data-testid="error-{field}"') :]
    assert message in error[: error.index("</p>")]
    assert Ticket.objects.count() == 0


def test_create_refuses_a_renamed_file_and_creates_nothing(
    lina_client: Client, attachments_dir: Path
) -> None:
    response = lina_client.post(
        "/tickets/new/", {**FAULT, "attachments": [upload("photo.png", EXE)]}
    )
    assert response.status_code == 200
    assert 'data-testid="error-attachments"' in text_of(response)
    assert Ticket.objects.count() == 0
    assert not attachments_dir.exists() or not any(attachments_dir.rglob("*.*"))


def test_create_a_fault_with_attachments_and_dispatch_it(
    lina_client: Client, lina: User, futian: Unit
) -> None:
    response = lina_client.post(
        "/tickets/new/",
        {
            **FAULT,
            "dispatch_unit": futian.pk,
            "attachments": [upload("现场.png", PNG), upload("second.png", PNG)],
        },
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == f"/tickets/{ticket.pk}/"
    assert ticket.kind == Kind.FAULT
    assert ticket.state == State.SENT
    assert ticket.unit == futian
    assert ticket.contact_phone == "13800138000"
    assert ticket.vehicle_plate == "粤B12345"
    assert ticket.created_by == lina
    assert sorted(a.original_name for a in ticket.attachments.all()) == ["second.png", "现场.png"]
    text = text_of(response)
    assert f"工单 {ticket.number} 已创建并派往福田维修站" in text
    assert "现场.png" in text
    history = text[text.index('data-testid="ticket-history"') :]
    assert "新建" in history
    assert "派单" in history
    assert "添加附件" in history


def test_create_an_inquiry_without_contact(lina_client: Client) -> None:
    page = text_of(lina_client.get("/tickets/new/?kind=inquiry"))
    assert 'name="vehicle_plate"' not in page
    assert 'name="dispatch_unit"' not in page
    response = lina_client.post(
        "/tickets/new/", {"kind": "inquiry", "priority": "1", "description": "营业时间？"}
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.kind == Kind.INQUIRY
    assert ticket.state == State.NEW


def test_edit_with_stale_version_is_refused(
    lina_client: Client, lina: User, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(state=State.RETURNED)
    form = {**FAULT, "version": ticket.version, "description": "充电桩无法启动，屏幕黑屏"}
    actions.edit_ticket(lina, ticket, version=ticket.version, address="深圳市南山区")
    response = lina_client.post(f"/tickets/{ticket.pk}/edit/", form)
    assert "修改了它。请刷新后重试" in text_of(response)
    ticket.refresh_from_db()
    assert ticket.description == "充电桩无法启动"
    form["version"] = ticket.version
    response = lina_client.post(f"/tickets/{ticket.pk}/edit/", form)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.description == "充电桩无法启动，屏幕黑屏"


# --- the detail page's actions ---------------------------------------------------------


def act(client: Client, ticket: Ticket, action: str, **data: Any) -> Any:
    fields = {f"{action}-{name}": value for name, value in data.items()}
    fields.setdefault(f"{action}-version", ticket.version)
    return client.post(f"/tickets/{ticket.pk}/{action}/", fields, follow=True)


def test_detail_offers_the_actions_of_the_state(
    lina_client: Client, make_ticket: MakeTicket
) -> None:
    new = text_of(lina_client.get(f"/tickets/{make_ticket().pk}/"))
    assert 'data-testid="action-dispatch"' in new
    assert 'data-testid="action-close"' in new
    assert 'data-testid="action-callback"' not in new
    sent = text_of(lina_client.get(f"/tickets/{make_ticket(state=State.SENT).pk}/"))
    assert 'data-testid="no-actions"' in sent


def test_dispatch(lina_client: Client, make_ticket: MakeTicket, futian: Unit) -> None:
    ticket = make_ticket()
    text = text_of(act(lina_client, ticket, "dispatch", unit=futian.pk))
    ticket.refresh_from_db()
    assert ticket.state == State.SENT
    assert ticket.unit == futian
    assert f"已完成：工单 {ticket.number} 已“派单”，当前状态为“已派单（待接单）”" in text


def test_dispatch_without_unit_says_so(lina_client: Client, make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    text = text_of(act(lina_client, ticket, "dispatch"))
    assert "请选择派往的二级单位" in text
    ticket.refresh_from_db()
    assert ticket.state == State.NEW


def test_stale_version_is_refused(
    lina_client: Client, zhou: User, make_ticket: MakeTicket, futian: Unit
) -> None:
    ticket = make_ticket()
    seen = ticket.version
    actions.edit_ticket(zhou, ticket, version=seen, address="深圳市南山区")
    text = text_of(act(lina_client, ticket, "dispatch", unit=futian.pk, version=seen))
    assert "您打开此工单后，周晓东 于" in text
    assert "请刷新后重试" in text
    ticket.refresh_from_db()
    assert ticket.state == State.NEW


def test_action_not_allowed_in_the_state_is_refused(
    lina_client: Client, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket()  # new: no callback, no re-repair
    text = text_of(act(lina_client, ticket, "send_back", reason="再修"))
    assert "只有处于" in text
    text = text_of(act(lina_client, ticket, "callback", reached="yes", satisfied="yes"))
    assert "只有处于" in text
    ticket.refresh_from_db()
    assert ticket.state == State.NEW
    assert ticket.version == 1
    assert lina_client.post(f"/tickets/{ticket.pk}/receive/", {}).status_code == 404
    assert lina_client.post(f"/tickets/{ticket.pk}/nonsense/", {}).status_code == 404


def test_callback_then_send_back_then_close(lina_client: Client, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(state=State.REPAIRED)
    text = text_of(act(lina_client, ticket, "callback", reached="yes", notes="客户不满意"))
    assert "请选择客户是否满意" in text
    ticket.refresh_from_db()
    assert ticket.state == State.REPAIRED
    act(lina_client, ticket, "callback", reached="yes", satisfied="no", notes="仍无法充电")
    ticket.refresh_from_db()
    assert ticket.state == State.VISITED
    assert ticket.callback_satisfied is False
    text = text_of(act(lina_client, ticket, "send_back"))
    assert "请填写原因" in text
    act(lina_client, ticket, "send_back", reason="客户反映仍无法充电")
    ticket.refresh_from_db()
    assert ticket.state == State.SENT
    assert ticket.rerepair_count == 1

    done = make_ticket(state=State.REPAIRED)
    act(lina_client, done, "close")
    done.refresh_from_db()
    assert done.state == State.CLOSED


def test_close_a_new_ticket_needs_a_reason(lina_client: Client, make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    assert "请填写原因" in text_of(act(lina_client, ticket, "close"))
    act(lina_client, ticket, "close", reason="电话中已解决")
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert ticket.close_notes == "电话中已解决"


# --- returned orders ---------------------------------------------------------------------


def test_returned_orders_show_the_reason_and_can_be_resent(
    lina_client: Client, lina: User, sunli: User, futian: Unit
) -> None:
    reason = ReturnReason.objects.create(name="非本单位辖区")
    ticket = actions.create_ticket(
        lina, kind=Kind.FAULT, customer_name="张三", contact_phone="13800138000", description="x"
    )
    ticket = actions.dispatch(lina, ticket, version=ticket.version, unit=futian)
    ticket = actions.return_order(
        sunli, ticket, version=ticket.version, reason=reason, notes="应归南山"
    )
    text = text_of(lina_client.get("/tickets/returned/"))
    row = text[text.index(f'data-ticket="{ticket.number}"') :]
    row = row[: row.index("</tr>")]
    assert "非本单位辖区" in row
    assert "应归南山" in row
    assert "孙丽" in row
    detail = text_of(lina_client.get(f"/tickets/{ticket.pk}/"))
    assert 'data-testid="ticket-return"' in detail
    assert "非本单位辖区" in detail
    act(lina_client, ticket, "resend", notes="已更正地址")
    ticket.refresh_from_db()
    assert ticket.state == State.SENT
    assert ticket.rerepair_count == 1
    assert ticket.number not in text_of(lina_client.get("/tickets/returned/"))


# --- attachments -------------------------------------------------------------------------


@pytest.fixture
def attachment(lina: User, futian: Unit) -> Attachment:
    ticket = actions.create_ticket(
        lina, kind=Kind.FAULT, customer_name="张三", contact_phone="13800138000", description="x"
    )
    ticket = actions.dispatch(lina, ticket, version=ticket.version, unit=futian)
    return actions.add_attachment(lina, ticket, upload("现场.png", PNG))


def test_attachment_download(lina_client: Client, attachment: Attachment) -> None:
    response = lina_client.get(f"/tickets/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert response["Content-Type"] == "image/png"
    assert "attachment;" in response["Content-Disposition"]


def test_attachment_for_the_unit_of_the_order_only(
    client: Client, attachment: Attachment, sunli: User, wugang: User, admin: User
) -> None:
    url = f"/tickets/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 302  # log in first
    log_in(client, "u1001")
    assert client.get(url).status_code == 200
    log_in(client, "u2001")
    assert client.get(url).status_code == 404
    log_in(client, "admin")
    assert client.get(url).status_code == 403


def test_attach_on_the_detail_page(lina_client: Client, make_ticket: MakeTicket) -> None:
    ticket = make_ticket()
    text = text_of(
        lina_client.post(
            f"/tickets/{ticket.pk}/attach/", {"file": upload("letter.png", PNG)}, follow=True
        )
    )
    assert "letter.png" in text
    assert ticket.attachments.count() == 1
    text = text_of(
        lina_client.post(
            f"/tickets/{ticket.pk}/attach/", {"file": upload("virus.png", EXE)}, follow=True
        )
    )
    assert ticket.attachments.count() == 1
    assert "此文件的内容不是 .png 文件" in text


def test_history_lists_every_change(
    lina_client: Client, lina: User, futian: Unit, make_ticket: MakeTicket
) -> None:
    ticket = actions.create_ticket(
        lina, kind=Kind.FAULT, customer_name="张三", contact_phone="13800138000", description="x"
    )
    actions.dispatch(lina, ticket, version=ticket.version, unit=futian)
    text = text_of(lina_client.get(f"/tickets/{ticket.pk}/"))
    history = text[text.index('data-testid="ticket-history"') :]
    assert history.count("<tr data-event=") == 2
    assert 'data-event="create"' in history
    assert f'data-event="{Action.DISPATCH.value}"' in history
