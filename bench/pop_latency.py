"""The screen pop's latency: from the INVITE reaching the switch to the customer's name in
the agent's page, with 1,000,000 customers in the database, on SQLite and on PostgreSQL.
Goal: p95 ≤ 150 ms.

For each database a real ``callcenter serve`` (web and switch in one process, as in
production) runs on 127.0.0.1 with its own throw-away data folder (SQLite) or database
(PostgreSQL, when `tools/find-postgres` finds a server), filled by
`bench.customer_lookup.fill` with ``--customers`` customers before the demo data, then:

- a trunk ``pop-bench`` on a free port of 127.0.0.1 (no registration) whose DID 9200 goes
  straight to the queue ``service`` (no IVR), and the queue's wrap-up set to 0, so that
  the measurement is the switch and the pop, and the agent is free for the next call;
- agent 80001 logged in and ready (REST API) at extension 70001, a sipp registered as
  70001 that auto-answers after a 100 ms ring and hangs up after ``--talk`` seconds
  (bench/scenarios/queue_agent.xml); the agent's desktop ``/desktop/`` open in Chromium
  (Playwright), logged in as 80001;
- the customers: one sipp uac from the trunk's port, one call at a time at ``--rate``
  calls/s at most (bench/scenarios/queue_customer.xml with the caller number taken from
  an injection file), each with another caller ID: a known customer's number in one of
  its forms (``13…``, ``+8613…``, ``008613…``, ``8613…``, a trunk's ``0`` or ``9`` before
  the mobile, ``0755…``, the local 8 digits, ``+86755…``), one call in ten an unknown
  number (the pop then says 查无此客户信息!).

The page records on ``[data-testid=desktop]`` when the switch took the INVITE
(``data-pop-started``: the CallStarted event's time) and when it had rendered the pop
(``data-pop-at``: ``Date.now()`` after the name was written); a MutationObserver injected
into the page keeps every pair with the name shown. Latency = pop-at − pop-started (one
machine, one clock). The peer figures of the same calls, from a hook on the page's
WebSocket installed before its scripts run: when the switch offered the call to the agent
(the ``agent_offered`` event's time), when the ``pop`` frame (the CRM lookup done) reached
the page, and the rendering after it.

Run: ``python -m bench.pop_latency [--customers 1000000] [--calls 200] [--rate 2]
[--talk 0.3] [--work DIR] [--no-write]``; writes `bench/results/pop_latency.md`. The
caller lookup alone is `bench.customer_lookup` (`bench/results/customer_lookup.md`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.interop.peers.processes import HOST, free_port, log_tail, start, stop, wait_until
from tests.interop.peers.sipp import SIPP, SippResult, run_sipp
from tests.running import free_sip_port, postgres_database

from bench.call_setup import wait_listening
from bench.common import table, version, write

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = HERE / "scenarios"
REGISTER = SCENARIOS / "queue_register.xml"
AGENT_PHONE = SCENARIOS / "queue_agent.xml"
CUSTOMER = SCENARIOS / "queue_customer.xml"

GOAL_MS = 150.0
AGENT = "80001"
EXTENSION = "70001"  # its SIP password is its number (demo data)
QUEUE = "service"
TRUNK = "pop-bench"
DID = "9200"
AREA = "0755"  # the switch's own area code (the default CALLCENTER_AREA_CODE)
NOT_FOUND = "查无此客户信息!"
UNKNOWN_EVERY = 10  # one call in ten from a number nobody has
WARMUP = 5  # calls before the measured ones (caches, the first pop's JavaScript)
CUSTOMERS = 1_000_000
CALLS = 200
RATE = 2.0  # calls/s at most, one at a time (sipp -l 1)
TALK = 0.3  # seconds the agent talks before hanging up
PATIENCE = 10.0  # seconds a customer waits for the agent's BYE before giving up

# Installed before the page's scripts: each frame of the desktop's WebSocket that matters
# here is noted with the time it arrived, before the page's own handler sees it.
WEBSOCKET_HOOK = """
(() => {
  window.__frames = [];
  const Native = window.WebSocket;
  function Hooked(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("message", (frame) => {
      const received = Date.now();
      if (frame.data.indexOf('"pop"') < 0 && frame.data.indexOf("agent_offered") < 0) return;
      const data = JSON.parse(frame.data);
      if (data.type === "pop") {
        const facts = data.facts || {};
        window.__frames.push({kind: "pop", call: data.call, caller: facts.caller || "",
          started: Math.round((facts.started_at || 0) * 1000), received: received,
          customers: (data.customers || []).length});
      } else if (data.type === "event" && data.event.type === "agent_offered") {
        window.__frames.push({kind: "offered", call: data.event.call,
          offered: Math.round(data.event.at * 1000), received: received});
      }
    });
    return socket;
  }
  Hooked.prototype = Native.prototype;
  for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Hooked[name] = Native[name];
  window.WebSocket = Hooked;
})();
"""
# Injected into the open desktop: one record for each pop rendered (data-pop-at changed).
POP_OBSERVER = """
() => {
  window.__pops = [];
  const root = document.querySelector("[data-testid=desktop]");
  const node = (id) => root.querySelector("[data-testid=" + id + "]");
  new MutationObserver(() => {
    const customer = !node("pop-customer").hidden;
    const missing = !node("pop-not-found").hidden;
    window.__pops.push({
      call: root.dataset.popCall, started: Number(root.dataset.popStarted),
      at: Number(root.dataset.popAt), seen: Date.now(),
      name: customer ? node("pop-name").textContent
        : missing ? node("pop-not-found").textContent : "",
      several: !node("pop-choices").hidden,
    });
  }).observe(root, {attributes: true, attributeFilter: ["data-pop-at"]});
}
"""


# === the database (a child process, Django set up) ===========================================
def prepare(count: int, calls: int, trunk_port: int) -> dict[str, Any]:
    """Fill the customers, then the demo data, the trunk and its route to the queue, the
    queue's wrap-up 0, an API token of the agent and the callers (with whom the pop
    should show)."""
    from django.db import transaction

    from bench.customer_lookup import fill, phone_of
    from callcenter.accounts.models import User
    from callcenter.acd.models import Queue
    from callcenter.api.models import ApiToken
    from callcenter.crm.customers import customers_for_caller
    from callcenter.crm.models import Customer
    from callcenter.crm.phones import caller_forms
    from callcenter.telephony.models import InboundRoute, Trunk
    from callcenter.web import demo

    seconds = fill(count)  # first: its customer numbers start at KH00000001
    demo.load()
    with transaction.atomic():
        trunk = Trunk.objects.create(
            name=TRUNK, host=HOST, port=trunk_port, register=False, description="pop bench"
        )
        InboundRoute.objects.create(did=DID, trunk=trunk, destination=f"queue:{QUEUE}")
        Queue.objects.filter(name=QUEUE).update(wrap_up=0)
    _token, token = ApiToken.issue(User.objects.get(agent_id=AGENT), "pop bench")
    rng = random.Random(13)
    callers: list[dict[str, str]] = []
    for i in range(calls):
        if i % UNKNOWN_EVERY == UNKNOWN_EVERY - 1:  # 139 and 8 digits: no generated number
            callers.append({"caller": f"139{rng.randrange(10**8):08d}", "name": NOT_FOUND,
                            "form": "unknown"})  # fmt: skip
            continue
        index = rng.randrange(count)
        number, label = phone_of(index)
        forms = caller_forms(number, AREA)
        form = forms[i % len(forms)]
        name = Customer.objects.get(number=f"KH{index + 1:08d}").name
        found = [c.name for c in customers_for_caller(form)]
        if found != [name]:
            raise RuntimeError(f"caller {form} finds {found}, not [{name}]")
        kind = "mobile" if label == "mobile" else "fixed line"
        callers.append({"caller": form, "name": name, "form": f"{kind} {_shape(form, number)}"})
    return {"token": token, "callers": callers, "fill_seconds": seconds,
            "database": pop_database_work(callers[WARMUP:])}  # fmt: skip


def pop_database_work(callers: list[dict[str, str]]) -> dict[str, list[float]]:
    """What `desktop.live.pop_for` costs the server in the database, per caller (ms): a
    new connection (the server keeps none, CONN_MAX_AGE 0: each pop's worker thread
    opens one) and the pop's lookup on an open connection."""
    from django.db import connection

    from callcenter.desktop.live import pop_for

    for caller in callers[:WARMUP]:  # warm the caches, as the server's warm-up calls do
        pop_for("bench", {"caller": caller["caller"]})
    costs: dict[str, list[float]] = {"connect": [], "pop_for": []}
    for caller in callers:
        connection.close()
        began = time.perf_counter()
        connection.ensure_connection()
        costs["connect"].append(1000 * (time.perf_counter() - began))
        began = time.perf_counter()
        pop_for("bench", {"caller": caller["caller"]})
        costs["pop_for"].append(1000 * (time.perf_counter() - began))
    connection.close()
    return costs


