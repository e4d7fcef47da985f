"""Members' order and positions, skill relaxation, timeouts, the expected wait, stats."""

from __future__ import annotations

import pytest

from callcenter.engine.acd.queue import Member, Queue
from callcenter.engine.ports import QueueEntry
from tests.engine.acd.conftest import caller


def test_positions_follow_priority_then_joining_time() -> None:
    queue = Queue(QueueEntry("aftersales"))
    assert queue.join(caller("c1", at=10)) == 1
    assert queue.join(caller("c2", at=20)) == 2
    assert queue.join(caller("c3", at=30, priority=5)) == 1  # a VIP goes first
    assert queue.join(caller("c4", at=20)) == 4  # same time as c2: after it
    assert [m.call_id for m in queue.members()] == ["c3", "c1", "c2", "c4"]
    assert [m.original_position for m in queue.members()] == [1, 1, 2, 4]
    with pytest.raises(ValueError, match="already in queue"):
        queue.join(caller("c1", at=40))


def test_positions_after_leave() -> None:
    queue = Queue(QueueEntry("aftersales"))
    for n in range(1, 5):
        queue.join(caller(f"c{n}", at=float(n)))
    left = queue.leave("c2")
    assert isinstance(left, Member)
    assert left.call_id == "c2"
    assert queue.leave("c2") is None
    assert [queue.position(f"c{n}") for n in range(1, 5)] == [1, None, 2, 3]
    queue.leave("c1")
    assert queue.position("c4") == 2
    assert queue.members()[1].original_position == 4  # unchanged by others leaving
    assert len(queue) == 2


def test_waiting_skips_members_being_rung() -> None:
    queue = Queue(QueueEntry("aftersales"))
    for n in range(1, 4):
        queue.join(caller(f"c{n}", at=float(n)))
    queue.members()[0].ringing = ("80001",)
    assert [m.call_id for m in queue.waiting()] == ["c2", "c3"]
    assert [m.call_id for m in queue.ringing()] == ["c1"]
    assert queue.position("c1") == 1


def test_update_keeps_members() -> None:
    queue = Queue(QueueEntry("aftersales", strategy="linear"))
    queue.join(caller("c1"))
    queue.update(QueueEntry("aftersales", strategy="round-robin", max_wait=5))
    assert queue.entry.strategy == "round-robin"
    assert queue.position("c1") == 1


def test_required_proficiency_relaxes_with_the_wait() -> None:
    queue = Queue(
        QueueEntry("aftersales", skill="repair", min_proficiency=5, relax=((60, 0), (30, 3)))
    )
    member = caller("c1", at=1000.0)
    assert queue.required_proficiency(member, 1010.0) == 5
    assert queue.required_proficiency(member, 1029.9) == 5
    assert queue.required_proficiency(member, 1030.0) == 3
    assert queue.required_proficiency(member, 1059.0) == 3
    assert queue.required_proficiency(member, 1061.0) == 0
    assert queue.next_relax(member, 1010.0) == 1030.0
    assert queue.next_relax(member, 1030.0) == 1060.0
    assert queue.next_relax(member, 1060.0) is None


def test_no_skill_means_every_tier_agent_qualifies() -> None:
    queue = Queue(QueueEntry("aftersales", skill="", min_proficiency=7))
    assert queue.required_proficiency(caller("c1"), 1000.0) == 0


def test_timed_out_after_max_wait() -> None:
    queue = Queue(QueueEntry("aftersales", max_wait=120))
    queue.join(caller("c1", at=1000.0))
    queue.join(caller("c2", at=1050.0))
    assert queue.timed_out(1119.0) == []
    assert [m.call_id for m in queue.timed_out(1120.0)] == ["c1"]
    assert [m.call_id for m in queue.timed_out(1200.0)] == ["c1", "c2"]
    unlimited = Queue(QueueEntry("patient", max_wait=0))
    unlimited.join(caller("c3", at=0.0))
    assert unlimited.timed_out(1e9) == []


def test_expected_wait_from_handle_times_and_agents() -> None:
    queue = Queue(QueueEntry("aftersales"))
    assert queue.expected_wait(1, 4) is None  # nothing answered yet
    queue.record_answered(30.0)
    queue.record_answered(50.0)
    assert queue.expected_wait(3, 4) == 40.0  # no call ended yet: the mean wait
    for seconds in (100.0, 200.0, 300.0):
        queue.record_handle(seconds)
    # p * H / N: third in line, mean handle 200 s, 4 agents
    assert queue.expected_wait(3, 4) == pytest.approx(150.0)
    assert queue.expected_wait(1, 4) == pytest.approx(50.0)
    assert queue.expected_wait(1, 0) is None  # nobody logged in


def test_expected_wait_uses_the_last_20_samples_only() -> None:
    queue = Queue(QueueEntry("aftersales"))
    for _ in range(20):
        queue.record_handle(1000.0)
    for _ in range(20):
        queue.record_handle(60.0)
    assert queue.expected_wait(2, 2) == pytest.approx(60.0)


def test_stats() -> None:
    queue = Queue(QueueEntry("aftersales"))
    queue.join(caller("c1", at=1000.0))
    queue.join(caller("c2", at=1030.0))
    queue.record_answered(12.0)
    queue.record_answered(8.0)
    queue.record_abandoned()
    stats = queue.stats(1100.0)
    assert (stats.answered, stats.abandoned, stats.total_wait) == (2, 1, 20.0)
    assert (stats.longest_wait, stats.waiting) == (100.0, 2)
    assert Queue(QueueEntry("empty")).stats(5.0).longest_wait == 0.0
