"""The main pages run under the Content-Security-Policy without a single violation (issue 19, point 6): every
script, style and handler comes from our static files, the ECharts dashboard still draws, and /api/docs renders the
vendored Swagger UI with no request leaving the site."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.browser

# Registered before any page script (Playwright's init scripts are not subject to the page's CSP).
COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""


def _watch(page, origin: str) -> tuple[list[str], list[str]]:
    """CSP violations (event + console) and any request to another origin."""
    violations, foreign = [], []
    page.context.add_init_script(COLLECT)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: None if r.url.startswith(("data:", "blob:", origin)) else foreign.append(r.url))
    return violations, foreign


def _visit(page, url: str, violations: list[str], ready: str | None = None) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    if ready:
        page.wait_for_selector(ready, timeout=20_000)
    page.wait_for_load_state("networkidle")
    violations.extend(f"{url}: {v}" for v in page.evaluate("window.__cspViolations"))


@pytest.fixture
def estate(admin_user):
    from weibao.assets.tests.factories import DeviceFactory
    from weibao.contracts.tests.factories import CalendarFactory
    from weibao.workorders import services
    from weibao.workorders.tests.factories import make_workorder

    wo = make_workorder(actor=admin_user)
    services.workorder_add_attachments(
        workorder=wo, actor=admin_user, files=[SimpleUploadedFile("日志.log", b"port down\n" * 20, "text/plain")]
    )
    return {"order": wo, "device": DeviceFactory(), "calendar": CalendarFactory()}


def test_main_pages_have_no_csp_violations(browser_page, live_server, login_as, admin_user, estate):
    page = browser_page
    violations, foreign = _watch(page, live_server.url)
    _visit(page, "/accounts/login/", violations)
    login_as(admin_user)
    pages = [
        ("/", "[data-testid=home-panel]"),
        ("/work-orders/", None),
        (reverse("workorders:detail", args=[estate["order"].pk]), "[data-testid=clocks]"),
        ("/work-orders/new/", "[data-testid=intake-form]"),
        ("/work-orders/dashboard/", None),
        ("/customers/", None),
        ("/estate/devices/", None),
        (reverse("assets:briefing_device", args=[estate["device"].pk]), "[data-testid=briefing]"),
        ("/contracts/", None),
        (reverse("contracts:calendar_detail", args=[estate["calendar"].pk]), None),
        ("/dispatch/roster/", None),
        ("/notifications/", None),
        ("/accounts/users/", None),
        ("/accounts/profile/", None),
        ("/system/", None),
        ("/admin/", None),
    ]
    for url, ready in pages:
        _visit(page, url, violations, ready)
    assert violations == []
    assert foreign == []

    # The collector itself works: markup with a style attribute, inserted now, is refused and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert "style-src" in page.evaluate("window.__cspViolations")[0]


def test_echarts_dashboard_draws_and_shows_its_tooltip(browser_page, live_server, login_as, admin_user, estate):
    page = login_as(admin_user)
    violations, _foreign = _watch(page, live_server.url)
    _visit(page, "/work-orders/dashboard/", violations)
    page.reload()
    page.wait_for_function("() => document.querySelector('#wo-chart-states canvas') !== null")
    # Show the tooltip of every bar (ECharts' default HTML tooltip would break the policy with style="…" markup).
    shown = page.evaluate("""() => {
      const chart = echarts.getInstanceByDom(document.getElementById("wo-chart-states"));
      const bars = chart.getOption().series[0].data.length;
      for (let i = 0; i < bars; i++) chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: i });
      return bars;
    }""")
    assert shown > 0
    page.wait_for_timeout(300)
    violations.extend(page.evaluate("window.__cspViolations"))
    assert violations == []


def test_api_docs_render_offline(browser_page, live_server, login_as, admin_user):
    page = login_as(admin_user)
    violations, foreign = _watch(page, live_server.url)
    # Offline: anything not from the site itself fails, as on an intranet without Internet access.
    page.context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live_server.url) else r.abort())
    _visit(page, "/api/docs", violations, ready=".opblock")
    assert page.locator(".opblock").count() > 10
    page.locator(".opblock-summary").first.click()
    page.wait_for_timeout(300)
    violations.extend(page.evaluate("window.__cspViolations"))
    assert violations == []
    assert foreign == []
