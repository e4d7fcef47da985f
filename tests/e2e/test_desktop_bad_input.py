"""The desktop with what real networks send (B2, B3): caller IDs that are empty,
"anonymous" or absurd; a GIS that times out or answers garbage; a second tab.

Callers are sipp on 127.0.0.1:5090 (the demo trunk `demo-gw`, no registration), with the
From header the test gives, dialling a DID the test routes straight to the service
queue; Lina (agent 80001) answers on a baresip 70001 that answers by itself. The GIS is a
small HTTP server of the test's on loopback.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_desktop import open_desktop, sign_in_ready
from tests.e2e.test_shell import log_in
from tests.interop.audio import speech_wav
from tests.interop.peers import BaresipPhone, SipAccount
from tests.interop.peers.sipp import SippResult, run_sipp
from tests.interop.test_contact_center import api, token_of
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e

SCENARIO = Path(__file__).parent / "scenarios" / "caller_id.xml"
DID = "4008000099"  # routed to queue:service by the test


@contextlib.contextmanager
def caller(callcenter: RunningCallcenter, folder: Path, from_header: str) -> Iterator[None]:
    """A sipp call from demo-gw with this From header, talking eight seconds; waits for
    it to end when the block ends, and checks it went through."""
    results: list[SippResult] = []

    def run() -> None:
        results.append(
            run_sipp(
                callcenter.sip_address,
                SCENARIO,
                folder,
                service=DID,
                local_port=5090,
                timeout=30,
                keys={"from": from_header},
            )
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    thread.join(40)
    assert results, "sipp did not end"
    assert results[0].ok, results[0].report()


class _Gis(http.server.BaseHTTPRequestHandler):
    """Positions take 3 s (longer than the desk waits); details are not JSON."""

    def do_GET(self) -> None:
        if self.path.endswith("/position"):
            time.sleep(3)
            body = b'{"lng": 114.0}'
        else:
            body = b"<html>502 Bad Gateway</html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the desk gave up waiting
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def broken_gis(callcenter: RunningCallcenter) -> Iterator[None]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gis)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider = {
        "base_url": f"http://127.0.0.1:{server.server_address[1]}",
        "position_path": "/vehicles/{plate}/position",
        "details_path": "/vehicles/{plate}",
        "timeout_seconds": 0.5,
    }
    set_gis = (
        "from callcenter.crm.models import GisSettings\n"
        "s = GisSettings.current()\n"
        "s.provider = {!r}\n"
        "s.save()\n"
    )
    callcenter.query(set_gis.format(provider))
    try:
        yield
    finally:
        callcenter.query(set_gis.format({}))  # the demo provider again
        server.shutdown()
        server.server_close()


def next_pop(page: Page, before: str | None) -> str:
    """Wait for a pop of another call than ``before``; its call id."""
    desk = page.get_by_test_id("desktop")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        call = desk.get_attribute("data-pop-call")
        if call and call != before:
            return call
        time.sleep(0.1)
    raise AssertionError("no pop within 15 s")


def end_wrap_up(page: Page) -> None:
    state = page.get_by_test_id("desk-agent-state")
    expect(state).to_have_attribute("data-state", "wrap_up", timeout=15_000)
    page.get_by_test_id("desk-end-wrapup").click()
    expect(state).to_have_attribute("data-state", "idle")


def test_odd_caller_ids_a_broken_gis_and_a_second_tab(
    page: Page, callcenter: RunningCallcenter, tmp_path: Path
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    callcenter.admin_session().post(
        "/telephony/routes/new/",
        {"did": DID, "trunk": "", "destination": "queue:service", "description": "e2e"},
    )
    token = token_of(callcenter, "80001")
    lina_voice = speech_wav(tmp_path / "lina.wav", "您好，这里是客服中心")
    with BaresipPhone(
        tmp_path / "lina", [SipAccount("70001", "70001", callcenter.sip_address)], wav=lina_voice
    ):
        try:
            log_in(page, callcenter.url, "80001", "80001", "70001")
            open_desktop(page, callcenter)
            sign_in_ready(page)
            last: str | None = None
            # No user part, "anonymous", 40 digits: the pop says it knows nobody.
            odd = [
                ("<sip:127.0.0.1:5090>", "号码未显示"),
                ('"Anonymous" <sip:anonymous@anonymous.invalid>', "号码未显示"),
                (f"<sip:{'1' * 40}@127.0.0.1:5090>", "1" * 40),
            ]
            for index, (from_header, shown) in enumerate(odd):
                with caller(callcenter, tmp_path / f"odd{index}", from_header):
                    last = next_pop(page, last)
                    expect(page.get_by_test_id("pop-not-found")).to_be_visible()
                    expect(page.get_by_test_id("pop-caller")).to_have_text(shown)
                    expect(page.get_by_test_id("pop-queue")).to_have_text("业务咨询")
                    phones = page.get_by_test_id("pop-new-customer").locator(
                        "[name=customer-phones]"
                    )
                    expect(phones).to_have_value("")  # nothing to offer as the number
                    expect(page.get_by_test_id("desk-message")).to_have_text("")
                end_wrap_up(page)

            # 张三 calls while the GIS is broken: a message each, the pop works on.
            with (
                broken_gis(callcenter),
                caller(callcenter, tmp_path / "zhang", "<sip:+8613800138000@127.0.0.1:5090>"),
            ):
                last = next_pop(page, last)
                expect(page.get_by_test_id("pop-name")).to_have_text("张三")
                page.get_by_test_id("position-粤B12345").click()
                expect(page.get_by_test_id("gis-粤B12345")).to_have_text(
                    "GIS 查询超时，请稍后再试。"
                )
                page.get_by_test_id("details-粤B12345").click()
                expect(page.get_by_test_id("gis-粤B12345")).to_contain_text("无法识别")
                expect(page.get_by_test_id("pop-ticket-fault")).to_be_visible()

                # A second tab of the same agent shows the call; closing it harms nothing.
                second = page.context.new_page()
                open_desktop(second, callcenter)
                expect(second.get_by_test_id("pop-name")).to_have_text("张三")
                expect(second.get_by_test_id("desk-agent-state")).to_have_attribute(
                    "data-state", "in_call"
                )
                second.close()
                page.get_by_test_id("desk-hold").click()
                expect(page.get_by_test_id("desk-agent-state")).to_have_attribute(
                    "data-state", "on_hold"
                )
                page.get_by_test_id("desk-resume").click()
                expect(page.get_by_test_id("desk-agent-state")).to_have_attribute(
                    "data-state", "in_call"
                )
            end_wrap_up(page)
            expect(page.get_by_test_id("desk-connection")).to_have_attribute(
                "data-connected", "true"
            )
            assert errors == []
        finally:
            with contextlib.suppress(AssertionError):
                api(callcenter, "POST", "/api/agents/80001/logout", token)
