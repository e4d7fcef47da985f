"""Vehicle position and details from the GIS system (REQUIREMENTS B3; seed §4.4–4.5).

The agent presses 车辆位置 or 详细信息 beside a vehicle of the popped customer and the
desk asks the GIS. This module owns that question and nothing else: the typed answers
(`VehiclePosition`, `VehicleDetails`), the one exception (`GisError`, with a stable
``code`` the view turns into a Chinese message), the `GisProvider` interface and its two
implementations. It imports nothing from Django: a view calls it from a worker thread, and
the tests drive it against a local HTTP server.

Providers
---------
- `HttpJsonProvider` asks a GIS that answers JSON over HTTP(S), with the standard library
  only. The plate is percent-encoded into the path (``粤B12345`` → ``%E7%B2%A4B12345``).
  Credentials are HTTP Basic (username and password) or a bearer token, never both. The
  proxy variables of the environment are ignored and redirects are not followed (they
  would carry the credentials elsewhere): a 3xx is an ``http_error``.
- `DemoProvider` invents a stable position in Shenzhen from the plate, so that the demo
  shows something offline. It is marked: ``demo`` is true, addresses and models start with
  ``【演示】``.
- `provider_from_settings` builds one from the plain dict stored in the database.

Settings (the dict given to `provider_from_settings`)
-----------------------------------------------------
``None``, ``{}`` or ``"kind": "demo"`` is the demo provider (other keys are then kept but
unused, so switching back to the GIS loses nothing). Otherwise, with
``"kind": "http_json"`` (the default when other keys are present)::

    {
      "base_url": "https://gis.example.cn/api",        # required, http or https
      "position_path": "/vehicles/{plate}/position",     # required, must contain {plate}
      "details_path": "/vehicles/{plate}",               # optional; "" = no details
      "username": "callcenter", "password": "…",        # HTTP Basic, or
      "token": "…",                                      # Authorization: Bearer …
      "timeout_seconds": 2.0,                            # 0 < t ≤ 30
      "fields": {"longitude": "data.lng", "latitude": "data.lat", "at": "data.gpsTime"}
    }

An unknown key, a missing required one or a contradictory pair is ``not_configured``.

Field mapping
-------------
``fields`` maps our field names to a dotted path in the provider's JSON: ``data.lng`` is
``answer["data"]["lng"]``; a segment made of digits indexes a list
(``data.points.0.lng``). A field left out of the mapping is looked up at the top level
under its own name. Our fields:

- position: ``longitude`` and ``latitude`` (degrees, −180..180 and −90..90), ``at`` (the
  time of the fix) — all three required; ``address``, ``speed_kmh`` (≥ 0), ``heading``
  (degrees, 0..360) — optional.
- details (the 详细信息 window): ``vin`` (车架号), ``model`` (车型), ``status`` (车辆状态),
  ``soc_percent`` (电量 SOC, 0..100), ``mileage_km`` (总里程, ≥ 0), ``updated_at`` — all
  optional, but an answer with none of them and nothing in ``extra`` is a
  ``bad_response``. ``extra`` is the path of an object (the top level by default) whose
  other scalar members are shown as they come, name and value.

A field named in the mapping must be in the answer (else ``bad_response``: the
configuration says the provider sends it); JSON ``null`` leaves an optional field empty.
Numbers may come as JSON numbers or numeric strings. Times may be ISO 8601, epoch seconds
or milliseconds (number or digits), or ``YYYY-MM-DD HH:MM:SS`` / ``YYYY/MM/DD HH:MM:SS``;
a time without an offset is Beijing time (UTC+8, no daylight saving since 1991).
Coordinates are passed on as the GIS gives them (WGS-84 or GCJ-02): no datum conversion.

Errors
------
Every failure is a `GisError` whose ``code`` is one of ``timeout``, ``unreachable``,
``http_error``, ``bad_response``, ``not_found`` (HTTP 404 or an empty plate) and
``not_configured``; no other exception leaves `position()` or `details()`. The timeout
covers connecting and every wait for data, and the whole answer must arrive within it
(checked between reads), so a call takes at most about twice the timeout.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import logging
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from time import monotonic
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypeVar

__all__ = [
    "BEIJING",
    "DemoProvider",
    "GisError",
    "GisErrorCode",
    "GisProvider",
    "HttpGisConfig",
    "HttpJsonProvider",
    "VehicleDetails",
    "VehiclePosition",
    "parse_time",
    "provider_from_settings",
]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Beijing time, in which a provider's times without an offset are read.
BEIJING = timezone(timedelta(hours=8), "CST")

#: The marker that starts every invented address and model.
DEMO_MARK = "【演示】"

MAX_BODY_BYTES = 1 << 20
MAX_EXTRA = 50

GisErrorCode = Literal[
    "timeout", "unreachable", "http_error", "bad_response", "not_found", "not_configured"
]


class GisError(Exception):
    """The GIS did not answer usefully: ``code`` is stable, ``detail`` short English."""

    def __init__(self, code: GisErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: GisErrorCode = code
        self.detail = detail


@dataclass(frozen=True)
class VehiclePosition:
    """Where a vehicle was at ``at`` (车辆位置)."""

    plate: str
    longitude: float
    latitude: float
    address: str
    speed_kmh: float | None
    at: datetime
    heading: float | None = None


@dataclass(frozen=True)
class VehicleDetails:
    """What the GIS knows of a vehicle (详细信息); empty strings and ``None`` are unknown."""

    plate: str
    vin: str = ""
    model: str = ""
    status: str = ""
    soc_percent: float | None = None
    mileage_km: float | None = None
    updated_at: datetime | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


class GisProvider(Protocol):
    """Answers for one plate, or raises `GisError`."""

    @property
    def demo(self) -> bool: ...

    def position(self, plate: str) -> VehiclePosition: ...

    def details(self, plate: str) -> VehicleDetails: ...


POSITION_FIELDS = ("longitude", "latitude", "at", "address", "speed_kmh", "heading")
REQUIRED_POSITION_FIELDS = frozenset({"longitude", "latitude", "at"})
DETAILS_FIELDS = ("vin", "model", "status", "soc_percent", "mileage_km", "updated_at")
MAPPABLE_FIELDS = frozenset((*POSITION_FIELDS, *DETAILS_FIELDS, "extra"))


@dataclass(frozen=True)
class HttpGisConfig:
    """How to reach an HTTP/JSON GIS; see the module docstring. Invalid → not_configured."""

    base_url: str
    position_path: str
    details_path: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    timeout_seconds: float = 2.0
    fields: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        url = urllib.parse.urlsplit(self.base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise GisError("not_configured", "base_url must be an http or https URL")
        if "{plate}" not in self.position_path:
            raise GisError("not_configured", "position_path must contain {plate}")
        if self.details_path and "{plate}" not in self.details_path:
            raise GisError("not_configured", "details_path must contain {plate}")
        if self.token and (self.username or self.password):
            raise GisError("not_configured", "give a username and password or a token, not both")
        if not self.token.isascii():
            raise GisError("not_configured", "the token must be ASCII")
        if self.password and not self.username:
            raise GisError("not_configured", "a password needs a username")
        timeout = self.timeout_seconds
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise GisError("not_configured", "timeout_seconds must be a number")
        if not 0 < timeout <= 30:
            raise GisError("not_configured", "timeout_seconds must be in (0, 30]")
        for name, path in self.fields.items():
            if name not in MAPPABLE_FIELDS:
                raise GisError("not_configured", f"unknown field {name!r} in fields")
            if not isinstance(path, str) or (path and "" in path.split(".")):
                raise GisError("not_configured", f"bad path {path!r} for field {name!r}")
            if not path and name != "extra":
                raise GisError("not_configured", f"empty path for field {name!r}")
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpJsonProvider:
    """A GIS answering JSON over HTTP(S); safe to share between threads."""

    demo = False

    def __init__(self, config: HttpGisConfig) -> None:
        self.config = config
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
        headers = {"Accept": "application/json", "User-Agent": "callcenter-gis/1"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        elif config.username:
            pair = f"{config.username}:{config.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        self._headers = headers

    def position(self, plate: str) -> VehiclePosition:
        plate = _plate(plate)
        return self._guarded(lambda: self._position(plate))

    def details(self, plate: str) -> VehicleDetails:
        plate = _plate(plate)
        if not self.config.details_path:
            raise GisError("not_configured", "no details_path")
        return self._guarded(lambda: self._details(plate))

    def _guarded(self, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except GisError:
            raise
        except Exception as error:  # a bug or an input we did not foresee: never escape
            log.exception("unexpected error from the GIS at %s", self.config.base_url)
            raise GisError("bad_response", type(error).__name__) from error

    def _position(self, plate: str) -> VehiclePosition:
        answer = self._get(self.config.position_path, plate)
        longitude = _number("longitude", self._field(answer, "longitude"), -180, 180)
        latitude = _number("latitude", self._field(answer, "latitude"), -90, 90)
        at = parse_time(self._field(answer, "at"))
        if longitude is None or latitude is None:  # _field refuses null for these
            raise GisError("bad_response", "no coordinates in the answer")
        return VehiclePosition(
            plate=plate,
            longitude=longitude,
            latitude=latitude,
            address=_text("address", self._field(answer, "address")),
            speed_kmh=_number("speed_kmh", self._field(answer, "speed_kmh"), 0, math.inf),
            at=at,
            heading=_number("heading", self._field(answer, "heading"), 0, 360),
        )

    def _details(self, plate: str) -> VehicleDetails:
        answer = self._get(self.config.details_path, plate)
        updated = self._field(answer, "updated_at")
        details = VehicleDetails(
            plate=plate,
            vin=_text("vin", self._field(answer, "vin")),
            model=_text("model", self._field(answer, "model")),
            status=_text("status", self._field(answer, "status")),
            soc_percent=_number("soc_percent", self._field(answer, "soc_percent"), 0, 100),
            mileage_km=_number("mileage_km", self._field(answer, "mileage_km"), 0, math.inf),
            updated_at=None if updated is None else parse_time(updated),
            extra=self._extra(answer),
        )
        if details == VehicleDetails(plate=plate):
            raise GisError("bad_response", "no vehicle details in the answer")
        return details

    def _field(self, answer: object, name: str) -> object:
        """The value at the field's path; None when absent and allowed to be."""
        explicit = name in self.config.fields
        path = self.config.fields.get(name, name)
        value = _resolve(answer, path)
        if value is _MISSING:
            if explicit or name in REQUIRED_POSITION_FIELDS:
                raise GisError("bad_response", f"no {path!r} ({name}) in the answer")
            return None
        if value is None and name in REQUIRED_POSITION_FIELDS:
            raise GisError("bad_response", f"{path!r} ({name}) is null")
        return value

    def _extra(self, answer: object) -> dict[str, str]:
        path = self.config.fields.get("extra", "")
        holder = _resolve(answer, path)
        if holder is _MISSING or ("extra" in self.config.fields and not isinstance(holder, dict)):
            raise GisError("bad_response", f"no object at {path!r} (extra) in the answer")
        if not isinstance(holder, dict):
            return {}
        used = {self.config.fields.get(name, name) for name in (*POSITION_FIELDS, *DETAILS_FIELDS)}
        extra: dict[str, str] = {}
        for key, value in holder.items():
            if (f"{path}.{key}" if path else key) in used:
                continue
            if isinstance(value, str | int | float) and len(extra) < MAX_EXTRA:
                extra[str(key)] = _text(str(key), value)
        return extra

    def _get(self, template: str, plate: str) -> object:
        """GETs the plate's URL and returns the decoded JSON."""
        config = self.config
        url = config.base_url.rstrip("/") + template.replace(
            "{plate}", urllib.parse.quote(plate, safe="")
        )
        request = urllib.request.Request(url, headers=self._headers)
        deadline = monotonic() + config.timeout_seconds
        try:
            with self._opener.open(request, timeout=config.timeout_seconds) as response:
                charset = response.headers.get_content_charset()
                body = _read(response, deadline)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 404:
                raise GisError("not_found", "HTTP 404") from error
            raise GisError("http_error", f"HTTP {error.code}") from error
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise GisError("timeout", f"no answer within {config.timeout_seconds} s") from error
            raise GisError("unreachable", str(reason)) from error
        except TimeoutError as error:
            raise GisError("timeout", f"no answer within {config.timeout_seconds} s") from error
        except http.client.HTTPException as error:
            raise GisError("bad_response", f"not HTTP: {type(error).__name__}") from error
        except OSError as error:
            raise GisError("unreachable", str(error) or type(error).__name__) from error
        try:
            return json.loads(body.decode(charset) if charset else body)
        except (ValueError, LookupError, RecursionError) as error:
            raise GisError("bad_response", "the answer is not JSON") from error


