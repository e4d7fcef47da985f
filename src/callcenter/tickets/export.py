"""The ticket query as an Excel workbook (.xlsx): one row per ticket, Chinese headers
(the user's language), times in the center's time zone (Asia/Shanghai) as Excel dates.

`MAX_ROWS` caps an export; the view refuses a larger query with a message asking to
narrow it (a spreadsheet of every ticket ever is a backup, not a report).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from callcenter.tickets.models import Ticket

MAX_ROWS = 10_000
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd hh:mm"


def _local(value: datetime | None) -> datetime | None:
    """Excel has no time zones: the wall-clock time in Shanghai."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None)


def _columns() -> list[tuple[str, Callable[[Ticket], Any], int]]:
    """(header, value of a ticket, width) for each column."""
    return [
        (_("Ticket number"), lambda t: t.number, 18),
        (_("Ticket kind"), lambda t: t.get_kind_display(), 8),
        (_("State"), lambda t: t.get_state_display(), 14),
        (_("Priority"), lambda t: t.get_priority_display(), 8),
        (_("Category"), lambda t: str(t.category) if t.category else "", 14),
        (_("Customer name"), lambda t: t.customer_name, 12),
        (_("Contact phone"), lambda t: t.contact_phone, 14),
        (_("Caller number"), lambda t: t.caller_number, 14),
        (_("Vehicle plate"), lambda t: t.vehicle_plate, 11),
        (_("Address"), lambda t: t.address, 24),
        (_("Problem description"), lambda t: t.description, 40),
        (_("Unit"), lambda t: str(t.unit) if t.unit else "", 14),
        (_("Handler"), lambda t: t.handler.name if t.handler else "", 10),
        (_("Created by"), lambda t: str(t.created_by), 14),
        (_("Created"), lambda t: _local(t.created_at), 17),
        (_("Response due"), lambda t: _local(t.response_due), 17),
        (_("Resolution due"), lambda t: _local(t.resolution_due), 17),
        (_("Overdue"), lambda t: _("Yes") if t.is_overdue else "", 6),
        (_("Closed at"), lambda t: _local(t.closed_at), 17),
    ]


def workbook(tickets: Iterable[Ticket]) -> bytes:
    """The .xlsx file of `tickets`, in the order given."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Tickets")
    columns = _columns()
    sheet.append([header for header, _value, _width in columns])
    for index, (_header, _value, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for ticket in tickets:
        sheet.append([value(ticket) for _header, value, _width in columns])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename() -> str:
    return f"tickets-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
