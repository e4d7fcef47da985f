"""Checking an IVR flow before it is saved or run: every problem, as codes, no messages.

:func:`check_flow` returns a list of :class:`FlowProblem`; an empty list means the switch
can run the flow. A problem names where it is (``node``, "" for the flow itself, and
``field``) and the offending value (``detail``); the web turns ``code`` into a translated
message, so nothing here is meant for users to read.

Rules (the codes in brackets):

Rule 1. The flow has a ``start`` [no_start] naming one of its nodes [unknown_start].
Rule 2. Every branch names an existing node [dangling]: ``next`` (play, collect), the
    targets of ``choices`` (menu; field ``choices.DIGIT``), ``failure`` (menu, collect),
    ``open`` and ``closed`` (time). ``failure`` may be empty (hang up); ``next``,
    ``open`` and ``closed`` may not [no_next]. Transfer and hangup nodes end the flow.
Rule 3. A menu has at least one choice [no_choices]; each choice's digit, and a collect's
    terminator (or ""), is one of 0-9 * # [bad_digit]; a collect stores into a variable
    [no_variable].
Rule 4. A transfer's ``destination`` parses (`engine.calls.destinations`)
    [bad_destination]; the queue [unknown_queue] or flow [unknown_flow] it names exists
    when the caller passes the names it knows.
Rule 5. Every prompt named exists when the caller passes the prompt names [unknown_prompt].
Rule 6. A time node has business hours [bad_hours, field ``hours``], each HH:MM with
    start before end ("24:00" may end a day) and days 1..7 [bad_hours, field
    ``hours.N.start|end|days``]; holidays are ISO dates YYYY-MM-DD [bad_holiday].
Rule 7. ``min_digits`` <= ``max_digits``, ``max_digits`` >= 1, ``min_digits`` >= 0,
    timeouts > 0, retries >= 1 [bad_range].
Rule 8. Every node can be reached from the start [unreachable].
Rule 9. No cycle avoids input [loop_without_input]: a cycle through play, time and
    transfer-to-this-flow nodes only would spin without waiting for the caller. Menus
    and collect nodes wait, so a cycle through one is allowed. One problem per cycle
    (strongly connected part), at its first node in the flow's order.

Loops across several flows (flow A transfers to B, which transfers back to A) are not
seen from one flow; the runner's step limit covers a single flow only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date

from callcenter.engine.calls.destinations import Destination, Kind, parse_destination
from callcenter.engine.ivr.flow import (
    Collect,
    Flow,
    Menu,
    Node,
    Play,
    TimeCondition,
    Transfer,
)

__all__ = ["CODES", "DIGITS", "FlowProblem", "branches", "check_flow", "iso_date", "minutes_of"]

DIGITS = frozenset("0123456789*#")

CODES: dict[str, str] = {
    "no_start": "the flow has no start node",
    "unknown_start": "the start node does not exist",
    "dangling": "a branch names a node that does not exist",
    "no_next": "a branch that must lead somewhere is empty",
    "unreachable": "the node cannot be reached from the start",
    "loop_without_input": "a cycle through this node never waits for the caller",
    "bad_digit": "not a key of the phone (0-9 * #)",
    "no_choices": "a menu without choices",
    "no_variable": "a collect node without a variable to store the digits in",
    "bad_destination": "not a destination string",
    "unknown_queue": "the transfer names a queue that does not exist",
    "unknown_flow": "the transfer names a flow that does not exist",
    "unknown_prompt": "the prompt does not exist",
    "bad_hours": "business hours are wrong (HH:MM, start before end, days 1..7)",
    "bad_holiday": "a holiday is not an ISO date (YYYY-MM-DD)",
    "bad_range": "a number out of range (digit counts, timeout, retries)",
}
"""Every code :func:`check_flow` may return, with a developer's description."""


