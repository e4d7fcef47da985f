"""baresip 1.0 as a scriptable phone: `BaresipPhone`, one process per phone.

The configuration follows shared/notes/test-peers.md (epoll, 127.0.0.1 only, no sound card:
`aubridge` plays, `aufile` speaks a WAV, `sndfile` records both directions into `rec/`).
The phone is driven over the `ctrl_tcp` module: JSON in netstrings (`LEN:{json},`) both
ways; commands carry a token that the response echoes; events come unasked.

What baresip 1.0 offers, found by trying it (Debian's 1.0.0):

- Registration: there is no `uareg` command in 1.0. An account is registered by creating
  its user agent (`uanew <account line>`, which sends REGISTER at once) and unregistered by
  deleting it (`uadel <aor>`: an UNREGISTERING event, then REGISTER with Expires 0, which
  the registrar acts on; there is no event for its answer). So the `accounts` file is left
  empty and `register()` sends `uanew`: the harness is connected before the first REGISTER,
  so no REGISTER_OK is missed, and a phone can be registered again after `unregister()`.
- Dual registration works two ways. (1) Several accounts (one `uanew` each): separate user
  agents with their own AOR, contact and REGISTER dialog; `dial` uses the current (first)
  one. (2) One account with `sipnat=outbound;outbound=…;outbound2=…` (RFC 5626): one REGISTER
  dialog per outbound proxy (reg-id 1 and 2, same `+sip.instance`), two REGISTER_OK events
  with the same AOR. baresip 1.0 has two outbound slots; outbound needs the `uuid` module,
  else `uanew` fails with "outbound requires valid UUID".
- `quit` answers, sends SHUTDOWN and UNREGISTERING events, then exits, but hangs when a
  registrar does not answer; `stop()` then kills the phone's own PID.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import shutil
import socket
import struct
import subprocess
import threading
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from tests.interop.peers import processes

BARESIP = "/usr/bin/baresip"
MODULE_PATH = "/usr/lib/baresip/modules"
SAMPLE_RATE = 8000

Transport = Literal["udp", "tcp"]
AnswerMode = Literal["manual", "early", "auto"]


class BaresipError(RuntimeError):
    pass


@dataclass(frozen=True)
class SipAccount:
    """One baresip account line.

    `registrar` is the host[:port] of the AOR. With `outbound` (at most two host:port
    proxies) the account registers once through each of them (RFC 5626 outbound).
    """

    user: str
    password: str
    registrar: str
    transport: Transport = "udp"
    regint: int = 300
    answermode: AnswerMode = "auto"
    audio_codecs: str = "PCMU"
    ptime: int = 20
    outbound: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.outbound) > 2:
            raise ValueError("baresip 1.0 has two outbound proxies at most")

    @property
    def aor(self) -> str:
        """The AOR as baresip names the account in events and in `uadel`."""
        return f"sip:{self.user}@{self.registrar}"

    @property
    def registrations(self) -> int:
        """How many REGISTER dialogs (and REGISTER_OK events) the account makes."""
        return len(self.outbound) or 1

    def line(self) -> str:
        parts = [
            f"<{self.aor};transport={self.transport}>",
            f"auth_pass={self.password}",
            f"regint={self.regint}",
            f"audio_codecs={self.audio_codecs}",
            f"answermode={self.answermode}",
            f"ptime={self.ptime}",
        ]
        if self.outbound:
            parts.append("sipnat=outbound")
            for index, proxy in enumerate(self.outbound):
                name = "outbound" if index == 0 else f"outbound{index + 1}"
                parts.append(f'{name}="sip:{proxy};transport={self.transport}"')
        return ";".join(parts)


@dataclass(frozen=True)
class BaresipEvent:
    """One event of ctrl_tcp, e.g. type REGISTER_OK, CALL_INCOMING, CALL_DTMF_START."""

    type: str
    klass: str
    account_aor: str
    direction: str
    peer_uri: str
    call_id: str
    param: str
    raw: dict[str, Any] = field(compare=False, repr=False)
    received: float = field(compare=False, repr=False)

    @classmethod
    def from_json(cls, message: dict[str, Any]) -> BaresipEvent:
        return cls(
            type=str(message.get("type", "")),
            klass=str(message.get("class", "")),
            account_aor=str(message.get("accountaor", "")),
            direction=str(message.get("direction", "")),
            peer_uri=str(message.get("peeruri", "")),
            call_id=str(message.get("id", "")),
            param=str(message.get("param", "")),
            raw=message,
            received=time.monotonic(),
        )


@dataclass(frozen=True)
class CommandResponse:
    ok: bool
    data: str


def write_tone_wav(path: Path, seconds: float = 60.0, frequency: float = 440.0) -> Path:
    """An 8 kHz mono 16-bit WAV of one tone, long enough that its end never hangs up a call."""
    frames = int(seconds * SAMPLE_RATE)
    amplitude = 8000
    samples = (
        int(amplitude * math.sin(2 * math.pi * frequency * index / SAMPLE_RATE))
        for index in range(frames)
    )
    with wave.open(str(path), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(SAMPLE_RATE)
        output.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return path


def netstring(payload: bytes) -> bytes:
    return str(len(payload)).encode() + b":" + payload + b","


def split_netstrings(buffer: bytes) -> tuple[list[bytes], bytes]:
    """The complete netstrings at the start of `buffer`, and the incomplete rest."""
    payloads: list[bytes] = []
    while True:
        colon = buffer.find(b":")
        if colon < 0:
            return payloads, buffer
        length_text = buffer[:colon]
        if not length_text.isdigit():
            raise BaresipError(f"bad netstring length {length_text[:20]!r}")
        length = int(length_text)
        end = colon + 1 + length
        if len(buffer) < end + 1:
            return payloads, buffer
        if buffer[end : end + 1] != b",":
            raise BaresipError("netstring without its closing comma")
        payloads.append(buffer[colon + 1 : end])
        buffer = buffer[end + 1 :]


class BaresipPhone:
    """A baresip phone with its config folder in `directory`.

    Usage::

        account = SipAccount("70001", "secret", registrar.address)
        with BaresipPhone(tmp_path / "lina", [account]) as phone:   # registered on entry
            phone.dial("sip:70002@127.0.0.1:5060")
            phone.wait_for("CALL_ESTABLISHED")
            phone.send_dtmf("12#")
            phone.hangup()

    Events are kept in arrival order; `wait_for` returns the first one of a type (and
    matching `predicate`) that no earlier `wait_for` returned, waiting up to `timeout`.
    """

    def __init__(
        self,
        directory: Path,
        accounts: Sequence[SipAccount] = (),
        *,
        wav: Path | None = None,
        sip_port: int | None = None,
        ctrl_port: int | None = None,
        rtp_ports: tuple[int, int] | None = None,
        register: bool = True,
        timeout: float = 5.0,
    ) -> None:
        self.directory = directory
        self.accounts = list(accounts)
        self.wav = wav
        # Ports chosen here may be taken by someone else before baresip binds them (the
        # machine's other tests, the switch's RTP): `start` then tries other ones.
        self._own_ports = sip_port is None and ctrl_port is None and rtp_ports is None
        self.sip_port = sip_port if sip_port is not None else processes.free_sip_port()
        self.ctrl_port = ctrl_port if ctrl_port is not None else processes.free_port(udp=False)
        self.rtp_ports = rtp_ports if rtp_ports is not None else processes.free_udp_range(20)
        self.register_on_start = register
        self.timeout = timeout
        self.recordings = directory / "rec"
        self.log = directory / "baresip.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._changed = threading.Condition()
        self._events: list[BaresipEvent] = []
        self._taken: set[int] = set()
        self._responses: dict[str, CommandResponse] = {}
        self._tokens = itertools.count(1)
        self._closed = False

    # Lifecycle

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def contact_host(self) -> str:
        return f"{processes.HOST}:{self.sip_port}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def config_text(self, wav: Path) -> str:
        first, last = self.rtp_ports
        return "\n".join(
            [
                "# Written by tests/interop/peers/baresip.py; see shared/notes/test-peers.md.",
                "poll_method epoll",
                f"sip_listen {processes.HOST}:{self.sip_port}",
                f"net_interface {processes.HOST}",
                "audio_player aubridge,sink1",
                f"audio_source aufile,{wav}",
                "audio_alert aubridge,alert1",
                f"ausrc_srate {SAMPLE_RATE}",
                f"auplay_srate {SAMPLE_RATE}",
                "ausrc_channels 1",
                "auplay_channels 1",
                f"rtp_ports {first}-{last}",
                f"module_path {MODULE_PATH}",
                "module g711.so",
                "module aufile.so",
                "module aubridge.so",
                "module sndfile.so",
                "module uuid.so",
                "module_app account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                f"ctrl_tcp_listen {processes.HOST}:{self.ctrl_port}",
                f"snd_path {self.recordings}",
                "",
            ]
        )

    def start(self, attempts: int = 3) -> None:
        """Start baresip and register its accounts; ports it chose that turn out taken
        are chosen again (up to ``attempts`` times)."""
        for attempt in range(attempts):
            try:
                self._start_once()
                return
            except BaresipError as error:
                taken = "Address already in use" in str(error)
                if not (taken and self._own_ports) or attempt == attempts - 1:
                    raise
                self._closed = False
                self.sip_port = processes.free_sip_port()
                self.ctrl_port = processes.free_port(udp=False)
                self.rtp_ports = processes.free_udp_range(20)

    def _start_once(self) -> None:
        if shutil.which(BARESIP) is None:
            raise BaresipError(f"{BARESIP} is missing: run tools/install-system-deps")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.recordings.mkdir(exist_ok=True)
        wav = self.wav or write_tone_wav(self.directory / "source.wav")
        (self.directory / "config").write_text(self.config_text(wav))
        # Empty on purpose: accounts are created with `uanew` once the harness listens.
        (self.directory / "accounts").write_text("")
        self._process = processes.start(
            [BARESIP, "-4", "-f", str(self.directory)], self.log, self.directory
        )
        try:
            self._connect()
            if self.register_on_start:
                for account in self.accounts:
                    self.register(account)
        except BaseException:
            self.stop()
            raise

    def _connect(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise BaresipError(
                    f"baresip exited with {self._process.returncode}:\n"
                    + processes.log_tail(self.log)
                )
            try:
                self._socket = socket.create_connection(
                    (processes.HOST, self.ctrl_port), timeout=0.5
                )
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise BaresipError(
                        f"ctrl_tcp did not listen on {self.ctrl_port}:\n"
                        + processes.log_tail(self.log)
                    ) from None
                time.sleep(0.05)
        self._socket.settimeout(None)
        self._reader = threading.Thread(
            target=self._read, name=f"baresip-{self.sip_port}", daemon=True
        )
        self._reader.start()

    def stop(self, timeout: float = 3.0) -> None:
        """`quit`, then SIGTERM/SIGKILL to this phone's PID if it has not exited in time."""
        process = self._process
        if process is not None and process.poll() is None and self._socket is not None:
            with contextlib.suppress(OSError):
                self._send("quit", None)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        if process is not None:
            processes.stop(process, timeout=timeout)
        self._process = None
        self._closed = True
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
            self._socket = None
        if self._reader is not None:
            self._reader.join(timeout=timeout)
            self._reader = None

    # The ctrl_tcp connection

    def _read(self) -> None:
        sock = self._socket
        assert sock is not None
        buffer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            payloads, buffer = split_netstrings(buffer + chunk)
            for payload in payloads:
                self._dispatch(json.loads(payload))
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        with self._changed:
            if message.get("response"):
                token = str(message.get("token", ""))
                self._responses[token] = CommandResponse(
                    ok=bool(message.get("ok")), data=str(message.get("data", ""))
                )
            elif message.get("event"):
                self._events.append(BaresipEvent.from_json(message))
            self._changed.notify_all()

    def _send(self, name: str, params: str | None) -> str:
        token = f"t{next(self._tokens)}"
        message: dict[str, str] = {"command": name, "token": token}
        if params is not None:
            message["params"] = params
        with self._send_lock:
            if self._socket is None:
                raise BaresipError("the phone is not running")
            self._socket.sendall(netstring(json.dumps(message).encode()))
        return token

    def command(
        self, name: str, params: str | None = None, timeout: float | None = None
    ) -> CommandResponse:
        """Runs one baresip command (`dial`, `reginfo`, `uanew` …) and returns its answer."""
        token = self._send(name, params)
        limit = timeout if timeout is not None else self.timeout
        with self._changed:
            if not self._changed.wait_for(
                lambda: token in self._responses or self._closed, timeout=limit
            ):
                raise BaresipError(f"no answer to {name} {params or ''} within {limit} s")
            if token not in self._responses:
                raise BaresipError(
                    f"baresip closed ctrl_tcp during {name}:\n" + processes.log_tail(self.log)
                )
            return self._responses.pop(token)

    def _checked(self, name: str, params: str | None = None) -> CommandResponse:
        response = self.command(name, params)
        if not response.ok:
            raise BaresipError(f"{name} {params or ''} failed: {response.data.strip()}")
        return response

    # Events

    @property
    def events(self) -> list[BaresipEvent]:
        """Every event received so far, in order."""
        with self._changed:
            return list(self._events)

    def wait_for(
        self,
        event_type: str | tuple[str, ...],
        timeout: float | None = None,
        predicate: Callable[[BaresipEvent], bool] | None = None,
    ) -> BaresipEvent:
        limit = timeout if timeout is not None else self.timeout
        types = (event_type,) if isinstance(event_type, str) else event_type
        found: list[BaresipEvent] = []

        def take() -> bool:
            for index, event in enumerate(self._events):
                if index in self._taken or event.type not in types:
                    continue
                if predicate is None or predicate(event):
                    self._taken.add(index)
                    found.append(event)
                    return True
            return self._closed

        with self._changed:
            self._changed.wait_for(take, timeout=limit)
            if found:
                return found[0]
            seen = ", ".join(f"{event.type}({event.param})" for event in self._events[-12:])
        raise BaresipError(
            f"no {' or '.join(types)} event within {limit} s on the phone at {self.contact_host}; "
            f"last events: {seen or 'none'}\n{processes.log_tail(self.log, 10)}"
        )

    # Phone actions

    def _account(self, account: SipAccount | None) -> SipAccount:
        if account is not None:
            return account
        if not self.accounts:
            raise BaresipError("the phone has no account")
        return self.accounts[0]

    def register(self, account: SipAccount | None = None) -> list[BaresipEvent]:
        """Creates the account's user agent and waits for each of its REGISTER_OK events."""
        account = self._account(account)
        if account not in self.accounts:
            self.accounts.append(account)
        self._checked("uanew", account.line())
        oks: list[BaresipEvent] = []
        for _ in range(account.registrations):
            event = self.wait_for(
                ("REGISTER_OK", "REGISTER_FAIL"),
                predicate=lambda event: event.account_aor == account.aor,
            )
            if event.type == "REGISTER_FAIL":
                raise BaresipError(f"{account.aor} failed to register: {event.param}")
            oks.append(event)
        return oks

    def add_account(self, account: SipAccount) -> None:
        """Creates the account's user agent without waiting for a registration (an
        account with ``regint=0`` never registers: a gateway calling from a known address)."""
        if account not in self.accounts:
            self.accounts.append(account)
        self._checked("uanew", account.line())

    def unregister(self, account: SipAccount | None = None) -> BaresipEvent:
        """Deletes the account's user agent: REGISTER with Expires 0 (baresip 1.0 `uadel`)."""
        account = self._account(account)
        self._checked("uadel", account.aor)
        return self.wait_for("UNREGISTERING", predicate=lambda e: e.account_aor == account.aor)

    def reginfo(self) -> str:
        return self._checked("reginfo").data

    def dial(self, uri: str) -> CommandResponse:
        return self._checked("dial", uri)

    def accept(self) -> CommandResponse:
        return self._checked("accept")

    def hangup(self) -> CommandResponse:
        return self._checked("hangup")

    def send_dtmf(self, digits: str) -> None:
        """Sends `digits` as RFC 4733 events, one `sndcode` per digit."""
        for digit in digits:
            if digit not in "0123456789*#ABCD":
                raise ValueError(f"not a DTMF digit: {digit!r}")
            self._checked("sndcode", digit)

    def list_calls(self) -> str:
        return self._checked("listcalls").data
