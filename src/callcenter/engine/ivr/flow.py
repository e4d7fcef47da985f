"""IVR flows as data: a graph of nodes, how it is stored, and nothing that runs it.

A flow (语音导航流程) is a set of nodes, each with an ``id``, and a ``start`` node. The web
keeps a flow as JSON (``Flow.to_dict`` / ``Flow.from_dict``); the switch runs it
(`engine.ivr.runner`) after `engine.ivr.check` found no error in it. Node kinds:

- ``play``: play ``prompt``, go to ``next``.
- ``menu``: play ``prompt`` and wait ``timeout`` seconds for one digit; ``choices`` maps
  a digit to the next node. No digit: ``timeout_prompt`` then the menu again; a digit not
  in ``choices``: ``invalid_prompt`` then again; after ``retries`` tries in all, go to
  ``failure``.
- ``collect``: play ``prompt`` and collect ``min_digits``..``max_digits`` digits, ended by
  ``terminator`` or ``timeout`` seconds of silence, into the call variable ``variable``;
  then ``next``, or ``failure`` after ``retries`` tries that gave too few digits.
- ``time``: ``open`` during the business hours (weekday set and HH:MM spans) unless the
  day is one of ``holidays`` (ISO dates), else ``closed``.
- ``transfer``: leave the flow for ``destination`` (a destination string:
  `engine.calls.destinations`: an extension, ``queue:NAME``, ``flow:NAME``, "0" and an
  outside number).
- ``hangup``: play ``prompt`` if any, then end the call.

Prompts are names: a WAV uploaded in the web, else one shipped in `engine/sounds/zh`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Node:
    kind: ClassVar[str] = "node"
    id: str


@dataclass(frozen=True, slots=True)
class Play(Node):
    kind: ClassVar[str] = "play"
    prompt: str = ""
    next: str = ""


@dataclass(frozen=True, slots=True)
class Menu(Node):
    kind: ClassVar[str] = "menu"
    prompt: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)  # digit -> node id
    timeout: float = 5.0
    retries: int = 3
    invalid_prompt: str = ""
    timeout_prompt: str = ""
    failure: str = ""


@dataclass(frozen=True, slots=True)
class Collect(Node):
    kind: ClassVar[str] = "collect"
    prompt: str = ""
    variable: str = "digits"
    min_digits: int = 1
    max_digits: int = 20
    terminator: str = "#"
    timeout: float = 5.0
    retries: int = 3
    invalid_prompt: str = ""
    next: str = ""
    failure: str = ""


@dataclass(frozen=True, slots=True)
class Hours:
    """Business hours: the weekdays (1 Monday .. 7 Sunday) and a span "08:30"-"18:00"."""

    days: tuple[int, ...] = (1, 2, 3, 4, 5)
    start: str = "09:00"
    end: str = "18:00"


@dataclass(frozen=True, slots=True)
class TimeCondition(Node):
    kind: ClassVar[str] = "time"
    hours: tuple[Hours, ...] = ()
    holidays: tuple[str, ...] = ()  # ISO dates: closed all day
    open: str = ""
    closed: str = ""


@dataclass(frozen=True, slots=True)
class Transfer(Node):
    kind: ClassVar[str] = "transfer"
    destination: str = ""
    prompt: str = ""  # played before leaving ("" none)


@dataclass(frozen=True, slots=True)
class Hangup(Node):
    kind: ClassVar[str] = "hangup"
    prompt: str = ""


NODE_KINDS: dict[str, type[Node]] = {
    cls.kind: cls for cls in (Play, Menu, Collect, TimeCondition, Transfer, Hangup)
}


class FlowFormatError(ValueError):
    """Stored JSON that is not a flow at all (not a checking error: see `ivr.check`)."""


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    start: str
    nodes: Mapping[str, Node]
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "title": self.title,
            "nodes": [_node_to_dict(node) for node in self.nodes.values()],
        }

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> Flow:
        """Read the stored JSON; raises :class:`FlowFormatError` on a wrong shape (an
        unknown kind, a missing id, a field of the wrong type)."""
        if not isinstance(data, Mapping):
            raise FlowFormatError("a flow is an object")
        raw_nodes = data.get("nodes", [])
        if not isinstance(raw_nodes, list):
            raise FlowFormatError("nodes must be a list")
        nodes: dict[str, Node] = {}
        for raw in raw_nodes:
            node = _node_from_dict(raw)
            if node.id in nodes:
                raise FlowFormatError(f"two nodes are called {node.id!r}")
            nodes[node.id] = node
        start = data.get("start", "")
        if not isinstance(start, str):
            raise FlowFormatError("start must be a node id")
        return cls(name, start, nodes, str(data.get("title", "")))


def _node_to_dict(node: Node) -> dict[str, Any]:
    data = asdict(node)
    if isinstance(node, Menu):
        data["choices"] = dict(node.choices)
    if isinstance(node, TimeCondition):
        data["hours"] = [{"days": list(h.days), "start": h.start, "end": h.end} for h in node.hours]
        data["holidays"] = list(node.holidays)
    return {"kind": node.kind, **data}


_TYPES: dict[str, type] = {"float": float, "int": int, "str": str}


def _node_from_dict(raw: object) -> Node:
    if not isinstance(raw, Mapping):
        raise FlowFormatError("a node is an object")
    kind = raw.get("kind")
    cls = NODE_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise FlowFormatError(f"unknown node kind {kind!r}")
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not node_id:
        raise FlowFormatError(f"a {kind} node without an id")
    values: dict[str, Any] = {"id": node_id}
    for f in fields(cls):
        if f.name == "id" or f.name not in raw:
            continue
        value = raw[f.name]
        if f.name == "choices":
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise FlowFormatError(f"{node_id}: choices map digits to node ids")
            value = dict(value)
        elif f.name == "hours":
            value = tuple(_hours(node_id, h) for h in _list(node_id, f.name, value))
        elif f.name == "holidays":
            value = tuple(str(day) for day in _list(node_id, f.name, value))
        else:
            expected = _TYPES.get(str(f.type), str)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or isinstance(value, bool):
                raise FlowFormatError(f"{node_id}: {f.name} must be {f.type!s}")
        values[f.name] = value
    return cls(**values)


def _list(node_id: str, name: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        raise FlowFormatError(f"{node_id}: {name} must be a list")
    return value


def _hours(node_id: str, raw: object) -> Hours:
    if not isinstance(raw, Mapping):
        raise FlowFormatError(f"{node_id}: business hours are objects")
    days = raw.get("days", [1, 2, 3, 4, 5])
    if not isinstance(days, list) or not all(isinstance(d, int) for d in days):
        raise FlowFormatError(f"{node_id}: days are numbers 1..7")
    return Hours(tuple(days), str(raw.get("start", "09:00")), str(raw.get("end", "18:00")))
