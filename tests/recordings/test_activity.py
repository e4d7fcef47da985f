"""The contact center's events become IVR steps, queue calls, offers, transfers and the
agents' status history, and Asterisk's queue_log (A7, A10)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callcenter.engine import ports
from callcenter.engine.events import (
    EngineStarted,
    QueueOutcome,
    StateRepaired,
    SupervisorAction,
)
from callcenter.recordings.activity import current_presences
from callcenter.recordings.choices import AgentStatus, OfferResult
from callcenter.recordings.choices import QueueOutcome as QueueOutcomeChoice
from callcenter.recordings.events import apply_call_events
from callcenter.recordings.models import (
    AgentOffer,
    AgentPresence,
    AgentStatusRecord,
    CallRecord,
    IvrStep,
    QueueCall,
    StateRepairRecord,
    SupervisorActionRecord,
    TransferRecord,
)
from tests.recordings.calls import NOW
from tests.recordings.contact_center import answered_call, left_waiting, queued_call, status

Apply = Callable[..., bool]


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(NOW + seconds, tz=UTC)


@pytest.fixture
def queue_log(settings, tmp_path: Path) -> Path:
    settings.QUEUE_LOG_PATH = tmp_path / "logs" / "queue_log"
    return Path(settings.QUEUE_LOG_PATH)


@pytest.fixture
def apply(db: None, django_capture_on_commit_callbacks) -> Apply:
    """Apply a batch as the event writer does, running what waits for the commit."""

    def apply(events: list, node: str = "callcenter") -> bool:
        with django_capture_on_commit_callbacks(execute=True):
            return apply_call_events(events, node)

    return apply


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_choices_cover_every_value_the_engine_sends() -> None:
    from callcenter.engine.events import MissReason

    assert set(QueueOutcomeChoice.values) == {outcome.value for outcome in QueueOutcome}
    assert set(OfferResult.values) == {reason.value for reason in MissReason} | {"answered"}


def test_ivr_queue_offers_hold_transfer_and_wrap_up(apply: Apply, queue_log: Path) -> None:
    assert apply(queued_call())
    call = CallRecord.objects.get()
    assert (call.queue, call.agent) == ("service", "80002")
    assert list(call.ivr_steps.values_list("flow", "node", "kind", "digits", "destination")) == [
        ("hotline", "welcome", "play", "", ""),
        ("hotline", "main", "menu", "1", ""),
        ("hotline", "", "left", "", "queue:service"),
    ]
    assert IvrStep.objects.get(kind="left").variables == {"choice": "1"}

    queue_call = QueueCall.objects.get()
    assert (queue_call.queue, queue_call.entered_at, queue_call.left_at) == (
        "service",
        at(4),
        at(25),
    )
    assert (queue_call.outcome, queue_call.wait_seconds) == ("answered", 21)
    assert (queue_call.entry_position, queue_call.exit_position) == (1, 1)
    assert (queue_call.agent, queue_call.extension, queue_call.ring_seconds) == (
        "80002",
        "70002",
        4,
    )
    assert (queue_call.connected_at, queue_call.talk_ended_at) == (at(25), at(85))
    assert queue_call.talk_seconds == 60
    assert queue_call.hold_seconds == 10
    assert queue_call.wrap_up_started_at == at(85)
    assert queue_call.wrap_up_seconds == 10
    assert (queue_call.transferred, queue_call.destination) == (True, "70008")

    offers = list(
        queue_call.offers.values_list("agent", "extension", "offered_at", "result", "ring_seconds")
    )
    assert offers == [
        ("80001", "70001", at(6), "no_answer", 15),
        ("80002", "70002", at(21), "answered", 4),
    ]
    transfer = TransferRecord.objects.get()
    assert (transfer.call, transfer.kind, transfer.by, transfer.destination, transfer.at) == (
        call,
        "blind",
        "80002",
        "70008",
        at(85),
    )
    presence = AgentPresence.objects.get(agent="80002")
    assert (presence.state, presence.state_since) == ("idle", at(95))

    assert lines(queue_log) == [
        "1800000004|q1|service|NONE|ENTERQUEUE||13800138000|1",
        "1800000021|q1|service|Agent/80001|RINGNOANSWER|15000",
        "1800000025|q1|service|Agent/80002|CONNECT|21|q1-b|4",
        "1800000085|q1|service|Agent/80002|TRANSFER|70008||21|60|1",
    ]


def test_a_batch_applied_twice_adds_no_row_and_no_line(apply: Apply, queue_log: Path) -> None:
    events = queued_call()
    apply(events)
    before = queue_log.read_text()
    apply(events)
    assert queue_log.read_text() == before
    assert (QueueCall.objects.count(), AgentOffer.objects.count()) == (1, 2)
    assert (IvrStep.objects.count(), TransferRecord.objects.count()) == (3, 1)
    assert QueueCall.objects.get().hold_seconds == 10


def test_events_one_batch_each_give_the_same_story(apply: Apply, queue_log: Path) -> None:
    for event in queued_call():
        apply([event])
    queue_call = QueueCall.objects.get()
    assert (queue_call.talk_seconds, queue_call.hold_seconds, queue_call.wrap_up_seconds) == (
        60,
        10,
        10,
    )
    assert len(lines(queue_log)) == 4


@pytest.mark.parametrize(
    ("hangup_by", "verb"), [("caller", "COMPLETECALLER"), ("callee", "COMPLETEAGENT")]
)
def test_completed_by_whoever_hung_up(
    apply: Apply, queue_log: Path, hangup_by: str, verb: str
) -> None:
    apply(answered_call("a1", hangup_by))
    assert lines(queue_log) == [
        "1800000000|a1|service|NONE|ENTERQUEUE||13800138000|2",
        "1800000010|a1|service|Agent/80001|CONNECT|10||3",
        f"1800000040|a1|service|Agent/80001|{verb}|10|30|2",
    ]
    assert QueueCall.objects.get().talk_seconds == 30


@pytest.mark.parametrize(
    ("outcome", "wait", "line"),
    [
        (QueueOutcome.ABANDONED, 30, "1800000030|w1|service|NONE|ABANDON|1|2|30"),
        (QueueOutcome.TIMEOUT, 60, "1800000060|w1|service|NONE|EXITWITHTIMEOUT|1|2|60"),
        (QueueOutcome.EMPTY, 0, "1800000000|w1|service|NONE|EXITEMPTY|1|2|0"),
        (QueueOutcome.TRANSFERRED, 5, "1800000005|w1|service|NONE|EXITWITHKEY||1|2|5"),
    ],
)
def test_callers_leaving_without_an_agent(
    apply: Apply, queue_log: Path, outcome: QueueOutcome, wait: float, line: str
) -> None:
    apply(left_waiting("w1", outcome, wait))
    assert lines(queue_log) == ["1800000000|w1|service|NONE|ENTERQUEUE||13800138000|2", line]
    queue_call = QueueCall.objects.get()
    assert (queue_call.outcome, queue_call.wait_seconds) == (outcome.value, wait)
    assert queue_call.talk_seconds is None


def test_statuses_make_history_presence_and_log_lines(apply: Apply, queue_log: Path) -> None:
    apply([status("80001", "ready", NOW)])
    assert current_presences() == (
        ports.AgentPresence(agent_id="80001", extension="70001", status="ready"),
    )
    apply([status("80001", "not_ready", NOW + 100, reason="meal")])
    assert current_presences() == (
        ports.AgentPresence(agent_id="80001", extension="70001", status="not_ready", reason="meal"),
    )
    apply([status("80001", "ready", NOW + 200), status("80001", "logged_out", NOW + 300)])
    assert current_presences() == ()
    history = AgentStatusRecord.objects.order_by("at").values_list("status", "reason", "by")
    assert list(history) == [
        ("ready", "", "80001"),
        ("not_ready", "meal", "80001"),
        ("ready", "", "80001"),
        ("logged_out", "", "80001"),
    ]
    assert AgentPresence.objects.get().status == AgentStatus.LOGGED_OUT
    assert lines(queue_log) == [
        "1800000000|NONE|NONE|Agent/80001|AGENTLOGIN|SIP/70001",
        "1800000100|NONE|NONE|Agent/80001|PAUSEALL|meal",
        "1800000200|NONE|NONE|Agent/80001|UNPAUSEALL|",
        "1800000300|NONE|NONE|Agent/80001|AGENTLOGOFF|SIP/70001|300",
    ]


def test_logged_in_agents_survive_a_switch_restart(apply: Apply, queue_log: Path) -> None:
    apply([status("80001", "not_ready", NOW, reason="meal"), status("80002", "ready", NOW)])
    apply([EngineStarted(at=NOW + 10, node="callcenter")])
    assert [presence.agent_id for presence in current_presences()] == ["80001", "80002"]
    assert lines(queue_log)[-1] == "1800000010|NONE|NONE|NONE|QUEUESTART|"


def test_a_restart_closes_the_queue_calls_left_open(apply: Apply) -> None:
    apply(answered_call("a1", "caller")[:-1])  # talking when the switch stopped
    apply(left_waiting("w1", QueueOutcome.ABANDONED, 5)[:-1])  # waiting
    apply([EngineStarted(at=NOW + 100, node="callcenter")])
    talking, waiting = QueueCall.objects.order_by("call__call_id")
    assert (talking.talk_ended_at, waiting.outcome, waiting.left_at) == (at(100), "failed", at(100))


def test_supervisor_actions_and_repairs(apply: Apply) -> None:
    apply(answered_call("a1", "caller"))
    apply(
        [
            SupervisorAction(
                at=NOW + 20, supervisor="90001", action="listen", call="a1", agent="80001"
            ),
            SupervisorAction(
                at=NOW + 30, supervisor="90001", action="force_status", agent="80002", detail="meal"
            ),
            StateRepaired(
                at=NOW + 40, agent="80003", what="in_call without a dialog", repair="idle"
            ),
        ]
    )
    listen, force = SupervisorActionRecord.objects.order_by("at")
    assert (listen.call, listen.call_ref, listen.agent) == (CallRecord.objects.get(), "a1", "80001")
    assert (force.call, force.action, force.detail) == (None, "force_status", "meal")
    repair = StateRepairRecord.objects.get()
    assert (repair.agent, repair.what, repair.repair) == (
        "80003",
        "in_call without a dialog",
        "idle",
    )
    assert CallRecord.objects.count() == 1  # an action names no new call


def test_queue_events_before_the_call_started(apply: Apply) -> None:
    events = answered_call("a1", "callee")
    apply(events[2:])  # the CallStarted and caller leg come later
    apply(events[:2])
    call = CallRecord.objects.get()
    assert (call.caller, call.queue, call.agent) == ("13800138000", "service", "80001")


def test_the_queue_log_is_written_only_after_the_commit(db: None, queue_log: Path) -> None:
    apply_call_events(answered_call("a1", "caller"), "callcenter")  # the test's transaction
    assert not queue_log.exists()


def test_a_queue_log_that_cannot_be_written_loses_no_call(
    apply: Apply, settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings.QUEUE_LOG_PATH = tmp_path  # a folder: cannot be opened for writing
    assert apply(answered_call("a1", "caller"))
    assert QueueCall.objects.get().talk_seconds == 30
    assert "could not append 3 lines to the queue_log" in caplog.text


def test_no_queue_log_when_it_is_turned_off(apply: Apply, settings, tmp_path: Path) -> None:
    settings.QUEUE_LOG_PATH = None
    apply(answered_call("a1", "caller"))
    assert list(tmp_path.iterdir()) == []
