"""The end of a work order's life at the center, in a real browser (seed 001 §4.7-4.8):
the unit has repaired 张三's fault and fed back; 王芳 (80002) sees the feedback, records the
callback visit (reached, satisfied) and closes the order."""

from __future__ import annotations

import json
import textwrap

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_shell import log_in
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e

# Runs inside the server's installation, through the same actions the pages use: the
# center sends the order down, 孙丽 (u1001) receives it and feeds back "repaired".
REPAIRED_ORDER = textwrap.dedent(
    """
    import json
    from callcenter.accounts.models import Unit, User
    from callcenter.tickets import actions
    from callcenter.tickets.choices import FeedbackKind, Kind

    agent = User.objects.get(agent_id="80001")
    operator = User.objects.get(agent_id="u1001")
    ticket = actions.create_ticket(
        agent, kind=Kind.FAULT, description="e2e 回访：空调不制冷", customer_name="张三",
        contact_phone="13800138000", vehicle_plate="粤B12345",
    )
    ticket = actions.dispatch(agent, ticket, version=ticket.version,
                              unit=Unit.objects.get(code="U1"))
    ticket = actions.receive(operator, ticket, version=ticket.version)
    ticket = actions.feedback(operator, ticket, version=ticket.version,
                              kind=FeedbackKind.NORMAL, repaired=True, result="更换压缩机，已修复")
    print(json.dumps({"pk": ticket.pk, "number": ticket.number}))
    """
)


def test_agent_sees_the_feedback_records_the_callback_and_closes(
    page: Page, callcenter: RunningCallcenter
) -> None:
    made = json.loads(callcenter.query(REPAIRED_ORDER).splitlines()[-1])
    # 80002: the shell test changes 80001's password on the shared server.
    log_in(page, callcenter.url, "80002", "80002", "70002")
    page.goto(f"{callcenter.url}/tickets/{made['pk']}/")
    expect(page.get_by_test_id("ticket-feedback")).to_contain_text("更换压缩机，已修复")
    expect(page.get_by_test_id("ticket-state")).to_have_text("已维修")

    callback = page.get_by_test_id("action-callback")
    callback.get_by_label("是").first.check()
    callback.get_by_label("满意", exact=True).check()
    callback.locator("textarea").fill("客户确认空调已恢复制冷")
    page.get_by_test_id("do-callback").click()
    expect(page.get_by_test_id("ticket-callback")).to_contain_text("客户确认空调已恢复制冷")

    page.get_by_test_id("do-close").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("已关闭")
    expect(page.get_by_test_id("ticket-history")).to_contain_text("回访")
