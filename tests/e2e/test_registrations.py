"""The extensions page shows phones registering and leaving, live, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_shell import log_in
from tests.running import RunningCallcenter
from tests.sipclient import UdpPhone

pytestmark = pytest.mark.e2e


def test_registrations_appear_and_disappear_without_reload(
    page: Page, callcenter: RunningCallcenter
) -> None:
    # The server is shared by the session: take away whatever earlier tests left at 70002.
    with UdpPhone("70002", "70002", ("127.0.0.1", callcenter.sip_port)) as phone:
        assert phone.register(contact="*", expires=0).status == 200
    log_in(page, callcenter.url, "admin", "admin")
    page.goto(f"{callcenter.url}/telephony/extensions/")
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-connected", "true")
    expect(page.get_by_test_id("unregistered-70002")).to_have_text("未注册")
    page.evaluate("window.notReloaded = true")

    with UdpPhone("70002", "70002", ("127.0.0.1", callcenter.sip_port)) as phone:
        assert phone.register().status == 200
        registration = page.get_by_test_id("registration-70002")
        expect(registration).to_contain_text("已注册")
        expect(registration).to_contain_text(f"sip:70002@127.0.0.1:{phone.phone.port}")
        expect(registration).to_contain_text("TestPhone/1.0")
        expect(registration).to_contain_text("UDP")

        assert phone.register(expires=0).status == 200
        expect(page.get_by_test_id("unregistered-70002")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