def _read(response: http.client.HTTPResponse, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(65536):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise GisError("bad_response", f"the answer is larger than {MAX_BODY_BYTES} bytes")
        if monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


class DemoProvider:
    """Invented but stable answers in Shenzhen, marked 【演示】, for a desk with no GIS."""

    demo = True

    PLACES = (
        ("深圳市福田区深南大道福田中心区", 114.0579, 22.5431),
        ("深圳市南山区科技园科苑路", 113.9536, 22.5405),
        ("深圳市罗湖区人民南路", 114.1182, 22.5409),
        ("深圳市宝安区宝安大道", 113.8837, 22.5554),
        ("深圳市龙华区民治大道", 114.0340, 22.6260),
        ("深圳市龙岗区龙岗大道", 114.2470, 22.7200),
        ("深圳市福田区福田保税区", 114.0400, 22.5100),
        ("深圳市南山区蛇口港", 113.9150, 22.4850),
    )
    MODELS = ("纯电动城市客车 12 米", "纯电动物流车 4.5 吨", "纯电动轻型客车 6 米")
    VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(BEIJING).replace(microsecond=0))

    def position(self, plate: str) -> VehiclePosition:
        plate = _plate(plate)
        digest = _digest(plate)
        place, longitude, latitude = self.PLACES[digest[0] % len(self.PLACES)]
        moving = _moving(digest)
        return VehiclePosition(
            plate=plate,
            longitude=round(longitude + (digest[1] - 128) / 25600, 6),
            latitude=round(latitude + (digest[2] - 128) / 25600, 6),
            address=f"{DEMO_MARK}{place}附近",
            speed_kmh=float(20 + digest[3] % 50) if moving else 0.0,
            at=self.clock(),
            heading=float(int.from_bytes(digest[6:8]) % 360),
        )

    def details(self, plate: str) -> VehicleDetails:
        plate = _plate(plate)
        digest = _digest(plate)
        vin = "LDEMO" + "".join(
            self.VIN_ALPHABET[byte % len(self.VIN_ALPHABET)] for byte in digest[8:20]
        )
        return VehicleDetails(
            plate=plate,
            vin=vin,
            model=DEMO_MARK + self.MODELS[digest[20] % len(self.MODELS)],
            status="行驶中" if _moving(digest) else ("停放", "充电中")[digest[21] % 2],
            soc_percent=float(20 + digest[22] % 81),
            mileage_km=float(10000 + int.from_bytes(digest[23:26]) % 190000),
            updated_at=self.clock(),
            extra={"说明": "演示数据，非真实车辆"},
        )


