"""The phones of the chaos test: agent phones that can be killed, and customers.

A sipp agent phone is two sipp runs on one port: `agent_register.xml` binds the port to the
agent's extension, then a long-lived sipp plays the agent's behaviour (answer, refuse
with 486 or 603, or ring until cancelled) for every INVITE until it is stopped, or killed
with SIGKILL to fake a phone that dies mid-ring or mid-call. A customer is one sipp run
of one call (`customer_ivr.xml` or `customer_queue.xml`) from its lane's port, so the
driver chooses every call's digit and hang-up time from its seeded random generator.
A baresip agent phone (`BaresipAgent`) registers and answers every call at once,
sending a tone; it is killed the same way. Both are a `Phone` to the driver.

Processes run under asyncio (the switch shares the loop), each in its own session, and
are stopped or killed by their own PID only. Every run has a hard time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from tests.interop.peers.baresip import BaresipError, BaresipPhone, SipAccount
from tests.interop.peers.processes import HOST
from tests.interop.peers.sipp import SIPP

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
REGISTER_TIMEOUT = 5.0
CUSTOMER_LIMIT = 90.0  # no customer call lasts longer (its own -timeout)


class Behaviour(StrEnum):
    ANSWER = "answer"
    BUSY = "busy"  # 486
    REJECT = "reject"  # 603
    DEAF = "deaf"  # rings until the switch cancels


class Phone(Protocol):
    """An agent's phone as the driver sees it."""

    extension: str
    behaviour: Behaviour

    @property
    def alive(self) -> bool: ...

    async def start(self, behaviour: Behaviour) -> bool: ...

    async def kill(self) -> None: ...

    async def stop(self) -> None: ...


def _scenario(behaviour: Behaviour) -> Path:
    return SCENARIOS / f"agent_{behaviour.value}.xml"


async def _spawn(command: list[str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            *command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def finish(process: asyncio.subprocess.Process, timeout: float) -> int:
    """Wait for the process at most `timeout` s, then SIGKILL it (by its PID)."""
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        return await process.wait()


async def terminate(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        await finish(process, 3.0)


def _listening(port: int) -> bool:
    suffix = f":{port:04X}"
    lines = Path("/proc/net/udp").read_text().splitlines()[1:]
    return any(line.split()[1].endswith(suffix) for line in lines)


@dataclass
class AgentPhone:
    """One agent's sipp phone on `port`, registered as `extension`."""

    extension: str
    port: int
    switch: str  # host:port
    folder: Path
    behaviour: Behaviour = Behaviour.ANSWER
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, behaviour: Behaviour) -> bool:
        """Register, then run the behaviour's scenario; False when the REGISTER failed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.behaviour = behaviour
        self.starts += 1
        log = self.folder / "sipp.log"
        register = [SIPP, self.switch, "-sf", str(SCENARIOS / "agent_register.xml")]
        register += ["-s", self.extension, "-au", self.extension, "-ap", self.extension]
        register += ["-i", HOST, "-p", str(self.port), "-m", "1", "-nostdin"]
        register += ["-timeout", f"{REGISTER_TIMEOUT:g}s", "-timeout_error"]
        if await finish(await _spawn(register, log), REGISTER_TIMEOUT + 2) != 0:
            return False
        command = [SIPP, self.switch, "-sf", str(_scenario(behaviour)), "-s", self.extension]
        command += ["-i", HOST, "-p", str(self.port), "-nostdin"]
        command += ["-trace_err", "-error_file", str(self.folder / f"errors-{self.starts}.log")]
        self.process = await _spawn(command, log)
        for _ in range(100):
            if self.process.returncode is not None or _listening(self.port):
                break
            await asyncio.sleep(0.02)
        return self.alive

    async def kill(self) -> None:
        """SIGKILL, as a phone that loses power: no BYE, no CANCEL answer, nothing."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None:
            await terminate(self.process)


@dataclass
class BaresipAgent:
    """One agent's baresip phone: registers as `extension`, answers every call at once
    (the behaviour asked for is ignored) and sends `wav`. Ports: SIP `sip_port` (and the
    next, for TLS), control `ctrl_port`, RTP the 20 from `rtp_low`."""

    extension: str
    sip_port: int
    ctrl_port: int
    rtp_low: int
    switch: str  # host:port
    folder: Path
    wav: Path
    behaviour: Behaviour = Behaviour.ANSWER
    phone: BaresipPhone | None = None
    starts: int = 0

    @property
    def alive(self) -> bool:
        return self.phone is not None

    async def start(self, behaviour: Behaviour) -> bool:
        self.starts += 1
        account = SipAccount(self.extension, self.extension, self.switch)
        phone = BaresipPhone(
            self.folder / f"run{self.starts}",
            [account],
            wav=self.wav,
            sip_port=self.sip_port,
            ctrl_port=self.ctrl_port,
            rtp_ports=(self.rtp_low, self.rtp_low + 19),
        )
        try:  # in a thread: it waits for REGISTER_OK, which this loop's switch sends
            await asyncio.to_thread(phone.start)
        except BaresipError:
            return False
        self.phone = phone
        return True

    async def kill(self) -> None:
        phone, self.phone = self.phone, None
        if phone is not None and phone.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(phone.pid, signal.SIGKILL)
            await asyncio.to_thread(phone.stop)

    async def stop(self) -> None:
        phone, self.phone = self.phone, None
        if phone is not None:
            await asyncio.to_thread(phone.stop)


@dataclass(frozen=True)
class CustomerCall:
    """What one customer does: hang up in the IVR (digit "") or choose a queue, then
    hang up `hold` seconds later."""

    caller: str
    digit: str
    hold: float


async def place_call(call: CustomerCall, switch: str, port: int, hotline: str, log: Path) -> int:
    """One customer call from `port`; sipp's exit status (0: its scenario completed)."""
    scenario = "customer_queue.xml" if call.digit else "customer_ivr.xml"
    command = [SIPP, switch, "-sf", str(SCENARIOS / scenario), "-s", hotline]
    command += ["-key", "caller", call.caller, "-key", "digit", call.digit or "0"]
    command += ["-d", str(int(call.hold * 1000)), "-i", HOST, "-p", str(port), "-m", "1"]
    command += ["-nostdin", "-timeout", f"{CUSTOMER_LIMIT:g}s", "-timeout_error"]
    return await finish(await _spawn(command, log), CUSTOMER_LIMIT + 5)
