"""The GIS client (`callcenter.crm.gis`) against a stand-in GIS on 127.0.0.1, and the demo.

The stand-in, under ``/api``, answers each raw request path with a canned `Reply` (JSON, garbage, a
status, late, byte by byte, or not HTTP at all) and records the path and Authorization
header it received. A path it does not know is a 404. The vehicle is 粤B12345, the
popped customer's bus.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from callcenter.crm.gis import (
    BEIJING,
    DemoProvider,
    GisError,
    HttpGisConfig,
    HttpJsonProvider,
    VehicleDetails,
    VehiclePosition,
    parse_time,
    provider_from_settings,
)

PLATE = "粤B12345"
QUOTED = "%E7%B2%A4B12345"
POSITION = f"/vehicles/{QUOTED}/position"
DETAILS = f"/vehicles/{QUOTED}"
FIELDS = {
    "longitude": "data.lng",
    "latitude": "data.lat",
    "address": "data.addr",
    "speed_kmh": "data.speed",
    "heading": "data.dir",
    "at": "data.gpsTime",
}
FIX = {
    "lng": "114.0579",
    "lat": 22.5431,
    "addr": "深圳市福田区深南大道 6008 号",
    "speed": 36.5,
    "dir": 90,
    "gpsTime": "2024-06-01 09:30:00",
}
# 2024-06-01 09:30:00 in Beijing.
MOMENT = datetime(2024, 6, 1, 1, 30, tzinfo=UTC)


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0  # before the status line
    trickle: float = 0.0  # between the bytes of the body
    raw: bytes | None = None  # written as is instead of an HTTP answer
    location: str = ""


class StandInGis:
    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.seen: list[tuple[str, str | None]] = []
        self.release = threading.Event()
        gis = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gis.seen.append((self.path, self.headers.get("Authorization")))
                path = self.path.removeprefix("/api")
                reply = gis.replies.get(path, Reply(b'{"error": "no such vehicle"}', 404))
                if gis.release.wait(reply.delay):
                    return
                if reply.raw is not None:
                    self.wfile.write(reply.raw)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                if reply.location:
                    self.send_header("Location", reply.location)
                self.end_headers()
                for index in range(len(reply.body)):
                    try:
                        self.wfile.write(reply.body[index : index + 1])
                        self.wfile.flush()
                    except OSError:  # the client hung up (a timeout, an error status)
                        return
                    if reply.trickle and gis.release.wait(reply.trickle):
                        return

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def json(self, path: str, document: object, status: int = 200) -> None:
        self.replies[path] = Reply(json.dumps(document, ensure_ascii=False).encode(), status)


@pytest.fixture
def gis() -> Iterator[StandInGis]:
    stand_in = StandInGis()
    stand_in.thread.start()
    yield stand_in
    stand_in.release.set()
    stand_in.server.shutdown()
    stand_in.server.server_close()


def provider(gis: StandInGis, **overrides: Any) -> HttpJsonProvider:
    settings: dict[str, Any] = {
        "base_url": gis.url,
        "position_path": "/vehicles/{plate}/position",
        "details_path": "/vehicles/{plate}",
        "username": "callcenter",
        "password": "s3cret",
        "timeout_seconds": 0.3,
        "fields": FIELDS,
    }
    settings.update(overrides)
    return HttpJsonProvider(HttpGisConfig(**settings))


def error_of(call: Any, *args: Any) -> GisError:
    with pytest.raises(GisError) as caught:
        call(*args)
    return caught.value


# The HTTP/JSON provider: answers


def test_the_position_is_read_through_the_field_mapping(gis: StandInGis) -> None:
    gis.json(POSITION, {"code": 0, "data": FIX})

    position = provider(gis).position(PLATE)

    assert position == VehiclePosition(
        plate=PLATE,
        longitude=114.0579,
        latitude=22.5431,
        address="深圳市福田区深南大道 6008 号",
        speed_kmh=36.5,
        at=MOMENT,
        heading=90.0,
    )
    assert position.at.utcoffset() == BEIJING.utcoffset(None)


def test_the_plate_is_percent_encoded_and_basic_credentials_are_sent(gis: StandInGis) -> None:
    gis.json(POSITION, {"data": FIX})

    provider(gis).position(PLATE)

    assert gis.seen == [(f"/api{POSITION}", "Basic Y2FsbGNlbnRlcjpzM2NyZXQ=")]


def test_a_token_is_sent_as_bearer(gis: StandInGis) -> None:
    gis.json(POSITION, {"data": FIX})

    provider(gis, username="", password="", token="tok-123").position(PLATE)

    assert gis.seen == [(f"/api{POSITION}", "Bearer tok-123")]


def test_without_credentials_no_authorization_is_sent(gis: StandInGis) -> None:
    gis.json(POSITION, {"data": FIX})

    provider(gis, username="", password="").position(PLATE)

    assert gis.seen == [(f"/api{POSITION}", None)]


def test_a_path_can_index_a_list_and_the_time_be_epoch_milliseconds(gis: StandInGis) -> None:
    gis.json(
        POSITION,
        {"result": {"points": [{"x": 113.95, "y": 22.54, "t": 1717205400000}, {"x": 0}]}},
    )
    fields = {"longitude": "result.points.0.x", "latitude": "result.points.0.y"}

    position = provider(gis, fields={**fields, "at": "result.points.0.t"}).position(PLATE)

    assert (position.longitude, position.latitude, position.at) == (113.95, 22.54, MOMENT)
    assert (position.address, position.speed_kmh, position.heading) == ("", None, None)


def test_unmapped_fields_are_read_at_the_top_level_and_may_be_absent(gis: StandInGis) -> None:
    gis.json(POSITION, {"longitude": 114.1, "latitude": 22.6, "at": "2024-06-01T01:30:00Z"})

    position = provider(gis, fields={}).position(PLATE)

    assert position == VehiclePosition(PLATE, 114.1, 22.6, "", None, MOMENT)


def test_null_optional_fields_are_left_empty(gis: StandInGis) -> None:
    gis.json(POSITION, {"data": {**FIX, "addr": None, "speed": None}})

    position = provider(gis).position(PLATE)

    assert (position.address, position.speed_kmh) == ("", None)


def test_an_answer_in_gbk_is_decoded_by_its_charset(gis: StandInGis) -> None:
    body = json.dumps({"data": FIX}, ensure_ascii=False).encode("gbk")
    gis.replies[POSITION] = Reply(body, content_type="application/json; charset=GBK")

    assert provider(gis).position(PLATE).address == "深圳市福田区深南大道 6008 号"


def test_details_come_with_the_providers_other_fields_as_extra(gis: StandInGis) -> None:
    gis.json(
        DETAILS,
        {
            "code": 0,
            "data": {
                "vinCode": "LKLA6C1H8MA000123",
                "modelName": "BJ6123 纯电动城市客车",
                "state": 1,
                "soc": "76.5",
                "odo": 123456.7,
                "updated": 1717205400,
                "driver": "王师傅",
                "motorTemp": 61,
                "doors": ["front", "rear"],
            },
        },
    )
    fields = {
        "vin": "data.vinCode",
        "model": "data.modelName",
        "status": "data.state",
        "soc_percent": "data.soc",
        "mileage_km": "data.odo",
        "updated_at": "data.updated",
        "extra": "data",
    }

    details = provider(gis, fields=fields).details(PLATE)

    assert details == VehicleDetails(
        plate=PLATE,
        vin="LKLA6C1H8MA000123",
        model="BJ6123 纯电动城市客车",
        status="1",
        soc_percent=76.5,
        mileage_km=123456.7,
        updated_at=MOMENT,
        extra={"driver": "王师傅", "motorTemp": "61"},
    )
    assert gis.seen[0][0] == f"/api{DETAILS}"


def test_details_without_a_details_path_are_not_configured(gis: StandInGis) -> None:
    error = error_of(provider(gis, details_path="").details, PLATE)

    assert error.code == "not_configured"
    assert gis.seen == []


def test_details_with_nothing_known_are_a_bad_response(gis: StandInGis) -> None:
    gis.json(DETAILS, {"data": {}})

    error = error_of(provider(gis, fields={"extra": "data"}).details, PLATE)

    assert (error.code, error.detail) == ("bad_response", "no vehicle details in the answer")


# The HTTP/JSON provider: failures, each with its code


@pytest.mark.parametrize(
    ("reply", "code", "detail"),
    [
        pytest.param(
            Reply(b"<html>oops</html>"), "bad_response", "the answer is not JSON", id="html"
        ),
        pytest.param(Reply(b""), "bad_response", "the answer is not JSON", id="empty"),
        pytest.param(Reply(b'{"data": '), "bad_response", "the answer is not JSON", id="cut"),
        pytest.param(Reply(b"{}", 500), "http_error", "HTTP 500", id="500"),
        pytest.param(Reply(b"{}", 401), "http_error", "HTTP 401", id="401"),
        pytest.param(
            Reply(b"", 302, location="http://example.org/"), "http_error", "HTTP 302", id="redirect"
        ),
        pytest.param(Reply(b"{}", 404), "not_found", "HTTP 404", id="404"),
        pytest.param(
            Reply(raw=b"garbage\r\n\r\n"), "bad_response", "not HTTP: BadStatusLine", id="not-http"
        ),
        pytest.param(
            Reply(b"[1, 2]"), "bad_response", "no 'data.lng' (longitude) in the answer", id="array"
        ),
    ],
)
def test_a_bad_answer_is_an_error_with_its_code(
    gis: StandInGis, reply: Reply, code: str, detail: str
) -> None:
    gis.replies[POSITION] = reply

    error = error_of(provider(gis).position, PLATE)

    assert (error.code, error.detail) == (code, detail)


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"lng": 200}, "bad longitude 200"),
        ({"lng": -180.5}, "bad longitude -180.5"),
        ({"lat": "91"}, "bad latitude '91'"),
        ({"lat": "north"}, "bad latitude 'north'"),
        ({"lat": True}, "bad latitude True"),
        ({"lat": math.nan}, "bad latitude nan"),
        ({"lat": None}, "'data.lat' (latitude) is null"),
        ({"speed": -3}, "bad speed_kmh -3"),
        ({"dir": 400}, "bad heading 400"),
        ({"addr": {"city": "深圳"}}, "address is not text"),
        ({"gpsTime": "yesterday"}, "bad time 'yesterday'"),
        ({"gpsTime": 0}, "bad epoch time 0"),
    ],
)
def test_wrong_values_are_a_bad_response(
    gis: StandInGis, change: dict[str, object], detail: str
) -> None:
    gis.json(POSITION, {"data": {**FIX, **change}})

    error = error_of(provider(gis).position, PLATE)

    assert (error.code, error.detail) == ("bad_response", detail)


@pytest.mark.parametrize("missing", ["lng", "addr", "gpsTime"])
def test_a_mapped_field_missing_from_the_answer_is_a_bad_response(
    gis: StandInGis, missing: str
) -> None:
    gis.json(POSITION, {"data": {key: v for key, v in FIX.items() if key != missing}})

    error = error_of(provider(gis).position, PLATE)

    assert error.code == "bad_response"
    assert f"'data.{missing}'" in error.detail


def test_an_unknown_plate_is_not_found(gis: StandInGis) -> None:
    error = error_of(provider(gis).position, "粤B99999")

    assert (error.code, error.detail) == ("not_found", "HTTP 404")
    assert gis.seen[0][0] == "/api/vehicles/%E7%B2%A4B99999/position"


def test_an_empty_plate_is_not_found_without_asking(gis: StandInGis) -> None:
    error = error_of(provider(gis).position, "  ")

    assert (error.code, error.detail) == ("not_found", "no plate")
    assert gis.seen == []


def test_a_slow_answer_is_a_timeout(gis: StandInGis) -> None:
    gis.replies[POSITION] = Reply(json.dumps({"data": FIX}).encode(), delay=5)
    started = time.monotonic()

    error = error_of(provider(gis).position, PLATE)

    assert (error.code, error.detail) == ("timeout", "no answer within 0.3 s")
    assert time.monotonic() - started < 1.0


def test_an_answer_trickling_in_past_the_timeout_is_a_timeout(gis: StandInGis) -> None:
    gis.replies[POSITION] = Reply(json.dumps({"data": FIX}).encode(), trickle=0.05)
    started = time.monotonic()

    error = error_of(provider(gis).position, PLATE)

    assert error.code == "timeout"
    assert time.monotonic() - started < 1.0


def test_nobody_listening_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = HttpGisConfig(f"http://127.0.0.1:{port}", "/v/{plate}", timeout_seconds=0.3)

    error = error_of(HttpJsonProvider(config).position, PLATE)

    assert error.code == "unreachable"
    assert "refused" in error.detail.lower()


def test_an_unforeseen_exception_is_a_bad_response(
    gis: StandInGis, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot = provider(gis)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(slot._opener, "open", explode)

    error = error_of(slot.position, PLATE)

    assert (error.code, error.detail) == ("bad_response", "RuntimeError")


# Times


@pytest.mark.parametrize(
    "value",
    [
        "2024-06-01T01:30:00Z",
        "2024-06-01T09:30:00+08:00",
        "2024-06-01T09:30:00",
        "2024-06-01 09:30:00",
        "2024/06/01 09:30:00",
        1717205400,
        1717205400.0,
        "1717205400",
        1717205400000,
        "1717205400000",
    ],
)
def test_times_in_the_usual_forms(value: object) -> None:
    at = parse_time(value)

    assert at == MOMENT
    assert at.tzinfo is not None


@pytest.mark.parametrize(
    "value", ["", "yesterday", "2024-13-01 00:00:00", True, None, [], -1, 1e30]
)
def test_other_times_are_a_bad_response(value: object) -> None:
    assert error_of(parse_time, value).code == "bad_response"


# The demo provider


def at_nine() -> datetime:
    return datetime(2024, 6, 1, 9, 30, tzinfo=BEIJING)


def test_the_demo_position_of_a_plate_is_stable_and_marked() -> None:
    position = DemoProvider(at_nine).position(PLATE)

    assert position == VehiclePosition(
        plate=PLATE,
        longitude=114.251297,
        latitude=22.721875,
        address="【演示】深圳市龙岗区龙岗大道附近",
        speed_kmh=41.0,
        at=at_nine(),
        heading=342.0,
    )
    assert DemoProvider(at_nine).position(PLATE) == position
    assert DemoProvider.demo is True
    assert HttpJsonProvider.demo is False


@pytest.mark.parametrize("plate", [PLATE, "粤B54321", "粤BD00001", "京A00001", "X"])
def test_every_demo_position_is_in_shenzhen_and_marked(plate: str) -> None:
    position = DemoProvider().position(plate)

    assert 113.7 < position.longitude < 114.4
    assert 22.4 < position.latitude < 22.8
    assert position.address.startswith("【演示】深圳市")
    assert position.at.tzinfo is not None


def test_different_plates_are_in_different_places() -> None:
    demo = DemoProvider(at_nine)

    assert demo.position("粤B54321").longitude == 113.952702
    assert demo.position("粤B54321").address == "【演示】深圳市南山区科技园科苑路附近"


def test_the_demo_details_are_stable_and_marked() -> None:
    details = DemoProvider(at_nine).details(PLATE)

    assert details == VehicleDetails(
        plate=PLATE,
        vin="LDEMOMFZ4DESB6G0C",
        model="【演示】纯电动物流车 4.5 吨",
        status="行驶中",
        soc_percent=75.0,
        mileage_km=186825.0,
        updated_at=at_nine(),
        extra={"说明": "演示数据，非真实车辆"},
    )
    assert len(details.vin) == 17


def test_the_demo_knows_no_empty_plate() -> None:
    assert error_of(DemoProvider().position, "").code == "not_found"
    assert error_of(DemoProvider().details, " ").code == "not_found"


# Settings


@pytest.mark.parametrize(
    "settings", [None, {}, {"kind": "demo"}, {"kind": "demo", "base_url": "https://gis.cn"}]
)
def test_no_settings_is_the_demo(settings: dict[str, object] | None) -> None:
    assert isinstance(provider_from_settings(settings), DemoProvider)


def test_stored_settings_build_the_http_provider(gis: StandInGis) -> None:
    gis.json(POSITION, {"code": 0, "data": FIX})
    settings = {
        "kind": "http_json",
        "base_url": gis.url,
        "position_path": "/vehicles/{plate}/position",
        "token": "tok-123",
        "timeout_seconds": 1,
        "fields": FIELDS,
    }

    built = provider_from_settings(settings)

    assert isinstance(built, HttpJsonProvider)
    assert built.config == HttpGisConfig(
        gis.url, "/vehicles/{plate}/position", token="tok-123", timeout_seconds=1.0, fields=FIELDS
    )
    assert built.position(PLATE).address == "深圳市福田区深南大道 6008 号"
    assert gis.seen == [(f"/api{POSITION}", "Bearer tok-123")]


GOOD = {"base_url": "https://gis.example.cn", "position_path": "/p/{plate}"}


@pytest.mark.parametrize(
    ("settings", "detail"),
    [
        ({"kind": "arcgis"}, "unknown kind 'arcgis'"),
        ({"base_url": "https://gis.example.cn"}, "position_path is missing"),
        ({"position_path": "/p/{plate}"}, "base_url is missing"),
        ({**GOOD, "url": "x"}, "unknown keys 'url'"),
        ({**GOOD, "base_url": "ftp://gis.example.cn"}, "base_url must be an http or https URL"),
        ({**GOOD, "base_url": "gis.example.cn"}, "base_url must be an http or https URL"),
        ({**GOOD, "position_path": "/position"}, "position_path must contain {plate}"),
        ({**GOOD, "details_path": "/details"}, "details_path must contain {plate}"),
        (
            {**GOOD, "username": "a", "password": "b", "token": "c"},
            "give a username and password or a token, not both",
        ),
        ({**GOOD, "password": "b"}, "a password needs a username"),
        ({**GOOD, "token": "令牌"}, "the token must be ASCII"),
        ({**GOOD, "username": 7}, "username must be a string"),
        ({**GOOD, "timeout_seconds": "2"}, "timeout_seconds must be a number"),
        ({**GOOD, "timeout_seconds": 0}, "timeout_seconds must be in (0, 30]"),
        ({**GOOD, "timeout_seconds": 60}, "timeout_seconds must be in (0, 30]"),
        ({**GOOD, "fields": ["data.lng"]}, "fields must be an object of field: path"),
        ({**GOOD, "fields": {"lng": "data.lng"}}, "unknown field 'lng' in fields"),
        ({**GOOD, "fields": {"longitude": ""}}, "empty path for field 'longitude'"),
        (
            {**GOOD, "fields": {"longitude": "data..lng"}},
            "bad path 'data..lng' for field 'longitude'",
        ),
        ({**GOOD, "fields": {"longitude": 3}}, "bad path 3 for field 'longitude'"),
    ],
)
def test_incomplete_or_contradictory_settings_are_not_configured(
    settings: dict[str, object], detail: str
) -> None:
    error = error_of(provider_from_settings, settings)

    assert (error.code, error.detail) == ("not_configured", detail)


def test_the_configuration_does_not_show_its_secrets() -> None:
    config = HttpGisConfig(**GOOD, username="callcenter", password="s3cret")  # type: ignore[arg-type]

    assert "s3cret" not in repr(config)
    assert "tok-123" not in repr(HttpGisConfig(**GOOD, token="tok-123"))  # type: ignore[arg-type]
