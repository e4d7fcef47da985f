"""Reading an IVR flow an administrator typed: its problems in the user's language, and
the readable node table the flow page shows.

`engine.ivr.check` finds the problems as codes; this module says each in words that name
the node and the field (e.g. 节点 “main”，“按键 1”（choices.1）：…).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from callcenter.engine.ivr.check import FlowProblem, branches, check_flow
from callcenter.engine.ivr.flow import (
    Flow,
    FlowFormatError,
    Hangup,
    Menu,
    Node,
    TimeCondition,
    Transfer,
)

KIND_LABELS: dict[str, Promise] = {
    "play": gettext_lazy("Play a prompt"),
    "menu": gettext_lazy("Key menu"),
    "collect": gettext_lazy("Collect digits"),
    "time": gettext_lazy("Business hours"),
    "transfer": gettext_lazy("Transfer"),
    "hangup": gettext_lazy("Hang up"),
}

FIELD_LABELS: dict[str, Promise] = {
    "start": gettext_lazy("start node"),
    "prompt": gettext_lazy("prompt"),
    "next": gettext_lazy("next node"),
    "choices": gettext_lazy("key choices"),
    "timeout": gettext_lazy("seconds to wait"),
    "retries": gettext_lazy("tries"),
    "invalid_prompt": gettext_lazy("prompt for a wrong key"),
    "timeout_prompt": gettext_lazy("prompt when no key is pressed"),
    "failure": gettext_lazy("after the last try"),
    "variable": gettext_lazy("variable"),
    "min_digits": gettext_lazy("fewest digits"),
    "max_digits": gettext_lazy("most digits"),
    "terminator": gettext_lazy("end key"),
    "hours": gettext_lazy("business hours"),
    "holidays": gettext_lazy("holidays"),
    "open": gettext_lazy("during business hours"),
    "closed": gettext_lazy("outside business hours"),
    "destination": gettext_lazy("transfer destination"),
}

_MESSAGES: dict[str, Promise] = {
    "no_start": gettext_lazy("the flow has no start node: set it to the id of the first node."),
    "unknown_start": gettext_lazy("“%(detail)s” is not a node of this flow."),
    "dangling": gettext_lazy("leads to “%(detail)s”, which is not a node of this flow."),
    "no_next": gettext_lazy("is empty: enter the id of the node that comes next."),
    "unreachable": gettext_lazy(
        "no path from the start node leads here: link it from another node, or delete it."
    ),
    "loop_without_input": gettext_lazy(
        "a loop through this node never waits for the caller: put a key menu or a digit "
        "collection in the loop."
    ),
    "bad_digit": gettext_lazy("“%(detail)s” is not a phone key: use one of 0–9, * and #."),
    "no_choices": gettext_lazy("a key menu needs at least one key choice."),
    "no_variable": gettext_lazy("enter the name of the variable that keeps the digits."),
    "bad_destination": gettext_lazy(
        "“%(detail)s” is not a destination: enter an extension number, queue:NAME, "
        "flow:NAME or hangup."
    ),
    "unknown_queue": gettext_lazy("there is no queue named “%(detail)s”."),
    "unknown_flow": gettext_lazy("there is no IVR flow named “%(detail)s”."),
    "unknown_prompt": gettext_lazy(
        "there is no prompt named “%(detail)s”: upload it on the prompts page first."
    ),
    "bad_hours": gettext_lazy(
        "wrong business hours: times are HH:MM with the start before the end, days are "
        "1 (Monday) to 7 (Sunday)."
    ),
    "bad_holiday": gettext_lazy("“%(detail)s” is not a date: write YYYY-MM-DD, e.g. 2025-10-01."),
    "bad_range": gettext_lazy(
        "“%(detail)s” is out of range: seconds above 0, at least 1 try, fewest digits not "
        "above most digits."
    ),
}


def field_label(field: str) -> str:
    """``choices.1`` → 按键 1（choices.1）; ``hours.0.start`` → 营业时间 第 1 段 开始…"""
    parts = field.split(".")
    if parts[0] == "choices" and len(parts) == 2:
        label = _("key %(digit)s") % {"digit": parts[1]}
    elif parts[0] == "hours" and len(parts) >= 2 and parts[1].isdigit():
        label = _("business hours, span %(number)d") % {"number": int(parts[1]) + 1}
        if len(parts) == 3:
            label += " " + {"start": _("start"), "end": _("end"), "days": _("days")}.get(
                parts[2], parts[2]
            )
    else:
        label = str(FIELD_LABELS.get(parts[0], parts[0]))
    return _("field “%(label)s” (%(field)s)") % {"label": label, "field": field}


def problem_message(problem: FlowProblem) -> str:
    """The problem in words, saying where: the node and the field."""
    template = _MESSAGES.get(problem.code)
    text = str(template) % {"detail": problem.detail} if template else problem.describe()
    if not problem.node:
        return _("Flow, %(field)s: %(problem)s") % {
            "field": field_label(problem.field or "start"),
            "problem": text,
        }
    if not problem.field:
        return _("Node “%(node)s”: %(problem)s") % {"node": problem.node, "problem": text}
    return _("Node “%(node)s”, %(field)s: %(problem)s") % {
        "node": problem.node,
        "field": field_label(problem.field),
        "problem": text,
    }


@dataclass
class Reading:
    """What became of the text: the flow when it could be read, and what to fix.

    ``node_errors`` holds the same messages as ``errors`` by node id ("" for the flow
    itself), for the node editor to show each on its node."""

    flow: Flow | None
    data: dict[str, Any] | None
    errors: list[str]
    node_errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def problem_nodes(self) -> set[str]:
        return {node for node in self.node_errors if node}


def read_flow(
    name: str,
    text: str,
    *,
    prompts: set[str] | None = None,
    queues: set[str] | None = None,
    flows: set[str] | None = None,
) -> Reading:
    """Parse the JSON ``text`` as the flow ``name`` and check it against the names that
    exist."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return Reading(
            None,
            None,
            [
                _(
                    "The definition is not valid JSON (line %(line)d, column %(column)d): "
                    "check the commas, quotes and brackets there."
                )
                % {"line": error.lineno, "column": error.colno}
            ],
        )
    try:
        flow = Flow.from_dict(name, data)
    except FlowFormatError as error:
        return Reading(
            None,
            None,
            [
                _(
                    "The definition is not a flow (%(detail)s): each node is an object with "
                    "“id” and “kind” (play, menu, collect, time, transfer or hangup)."
                )
                % {"detail": error}
            ],
        )
    problems = check_flow(flow, prompts=prompts, queues=queues, flows=flows)
    errors: list[str] = []
    node_errors: dict[str, list[str]] = {}
    for problem in problems:
        message = problem_message(problem)
        errors.append(message)
        node_errors.setdefault(problem.node, []).append(message)
    return Reading(flow, data, errors, node_errors)


