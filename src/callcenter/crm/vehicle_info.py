"""The desk's side of the GIS question (B3): 车辆位置 and 详细信息 for one vehicle, as
JSON for the page that asked (the customer page, the screen pop). The page asks in the
background, so a slow or broken GIS never holds up the page; its answer or its failure
(a message in the agent's language) is shown beside the vehicle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from callcenter.accounts.roles import Capability, require
from callcenter.crm.gis import (
    GisError,
    VehicleDetails,
    VehiclePosition,
    provider_from_settings,
)
from callcenter.crm.models import GisSettings, Vehicle


def _messages() -> dict[str, str]:
    return {
        "timeout": _("The GIS did not answer in time. Try again in a moment."),
        "unreachable": _("The GIS cannot be reached now."),
        "http_error": _("The GIS refused the question."),
        "bad_response": _("The GIS answered something this desk cannot read."),
        "not_found": _("The GIS does not know this vehicle."),
        "not_configured": _("The GIS is not set up correctly: ask an administrator."),
    }


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _number(value: float | None, unit: str = "") -> str:
    return "" if value is None else f"{value:g}{unit}"


def _position_rows(found: VehiclePosition) -> list[tuple[str, str]]:
    return [
        (_("Longitude"), f"{found.longitude:.6f}"),
        (_("Latitude"), f"{found.latitude:.6f}"),
        (_("Address"), found.address),
        (_("Speed"), _number(found.speed_kmh, " km/h")),
        (_("Heading"), _number(found.heading, "°")),
        (_("Position time"), _when(found.at)),
    ]


def _details_rows(found: VehicleDetails) -> list[tuple[str, str]]:
    rows = [
        (_("VIN"), found.vin),
        (_("Vehicle model"), found.model),
        (_("Vehicle status"), found.status),
        (_("State of charge"), _number(found.soc_percent, " %")),
        (_("Mileage"), _number(found.mileage_km, " km")),
        (_("Updated at"), _when(found.updated_at)),
    ]
    return rows + [(name, value) for name, value in found.extra.items()]


@require(Capability.AGENT_DESK)
def vehicle_gis_view(request: HttpRequest, pk: int, what: str) -> JsonResponse:
    """``what`` is position or details: ``{ok, demo, rows: [[label, value]…],
    longitude, latitude, tile_url}``, or ``{ok: false, code, message}``."""
    if what not in ("position", "details"):
        raise Http404
    vehicle = get_object_or_404(Vehicle, pk=pk)
    settings = GisSettings.current()
    answer: dict[str, Any] = {"ok": True, "plate": vehicle.plate}
    try:
        provider = provider_from_settings(settings.provider or None)
        if what == "position":
            position = provider.position(vehicle.plate)
            rows = _position_rows(position)
            answer.update(longitude=position.longitude, latitude=position.latitude)
            answer["tile_url"] = settings.tile_url
        else:
            rows = _details_rows(provider.details(vehicle.plate))
    except GisError as error:
        message = _messages().get(error.code, _("The GIS cannot be reached now."))
        return JsonResponse(
            {"ok": False, "code": error.code, "message": message},
            json_dumps_params={"ensure_ascii": False},
        )
    answer["demo"] = provider.demo
    answer["rows"] = [[label, value] for label, value in rows if value]
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})
