from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from callcenter.crm.models import GisSettings


@admin.register(GisSettings)
class GisSettingsAdmin(admin.ModelAdmin[GisSettings]):
    """The one row of GIS settings: changed, never added twice nor deleted."""

    list_display = ["__str__", "tile_url"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not GisSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
