"""The churn test: 250 customer calls through the IVR into three queues while agents go
not ready, log out, and have their phones (sipp, two baresip) killed mid-ring and
mid-call (`churn`).

One run (about two minutes) is shared by the tests of this module; each checks one part
of the books afterwards, so a failure names what went wrong, with the run's seed (set
CHAOS_SEED to replay it) and counts in the output. `bench/chaos_full.py` runs 2,000 calls.

Persona: the customers call the hotline 4000 from trunk lanes; agents 81001.. sit at
extensions 71001.. on sipp phones.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.chaos.churn import Report, Settings, run_churn

pytestmark = [pytest.mark.interop, pytest.mark.timeout(420)]  # the shared run: ~2 min

CALLS = 250
RATE = 3.0


def seed() -> int:
    """CHAOS_SEED when set (a replay), else a new one (printed by the run)."""
    given = os.environ.get("CHAOS_SEED", "")
    return int(given) if given.isdigit() else random.SystemRandom().randrange(1_000_000)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    work: Path = tmp_path_factory.mktemp("chaos")
    return run_churn(Settings(calls=CALLS, rate=RATE, seed=seed()), work)


def _problems(report: Report, name: str) -> str:
    return f"seed {report.seed}: " + "\n".join(report.problems[name][:30])


def test_the_churn_really_happened(report: Report) -> None:
    """The checks below see real data: every call placed reached the switch, agents
    answered, customers left at every phase, phones were killed in both states."""
    assert report.placed == CALLS
    assert report.started == CALLS, f"seed {report.seed}: {report.started} calls started"
    assert report.answered > 0, f"seed {report.seed}: no agent answered"
    for phase in ("ivr", "queue", "ringing", "talking_customer"):
        assert report.phases[phase] > 0, f"seed {report.seed}: no call ended at {phase}"
    for action in ("phone_killed_ringing", "phone_killed_in_call", "not_ready", "logout"):
        assert report.agent_actions[action] > 0, f"seed {report.seed}: no {action}"
    assert report.events["call_ended"] == CALLS


def test_every_call_has_exactly_one_record(report: Report) -> None:
    assert not report.problems["records"], _problems(report, "records")


def test_every_agent_state_matches_the_calls(report: Report) -> None:
    assert not report.problems["agents"], _problems(report, "agents")


def test_no_call_and_no_rtp_port_is_held(report: Report) -> None:
    assert not report.problems["held"], _problems(report, "held")


def test_no_task_process_or_file_descriptor_is_left(report: Report) -> None:
    """Both counts of descriptors are taken inside the run's event loop, before the
    switch starts and after it stopped and every sipp was reaped: nothing of the run may
    stay open, so the tolerance is zero (as in tests/engine/test_calls.py)."""
    assert report.tasks_left == [], f"seed {report.seed}"
    assert report.children_left == [], f"seed {report.seed}"
    assert report.fds_after <= report.fds_before, f"seed {report.seed}"


def test_the_reconciler_found_nothing_to_repair(report: Report) -> None:
    """Only phones die here, never the switch: every callback of the call layer arrives,
    so the contact center's own bookkeeping must stay right without the reconciler. A
    repair is a bookkeeping bug that the reconciler hid (its samples are printed)."""
    assert not report.repairs, f"seed {report.seed}: " + "\n".join(report.repair_samples)
