"""Finding the caller among 1,000,000 customers (the screen pop's lookup, B2), on SQLite
and on PostgreSQL: `crm.customers.customers_for_caller` for caller IDs in every form
(``+86…``, ``0086…``, a trunk's ``0``, a fixed line with and without its area code, and
numbers nobody has), p50/p95/p99/max per database. Goal: p99 ≤ 5 ms for any form.

The peer, in the same run and database: the bare index probe the lookup is built on (one
``SELECT customer_id FROM crm_customerphone WHERE number IN (…)``), so the table shows
what the ORM, the caller-ID rules and loading the customer's phones and vehicles add.

Each database runs in a child process of its own (Django is set up once per process):
``python -m bench.customer_lookup`` makes a throw-away data folder (SQLite) and a
throw-away PostgreSQL database (when one is reachable, as `tools/find-postgres` finds
it), migrates, fills it with ``--customers`` customers (one phone each, one in five a
Shenzhen fixed line, half with a vehicle) and writes `bench/results/customer_lookup.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import table, write

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 5.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕"


def phone_of(index: int) -> tuple[str, str]:
    """The index-th customer's phone: four in five a mobile, else a Shenzhen fixed line."""
    if index % 5 == 4:
        return f"0755{20000000 + index:08d}", "work"
    return f"1{3 + index % 7}{index:09d}", "mobile"


# === one database (the child process) =======================================================
def fill(count: int) -> float:
    from django.db import connection, transaction

    from callcenter.crm.models import Customer, CustomerCounter, CustomerPhone, Vehicle

    started = time.perf_counter()
    rng = random.Random(7)
    batch = 20_000
    for low in range(0, count, batch):
        high = min(low + batch, count)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(
                    number=f"KH{i + 1:08d}",
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    kind="person",
                )
                for i in range(low, high)
            )
            if connection.vendor == "sqlite" and customers[0].pk is None:
                first = Customer.objects.get(number=f"KH{low + 1:08d}").pk
                for offset, customer in enumerate(customers):
                    customer.pk = first + offset
            phones = [phone_of(low + k) for k in range(len(customers))]
            CustomerPhone.objects.bulk_create(
                CustomerPhone(customer_id=c.pk, number=number, label=label)
                for c, (number, label) in zip(customers, phones, strict=True)
            )
            Vehicle.objects.bulk_create(  # 100,000 vehicles: 粤B00000 … 粤B99999
                Vehicle(owner_id=c.pk, plate=f"粤B{(low + k) // 2:05d}", model="演示车型")
                for k, c in enumerate(customers)
                if (low + k) % 2 == 0 and (low + k) < 200_000
            )
    CustomerCounter.objects.update_or_create(pk=1, defaults={"last": count})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1] * 1000}


def measure(count: int, lookups: int) -> dict[str, object]:
    from callcenter.crm.customers import customers_for_caller
    from callcenter.crm.models import CustomerPhone
    from callcenter.crm.phones import caller_forms, lookup_numbers

    rng = random.Random(11)
    forms: list[tuple[str, str]] = []
    for _ in range(lookups):
        index = rng.randrange(count)
        forms.append((rng.choice(caller_forms(phone_of(index)[0], "0755")), "known"))
    forms += [(f"139{rng.randrange(10**8):08d}", "unknown") for _ in range(lookups // 10)]
    for caller, _kind in forms[:50]:  # warm the caches, as a running server has them
        list(customers_for_caller(caller))
    whole: list[float] = []
    probe: list[float] = []
    missed = 0
    for caller, kind in forms:
        started = time.perf_counter()
        found = list(customers_for_caller(caller))
        for customer in found:  # what the pop shows: phones and vehicles
            list(customer.phones.all())
            list(customer.vehicles.all())
        whole.append(time.perf_counter() - started)
        if kind == "known" and not found:
            missed += 1
        numbers = lookup_numbers(caller, "0755")
        started = time.perf_counter()
        list(CustomerPhone.objects.filter(number__in=numbers).values_list("customer_id", flat=True))
        probe.append(time.perf_counter() - started)
    return {"lookup": percentiles(whole), "probe": percentiles(probe), "missed": missed,
            "lookups": len(forms)}  # fmt: skip


def child(count: int, lookups: int) -> None:
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.web.settings")
    django.setup()
    from django.db import connection

    call_command("migrate", verbosity=0)
    seconds = fill(count)
    result = measure(count, lookups)
    result.update(vendor=connection.vendor, fill_seconds=seconds, customers=count)
    print("RESULT " + json.dumps(result))


# === the parent ===============================================================================
def run_one(url: str, count: int, lookups: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="lookup-") as data:
        env = {**os.environ, "CALLCENTER_DATA": data}
        env.pop("DATABASE_URL", None)
        if url:
            env["DATABASE_URL"] = url
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.customer_lookup",
                "--child",
                "--customers",
                str(count),
                "--lookups",
                str(lookups),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), "")
    if done.returncode != 0 or not line:
        raise RuntimeError(f"the {url or 'SQLite'} run failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(line[len("RESULT ") :]))


def postgres_url() -> str:
    found = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "find-postgres")], capture_output=True, text=True
    )
    return found.stdout.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.customer_lookup")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.customers, args.lookups)
        return
    results = [run_one("", args.customers, args.lookups)]
    base = postgres_url()
    if base:
        sys.path.insert(0, str(ROOT))
        from tests.running import postgres_database

        with postgres_database(base) as url:
            results.append(run_one(url, args.customers, args.lookups))
    rows = []
    for result in results:
        for what in ("lookup", "probe"):
            figures = result[what]
            assert isinstance(figures, dict)
            rows.append(
                [
                    result["vendor"],
                    "customers_for_caller + phones and vehicles"
                    if what == "lookup"
                    else "index probe (peer)",
                    f"{figures['p50']:.2f}",
                    f"{figures['p95']:.2f}",
                    f"{figures['p99']:.2f}",
                    f"{figures['max']:.2f}",
                ]
            )
    lines = [
        f"{args.customers:,} customers (one phone each, a fifth fixed lines), "
        f"{results[0]['lookups']} caller IDs per database in random forms (+86, 0086, 86, a "
        "trunk's 0, fixed lines with and without the area code; one in eleven unknown).",
        "",
        table(["database", "what", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows),
        "",
    ]
    for result in results:
        lookup = result["lookup"]
        assert isinstance(lookup, dict)
        verdict = "met" if lookup["p99"] <= GOAL_MS else "NOT met"
        lines.append(
            f"- {result['vendor']}: filled in {float(str(result['fill_seconds'])):.0f} s; known "
            f"callers not found: {result['missed']}; goal p99 ≤ {GOAL_MS:g} ms: {verdict}."
        )
    if not base:
        lines.append("- PostgreSQL: none reachable, not measured.")
    write("customer_lookup", f"Caller lookup among {args.customers:,} customers", "\n".join(lines))


if __name__ == "__main__":
    main()
