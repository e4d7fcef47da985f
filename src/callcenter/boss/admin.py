"""The BOSS endpoint is set up here; links, outbox and exchanges are shown read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from callcenter.boss.models import BossEndpoint, BossExchange, BossLink, BossOutbox


@admin.register(BossEndpoint)
class BossEndpointAdmin(admin.ModelAdmin[BossEndpoint]):
    list_display = ["name", "url", "timeout_seconds", "is_active"]


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ExchangeInline(ReadOnly, admin.TabularInline[BossExchange, BossLink]):
    model = BossExchange
    extra = 0


@admin.register(BossLink)
class BossLinkAdmin(ReadOnly, admin.ModelAdmin[BossLink]):
    list_display = ["ticket", "reference", "state", "forwarded_at", "delivered_at"]
    search_fields = ["reference", "ticket__number"]
    inlines = [ExchangeInline]


@admin.register(BossOutbox)
class BossOutboxAdmin(ReadOnly, admin.ModelAdmin[BossOutbox]):
    list_display = ["link", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    list_filter = ["delivered_at"]
