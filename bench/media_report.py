"""What a run of :mod:`bench.media_relay` measured, and the Markdown report of a ramp.

Owns the judgement of a step (:attr:`Result.held`: no packet lost, at most
``LATE_HELD`` of them back later than ``LATE``; and whether something other than the
relay may have set the limit: the generator, or other programs on the relay's core), the
per-run table row, the summary with the goals of issue 4, and the notes on anything odd
that either relay reported.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from dataclasses import dataclass, field

from bench import rtpengine_ng
from bench.common import table

LATE = 0.1  # seconds through the relay and back that a phone's jitter buffer would not wait
GENERATOR_FULL = 0.95  # of a core: busier than this, a process has no time to spare
GENERATOR_LAG = 0.05  # seconds behind its schedule, for the same reason
CORE_FULL = 0.9  # the relay's core this busy (relay and other programs) is full
OTHERS_LARGE = 0.2  # other programs' share of the relay's core that makes a step theirs
LATE_HELD = 0.001  # a step is held with no loss and at most this share of packets late
GOAL_PLAIN = 800  # relayed calls on one core, without recording
GOAL_RATIO = 0.8  # of rtpengine's figure
GOAL_RECORDING = 400

Subject = tuple[str, bool]  # a relay under test: target name, recording


def label(relay: Subject) -> str:
    return relay[0] + (", recording" if relay[1] else "")


@dataclass
class Result:
    """One run: what the generator sent and got back, and what the relay used (CPU and
    run-queue time in seconds, over ``seconds`` of sending)."""

    target: str
    calls: int
    record: bool
    offered: int
    received: int
    late: int
    worst: float
    relay_in: int
    relay_out: int | None
    seconds: float
    cpu: float
    waited: float
    generator_cpu: float
    generator_waited: float
    generator_behind: float
    send_errors: int = 0
    others: float | None = None  # CPU seconds of other programs on the relay's core
    attempt: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def loss(self) -> float:
        return 1 - self.received / self.offered if self.offered else 0.0

    @property
    def held(self) -> bool:
        """No packet lost, at most LATE_HELD of them late."""
        return (
            self.offered > 0
            and self.received >= self.offered
            and not self.send_errors
            and self.late <= LATE_HELD * self.offered
        )

    @property
    def generator_bound(self) -> bool:
        """The generator had no time to spare while the relay's core had some: what the
        step measured may be the generator's limit rather than the relay's."""
        generator_full = (
            self.generator_cpu >= GENERATOR_FULL * self.seconds
            or self.generator_behind > GENERATOR_LAG
        )
        relay_core = self.cpu + (self.others or 0.0)
        return generator_full and relay_core < GENERATOR_FULL * self.seconds

    @property
    def machine_bound(self) -> bool:
        """Other programs took a large share of the relay's core, and the core was full:
        what the step measured may be the machine's load rather than the relay."""
        if self.others is None:
            return False
        full = self.cpu + self.others >= CORE_FULL * self.seconds
        return full and self.others >= OTHERS_LARGE * self.seconds

    @property
    def cpu_per_call(self) -> float:
        """CPU seconds per second of one call."""
        return self.cpu / self.seconds / self.calls if self.calls and self.seconds else 0.0

    def bound(self) -> str:
        """What else may have set the step's limit, for the tables."""
        if self.generator_bound:
            return " (generator bound)"
        if self.machine_bound:
            return " (core shared)"
        return ""

    def row(self) -> list[object]:
        lost_in = max(0, self.offered - self.relay_in)
        out = self.relay_in if self.relay_out is None else self.relay_out
        lost_out = max(0, out - self.received)
        return [
            self.target,
            "yes" if self.record else "no",
            self.calls if self.attempt == 1 else f"{self.calls} (run {self.attempt})",
            f"{self.offered / self.seconds:,.0f}",
            f"{100 * self.loss:.2f} %",
            f"{lost_in:,} / {lost_out:,}" + ("*" if self.relay_out is None else ""),
            f"{100 * self.late / self.offered:.2f} %" if self.offered else "-",
            f"{1000 * self.worst:.0f} ms",
            f"{100 * self.cpu / self.seconds:.0f} %",
            f"{1e6 * self.cpu_per_call:,.0f} µs/s",
            f"{self.calls * self.seconds / self.cpu:,.0f}" if self.cpu else "-",
            f"{100 * self.waited / self.seconds:.0f} %",
            "-" if self.others is None else f"{100 * self.others / self.seconds:.0f} %",
            f"{100 * self.generator_cpu / self.seconds:.0f} %",
            f"{100 * self.generator_waited / self.seconds:.0f} %",
            f"{1000 * self.generator_behind:.0f} ms",
            "yes" if self.held else f"no{self.bound()}",
        ]


HEADERS = [
    "relay",
    "recording",
    "calls",
    "packets/s offered",
    "loss",
    "lost before / after relay",
    "late > 100 ms",
    "worst round trip",
    "relay CPU",
    "CPU per call",
    "calls per full core (from CPU)",
    "relay waiting for a core",
    "other programs on the relay's core",
    "generator CPU",
    "generator waiting",
    "generator max lag",
    "held",
]


