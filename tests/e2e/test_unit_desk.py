"""The second-level acceptance desk in a real browser (seed 001 chapter 4): 孙丽 (u1001,
福田维修站) sees what waits, returns one order (first without a reason: refused), receives
another and assigns it, gives feedback, prints it, and confirms a batch in which one order
changed meanwhile."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_shell import log_in
from tests.running import RunningCallcenter

pytestmark = pytest.mark.e2e

# Runs inside the server's installation: the center (李娜, 80001) sends fault orders down
# to 福田维修站 through the same actions the pages use; one comes back as re-repair.
SEND_ORDERS = textwrap.dedent(
    """
    import json
    from callcenter.accounts.models import Unit, User
    from callcenter.tickets import actions
    from callcenter.tickets.choices import Kind
    from callcenter.tickets.models import ReturnReason, Ticket

    agent = User.objects.get(agent_id="80001")
    operator = User.objects.get(agent_id="u1001")
    futian = Unit.objects.get(code="U1")

    def order(text):
        ticket = actions.create_ticket(
            agent, kind=Kind.FAULT, description=text, customer_name="王芳",
            contact_phone="13700001111", address="深圳市福田区深南大道 1001 号",
        )
        return actions.dispatch(agent, ticket, version=ticket.version, unit=futian)

    made = {name: order(f"e2e 二级受理 {name}：充电桩无法启动") for name in "ABDEF"}
    again = order("e2e 二级受理 C：上次维修后仍无法充电")
    again = actions.return_order(
        operator, again, version=again.version, reason=ReturnReason.objects.first()
    )
    made["C"] = actions.resend(agent, again, version=again.version)
    waiting = Ticket.objects.in_unit_scope(operator).filter(kind=Kind.FAULT)
    new, rerepair = waiting.receive_counts()
    print(json.dumps({
        "numbers": {name: ticket.number for name, ticket in made.items()},
        "new": new, "rerepair": rerepair,
    }))
    """
)

# Someone else receives order D while the operator's page still shows it as waiting.
RECEIVE_D = textwrap.dedent(
    """
    from callcenter.accounts.models import User
    from callcenter.tickets import actions
    from callcenter.tickets.models import Ticket

    ticket = Ticket.objects.get(number="{number}")
    actions.receive(User.objects.get(agent_id="u1001"), ticket, version=ticket.version)
    """
)


def row_result(page: Page, number: str) -> str:
    return page.locator(f"tr[data-ticket='{number}']").get_attribute("data-result") or ""


def wait_live(page: Page) -> None:
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-connected", "true")
    page.wait_for_timeout(400)  # the refresh the page makes once connected


def test_unit_operator_receives_returns_assigns_feeds_back_and_prints(
    page: Page, callcenter: RunningCallcenter
) -> None:
    base = callcenter.url
    setup = json.loads(callcenter.query(SEND_ORDERS).splitlines()[-1])
    numbers: dict[str, str] = setup["numbers"]

    log_in(page, base, "u1001", "u1001")
    expect(page.get_by_test_id("unit")).to_have_text("福田维修站")
    page.locator(".sidebar").get_by_role("link", name="接单", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dispatch/receive/$"))
    wait_live(page)
    total = setup["new"] + setup["rerepair"]
    expect(page.get_by_test_id("count-total")).to_have_text(str(total))
    expect(page.get_by_test_id("count-new")).to_have_text(str(setup["new"]))
    expect(page.get_by_test_id("count-rerepair")).to_have_text(str(setup["rerepair"]))
    assert setup["rerepair"] >= 1
    expect(page.locator(f"tr[data-ticket='{numbers['C']}']")).to_contain_text("重新维修")

    # Return A without a reason: refused, with the message; nothing changed.
    page.get_by_test_id(f"return-{numbers['A']}").check()
    page.get_by_test_id("confirm").click()
    expect(page.locator(f"tr[data-ticket='{numbers['A']}']")).to_have_attribute(
        "data-result", "refused"
    )
    expect(page.get_by_test_id("refusal")).to_contain_text("请填写原因")
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("count-total")).to_have_text(str(total))

    # A second window on the same desk sees the change live.
    watcher = page.context.new_page()
    watcher.goto(f"{base}/dispatch/receive/")
    wait_live(watcher)
    wait_live(page)

    # Return A with a reason; receive B.
    page.get_by_test_id(f"return-{numbers['A']}").check()
    page.get_by_test_id(f"reason-{numbers['A']}").select_option(label="非本单位辖区")
    page.get_by_test_id(f"notes-{numbers['A']}").fill("属南山区")
    page.get_by_test_id(f"receive-{numbers['B']}").check()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("results-summary")).to_contain_text("2 件完成，0 件被拒绝")
    assert row_result(page, numbers["A"]) == "done"
    assert row_result(page, numbers["B"]) == "done"
    expect(page.locator(f"tr[data-ticket='{numbers['A']}']")).to_contain_text("已退单")
    expect(page.locator(f"tr[data-ticket='{numbers['B']}']")).to_contain_text("维修中")
    expect(watcher.get_by_test_id("count-total")).to_have_text(str(total - 2))
    watcher.close()

    # B: assign 何建国, then feedback: delayed, then repaired.
    page.locator(f"tr[data-ticket='{numbers['B']}']").get_by_role("link", name="详情").click()
    expect(page.get_by_test_id("state")).to_have_text("维修中")
    assign = page.get_by_test_id("assign-form")
    assign.locator("select[name=handler]").select_option(label="何建国（福田维修站）")
    assign.get_by_test_id("assign").click()
    assert row_result(page, numbers["B"]) == "done"
    page.locator(f"tr[data-ticket='{numbers['B']}']").get_by_role("link", name="详情").click()
    expect(page.get_by_test_id("handler")).to_contain_text("何建国")

    feedback = page.get_by_test_id("feedback-form")
    feedback.locator("input[name=kind][value=delayed]").check()
    feedback.locator("textarea[name=feedback_reason]").fill("等待充电模块到货")
    feedback.get_by_test_id("feedback").click()
    expect(page.locator(f"tr[data-ticket='{numbers['B']}']")).to_contain_text("延后维修")
    page.locator(f"tr[data-ticket='{numbers['B']}']").get_by_role("link", name="详情").click()
    expect(page.get_by_test_id("state")).to_have_text("延后维修")
    expect(page.get_by_test_id("late-return-form")).to_have_count(0)  # feedback was given

    feedback = page.get_by_test_id("feedback-form")
    feedback.locator("input[name=kind][value=normal]").check()
    feedback.locator("input[name=repaired]").check()
    feedback.locator("textarea[name=result]").fill("更换充电模块，现场试充正常")
    feedback.get_by_test_id("feedback").click()
    expect(page.locator(f"tr[data-ticket='{numbers['B']}']")).to_contain_text("已维修")
    page.locator(f"tr[data-ticket='{numbers['B']}']").get_by_role("link", name="详情").click()
    expect(page.get_by_test_id("feedback-info")).to_contain_text("更换充电模块，现场试充正常")
    expect(page.get_by_test_id("history")).to_contain_text("延后维修")

    # The printable work order.
    page.get_by_test_id("print-link").click()
    expect(page.locator("h1")).to_have_text("维修单")
    expect(page.get_by_test_id("work-order")).to_contain_text(numbers["B"])
    expect(page.get_by_test_id("work-order")).to_contain_text("何建国")
    expect(page.locator(".sidebar")).to_have_count(0)
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_test_id("print").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print")).to_be_hidden()
    page.emulate_media(media="screen")


def test_batch_receive_reports_each_order(page: Page, callcenter: RunningCallcenter) -> None:
    base = callcenter.url
    numbers: dict[str, str] = json.loads(callcenter.query(SEND_ORDERS).splitlines()[-1])["numbers"]
    log_in(page, base, "u1001", "u1001")
    page.goto(f"{base}/dispatch/receive/")
    wait_live(page)

    select_all = page.get_by_test_id("select-all")
    select_all.check()
    boxes = page.locator("input[name=selected]")
    assert boxes.count() >= 6
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    select_all.uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))

    for name in "DEF":
        page.get_by_role("checkbox", name=numbers[name], exact=True).check()
    callcenter.query(RECEIVE_D.format(number=numbers["D"]))  # changed meanwhile
    page.get_by_test_id("batch-receive").check()
    page.locator("[data-testid=batch-area] select[name=handler]").select_option(
        label="罗小军（福田维修站）"
    )
    page.get_by_test_id("confirm").click()

    expect(page.get_by_test_id("results-summary")).to_contain_text("2 件完成，1 件被拒绝")
    assert row_result(page, numbers["D"]) == "refused"
    assert row_result(page, numbers["E"]) == "done"
    assert row_result(page, numbers["F"]) == "done"
    expect(page.locator(f"tr[data-ticket='{numbers['D']}']")).to_contain_text("请刷新后重试")
    page.get_by_test_id("back").click()
    for name in "DEF":
        expect(page.locator(f"tr[data-ticket='{numbers[name]}']")).to_have_count(0)
    page.goto(f"{base}/dispatch/orders/")
    expect(page.locator(f"tr[data-ticket='{numbers['E']}']")).to_contain_text("罗小军")