def node_rows(flow: Flow) -> list[dict[str, Any]]:
    """One row per node for the readable table: what it plays and where it leads."""
    rows = []
    for node in flow.nodes.values():
        rows.append(
            {
                "id": node.id,
                "kind": KIND_LABELS.get(node.kind, node.kind),
                "start": node.id == flow.start,
                "prompts": _prompts(node),
                "detail": _detail(node),
                "branches": [
                    (field_label(field), target) for field, target in branches(node) if target
                ],
            }
        )
    return rows


def _prompts(node: Node) -> list[str]:
    names = ("prompt", "invalid_prompt", "timeout_prompt")
    return [getattr(node, name) for name in names if getattr(node, name, "")]


def _detail(node: Node) -> str:
    if isinstance(node, Transfer):
        return _("to %(destination)s") % {"destination": node.destination}
    if isinstance(node, Menu):
        return _("waits %(seconds)s s, %(tries)d tries") % {
            "seconds": f"{node.timeout:g}",
            "tries": node.retries,
        }
    if isinstance(node, TimeCondition):
        return "; ".join(
            f"{','.join(map(str, hours.days))} {hours.start}–{hours.end}" for hours in node.hours
        )
    if isinstance(node, Hangup):
        return _("ends the call")
    return ""


def pretty(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
