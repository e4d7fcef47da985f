"""Ticket numbers: ``GD`` + the local date + ``-`` + a number within the day.

``GD20261122-0001`` is the first ticket created on 22 November 2026 (Asia/Shanghai), for
every kind. Numbers are unique, and sort as they were given out (up to 9999 a day; the
10000th of a day gets five digits and sorts by `Ticket.created_at` instead).

`next_number(day)` must run inside the transaction that saves the ticket: it raises the
day's `TicketCounter` row with one ``UPDATE … SET last = last + 1``, which locks the row
until the transaction ends, so two creations at once (two processes; PostgreSQL, or
SQLite whose writers queue) never get the same number; a rolled-back creation gives its
number back.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from callcenter.tickets.models import TicketCounter

PREFIX = "GD"


def format_number(day: date, sequence: int) -> str:
    return f"{PREFIX}{day:%Y%m%d}-{sequence:04d}"


def next_number(day: date | None = None) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run in the transaction that saves the ticket")
    day = day or timezone.localdate()
    # The day's row may not exist yet: create it, ignoring a row another transaction
    # created meanwhile (INSERT … ON CONFLICT DO NOTHING), then lock it.
    TicketCounter.objects.bulk_create([TicketCounter(day=day, last=0)], ignore_conflicts=True)
    TicketCounter.objects.filter(day=day).update(last=F("last") + 1)
    sequence = TicketCounter.objects.values_list("last", flat=True).get(day=day)
    return format_number(day, sequence)
