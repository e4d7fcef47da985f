"""The OpenAPI paths and schemas of the CRM's endpoints (`api.customer_views`)."""

from __future__ import annotations

from typing import Any

from callcenter.api.openapi_switch import ref, responses

TEXT = {"type": "string"}


def paths() -> dict[str, Any]:
    return {
        "/api/customers/": {
            "get": {
                "operationId": "findCustomers",
                "summary": "Customers by caller ID (the screen pop) or by a search",
                "parameters": [
                    {
                        "name": "caller",
                        "in": "query",
                        "required": False,
                        "description": "A caller ID in any form (+86, 0086, a trunk's 0…)",
                        "schema": {"type": "string", "maxLength": 100},
                    },
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "description": "Name, customer number, phone or plate",
                        "schema": {"type": "string", "maxLength": 100},
                    },
                ],
                "responses": responses("CustomerList", 400, 401, 403),
            }
        },
        "/api/customers/{number}": {
            "parameters": [
                {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getCustomer",
                "summary": "One customer with phones and vehicles",
                "responses": responses("Customer", 401, 403, 404),
            },
        },
    }


def schemas() -> dict[str, Any]:
    return {
        "Customer": {
            "type": "object",
            "required": ["number", "name", "kind", "phones", "vehicles"],
            "properties": {
                "number": TEXT,
                "name": TEXT,
                "kind": {"enum": ["person", "company"]},
                "address": TEXT,
                "notes": TEXT,
                "phones": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["number", "label"],
                        "properties": {"number": TEXT, "label": TEXT},
                    },
                },
                "vehicles": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "plate"],
                        "properties": {
                            "id": {"type": "integer"},
                            "plate": TEXT,
                            "vin": TEXT,
                            "model": TEXT,
                            "battery": TEXT,
                        },
                    },
                },
            },
        },
        "CustomerList": {
            "type": "object",
            "required": ["customers"],
            "properties": {"customers": {"type": "array", "items": ref("Customer")}},
        },
    }
