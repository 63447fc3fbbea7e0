"""Playwright: the SLA report draws its charts (no blank chart: every canvas has drawn pixels) under the CSP, on a
desktop and at 375 px, and a number's drill-down opens its orders."""

import pytest

from weibao.slareports.tests.conftest import MARCH

pytestmark = pytest.mark.browser

DRAWN = """(id) => {
  const canvas = document.querySelector(`#${id} canvas`);
  if (!canvas) return 0;
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""
CHARTS = ("sla-chart-compliance", "sla-chart-severity", "sla-chart-times", "sla-chart-satisfaction")


def _open_report(page, contract):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"/sla-reports/?contract={contract.pk}&start={MARCH[0]}&end={MARCH[1]}")
    # Generous: on the shared CI box (load 10+) loading ECharts alone has taken over 15 s.
    page.wait_for_function("() => document.querySelectorAll('.sla-chart canvas').length === 4", timeout=60_000)
    page.wait_for_timeout(300)
    return violations


def test_sla_report_charts_draw(browser_page, live_server, login_as, manager, march, contract_a):
    page = login_as(manager)
    violations = _open_report(page, contract_a)
    for chart in CHARTS:
        assert page.evaluate(DRAWN, chart) > 500, f"{chart} is blank"
    # Judged at the real "now" (after 29 April 2026), O5's running clock is past due too: 2 met, 3 missed.
    assert page.get_by_test_id("fix-rate").inner_text() == "40.0%"
    assert violations == []
    page.get_by_test_id("n-major").click()
    page.wait_for_selector("[data-testid=drill-table]")
    assert page.locator("[data-testid=drill-table] tbody tr[data-order]").count() == 2


def test_sla_report_on_a_phone(phone_page, live_server, login_as, customer_a_user, march, contract_a):
    page = login_as(customer_a_user, page=phone_page)
    _open_report(page, contract_a)
    assert page.evaluate(DRAWN, "sla-chart-compliance") > 500
    # Nothing wider than the phone: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