def best(results: list[Result]) -> Result | None:
    return max((r for r in results if r.held), key=lambda r: r.calls, default=None)


def ceiling(results: list[Result]) -> Result | None:
    """The last run of the lowest step above the highest held (None: nothing above)."""
    top = best(results)
    above = [r for r in results if top is None or r.calls > top.calls]
    if not above:
        return None
    step = min(r.calls for r in above)
    return [r for r in above if r.calls == step][-1]


def stopped_at(results: list[Result]) -> str:
    """The first step above the highest held: its last run, in a few words."""
    last = ceiling(results)
    if last is None:
        return "-"
    parts = [f"{last.calls}: {100 * last.loss:.2f} % lost"]
    parts.append(f"{100 * last.late / last.offered:.2f} % late" if last.offered else "")
    parts.append(f"relay CPU {100 * last.cpu / last.seconds:.0f} %")
    if last.others is not None:
        parts.append(f"others on its core {100 * last.others / last.seconds:.0f} %")
    return ", ".join(p for p in parts if p) + last.bound()


def summary(ladders: dict[Subject, list[Result]], tried: list[int]) -> tuple[str, list[str]]:
    """The summary table and the verdict on the goals."""
    figures = {relay: best(results) for relay, results in ladders.items()}
    reference = figures.get(("rtpengine", False))
    rows: list[list[object]] = []
    for relay, top in figures.items():
        stop = stopped_at(ladders[relay])
        if top is None:
            rows.append([label(relay), 0, "-", "-", "-", "-", "-", stop])
            continue
        untopped = " (highest step tried)" if top.calls == max(tried) else ""
        ratio = f"{top.calls / reference.calls:.2f}" if reference else "-"
        rows.append(
            [
                label(relay),
                f"{top.calls}{untopped}",
                f"{100 * top.cpu / top.seconds:.0f} %",
                f"{1e6 * top.cpu_per_call:,.0f} µs/s ({100 * top.cpu_per_call:.3f} % of a core)",
                f"{1e6 * top.cpu / top.offered:.1f} µs" if top.offered else "-",
                f"{top.calls * top.seconds / top.cpu:,.0f}" if top.cpu else "-",
                ratio if relay != ("rtpengine", False) else "1.00",
                stop,
            ]
        )
    text = table(
        [
            "relay (one core)",
            "held calls",
            "relay CPU there",
            "CPU per call",
            "CPU per packet relayed",
            "calls per full core (from CPU)",
            "held calls / rtpengine's",
            "first step above not held (its last run)",
        ],
        rows,
    )
    verdict: list[str] = []
    plain = figures.get(("callcenter", False))
    if ("callcenter", False) in figures:
        held = plain.calls if plain else 0
        absolute = held >= GOAL_PLAIN
        line = (
            f"Without recording: {held} calls held; at least {GOAL_PLAIN}: "
            f"{'met' if absolute else 'NOT met'}"
        )
        status = "met" if absolute else "NOT met"
        if reference is not None:
            share = held / reference.calls
            bound = reference.calls == max(tried)  # rtpengine's ceiling not reached
            ratio_status = "NOT met" if share < GOAL_RATIO else "not known" if bound else "met"
            line += (
                f"; at least {GOAL_RATIO:g} × rtpengine's {reference.calls}"
                + (" (a lower bound)" if bound else "")
                + f" = {GOAL_RATIO * reference.calls:.0f}: ratio {share:.2f}"
                + (" or less" if bound else "")
                + f", {ratio_status}"
            )
            if status == "met":
                status = ratio_status
        elif ("rtpengine", False) in figures:
            line += "; rtpengine held no step, so no ratio"
        else:
            line += "; rtpengine not run, so the ratio is unchecked"
        verdict.append(line + f". Goal {status}.")
    if ("callcenter", True) in figures:
        recorded = figures[("callcenter", True)]
        held = recorded.calls if recorded else 0
        met = held >= GOAL_RECORDING
        verdict.append(
            f"With recording: {held} calls held (goal {GOAL_RECORDING}): "
            f"{'met' if met else 'NOT met'}."
        )
    if any(top is not None and top.calls == max(tried) for top in figures.values()):
        verdict.append(
            "A relay that held the highest step tried has no ceiling found: its figure "
            "(and a ratio with it) is a lower bound."
        )
    for relay, results in ladders.items():
        last = ceiling(results)
        if last is None:
            continue
        if last.generator_bound:
            verdict.append(
                f"{label(relay)}: the generator had no time to spare at the first step above "
                "the figure, so that step may have measured the generator: the figure is a "
                "lower bound."
            )
        elif last.machine_bound:
            verdict.append(
                f"{label(relay)}: at the first step above the figure, other programs took "
                f"{100 * (last.others or 0) / last.seconds:.0f} % of the relay's core and the "
                "core was full, so that step measured the machine's load as much as the "
                "relay: the figure is a lower bound (see calls per full core)."
            )
    verdict += same_step(ladders)
    return text, verdict


