"""Admin pages for the lists behind tickets: categories, return reasons, the work calendar
and SLA targets. Tickets themselves are shown read-only: they change only through
`tickets.actions`, so that every change has its history entry."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from callcenter.tickets.models import (
    Attachment,
    CalendarDay,
    Category,
    ReturnReason,
    SlaTarget,
    Ticket,
    TicketEvent,
    WorkCalendar,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", "kind", "position", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]


@admin.register(ReturnReason)
class ReturnReasonAdmin(admin.ModelAdmin[ReturnReason]):
    list_display = ["name", "position", "is_active"]
    list_filter = ["is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]


class CalendarDayInline(admin.TabularInline[CalendarDay, WorkCalendar]):
    model = CalendarDay
    extra = 3


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin[WorkCalendar]):
    list_display = ["name", "day_start", "day_end"]
    inlines = [CalendarDayInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One calendar is used (`WorkCalendar.current`): a second would be ignored.
        return not WorkCalendar.objects.exists() and super().has_add_permission(request)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ["date", "kind", "name", "calendar"]
    list_filter = ["kind", "calendar"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin[SlaTarget]):
    list_display = ["kind", "priority", "response_hours", "resolution_hours"]
    list_filter = ["kind", "priority"]


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TicketEventInline(ReadOnly, admin.TabularInline[TicketEvent, Ticket]):
    model = TicketEvent
    extra = 0
    fields = ["at", "actor", "action", "from_state", "to_state", "reason", "unit", "handler"]


class AttachmentInline(ReadOnly, admin.TabularInline[Attachment, Ticket]):
    model = Attachment
    extra = 0
    fields = ["original_name", "size", "content_type", "uploaded_by", "uploaded_at"]


@admin.register(Ticket)
class TicketAdmin(ReadOnly, admin.ModelAdmin[Ticket]):
    list_display = ["number", "kind", "state", "customer_name", "unit", "priority", "created_at"]
    list_filter = ["kind", "state", "priority", "unit"]
    search_fields = ["number", "customer_name", "contact_phone", "caller_number", "vehicle_plate"]
    date_hierarchy = "created_at"
    inlines = [TicketEventInline, AttachmentInline]
