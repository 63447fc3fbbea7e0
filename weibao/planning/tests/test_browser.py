"""Issue 15 in a real browser at 375 px: the duty engineer opens an A-class order on the hospital's core network,
sees its emergency plan at the top with tappable phone numbers, ticks a step (htmx), and the step is on the
order's timeline."""

import pytest

from weibao.core.tests.browser import PHONE, login, screenshot
from weibao.workorders.choices import EventKind

pytestmark = pytest.mark.browser


def test_emergency_plan_on_an_a_class_order(phone_page, emergency_plan, a_order, duty_engineer):
    page = phone_page
    login(page, duty_engineer.username)
    page.goto(f"/work-orders/{a_order.pk}/")
    page.wait_for_selector("[data-testid=emergency-panel]")
    assert "核心网络中断应急预案" in page.inner_text("[data-testid=emergency-panel]")
    assert page.locator("[data-testid=emergency-panel] a[href='tel:13912345678']").count() == 1
    page.click("[data-testid=tick-2]")
    page.wait_for_selector('[data-testid=emergency-step-2][data-done="true"]')
    screenshot(page, "emergency-panel-375")
    assert a_order.events.filter(kind=EventKind.EMERGENCY_STEP_DONE).count() == 1
    page.reload()
    page.wait_for_selector('[data-testid=emergency-step-2][data-done="true"]')
    assert "切换至备用核心交换机" in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
