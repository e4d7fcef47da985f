"""sipp runs with a hard wall-clock limit, and their statistics as a `SippResult`.

Each run works in its own folder (under the caller's), where sipp writes:

- `stats.csv` (`-trace_stat -stf`): the final row gives successful and failed calls,
  retransmissions and the reason of each failure (FailedTimeoutOnRecv, …);
- `<scenario>_<pid>_counts.csv` (`-trace_counts`): per scenario message, how many were sent,
  received, retransmitted or unexpected; the received responses by status code come from
  its `N_CODE_Recv` columns (the codes the scenario expects; an unexpected one counts in
  `unexpected`, and its text is in `errors.log`);
- `screen.log` (`-trace_screen`) and `errors.log` (`-trace_err`) for the reader of a failure.

Scenarios are sipp's built-in ones (`uac`, `uas`, …, with `-sn`) or the XML files of
tests/interop/scenarios (`register_auth`, `options`, `uac_expect`, with `-sf`).
"""

from __future__ import annotations

import csv
import itertools
import re
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tests.interop.peers import processes

SIPP = "/usr/bin/sipp"
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
BUILTIN = frozenset({"uac", "uas", "regexp", "branchc", "branchs", "uac_pcap"})
_RECEIVED = re.compile(r"^\d+_(\d{3})_Recv$")
_runs = itertools.count(1)


class SippTimeout(RuntimeError):
    pass


@dataclass(frozen=True)
class SippResult:
    returncode: int
    successful: int
    failed: int
    unfinished: int
    """Calls still running when sipp stopped (its -timeout came first)."""
    retransmissions: int
    responses: dict[int, int]
    """Responses received where the scenario expected them, by status code."""
    unexpected: int
    failures: dict[str, int]
    """The non-zero Failed… counters of the statistics (FailedCall itself left out)."""
    elapsed: float
    directory: Path
    stats: dict[str, str] = field(repr=False)
    counts: dict[str, int] = field(repr=False)

    @property
    def ok(self) -> bool:
        return (
            self.returncode == 0
            and self.failed == 0
            and self.unfinished == 0
            and self.successful > 0
        )

    def report(self) -> str:
        """What a reader of a failed assertion needs: numbers, screen and errors."""
        parts = [repr(self)]
        for name in ("screen.log", "errors.log"):
            path = self.directory / name
            if path.exists():
                parts.append(f"--- {name}\n" + processes.log_tail(path, 40))
        return "\n".join(parts)


def scenario_args(scenario: str | Path) -> list[str]:
    if isinstance(scenario, Path):
        return ["-sf", str(scenario)]
    if scenario in BUILTIN:
        return ["-sn", scenario]
    path = SCENARIOS / (scenario if scenario.endswith(".xml") else f"{scenario}.xml")
    if not path.exists():
        raise FileNotFoundError(f"no built-in or tests/interop/scenarios scenario {scenario!r}")
    return ["-sf", str(path)]


def write_users(path: Path, users: Sequence[tuple[str, str]]) -> Path:
    """An injection file (`-inf`) read in sequence, one user a line.

    Fields: [field0] user, [field1] password, [field2] the whole `[authentication …]`
    keyword for that user (see scenarios/register_auth.xml for why).
    """
    lines = [
        f"{user};{password};[authentication username={user} password={password}]\n"
        for user, password in users
    ]
    path.write_text("SEQUENTIAL\n" + "".join(lines))
    return path


