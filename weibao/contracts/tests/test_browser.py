"""Browser: the yearly calendar with an override, the contract form's coverage reload, the SLA preview on a phone."""

import pytest

from weibao.contracts.tests.factories import CalendarFactory, ContractFactory, CustomerFactory, SiteFactory
from weibao.core.tests.browser import login, screenshot

pytestmark = pytest.mark.browser


def test_calendar_year_view_and_override(login_as, admin_user):
    cal = CalendarFactory(name="5x8 浏览器")
    page = login_as(admin_user)
    page.goto(f"/contracts/calendars/{cal.pk}/?year=2026")
    # 14 Feb 2026 (Saturday) is a make-up working day, 17 Feb is Spring Festival.
    assert "makeup" in page.get_attribute("td[title^='2026-02-14']", "class")
    assert "holiday" in page.get_attribute("td[title^='2026-02-17']", "class")
    page.fill("#id_date", "2026-12-24")
    page.select_option("#id_action", "closed")
    page.fill("#id_reason", "年会")
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_selector("text=年会")
    assert "override_closed" in page.get_attribute("td[title^='2026-12-24']", "class")
    screenshot(page, "contracts-calendar-year")


def test_contract_form_lists_the_chosen_customers_sites(login_as, manager):
    customer = CustomerFactory(name="甲医院")
    SiteFactory(customer=customer, name="门诊楼")
    CalendarFactory()
    page = login_as(manager)
    page.goto("/contracts/new/")
    page.select_option("#id_customer", str(customer.pk))
    page.wait_for_selector("text=门诊楼")


def test_customer_previews_deadlines_on_a_phone(phone_page, customer_a_user, customer_a_org):
    contract = ContractFactory(customer=CustomerFactory(organisation=customer_a_org), code="HT-PHONE")
    login(phone_page, customer_a_user.username)
    phone_page.goto(f"/contracts/preview/?contract={contract.pk}")
    phone_page.fill("#id_at", "2026-09-30T17:50")
    phone_page.click("[data-testid=preview-form] button[type=submit]")
    phone_page.wait_for_selector("[data-testid=preview]")
    text = phone_page.inner_text("[data-testid=preview]")
    assert "2026-10-08 09:05" in text
    assert "国庆节" in text
    screenshot(phone_page, "contracts-preview-375")


def test_manager_edits_sla_matrix(login_as, manager):
    contract = ContractFactory(code="HT-SLA")
    page = login_as(manager)
    page.goto(f"/contracts/{contract.pk}/")
    screenshot(page, "contracts-detail")
    page.click(f"a[href='/contracts/{contract.pk}/sla/']")
    page.fill("#id_targets-0-arrival_city_minutes", "1.5")
    page.fill("#id_targets-1-plan_minutes", "9000")  # more than 365 days: refused, nothing saved
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_selector(".errorlist")
    screenshot(page, "contracts-sla-error")
    page.fill("#id_targets-1-plan_minutes", "72")
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_selector("text=HT-SLA")
    assert "1 小时 30 分钟" in page.inner_text(".sla-matrix")


def test_entering_next_years_national_day_moves_a_preview_deadline(login_as, admin_user):
    """Issue 21: the official period entered through the UI changes a deadline across it."""
    contract = ContractFactory(code="HT-2027")
    page = login_as(admin_user)

    def preview_text() -> str:
        page.goto(f"/contracts/preview/?contract={contract.pk}")
        page.fill("#id_at", "2027-09-30T17:50")
        page.click("[data-testid=preview-form] button[type=submit]")
        page.wait_for_selector("[data-testid=preview]")
        return page.inner_text("[data-testid=preview]")

    assert "2027-10-06 09:05" in preview_text()  # estimated: the package has Oct 1–5
    page.goto("/contracts/calendars/")
    page.fill("#id_period-name", "国庆节")
    page.fill("#id_period-first_day", "2027-10-01")
    page.fill("#id_period-last_day", "2027-10-07")
    page.fill("#id_period-makeup_dates", "2027-09-26, 2027-10-09")
    page.click("[data-testid=period-form] button[type=submit]")
    page.wait_for_selector("text=国庆节 (放假调休)")
    screenshot(page, "contracts-holiday-period")
    text = preview_text()
    assert "2027-10-08 09:05" in text
    assert "国庆节 (放假调休)" in text
