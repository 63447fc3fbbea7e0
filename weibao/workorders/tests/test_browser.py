"""Issue 5 in a real browser (Chromium): the duty engineer's phone report through to the automatic close, and a
customer reporting in the portal (on a phone) and rejecting the resolution."""

import datetime as dt

import pytest

from weibao.core.tests.browser import logout, screenshot
from weibao.customers.models import Contact
from weibao.workorders.choices import EventKind, Status
from weibao.workorders.models import WorkOrder
from weibao.workorders.services import observation_close_due

pytestmark = pytest.mark.browser
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def wait_status(page, status: str) -> None:
    page.wait_for_selector(f'#wo-detail[data-status="{status}"]')


def quick(page, action: str, status: str) -> None:
    page.click(f'[data-action="{action}"]')
    wait_status(page, status)


def test_phone_report_to_automatic_close(browser_page, login_as, duty_engineer, manager, field_engineer, site_a):
    Contact.objects.create(
        customer=site_a.customer, organisation=site_a.organisation, site=site_a, name="王经理", mobile="13912345678"
    )
    page = login_as(duty_engineer)

    # Phone intake: find the caller by the number as it is typed, pick, describe, register.
    page.goto("/work-orders/new/")
    page.fill("#intake-q", "1391234")
    page.click("[data-testid=intake-results] button:has-text('王经理')")
    page.wait_for_selector("[data-testid=intake-picked]")
    assert page.input_value("select[name=site]") == str(site_a.pk)
    page.select_option("select[name=severity]", "B")
    page.fill("textarea[name=symptom]", "财务室网络中断，交换机指示灯不亮")
    page.click("[data-testid=intake-submit]")
    wait_status(page, "new")
    wo = WorkOrder.objects.get()
    assert wo.channel == "phone"
    assert wo.reporter_phone == "13912345678"

    # Triage and remote diagnosis, which does not solve it.
    quick(page, "acknowledge", "acknowledged")
    quick(page, "start_diagnosis", "diagnosing")
    page.click("[data-action-panel=log_work] summary")
    page.fill("#id_log_work-minutes", "20")
    page.fill("#id_log_work-note", "远程登录失败，设备无响应，需要现场处理")
    page.click("[data-submit=log_work]")
    page.wait_for_selector("[data-kind=work_logged]")
    logout(page)

    # The manager dispatches to the suggested field engineer.
    login_as(manager)
    page.goto(f"/work-orders/{wo.pk}/")
    page.click("[data-action-panel=dispatch] summary")
    page.check(f"[data-testid=suggestions] input[value='{field_engineer.pk}']")
    page.click("[data-submit=dispatch]")
    wait_status(page, "dispatched")
    assert field_engineer.name in page.inner_text("[data-testid=wo-assignee]")
    logout(page)

    # The field engineer accepts, arrives and resolves.
    login_as(field_engineer)
    page.goto(f"/work-orders/{wo.pk}/")
    page.click('[data-action="accept"]')
    page.wait_for_selector("[data-kind=accepted]")
    quick(page, "arrive", "on_site")
    page.click("[data-action-panel=resolve] summary")
    page.fill("#id_resolve-resolution", "更换交换机电源模块，网络恢复")
    page.select_option("#id_resolve-cause", "system")
    page.click("[data-submit=resolve]")
    wait_status(page, "resolved")
    wo.refresh_from_db()
    assert wo.observation_ends_at is not None

    # Nothing recurs during the observation period: the periodic job closes it.
    closed = observation_close_due(now=wo.observation_ends_at + dt.timedelta(minutes=1))
    assert closed == 1
    page.reload()
    wait_status(page, "closed")
    assert page.locator("[data-kind=closed]").count() == 1
    wo.refresh_from_db()
    assert wo.status == Status.CLOSED
    kinds = list(wo.events.order_by("id").values_list("kind", flat=True))
    assert kinds[:4] == [EventKind.CREATED, EventKind.ACKNOWLEDGED, EventKind.DIAGNOSIS_STARTED, EventKind.WORK_LOGGED]
    assert kinds[-1] == EventKind.CLOSED
    assert all(c.stopped_at for c in wo.clocks.all())


def test_customer_reports_in_portal_and_rejects_resolution(
    phone_page, login_as, customer_a_user, duty_engineer, site_a
):
    from weibao.workorders import services as svc

    page = login_as(customer_a_user, page=phone_page)
    page.goto("/work-orders/report/")
    page.select_option("select[name=site]", str(site_a.pk))
    page.select_option("select[name=severity]", "B")
    page.fill("input[name=title]", "会议室投影无信号")
    page.fill("textarea[name=symptom]", "三楼会议室投影仪显示无信号，已检查线缆")
    page.set_input_files(
        "input[name=attachments]", files=[{"name": "projector.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("[data-testid=portal-submit]")
    wait_status(page, "new")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "workorder-detail-375-customer")
    wo = WorkOrder.objects.get()
    assert wo.channel == "web"
    assert wo.attachments.count() == 1

    # Our side fixes it remotely.
    svc.workorder_acknowledge(workorder=wo, actor=duty_engineer)
    svc.workorder_resolve(workorder=wo, actor=duty_engineer, resolution="远程重置投影仪输入源")

    # The customer is not satisfied.
    page.reload()
    wait_status(page, "resolved")
    page.click("[data-action-panel=customer_reject] summary")
    page.fill("#id_customer_reject-reason", "重置后仍然无信号")
    page.click("[data-submit=customer_reject]")
    wait_status(page, "reopened")
    assert page.locator("[data-kind=customer_rejected]").count() == 1
    assert "重置后仍然无信号" in page.inner_text("[data-testid=timeline]")

    # The customer's list shows the order; at 375 px nothing is wider than the screen.
    page.goto("/work-orders/")
    assert wo.number in page.inner_text("[data-testid=queue]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The filters refresh the list in place (htmx) — folded on a phone until opened.
    page.click("details[data-filters] summary")
    page.select_option("#f-severity", "A")
    page.wait_for_function(f"() => !document.querySelector('[data-testid=queue]').innerText.includes('{wo.number}')")
    assert "severity=A" in page.url
    page.select_option("#f-severity", "B")
    page.wait_for_function(f"() => document.querySelector('[data-testid=queue]').innerText.includes('{wo.number}')")
    screenshot(page, "workorder-list-375-customer")
