"""Free ports on 127.0.0.1 and the start and stop of the peers' processes.

A port is "free" when this process could bind it a moment ago; the peer binds it right
after, so a clash is unlikely but possible, and shows up as the peer failing to start.
Processes are stopped by their own PID only: a polite signal first, SIGKILL after a delay.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"
# Ports handed out by free_udp_range come from below Linux's ephemeral range (32768+), so
# the kernel does not give them to other sockets in the meantime.
_RANGE_LOW, _RANGE_HIGH = 20000, 32000


def _bindable(port: int, kind: socket.SocketKind) -> bool:
    with socket.socket(socket.AF_INET, kind) as probe:
        if kind == socket.SOCK_STREAM:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port(*, udp: bool = True, tcp: bool = True) -> int:
    """A port of 127.0.0.1 free for the asked protocols (both by default)."""
    for _ in range(200):
        kind = socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind((HOST, 0))
            port = int(probe.getsockname()[1])
        if (not udp or _bindable(port, socket.SOCK_DGRAM)) and (
            not tcp or _bindable(port, socket.SOCK_STREAM)
        ):
            return port
    raise RuntimeError("no free port found on 127.0.0.1")


def free_sip_port() -> int:
    """A SIP port free on UDP and TCP whose next port is free too (baresip binds TLS there)."""
    for _ in range(200):
        port = free_port()
        if port < 65535 and all(
            _bindable(port + 1, kind) for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM)
        ):
            return port
    raise RuntimeError("no free pair of SIP ports found on 127.0.0.1")


def free_udp_range(count: int) -> tuple[int, int]:
    """An even first port and the last of `count` consecutive UDP ports free now (for RTP)."""
    for _ in range(200):
        first = random.randrange(_RANGE_LOW, _RANGE_HIGH - count, 2)
        if all(_bindable(port, socket.SOCK_DGRAM) for port in range(first, first + count)):
            return first, first + count - 1
    raise RuntimeError(f"no {count} consecutive free UDP ports found on 127.0.0.1")


def start(command: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """Starts `command` with stdin from /dev/null and stdout+stderr into `log`.

    The process leads its own process group, so that the fallback of `stop` can reach the
    children it forked itself (Kamailio's workers) and nothing else.
    """
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM to the process; SIGKILL to its own group if it has not exited in `timeout`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            pass
        # Not reaped yet, so the group id is still this process's own (see `start`).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until(check: Callable[[], object], timeout: float, interval: float = 0.05) -> bool:
    """Polls `check()` until it is truthy or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
