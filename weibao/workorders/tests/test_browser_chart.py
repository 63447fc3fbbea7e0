"""Issue 18 §16: the status chart draws wherever the dashboard panel is loaded — its own page and the home page's
panel (fetched by htmx after the page shell) — checked by reading pixels off the chart's canvas."""

import pytest

from weibao.workorders.tests.factories import make_workorder

pytestmark = pytest.mark.browser

PAINTED = """() => {
  const canvas = document.querySelector('#wo-chart-states canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""


@pytest.mark.parametrize("path", ["/", "/work-orders/dashboard/"])
def test_status_chart_has_pixels(browser_page, login_as, manager, duty_engineer, site_a, path):
    make_workorder(site=site_a, actor=duty_engineer)
    page = login_as(manager)
    page.goto(path)
    page.wait_for_selector("#wo-chart-states")
    page.wait_for_function(f"() => ({PAINTED})() > 100", timeout=10_000)
    assert page.evaluate(PAINTED) > 100
