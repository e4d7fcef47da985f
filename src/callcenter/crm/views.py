"""The CRM's pages (B2, B6, B12): customers (query, create, view, modify) with their
vehicles, and the contacts directory. Agents and supervisors use them
(`Capability.AGENT_DESK`); the customer page shows the customer's vehicles, tickets and
calls, and offers a ticket of each kind for the customer, pre-filled.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.crm.customers import search, set_phones
from callcenter.crm.forms import ContactForm, CustomerForm, VehicleForm
from callcenter.crm.models import Contact, Customer, Vehicle
from callcenter.recordings.filters import of_customers
from callcenter.recordings.models import CallRecord
from callcenter.tickets.choices import Kind
from callcenter.tickets.models import Ticket

PAGE_SIZE = 30
CUSTOMER_CALLS_SHOWN = 20


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- customers ------------------------------------------------------------------------------


@require(Capability.AGENT_DESK)
def customer_list_view(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    found = search(text).prefetch_related("phones", "vehicles")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({"q": text}) if text else ""
    return render(request, "crm/customer_list.html", {"page": page, "q": text, "query": query})


@require(Capability.AGENT_DESK)
def customer_create_view(request: HttpRequest) -> HttpResponse:
    initial = {"phones": request.GET["phone"]} if request.GET.get("phone") else None
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        customer = form.create(_actor(request))
        messages.success(
            request,
            _("Customer %(number)s %(name)s has been created.")
            % {"number": customer.number, "name": customer.name},
        )
        return redirect("crm:customer_detail", customer.number)
    title = _("New customer")
    return render(request, "crm/customer_form.html", {"form": form, "title": title})


@require(Capability.AGENT_DESK)
def customer_edit_view(request: HttpRequest, number: str) -> HttpResponse:
    customer = get_object_or_404(Customer, number=number)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        form.save()
        set_phones(customer, form.cleaned_data["phones"])
        messages.success(request, _("The customer's data have been saved."))
        return redirect("crm:customer_detail", customer.number)
    title = _("Modify customer %(number)s") % {"number": customer.number}
    context = {"form": form, "title": title, "customer": customer}
    return render(request, "crm/customer_form.html", context)


def tickets_of(customer: Customer) -> list[Ticket]:
    """The customer's tickets: linked to it, or naming one of its numbers or plates
    (tickets written before the customer existed)."""
    numbers = [p.number for p in customer.phones.all()]
    plates = [v.plate for v in customer.vehicles.all()]
    found = Q(customer=customer)
    if numbers:
        found |= Q(contact_phone__in=numbers) | Q(caller_number__in=numbers)
    if plates:
        found |= Q(vehicle_plate__in=plates)
    return list(Ticket.objects.filter(found).order_by("-created_at")[:50])


@require(Capability.AGENT_DESK)
def customer_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    customer = get_object_or_404(
        Customer.objects.prefetch_related("phones", "vehicles"), number=number
    )
    numbers = [p.number for p in customer.phones.all()]
    # Its calls (A8, B10): from its numbers in any caller-ID form, or linked to its
    # tickets; only those the user may see (and hear).
    calls = (
        CallRecord.objects.visible_to(request.user)
        .filter(of_customers([customer.pk]))
        .select_related("recording")
        .order_by("-started_at", "-pk")[:CUSTOMER_CALLS_SHOWN]
    )
    main_phone = numbers[0] if numbers else ""
    plate = customer.vehicles.all()[0].plate if customer.vehicles.all() else ""
    kinds = [
        (k, label) for k, label in Kind.choices if k in (Kind.FAULT, Kind.COMPLAINT, Kind.INQUIRY)
    ]
    context = {
        "customer": customer,
        "tickets": tickets_of(customer),
        "calls": calls,
        "ticket_kinds": kinds,
        "main_phone": main_phone,
        "plate": plate,
    }
    return render(request, "crm/customer_detail.html", context)


# --- vehicles -------------------------------------------------------------------------------


@require(Capability.AGENT_DESK)
def vehicle_edit_view(request: HttpRequest, number: str, pk: int | None = None) -> HttpResponse:
    customer = get_object_or_404(Customer, number=number)
    vehicle = get_object_or_404(Vehicle, pk=pk, owner=customer) if pk else Vehicle(owner=customer)
    form = VehicleForm(request.POST or None, instance=vehicle)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Vehicle %(plate)s has been saved.") % {"plate": vehicle.plate})
        return redirect("crm:customer_detail", customer.number)
    title = (
        _("Modify vehicle %(plate)s") % {"plate": vehicle.plate}
        if pk
        else _("New vehicle of %(name)s") % {"name": customer.name}
    )
    context = {"form": form, "title": title, "customer": customer}
    return render(request, "crm/vehicle_form.html", context)


@require(Capability.AGENT_DESK)
def vehicle_delete_view(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle, pk=pk, owner__number=number)
    if request.method == "POST":
        vehicle.delete()
        messages.success(
            request, _("Vehicle %(plate)s has been removed.") % {"plate": vehicle.plate}
        )
    return redirect("crm:customer_detail", number)


# --- contacts -------------------------------------------------------------------------------


@require(Capability.AGENT_DESK)
def contact_list_view(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    contacts = Contact.objects.all()
    if text:
        contacts = contacts.filter(
            Q(name__icontains=text)
            | Q(organization__icontains=text)
            | Q(department__icontains=text)
            | Q(phone__contains=text)
            | Q(mobile__contains=text)
            | Q(extension=text)
        )
    if kind in ("internal", "external"):
        contacts = contacts.filter(kind=kind)
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("q", text), ("kind", kind)) if v})
    context = {"page": page, "q": text, "kind": kind, "query": query}
    return render(request, "crm/contact_list.html", context)


@require(Capability.AGENT_DESK)
def contact_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk) if pk else Contact()
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Contact %(name)s has been saved.") % {"name": contact.name})
        return redirect("crm:contact_list")
    title = _("Modify contact") if pk else _("New contact")
    return render(request, "crm/contact_form.html", {"form": form, "title": title})


@require(Capability.AGENT_DESK)
def contact_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    if request.method == "POST":
        contact.delete()
        messages.success(request, _("Contact %(name)s has been deleted.") % {"name": contact.name})
    return redirect("crm:contact_list")
