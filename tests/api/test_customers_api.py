"""The CRM's endpoints (`api.customer_views`): what the screen pop asks when a call
comes in, with the caller ID as the switch saw it.

Personas: lina (agent) asks; sunli (operator of 福田维修站) may not.
"""

from __future__ import annotations

from callcenter.accounts.models import User
from callcenter.crm import demo
from tests.api.conftest import Api, _token


def test_the_pop_finds_the_caller_in_any_form_and_nobody_for_junk(api: Api, lina: User) -> None:
    demo.load()
    token = _token(lina)
    for caller in ("13800138000", "+8613800138000", "008613800138000", "013800138000"):
        answer = api("GET", f"/api/customers/?caller={caller.replace('+', '%2B')}", token)
        assert answer.status == 200
        found = answer.data["customers"]
        assert [c["name"] for c in found] == ["张三"], caller
        assert [v["plate"] for v in found[0]["vehicles"]] == ["粤B12345"]
    for junk in ("", "anonymous", "1" * 40):
        answer = api("GET", f"/api/customers/?caller={junk}", token)
        assert (answer.status, answer.data["customers"]) == (200, [])


def test_search_and_one_customer(api: Api, lina: User) -> None:
    demo.load()
    token = _token(lina)
    found = api("GET", "/api/customers/?q=粤B54321D", token).data["customers"]
    assert [c["name"] for c in found] == ["深圳市鹏程物流有限公司"]
    number = found[0]["number"]
    one = api("GET", f"/api/customers/{number}", token)
    assert (one.status, one.data["kind"], len(one.data["vehicles"])) == (200, "company", 2)
    missing = api("GET", "/api/customers/KH99999999", token)
    assert (missing.status, missing.data["code"]) == (404, "not_found")
    empty = api("GET", "/api/customers/?q=", token)
    assert (empty.status, empty.data["field"]) == (400, "q")


def test_a_unit_operator_may_not_read_customers(api: Api, sunli_token: str) -> None:
    answer = api("GET", "/api/customers/?caller=13800138000", sunli_token)
    assert (answer.status, answer.data["code"]) == (403, "not_permitted")


def test_a_nul_in_the_text_is_refused_not_a_server_error(api: Api, lina: User) -> None:
    """PostgreSQL text cannot hold NUL: the search says so; the customer is not found."""
    demo.load()
    token = _token(lina)
    answer = api("GET", "/api/customers/?q=%E5%BC%A0%00", token)
    assert (answer.status, answer.data["field"]) == (400, "q")
    missing = api("GET", "/api/customers/KH%0012", token)
    assert missing.status == 404