def same_step(ladders: dict[Subject, list[Result]]) -> list[str]:
    """Each relay's CPU per call beside rtpengine's at the highest step both held: CPU per
    call falls as the load rises (each wake-up finds more packets), so only one step
    compares like with like."""
    reference = ladders.get(("rtpengine", False))
    if not reference:
        return []
    theirs = {r.calls: r for r in reference if r.held}
    lines = []
    for relay, results in ladders.items():
        ours = {r.calls: r for r in results if r.held}
        common = set(ours) & set(theirs)
        if relay == ("rtpengine", False) or not common:
            continue
        step = max(common)
        mine, other = ours[step], theirs[step]
        if not mine.cpu_per_call or not other.cpu_per_call:
            continue
        lines.append(
            f"{label(relay)} beside rtpengine at {step} calls, the highest step both held: "
            f"{1e6 * mine.cpu_per_call:,.0f} against {1e6 * other.cpu_per_call:,.0f} µs of "
            f"CPU per second of call, {mine.cpu_per_call / other.cpu_per_call:.2f} × "
            "rtpengine's."
        )
    return lines


def notes(ladders: dict[Subject, list[Result]]) -> list[str]:
    """Anything odd a run reported; a remark repeated at several steps is said once."""
    lines: list[str] = []
    for relay, results in ladders.items():
        steps: dict[str, list[str]] = {}
        for result in results:
            step = f"{result.calls} calls" + (
                f" (run {result.attempt})" if result.attempt > 1 else ""
            )
            odd = list(result.notes)
            if result.send_errors:
                odd.append(f"{result.send_errors} send errors at the generator")
            if result.generator_behind > LATE / 2:
                odd.append(f"the generator fell {1000 * result.generator_behind:.0f} ms behind")
            for remark in odd:
                steps.setdefault(remark, []).append(step)
        for remark, where in steps.items():
            at = "every step" if len(where) == len(results) > 1 else ", ".join(where)
            lines.append(f"{label(relay)} at {at}: {remark}.")
    return lines


def uptime() -> str:
    try:
        out = subprocess.run(["uptime"], capture_output=True, text=True, timeout=5, check=False)
    except OSError:
        return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return out.stdout.strip()


def body(
    args: argparse.Namespace,
    ladders: dict[Subject, list[Result]],
    failures: list[str],
    load: tuple[str, str],
) -> str:
    text, verdict = summary(ladders, args.calls)
    pinned = "Not pinned"
    if args.cores:
        relay_core, generator_core = args.cores
        pinned = (
            f"The relay pinned to core {relay_core} (rtpengine, a child of the bench, "
            f"inherits it), the generator to core {generator_core}"
        )
    intro = (
        f"rtpengine {rtpengine_ng.version()} (userspace, `--table=-1`, "
        + (
            f"`--num-threads={args.rtpengine_threads}`"
            if args.rtpengine_threads
            else "its default threads"
        )
        + f"); callcenter on uvloop. {pinned}; 50 packets/s each way per call (G.711 "
        f"PCMU, 20 ms), {args.seconds:g} s per step; steps {', '.join(map(str, args.calls))} "
        "calls.\n"
        f"Machine load before: `{load[0]}`; after: `{load[1]}`.\n\n"
        "Held: no packet lost and at most 0.1 % back later than 100 ms. A step is not held "
        "after two runs not held (three when the second was bound by the generator or by "
        "other programs on the relay's core); a relay's ramp ends after two steps in a row "
        "not held, and its figure is the highest step held. CPU per "
        "call: the relay's CPU time per second of one call (both directions, 100 packets/s "
        "in and out). Calls per full core: calls divided by the share of a core they took.\n\n"
        + text
        + "\n\n"
        + "\n".join(f"- {line}" for line in verdict)
    )
    caveats = [
        "The relay's core is not the relay's alone on a shared machine: 'other programs on "
        "the relay's core' is the share of that core that went to neither the relay nor "
        "the bench. Relay CPU plus that share near 100 % means the core was full, and a "
        "step lost then may be the machine's ceiling rather than the relay's; that is why "
        "a step not held is run again. 'Relay waiting for a core' sums over the relay's "
        "threads (rtpengine runs about twenty, all on the one core), so it can pass 100 %.",
        "* rtpengine counts what it reads, not what it sends: its 'after relay' is what it "
        "read less what came back.",
        "Calls per full core is an estimate from the CPU per call at that step, and CPU per "
        "call falls as the load rises (more packets per wake-up): a relay at 100 % CPU that "
        "still holds its step has more in hand "
        "than the estimate says.",
        "What each does per packet: callcenter's Relay rewrites sequence number, "
        "timestamp and SSRC for the outbound stream (one SSRC per leg across changes), and "
        "with recording feeds the packet to the call's Recorder (a stereo WAV written "
        "about once a second by a writer thread); rtpengine forwards with its own "
        "per-stream bookkeeping (stats, SSRC tracking, RTCP ports open but unused).",
        *failures,
        *notes(ladders),
    ]
    sections = [
        f"## {label(relay)}\n\n" + table(HEADERS, [r.row() for r in results])
        for relay, results in ladders.items()
    ]
    return (
        intro + "\n\n" + "\n".join(f"- {line}" for line in caveats) + "\n\n" + "\n\n".join(sections)
    )