@dataclass(frozen=True, slots=True)
class FlowProblem:
    code: str  # one of CODES
    node: str = ""  # the node id, "" for the flow itself
    field: str = ""  # the field, e.g. "next", "choices.1", "hours.0.start"
    detail: str = ""  # the offending value

    def describe(self) -> str:
        """An English message for logs and developers (the web translates ``code``)."""
        where = f"node {self.node!r}" if self.node else "flow"
        if self.field:
            where += f", {self.field}"
        text = CODES.get(self.code, self.code)
        return f"{where}: {text}" + (f" ({self.detail!r})" if self.detail else "")


def branches(node: Node) -> Iterator[tuple[str, str]]:
    """The (field, target node id) branches going out of ``node``, empty ones included."""
    if isinstance(node, Play):
        yield "next", node.next
    elif isinstance(node, Menu):
        for digit, target in node.choices.items():
            yield f"choices.{digit}", target
        yield "failure", node.failure
    elif isinstance(node, Collect):
        yield "next", node.next
        yield "failure", node.failure
    elif isinstance(node, TimeCondition):
        yield "open", node.open
        yield "closed", node.closed


_OPTIONAL_BRANCHES = frozenset({"failure"})
_TIME = re.compile(r"(\d\d):(\d\d)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_flow(
    flow: Flow,
    *,
    prompts: Collection[str] | None = None,
    queues: Collection[str] | None = None,
    flows: Collection[str] | None = None,
) -> list[FlowProblem]:
    """Every problem of ``flow`` (Rules 1-9 above), flow-level first, then node by node
    in the flow's order, then reachability and loops; [] when it can run.

    ``prompts``, ``queues`` and ``flows`` are the names that exist; None skips the check
    of that kind of name."""
    problems: list[FlowProblem] = []
    if not flow.start:
        problems.append(FlowProblem("no_start", "", "start"))
    elif flow.start not in flow.nodes:
        problems.append(FlowProblem("unknown_start", "", "start", flow.start))
    for node in flow.nodes.values():
        problems.extend(_check_node(node, flow, prompts, queues, flows))
    graph = _graph(flow)
    if flow.start in flow.nodes:
        reached = _reachable(graph, flow.start)
        problems.extend(
            FlowProblem("unreachable", node_id) for node_id in flow.nodes if node_id not in reached
        )
    problems.extend(FlowProblem("loop_without_input", node_id) for node_id in _spinning(flow))
    return problems


# -- One node ---------------------------------------------------------------------------


def _check_node(
    node: Node,
    flow: Flow,
    prompts: Collection[str] | None,
    queues: Collection[str] | None,
    flows: Collection[str] | None,
) -> Iterator[FlowProblem]:
    for name, target in branches(node):
        if not target:
            if name not in _OPTIONAL_BRANCHES:
                yield FlowProblem("no_next", node.id, name)
        elif target not in flow.nodes:
            yield FlowProblem("dangling", node.id, name, target)
    if prompts is not None:
        for name in ("prompt", "invalid_prompt", "timeout_prompt"):
            value = getattr(node, name, "")
            if value and value not in prompts:
                yield FlowProblem("unknown_prompt", node.id, name, value)
    if isinstance(node, Menu):
        if not node.choices:
            yield FlowProblem("no_choices", node.id, "choices")
        for digit in node.choices:
            if len(digit) != 1 or digit not in DIGITS:
                yield FlowProblem("bad_digit", node.id, "choices", digit)
        yield from _ranges(node, ("timeout", node.timeout > 0), ("retries", node.retries >= 1))
    elif isinstance(node, Collect):
        if node.terminator and (len(node.terminator) != 1 or node.terminator not in DIGITS):
            yield FlowProblem("bad_digit", node.id, "terminator", node.terminator)
        if not node.variable.strip():
            yield FlowProblem("no_variable", node.id, "variable", node.variable)
        yield from _ranges(
            node,
            ("min_digits", 0 <= node.min_digits <= node.max_digits),
            ("max_digits", node.max_digits >= 1),
            ("timeout", node.timeout > 0),
            ("retries", node.retries >= 1),
        )
    elif isinstance(node, TimeCondition):
        yield from _check_time(node)
    elif isinstance(node, Transfer):
        yield from _check_destination(node, queues, flows)


