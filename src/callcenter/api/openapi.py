"""The OpenAPI 3.1 document of the API, written by hand next to the views it describes
(served at ``/api/openapi.json``; `tests/api/test_schema.py` runs schemathesis on it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from callcenter.api import openapi_crm, openapi_switch
from callcenter.api.http import endpoint, json_response
from callcenter.api.views import MAX_ID, MAX_PAGE_SIZE, RUNNERS
from callcenter.tickets.choices import FeedbackKind, Kind, Priority, State

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TIME = _nullable("string", format="date-time")

ERRORS = {
    400: "Invalid input: the field and message say what to fix.",
    401: "Not authenticated: no session, or an unknown or revoked token.",
    403: "Not permitted for the caller's role, or a failed CSRF check.",
    404: "No such ticket, or not the caller's to see.",
    409: "Stale version, wrong state, or not possible for this kind.",
    413: "The body is too large.",
    415: "The body is not JSON.",
}


def _responses(ok: int, schema: str, *errors: int) -> dict[str, Any]:
    found: dict[str, Any] = {
        str(ok): {"description": "OK", "content": {JSON: {"schema": _ref(schema)}}}
    }
    for status in errors:
        found[str(status)] = {
            "description": ERRORS[status],
            "content": {JSON: {"schema": _ref("Error")}},
        }
    return found


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": _ref(schema)}}}


TICKET_PROPERTIES: dict[str, Any] = {
    "id": ID,
    "number": {"type": "string"},
    "kind": {"enum": Kind.values},
    "kind_label": {"type": "string"},
    "state": {"enum": State.values},
    "state_label": {"type": "string"},
    "priority": {"enum": Priority.values},
    "customer_name": {"type": "string"},
    "caller_number": {"type": "string"},
    "contact_phone": {"type": "string"},
    "address": {"type": "string"},
    "vehicle_plate": {"type": "string"},
    "description": {"type": "string"},
    "category": _nullable("integer"),
    "unit": _nullable("integer"),
    "unit_name": _nullable("string"),
    "handler": _nullable("integer"),
    "handler_name": _nullable("string"),
    "created_by": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "sent_at": TIME,
    "received_at": TIME,
    "closed_at": TIME,
    "response_due": TIME,
    "resolution_due": TIME,
    "rerepair_count": {"type": "integer", "minimum": 0},
    "feedback_kind": {"enum": ["", *FeedbackKind.values]},
    "feedback_result": {"type": "string"},
    "feedback_reason": {"type": "string"},
    "callback_reached": _nullable("boolean"),
    "callback_satisfied": _nullable("boolean"),
    "callback_notes": {"type": "string"},
    "close_notes": {"type": "string"},
    "version": {"type": "integer", "minimum": 1},
    "actions": {
        "type": "array",
        "items": {"type": "string"},
        "description": "The actions the caller may take now.",
    },
}

EVENT = {
    "type": "object",
    "required": ["at", "action", "action_label", "actor", "from_state", "to_state"],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "action": {"type": "string"},
        "action_label": {"type": "string"},
        "actor": _nullable("string"),
        "from_state": {"type": "string"},
        "to_state": {"type": "string"},
        "reason": {"type": "string"},
        "notes": {"type": "string"},
        "unit": _nullable("integer"),
        "handler": _nullable("integer"),
    },
}

TEXT = {"type": "string", "maxLength": 2000}


def document() -> dict[str, Any]:
    ticket = {
        "type": "object",
        "required": sorted(TICKET_PROPERTIES),
        "properties": TICKET_PROPERTIES,
    }
    detail = {
        "type": "object",
        "required": [*sorted(TICKET_PROPERTIES), "history"],
        "properties": {
            **TICKET_PROPERTIES,
            "history": {"type": "array", "items": _ref("Event")},
        },
    }
    query = [
        {"name": "kind", "in": "query", "schema": {"enum": Kind.values}},
        {"name": "state", "in": "query", "schema": {"enum": State.values}},
        {"name": "number", "in": "query", "schema": {"type": "string"}},
        {
            "name": "phone",
            "in": "query",
            "schema": {"type": "string"},
            "description": "Part of the contact or caller number.",
        },
        {
            "name": "unit",
            "in": "query",
            "schema": ID,
            "description": "Tickets with this unit or a unit below it.",
        },
        {
            "name": "created_from",
            "in": "query",
            "schema": {"type": "string", "examples": ["2026-11-01"]},
            "description": "A date or date and time (ISO 8601).",
        },
        {
            "name": "created_to",
            "in": "query",
            "schema": {"type": "string", "examples": ["2026-11-30"]},
            "description": "A date (the whole day counts) or a date and time.",
        },
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 10**6},
        },
        {
            "name": "page_size",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        },
    ]
    ticket_id = {"name": "id", "in": "path", "required": True, "schema": ID}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Callcenter API",
            "version": "1",
            "description": (
                "Tickets and work orders of the service desk, the BOSS interface, and the "
                "switch: agents (login, status, wrap-up), live calls (hang up, transfer) "
                "and queue figures. "
                "Authenticate with `Authorization: Bearer <token>` (an API token issued "
                "in the admin) or the session of a logged-in user (with `X-CSRFToken` on "
                "unsafe methods). Every error is `{code, message, field}`; messages are "
                "in Simplified Chinese unless `Accept-Language: en` is sent."
            ),
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            **openapi_switch.paths(),
            **openapi_crm.paths(),
            "/api/tickets/": {
                "get": {
                    "operationId": "listTickets",
                    "summary": "Tickets the caller may see, newest first",
                    "parameters": query,
                    "responses": _responses(200, "TicketPage", 400, 401),
                },
                "post": {
                    "operationId": "createTicket",
                    "summary": "Create a ticket (customer-service center only)",
                    "requestBody": _body("TicketInput"),
                    "responses": _responses(201, "TicketDetail", 400, 401, 403, 413, 415),
                },
            },
            "/api/tickets/{id}": {
                "get": {
                    "operationId": "getTicket",
                    "summary": "One ticket with its history",
                    "parameters": [ticket_id],
                    "responses": _responses(200, "TicketDetail", 401, 404),
                },
            },
            "/api/tickets/{id}/actions/{action}": {
                "post": {
                    "operationId": "actOnTicket",
                    "summary": "Take an action, with the version the caller saw",
                    "parameters": [
                        ticket_id,
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {"enum": sorted(RUNNERS)},
                        },
                    ],
                    "requestBody": _body("ActionInput"),
                    "responses": _responses(200, "TicketDetail", 400, 401, 403, 404, 409, 413, 415),
                },
            },
            "/api/tickets/{id}/boss/forward": {
                "post": {
                    "operationId": "forwardToBoss",
                    "summary": "Forward a fault ticket to the BOSS system",
                    "parameters": [ticket_id],
                    "requestBody": _body("VersionInput"),
                    "responses": _responses(202, "BossLink", 400, 401, 403, 404, 409, 413, 415),
                },
            },
            "/api/tickets/{id}/boss": {
                "get": {
                    "operationId": "getBossLink",
                    "summary": "The ticket's BOSS reference, state and exchanges",
                    "parameters": [ticket_id],
                    "responses": _responses(200, "BossLink", 401, 404),
                },
            },
            "/api/boss/updates": {
                "post": {
                    "operationId": "bossUpdate",
                    "summary": "BOSS reports progress (signed with the shared secret)",
                    "security": [{"bossSignature": []}],
                    "requestBody": _body("BossUpdate"),
                    "responses": _responses(200, "BossLink", 400, 401, 404, 413, 415),
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "callcenter_session"},
                "bossSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Boss-Signature",
                    "description": "sha256=<hex HMAC-SHA256 of the body with the secret>",
                },
            },
            "schemas": {
                **openapi_switch.schemas(),
                **openapi_crm.schemas(),
                "Error": {
                    "type": "object",
                    "required": ["code", "message", "field"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "field": _nullable("string"),
                    },
                },
                "Ticket": ticket,
                "TicketDetail": detail,
                "Event": EVENT,
                "TicketPage": {
                    "type": "object",
                    "required": ["count", "page", "page_size", "results"],
                    "properties": {
                        "count": {"type": "integer", "minimum": 0},
                        "page": {"type": "integer", "minimum": 1},
                        "page_size": {"type": "integer", "minimum": 1},
                        "results": {"type": "array", "items": _ref("Ticket")},
                    },
                },
                "TicketInput": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["kind", "description"],
                    "properties": {
                        "kind": {"enum": Kind.values},
                        "description": TEXT,
                        "customer_name": {"type": "string", "maxLength": 100},
                        "caller_number": {"type": "string", "maxLength": 64},
                        "contact_phone": {"type": "string", "maxLength": 20},
                        "address": {"type": "string", "maxLength": 200},
                        "vehicle_plate": {"type": "string", "maxLength": 10},
                        "priority": {"enum": Priority.values},
                        "category": _nullable("integer", minimum=1, maximum=MAX_ID),
                    },
                },
                "ActionInput": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["version"],
                    "properties": {
                        "version": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        "unit": _nullable("integer", minimum=1, maximum=MAX_ID),
                        "handling_unit": _nullable("integer", minimum=1, maximum=MAX_ID),
                        "handler": _nullable("integer", minimum=1, maximum=MAX_ID),
                        "return_reason": _nullable("integer", minimum=1, maximum=MAX_ID),
                        "reason": TEXT,
                        "notes": TEXT,
                        "result": TEXT,
                        "feedback_kind": {"enum": FeedbackKind.values},
                        "repaired": {"type": "boolean"},
                        "reached": {"type": "boolean"},
                        "satisfied": _nullable("boolean"),
                    },
                },
                "VersionInput": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["version"],
                    "properties": {"version": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                },
                "BossLink": {
                    "type": "object",
                    "required": ["ticket", "reference", "state", "delivered", "exchanges"],
                    "properties": {
                        "ticket": {"type": "string"},
                        "reference": {"type": "string"},
                        "state": {"type": "string"},
                        "delivered": {"type": "boolean"},
                        "exchanges": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["direction", "status", "at", "payload"],
                                "properties": {
                                    "direction": {"enum": ["out", "in"]},
                                    "status": {"type": "string"},
                                    "at": {"type": "string", "format": "date-time"},
                                    "payload": {},
                                    "error": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "BossUpdate": {
                    "type": "object",
                    "required": ["reference", "state"],
                    "properties": {
                        "reference": {"type": "string", "minLength": 1, "maxLength": 64},
                        "ticket": {"type": "string"},
                        "state": {"type": "string", "minLength": 1, "maxLength": 40},
                        "note": {"type": "string"},
                    },
                },
            },
        },
    }


@endpoint("GET", public=True)
def openapi_view(request: HttpRequest, user: None) -> HttpResponse:
    return json_response(document())
