"""Running flows on a real RTP session on loopback: what the caller hears (each test
prompt is a tone of its own, recognised on the wire), the keys they press (RFC 4733
from the phone's socket, as the manager forwards them), and where the call goes.

Persona: the caller is the customer on 13800138000, ringing the hotline 4008001234.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callcenter.engine.calls.call import Call
from callcenter.engine.calls.destinations import Destination, Kind
from callcenter.engine.calls.leg import Leg
from callcenter.engine.events import CallDirection, Event, IvrLeft, IvrNodeVisited, LegRole
from callcenter.engine.ivr.flow import (
    Collect,
    Flow,
    Hangup,
    Hours,
    Menu,
    Node,
    Play,
    TimeCondition,
    Transfer,
)
from callcenter.engine.ivr.runner import ZONE, IvrService, PromptLibrary
from callcenter.engine.media import RtpSession
from callcenter.rtp.dtmf import dtmf_packets
from callcenter.rtp.g711 import ulaw_decode
from callcenter.rtp.wav import write_wav
from callcenter.sip.transaction import Peer as SipPeer
from tests.engine.media.peers import CALLER, Peer, connected, media_engine, run, tone_frames
from tests.rtp._audio import goertzel_power

HOTLINE = "4008001234"
CUSTOMER = "13800138000"
TIMEOUT = 0.2

# Each test prompt is a tone: its frequency tells it apart on the wire.
TONES = {
    "menu": 500,
    "no-input": 800,
    "invalid": 1100,
    "goodbye": 1400,
    "long": 1700,
    "welcome": 2000,
    "enter-order": 650,
}
LENGTHS = {"long": 100}  # frames of 20 ms; 5 (0.1 s) for the others


@pytest.fixture
def prompts(tmp_path: Path) -> PromptLibrary:
    for name, frequency in TONES.items():
        pcm = b"".join(tone_frames(frequency, LENGTHS.get(name, 5)))
        write_wav(tmp_path / f"{name}.wav", pcm)
    return PromptLibrary([tmp_path])


class Outcome:
    """What the switch was asked to do with the call, and the events."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.left: list[tuple[Destination, dict[str, str]]] = []
        self.hung_up = 0
        self.done = asyncio.Event()

    def leave(self, destination: Destination, variables: Mapping[str, str]) -> None:
        self.left.append((destination, dict(variables)))
        self.done.set()

    def hang_up(self) -> None:
        self.hung_up += 1
        self.done.set()

    async def wait(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self.done.wait(), timeout)

    def trail(self) -> list[tuple[str, ...]]:
        """The events without their times: ("visited", node, kind, digits) and
        ("left", destination, variables)."""
        out: list[tuple[str, ...]] = []
        for event in self.events:
            if isinstance(event, IvrNodeVisited):
                assert (event.call, event.flow) == ("c1", "demo")
                out.append(("visited", event.node, event.kind, event.digits))
            elif isinstance(event, IvrLeft):
                assert (event.call, event.flow) == ("c1", "demo")
                variables = ",".join(f"{k}={v}" for k, v in event.variables)
                out.append(("left", event.destination, variables))
        return out


class Phone:
    """The caller's phone: its RTP socket, what it heard, the keys it presses."""

    def __init__(self, peer: Peer, session: RtpSession) -> None:
        self.peer = peer
        self.session = session

    def press(self, digits: str) -> None:
        for digit in digits:
            self.peer.ts = (self.peer.ts + 1600) & 0xFFFFFFFF
            for item in dtmf_packets(
                digit, 60, ssrc=self.peer.ssrc, sequence=self.peer.seq, timestamp=self.peer.ts
            ):
                self.peer.send(bytes(item.packet), self.session)
                self.peer.seq = (self.peer.seq + 1) & 0xFFFF

    async def hears(self, packets: int = 1) -> None:
        await self.peer.wait_for(packets)

    def heard(self) -> list[str]:
        """The prompts heard, in order (a new one at a change of tone or a pause)."""
        names: list[str] = []
        last, last_at = "", 0.0
        for received in self.peer.received:
            pcm = ulaw_decode(received.packet.payload)
            name = max(TONES, key=lambda n: goertzel_power(pcm, TONES[n]))
            if name != last or received.at - last_at > 0.1:
                names.append(name)
            last, last_at = name, received.at
        return names


