"""Intake pages: the duty engineer's phone form with as-you-type search, and the customer portal report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from weibao.contracts.choices import IntakeChannel
from weibao.customers.models import Contact
from weibao.workorders.models import WorkOrder
from weibao.workorders.tests.factories import DeviceFactory, SiteFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def caller(site_a):
    return Contact.objects.create(
        customer=site_a.customer, organisation=site_a.organisation, site=site_a, name="王经理", mobile="13800138000"
    )


def test_search_finds_contact_by_phone_and_device_by_serial(client, duty_engineer, caller, site_a):
    device = DeviceFactory(site=site_a, serial_number="SN-ABC-123")
    client.force_login(duty_engineer)
    body = client.get(reverse("workorders:intake_search"), {"q": "138 0013"}, **HX).content.decode()
    assert "王经理" in body
    assert f"?contact={caller.pk}" in body
    body = client.get(reverse("workorders:intake_search"), {"q": "SN-ABC-123"}, **HX).content.decode()
    assert f"?device={device.pk}" in body
    body = client.get(reverse("workorders:intake_search"), {"q": "zzzzzz"}, **HX).content.decode()
    assert "<button" not in body
    assert '<li class="muted">' in body  # "nothing found", in whichever language the page speaks


def test_a_phone_number_finds_devices_only_by_exact_serial(client, duty_engineer, caller, site_a):
    """A caller's number is not searched in the devices' text (a trigram scan of every device at scale); a device
    whose serial number is exactly those digits is still found."""
    by_text = DeviceFactory(site=site_a, serial_number="X-1", name="机柜 13800138000 旁")
    by_serial = DeviceFactory(site=site_a, serial_number="13800138000")
    client.force_login(duty_engineer)
    body = client.get(reverse("workorders:intake_search"), {"q": "13800138000"}, **HX).content.decode()
    assert f"?contact={caller.pk}" in body
    assert f"?device={by_serial.pk}" in body
    assert f"?device={by_text.pk}" not in body
    body = client.get(reverse("workorders:intake_search"), {"q": "机柜 1380013"}, **HX).content.decode()
    assert f"?device={by_text.pk}" in body  # not a phone number: the text search as before


def test_pick_contact_fills_customer_site_and_caller(client, duty_engineer, caller, site_a):
    client.force_login(duty_engineer)
    body = client.get(reverse("workorders:intake_pick"), {"contact": caller.pk}, **HX).content.decode()
    assert site_a.customer.name in body
    assert f'value="{site_a.pk}" selected' in body
    assert "13800138000" in body


def test_phone_report_creates_order_with_phone_channel(client, duty_engineer, caller, site_a):
    device = DeviceFactory(site=site_a)
    client.force_login(duty_engineer)
    response = client.post(
        reverse("workorders:new"),
        {
            "customer": site_a.customer_id,
            "site": site_a.pk,
            "contact": caller.pk,
            "devices": [device.pk],
            "reporter_name": "王经理",
            "reporter_phone": "13800138000",
            "channel": "phone",
            "severity": "A",
            "category": "network",
            "title": "",
            "symptom": "全楼断网",
        },
    )
    assert response.status_code == 302
    wo = WorkOrder.objects.get()
    assert (wo.channel, wo.severity, wo.contact, wo.site) == (IntakeChannel.PHONE, "A", caller, site_a)
    assert list(wo.devices.all()) == [device]
    assert response["Location"] == reverse("workorders:detail", args=[wo.pk])


def test_phone_report_invalid_input(client, duty_engineer, site_a, site_b):
    client.force_login(duty_engineer)
    base = {"channel": "phone", "severity": "B", "category": "other", "symptom": "故障"}
    response = client.post(reverse("workorders:new"), base)
    assert response.status_code == 422
    # a site of another customer is refused
    response = client.post(reverse("workorders:new"), {**base, "customer": site_a.customer_id, "site": site_b.pk})
    assert response.status_code == 422
    response = client.post(
        reverse("workorders:new"), {**base, "customer": site_a.customer_id, "site": site_a.pk, "symptom": ""}
    )
    assert response.status_code == 422
    other_device = DeviceFactory(site=site_b)
    response = client.post(
        reverse("workorders:new"),
        {**base, "customer": site_a.customer_id, "site": site_a.pk, "devices": [other_device.pk]},
    )
    assert response.status_code == 422
    # "²" passes str.isdigit() but not int(): a form error, never a server error
    response = client.post(
        reverse("workorders:new"),
        {**base, "customer": site_a.customer_id, "site": site_a.pk, "symptom": "", "devices": ["²"]},
    )
    assert response.status_code == 422
    assert not WorkOrder.objects.exists()


def test_customer_is_sent_to_portal_and_cannot_search(client, customer_a_user):
    client.force_login(customer_a_user)
    assert client.get(reverse("workorders:new"))["Location"] == reverse("workorders:portal_new")
    body = client.get(reverse("workorders:intake_search"), {"q": "甲公司"}).content.decode()
    assert "甲公司" not in body or "search-results" not in body


def test_portal_report_with_photo(client, customer_a_user, site_a):
    SiteFactory(customer=site_a.customer, name="甲公司分部")
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
        b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    client.force_login(customer_a_user)
    page = client.get(reverse("workorders:portal_new")).content.decode()
    assert "甲公司分部" in page
    response = client.post(
        reverse("workorders:portal_new"),
        {
            "site": site_a.pk,
            "severity": "B",
            "title": "门禁失灵",
            "symptom": "<b>一楼门禁</b>刷卡无反应",
            "attachments": [SimpleUploadedFile("door.png", png, content_type="image/png")],
        },
    )
    assert response.status_code == 302
    wo = WorkOrder.objects.get()
    assert wo.channel == IntakeChannel.WEB
    assert wo.attachments.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "&lt;b&gt;一楼门禁&lt;/b&gt;" in detail


def test_portal_refuses_other_organisations_site(client, customer_a_user, site_b):
    client.force_login(customer_a_user)
    response = client.post(reverse("workorders:portal_new"), {"site": site_b.pk, "severity": "B", "symptom": "x"})
    assert response.status_code == 422
    assert not WorkOrder.objects.exists()


def test_staff_portal_link_goes_to_phone_form(client, duty_engineer):
    client.force_login(duty_engineer)
    assert client.get(reverse("workorders:portal_new"))["Location"] == reverse("workorders:new")
