"""The CRM's endpoints (B2, B6; contract in `api.openapi_crm`): what the screen pop and
other systems ask about customers.

- ``GET /api/customers/?caller=NUMBER``: the customers one of whose phones is this caller
  ID, in whatever form it came (`crm.phones`): none (the pop says "查无此客户信息!"), one,
  or several to choose from; an empty, "anonymous" or absurd caller ID finds none.
- ``GET /api/customers/?q=TEXT``: search by name, customer number, phone or plate (at
  most 50).
- ``GET /api/customers/<number>``: one customer with phones and vehicles.

Agents, supervisors and administrators may ask (`switch_views.staff_only`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from callcenter.accounts.models import User
from callcenter.api.errors import ApiError
from callcenter.api.http import endpoint, json_response
from callcenter.api.switch_views import staff_only
from callcenter.crm.customers import customers_for_caller, search
from callcenter.crm.models import Customer

MAX_RESULTS = 50


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "number": customer.number,
        "name": customer.name,
        "kind": customer.kind,
        "address": customer.address,
        "notes": customer.notes,
        "phones": [{"number": p.number, "label": p.label} for p in customer.phones.all()],
        "vehicles": [
            {"id": v.pk, "plate": v.plate, "vin": v.vin, "model": v.model, "battery": v.battery}
            for v in customer.vehicles.all()
        ],
    }


@endpoint("GET")
def customers_view(request: HttpRequest, user: User) -> HttpResponse:
    staff_only(user)
    if "caller" in request.GET:
        found = customers_for_caller(request.GET["caller"][:100])
    else:
        text = request.GET.get("q", "")[:100]
        if not text.strip():
            raise ApiError("invalid", _("Give a caller ID or something to search for."), "q")
        if "\x00" in text:  # PostgreSQL text cannot hold NUL
            raise ApiError("invalid", _("The text contains a character that is not allowed."), "q")
        found = search(text).prefetch_related("phones", "vehicles")
    rows = [customer_json(c) for c in found[:MAX_RESULTS]]
    return json_response({"customers": rows})


@endpoint("GET")
def customer_view(request: HttpRequest, user: User, number: str) -> HttpResponse:
    staff_only(user)
    found = Customer.objects.prefetch_related("phones", "vehicles").filter(number=number)
    customer = found.first() if "\x00" not in number else None  # PostgreSQL: no NUL in text
    if customer is None:
        raise ApiError("not_found", _("There is no such customer."), status=404)
    return json_response(customer_json(customer))
