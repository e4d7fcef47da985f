"""Creating customers and finding them (B2, B6).

`create_customer` draws the customer's number (``KH`` and 8 digits) from
`CustomerCounter` inside the transaction that saves the customer and its phones: the
``UPDATE … SET last = last + 1`` locks the counter row until the end of the
transaction, so two agents creating customers at once never get the same number, and a
creation that fails gives its number back. `customers_for_caller` is the screen pop's
lookup: the caller ID in any form (`crm.phones`), one indexed query.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet

from callcenter.accounts.models import User
from callcenter.crm.models import Customer, CustomerCounter, CustomerPhone
from callcenter.crm.phones import lookup_numbers
from callcenter.tickets.validators import normalize_plate

PREFIX = "KH"


def next_number() -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run in the transaction that saves the customer")
    CustomerCounter.objects.bulk_create([CustomerCounter(pk=1, last=0)], ignore_conflicts=True)
    CustomerCounter.objects.filter(pk=1).update(last=F("last") + 1)
    return f"{PREFIX}{CustomerCounter.objects.values_list('last', flat=True).get(pk=1):08d}"


def create_customer(
    actor: User | None,
    *,
    name: str,
    kind: str = "person",
    address: str = "",
    notes: str = "",
    phones: Iterable[tuple[str, str]] = (),
) -> Customer:
    """A new customer with its numbers (normalised already: (number, label) pairs)."""
    with transaction.atomic():
        customer = Customer.objects.create(
            number=next_number(),
            name=name,
            kind=kind,
            address=address,
            notes=notes,
            created_by=actor,
        )
        set_phones(customer, phones)
    return customer


def set_phones(customer: Customer, phones: Iterable[tuple[str, str]]) -> None:
    """Replace the customer's numbers by ``phones`` (in that order)."""
    wanted = list(dict.fromkeys(phones))
    customer.phones.exclude(number__in=[n for n, _label in wanted]).delete()
    for number, label in wanted:
        CustomerPhone.objects.update_or_create(
            customer=customer, number=number, defaults={"label": label}
        )


def customers_for_caller(caller_id: str) -> QuerySet[Customer]:
    """The customers one of whose numbers is this caller ID (in any form), with their
    phones and vehicles, oldest first."""
    numbers = lookup_numbers(caller_id, settings.CALLCENTER_AREA_CODE)
    if not numbers:
        return Customer.objects.none()
    return (
        Customer.objects.filter(phones__number__in=numbers)
        .distinct()
        .order_by("created_at", "pk")
        .prefetch_related("phones", "vehicles")
    )


def search(text: str) -> QuerySet[Customer]:
    """Customers whose name contains ``text``, or whose number, phone or plate it is."""
    text = text.replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
    query = Customer.objects.all()
    if not text:
        return query
    found = Q(name__icontains=text) | Q(number__iexact=text)
    numbers = lookup_numbers(text, settings.CALLCENTER_AREA_CODE)
    if numbers:
        found |= Q(phones__number__in=numbers)
    with contextlib.suppress(ValidationError):  # not a plate: by name, number and phone
        found |= Q(vehicles__plate=normalize_plate(text))
    return query.filter(found).distinct()