HTTP_KEYS = frozenset(
    {
        "kind",
        "base_url",
        "position_path",
        "details_path",
        "username",
        "password",
        "token",
        "timeout_seconds",
        "fields",
    }
)


def provider_from_settings(mapping: Mapping[str, object] | None) -> GisProvider:
    """The provider the stored settings describe (module docstring); else not_configured."""
    if not mapping or mapping.get("kind") == "demo":
        return DemoProvider()
    kind = mapping.get("kind", "http_json")
    if kind != "http_json":
        raise GisError("not_configured", f"unknown kind {kind!r}")
    unknown = sorted(set(mapping) - HTTP_KEYS)
    if unknown:
        raise GisError("not_configured", f"unknown keys {', '.join(map(repr, unknown))}")
    for key in ("base_url", "position_path"):
        if not mapping.get(key):
            raise GisError("not_configured", f"{key} is missing")
    for key in ("base_url", "position_path", "details_path", "username", "password", "token"):
        if not isinstance(mapping.get(key, ""), str):
            raise GisError("not_configured", f"{key} must be a string")
    fields = mapping.get("fields", {})
    if not isinstance(fields, dict) or not all(isinstance(key, str) for key in fields):
        raise GisError("not_configured", "fields must be an object of field: path")
    timeout = mapping.get("timeout_seconds", 2.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise GisError("not_configured", "timeout_seconds must be a number")
    config = HttpGisConfig(
        base_url=str(mapping["base_url"]),
        position_path=str(mapping["position_path"]),
        details_path=str(mapping.get("details_path", "")),
        username=str(mapping.get("username", "")),
        password=str(mapping.get("password", "")),
        token=str(mapping.get("token", "")),
        timeout_seconds=float(timeout),
        fields=fields,
    )
    return HttpJsonProvider(config)


def parse_time(value: object) -> datetime:
    """A provider's time as an aware datetime (formats in the module docstring)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value <= 0:
            raise GisError("bad_response", f"bad epoch time {value!r}")
        seconds = value / 1000 if value >= 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, BEIJING)
        except (OverflowError, OSError, ValueError) as error:
            raise GisError("bad_response", f"bad epoch time {value!r}") from error
    if not isinstance(value, str):
        raise GisError("bad_response", f"bad time {value!r}")
    text = value.strip()
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        try:
            at = datetime.strptime(text, "%Y/%m/%d %H:%M:%S")
        except ValueError as error:
            raise GisError("bad_response", f"bad time {text[:40]!r}") from error
    return at if at.tzinfo else at.replace(tzinfo=BEIJING)


_MISSING: Any = object()


def _resolve(document: object, path: str) -> object:
    """The value at a dotted path, or _MISSING."""
    value = document
    for segment in path.split(".") if path else ():
        if isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return _MISSING
    return value


def _number(name: str, value: object, low: float, high: float) -> float | None:
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not low <= number <= high:
        raise GisError("bad_response", f"bad {name} {value!r}"[:80])
    return number


def _text(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value).strip()
    raise GisError("bad_response", f"{name} is not text")


def _plate(plate: str) -> str:
    plate = plate.strip() if isinstance(plate, str) else ""
    if not plate:
        raise GisError("not_found", "no plate")
    return plate


def _digest(plate: str) -> bytes:
    return hashlib.sha256(plate.encode()).digest()


def _moving(digest: bytes) -> bool:
    """Whether a demo vehicle is on the road: its speed and status agree."""
    return digest[5] % 3 != 0
