"""Ticket numbers: readable, sortable, unique, also when many are created at once (threads
on PostgreSQL; separate processes on an SQLite file, as `callcenter serve` runs it)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from callcenter.accounts.models import User
from callcenter.tickets import actions
from callcenter.tickets.choices import Kind
from callcenter.tickets.models import Ticket, TicketCounter
from callcenter.tickets.numbering import format_number, next_number
from callcenter.web.errors import ActionError
from tests.tickets.conftest import ZHANG_SAN


def test_format() -> None:
    assert format_number(date(2026, 11, 22), 1) == "GD20261122-0001"
    assert format_number(date(2026, 1, 5), 123) == "GD20260105-0123"


@pytest.mark.django_db(transaction=True)
def test_needs_the_creating_transaction() -> None:
    with pytest.raises(RuntimeError):
        next_number()


def test_many_creations_are_unique_and_sorted(lina: User) -> None:
    created = [
        actions.create_ticket(lina, kind=Kind.INQUIRY, description=f"咨询 {n}").number
        for n in range(60)
    ]
    today = timezone.localdate()
    assert created == [format_number(today, n) for n in range(1, 61)]
    assert created == sorted(created)
    assert list(Ticket.objects.order_by("number").values_list("number", flat=True)) == created


def test_each_day_counts_from_one(db: None) -> None:
    with transaction.atomic():
        assert next_number(date(2026, 1, 1)) == "GD20260101-0001"
        assert next_number(date(2026, 1, 1)) == "GD20260101-0002"
        assert next_number(date(2026, 1, 2)) == "GD20260102-0001"
    assert TicketCounter.objects.get(day=date(2026, 1, 1)).last == 2


def test_a_refused_creation_gives_its_number_back(lina: User) -> None:
    with pytest.raises(ActionError):
        actions.create_ticket(
            lina, kind=Kind.FAULT, description="x", **{**ZHANG_SAN, "vehicle_plate": "bad"}
        )
    ticket = actions.create_ticket(lina, kind=Kind.FAULT, description="x", **ZHANG_SAN)
    assert ticket.number.endswith("-0001")


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only: threads racing for one row need row locks, and SQLite locks "
            "the whole database; `make test` runs this on PostgreSQL, and "
            "test_concurrent_processes_on_an_sqlite_file runs the same race "
            "on SQLite with processes"
        )
    agent = User.objects.create_user("80001", "x" * 12, name="李娜", role="agent")
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work() -> None:
        try:
            start.wait()
            for n in range(10):
                ticket = actions.create_ticket(agent, kind=Kind.INQUIRY, description=f"并发 {n}")
                numbers.append(ticket.number)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    today = timezone.localdate()
    assert sorted(numbers) == [format_number(today, n) for n in range(1, 81)]


WORKER = """
import sys
import django
django.setup()
from callcenter.accounts.models import User
from callcenter.tickets import actions
agent = User.objects.get(agent_id="80001")
for n in range(int(sys.argv[1])):
    actions.create_ticket(agent, kind="inquiry", description=f"并发 {n}")
"""

SETUP = """
import django
django.setup()
from callcenter.accounts.models import User
User.objects.create_user("80001", "x" * 12, name="李娜", role="agent")
"""


def test_concurrent_processes_on_an_sqlite_file(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(CALLCENTER_DATA=str(tmp_path), DJANGO_SETTINGS_MODULE="callcenter.web.settings")
    for command in (["-m", "callcenter", "migrate", "--no-input"], ["-c", SETUP]):
        subprocess.run([sys.executable, *command], env=env, check=True, capture_output=True)
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, "25"], env=env, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    with sqlite3.connect(tmp_path / "callcenter.sqlite3") as database:
        numbers = [row[0] for row in database.execute("SELECT number FROM tickets_ticket")]
    assert len(numbers) == 100
    assert len(set(numbers)) == 100
    suffixes = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert suffixes == list(range(1, 101))
