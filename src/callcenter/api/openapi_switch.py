"""The OpenAPI paths and schemas of the switch's endpoints (`api.switch_views`)."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
ERRORS = {
    400: "Invalid input: the message says what to fix, field names the input.",
    401: "Not authenticated: no session, or an unknown or revoked token.",
    403: "Not permitted: not the caller's agent, call or supervised queue.",
    404: "No such agent or call.",
    409: "Not possible now (not logged in, extension taken, not in wrap-up...).",
    413: "The body is too large.",
    415: "The body is not JSON.",
    503: "The switch is not running in this process, or did not answer in time.",
}
NUMBER = {"type": "number"}
TEXT = {"type": "string", "maxLength": 100}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def responses(schema: str, *errors: int) -> dict[str, Any]:
    found: dict[str, Any] = {
        "200": {"description": "OK", "content": {JSON: {"schema": ref(schema)}}}
    }
    for status in errors:
        found[str(status)] = {
            "description": ERRORS[status],
            "content": {JSON: {"schema": ref("Error")}},
        }
    return found


def _post(operation: str, summary: str, body: str | None, schema: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": operation,
        "summary": summary,
        "responses": responses(schema, 400, 401, 403, 404, 409, 413, 415, 503),
    }
    if body is not None:
        spec["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(body)}}}
    return {"post": spec}


AGENT_ID = {"name": "agent_id", "in": "path", "required": True, "schema": {"type": "string"}}
CALL_ID = {"name": "call_id", "in": "path", "required": True, "schema": {"type": "string"}}


def paths() -> dict[str, Any]:
    agent = [AGENT_ID]
    call = [CALL_ID]
    return {
        "/api/agents/": {
            "get": {
                "operationId": "listAgents",
                "summary": "Every agent with its status and state",
                "description": "With `supervised=true`, only the agents the caller may act "
                "on (an agent: none; a supervisor: the agents of the queues it supervises; "
                "an administrator: all), the caller itself left out.",
                "parameters": [
                    {
                        "name": "supervised",
                        "in": "query",
                        "required": False,
                        "schema": {"enum": ["true", "false"]},
                    }
                ],
                "responses": responses("AgentList", 400, 401, 403, 503),
            }
        },
        "/api/agents/{agent_id}": {
            "parameters": agent,
            "get": {
                "operationId": "getAgent",
                "summary": "One agent's status and state",
                "responses": responses("Agent", 401, 403, 404, 503),
            },
        },
        "/api/agents/{agent_id}/login": {
            "parameters": agent,
            **_post("loginAgent", "Log the agent in at an extension", "LoginInput", "Agent"),
        },
        "/api/agents/{agent_id}/logout": {
            "parameters": agent,
            **_post("logoutAgent", "Log the agent out", None, "Agent"),
        },
        "/api/agents/{agent_id}/status": {
            "parameters": agent,
            **_post("setAgentStatus", "Ready, or not ready with a reason", "StatusInput", "Agent"),
        },
        "/api/agents/{agent_id}/answer": {
            "parameters": agent,
            "post": {
                "operationId": "answerAgentPhone",
                "summary": "Ask the phone ringing at the agent's extension to answer",
                "description": "Sent as the talk event (NOTIFY, Event: talk) where the "
                "phone's ringing response allowed it (the agent's `answerable`); the "
                "answer then shows as the agent's state.",
                "responses": {
                    "202": {
                        "description": "The phone was asked to answer",
                        "content": {JSON: {"schema": ref("Answering")}},
                    },
                    **{
                        k: v
                        for k, v in responses("Answering", 401, 403, 404, 409, 503).items()
                        if k != "200"
                    },
                },
            },
        },
        "/api/agents/{agent_id}/supervise": {
            "parameters": agent,
            **_post(
                "superviseAgent",
                "Listen to, whisper to or barge into the agent's call",
                "SuperviseInput",
                "Supervision",
            ),
        },
        "/api/agents/{agent_id}/wrap-up/end": {
            "parameters": agent,
            **_post("endWrapUp", "End the agent's wrap-up early", None, "Agent"),
        },
        "/api/calls/": {
            "get": {
                "operationId": "listCalls",
                "summary": "The calls up now",
                "responses": responses("CallList", 401, 403, 503),
            },
            "post": {
                "operationId": "originateCall",
                "summary": "Click-to-call: ring the caller's extension, then the destination",
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": ref("OriginateInput")}},
                },
                "responses": {
                    "201": {
                        "description": "The call is being placed",
                        "content": {JSON: {"schema": ref("Originated")}},
                    },
                    **{
                        k: v
                        for k, v in responses(
                            "Originated", 400, 401, 403, 409, 413, 415, 503
                        ).items()
                        if k != "200"
                    },
                },
            },
        },
        "/api/calls/{call_id}/hold": {
            "parameters": call,
            **_post("holdCall", "Hold the customer (music)", None, "Call"),
        },
        "/api/calls/{call_id}/resume": {
            "parameters": call,
            **_post("resumeCall", "Take the customer off hold", None, "Call"),
        },
        "/api/calls/{call_id}/consult": {
            "parameters": call,
            **_post(
                "consultCall", "Consult a third party (attended transfer)", "TransferInput", "Call"
            ),
        },
        "/api/calls/{call_id}/consult/complete": {
            "parameters": call,
            **_post(
                "completeTransfer", "Leave the customer with the consulted party", None, "Call"
            ),
        },
        "/api/calls/{call_id}/consult/cancel": {
            "parameters": call,
            **_post("cancelConsult", "Back to the customer", None, "Call"),
        },
        "/api/calls/{call_id}/conference": {
            "parameters": call,
            **_post("conferenceCall", "Customer, agent and consulted party together", None, "Call"),
        },
        "/api/calls/{call_id}/hangup": {
            "parameters": call,
            **_post("hangUpCall", "End the call", None, "Call"),
        },
        "/api/calls/{call_id}/transfer": {
            "parameters": call,
            **_post("transferCall", "Blind transfer", "TransferInput", "Call"),
        },
        "/api/queues/": {
            "get": {
                "operationId": "listQueues",
                "summary": "Live figures of every queue",
                "responses": responses("QueueList", 401, 403, 503),
            }
        },
    }


def schemas() -> dict[str, Any]:
    agent = {
        "type": "object",
        "required": ["agent_id", "status", "state", "extension"],
        "properties": {
            "agent_id": {"type": "string"},
            "name": {"type": "string"},
            "status": {"enum": ["logged_out", "ready", "not_ready"]},
            "reason": {"type": "string"},
            "extension": {"type": "string"},
            "state": {"enum": ["", "idle", "reserved", "ringing", "in_call", "on_hold", "wrap_up"]},
            "state_since": NUMBER,
            "call": {"type": "string"},
            "queue": {"type": "string"},
            "wrap_up_until": {"type": ["number", "null"]},
            "calls_taken": {"type": "integer"},
            "status_since": NUMBER,
            "reason_label": {"type": "string", "description": "The not-ready reason's name"},
            "queues": {"type": "array", "items": {"type": "string"}},
            "current_call": {
                "type": "string",
                "description": "The call the agent is on (a queue call or a direct one)",
            },
            "caller": {"type": "string", "description": "The current call's caller number"},
            "answerable": {
                "type": "boolean",
                "description": "A call rings at the agent's phone and the phone can be "
                "answered from the API",
            },
        },
    }
    call = {
        "type": "object",
        "required": ["id", "caller", "dialled"],
        "properties": {
            "id": {"type": "string"},
            "direction": {"enum": ["internal", "inbound", "outbound"]},
            "caller": {"type": "string"},
            "dialled": {"type": "string"},
            "started_at": NUMBER,
            "answered_by": {"type": "string"},
            "queue": {"type": "string"},
            "agent": {"type": "string"},
            "waiting": {"type": "boolean"},
        },
    }
    queue = {
        "type": "object",
        "required": ["name", "waiting", "logged_in", "available"],
        "properties": {
            "name": {"type": "string"},
            "title": {"type": "string"},
            "strategy": {"type": "string"},
            "waiting": {"type": "integer"},
            "longest_wait": NUMBER,
            "answered": {"type": "integer"},
            "abandoned": {"type": "integer"},
            "logged_in": {"type": "integer"},
            "available": {"type": "integer"},
        },
    }
    return {
        "Agent": agent,
        "AgentList": {
            "type": "object",
            "required": ["agents"],
            "properties": {
                "now": {**NUMBER, "description": "The switch's clock, Unix seconds"},
                "agents": {"type": "array", "items": ref("Agent")},
            },
        },
        "Call": call,
        "CallList": {
            "type": "object",
            "required": ["calls"],
            "properties": {"calls": {"type": "array", "items": ref("Call")}},
        },
        "Queue": queue,
        "QueueList": {
            "type": "object",
            "required": ["queues"],
            "properties": {"queues": {"type": "array", "items": ref("Queue")}},
        },
        "LoginInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["extension"],
            "properties": {"extension": TEXT, "ready": {"type": "boolean"}, "reason": TEXT},
        },
        "StatusInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status"],
            "properties": {"status": {"enum": ["ready", "not_ready"]}, "reason": TEXT},
        },
        "OriginateInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["destination"],
            "properties": {
                "destination": TEXT,
                "extension": TEXT,
                "auto_answer": {"type": "boolean"},
            },
        },
        "Originated": {
            "type": "object",
            "required": ["id", "extension", "destination"],
            "properties": {
                "id": {"type": "string"},
                "extension": {"type": "string"},
                "destination": {"type": "string"},
            },
        },
        "SuperviseInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"mode": {"enum": ["listen", "whisper", "barge"]}},
        },
        "Answering": {
            "type": "object",
            "required": ["call", "agent"],
            "properties": {"call": {"type": "string"}, "agent": {"type": "string"}},
        },
        "Supervision": {
            "type": "object",
            "required": ["call", "agent", "mode"],
            "properties": {
                "call": {"type": "string"},
                "agent": {"type": "string"},
                "mode": {"enum": ["listen", "whisper", "barge"]},
            },
        },
        "TransferInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["destination"],
            "properties": {"destination": TEXT},
        },
    }
