"""rtpengine as a benchmark peer: bencode, the ng control protocol, and the daemon itself.

Owns what the benchmarks need to drive Sipwise rtpengine (Debian ``rtpengine-daemon``) in
userspace on 127.0.0.1, with no dependency beyond the standard library:

- :func:`encode` and :func:`decode`: bencode (integers, byte strings, lists, dictionaries
  with sorted keys). Text is encoded as UTF-8; decoded strings stay ``bytes``, dictionary
  keys become ``str``. Malformed input raises :class:`BencodeError` saying where.
- :class:`NgClient`: one ng request is ``COOKIE SPACE bencoded-dictionary`` in one UDP
  datagram, and the reply echoes the cookie. rtpengine keeps its replies by cookie for a
  while, so a request that got no answer is sent again with the same cookie (it is not
  executed twice). A reply whose ``result`` is ``error`` raises :class:`NgError` with
  rtpengine's ``error-reason``.
- :class:`Rtpengine`: the daemon in the foreground (``--table=-1``: no kernel module,
  every packet relayed by its userspace threads), logging to a file, stopped by its own
  PID (:func:`tests.interop.peers.processes.stop`); its CPU and run-queue time come from
  ``/proc/PID``.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

from tests.interop.peers.processes import HOST, log_tail, start, stop, wait_until

Value = int | bytes | str | list["Value"] | dict[str, "Value"]
TICKS = os.sysconf("SC_CLK_TCK")


class BencodeError(ValueError):
    """Input that is not bencode (the message says what and at which offset)."""


class NgError(RuntimeError):
    """rtpengine answered ``result: error`` (or did not answer at all)."""


# -- bencode ----------------------------------------------------------------------------


def encode(value: Value) -> bytes:
    if isinstance(value, bool):  # a bool is an int to Python, never meant as one here
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(encode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted((key.encode(), item) for key, item in value.items())
        return b"d" + b"".join(encode(key) + encode(item) for key, item in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def decode(data: bytes) -> Value:
    value, end = _decode(data, 0)
    if end != len(data):
        raise BencodeError(f"{len(data) - end} bytes after the value, at offset {end}")
    return value


def _decode(data: bytes, at: int) -> tuple[Value, int]:
    kind = data[at : at + 1]
    if kind == b"i":
        end = data.find(b"e", at)
        if end < 0:
            raise BencodeError(f"integer at offset {at} has no end")
        try:
            return int(data[at + 1 : end]), end + 1
        except ValueError:
            raise BencodeError(f"bad integer at offset {at}: {data[at:end]!r}") from None
    if kind in (b"l", b"d"):
        at += 1
        items: list[Value] = []
        while data[at : at + 1] != b"e":
            if at >= len(data):
                raise BencodeError("list or dictionary has no end")
            item, at = _decode(data, at)
            items.append(item)
        if kind == b"l":
            return items, at + 1
        if len(items) % 2:
            raise BencodeError("dictionary with a key and no value")
        mapping: dict[str, Value] = {}
        for key, item in zip(items[0::2], items[1::2], strict=True):
            if not isinstance(key, bytes):
                raise BencodeError(f"dictionary key that is not a string: {key!r}")
            mapping[key.decode()] = item
        return mapping, at + 1
    if kind.isdigit():
        colon = data.find(b":", at)
        if colon < 0 or not data[at:colon].isdigit():
            raise BencodeError(f"bad string length at offset {at}")
        end = colon + 1 + int(data[at:colon])
        if end > len(data):
            raise BencodeError(f"string at offset {at} runs past the end")
        return data[colon + 1 : end], end
    raise BencodeError(f"unexpected {kind!r} at offset {at}")


# -- ng protocol ------------------------------------------------------------------------


class NgClient:
    """Requests to rtpengine's ng port, one at a time (see the module docstring)."""

    def __init__(self, port: int, timeout: float = 1.0, attempts: int = 3) -> None:
        self.address = (HOST, port)
        self.timeout = timeout
        self.attempts = attempts
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self._cookies = itertools.count(1)
        self._prefix = f"{os.getpid()}_"

    def close(self) -> None:
        self.sock.close()

    def request(self, command: str, **fields: Value) -> dict[str, Value]:
        """Send ``command`` with ``fields`` (``call_id`` is sent as ``call-id``: every
        underscore becomes a dash) and return rtpengine's reply."""
        message: dict[str, Value] = {key.replace("_", "-"): v for key, v in fields.items()}
        message["command"] = command
        cookie = f"{self._prefix}{next(self._cookies)}".encode()
        datagram = cookie + b" " + encode(message)
        for _ in range(self.attempts):
            self.sock.sendto(datagram, self.address)
            self.sock.settimeout(self.timeout)
            try:
                while True:
                    data = self.sock.recv(65535)
                    got, _, body = data.partition(b" ")
                    if got == cookie:  # a late reply to an earlier request is skipped
                        break
            except TimeoutError:
                continue
            reply = decode(body)
            if not isinstance(reply, dict):
                raise NgError(f"{command}: reply is not a dictionary: {reply!r}")
            if reply.get("result") == b"error":
                reason = reply.get("error-reason", b"?")
                raise NgError(f"{command}: {reason!r}")
            return reply
        raise NgError(f"{command}: no answer from {self.address} after {self.attempts} tries")