def _shape(form: str, number: str) -> str:
    """How a caller ID was written, e.g. ``+86…`` or ``as stored``."""
    if form == number:
        return "as stored"
    at = form.find(number.lstrip("0"))
    return (form[:at] + "…") if at > 0 else "local number"


def child(count: int, calls: int, trunk_port: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.web.settings")
    django.setup()
    print("RESULT " + json.dumps(prepare(count, calls, trunk_port), ensure_ascii=False))


# === one database: the server, the agent's phone and page, the customers ======================
@dataclass(frozen=True)
class Server:
    vendor: str
    base: str
    sip: str
    trunk_port: int
    token: str
    callers: list[dict[str, str]]
    fill_seconds: float
    database: dict[str, list[float]]
    log: Path


@dataclass
class Run:
    """One database's calls: what sipp did and what the page recorded."""

    vendor: str
    customers: int
    fill_seconds: float
    callers: list[dict[str, str]]
    sipp: SippResult
    pops: list[dict[str, Any]]
    frames: list[dict[str, Any]]
    load: tuple[float, float]
    database: dict[str, list[float]]
    problems: list[str] = field(default_factory=list)

    @property
    def placed(self) -> int:
        return int(self.sipp.stats.get("TotalCallCreated", 0) or 0)

    def first_pops(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for pop in self.pops:  # a call offered twice (missed, offered again): its first pop
            found.setdefault(str(pop["call"]), pop)
        return found

    def frames_of(self, kind: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for frame in self.frames:
            if frame["kind"] == kind:
                found.setdefault(str(frame["call"]), frame)
        return found

    def named(self) -> tuple[int, int]:
        """(pops with the expected name, pops whose caller this run did not place)."""
        expected = {c["caller"]: c["name"] for c in self.callers}
        callers = {call: frame["caller"] for call, frame in self.frames_of("pop").items()}
        right = stray = 0
        for call, pop in self.first_pops().items():
            caller = callers.get(call)
            if caller not in expected:
                stray += 1
            elif pop["name"] == expected[caller]:
                right += 1
        return right, stray

    def latencies(self) -> list[float]:
        return [float(p["at"] - p["started"]) for p in self.first_pops().values()]

    def stages(self) -> dict[str, list[float]]:
        """The pop's way in stages (ms), for the calls whose frames were all seen."""
        pops, frames, offers = self.first_pops(), self.frames_of("pop"), self.frames_of("offered")
        stages: dict[str, list[float]] = {name: [] for name in STAGES}
        for call, pop in pops.items():
            frame, offer = frames.get(call), offers.get(call)
            if frame is None or offer is None:
                continue
            values = (
                offer["offered"] - pop["started"],
                frame["received"] - offer["offered"],
                frame["received"] - pop["started"],
                pop["at"] - frame["received"],
                pop["at"] - pop["started"],
            )
            for name, value in zip(STAGES, values, strict=True):
                stages[name].append(float(value))
        return stages


DATABASE_WORK = {
    "connect": "opening a connection",
    "pop_for": "`pop_for` on an open connection (lookup, phones, vehicles)",
}
HEADERS = [
    "database",
    "customers",
    "calls placed",
    "calls ended well (sipp)",
    "pops seen",
    "expected name",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "load avg before / after",
]
STAGES = (
    "INVITE taken → offered to the agent (the switch: queue, distributor, ringing)",
    "offered → `pop` frame in the page (agent feed, channel layer, CRM lookup, WebSocket)",
    "INVITE taken → `pop` frame in the page (the bare delivery, peer)",
    "`pop` frame → pop rendered (the page's JavaScript)",
    "INVITE taken → pop rendered (the pop latency)",
)


@contextmanager
def server(folder: Path, url: str, count: int, calls: int) -> Iterator[Server]:
    """A ``callcenter serve`` on a database filled by `prepare`, stopped by its PID."""
    folder.mkdir(parents=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env["CALLCENTER_DATA"] = str(folder / "data")
    env.pop("DATABASE_URL", None)
    if url:
        env["DATABASE_URL"] = url
    _callcenter(env, "migrate", "--no-input")
    trunk_port = free_port()
    began = time.monotonic()
    prepared = _prepare(env, count, calls, trunk_port)
    print(f"pop_latency: {count:,} customers filled in {time.monotonic() - began:.0f} s",
          file=sys.stderr)  # fmt: skip
    port, sip_port = free_port(), free_sip_port()
    rtp_low = random.randrange(33000, 39800, 2)
    command = [sys.executable, "-m", "callcenter", "serve", "--host", HOST, "--port", str(port)]
    command += ["--sip-host", HOST, "--sip-port", str(sip_port)]
    command += ["--rtp-ports", f"{rtp_low}-{rtp_low + 199}"]
    log = folder / "serve.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base = f"http://{HOST}:{port}"
        _healthy(base, process, log)
        yield Server(
            vendor="postgresql" if url else "sqlite",
            base=base,
            sip=f"{HOST}:{sip_port}",
            trunk_port=trunk_port,
            token=str(prepared["token"]),
            callers=list(prepared["callers"]),
            fill_seconds=float(prepared["fill_seconds"]),
            database=dict(prepared["database"]),
            log=log,
        )
    finally:
        stop(process, timeout=15)


def _callcenter(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"callcenter {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def _prepare(env: dict[str, str], count: int, calls: int, trunk_port: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.pop_latency", "--child", "--customers", str(count)]
    command += ["--calls", str(calls), "--trunk-port", str(trunk_port)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), "")
    if done.returncode != 0 or not line:
        raise RuntimeError(f"filling the database failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(line[len("RESULT ") :]))


def _healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"callcenter serve exited:\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    if not wait_until(up, 60, interval=0.2):
        raise RuntimeError(f"callcenter serve did not become healthy:\n{log_tail(log)}")


def _api(target: Server, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        target.base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {target.token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"POST {path}: {error.code} {error.read().decode()}") from None


@contextmanager
def agent_phone(target: Server, folder: Path, talk: float) -> Iterator[None]:
    """Extension 70001 registered from a sipp that answers every call after 100 ms of
    ringing and hangs up after `talk` seconds."""
    port = free_port()
    registered = run_sipp(
        target.sip,
        REGISTER,
        folder / "register",
        calls=1,
        rate=1,
        timeout=10,
        local_port=port,
        users=[(EXTENSION, EXTENSION)],
    )
    if not registered.ok:
        raise RuntimeError("the agent's phone could not register:\n" + registered.report())
    phone = folder / "agent"
    phone.mkdir()
    command = [SIPP, "-sf", str(AGENT_PHONE), "-i", HOST, "-p", str(port), "-nostdin"]
    command += ["-d", str(round(talk * 1000)), "-default_behaviors", "all,-abortunexp"]
    command += ["-recv_timeout", str(round((PATIENCE + 10) * 1000))]
    command += ["-trace_err", "-error_file", str(phone / "errors.log")]
    process = start(command, phone / "sipp.log", phone)
    try:
        wait_listening(process, port, phone / "sipp.log", "the agent's sipp")
        yield
    finally:
        stop(process)


@contextmanager
def desktop(target: Server) -> Iterator[Any]:
    """The agent's desktop in Chromium, logged in as 80001, recording its pops."""
    from playwright.sync_api import sync_playwright

    if shutil.which(CHROMIUM) is None:
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(WEBSOCKET_HOOK)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{target.base}/accounts/login/")
            page.fill("#id_agent_id", AGENT)
            page.fill("#id_password", AGENT)
            page.fill("#id_extension", EXTENSION)
            page.click("[data-testid=login-submit]")
            page.wait_for_selector("[data-testid=logout]", state="attached")
            page.goto(f"{target.base}/desktop/")
            page.wait_for_selector("[data-testid=desk-connection][data-connected=true]")
            page.evaluate(POP_OBSERVER)
            yield page
        finally:
            browser.close()


def place_calls(
    target: Server, folder: Path, callers: list[dict[str, str]], rate: float, talk: float
) -> SippResult:
    """The customers' calls, one at a time, each from its caller number (sipp's [field0]
    in From instead of its call number)."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "customer.xml"
    scenario.write_text(CUSTOMER.read_text().replace("<sip:[call_number]@", "<sip:[field0]@"))
    per_call = 1 / rate + talk + 1.0
    return run_sipp(
        target.sip,
        scenario,
        folder,
        calls=len(callers),
        rate=rate,
        limit=1,
        timeout=len(callers) * per_call + PATIENCE + 10,
        local_port=target.trunk_port,
        service=DID,
        users=[(caller["caller"], "-") for caller in callers],
        extra=["-recv_timeout", str(round((PATIENCE + talk) * 1000))],
    )


def collected(page: Any, expected: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pops and frames the page recorded, once `expected` pops are in (or 5 s)."""
    wait_until(lambda: page.evaluate("() => window.__pops.length") >= expected, 5, interval=0.2)
    pops = list(page.evaluate("() => window.__pops"))
    frames = list(page.evaluate("() => window.__frames"))
    return pops, frames


def run_database(url: str, args: argparse.Namespace, work: Path) -> Run:
    vendor = "postgresql" if url else "sqlite"
    folder = work / vendor
    with ExitStack() as stack:
        target = stack.enter_context(server(folder, url, args.customers, args.calls + WARMUP))
        stack.enter_context(agent_phone(target, folder, args.talk))
        _api(target, f"/api/agents/{AGENT}/login", {"extension": EXTENSION, "ready": True})
        page = stack.enter_context(desktop(target))
        page.wait_for_selector("[data-testid=desk-agent-status][data-status=ready]")
        warm, measured = target.callers[:WARMUP], target.callers[WARMUP:]
        place_calls(target, folder / "warmup", warm, args.rate, args.talk)
        collected(page, len(warm))
        page.evaluate("() => { window.__pops.length = 0; window.__frames.length = 0; }")
        before = os.getloadavg()[0]
        result = place_calls(target, folder / "calls", measured, args.rate, args.talk)
        pops, frames = collected(page, len(measured))
        run = Run(
            vendor=vendor,
            customers=args.customers,
            fill_seconds=target.fill_seconds,
            callers=measured,
            sipp=result,
            pops=pops,
            frames=frames,
            load=(before, os.getloadavg()[0]),
            database=target.database,
        )
        if not result.ok:
            run.problems.append(
                f"sipp: {result.successful} calls ended well, {result.failed} failed "
                f"({', '.join(f'{k} {v}' for k, v in result.failures.items()) or '-'}), "
                f"{result.unfinished} unfinished"
            )
        _api(target, f"/api/agents/{AGENT}/logout", {})
        return run


# === report ====================================================================================
def percentiles(values: list[float], digits: int = 0) -> list[str]:
    """p50, p95, p99 and max (nearest rank), in ms; dashes when there are none."""
    if not values:
        return ["-"] * 4
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    return [f"{value:.{digits}f}" for value in (at(0.5), at(0.95), at(0.99), ordered[-1])]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else math.inf


def body(runs: list[Run], args: argparse.Namespace, postgres: str) -> str:
    rows = []
    for run in runs:
        right, stray = run.named()
        pops = len(run.first_pops())
        rows.append(
            [
                run.vendor,
                f"{run.customers:,}",
                run.placed,
                run.sipp.successful,
                pops,
                right,
                *percentiles(run.latencies()),
                f"{run.load[0]:.2f} / {run.load[1]:.2f}",
            ]
        )
    stage_rows = []
    for run in runs:
        for name, values in run.stages().items():
            stage_rows.append([run.vendor, name, len(values), *percentiles(values)])
    db_rows = []
    for run in runs:
        for what, values in run.database.items():
            label = DATABASE_WORK.get(what, what)
            db_rows.append([run.vendor, label, len(values), *percentiles(values, 1)])
    forms: dict[str, int] = {}
    for caller in runs[0].callers if runs else []:
        forms[caller["form"]] = forms.get(caller["form"], 0) + 1
    lines = [
        f"{version([CHROMIUM, '--version']).strip()}; "
        f"{version(['sipp', '-v']).strip().rstrip('.')}. The server (`callcenter serve`: web "
        "and switch in one process), Chromium, the sipps and this script share the machine's "
        "cores, and other work may run beside them: the load average before and after each "
        "run is in the table.",
        "",
        f"Setup: a fresh database of {args.customers:,} customers (`bench.customer_lookup."
        "fill`: one phone each, a fifth Shenzhen fixed lines) and the demo data; calls "
        f"through a trunk whose DID {DID} goes straight to the queue `{QUEUE}` (no IVR, "
        f"wrap-up 0); agent {AGENT} ready at extension {EXTENSION}, a sipp that answers "
        f"after a 100 ms ring and hangs up after {args.talk:g} s; the agent's desktop open "
        f"in headless Chromium. {WARMUP} warm-up calls, then {args.calls} calls, one at a "
        f"time at {args.rate:g} calls/s at most, each from another caller: "
        + ", ".join(f"{name} {count}" for name, count in sorted(forms.items()))
        + f" (one in {UNKNOWN_EVERY} unknown: the pop shows {NOT_FOUND}).",
        "",
        "Pop latency: `data-pop-at − data-pop-started` on the desktop's element, that is from "
        "the switch taking the INVITE (the CallStarted event's time) to the page having "
        "written the customer's name (or 查无此客户信息!) into the pop (`Date.now()` in "
        "the page); one machine, one clock. Read by a MutationObserver in the page, one "
        "record per pop. *expected name*: pops showing the customer the caller ID "
        "belongs to (or 查无此客户信息! for the unknown).",
        "",
        table(HEADERS, rows),
        "",
        "Where the time goes, same calls (the peer figure: the bare delivery of the `pop` "
        "frame, without the page's rendering). Times: the switch's events (CallStarted, "
        "AgentOffered, carried in the frames) and `Date.now()` in the page when a frame "
        "arrived (a hook on its WebSocket, installed before its scripts) and when the "
        "pop was rendered.",
        "",
        table(["database", "stage", "calls", "p50 ms", "p95 ms", "p99 ms", "max ms"], stage_rows),
        "",
        "The database's share of the second stage, measured in the process that filled the "
        "database (not the server), for the same callers one after the other: the server "
        "keeps no database connection (CONN_MAX_AGE 0), so each pop's worker thread "
        "(`database_sync_to_async(pop_for)`) opens one before the lookup and closes it after.",
        "",
        table(["database", "what", "calls", "p50 ms", "p95 ms", "p99 ms", "max ms"], db_rows),
        "",
    ]
    for run in runs:
        latencies = run.latencies()
        verdict = "met" if p95(latencies) <= GOAL_MS else "NOT met"
        right, stray = run.named()
        lines.append(
            f"- {run.vendor}: {run.customers:,} customers filled in {run.fill_seconds:.0f} s; "
            f"{run.placed} calls placed, {len(run.first_pops())} pops seen, {right} with the "
            f"expected name"
            + (f", {stray} of callers not placed in this run" if stray else "")
            + f"; goal p95 ≤ {GOAL_MS:g} ms: **{verdict}**"
            + (f" (p95 {p95(latencies):.0f} ms)." if latencies else " (no pop seen).")
        )
        lines += [f"- {run.vendor}: {problem}." for problem in run.problems]
    if postgres != "measured":
        lines.append(f"- PostgreSQL: {postgres}, not measured.")
    lines.append(
        "- The caller lookup alone (`crm.customers.customers_for_caller` with phones and "
        "vehicles, among 1,000,000 customers, every caller-ID form; goal p99 ≤ 5 ms): "
        "`bench/results/customer_lookup.md` (`python -m bench.customer_lookup`)."
    )
    return "\n".join(lines)


# === main ======================================================================================
def postgres_url() -> str:
    found = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "find-postgres")], capture_output=True, text=True
    )
    return found.stdout.strip()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pop_latency", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--calls", type=int, default=CALLS, help="measured calls per database")
    parser.add_argument("--rate", type=float, default=RATE, help="calls/s at most (%(default)s)")
    parser.add_argument("--talk", type=float, default=TALK, help="seconds of talk (%(default)s)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--work", type=Path, help="keep the logs in this folder (else a temp one)")
    parser.add_argument(
        "--no-write", action="store_true", help="print the results; leave bench/results alone"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trunk-port", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child(args.customers, args.calls, args.trunk_port)
        return
    runs: list[Run] = []
    base = "" if args.no_postgres else postgres_url()
    with ExitStack() as stack:
        if args.work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pop-")))
        else:
            work = args.work.resolve()
            work.mkdir(parents=True, exist_ok=True)
        runs.append(run_database("", args, work))
        print(f"pop_latency: sqlite p95 {p95(runs[-1].latencies()):.0f} ms", file=sys.stderr)
        if base:
            with postgres_database(base) as url:
                runs.append(run_database(url, args, work))
            print(f"pop_latency: postgresql p95 {p95(runs[-1].latencies()):.0f} ms",
                  file=sys.stderr)  # fmt: skip
        postgres = "measured" if base else "left out (--no-postgres)"
        if not base and not args.no_postgres:
            postgres = "none reachable (`tools/find-postgres`)"
        text = body(runs, args, postgres)
    title = f"Screen pop latency with {args.customers:,} customers"
    if args.no_write:
        print(f"# {title}\n\n{text}")
    else:
        write("pop_latency", title, text)


if __name__ == "__main__":
    main()
