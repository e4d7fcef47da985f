"""车辆位置 and 详细信息 from the customer page (B3, `crm.vehicle_info`): the demo
provider out of the box; a real GIS (a small HTTP server on loopback, standing in for the
vehicle-monitoring platform) answering, answering garbage or too late, each shown to the
agent as data or as a message in Chinese.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from callcenter.crm import demo
from callcenter.crm.models import GisSettings, Vehicle


class _Gis(BaseHTTPRequestHandler):
    mode = "good"

    def do_GET(self) -> None:
        if _Gis.mode == "slow":
            time.sleep(1.0)
        answer = {
            "data": {
                "lng": 114.0579,
                "lat": 22.5431,
                "addr": "深圳市福田区深南大道",
                "speed": 35,
                "gpsTime": "2026-12-04 10:20:30",
            }
        }
        body = b"<html>oops</html>" if _Gis.mode == "garbage" else json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gis_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gis)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_demo_provider_shows_a_marked_position_and_details(lina_client: Client) -> None:
    demo.load()
    vehicle = Vehicle.objects.get(plate="粤B12345")
    answer = lina_client.get(f"/crm/vehicles/{vehicle.pk}/position.json").json()
    assert answer["ok"] is True
    assert answer["demo"] is True
    rows = dict(answer["rows"])
    assert rows["地址"].startswith("【演示】")
    assert (answer["longitude"], answer["latitude"]) == (114.251297, 22.721875)
    details = lina_client.get(f"/crm/vehicles/{vehicle.pk}/details.json").json()
    assert details["ok"] is True
    assert dict(details["rows"])["车型"].startswith("【演示】")
    assert lina_client.get(f"/crm/vehicles/{vehicle.pk}/speed.json").status_code == 404


def test_a_configured_gis_answers_and_its_failures_are_said_in_chinese(
    lina_client: Client, gis_server: str
) -> None:
    demo.load()
    vehicle = Vehicle.objects.get(plate="粤B12345")
    settings = GisSettings.current()
    settings.provider = {
        "base_url": gis_server,
        "position_path": "/vehicles/{plate}/position",
        "timeout_seconds": 0.3,
        "fields": {
            "longitude": "data.lng",
            "latitude": "data.lat",
            "address": "data.addr",
            "speed_kmh": "data.speed",
            "at": "data.gpsTime",
        },
    }
    settings.full_clean()
    settings.save()
    url = f"/crm/vehicles/{vehicle.pk}/position.json"
    _Gis.mode = "good"
    answer = lina_client.get(url).json()
    assert answer["demo"] is False
    rows = dict(answer["rows"])
    assert rows["地址"] == "深圳市福田区深南大道"
    assert rows["速度"] == "35 km/h"
    assert rows["定位时间"] == "2026-12-04 10:20:30"
    _Gis.mode = "garbage"
    answer = lina_client.get(url).json()
    assert (answer["ok"], answer["code"]) == (False, "bad_response")
    assert "GIS" in answer["message"]
    assert "无法" in answer["message"]
    _Gis.mode = "slow"
    answer = lina_client.get(url).json()
    assert (answer["ok"], answer["code"]) == (False, "timeout")
    assert "超时" in answer["message"] or "未能及时" in answer["message"]
    _Gis.mode = "good"
    # The customer page still opens whatever the GIS does: it asks in the background.
    page = lina_client.get(f"/crm/customers/{vehicle.owner.number}/").content.decode()
    assert f'data-testid="position-{vehicle.plate}"' in page


def test_an_incomplete_gis_setting_is_refused_when_saved(db: None) -> None:
    from django.core.exceptions import ValidationError

    settings = GisSettings.current()
    settings.provider = {"base_url": "http://127.0.0.1:9"}
    with pytest.raises(ValidationError):
        settings.full_clean()