def audio_sdp(port: int, session: int) -> str:
    """A phone's offer or answer: PCMU and telephone-event on ``port`` of 127.0.0.1."""
    return (
        f"v=0\r\no=- {session} 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
    )


_AUDIO_PORT = re.compile(rb"^m=audio (\d+) ", re.MULTILINE)


def audio_port(reply: dict[str, Value]) -> int:
    """The port of the first audio stream in the SDP of an offer's or answer's reply."""
    sdp = reply.get("sdp")
    match = _AUDIO_PORT.search(sdp) if isinstance(sdp, bytes) else None
    if match is None:
        raise NgError(f"no m=audio line in rtpengine's SDP: {sdp!r}")
    return int(match.group(1))


def rtp_packets(reply: dict[str, Value]) -> int:
    """RTP packets rtpengine received for a call (``totals`` of a ``query`` reply)."""
    totals = reply.get("totals")
    rtp = totals.get("RTP") if isinstance(totals, dict) else None
    packets = rtp.get("packets") if isinstance(rtp, dict) else None
    return packets if isinstance(packets, int) else 0


# -- the daemon -------------------------------------------------------------------------


class Rtpengine:
    """One rtpengine daemon, userspace only, relaying between ``port_min`` and
    ``port_max`` of 127.0.0.1 (two ports per party: RTP and RTCP)."""

    def __init__(
        self, folder: Path, ng_port: int, port_min: int, port_max: int, threads: int = 0
    ) -> None:
        binary = shutil.which("rtpengine")
        if binary is None:
            raise RuntimeError(
                "rtpengine is not installed: run tools/install-bench-deps (Debian package "
                "rtpengine-daemon)"
            )
        self.log = folder / "rtpengine.log"
        self.command = [
            binary,
            "--config-file=none",
            "--foreground",
            "--log-stderr",
            "--log-level=5",  # notices and worse: no line per ng request
            "--table=-1",
            f"--interface={HOST}",
            f"--listen-ng={HOST}:{ng_port}",
            f"--port-min={port_min}",
            f"--port-max={port_max}",
            "--delete-delay=0",  # a deleted call frees its ports at once
        ]
        if threads:
            self.command.append(f"--num-threads={threads}")
        self.process = start(self.command, self.log, folder)
        self.ng = NgClient(ng_port, timeout=0.5)
        try:
            if not wait_until(self._ready, 10, interval=0.1):
                raise RuntimeError("rtpengine did not answer ping in 10 s:\n" + log_tail(self.log))
        except BaseException:
            self.close()
            raise

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"rtpengine exited with {self.process.returncode}:\n" + log_tail(self.log)
            )
        try:
            return self.ng.request("ping").get("result") == b"pong"
        except (NgError, OSError):
            return False

    @property
    def pid(self) -> int:
        return self.process.pid

    def threads(self) -> int:
        return len(list(Path(f"/proc/{self.pid}/task").iterdir()))

    def cpu_seconds(self) -> float:
        """User + system time of all its threads so far."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / TICKS

    def waited_seconds(self) -> float:
        """Time its threads were ready to run but waited for a core (schedstat)."""
        total = 0
        for path in Path(f"/proc/{self.pid}/task").glob("*/schedstat"):
            try:
                total += int(path.read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
        return total / 1e9

    def complaints(self) -> list[str]:
        """The log's warnings and errors (rtpengine's levels up to WARNING)."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []
        marks = ("WARNING:", "ERR:", "ERROR:", "CRIT:", "ALERT:", "EMERG:")
        return [line for line in lines if any(mark in line for mark in marks)]

    def close(self) -> None:
        """Stop the daemon (its own PID) and the control socket."""
        try:
            stop(self.process)
        finally:
            self.ng.close()

    def __enter__(self) -> Rtpengine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def version() -> str:
    try:
        out = subprocess.run(
            ["rtpengine", "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return "not installed"
    return (out.stdout or out.stderr).strip().removeprefix("Version: ") or "unknown"
