"""Starts a real `callcenter serve` for tests that talk to it as users and phones would.

The server runs in its own process with its own data folder and database (a fresh SQLite
file, or a fresh PostgreSQL database when the suite runs on PostgreSQL), on a free port of
127.0.0.1, with the demo data loaded. It is stopped by its PID at the end.
"""

from __future__ import annotations

import http.cookiejar
import os
import random
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class RunningCallcenter:
    url: str
    data_dir: Path
    env: dict[str, str]
    log: Path
    sip_port: int
    sip_host: str = "127.0.0.1"
    pid: int = 0

    @property
    def sip_address(self) -> str:
        return f"{self.sip_host}:{self.sip_port}"

    def query(self, code: str) -> str:
        """Run Python in `callcenter manage shell` against the server's database; its output."""
        result = subprocess.run(
            [sys.executable, "-m", "callcenter", "manage", "shell", "--no-imports", "-c", code],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.strip()

    def admin_session(self) -> WebSession:
        session = WebSession(self.url)
        session.log_in("admin", "admin")
        return session


class WebSession:
    """A logged-in browser-less session: cookies, CSRF token, GET and POST."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return str(response.read().decode())

    def post(self, path: str, data: Mapping[str, str | list[str]]) -> str:
        """A form posted (a list: one field sent with several values)."""
        self.get(path)
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        fields = {**data, "csrfmiddlewaretoken": token or ""}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base}
        )
        with self.opener.open(request, timeout=10) as response:
            return str(response.read().decode())

    def log_in(self, agent_id: str, password: str, extension: str = "") -> None:
        page = self.post(
            "/accounts/login/", {"agent_id": agent_id, "password": password, "extension": extension}
        )
        if 'data-testid="logout"' not in page:
            raise RuntimeError(f"login as {agent_id} failed")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_sip_port() -> int:
    """A port free on 127.0.0.1 for both UDP and TCP."""
    for _ in range(50):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port for SIP on 127.0.0.1")


@contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A new, empty database on the server of `base_url`, dropped afterwards."""
    import psycopg

    parts = urlsplit(base_url)
    name = f"callcenter_e2e_{uuid.uuid4().hex[:10]}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"callcenter {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


@contextmanager
def running_callcenter(
    tmp: Path, setup: Sequence[Sequence[str]] = (), serve_args: Sequence[str] = ()
) -> Iterator[RunningCallcenter]:
    """`setup`: more `callcenter …` commands run after the demo data, before serving;
    `serve_args`: more options for `callcenter serve`. RTP uses 200 ports from 33000-39999,
    apart from the ranges the test phones pick (20000-32000)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env["CALLCENTER_DATA"] = str(tmp / "data")
    database_url = os.environ.get("DATABASE_URL", "")
    with (
        postgres_database(database_url)
        if database_url.startswith("postgres")
        else _sqlite(env) as url
    ):
        if url:
            env["DATABASE_URL"] = url
        _run(env, "migrate", "--no-input")
        _run(env, "demo")
        for command in setup:
            _run(env, *command)
        port = free_port()
        sip_port = free_sip_port()
        log = tmp / "serve.log"
        command = [sys.executable, "-m", "callcenter", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--sip-host", "127.0.0.1", "--sip-port", str(sip_port)]
        rtp_low = random.randrange(33000, 39800, 2)
        command += ["--rtp-ports", f"{rtp_low}-{rtp_low + 199}", *serve_args]
        with log.open("w") as output:
            process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, process, log)
            yield RunningCallcenter(
                url=base,
                data_dir=tmp / "data",
                env=env,
                log=log,
                sip_port=sip_port,
                pid=process.pid,
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def _sqlite(env: dict[str, str]) -> Iterator[str]:
    env.pop("DATABASE_URL", None)
    yield ""


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"callcenter serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"callcenter serve did not become healthy:\n{log.read_text()}")
