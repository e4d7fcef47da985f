"""Checking flows: the demo flow passes, and each problem code is found where it is."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from callcenter.engine.ivr.check import CODES, FlowProblem, check_flow
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

PROMPTS = {"welcome", "demo-menu", "invalid", "no-input", "goodbye", "closed", "enter-order"}
QUEUES = {"service", "complaints"}
FLOWS = {"demo", "orders"}


def demo(*changed: Node, drop: tuple[str, ...] = (), start: str = "hours") -> Flow:
    """The hotline's demo flow (客服热线), with ``changed`` nodes put in place of (or
    beside) those of the same id."""
    nodes: dict[str, Node] = {
        node.id: node
        for node in (
            TimeCondition(
                "hours",
                hours=(Hours((1, 2, 3, 4, 5), "09:00", "18:00"), Hours((6,), "09:00", "12:00")),
                holidays=("2026-10-01",),
                open="welcome",
                closed="closed",
            ),
            Play("welcome", prompt="welcome", next="menu"),
            Menu(
                "menu",
                prompt="demo-menu",
                choices={"1": "service", "2": "order", "0": "agent"},
                timeout=5.0,
                retries=3,
                invalid_prompt="invalid",
                timeout_prompt="no-input",
                failure="bye",
            ),
            Transfer("service", destination="queue:service"),
            Collect(
                "order",
                prompt="enter-order",
                variable="order",
                min_digits=6,
                max_digits=12,
                invalid_prompt="invalid",
                next="complaints",
                failure="bye",
            ),
            Transfer("complaints", destination="queue:complaints"),
            Transfer("agent", destination="80001"),
            Hangup("closed", prompt="closed"),
            Hangup("bye", prompt="goodbye"),
        )
    }
    for node in changed:
        nodes[node.id] = node
    for node_id in drop:
        del nodes[node_id]
    return Flow("demo", start, nodes, "客服热线")


def problems(flow: Flow, **names: Any) -> list[FlowProblem]:
    names = {"prompts": PROMPTS, "queues": QUEUES, "flows": FLOWS, **names}
    return check_flow(flow, **names)


def test_the_demo_flow_has_no_problem_with_or_without_the_names() -> None:
    assert problems(demo()) == []
    assert check_flow(demo()) == []
    # and the same after a round trip through the stored JSON
    flow = demo()
    assert problems(Flow.from_dict("demo", flow.to_dict())) == []


def test_a_flow_without_a_start() -> None:
    found = problems(demo(start=""))
    assert found[0] == FlowProblem("no_start", "", "start")
    # every node is then unreachable from nowhere: not reported on top
    assert {p.code for p in found} == {"no_start"}


def test_a_start_that_is_no_node() -> None:
    assert problems(demo(start="welcom")) == [FlowProblem("unknown_start", "", "start", "welcom")]


def test_a_branch_to_a_missing_node_is_dangling() -> None:
    flow = demo(
        Play("welcome", prompt="welcome", next="menu2"),
        replace_choice("1", "servce"),
    )
    found = problems(flow)
    assert found[:2] == [
        FlowProblem("dangling", "welcome", "next", "menu2"),
        FlowProblem("dangling", "menu", "choices.1", "servce"),
    ]
    # the menu and what only it leads to cannot be reached any more
    assert found[2:] == unreachable("menu", "service", "order", "complaints", "agent", "bye")


def replace_choice(digit: str, target: str) -> Menu:
    menu = demo().nodes["menu"]
    assert isinstance(menu, Menu)
    return replace(menu, choices={**menu.choices, digit: target})


def unreachable(*node_ids: str) -> list[FlowProblem]:
    return [FlowProblem("unreachable", node_id) for node_id in node_ids]


def test_play_collect_and_time_need_their_branches_but_failure_may_be_empty() -> None:
    flow = demo(
        Play("welcome", prompt="welcome", next=""),
        Collect("order", prompt="enter-order", next="", failure=""),
        TimeCondition("hours", hours=(Hours(),), open="welcome", closed=""),
    )
    found = [p for p in problems(flow) if p.code != "unreachable"]
    assert found == [
        FlowProblem("no_next", "hours", "closed"),
        FlowProblem("no_next", "welcome", "next"),
        FlowProblem("no_next", "order", "next"),
    ]


def test_nodes_not_reachable_from_the_start() -> None:
    flow = demo(Play("orphan", prompt="welcome", next="menu"), Hangup("lost"))
    assert problems(flow) == unreachable("orphan", "lost")


def test_a_loop_without_input() -> None:
    # play → time → play: never waits for the caller
    flow = demo(
        Play("welcome", prompt="welcome", next="check"),
        TimeCondition("check", hours=(Hours(),), open="welcome", closed="welcome"),
    )
    found = problems(flow)
    assert FlowProblem("loop_without_input", "welcome") in found
    assert [p.code for p in found].count("loop_without_input") == 1


def test_a_play_that_leads_to_itself_is_a_loop_and_a_loop_through_a_menu_is_not() -> None:
    assert FlowProblem("loop_without_input", "welcome") in problems(
        demo(Play("welcome", prompt="welcome", next="welcome"))
    )
    # menu → failure → welcome → menu waits for the caller each time round: allowed
    menu = demo().nodes["menu"]
    assert isinstance(menu, Menu)
    assert problems(demo(replace(menu, failure="welcome"))) == []


def test_a_transfer_to_the_same_flow_without_input_is_a_loop() -> None:
    flow = demo(Play("welcome", prompt="welcome", next="again"), Transfer("again", "flow:demo"))
    codes = [p.code for p in problems(flow)]
    assert "loop_without_input" in codes


def test_two_separate_loops_are_two_problems() -> None:
    flow = demo(
        Play("welcome", prompt="welcome", next="welcome"),
        Play("a", next="b"),
        Play("b", next="a"),
    )
    loops = [p for p in problems(flow) if p.code == "loop_without_input"]
    assert loops == [
        FlowProblem("loop_without_input", "welcome"),
        FlowProblem("loop_without_input", "a"),
    ]


@pytest.mark.parametrize("digit", ["a", "12", "", "＃"])
def test_a_choice_that_is_not_a_key(digit: str) -> None:
    found = problems(demo(replace_choice(digit, "service")))
    assert found == [FlowProblem("bad_digit", "menu", "choices", digit)]


def test_a_terminator_that_is_not_a_key() -> None:
    collect = demo().nodes["order"]
    assert isinstance(collect, Collect)
    assert problems(demo(replace(collect, terminator="x"))) == [
        FlowProblem("bad_digit", "order", "terminator", "x")
    ]
    assert problems(demo(replace(collect, terminator=""))) == []  # none: timeout or max


def test_a_menu_without_choices() -> None:
    menu = demo().nodes["menu"]
    assert isinstance(menu, Menu)
    found = problems(demo(replace(menu, choices={})))
    assert found[0] == FlowProblem("no_choices", "menu", "choices")


def test_a_collect_without_a_variable() -> None:
    collect = demo().nodes["order"]
    assert isinstance(collect, Collect)
    assert problems(demo(replace(collect, variable=" "))) == [
        FlowProblem("no_variable", "order", "variable", " ")
    ]


@pytest.mark.parametrize("destination", ["", "queue:", "queue: service", "lobby", "flow:"])
def test_a_destination_that_does_not_parse(destination: str) -> None:
    assert problems(demo(Transfer("service", destination=destination))) == [
        FlowProblem("bad_destination", "service", "destination", destination)
    ]


def test_queues_and_flows_named_must_exist_when_known() -> None:
    flow = demo(
        Transfer("service", destination="queue:sales"),
        Transfer("agent", destination="flow:night"),
    )
    assert problems(flow) == [
        FlowProblem("unknown_queue", "service", "destination", "sales"),
        FlowProblem("unknown_flow", "agent", "destination", "night"),
    ]
    assert check_flow(flow) == []  # names not given: not checked


def test_prompts_named_must_exist_when_known() -> None:
    menu = demo().nodes["menu"]
    assert isinstance(menu, Menu)
    flow = demo(replace(menu, prompt="menu-v2", timeout_prompt="silence"))
    assert problems(flow) == [
        FlowProblem("unknown_prompt", "menu", "prompt", "menu-v2"),
        FlowProblem("unknown_prompt", "menu", "timeout_prompt", "silence"),
    ]
    assert problems(flow, prompts=None) == []


@pytest.mark.parametrize(
    ("hours", "field", "detail"),
    [
        (Hours((1,), "9:00", "18:00"), "hours.0.start", "9:00"),
        (Hours((1,), "09:00", "18:60"), "hours.0.end", "18:60"),
        (Hours((1,), "18:00", "09:00"), "hours.0.end", "09:00"),
        (Hours((1,), "09:00", "09:00"), "hours.0.end", "09:00"),
        (Hours((0, 1), "09:00", "18:00"), "hours.0.days", "0"),
        (Hours((8,), "09:00", "18:00"), "hours.0.days", "8"),
        (Hours((), "09:00", "18:00"), "hours.0.days", ""),
    ],
)
def test_business_hours_that_are_wrong(hours: Hours, field: str, detail: str) -> None:
    flow = demo(TimeCondition("hours", hours=(hours,), open="welcome", closed="closed"))
    assert problems(flow) == [FlowProblem("bad_hours", "hours", field, detail)]


def test_a_time_node_without_hours_and_a_day_ending_at_midnight() -> None:
    flow = demo(TimeCondition("hours", hours=(), open="welcome", closed="closed"))
    assert problems(flow) == [FlowProblem("bad_hours", "hours", "hours")]
    late = TimeCondition(
        "hours", hours=(Hours((6, 7), "20:00", "24:00"),), open="welcome", closed="closed"
    )
    assert problems(demo(late)) == []


@pytest.mark.parametrize("day", ["2026-13-01", "2026/10/01", "20261001", "国庆"])
def test_a_holiday_that_is_not_an_iso_date(day: str) -> None:
    flow = demo(
        TimeCondition(
            "hours", hours=(Hours(),), holidays=("2026-10-01", day), open="welcome", closed="closed"
        )
    )
    assert problems(flow) == [FlowProblem("bad_holiday", "hours", "holidays", day)]


@pytest.mark.parametrize(
    ("changes", "field", "detail"),
    [
        ({"min_digits": 13}, "min_digits", "13"),
        ({"min_digits": -1}, "min_digits", "-1"),
        ({"timeout": 0.0}, "timeout", "0.0"),
        ({"retries": 0}, "retries", "0"),
    ],
)
def test_collect_numbers_out_of_range(changes: dict[str, Any], field: str, detail: str) -> None:
    collect = demo().nodes["order"]
    assert isinstance(collect, Collect)
    assert problems(demo(replace(collect, **changes))) == [
        FlowProblem("bad_range", "order", field, detail)
    ]


def test_menu_numbers_out_of_range() -> None:
    menu = demo().nodes["menu"]
    assert isinstance(menu, Menu)
    assert problems(demo(replace(menu, timeout=-1.0, retries=0))) == [
        FlowProblem("bad_range", "menu", "timeout", "-1.0"),
        FlowProblem("bad_range", "menu", "retries", "0"),
    ]


def test_every_code_is_described_and_tested() -> None:
    assert set(CODES) == {
        "no_start",
        "unknown_start",
        "dangling",
        "no_next",
        "unreachable",
        "loop_without_input",
        "bad_digit",
        "no_choices",
        "no_variable",
        "bad_destination",
        "unknown_queue",
        "unknown_flow",
        "unknown_prompt",
        "bad_hours",
        "bad_holiday",
        "bad_range",
    }
    text = FlowProblem("dangling", "menu", "choices.1", "servce").describe()
    assert text == "node 'menu', choices.1: a branch names a node that does not exist ('servce')"
    assert FlowProblem("no_start", "", "start").describe().startswith("flow, start: ")
