"""Attachments: kept in the data folder under names of our own, checked by extension and
content, refused when too large, empty, renamed, or on a closed ticket."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile

from callcenter.accounts.models import User
from callcenter.tickets import actions
from callcenter.tickets.choices import Action, Kind, State
from callcenter.tickets.models import Attachment
from callcenter.web.errors import ActionError
from tests.tickets.conftest import MakeTicket

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)


def docx(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def attachments_dir(settings: Any, tmp_path: Path) -> Path:
    settings.TICKET_ATTACHMENTS_DIR = tmp_path / "attachments"
    return tmp_path / "attachments"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("故障照片.JPG", JPEG, "image/jpeg"),
        ("screen.png", PNG, "image/png"),
        ("维修报告.pdf", PDF, "application/pdf"),
        ("说明.txt", "充电桩编号 3，故障码 E03".encode("gb18030"), "text/plain"),
        (
            "记录.docx",
            docx("[Content_Types].xml", "word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_allowed_files_are_stored(
    name: str,
    content: bytes,
    content_type: str,
    make_ticket: MakeTicket,
    sunli: User,
    attachments_dir: Path,
) -> None:
    ticket = make_ticket(Kind.FAULT, State.IN_REPAIR)
    attachment = actions.add_attachment(sunli, ticket, upload(name, content))
    assert (attachment.original_name, attachment.size, attachment.content_type) == (
        name,
        len(content),
        content_type,
    )
    assert attachment.uploaded_by == sunli
    path = Path(attachment.file.path)
    assert path.is_relative_to(attachments_dir)
    assert path.read_bytes() == content
    assert name not in path.name  # our own name, the original kept in the row
    event = ticket.events.get()
    assert (event.action, event.notes) == (Action.ATTACH, name)
    ticket.refresh_from_db()
    assert ticket.version == 1  # attaching does not make others' pages stale


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("virus.exe", EXE, "attachment_type"),
        ("script.sh", b"#!/bin/sh\n", "attachment_type"),
        ("noextension", JPEG, "attachment_type"),
        ("photo.jpg", EXE, "attachment_content"),  # a renamed program
        ("photo.png", JPEG, "attachment_content"),
        ("report.pdf", b"<html>", "attachment_content"),
        ("note.txt", b"abc\x00def", "attachment_content"),
        ("fake.docx", docx("[Content_Types].xml", "xl/workbook.xml"), "attachment_content"),
        ("zip.docx", b"PK\x03\x04garbage", "attachment_content"),
        ("empty.jpg", b"", "attachment_empty"),
    ],
)
def test_refused_files(
    name: str,
    content: bytes,
    code: str,
    make_ticket: MakeTicket,
    lina: User,
    attachments_dir: Path,
) -> None:
    ticket = make_ticket(Kind.FAULT, State.NEW)
    with pytest.raises(ActionError) as refused:
        actions.add_attachment(lina, ticket, upload(name, content))
    assert refused.value.code == code
    assert refused.value.field == "file"
    assert any("\u4e00" <= char <= "\u9fff" for char in refused.value.message)
    assert not Attachment.objects.exists()
    assert stored_files(attachments_dir) == []


def test_too_large(make_ticket: MakeTicket, lina: User, settings: Any) -> None:
    settings.TICKET_ATTACHMENT_MAX_BYTES = 1024
    ticket = make_ticket(Kind.FAULT, State.NEW)
    actions.add_attachment(lina, ticket, upload("small.jpg", JPEG))
    with pytest.raises(ActionError) as refused:
        actions.add_attachment(lina, ticket, upload("big.jpg", JPEG + bytes(1024)))
    assert refused.value.code == "attachment_size"
    assert "1.0" in refused.value.message  # the limit, 1.0 KB
    assert Attachment.objects.count() == 1


def test_types_are_a_setting(make_ticket: MakeTicket, lina: User, settings: Any) -> None:
    settings.TICKET_ATTACHMENT_TYPES = ["pdf"]
    ticket = make_ticket(Kind.FAULT, State.NEW)
    with pytest.raises(ActionError) as refused:
        actions.add_attachment(lina, ticket, upload("photo.jpg", JPEG))
    assert "pdf" in refused.value.message


def test_who_may_attach(
    make_ticket: MakeTicket, wugang: User, admin: User, lina: User, attachments_dir: Path
) -> None:
    ticket = make_ticket(Kind.FAULT, State.IN_REPAIR)
    for actor, code in ((wugang, "not_found"), (admin, "not_permitted")):
        with pytest.raises(ActionError) as refused:
            actions.add_attachment(actor, ticket, upload("photo.jpg", JPEG))
        assert refused.value.code == code
    closed = make_ticket(Kind.FAULT, State.CLOSED)
    with pytest.raises(ActionError) as refused:
        actions.add_attachment(lina, closed, upload("photo.jpg", JPEG))
    assert refused.value.code == "closed"
    assert stored_files(attachments_dir) == []


def test_unknown_types_fail_the_system_check(settings: Any) -> None:
    assert not [m for m in run_checks() if m.id and m.id.startswith("tickets.")]
    settings.TICKET_ATTACHMENT_TYPES = ["jpg", "exe"]
    settings.TICKET_ATTACHMENT_MAX_BYTES = 0
    ids = {message.id for message in run_checks()}
    assert {"tickets.E001", "tickets.E002"} <= ids
