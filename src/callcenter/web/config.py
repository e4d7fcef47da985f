"""Reads the product's settings from the environment, failing fast with a fix.

Everything that differs between installations comes from environment variables read
here, once, before Django starts. A bad value stops start-up with a `ConfigError` whose
message says which variable is wrong and how to fix it; `callcenter` prints that message
and exits instead of showing a traceback.

Variables:
- ``CALLCENTER_DATA``: the data folder (SQLite database, secret key, uploads);
  default ``./var``.
- ``CALLCENTER_RECORDINGS``: the folder the switch writes call recordings to and the
  web plays them from; default ``recordings`` in the data folder.
- ``DATABASE_URL``: ``postgres://user:password@host:port/name`` to use PostgreSQL;
  default SQLite (WAL) in the data folder.
- ``CALLCENTER_SECRET_KEY``: overrides the key generated into the data folder.
- ``CALLCENTER_DEBUG``: ``1`` for Django's debug pages (development only).
- ``CALLCENTER_ALLOWED_HOSTS``: comma-separated host names the web answers to.
- ``CALLCENTER_ALLOW_DEMO``: ``0`` refuses to load the demo data (production).
- ``CALLCENTER_AREA_CODE``: the area code of the center's own city (``0755``, the
  default, Shenzhen): a caller ID without one is also looked up with it (`crm.phones`).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "callcenter.sqlite3"
SUPPORTED_DATABASE_SCHEMES = ("postgres", "postgresql", "pgsql", "sqlite")


class ConfigError(Exception):
    """A setting is missing or wrong; the message tells the operator how to fix it."""


@dataclass(frozen=True)
class Config:
    data_dir: Path
    recordings_dir: Path
    secret_key: str
    databases: dict[str, Any]
    debug: bool
    allowed_hosts: list[str] = field(default_factory=list)
    allow_demo: bool = True
    area_code: str = "0755"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(environ: dict[str, str] | os._Environ[str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value: set it to 1 or 0.")


def resolve_data_dir(environ: dict[str, str] | os._Environ[str]) -> Path:
    raw = environ.get("CALLCENTER_DATA") or "var"
    data_dir = Path(raw).expanduser().resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        for sub in ("static", "media"):
            (data_dir / sub).mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"The data folder {data_dir} cannot be created ({exc.strerror}). "
            "Set CALLCENTER_DATA to a folder this user may write to."
        ) from exc
    if not os.access(data_dir, os.W_OK):
        raise ConfigError(
            f"The data folder {data_dir} is not writable by this user. "
            "Fix its permissions or set CALLCENTER_DATA to another folder."
        )
    return data_dir


def resolve_recordings_dir(environ: dict[str, str] | os._Environ[str], data_dir: Path) -> Path:
    """Where recordings are kept: ``CALLCENTER_RECORDINGS``, else ``recordings`` in the
    data folder. Created when missing; it must be writable (the switch records there)."""
    raw = environ.get("CALLCENTER_RECORDINGS")
    if raw is not None and not raw.strip():
        raise ConfigError(
            "CALLCENTER_RECORDINGS is empty. Set it to the folder for call recordings, or "
            "unset it to keep them in the data folder."
        )
    folder = Path(raw).expanduser().resolve() if raw else data_dir / "recordings"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"The recordings folder {folder} cannot be created ({exc.strerror}). "
            "Set CALLCENTER_RECORDINGS to a folder this user may write to."
        ) from exc
    if not os.access(folder, os.W_OK):
        raise ConfigError(
            f"The recordings folder {folder} is not writable by this user. Fix its "
            "permissions or set CALLCENTER_RECORDINGS to another folder."
        )
    return folder


def resolve_secret_key(environ: dict[str, str] | os._Environ[str], data_dir: Path) -> str:
    """The key from the environment, else the one kept in the data folder (made once)."""
    from_env = environ.get("CALLCENTER_SECRET_KEY")
    if from_env is not None:
        if len(from_env) < 32:
            raise ConfigError(
                "CALLCENTER_SECRET_KEY is shorter than 32 characters. Use a long random "
                "value, or unset it to use the key generated in the data folder."
            )
        return from_env
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        key = secrets.token_urlsafe(50)
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(key)
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(
            f"The secret key in {path} is damaged (too short). Delete the file to have a "
            "new one generated (users will have to log in again)."
        )
    return key


def resolve_databases(environ: dict[str, str] | os._Environ[str], data_dir: Path) -> dict[str, Any]:
    url = (environ.get("DATABASE_URL") or "").strip()
    if not url:
        return {"default": sqlite_database(data_dir / SQLITE_FILE)}
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL has the scheme {scheme or '(none)'!r}, which is not supported. "
            "Use postgres://user:password@host:5432/name, or unset DATABASE_URL for SQLite."
        )
    import dj_database_url

    try:
        # No persistent connections: under ASGI every request runs in a thread of its own,
        # so a connection kept per thread would stay open for each request ever made and
        # exhaust the server's max_connections (Django's deployment docs say the same).
        database: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL cannot be read: {exc}.") from exc
    if scheme == "sqlite":
        return {"default": sqlite_database(Path(database["NAME"]))}
    if not database.get("NAME"):
        raise ConfigError(
            "DATABASE_URL names no database: add it after the host, as in "
            "postgres://postgres@127.0.0.1:5432/callcenter."
        )
    database["CONN_HEALTH_CHECKS"] = True
    database.setdefault("OPTIONS", {})["connect_timeout"] = 5
    return {"default": database}


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite in WAL mode: readers never wait for the writer, and a crash loses nothing
    committed. IMMEDIATE transactions take the write lock up front, so two writers queue
    instead of failing with "database is locked" half-way through."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        "TEST": {"NAME": None},
    }


def resolve_allowed_hosts(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    raw = environ.get("CALLCENTER_ALLOWED_HOSTS")
    if raw is None:
        return ["*"]
    hosts = [host.strip() for host in raw.split(",") if host.strip()]
    if not hosts:
        raise ConfigError(
            "CALLCENTER_ALLOWED_HOSTS is empty, so no request would be answered. List the "
            "host names of this server, separated by commas, or unset it."
        )
    return hosts


def load(environ: dict[str, str] | os._Environ[str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    data_dir = resolve_data_dir(env)
    return Config(
        data_dir=data_dir,
        recordings_dir=resolve_recordings_dir(env, data_dir),
        secret_key=resolve_secret_key(env, data_dir),
        databases=resolve_databases(env, data_dir),
        debug=_flag(env, "CALLCENTER_DEBUG", False),
        allowed_hosts=resolve_allowed_hosts(env),
        allow_demo=_flag(env, "CALLCENTER_ALLOW_DEMO", True),
        area_code=resolve_area_code(env),
    )


def resolve_area_code(environ: dict[str, str] | os._Environ[str]) -> str:
    raw = environ.get("CALLCENTER_AREA_CODE", "0755").strip()
    if not (raw.startswith("0") and raw.isdigit() and 3 <= len(raw) <= 4):
        raise ConfigError(
            f"CALLCENTER_AREA_CODE={raw!r} is not an area code: give the city's code with "
            "its leading 0, e.g. 0755 (Shenzhen) or 010 (Beijing)."
        )
    return raw
