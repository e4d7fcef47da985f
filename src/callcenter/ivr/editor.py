"""What the IVR flow page's node editor (``static/ivr/flow_editor.js``) gets from the server.

The editor is a script over the form's JSON textarea: it reads the flow from it, lets the
administrator edit nodes as cards and see the graph, and writes the JSON back; the form
(`ivr.forms.FlowForm`) still reads and checks what is posted (`ivr.flows`). This module
owns the one value the page hands the script (through ``json_script``):

- the kinds of node, each with its label, its fields in the engine's order, the control
  that edits each field, and a fresh node of that kind with the engine's defaults
  (`engine.ivr.flow`), so the script knows no node format of its own;
- the names it offers in its lists: prompts, queues (with their display names), other
  flows;
- the problems the last check found, node by node;
- every text it shows, in the user's language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from callcenter.engine.ivr.flow import NODE_KINDS, Flow, Hours, TimeCondition
from callcenter.ivr.flows import FIELD_LABELS, KIND_LABELS

# The control that edits each field of a node (every field but ``id``):
# prompt: a list of prompt names; target: a list of node ids; choices: rows key → node;
# number: a number input; terminator: a list of keys; text: a text input; hours: rows of
# days and times; holidays: a list of dates; destination: queues, flows or a number.
CONTROLS: dict[str, str] = {
    "prompt": "prompt",
    "invalid_prompt": "prompt",
    "timeout_prompt": "prompt",
    "next": "target",
    "failure": "target",
    "open": "target",
    "closed": "target",
    "choices": "choices",
    "timeout": "number",
    "retries": "number",
    "min_digits": "number",
    "max_digits": "number",
    "terminator": "terminator",
    "variable": "text",
    "hours": "hours",
    "holidays": "holidays",
    "destination": "destination",
}

# Branches that may stay empty: the call hangs up there (`engine.ivr.check`, Rule 2).
OPTIONAL_BRANCHES = ("failure",)


def blank_node(kind: str) -> dict[str, Any]:
    """A node of ``kind`` with the engine's defaults, as the JSON stores it, without id.

    A business-hours node starts with one span (the engine's default `Hours`), since a
    node without any is refused."""
    node_class = NODE_KINDS[kind]
    node = node_class(id="-")
    if isinstance(node, TimeCondition):
        node = dataclasses.replace(node, hours=(Hours(),))
    data = Flow("", "-", {"-": node}).to_dict()["nodes"][0]
    del data["id"]
    return dict(data)


def kind_specs() -> list[dict[str, Any]]:
    """Each kind of node: its label, its fields with their label and control, a blank."""
    specs = []
    for kind, node_class in NODE_KINDS.items():
        fields = []
        for field in dataclasses.fields(node_class):
            if field.name == "id":
                continue
            fields.append(
                {
                    "name": field.name,
                    "label": str(FIELD_LABELS.get(field.name, field.name)),
                    "control": CONTROLS[field.name],
                    "integer": field.type == "int",
                    "optional": field.name in OPTIONAL_BRANCHES,
                }
            )
        specs.append(
            {
                "kind": kind,
                "label": str(KIND_LABELS.get(kind, kind)),
                "fields": fields,
                "blank": blank_node(kind),
            }
        )
    return specs


def editor_texts() -> dict[str, str]:
    """What the script writes, in the user's language."""
    return {
        "editor": _("Flow editor"),
        "diagram": _("Diagram"),
        "diagram_help": _("Click a node to go to its card."),
        "start_node": str(FIELD_LABELS["start"]),
        "start": _("Start"),
        "to_fix": _("To fix"),
        "node_id": _("Node ID"),
        "kind": _("Kind"),
        "new_kind": _("Kind of the new node"),
        "add_node": _("Add node"),
        "delete_node": _("Delete node"),
        "no_nodes": _("No node yet: choose a kind and add the first node."),
        "choose": _("(choose)"),
        "none": _("(none)"),
        "hang_up": _("(hang up)"),
        "missing": _("%(name)s (does not exist)"),
        "key": _("key %(digit)s"),
        "goes_to": _("goes to"),
        "add_key": _("Add key"),
        "add_span": _("Add span"),
        "add_holiday": _("Add holiday"),
        "remove": _("Remove"),
        "from": _("from"),
        "until": _("until"),
        "days": _("days"),
        "queues": _("Queues"),
        "flows": _("Other flows"),
        "other_destination": _("Extension or outside number…"),
        "number": _("Number"),
        "number_example": _("e.g. 70008, or 0 and the outside number"),
        "id_empty": _("A node needs an ID: the old one is kept."),
        "id_taken": _("Another node is already called “%(id)s”: the old ID is kept."),
        "failure": _("failure"),
        "show_json": _("Show the JSON"),
        "hide_json": _("Hide the JSON"),
        "bad_json": _(
            "The text is not valid JSON: the editor still shows the last valid flow. Fix the "
            "text, or replace it with the editor's flow."
        ),
        "bad_json_at": _(
            "The text is not valid JSON (line %(line)s, column %(column)s): the editor still "
            "shows the last valid flow. Fix the text, or replace it with the editor's flow."
        ),
        "not_a_flow": _(
            "The text is JSON but not a flow (“nodes” must be a list of nodes, each with "
            "“id” and “kind”): the editor still shows the last valid flow."
        ),
        "restore": _("Replace the text with the editor's flow"),
        "unknown_kind": _("Unknown kind “%(kind)s”: edit this node in the JSON."),
    }


def weekday_labels() -> list[str]:
    """Monday (1) to Sunday (7), short: 一 … 日."""
    return [
        pgettext("short weekday", "Mon"),
        pgettext("short weekday", "Tue"),
        pgettext("short weekday", "Wed"),
        pgettext("short weekday", "Thu"),
        pgettext("short weekday", "Fri"),
        pgettext("short weekday", "Sat"),
        pgettext("short weekday", "Sun"),
    ]


def editor_data(
    *,
    node_errors: Mapping[str, list[str]],
    prompts: Iterable[str],
    queues: Iterable[tuple[str, str]],
    flows: Iterable[tuple[str, str]],
) -> dict[str, Any]:
    """The value the page hands the editor (``json_script`` "flow-editor-data").

    ``node_errors`` are the last check's messages by node id ("" for the flow itself);
    ``queues`` and ``flows`` are (name, display name) pairs."""
    return {
        "kinds": kind_specs(),
        "texts": editor_texts(),
        "weekdays": weekday_labels(),
        "prompts": sorted(prompts),
        "queues": [[name, display] for name, display in queues],
        "flows": [[name, title] for name, title in flows],
        "problems": {node: list(messages) for node, messages in node_errors.items()},
    }
