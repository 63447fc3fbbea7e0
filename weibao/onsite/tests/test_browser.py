"""Issue 11 in a real browser at 375 px (a phone): the whole visit from arrival to the downloaded PDF, the
customer approving the quote by the one-time link in a second browser context without logging in, signatures
drawn with the pointer (a single dot refused before sending), and a half-filled form kept while offline and sent
when the connection is back."""

import pytest

from weibao.core.tests.browser import PHONE, login, screenshot
from weibao.onsite.choices import FormStatus, QuoteStatus
from weibao.onsite.models import Quote, Replacement, ServiceForm
from weibao.onsite.tests.pdfcheck import pdf_checks

pytestmark = pytest.mark.browser
CAUSE = "雷击导致电源模块烧毁"


@pytest.fixture
def dispatched_order(site_a, device_a, contract_a, manager, field_engineer):
    """An out-of-warranty order of customer A, dispatched to the field engineer (not yet on site)."""
    from weibao.customers.models import Contact
    from weibao.workorders import services as wo_services
    from weibao.workorders.models import WorkOrder
    from weibao.workorders.tests.factories import make_workorder

    Contact.objects.create(
        customer=site_a.customer,
        organisation=site_a.organisation,
        site=site_a,
        name="王经理",
        mobile="13912345678",
        email="wang@example.cn",
    )
    wo = make_workorder(site=site_a, actor=manager, devices=[device_a])
    WorkOrder.objects.filter(pk=wo.pk).update(contract=contract_a, in_warranty=False, chargeable=True)
    wo.refresh_from_db()
    wo_services.workorder_dispatch(workorder=wo, actor=manager, engineer=field_engineer)
    wo.refresh_from_db()
    return wo