@asynccontextmanager
async def ivr_call(
    flow: Flow, prompts: PromptLibrary, **options: Any
) -> AsyncIterator[tuple[IvrService, Phone, Outcome]]:
    async with media_engine(20) as engine:
        peer = await Peer.open(CALLER)
        session = await connected(engine, peer)
        leg = Leg(
            LegRole.CALLER, CUSTOMER, SipPeer("udp", "127.0.0.2", 5060), "127.0.0.1", 5060, session
        )
        call = Call(CallDirection.INBOUND, CUSTOMER, HOTLINE, leg, id="c1")
        outcome = Outcome()
        ivr = IvrService(
            outcome.hang_up, flow, prompts, outcome.leave, outcome.events.append, call.id, **options
        )
        session.on_dtmf = ivr.dtmf  # what the manager does for a service (via its _dtmf)
        ivr.start(call)
        try:
            yield ivr, Phone(peer, session), outcome
        finally:
            ivr.stop()
            peer.close()


def flow_of(*nodes: Node) -> Flow:
    return Flow("demo", nodes[0].id, {node.id: node for node in nodes})


def menu(**changes: Any) -> Menu:
    values: dict[str, Any] = {
        "prompt": "menu",
        "choices": {"1": "service", "2": "orders"},
        "timeout": TIMEOUT,
        "retries": 3,
        "invalid_prompt": "invalid",
        "timeout_prompt": "no-input",
        "failure": "bye",
        **changes,
    }
    return Menu("menu", **values)


DEMO = (
    Transfer("service", destination="queue:service"),
    Transfer("orders", destination="flow:orders"),
    Hangup("bye", prompt="goodbye"),
)


def test_pressing_1_during_the_menu_prompt_leaves_for_the_queue(prompts: PromptLibrary) -> None:
    async def scenario() -> None:
        async with ivr_call(flow_of(menu(prompt="long"), *DEMO), prompts) as (ivr, phone, out):
            await phone.hears(3)
            phone.press("1")
            await out.wait(1.0)  # the 2 s prompt did not have to end (barge-in)
            assert out.left == [(Destination(Kind.QUEUE, "service"), {})]
            assert out.hung_up == 0
            assert out.trail() == [
                ("visited", "menu", "menu", "1"),
                ("visited", "service", "transfer", ""),
                ("left", "queue:service", ""),
            ]
            count = len(phone.peer.received)
            await phone.peer.quiet(0.1)
            assert count < 40
            assert len(phone.peer.received) <= count + 1
            assert phone.heard() == ["long"]
            assert not ivr.running

    run(scenario)


def test_no_input_plays_the_timeout_prompt_retries_then_fails(prompts: PromptLibrary) -> None:
    async def scenario() -> None:
        async with ivr_call(flow_of(menu(), *DEMO), prompts) as (_, phone, out):
            await out.wait()
            await phone.peer.quiet(0.05)
            assert phone.heard() == ["menu", "no-input", "menu", "no-input", "menu", "goodbye"]
            assert out.hung_up == 1
            assert out.left == []
            assert out.trail() == [
                ("visited", "menu", "menu", ""),
                ("visited", "bye", "hangup", ""),
                ("left", "hangup", ""),
            ]

    run(scenario)


def test_an_invalid_digit_plays_the_invalid_prompt_and_asks_again(prompts: PromptLibrary) -> None:
    async def scenario() -> None:
        async with ivr_call(flow_of(menu(), *DEMO), prompts) as (_, phone, out):
            await phone.hears(5)  # the menu prompt, all of it
            phone.press("5")
            await asyncio.sleep(0.25)  # "invalid" plays, then the menu again
            phone.press("2")
            await out.wait()
            assert phone.heard() == ["menu", "invalid", "menu"]
            assert out.left == [(Destination(Kind.FLOW, "orders"), {})]
            assert out.trail()[0] == ("visited", "menu", "menu", "2")

    run(scenario)


