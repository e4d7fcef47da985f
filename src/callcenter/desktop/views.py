"""The agent desktop (B2, A5): the one page an agent keeps open all day, and what its
screen pop posts.

- ``/desktop/``: the page (`desktop.html` with `desktop.js`); live through
  ``/ws/desktop/`` (`desktop.consumers`), acting through the REST API (log into the
  switch at the extension chosen, ready / not ready, end wrap-up, call controls).
- ``POST /desktop/customers/``: the pop's "new customer" form (the number is generated,
  B2); ``POST /desktop/customers/<number>/vehicles/``: a vehicle for it. Both answer
  JSON: the customer as the pop shows it, or ``{"errors": {field: [message, ...]}}``
  (400) in the user's language.
- ``GET /desktop/calls/<call_id>/tickets/``: the tickets made during that call.

Open to the customer-service center (`Capability.AGENT_DESK`); the desktop itself to
those with an agent ID, as the switch knows agents by it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from callcenter.accounts.actions import SESSION_EXTENSION
from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.acd.models import NO_ANSWER, ReasonCode
from callcenter.api.customer_views import customer_json
from callcenter.crm.forms import CustomerForm, VehicleForm
from callcenter.crm.models import Customer
from callcenter.desktop.live import tickets_of_call
from callcenter.tickets.choices import Kind


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _errors(form: forms.BaseForm) -> JsonResponse:
    errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
    return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})


def _customer(customer: Customer) -> JsonResponse:
    fresh = Customer.objects.prefetch_related("phones", "vehicles").get(pk=customer.pk)
    return JsonResponse(customer_json(fresh), json_dumps_params={"ensure_ascii": False})


def _texts() -> dict[str, str]:
    """What the page's script writes, in the user's language."""
    return {
        "logged_out": _("Logged out"),
        "ready": _("Ready"),
        "not_ready": _("Not ready"),
        "idle": _("Idle"),
        "reserved": _("Reserved"),
        "ringing": _("Ringing"),
        "in_call": _("In call"),
        "on_hold": _("On hold"),
        "wrap_up": _("Wrap-up"),
        "seconds": _("s"),
        "switch_down": _("The switch is not running; try again shortly."),
        "disconnected": _("Disconnected: reconnecting…"),
        "connected": _("Connected"),
        "not_found": _("查无此客户信息!"),
        "several": _("Several customers have this number: choose one."),
        "anonymous": _("Number withheld"),
        "direct": _("Direct call"),
        "ivr_none": _("Did not pass the IVR"),
        "asking": _("Asking the GIS…"),
        "demo": _("Demo data, not a real vehicle"),
        "position": _("车辆位置"),
        "details": _("详细信息"),
        "no_vehicle": _("No vehicle yet."),
        "choose": _("Choose"),
        "no_tickets": _("No ticket made during this call yet."),
        "failed": _("The request failed: check the connection."),
        "extension": _("Extension"),
        "person": _("Person"),
        "company": _("Company"),
    }


@require_safe
@require(Capability.AGENT_DESK)
def desktop_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    reasons = ReasonCode.objects.filter(active=True).exclude(code=NO_ANSWER)
    context: dict[str, Any] = {
        "agent_id": user.agent_id,
        "extension": request.session.get(SESSION_EXTENSION, ""),
        "reasons": [{"code": r.code, "label": r.label} for r in reasons],
        "texts": _texts(),
        "ticket_kinds": [
            (Kind.FAULT, Kind.FAULT.label),
            (Kind.COMPLAINT, Kind.COMPLAINT.label),
            (Kind.INQUIRY, Kind.INQUIRY.label),
        ],
        "customer_form": CustomerForm(prefix="customer"),
        "vehicle_form": VehicleForm(prefix="vehicle"),
    }
    return render(request, "desktop/desktop.html", context)


@require_POST
@require(Capability.AGENT_DESK)
def new_customer_view(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST, prefix="customer")
    if not form.is_valid():
        return _errors(form)
    return _customer(form.create(_user(request)))


@require_POST
@require(Capability.AGENT_DESK)
def new_vehicle_view(request: HttpRequest, number: str) -> HttpResponse:
    customer = get_object_or_404(Customer, number=number)
    form = VehicleForm(request.POST, prefix="vehicle")
    if not form.is_valid():
        return _errors(form)
    vehicle = form.save(commit=False)
    vehicle.owner = customer
    vehicle.save()
    return _customer(customer)


@require_safe
@require(Capability.AGENT_DESK)
def call_tickets_view(request: HttpRequest, call_id: str) -> HttpResponse:
    return JsonResponse(
        {"tickets": tickets_of_call(call_id[:100])}, json_dumps_params={"ensure_ascii": False}
    )