def draw(page, selector: str, *, dot: bool = False) -> None:
    """Sign on the canvas with the pointer: a zigzag (a name), or a single tap."""
    canvas = page.locator(selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x0, y0 = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    if not dot:
        for i in range(1, 25):
            page.mouse.move(x0 + i * 11, y0 + (-30 if i % 2 else 30), steps=2)
    page.mouse.up()


def test_visit_on_a_phone_from_arrival_to_the_pdf(
    chromium_browser, live_server, phone_page, dispatched_order, field_engineer, tmp_path
):
    wo, page = dispatched_order, phone_page
    login(page, field_engineer.username)

    # Arrive, then open the on-site steps from the order page's card.
    page.goto(f"/work-orders/{wo.pk}/")
    page.click('[data-action="arrive"]')
    page.wait_for_selector('#wo-detail[data-status="on_site"]')
    page.click("[data-testid=onsite-open]")
    page.wait_for_selector("[data-testid=step-confirm]")

    # 1. The customer's system owner confirms; the cause is human (chargeable even in warranty).
    page.click("[data-step=confirm]")
    page.fill("#id_confirmed_by_name", "王经理")
    page.fill("#id_symptom", "财务室网络中断，交换机电源指示灯不亮")
    page.check("input[name=cause][value=human]")
    page.select_option("#id_human_cause", "misuse")
    page.click("[data-submit=confirm]")
    page.wait_for_selector("[data-testid=step-confirm] >> text=王经理")

    # 2. A quote; the order waits for the customer.
    page.click("[data-step=quote]")
    page.select_option("#id_lines-0-kind", "part")
    page.fill("#id_lines-0-description", "电源模块 PSU-150W")
    page.fill("#id_lines-0-quantity", "1")
    page.fill("#id_lines-0-unit_price", "800")
    page.click("[data-submit=quote]")
    page.wait_for_selector('[data-testid=quote-status][data-status="pending"]')
    assert page.is_visible("[data-testid=wait-reason]")
    quote = Quote.objects.get(workorder=wo)

    # The engineer sends the one-time link; the customer opens it on their own phone without logging in.
    page.click("[data-testid=quote-link]")
    page.select_option("#id_channel", "email")
    page.fill("#id_sent_to", "wang@example.cn")
    page.click("[data-submit=send-link]")
    link = page.inner_text("[data-testid=approval-link]").strip()
    customer = chromium_browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")
    try:
        public = customer.new_page()
        public.goto(link)
        assert str(quote.total) in public.inner_text("[data-testid=quote-total]")
        public.fill("#id_name", "王经理")
        public.click("[data-submit=approve]")
        public.wait_for_selector('[data-testid=public-done][data-status="approved"]')
        public.goto(link)  # the link is used up
        public.wait_for_selector('[data-testid=link-refused][data-code="used"]')
    finally:
        customer.close()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED

    # 3. Replacement, the customer signing once for both units; a single dot is refused before sending.
    page.goto(f"/on-site/{wo.pk}/")
    page.wait_for_selector('[data-testid=quote-status][data-status="approved"]')
    page.click("[data-step=replacement]")
    page.fill("#id_new_serial", "NEW-0002")
    page.fill("#id_new_model", "DS-2CD3T47")
    page.fill("#id_signer_name", "王经理")
    draw(page, "#id_signature-canvas", dot=True)
    page.click("[data-submit=replacement]")
    page.wait_for_selector("[data-signature-error]:not([hidden])")
    assert not Replacement.objects.exists()
    page.click("[data-signature-clear]")
    draw(page, "#id_signature-canvas")
    page.click("[data-submit=replacement]")
    page.wait_for_selector("[data-testid=replacement] >> text=NEW-0002")

    # 5. The service form, prefilled; rating and both signatures; signing freezes it.
    page.click("[data-step=form]")
    assert page.input_value("#id_customer_contact_name") == "王经理"
    page.fill("#id_inspection", "电源模块烧毁，其余部件正常")
    page.select_option("#id_cause", "human")
    page.fill("#id_cause_detail", CAUSE)
    page.fill("#id_work_done", "更换电源模块，测试网络恢复")
    page.check("input[name=solved][value=yes]")
    page.fill("#id_customer_contact_phone", "13912345678")
    page.fill("#id_engineer_phone", "13800000000")
    page.check("input[name=satisfaction][value='5']")
    page.fill("#id_customer_name", "王经理")
    draw(page, "#id_customer_signature-canvas")
    draw(page, "#id_engineer_signature-canvas")
    screenshot(page, "onsite-service-form-375")
    page.click("[data-submit=sign-form]")
    page.wait_for_selector('[data-testid=form-status][data-status="signed"]')
    screenshot(page, "onsite-visit-375")
    form = ServiceForm.objects.get(workorder=wo)
    assert form.status == FormStatus.SIGNED
    assert form.complete, form.missing

    # 6. The PDF, downloaded on the phone: Chinese cause, both serials, the total, the CJK font, rendered.
    with page.expect_download() as download:
        page.click("[data-testid=form-pdf]")
    path = tmp_path / "form.pdf"
    download.value.save_as(path)
    pdf_checks(path.read_bytes(), tmp_path, CAUSE, "OLD-0001", "NEW-0002", str(quote.total))
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_offline_draft_is_kept_and_sent_when_back_online(phone_page, dispatched_order, field_engineer):
    from weibao.workorders import services as wo_services

    wo, page = dispatched_order, phone_page
    wo_services.workorder_arrive(workorder=wo, actor=field_engineer)
    login(page, field_engineer.username)
    page.goto(f"/on-site/{wo.pk}/form/")
    page.context.set_offline(True)
    page.fill("#id_inspection", "离线填写：交换机风扇异响")
    page.click("[data-submit=save-form]")
    page.wait_for_selector("[data-testid=draft-status]:not([hidden])")
    assert page.get_attribute("form[data-draft]", "data-draft-state") == "queued"
    assert not ServiceForm.objects.filter(workorder=wo).exists()
    # A reload while offline would lose nothing either: the draft is in localStorage.
    stored = page.evaluate(f"localStorage.getItem('weibao-draft:form-{wo.pk}')")
    assert "离线填写" in stored
    page.context.set_offline(False)  # the "online" event sends the queued form
    page.wait_for_url(f"**/on-site/{wo.pk}/")
    form = ServiceForm.objects.get(workorder=wo)
    assert form.inspection == "离线填写：交换机风扇异响"
    assert page.evaluate(f"localStorage.getItem('weibao-draft:form-{wo.pk}')") is None
