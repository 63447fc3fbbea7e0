"""Issue 22 in a real browser at 375 px: the customer reviews the submitted solution plan from the order page in
the portal on a phone and approves it; the duty engineer, in a second browser context, sees the approval on the
order's plan card and in the timeline."""

import pytest

from weibao.core.tests.browser import PHONE, login, screenshot
from weibao.plans.choices import PlanStatus

pytestmark = pytest.mark.browser


def test_the_customer_approves_a_plan_on_a_phone_and_the_engineer_sees_it(
    chromium_browser, live_server, phone_page, submitted_plan, order_a, customer_a_user, duty_engineer
):
    page = phone_page
    login(page, customer_a_user.username)
    page.goto(f"/work-orders/{order_a.pk}/")
    page.wait_for_selector('[data-testid=plan-status][data-status="submitted"]')
    page.click("[data-testid=plan-review]")
    page.wait_for_selector("[data-testid=plan-answer-form]")
    assert "更换电源模块并调整冗余配置" in page.inner_text("[data-testid=plan-body]")
    assert page.locator("[data-testid=internal-note]").count() == 0  # our note never reaches the customer
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # no sideways scrolling on the phone
    screenshot(page, "plans-customer-answer-375")
    page.click("[data-submit=approve]")
    page.wait_for_selector('[data-testid=plan-status][data-status="approved"]')
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.APPROVED

    desk = chromium_browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")
    try:
        engineer = desk.new_page()
        login(engineer, duty_engineer.username)
        engineer.goto(f"/work-orders/{order_a.pk}/")
        engineer.wait_for_selector('[data-testid=plan-status][data-status="approved"]')
        assert customer_a_user.name in engineer.inner_text("[data-testid=plans-card]")
        assert engineer.locator("[data-testid=order-milestones] li").count() == 1
        screenshot(engineer, "plans-engineer-sees-approval-375")
    finally:
        desk.close()