def run_sipp(
    target: str,
    scenario: str | Path,
    directory: Path,
    *,
    calls: int = 1,
    rate: float = 10.0,
    limit: int | None = None,
    timeout: float = 10.0,
    local_port: int | None = None,
    transport: Literal["udp", "tcp"] = "udp",
    service: str | None = None,
    users: Sequence[tuple[str, str]] = (),
    variables: Mapping[str, str] | None = None,
    keys: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
) -> SippResult:
    """Runs sipp against `target` (host:port) until `calls` calls are done or `timeout`.

    `rate` is calls per second (`-r`), `limit` the most simultaneous calls (`-l`),
    `users` become the injection file, `variables` global scenario variables (`-set`),
    `keys` keywords (`-key`). sipp's own `-timeout` ends the run as failed after `timeout`
    seconds; the process is killed by its PID if it is still there 5 s later.
    """
    if shutil.which(SIPP) is None:
        raise SippTimeout(f"{SIPP} is missing: run tools/install-system-deps")
    run = directory / f"sipp-{next(_runs)}"
    run.mkdir(parents=True)
    port = local_port if local_port is not None else processes.free_port()
    command = [
        SIPP,
        target,
        *scenario_args(scenario),
        "-i",
        processes.HOST,
        "-p",
        str(port),
        "-t",
        "u1" if transport == "udp" else "t1",
        "-m",
        str(calls),
        "-r",
        f"{rate:g}",
        "-timeout",
        f"{timeout:g}s",
        "-timeout_error",
        "-nostdin",
        "-trace_stat",
        "-stf",
        str(run / "stats.csv"),
        "-trace_counts",
        "-trace_screen",
        "-screen_file",
        str(run / "screen.log"),
        "-trace_err",
        "-error_file",
        str(run / "errors.log"),
    ]
    if limit is not None:
        command += ["-l", str(limit)]
    if service is not None:
        command += ["-s", service]
    if users:
        command += ["-inf", str(write_users(run / "users.csv", users))]
    for name, value in (variables or {}).items():
        command += ["-set", name, value]
    for name, value in (keys or {}).items():
        command += ["-key", name, value]
    command += list(extra)
    log = run / "sipp.log"
    began = time.monotonic()
    process = processes.start(command, log, run)
    try:
        returncode = process.wait(timeout=timeout + 5)
    except subprocess.TimeoutExpired:
        raise SippTimeout(
            f"sipp still ran {timeout + 5:g} s after its start:\n" + processes.log_tail(log)
        ) from None
    finally:
        processes.stop(process)
    elapsed = time.monotonic() - began
    return parse_run(run, returncode, elapsed, log)


def _last_row(path: Path) -> dict[str, str]:
    with path.open(newline="") as source:
        rows = [row for row in csv.reader(source, delimiter=";") if row]
    if len(rows) < 2:
        return {}
    return {name: value for name, value in zip(rows[0], rows[-1], strict=False) if name}


def _number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def parse_run(run: Path, returncode: int, elapsed: float, log: Path) -> SippResult:
    stats_file = run / "stats.csv"
    if not stats_file.exists():
        raise RuntimeError(
            f"sipp (exit {returncode}) wrote no statistics:\n" + processes.log_tail(log)
        )
    stats = _last_row(stats_file)
    counts_files = sorted(run.glob("*_counts.csv"))
    raw_counts = _last_row(counts_files[0]) if counts_files else {}
    counts = {name: _number(value) for name, value in raw_counts.items()}
    responses: dict[int, int] = {}
    for name, value in counts.items():
        match = _RECEIVED.match(name)
        if match and value:
            code = int(match.group(1))
            responses[code] = responses.get(code, 0) + value
    failures = {
        name.removesuffix("(C)"): _number(value)
        for name, value in stats.items()
        if name.startswith("Failed") and name.endswith("(C)") and name != "FailedCall(C)"
        if _number(value)
    }
    return SippResult(
        returncode=returncode,
        successful=_number(stats.get("SuccessfulCall(C)", "0")),
        failed=_number(stats.get("FailedCall(C)", "0")),
        unfinished=_number(stats.get("CurrentCall", "0")),
        retransmissions=_number(stats.get("Retransmissions(C)", "0")),
        responses=responses,
        unexpected=sum(value for name, value in counts.items() if name.endswith("_Unexp")),
        failures=failures,
        elapsed=elapsed,
        directory=run,
        stats=stats,
        counts=counts,
    )
