"""Admin pages for units (二级单位) and their handlers (处理人); agents have their own pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import AuditEntry, Handler, Unit

admin.site.site_header = _("Call Center administration")
admin.site.site_title = _("Call Center administration")


class HandlerInline(admin.TabularInline[Handler, Unit]):
    model = Handler
    extra = 1


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ["code", "name", "parent", "phone", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["code", "name"]
    inlines = [HandlerInline]


@admin.register(Handler)
class HandlerAdmin(admin.ModelAdmin[Handler]):
    list_display = ["name", "unit", "phone", "is_active"]
    list_filter = ["unit", "is_active"]
    search_fields = ["name", "phone"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ["at", "actor", "action", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["target", "actor__agent_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