def test_an_empty_failure_hangs_up_after_the_last_invalid_try(prompts: PromptLibrary) -> None:
    async def scenario() -> None:
        flow = flow_of(menu(retries=1, failure=""), *DEMO)
        async with ivr_call(flow, prompts) as (_, phone, out):
            await phone.hears(2)
            phone.press("9")
            await out.wait()
            assert out.hung_up == 1
            assert out.trail() == [("visited", "menu", "menu", "9"), ("left", "hangup", "")]
            await phone.peer.quiet(0.05)
            assert phone.heard() == ["menu"]  # no "invalid" after the last try

    run(scenario)


def collect(**changes: Any) -> Collect:
    values: dict[str, Any] = {
        "prompt": "enter-order",
        "variable": "order",
        "min_digits": 3,
        "max_digits": 8,
        "timeout": TIMEOUT,
        "retries": 2,
        "invalid_prompt": "invalid",
        "next": "service",
        "failure": "bye",
        **changes,
    }
    return Collect("order", **values)


def test_collect_ends_at_the_terminator_and_passes_the_variable(prompts: PromptLibrary) -> None:
    async def scenario() -> None:
        async with ivr_call(flow_of(collect(), *DEMO), prompts) as (_, phone, out):
            await phone.hears(1)
            phone.press("20261#")
            await out.wait(1.0)
            assert out.left == [(Destination(Kind.QUEUE, "service"), {"order": "20261"})]
            assert out.trail() == [
                ("visited", "order", "collect", "20261"),
                ("visited", "service", "transfer", ""),
                ("left", "queue:service", "order=20261"),
            ]

    run(scenario)


def test_collect_with_too_few_digits_asks_again_then_fails(prompts: PromptLibrary) -> None:
    async def scenario() -> None:
        async with ivr_call(flow_of(collect(), *DEMO), prompts) as (_, phone, out):
            await phone.hears(5)
            phone.press("12#")
            await asyncio.sleep(0.3)  # "invalid", then the prompt again
            phone.press("9")  # then silence: the timeout ends it, still too short
            await out.wait()
            assert out.hung_up == 1
            await phone.peer.quiet(0.05)
            assert phone.heard() == ["enter-order", "invalid", "enter-order", "goodbye"]
            assert out.trail()[0] == ("visited", "order", "collect", "9")

    run(scenario)


def test_collect_stops_at_max_digits(prompts: PromptLibrary) -> None:
    async def scenario() -> None:
        async with ivr_call(flow_of(collect(max_digits=4), *DEMO), prompts) as (_, phone, out):
            phone.press("123456")
            await out.wait(1.0)
            assert out.left == [(Destination(Kind.QUEUE, "service"), {"order": "1234"})]

    run(scenario)


SHANGHAI_MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("now", "where"),
    [
        (SHANGHAI_MONDAY_10, "open"),
        (datetime(2026, 11, 23, 1, 30, tzinfo=UTC), "open"),  # 09:30 in Shanghai
        (datetime(2026, 11, 23, 0, 59, tzinfo=UTC), "closed"),  # 08:59 in Shanghai
        (datetime(2026, 11, 23, 18, 0, tzinfo=ZONE), "closed"),  # the end is excluded
        (datetime(2026, 11, 28, 10, 0, tzinfo=ZONE), "closed"),  # a Saturday
        (datetime(2026, 10, 1, 10, 0, tzinfo=ZONE), "closed"),  # 国庆, a Thursday
        (datetime(2026, 11, 22, 20, 0), "open"),  # naive: local already; Sunday evening
    ],
)
def test_a_time_condition_follows_the_injected_clock(
    prompts: PromptLibrary, now: datetime, where: str
) -> None:
    hours = TimeCondition(
        "hours",
        hours=(Hours((1, 2, 3, 4, 5), "09:00", "18:00"), Hours((7,), "19:00", "24:00")),
        holidays=("2026-10-01",),
        open="open",
        closed="closed",
    )
    flow = flow_of(hours, Transfer("open", "queue:service"), Hangup("closed"))

    async def scenario() -> None:
        async with ivr_call(flow, prompts, clock_now=lambda: now) as (_, _phone, out):
            await out.wait()
            assert out.trail()[0] == ("visited", "hours", "time", "")
            assert out.trail()[1][1] == where
            assert (out.hung_up == 1) is (where == "closed")

    run(scenario)


