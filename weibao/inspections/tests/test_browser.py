"""Issue 15 in a real browser at 375 px: the engineer does an inspection on a phone, records a reading out of
limits, turns the finding into a work order in one tap, the customer signs on the phone, and the report PDF
downloads with its Chinese text (pdftotext)."""

import pytest

from weibao.core.tests.browser import PHONE, login, screenshot
from weibao.inspections.choices import VisitStatus
from weibao.onsite.tests.pdfcheck import pdf_checks
from weibao.onsite.tests.test_browser import draw

pytestmark = pytest.mark.browser


def test_inspection_on_a_phone_to_the_signed_pdf(phone_page, visit_a, field_engineer, tmp_path):
    page = phone_page
    login(page, field_engineer.username)
    page.goto("/inspections/?status=planned")
    page.click(f"[data-testid=visit-{visit_a.pk}]")
    page.click("[data-submit=start]")
    page.wait_for_selector('[data-testid=visit-status][data-status="in_progress"]')

    answers = {a.text: a.pk for a in visit_a.answers.all()}
    yes_no, temp, log = answers["核心交换机运行指示灯正常"], answers["机房温度"], answers["日志告警摘要"]
    page.check(f"input[name=a{yes_no}_value][value=yes]")
    page.fill(f"#id_a{temp}_value", "31.5")
    page.fill(f"#id_a{temp}_finding", "精密空调制冷不足，机房温度超标")
    page.select_option(f"#id_a{temp}_risk", "high")
    page.fill(f"#id_a{log}_value", "无严重告警")
    page.click("[data-submit=answers]")
    page.wait_for_selector("[data-testid=out-of-limit]")

    # One tap: the finding becomes a work order, linked back on the visit.
    page.click(f"#answer-{temp} [data-testid=finding-to-order]")
    page.wait_for_selector(f"#answer-{temp} [data-testid=finding-order]")
    number = page.inner_text(f"#answer-{temp} [data-testid=finding-order]")
    screenshot(page, "inspection-visit-375")

    page.fill("#id_risk_analysis", "机房温度高于上限，存在设备过热宕机风险")
    page.fill("#id_recommendations", "尽快检修精密空调，加装温度告警")
    page.click("[data-submit=complete]")
    page.wait_for_selector('[data-testid=visit-status][data-status="completed"]')

    # The customer signs on the engineer's phone.
    page.fill("#id_customer_name", "王经理")
    draw(page, "#id_customer_signature-canvas")
    draw(page, "#id_engineer_signature-canvas")
    page.click("[data-submit=sign]")
    page.wait_for_selector('[data-testid=visit-status][data-status="signed"]')
    visit_a.refresh_from_db()
    assert visit_a.status == VisitStatus.SIGNED

    with page.expect_download() as download:
        page.click("[data-testid=report-pdf]")
    path = tmp_path / "report.pdf"
    download.value.save_as(path)
    pdf_checks(path.read_bytes(), tmp_path, "巡检报告", "机房温度", "精密空调制冷不足", "王经理", number.split()[-1])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
