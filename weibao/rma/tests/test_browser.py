"""Issue 14 (RMA) in a real browser at 375 px: the commercial department quotes the repair fee on a phone, the
customer approves it through the one-time link without logging in, and the unit is shipped — a waybill of the wrong
form is refused on the page first. The page must not scroll sideways on the phone."""

import pytest

from weibao.core.tests.browser import login, screenshot
from weibao.rma.choices import Status
from weibao.rma.models import RmaCase

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_fee_link_approval_and_shipment_on_a_phone(chromium_browser, phone_page, paying_case, commercial):
    page, case = phone_page, paying_case
    login(page, commercial.username)
    page.goto(f"/rma/{case.pk}/")
    page.wait_for_selector("[data-testid=rma-warranty]")
    _no_sideways_scroll(page)

    # Quote the fee, shipping included.
    page.click("[data-testid=action-fee_quote] summary")
    form = page.locator("[data-testid=form-fee_quote]")
    form.locator("[name=repair]").fill("800")
    form.locator("[name=shipping_out]").fill("20")
    form.locator("[name=shipping_back]").fill("20")
    form.locator("[data-submit=fee_quote]").click()
    page.wait_for_selector("[data-testid=rma-fee-total]")
    assert "949.20" in page.inner_text("[data-testid=rma-fee-total]")

    # A link for the customer.
    page.click("[data-testid=action-fee_link] summary")
    link_form = page.locator("[data-testid=form-fee_link]")
    link_form.locator("[name=sent_to]").fill("13900000000")
    link_form.locator("[data-submit=fee_link]").click()
    page.wait_for_selector("[data-testid=rma-links]")
    approve_url = page.locator("[data-testid=rma-links] input").first.input_value()

    # The customer answers on its own phone, not logged in.
    context = chromium_browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    customer = context.new_page()
    customer.goto(approve_url)
    customer.fill("[name=name]", "王主任")
    customer.click("[data-submit=fee-link]")
    customer.wait_for_selector("[data-testid=fee-answer]")
    context.close()

    # Ship: a YTO number under SF is refused with the field error, then the right one goes.
    page.goto(f"/rma/{case.pk}/")
    page.click("[data-testid=action-ship_out] summary")
    ship = page.locator("[data-testid=form-ship_out]")
    ship.locator("[name=carrier]").select_option("sf")
    ship.locator("[name=waybill]").fill("YT1234567890123")
    ship.locator("[data-submit=ship_out]").click()
    page.wait_for_selector("[data-error-for=waybill]")
    _no_sideways_scroll(page)
    ship = page.locator("[data-testid=form-ship_out]")
    ship.locator("[name=waybill]").fill("SF1234567890123")
    ship.locator("[data-submit=ship_out]").click()
    page.wait_for_selector("[data-testid=waybill-out]")
    screenshot(page, "rma-case-phone")
    case.refresh_from_db()
    assert case.status == Status.SHIPPED_OUT
    assert RmaCase.objects.get(pk=case.pk).shipments.get().waybill == "SF1234567890123"
