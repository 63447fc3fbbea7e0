"""Issue 13 in a real browser at 375 px: the engineer asks for a taxi before the trip from the phone, the department
manager approves it from his phone, the engineer's claim after the trip is accepted (an unapproved one is refused
with the rule named); the KPI dashboard draws its ECharts charts under the CSP."""

import datetime as dt

import pytest
from django.utils import timezone

from weibao.core.tests.browser import login, logout
from weibao.payroll.models import TravelApproval, TravelClaim

pytestmark = pytest.mark.browser


def test_taxi_request_approval_and_claim_on_phones(phone_page, make_visit, field_engineer, dept_manager):
    wo = make_visit(field_engineer, timezone.now() - dt.timedelta(days=1))
    page = phone_page
    login(page, field_engineer.username)
    page.goto("/pay/travel/")
    page.select_option("#id_ask-workorder", str(wo.pk))
    page.select_option("#id_ask-kind", "taxi")
    page.fill("#id_ask-reason", "客户核心交换机宕机，紧急上门")
    page.click("[data-testid=ask] button[type=submit]")
    page.wait_for_selector("[data-testid=done]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 380  # no sideways scrolling on a phone
    logout(page)

    login(page, dept_manager.username)
    page.goto("/pay/travel/approvals/")
    page.click("[data-answer=approve]")
    page.wait_for_selector("text=没有待审批的申请")
    assert TravelApproval.objects.get().status == "approved"
    # The trip comes later: the approval was answered a quarter of an hour before it.
    TravelApproval.objects.update(answered_at=timezone.now() - dt.timedelta(minutes=15))
    logout(page)

    login(page, field_engineer.username)
    page.goto("/pay/travel/")
    page.select_option("#id_claim-workorder", str(wo.pk))
    page.select_option("#id_claim-kind", "taxi")
    trip = timezone.localtime() - dt.timedelta(minutes=5)
    page.fill("#id_claim-trip_at", trip.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_claim-amount", "56.80")
    page.fill("#id_claim-description", "公司→客户机房")
    page.click("[data-testid=claim] button[type=submit]")
    page.wait_for_selector("[data-testid=done]")
    assert TravelClaim.objects.get().status == "accepted"


def test_kpi_dashboard_draws_charts(browser_page, prepared_month, dept_manager, last_month):
    page = browser_page
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login(page, dept_manager.username)
    page.goto(f"/pay/kpi/?month={last_month:%Y-%m}")
    page.wait_for_selector("#pay-kpi-trend canvas")
    page.wait_for_selector("#pay-kpi-branches canvas")
    assert not [e for e in errors if "Content Security Policy" in e]


@pytest.fixture
def prepared_month(month_fixture, service_admin, last_month):
    from weibao.payroll import services

    return services.paymonth_prepare(month=last_month, actor=service_admin)