def test_a_hangup_node_plays_its_prompt_then_hangs_up(prompts: PromptLibrary) -> None:
    flow = flow_of(
        Play("hello", prompt="welcome", next="missing-prompt"),
        Play("missing-prompt", prompt="not-uploaded", next="bye"),
        Hangup("bye", prompt="goodbye"),
    )

    async def scenario() -> None:
        async with ivr_call(flow, prompts) as (_, phone, out):
            await out.wait()
            await phone.peer.quiet(0.05)
            assert phone.heard() == ["welcome", "goodbye"]  # the unknown prompt: nothing
            assert out.hung_up == 1
            assert out.left == []
            assert out.trail() == [
                ("visited", "hello", "play", ""),
                ("visited", "missing-prompt", "play", ""),
                ("visited", "bye", "hangup", ""),
                ("left", "hangup", ""),
            ]

    run(scenario)


def test_a_digit_during_a_play_node_cuts_it_and_is_typed_ahead(prompts: PromptLibrary) -> None:
    flow = flow_of(Play("hello", prompt="welcome", next="menu"), menu(), *DEMO)

    async def scenario() -> None:
        async with ivr_call(flow, prompts) as (_, phone, out):
            await phone.hears(2)
            phone.press("2")  # a caller who knows the menu does not wait for it
            await out.wait()
            assert out.left == [(Destination(Kind.FLOW, "orders"), {})]
            assert "menu" not in phone.heard()  # the menu's prompt was skipped

    run(scenario)


def test_stop_in_the_middle_of_a_prompt_leaves_nothing_running(prompts: PromptLibrary) -> None:
    flow = flow_of(Play("hello", prompt="long", next="bye"), Hangup("bye"))

    async def scenario() -> None:
        async with ivr_call(flow, prompts) as (ivr, phone, out):
            await phone.hears(3)
            ivr.stop()  # the caller hung up
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            assert not ivr.running
            leftovers = [
                task
                for task in asyncio.all_tasks()
                if "IvrService" in task.get_coro().__qualname__  # type: ignore[union-attr]
            ]
            assert leftovers == []
            count = len(phone.peer.received)
            await phone.peer.quiet(0.1)
            assert len(phone.peer.received) <= count + 1
            assert out.hung_up == 0  # the call is ending already
            assert out.left == []
            assert out.trail() == [("visited", "hello", "play", ""), ("left", "hangup", "")]
            ivr.stop()  # idempotent
            ivr.dtmf("1")
            assert len(out.events) == 2

    run(scenario)


def test_a_loop_without_input_in_an_unchecked_flow_hangs_up(prompts: PromptLibrary) -> None:
    flow = flow_of(
        Play("a", next="b"),
        TimeCondition("b", hours=(Hours(tuple(range(1, 8)), "00:00", "24:00"),), open="a"),
    )

    async def scenario() -> None:
        async with ivr_call(flow, prompts) as (ivr, _phone, out):
            await out.wait()
            assert out.hung_up == 1
            visited = [e for e in out.events if isinstance(e, IvrNodeVisited)]
            assert len(visited) == IvrService.MAX_STEPS
            assert isinstance(out.events[-1], IvrLeft)
            assert not ivr.running

    run(scenario)


def test_a_branch_to_a_missing_node_hangs_up(prompts: PromptLibrary) -> None:
    flow = flow_of(Play("hello", next="nowhere"))

    async def scenario() -> None:
        async with ivr_call(flow, prompts) as (_, _phone, out):
            await out.wait()
            assert out.hung_up == 1
            assert out.trail() == [("visited", "hello", "play", ""), ("left", "hangup", "")]

    run(scenario)
