"""The full churn ("chaos") run: 2,000 customer calls against the contact center.

The same run as tests/chaos (`tests.chaos.churn`): the switch in this process, sipp
customers hanging up in the IVR, in the queue, while an agent rings and while talking;
sipp agents going not ready, logging out and having their phones killed mid-ring and
mid-call. It writes its counts and the books' problems (none expected) to
bench/results/chaos.md, and exits with status 1 when the books do not balance.

Run: ``python -m bench.chaos_full [--calls 2000] [--rate 3] [--seed N] [--work DIR]
[--no-write]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from tests.chaos.churn import Report, Settings, run_churn

from bench.common import table, version, write

CALLS = 2000
RATE = 3.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos_full", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--calls", type=int, default=CALLS, help="customer calls (%(default)s)")
    parser.add_argument("--rate", type=float, default=RATE, help="new calls/s (%(default)s)")
    parser.add_argument("--seed", type=int, help="the driver's seed (else a new one)")
    parser.add_argument("--work", type=Path, help="keep the sipp logs in this folder")
    parser.add_argument(
        "--no-write", action="store_true", help="print the results; leave bench/results alone"
    )
    return parser.parse_args(argv)


def _rows(counts: dict[str, int]) -> list[list[object]]:
    return [[name, count] for name, count in sorted(counts.items())] or [["none", 0]]


def body(report: Report, settings: Settings) -> str:
    exits = ", ".join(f"{code}: {n}" for code, n in sorted(report.sipp_exit.items()))
    problems = [f"- {name}: {p}" for name, found in report.problems.items() for p in found]
    if report.children_left:
        problems.append(f"- child processes left: {report.children_left}")
    if report.tasks_left:
        problems.append(f"- tasks left: {', '.join(report.tasks_left)}")
    if report.fds_after > report.fds_before:
        problems.append(f"- file descriptors: {report.fds_before} -> {report.fds_after}")
    summary: list[list[object]] = [
        ["seed (replay: --seed)", report.seed],
        ["duration", f"{report.seconds:.0f} s"],
        ["customer calls placed", report.placed],
        ["calls started at the switch", report.started],
        ["calls answered by agents", report.answered],
        ["of them on baresip phones", report.answered_baresip],
        ["sipp exit status (customers)", exits],
        ["switch idle after the last customer", f"{report.drained_in:.1f} s"],
        ["events", sum(report.events.values())],
        ["file descriptors before / after", f"{report.fds_before} / {report.fds_after}"],
        ["engine tasks left", len(report.tasks_left)],
    ]
    return "\n\n".join(
        [
            f"sipp {version(['sipp', '-v']).strip().rstrip('.')}. {settings.calls} calls at "
            f"{settings.rate:g}/s, {settings.agents} agents ({settings.baresip} on baresip, the "
            "others on sipp), three queues (longest-idle, "
            "ring-all, linear) behind an IVR menu; see tests/chaos/churn.py for the mix.",
            table(["", ""], summary),
            "## Where calls ended\n\n" + table(["phase", "calls"], _rows(dict(report.phases))),
            "## Agent actions\n\n" + table(["action", "count"], _rows(dict(report.agent_actions))),
            "## Reconciler repairs\n\n"
            + table(["what", "count"], _rows(dict(report.repairs)))
            + "".join(f"\n- {sample}" for sample in report.repair_samples),
            "## Problems in the books\n\n" + ("\n".join(problems) or "None."),
        ]
    )


def balanced(report: Report) -> bool:
    return (
        not any(report.problems.values())
        and not report.tasks_left
        and not report.children_left
        and report.fds_after <= report.fds_before
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    settings = Settings(calls=args.calls, rate=args.rate, seed=seed, max_kills=args.calls // 4)
    with ExitStack() as stack:
        if args.work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        else:
            work = args.work.resolve()
            work.mkdir(parents=True, exist_ok=True)
        report = run_churn(settings, work)
    text = body(report, settings)
    title = f"Churn of the contact center: {settings.calls} calls"
    if args.no_write:
        print(f"# {title}\n\n{text}")
    else:
        write("chaos", title, text)
    if not balanced(report):
        sys.exit(1)


if __name__ == "__main__":
    main()
