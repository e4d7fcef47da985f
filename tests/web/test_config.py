"""Settings from the environment, and start-up that fails with a fix (issue: settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from callcenter.web import config


def test_defaults_use_sqlite_in_wal_mode_in_the_data_folder(tmp_path: Path) -> None:
    loaded = config.load({"CALLCENTER_DATA": str(tmp_path)})
    database = loaded.databases["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "callcenter.sqlite3")
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert loaded.debug is False


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = config.load({"CALLCENTER_DATA": str(tmp_path)}).secret_key
    second = config.load({"CALLCENTER_DATA": str(tmp_path)}).secret_key
    assert first == second
    assert len(first) >= 50
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_database_url_selects_postgresql(tmp_path: Path) -> None:
    loaded = config.load(
        {"CALLCENTER_DATA": str(tmp_path), "DATABASE_URL": "postgres://cc:pw@db.local:5433/cc"}
    )
    database = loaded.databases["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.local", 5433, "cc")


@pytest.mark.parametrize(
    ("environ", "fix"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/cc"}, "Use postgres://"),
        ({"DATABASE_URL": "postgres://localhost:5432"}, "names no database"),
        ({"CALLCENTER_SECRET_KEY": "short"}, "shorter than 32 characters"),
        ({"CALLCENTER_DEBUG": "maybe"}, "set it to 1 or 0"),
        ({"CALLCENTER_ALLOWED_HOSTS": " , "}, "List the host names"),
    ],
)
def test_bad_settings_say_how_to_fix_them(
    tmp_path: Path, environ: dict[str, str], fix: str
) -> None:
    with pytest.raises(config.ConfigError, match=fix):
        config.load({"CALLCENTER_DATA": str(tmp_path), **environ})


def test_unwritable_data_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(config.ConfigError, match="CALLCENTER_DATA"):
        config.load({"CALLCENTER_DATA": str(blocker / "data")})


def run_cli(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_serve_refuses_a_bad_setting_without_a_traceback(tmp_path: Path) -> None:
    result = run_cli(
        "serve", CALLCENTER_DATA=str(tmp_path), DATABASE_URL="mysql://root@127.0.0.1/cc"
    )
    assert result.returncode == 2
    assert "callcenter: DATABASE_URL has the scheme 'mysql'" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_unreachable_database(tmp_path: Path) -> None:
    result = run_cli(
        "serve",
        CALLCENTER_DATA=str(tmp_path),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/cc",
    )
    assert result.returncode == 2
    assert "cannot connect to the postgresql database at 127.0.0.1" in result.stderr
    assert "Check DATABASE_URL" in result.stderr


def test_serve_refuses_a_database_without_tables(tmp_path: Path) -> None:
    result = run_cli("serve", CALLCENTER_DATA=str(tmp_path))
    assert result.returncode == 2
    assert "Run `callcenter migrate` first" in result.stderr


def test_demo_is_refused_in_production(tmp_path: Path) -> None:
    assert run_cli("migrate", "--no-input", CALLCENTER_DATA=str(tmp_path)).returncode == 0
    refused = run_cli("demo", CALLCENTER_DATA=str(tmp_path), CALLCENTER_ALLOW_DEMO="0")
    assert refused.returncode == 2
    assert "Demo data is refused here" in refused.stderr


def test_recordings_folder_is_in_the_data_folder_unless_set(tmp_path: Path) -> None:
    default = config.load({"CALLCENTER_DATA": str(tmp_path / "data")})
    assert default.recordings_dir == tmp_path / "data" / "recordings"
    assert default.recordings_dir.is_dir()
    elsewhere = config.load(
        {"CALLCENTER_DATA": str(tmp_path / "data"), "CALLCENTER_RECORDINGS": str(tmp_path / "r")}
    )
    assert elsewhere.recordings_dir == tmp_path / "r"
    assert elsewhere.recordings_dir.is_dir()


def test_bad_recordings_folder_says_how_to_fix_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(config.ConfigError, match="Set CALLCENTER_RECORDINGS"):
        config.load({"CALLCENTER_DATA": str(tmp_path), "CALLCENTER_RECORDINGS": str(blocker)})
    with pytest.raises(config.ConfigError, match="CALLCENTER_RECORDINGS is empty"):
        config.load({"CALLCENTER_DATA": str(tmp_path), "CALLCENTER_RECORDINGS": " "})
