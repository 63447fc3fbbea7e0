"""Issue 18 in a real browser: a contact's site does not lock the site selector (§7), far and late visit times
(§4), and the field engineer's day on a phone — own jobs first, tap to call, on my way, arrived (§8)."""

import datetime as dt

import pytest
from django.utils import timezone

from weibao.customers.models import Contact
from weibao.workorders import services as svc
from weibao.workorders.models import WorkOrder
from weibao.workorders.tests.factories import SiteFactory, make_workorder

pytestmark = pytest.mark.browser


def test_site_picked_after_a_contact_sticks(browser_page, login_as, duty_engineer, site_a):
    other = SiteFactory(customer=site_a.customer, name="住院部")
    Contact.objects.create(
        customer=site_a.customer, organisation=site_a.organisation, site=site_a, name="吴晓燕", mobile="13813901234"
    )
    page = login_as(duty_engineer)
    page.goto("/work-orders/new/")
    page.fill("#intake-q", "1381390")
    page.click("[data-testid=intake-results] button:has-text('吴晓燕')")
    page.wait_for_selector("[data-testid=intake-picked]")
    assert page.input_value("select[name=site]") == str(site_a.pk)

    with page.expect_response(lambda r: "/work-orders/new/pick/" in r.url):
        page.select_option("select[name=site]", str(other.pk))
    page.wait_for_timeout(300)
    assert page.input_value("select[name=site]") == str(other.pk)  # it used to snap back to the contact's site
    page.fill("textarea[name=symptom]", "住院部护士站电话不通")
    page.click("[data-testid=intake-submit]")
    page.wait_for_selector("#wo-detail")
    assert WorkOrder.objects.get().site_id == other.pk


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_far_and_late_visit_times(browser_page, login_as, duty_engineer, site_a):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    arrival = wo.clocks.get(kind="arrival")
    page = login_as(duty_engineer)
    page.goto(f"/work-orders/{wo.pk}/")
    page.click("[data-action-panel=set_appointment] summary")
    page.wait_for_selector("#id_set_appointment-appointment_at")

    page.fill("#id_set_appointment-appointment_at", "2099-12-31T10:00")
    page.click("[data-submit=set_appointment]")
    error = page.wait_for_selector("[data-action-panel=set_appointment] .errorlist")
    assert "30" in error.inner_text()  # "at most 30 days ahead"
    wo.refresh_from_db()
    assert wo.appointment_at is None

    late = arrival.deadline + dt.timedelta(days=1)
    page.fill("#id_set_appointment-appointment_at", _local(late))
    page.click("[data-submit=set_appointment]")
    page.wait_for_selector("[data-action-panel=set_appointment] .errorlist >> text=/客户|customer/")
    wo.refresh_from_db()
    assert wo.appointment_at is None

    page.fill("#id_set_appointment-appointment_at", _local(late))
    page.check("#id_set_appointment-customer_agreed")
    page.fill("#id_set_appointment-note", "客户明天才有人开机房门")
    page.click("[data-submit=set_appointment]")
    page.wait_for_selector("[data-testid=pause-reason]")
    wo.refresh_from_db()
    assert wo.appointment_at is not None


def test_field_engineer_day_on_a_phone(phone_page, login_as, duty_engineer, manager, field_engineer, site_a):
    Contact.objects.create(
        customer=site_a.customer, organisation=site_a.organisation, site=site_a, name="周建华", mobile="13905161234"
    )
    wo = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="13812345678")
    svc.workorder_acknowledge(workorder=wo, actor=duty_engineer)
    svc.workorder_dispatch(workorder=wo, actor=manager, engineer=field_engineer)
    page = login_as(field_engineer, page=phone_page)

    page.goto("/")
    jobs = page.wait_for_selector("[data-testid=my-jobs]")
    assert wo.number in jobs.inner_text()
    first_card = page.locator("#wo-dashboard > section, #wo-dashboard > .grid").first
    assert first_card.get_attribute("data-testid") == "my-jobs"

    page.goto(f"/work-orders/{wo.pk}/")
    assert page.get_attribute("[data-testid=tel-reporter]", "href") == "tel:13812345678"
    assert page.get_attribute("[data-testid=tel-contact]", "href") == "tel:13905161234"
    assert page.is_visible("[data-action=accept]")
    assert page.locator("[data-action-panel=decline]").count() == 1
    page.click("[data-action=depart]")
    page.wait_for_selector("[data-kind=departed]")
    page.click("[data-action=arrive]")
    page.wait_for_selector('#wo-detail[data-status="on_site"]')
