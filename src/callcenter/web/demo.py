"""Loads every app's demo data, in dependency order, in one transaction.

Each app owns a `demo.load()` that creates only what is missing. The logins below are
printed by `callcenter serve` and written in the README; later modules add theirs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from callcenter.accounts import demo as accounts_demo
from callcenter.acd import demo as acd_demo
from callcenter.crm import demo as crm_demo
from callcenter.ivr import demo as ivr_demo
from callcenter.telephony import demo as telephony_demo
from callcenter.tickets import demo as tickets_demo

LOADERS: list[tuple[str, Callable[[], int]]] = [
    ("accounts", accounts_demo.load),
    ("telephony", telephony_demo.load),
    ("acd", acd_demo.load),
    ("ivr", ivr_demo.load),
    ("tickets", tickets_demo.load),
    ("crm", crm_demo.load),
]

DEMO_LOGINS = [
    ("80001 … 80008", "= agent ID", "agent (座席), with an extension 70001 … 70008"),
    ("90001", "90001", "supervisor (班长)"),
    ("admin", "admin", "administrator"),
    ("u1001, u2001", "= agent ID", "second-level unit operators (福田维修站, 南山维修站)"),
]


class DemoRefused(Exception):
    pass


def load() -> dict[str, int]:
    if not settings.CALLCENTER_ALLOW_DEMO:
        raise DemoRefused(
            "Demo data is refused here: CALLCENTER_ALLOW_DEMO=0 marks this installation as "
            "production. The demo accounts have well-known passwords."
        )
    with transaction.atomic():
        return {name: loader() for name, loader in LOADERS}


def is_loaded() -> bool:
    from callcenter.accounts.models import User

    return User.objects.filter(agent_id__in=["80001", "admin"]).count() == 2
