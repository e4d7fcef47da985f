"""The switch as one object: configuration in, sockets open, events out.

`Engine.start()` reads the directory (extensions, trunks, inbound routes, and the
contact center's queues, agents, IVR flows and reason codes), opens SIP on UDP and TCP
and the RTP port pool, starts the expiry sweep, and logs in again the agents who were
logged in when it last stopped; `Engine.stop()` ends every
call and closes everything it opened. The directory's change notification (from any
thread) makes it reload the configuration and drop the bindings of deleted extensions.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from callcenter import __version__
from callcenter.engine.acd.center import ContactCenter
from callcenter.engine.acd.control import CallControl
from callcenter.engine.calls import CallConfig, CallManager
from callcenter.engine.calls.trunks import TrunkRegistrations
from callcenter.engine.events import EngineStarted, EngineStopped, RecordingSaved
from callcenter.engine.ivr.runner import PromptLibrary
from callcenter.engine.media import MediaEngine, PortPool, recover_recordings
from callcenter.engine.ports import Directory, EventSink, ExtensionEntry, InboundRoute, TrunkEntry
from callcenter.engine.registrar import Registrar
from callcenter.engine.signalling import Signalling
from callcenter.engine.transport.tcp import TcpTransport
from callcenter.engine.transport.udp import UdpTransport, open_udp
from callcenter.sip.auth import Algorithm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineConfig:
    nonce_secret: bytes
    sip_host: str = "0.0.0.0"
    sip_port: int = 5060
    realm: str = "callcenter"
    node: str = "callcenter"
    udp: bool = True
    tcp: bool = True
    sweep_interval: float = 1.0
    # Digest algorithms offered, in order: MD5 alone by default, as many phones reject a
    # 401 that also offers SHA-256 (see engine.registrar).
    digest_algorithms: tuple[Algorithm, ...] = (Algorithm.MD5,)
    rtp_low: int = 20000  # the RTP port range (even ports; one per call leg)
    rtp_high: int = 29999
    recordings: Path | None = None  # None: calls are not recorded
    ring_timeout: float = 60.0
    media_timeout: float = 60.0  # end an answered call after this long without RTP (0: never)
    prompts: Path | None = None  # uploaded IVR prompts (the shipped ones come after)


class Engine:
    def __init__(self, config: EngineConfig, directory: Directory, events: EventSink) -> None:
        self.config = config
        self.directory = directory
        self.events = events
        self._extensions: Mapping[str, ExtensionEntry] = {}
        self._trunks: Mapping[str, TrunkEntry] = {}
        self._routes: tuple[InboundRoute, ...] = ()
        self.registrar = Registrar(
            realm=config.realm,
            nonce_secret=config.nonce_secret,
            extensions=lambda: self._extensions,
            algorithms=config.digest_algorithms,
        )
        self.signalling = Signalling(
            registrar=self.registrar, extensions=lambda: self._extensions, events=events
        )
        self.media = MediaEngine(PortPool(config.rtp_low, config.rtp_high), config.sip_host)
        self.calls = CallManager(
            sip=self.signalling,
            media=self.media,
            registrar=self.registrar,
            extensions=lambda: self._extensions,
            trunks=lambda: self._trunks,
            routes=lambda: self._routes,
            events=events,
            config=CallConfig(
                ring_timeout=config.ring_timeout,
                media_timeout=config.media_timeout,
                recordings=config.recordings,
                node=config.node,
            ),
        )
        self.signalling.calls = self.calls
        self.trunk_registrations = TrunkRegistrations(
            self.signalling, lambda: self._trunks, events, user_agent=f"callcenter/{__version__}"
        )
        self.signalling.trunk_registrations = self.trunk_registrations
        self.center = ContactCenter(
            self.calls,
            events,
            PromptLibrary.default(config.prompts),
            check_agent=directory.check_agent,
        )
        self.control = CallControl(self.center)
        self.signalling.bound_host = config.sip_host
        self.udp: UdpTransport | None = None
        self.tcp: TcpTransport | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def extensions(self) -> Mapping[str, ExtensionEntry]:
        return self._extensions

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._read_directory()
        self.directory.on_change(self._changed_from_any_thread)
        addresses = []
        if self.config.udp:
            self.udp = await open_udp(
                self.config.sip_host, self.config.sip_port, self.signalling.on_message
            )
            self.signalling.transports["udp"] = self.udp
            addresses.append("udp:{}:{}".format(*self.udp.local_address))
        if self.config.tcp:
            self.tcp = TcpTransport(self.signalling.on_message)
            await self.tcp.start(self.config.sip_host, self.sip_port)
            self.signalling.transports["tcp"] = self.tcp
            addresses.append("tcp:{}:{}".format(*self.tcp.local_address))
        self.signalling.sip_port = self.sip_port
        self._tasks.append(asyncio.create_task(self._sweep(), name="registrar-sweep"))
        self.events.emit(
            EngineStarted(at=time.time(), node=self.config.node, sip_addresses=tuple(addresses))
        )
        await self._recover_recordings()
        self.trunk_registrations.sync()
        self.center.restore(await self.directory.presences())
        log.info("SIP listening on %s", ", ".join(addresses))

    @property
    def sip_port(self) -> int:
        """The UDP port when it was chosen by the system (port 0), else the configured one:
        TCP listens on the same number."""
        if self.udp is not None and self.config.sip_port == 0:
            return self.udp.local_address[1]
        return self.config.sip_port

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.calls.close()
        self.center.close()
        self.trunk_registrations.close()
        self.signalling.close()
        await self.media.close()
        if self.udp is not None:
            self.udp.close()
        if self.tcp is not None:
            await self.tcp.close()
        self.events.emit(EngineStopped(at=time.time(), node=self.config.node))

    async def _recover_recordings(self) -> None:
        """Recordings a crash left unfinished are repaired and reported, so that the call
        records (closed by EngineStarted) get their audio: no recording is lost."""
        folder = self.config.recordings
        if folder is None or not folder.exists():
            return
        for info in await asyncio.to_thread(recover_recordings, folder):
            relative = info.path.relative_to(folder).as_posix()
            self.events.emit(
                RecordingSaved(
                    time.time(), info.path.stem, relative, info.duration, info.size, info.started_at
                )
            )

    async def _read_directory(self) -> None:
        self._extensions = await self.directory.extensions()
        self._trunks = await self.directory.trunks()
        self._routes = await self.directory.routes()
        self.center.configure(
            await self.directory.queues(),
            await self.directory.agents(),
            await self.directory.flows(),
            await self.directory.reasons(),
        )

    async def reload(self) -> None:
        await self._read_directory()
        self.trunk_registrations.sync()
        self.signalling.publish(self.registrar.forget_extensions(self._extensions))

    def _changed_from_any_thread(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(lambda: self._tasks.append(loop.create_task(self.reload())))

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.config.sweep_interval)
            self.signalling.publish(self.registrar.expire(time.time()))
            self.calls.sweep()
            self.center.reconcile()
            self._tasks = [task for task in self._tasks if not task.done()]
