"""The tickets API as a system sees it: the whole flow of a work order, every kind of
refusal with its status and code, the unit scope, tokens, sessions and languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from callcenter.accounts.models import Unit, User
from callcenter.api.models import ApiToken
from callcenter.tickets.choices import Kind, State
from callcenter.tickets.models import ReturnReason, Ticket
from tests.api.conftest import Api

NEW_FAULT = {
    "kind": "fault",
    "description": "充电桩无法启动",
    "customer_name": "张三",
    "contact_phone": "13800138000",
    "address": "深圳市福田区福华三路 88 号",
    "vehicle_plate": "粤B12345",
}


def act(api: Api, token: str, ticket: dict[str, Any], action: str, **body: Any) -> Any:
    return api(
        "POST",
        f"/api/tickets/{ticket['id']}/actions/{action}",
        token,
        {"version": ticket["version"], **body},
    )


def test_a_work_order_goes_its_whole_way_through_the_api(
    api: Api, lina_token: str, sunli_token: str, futian: Unit
) -> None:
    created = api("POST", "/api/tickets/", lina_token, NEW_FAULT)
    assert created.status == 201, created
    ticket = created.data
    assert ticket["state"] == "new"
    assert ticket["number"].startswith("GD")
    assert ticket["kind_label"] == "故障"
    assert "dispatch" in ticket["actions"]

    sent = act(api, lina_token, ticket, "dispatch", unit=futian.pk)
    assert sent.status == 200, sent
    assert sent.data["state"] == "sent"
    assert sent.data["unit_name"] == "福田维修站"

    received = act(api, sunli_token, sent.data, "receive")
    assert received.data["state"] == "in_repair", received
    repaired = act(
        api,
        sunli_token,
        received.data,
        "feedback",
        feedback_kind="normal",
        repaired=True,
        result="更换了控制板",
    )
    assert repaired.data["state"] == "repaired", repaired
    visited = act(api, lina_token, repaired.data, "callback", reached=True, satisfied=True)
    assert visited.data["state"] == "visited", visited
    closed = act(api, lina_token, visited.data, "close")
    assert closed.status == 200, closed
    assert closed.data["state"] == "closed"
    assert closed.data["actions"] == []

    detail = api("GET", f"/api/tickets/{ticket['id']}", lina_token).data
    assert [entry["action"] for entry in detail["history"]] == [
        "create",
        "dispatch",
        "receive",
        "feedback_repaired",
        "callback",
        "close",
    ]
    assert detail["history"][2]["actor"] == "孙丽"


def test_a_request_is_handled_by_the_unit(
    api: Api, lina_token: str, sunli_token: str, make_ticket: Any
) -> None:
    complaint = make_ticket(Kind.COMPLAINT, State.SENT)
    data = api("GET", f"/api/tickets/{complaint.pk}", sunli_token).data
    assert set(data["actions"]) == {"process", "finish", "decline", "return"}
    refused = act(api, sunli_token, data, "finish")
    assert (refused.status, refused.data["code"], refused.data["field"]) == (
        400,
        "notes_required",
        "notes",
    )
    done = act(api, sunli_token, data, "finish", notes="已向客户道歉并退款")
    assert done.data["state"] == "finished", done


def test_the_list_filters_and_pages(
    api: Api, lina_token: str, make_ticket: Any, futian: Unit
) -> None:
    first = make_ticket(Kind.FAULT, State.SENT, contact_phone="13900000000")
    make_ticket(Kind.COMPLAINT, State.NEW)
    make_ticket(Kind.FAULT, State.NEW)

    def numbers(query: str) -> list[str]:
        answer = api("GET", f"/api/tickets/?{query}", lina_token)
        assert answer.status == 200, answer
        return [row["number"] for row in answer.data["results"]]

    assert len(numbers("")) == 3
    assert len(numbers("kind=fault")) == 2
    assert numbers("kind=fault&state=sent") == [first.number]
    assert numbers("phone=1390000") == [first.number]
    assert numbers(f"number={first.number}") == [first.number]
    assert numbers(f"unit={futian.pk}") == [first.number]
    assert len(numbers("created_from=2000-01-01&created_to=2999-12-31")) == 3
    assert numbers("created_to=2000-01-01") == []
    page = api("GET", "/api/tickets/?page_size=2&page=2", lina_token).data
    assert (page["count"], page["page"], page["page_size"], len(page["results"])) == (3, 2, 2, 1)
    bad = api("GET", "/api/tickets/?state=lost", lina_token)
    assert (bad.status, bad.data["code"], bad.data["field"]) == (400, "invalid", "state")
    bad = api("GET", "/api/tickets/?created_from=yesterday", lina_token)
    assert (bad.status, bad.data["field"]) == (400, "created_from")
    bad = api("GET", "/api/tickets/?page_size=1000", lina_token)
    assert (bad.status, bad.data["field"]) == (400, "page_size")


def test_each_refusal_has_its_status_and_code(
    api: Api,
    lina_token: str,
    sunli_token: str,
    make_ticket: Any,
    futian: Unit,
    reason: ReturnReason,
) -> None:
    order = make_ticket(Kind.FAULT, State.SENT)
    seen = api("GET", f"/api/tickets/{order.pk}", sunli_token).data

    def refusal(token: str, action: str, **body: Any) -> tuple[int, str, str | None]:
        answer = act(api, token, seen, action, **body)
        return answer.status, answer.data["code"], answer.data["field"]

    assert refusal(sunli_token, "dispatch", unit=futian.pk) == (403, "not_permitted", None)
    assert refusal(lina_token, "close") == (409, "wrong_state", None)
    assert refusal(sunli_token, "finish", notes="x") == (409, "not_for_kind", None)
    assert refusal(sunli_token, "return") == (400, "reason_required", "return_reason")
    assert refusal(sunli_token, "return", return_reason=999999) == (400, "invalid", "return_reason")
    assert refusal(sunli_token, "receive", handler="张三") == (400, "invalid", "handler")
    assert refusal(sunli_token, "receive", colour="red") == (400, "unknown_field", "colour")
    assert refusal(sunli_token, "feedback") == (400, "invalid", "feedback_kind")

    missing = api("POST", f"/api/tickets/{order.pk}/actions/receive", sunli_token, {})
    assert (missing.status, missing.data["code"]) == (400, "version_required")
    unknown = act(api, sunli_token, seen, "explode")
    assert (unknown.status, unknown.data["code"]) == (404, "unknown_action")

    returned = act(api, sunli_token, seen, "return", return_reason=reason.pk, notes="不归我们管")
    assert returned.data["state"] == "returned", returned
    stale = act(api, sunli_token, seen, "receive")  # the version it saw is gone
    assert (stale.status, stale.data["code"]) == (409, "stale")
    assert "孙丽" in stale.data["message"]

    invalid = api("POST", "/api/tickets/", lina_token, {**NEW_FAULT, "contact_phone": ""})
    assert (invalid.status, invalid.data["field"]) == (400, "contact_phone"), invalid
    wrong_kind = api("POST", "/api/tickets/", lina_token, {**NEW_FAULT, "kind": "praise"})
    assert (wrong_kind.status, wrong_kind.data["field"]) == (400, "kind")
    not_csc = api("POST", "/api/tickets/", sunli_token, NEW_FAULT)
    assert (not_csc.status, not_csc.data["code"]) == (403, "not_permitted")


def test_a_unit_operator_cannot_see_another_units_order(
    api: Api, wugang_token: str, sunli_token: str, make_ticket: Any
) -> None:
    order = make_ticket(Kind.FAULT, State.SENT)
    assert api("GET", f"/api/tickets/{order.pk}", sunli_token).status == 200
    hidden = api("GET", f"/api/tickets/{order.pk}", wugang_token)
    assert (hidden.status, hidden.data["code"]) == (404, "not_found")
    acting = api("POST", f"/api/tickets/{order.pk}/actions/receive", wugang_token, {"version": 1})
    assert (acting.status, acting.data["code"]) == (404, "not_found")
    assert api("GET", "/api/tickets/", wugang_token).data["count"] == 0
    assert Ticket.objects.get(pk=order.pk).state == State.SENT
    nowhere = api("GET", "/api/tickets/99999999999", sunli_token)
    assert (nowhere.status, nowhere.data["code"]) == (404, "not_found")
    assert api("GET", "/api/tickets/abc", sunli_token).status == 404
    assert api("GET", "/api/nothing/here", sunli_token).data["code"] == "not_found"


def test_tokens_authenticate_and_can_be_revoked(api: Api, lina: User, lina_token: str) -> None:
    anonymous = api("GET", "/api/tickets/", None)
    assert (anonymous.status, anonymous.data["code"]) == (401, "not_authenticated")
    assert anonymous.response["WWW-Authenticate"].startswith("Bearer")
    assert api("GET", "/api/tickets/", "cc_guessed").data["code"] == "invalid_token"
    bad_scheme = api("GET", "/api/tickets/", None, Authorization="Basic abc")
    assert (bad_scheme.status, bad_scheme.data["code"]) == (401, "invalid_token")

    assert api("GET", "/api/tickets/", lina_token).status == 200
    token = ApiToken.objects.get(owner=lina)
    assert token.last_used_at is not None
    assert token.key_hash != lina_token
    assert lina_token.startswith(token.hint)
    token.revoke()
    assert api("GET", "/api/tickets/", lina_token).status == 401

    other = ApiToken.issue(lina, "另一个系统")[1]
    lina.is_active = False
    lina.save()
    assert api("GET", "/api/tickets/", other).status == 401


def test_bodies_must_be_small_json_objects(api: Api, lina_token: str) -> None:
    client = Client()
    headers = {"Authorization": f"Bearer {lina_token}"}
    form = client.post("/api/tickets/", {"kind": "fault"}, headers=headers)
    assert (form.status_code, form.json()["code"]) == (415, "unsupported_media_type")
    big = client.post(
        "/api/tickets/",
        '{"description": "' + "长" * 70000 + '"}',
        content_type="application/json",
        headers=headers,
    )
    assert (big.status_code, big.json()["code"]) == (413, "too_large")
    broken = client.post("/api/tickets/", "{", content_type="application/json", headers=headers)
    assert (broken.status_code, broken.json()["code"]) == (400, "invalid_body")
    listed = client.post("/api/tickets/", "[]", content_type="application/json", headers=headers)
    assert listed.json()["code"] == "invalid_body"
    method = client.delete("/api/tickets/", headers=headers)
    assert (method.status_code, method.json()["code"]) == (405, "method_not_allowed")
    assert method["Allow"] == "GET, POST"


def test_messages_are_chinese_unless_english_is_asked_for(api: Api) -> None:
    chinese = api("GET", "/api/tickets/", None)
    assert "登录" in chinese.data["message"], chinese
    assert chinese.response["Content-Language"] == "zh-hans"
    english = api("GET", "/api/tickets/", None, **{"Accept-Language": "en-US,en;q=0.9"})
    assert english.data["message"] == "Log in or give an API token."
    assert english.response["Content-Language"] == "en"


@pytest.mark.parametrize("with_token", [False, True])
def test_a_session_needs_the_csrf_token_for_changes(
    lina: User, extension_70001: Any, with_token: bool
) -> None:
    from tests.conftest import log_in

    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/accounts/login/")
    token = login_page.cookies["csrftoken"].value
    client.post(
        "/accounts/login/",
        {
            "agent_id": "80001",
            "password": "Zx9-callcenter",
            "extension": "70001",
            "csrfmiddlewaretoken": token,
        },
    )
    assert log_in  # the usual login, with the CSRF token a browser sends
    assert client.get("/api/tickets/").status_code == 200
    token = client.cookies["csrftoken"].value
    headers = {"X-CSRFToken": token} if with_token else {}
    answer = client.post(
        "/api/tickets/", NEW_FAULT, content_type="application/json", headers=headers
    )
    if with_token:
        assert answer.status_code == 201, answer.json()
    else:
        assert (answer.status_code, answer.json()["code"]) == (403, "csrf_failed")


def test_the_openapi_document_is_served(api: Api) -> None:
    answer = api("GET", "/api/openapi.json", None)
    assert answer.status == 200
    assert answer.data["openapi"] == "3.1.0"
    assert "/api/tickets/{id}/actions/{action}" in answer.data["paths"]
