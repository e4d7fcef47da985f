"""SIP transactions per second under sipp load: the switch beside Kamailio, same scenarios.

Both servers run on this machine with the same users (1,000 extensions). For OPTIONS
(keep-alives) and authenticated REGISTER (two transactions per registration: 401, then
200), sipp offers rising rates for a few seconds each; a rate is held when every call
succeeded and sipp achieved at least 95 % of it. CPU is the servers' own, from /proc
(Kamailio: all its processes; the switch: its one process, which also serves the web),
in % of one core; sipp's own CPU is shown beside it, and how busy the whole machine was
(all cores, anything running): a step whose machine is near 100 % measured the machine,
not the server.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.interop.peers import KamailioRegistrar, run_sipp
from tests.running import running_callcenter

from bench.common import table, version, write

USERS = [(str(number), f"pw-{number}") for number in range(71000, 72000)]
RATES = {
    "options": [1000, 2000, 4000, 6000, 8000, 10000, 12000],
    "register_auth": [250, 500, 1000, 1500, 2000, 3000, 4000],
}
SECONDS = 4
TICKS = os.sysconf("SC_CLK_TCK")

CREATE_USERS = (
    "from callcenter.telephony.models import Extension\n"
    "Extension.objects.bulk_create([Extension(number=str(n), sip_password=f'pw-{n}') "
    "for n in range(71000, 72000)], ignore_conflicts=True)"
)


def cpu_seconds(pids: Callable[[], list[int]]) -> float:
    total = 0
    for pid in pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def children_seconds() -> float:
    """CPU used by the child processes waited for so far (sipp, once each run ends)."""
    times = os.times()
    return times.children_user + times.children_system


def group(pgid: int) -> Callable[[], list[int]]:
    def members() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) == pgid:
                        found.append(int(entry.name))
                except OSError:
                    continue
        return found

    return members


def ramp(
    target: str, scenario: str, pids: Callable[[], list[int]], work: Path
) -> list[list[object]]:
    rows: list[list[object]] = []
    for rate in RATES[scenario]:
        calls = rate * SECONDS
        before = cpu_seconds(pids)
        sipp_before, (busy_before, total_before) = children_seconds(), machine_ticks()
        result = run_sipp(
            target,
            scenario,
            work / f"{scenario}-{rate}",
            calls=calls,
            rate=rate,
            limit=max(200, rate),
            timeout=SECONDS * 4 + 10,
            users=USERS if scenario == "register_auth" else (),
        )
        cpu = cpu_seconds(pids) - before
        sipp = children_seconds() - sipp_before
        busy, total = machine_ticks()
        machine = (busy - busy_before) / max(1, total - total_before)
        achieved = result.successful / result.elapsed if result.elapsed else 0.0
        held = result.failed == 0 and result.unfinished == 0 and achieved >= 0.95 * rate
        rows.append(
            [
                rate,
                f"{achieved:,.0f}",
                result.successful,
                result.failed + result.unfinished,
                result.retransmissions,
                f"{100 * cpu / result.elapsed:.0f} %" if result.elapsed else "-",
                f"{100 * sipp / result.elapsed:.0f} %" if result.elapsed else "-",
                f"{100 * machine:.0f} %",
                "yes" if held else "no",
            ]
        )
        print(scenario, target, rows[-1], file=sys.stderr)
        if not held:
            break
    return rows


def best(rows: list[list[object]]) -> int:
    held = [int(row[0]) for row in rows if row[-1] == "yes"]
    return max(held, default=0)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with (
            running_callcenter(
                work / "switch", setup=[["manage", "shell", "-c", CREATE_USERS]]
            ) as switch,
            KamailioRegistrar(work / "kamailio", dict(USERS)) as kamailio,
        ):
            assert kamailio.pid is not None
            peers = {
                "callcenter": (switch.sip_address, lambda: [switch.pid]),
                "Kamailio": (kamailio.address, group(os.getpgid(kamailio.pid))),
            }
            sections = []
            summary = []
            for scenario, label in (
                ("options", "OPTIONS"),
                ("register_auth", "REGISTER with digest"),
            ):
                results = {}
                for name, (address, pids) in peers.items():
                    rows = ramp(address, scenario, pids, work / name)
                    results[name] = best(rows)
                    sections.append(
                        f"## {label}: {name}\n\n"
                        + table(
                            [
                                "offered/s",
                                "achieved/s",
                                "ok",
                                "failed",
                                "retransmissions",
                                "server CPU",
                                "sipp CPU",
                                "machine busy",
                                "held",
                            ],
                            rows,
                        )
                    )
                ratio = results["callcenter"] / results["Kamailio"] if results["Kamailio"] else 0
                summary.append([label, results["callcenter"], results["Kamailio"], f"{ratio:.2f}"])
    body = (
        "sipp " + version(["sipp", "-v"]) + "; " + version(["kamailio", "-v"]) + " with its "
        "test configuration (2 UDP workers, users in an htable, plain-text passwords).\n"
        "A REGISTER row counts registrations: each is two transactions (401, then 200).\n"
        "sipp runs on the same 2 cores, so the ceilings include its own cost.\n\n"
        + table(["scenario", "callcenter held/s", "Kamailio held/s", "ratio"], summary)
        + "\n\n"
        + "\n\n".join(sections)
    )
    write("sip_load", "SIP load: callcenter beside Kamailio (sipp)", body)


if __name__ == "__main__":
    main()
