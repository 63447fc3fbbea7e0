"""Issue 12 in a real browser at 375 px (a phone): the department manager works the callback queue (tap-to-call link,
a not-reached try that comes back later, a reached call with a rating), and a complaint goes through its steps — the
manager registers, investigates and answers, the engineer adds a statement, the customer accepts in the portal."""

import pytest

from weibao.core.tests.browser import login, logout, screenshot
from weibao.feedback import services
from weibao.feedback.models import Callback, Complaint

pytestmark = pytest.mark.browser


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 376, f"the page is {width}px wide at 375px"


def test_manager_works_the_callback_queue_on_a_phone(phone_page, close_order, site_a, manager):
    first = close_order(site_a, severity="A")
    second = close_order(site_a, severity="B")
    services.callbacks_select()
    cb1, cb2 = Callback.objects.get(order=first), Callback.objects.get(order=second)
    page = phone_page
    login(page, manager.username)
    page.goto("/feedback/callbacks/")
    page.wait_for_selector("[data-testid=callback-queue]")
    assert page.get_attribute(f"[data-testid=call-{cb1.pk}]", "href") == "tel:13800000001"
    no_sideways_scroll(page)
    screenshot(page, "feedback-queue-375")

    # Not reached: counted, back in the queue later.
    page.click(f"[data-testid=record-{cb1.pk}]")
    page.wait_for_selector("[data-testid=result-form]")
    no_sideways_scroll(page)
    page.check("input[name=outcome][value=not_reached]")
    page.fill("#id_remark", "无人接听")
    page.click("[data-testid=save-result]")
    page.wait_for_selector("[data-testid=callback-queue]")
    assert not page.is_visible(f"[data-testid=callback-{cb1.pk}]")
    page.click("[data-testid=tab-later]")
    page.wait_for_selector(f"[data-testid=callback-{cb1.pk}]")

    # Reached without a rating: refused on the form, nothing stored; then with a rating.
    page.goto(f"/feedback/callbacks/{cb2.pk}/")
    page.check("input[name=outcome][value=reached]")
    page.click("[data-testid=save-result]")
    page.wait_for_selector('[data-error-for="satisfaction"]')
    page.check("input[name=outcome][value=reached]")
    page.check("input[name=satisfaction][value='4']")
    page.fill("#id_remark", "工程师很专业")
    page.click("[data-testid=save-result]")
    page.wait_for_selector("[data-testid=callback-queue], [data-testid=queue-empty]")
    page.click("[data-testid=tab-done]")
    page.wait_for_selector(f"[data-testid=callback-{cb2.pk}] >> text=工程师很专业")
    cb1.refresh_from_db()
    cb2.refresh_from_db()
    assert (cb1.status, cb1.attempts, cb2.status, cb2.satisfaction) == ("pending", 1, "done", 4)


def test_a_complaint_goes_through_its_steps(phone_page, order_a, manager, field_engineer, customer_a_user):
    page = phone_page
    login(page, manager.username)
    page.goto(f"/feedback/complaints/new/?order={order_a.pk}")
    page.wait_for_selector("[data-testid=complaint-form]")
    no_sideways_scroll(page)
    page.select_option("#id_category", "late")
    page.fill("#id_description", "工程师比约定时间晚到两小时")
    page.click("[data-testid=register]")
    page.wait_for_selector("[data-testid=complaint-status] >> text=已登记")
    complaint = Complaint.objects.get()
    assert complaint.engineer == field_engineer

    page.fill("#id_text", "调取到场记录")
    page.click("[data-testid=step-investigate]")
    page.wait_for_selector("[data-testid=complaint-status] >> text=调查中")
    page.click("[data-testid=step-answer]")  # empty answer: refused on the form
    page.wait_for_selector('[data-error-for="text"]')
    page.fill("#id_text", "已核实，对工程师进行批评教育，并向您致歉")
    page.click("[data-testid=step-answer]")
    page.wait_for_selector("[data-testid=complaint-status] >> text=已答复")
    page.click("[data-testid=step-confirm]")
    page.wait_for_selector("[data-testid=confirmed]")
    screenshot(page, "feedback-complaint-375")
    logout(page)

    login(page, field_engineer.username)
    page.goto(f"/feedback/complaints/{complaint.pk}/")
    assert "比约定时间晚到" not in page.content()
    page.fill("#id_text", "路上遇到事故封路")
    page.click("[data-testid=step-statement]")
    page.wait_for_selector("[data-testid=timeline] >> text=路上遇到事故封路")
    logout(page)

    login(page, customer_a_user.username)
    page.goto(f"/feedback/complaints/{complaint.pk}/")
    page.wait_for_selector("[data-testid=answer] >> text=向您致歉")
    assert "路上遇到事故封路" not in page.content()
    no_sideways_scroll(page)
    page.click("[data-testid=step-accept]")
    page.wait_for_selector("[data-testid=complaint-status] >> text=已关闭")
    kinds = page.eval_on_selector_all("[data-testid=timeline] li", "els => els.map(e => e.dataset.kind)")
    assert kinds == ["registered", "investigating", "answered", "closed"]
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert complaint.confirmed_at is not None
    assert Callback.objects.filter(complaint=complaint).exists()


def test_customer_archive_draws_the_satisfaction_trend(phone_page, close_order, site_a, customer_a, customer_a_user):
    close_order(site_a, severity="C", rating=4)
    page = phone_page
    login(page, customer_a_user.username)
    page.goto("/feedback/archives/")  # a customer goes straight to its own archive
    page.wait_for_selector('[data-testid=trend-chart][data-drawn="true"]')
    assert page.eval_on_selector("[data-testid=trend-chart] canvas", "c => c.width > 0 && c.height > 0")
    assert f"/feedback/archives/{customer_a.pk}/" in page.url
    no_sideways_scroll(page)
