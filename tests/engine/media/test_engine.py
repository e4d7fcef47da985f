"""The port pool and the engine's sockets: exhaustion, return, ports other programs hold,
and nothing leaked after many calls."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest

from callcenter.engine.media import MediaEngine, NoPortsLeft, PortPool
from tests.engine.media.peers import PCMU, media_engine, random_pool, run


def test_pool_hands_out_even_ports_until_exhausted_then_again_after_return() -> None:
    pool = PortPool(40001, 40009)  # even ports with their odd neighbour: 40002..40008
    taken = [pool.take() for _ in range(4)]
    assert taken == [40002, 40004, 40006, 40008]
    assert (pool.in_use, pool.free) == (4, 0)
    with pytest.raises(NoPortsLeft):
        pool.take()
    pool.give_back(40004)
    assert (pool.in_use, pool.free) == (3, 1)
    assert pool.take() == 40004
    with pytest.raises(NoPortsLeft):
        pool.take()


def test_pool_reuses_the_least_recently_returned_port_last() -> None:
    pool = PortPool(40000, 40007)
    a, b = pool.take(), pool.take()
    pool.give_back(a)
    assert pool.take() == 40004  # never handed out yet: before a, which was just returned
    pool.give_back(b)
    assert [pool.take(), pool.take()] == [40006, a]


def test_pool_refuses_a_port_it_did_not_hand_out_and_a_double_return() -> None:
    pool = PortPool(40000, 40003)
    port = pool.take()
    with pytest.raises(ValueError, match="not taken"):
        pool.give_back(40001)
    pool.give_back(port)
    with pytest.raises(ValueError, match="not taken"):
        pool.give_back(port)


@pytest.mark.parametrize(("low", "high"), [(40001, 40002), (5000, 4000), (0, 10), (65535, 65535)])
def test_pool_refuses_a_range_without_a_usable_port(low: int, high: int) -> None:
    with pytest.raises(ValueError, match="port range"):
        PortPool(low, high)


def test_engine_runs_out_of_ports_and_gets_them_back() -> None:
    async def scenario() -> None:
        pool = random_pool(4)  # two RTP ports
        engine = MediaEngine(pool, "127.0.0.1")
        first = await engine.open_session()
        second = await engine.open_session()
        assert first.local_port != second.local_port
        assert (engine.sessions, pool.in_use) == (2, 2)
        with pytest.raises(NoPortsLeft):
            await engine.open_session()
        first.close()
        first.close()  # idempotent: the port is not returned twice
        assert (engine.sessions, pool.in_use) == (1, 1)
        # the only free port is first's, whose socket closes on the loop's next turn
        third = await engine.open_session()
        assert third.local_port == first.local_port
        await engine.close()
        assert (engine.sessions, pool.in_use) == (0, 0)
        assert second.closed
        assert third.closed

    run(scenario)


def test_engine_skips_a_port_another_program_holds() -> None:
    async def scenario() -> None:
        pool = random_pool(6)  # three RTP ports
        squatter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        squatter.bind(("127.0.0.1", pool.low))  # the first port the pool hands out
        try:
            engine = MediaEngine(pool, "127.0.0.1")
            session = await engine.open_session()
            assert session.local_port == pool.low + 2
            assert pool.in_use == 1  # the squatted port went back to the pool
            other = await engine.open_session()
            assert other.local_port == pool.low + 4
            with pytest.raises(NoPortsLeft, match="1 taken by other programs"):
                await engine.open_session()
            await engine.close()
            assert pool.in_use == 0
        finally:
            squatter.close()

    run(scenario)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_many_calls_leave_no_port_in_use_and_no_descriptor_open() -> None:
    async def scenario() -> None:
        async with media_engine(size=400) as engine:
            await asyncio.sleep(0)
            before = open_fds()
            for _ in range(5):
                sessions = [await engine.open_session() for _ in range(100)]
                assert open_fds() >= before + 100
                for session in sessions:
                    session.set_remote("127.0.0.1", 9, PCMU)
                    session.send_pcm(bytes(320))
                for session in sessions:
                    session.close()
                await asyncio.gather(*(s.wait_closed() for s in sessions))
            assert engine.sessions == 0
            assert engine.pool.in_use == 0
            await asyncio.sleep(0.01)
            assert open_fds() == before

            # and what is left open at the end is closed by the engine
            left = [await engine.open_session() for _ in range(10)]
            await engine.close()
            assert all(s.closed for s in left)
            assert engine.pool.in_use == 0
            await asyncio.sleep(0.01)
            assert open_fds() == before

    run(scenario)