def _ranges(node: Node, *checks: tuple[str, bool]) -> Iterator[FlowProblem]:
    for name, ok in checks:
        if not ok:
            yield FlowProblem("bad_range", node.id, name, str(getattr(node, name)))


def _check_destination(
    node: Transfer, queues: Collection[str] | None, flows: Collection[str] | None
) -> Iterator[FlowProblem]:
    destination = parse_destination(node.destination)
    if destination is None:
        yield FlowProblem("bad_destination", node.id, "destination", node.destination)
    elif destination.kind is Kind.QUEUE and queues is not None:
        if destination.value not in queues:
            yield FlowProblem("unknown_queue", node.id, "destination", destination.value)
    elif destination.kind is Kind.FLOW and flows is not None and destination.value not in flows:
        yield FlowProblem("unknown_flow", node.id, "destination", destination.value)


def minutes_of(text: str, *, end: bool = False) -> int | None:
    """Minutes after midnight of an "HH:MM" time, None when it is not one ("24:00" is
    1440 when ``end``)."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if end and (hours, minutes) == (24, 0):
        return 1440
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def iso_date(text: str) -> date | None:
    """The date of a "YYYY-MM-DD" string, None when it is not one."""
    if _ISO_DATE.fullmatch(text) is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _check_time(node: TimeCondition) -> Iterator[FlowProblem]:
    if not node.hours:
        yield FlowProblem("bad_hours", node.id, "hours")
    for index, hours in enumerate(node.hours):
        prefix = f"hours.{index}"
        start, end = minutes_of(hours.start), minutes_of(hours.end, end=True)
        if start is None:
            yield FlowProblem("bad_hours", node.id, f"{prefix}.start", hours.start)
        if end is None or (start is not None and start >= end):
            yield FlowProblem("bad_hours", node.id, f"{prefix}.end", hours.end)
        if not hours.days:
            yield FlowProblem("bad_hours", node.id, f"{prefix}.days")
        for day in hours.days:
            if not 1 <= day <= 7:
                yield FlowProblem("bad_hours", node.id, f"{prefix}.days", str(day))
    for holiday in node.holidays:
        if iso_date(holiday) is None:
            yield FlowProblem("bad_holiday", node.id, "holidays", holiday)


# -- The graph --------------------------------------------------------------------------


def _graph(flow: Flow) -> dict[str, list[str]]:
    """Node id -> the existing nodes its branches lead to (a transfer to this very flow
    leads back to its start)."""
    graph: dict[str, list[str]] = {}
    for node_id, node in flow.nodes.items():
        targets = [t for _, t in branches(node) if t in flow.nodes]
        if isinstance(node, Transfer) and flow.start in flow.nodes:
            destination = parse_destination(node.destination)
            if destination is not None and destination == Destination(Kind.FLOW, flow.name):
                targets.append(flow.start)
        graph[node_id] = targets
    return graph


def _reachable(graph: dict[str, list[str]], start: str) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for target in graph[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _spinning(flow: Flow) -> list[str]:
    """One node (the first in the flow's order) of each cycle that passes through no
    menu or collect node: Tarjan's strongly connected components, iteratively, on the
    graph without the input nodes."""
    graph = {
        node_id: [t for t in targets if not _waits(flow.nodes[t])]
        for node_id, targets in _graph(flow).items()
        if not _waits(flow.nodes[node_id])
    }
    order = {node_id: position for position, node_id in enumerate(flow.nodes)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[str] = []
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node_id, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                elif target in on_stack:
                    low[node_id] = min(low[node_id], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node_id])
            if low[node_id] == index[node_id]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node_id:
                        break
                if len(component) > 1 or node_id in graph[node_id]:
                    found.append(min(component, key=order.__getitem__))
    return sorted(found, key=order.__getitem__)


def _waits(node: Node) -> bool:
    """Whether the node waits for the caller (a cycle through it is not a spin)."""
    return isinstance(node, Menu | Collect)
