"""Two operators acting on the same order at the same moment: one wins, the other is told
the order changed and to reload; nothing is half-applied. Threads on PostgreSQL (row
locks); separate processes on an SQLite file (its writers queue), as in production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from callcenter.accounts.choices import Role
from callcenter.accounts.models import Unit, User
from callcenter.tickets import actions
from callcenter.tickets.choices import Kind, State
from callcenter.tickets.models import ReturnReason, Ticket
from callcenter.web.errors import ActionError


@pytest.mark.django_db(transaction=True)
def test_receive_and_return_at_once_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only: threads racing for one row need row locks, and SQLite locks "
            "the whole database; `make test` runs this on PostgreSQL, and "
            "test_receive_and_return_at_once_on_an_sqlite_file runs the same race "
            "on SQLite with processes"
        )
    futian = Unit.objects.create(code="U1", name="福田维修站")
    agent = User.objects.create_user("80001", "x" * 12, name="李娜", role=Role.AGENT)
    sunli = User.objects.create_user(
        "u1001", "x" * 12, name="孙丽", role=Role.UNIT_OPERATOR, unit=futian
    )
    qian = User.objects.create_user(
        "u1002", "x" * 12, name="钱伟", role=Role.UNIT_OPERATOR, unit=futian
    )
    reason = ReturnReason.objects.create(name="信息不全")
    for _round in range(5):
        order = actions.create_ticket(
            agent,
            kind=Kind.FAULT,
            description="无法充电",
            customer_name="张三",
            contact_phone="13800138000",
        )
        order = actions.dispatch(agent, order, version=order.version, unit=futian)
        start = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def act(
            name: str,
            order: Ticket = order,
            start: threading.Barrier = start,
            outcomes: dict[str, str] = outcomes,
        ) -> None:
            try:
                start.wait()
                if name == "receive":
                    actions.receive(sunli, order.pk, version=order.version)
                else:
                    actions.return_order(qian, order.pk, version=order.version, reason=reason)
                outcomes[name] = "done"
            except ActionError as error:
                outcomes[name] = error.code
            finally:
                connections.close_all()

        threads = [threading.Thread(target=act, args=(name,)) for name in ("receive", "return")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes.values()) == ["done", "stale"], outcomes
        final = Ticket.objects.get(pk=order.pk)
        winner = "receive" if outcomes["receive"] == "done" else "return"
        assert final.state == (State.IN_REPAIR if winner == "receive" else State.RETURNED)
        assert final.version == order.version + 1
        assert final.events.count() == 3  # create, dispatch, and the winner's only


SETUP = """
import django
django.setup()
from callcenter.accounts.models import Unit, User
from callcenter.tickets import actions
from callcenter.tickets.models import ReturnReason
futian = Unit.objects.create(code="U1", name="福田维修站")
agent = User.objects.create_user("80001", "x" * 12, name="李娜", role="agent")
User.objects.create_user("u1001", "x" * 12, name="孙丽", role="unit_operator", unit=futian)
User.objects.create_user("u1002", "x" * 12, name="钱伟", role="unit_operator", unit=futian)
ReturnReason.objects.create(name="信息不全")
orders = []
for n in range(10):
    order = actions.create_ticket(
        agent, kind="fault", description=f"无法充电 {n}", customer_name="张三",
        contact_phone="13800138000",
    )
    orders.append(actions.dispatch(agent, order, version=1, unit=futian).pk)
print(orders)
"""

WORKER = """
import json, sys
import django
django.setup()
from callcenter.accounts.models import User
from callcenter.tickets import actions
from callcenter.tickets.models import ReturnReason
from callcenter.web.errors import ActionError
what, orders = sys.argv[1], json.loads(sys.argv[2])
outcomes = {}
for pk in orders:
    try:
        if what == "receive":
            actions.receive(User.objects.get(agent_id="u1001"), pk, version=2)
        else:
            actions.return_order(
                User.objects.get(agent_id="u1002"), pk, version=2,
                reason=ReturnReason.objects.get(),
            )
        outcomes[pk] = "done"
    except ActionError as error:
        outcomes[pk] = error.code
print(json.dumps(outcomes))
"""


def test_receive_and_return_at_once_on_an_sqlite_file(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(CALLCENTER_DATA=str(tmp_path), DJANGO_SETTINGS_MODULE="callcenter.web.settings")
    subprocess.run(
        [sys.executable, "-m", "callcenter", "migrate", "--no-input"],
        env=env,
        check=True,
        capture_output=True,
    )
    made = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, text=True
    )
    orders = json.loads(made.stdout.strip().splitlines()[-1])
    workers = {
        what: subprocess.Popen(
            [sys.executable, "-c", WORKER, what, json.dumps(orders)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for what in ("receive", "return")
    }
    outcomes = {}
    for what, worker in workers.items():
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        outcomes[what] = {int(pk): code for pk, code in json.loads(out).items()}
    for pk in orders:
        assert sorted([outcomes["receive"][pk], outcomes["return"][pk]]) == ["done", "stale"]
