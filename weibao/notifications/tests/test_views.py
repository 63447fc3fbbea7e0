"""Pages and API endpoints of the channels app: success, bad input, wrong state (409), no access (403/404)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from weibao.notifications.models import Delivery, InboundMessage
from weibao.notifications.selectors import delivery_list_for_workorder
from weibao.notifications.tests.factories import DeliveryFactory, MailboxFactory

pytestmark = pytest.mark.django_db

UNKNOWN_MAIL = (
    b"From: =?UTF-8?B?6LW15YWt?= <zhaoliu@elsewhere.example.com>\r\nTo: service@weibao.test\r\n"
    b"Subject: =?UTF-8?B?5ZKo6K+i?=\r\nMessage-ID: <triage-1@mail.example>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n\xe7\x9b\x91\xe6\x8e\xa7\xe6\x95\x85\xe9\x9a\x9c\r\n"
)


@pytest.fixture
def triaged(db):
    mailbox = MailboxFactory()
    row = InboundMessage(
        mailbox=mailbox,
        uidvalidity=1,
        uid=1,
        message_id="<triage-1@mail.example>",
        dedupe_key="k1",
        status="triage",
        from_address="zhaoliu@elsewhere.example.com",
        subject="咨询",
        reason="Unknown sender",
    )
    row.raw.save("triage-1.eml", ContentFile(UNKNOWN_MAIL), save=False)
    row.save()
    return row


def _api(client, user):
    client.force_login(user)
    return client


def test_delivery_log_lists_with_bounded_queries(client, manager, order_a, django_assert_max_num_queries):
    for _ in range(5):
        DeliveryFactory(workorder=order_a, status="failed", reason="SMTP 550")
    client.force_login(manager)
    # Warm first: per-process caches (menu, cached counts) filled by earlier tests or not must not move the count;
    # the bound is about rows (no query per delivery).
    client.get(reverse("notifications:log"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:log"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="delivery-row"') == 5
    for _ in range(10):
        DeliveryFactory(workorder=order_a, status="failed", reason="SMTP 550")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notifications:log")).content.decode().count('data-testid="delivery-row"') == 15


def test_delivery_log_htmx_filter_returns_rows_only(client, manager, order_a):
    DeliveryFactory(workorder=order_a, status="sent")
    DeliveryFactory(workorder=order_a, status="failed")
    client.force_login(manager)
    response = client.get(reverse("notifications:log"), {"status": "failed"}, HTTP_HX_REQUEST="true")
    assert response.content.decode().count('data-testid="delivery-row"') == 1
    assert "<html" not in response.content.decode()


def test_delivery_log_is_for_managers_only(client, field_engineer, customer_a_user):
    for user in (field_engineer, customer_a_user):
        client.force_login(user)
        assert client.get(reverse("notifications:log")).status_code == 403


def test_retry_page_action(client, manager, order_a, smtp):
    delivery = DeliveryFactory(workorder=order_a, status="failed", recipient="zhangsan@jia.example.cn")
    client.force_login(manager)
    response = client.post(reverse("notifications:retry", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status in ("retrying", "sent")


def test_deliveries_partial_and_selector(order_a, manager, customer_a_user):
    from django.template.loader import render_to_string

    DeliveryFactory(workorder=order_a, status="retrying", reason="cannot reach")
    assert list(delivery_list_for_workorder(order_a, customer_a_user)) == []
    html = render_to_string(
        "notifications/partials/_deliveries.html", {"deliveries": delivery_list_for_workorder(order_a, manager)}
    )
    assert 'data-testid="deliveries"' in html
    assert "cannot reach" in html


def test_received_mail_list_with_bounded_queries(client, duty_engineer, triaged, django_assert_max_num_queries):
    for uid in range(2, 7):
        InboundMessage.objects.create(
            mailbox=triaged.mailbox,
            uidvalidity=1,
            uid=uid,
            dedupe_key=f"k{uid}",
            status="triage",
            subject=f"mail {uid}",
            raw="inbound/x.eml",
        )
    client.force_login(duty_engineer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications:inbound"), {"status": "triage"})
    assert response.content.decode().count("notifications/mail/") >= 6


def test_triage_page_assigns_to_a_customer(client, duty_engineer, triaged, customer_a, smtp):
    client.force_login(duty_engineer)
    page = client.get(reverse("notifications:inbound"))
    assert "咨询" in page.content.decode()
    site = customer_a.sites.first()

    response = client.post(
        reverse("notifications:inbound_detail", args=[triaged.pk]), {"customer": customer_a.pk, "site": site.pk}
    )

    assert response.status_code == 302
    triaged.refresh_from_db()
    assert triaged.status == "order_created"
    assert triaged.workorder.customer == customer_a
    assert triaged.workorder.reported_by == duty_engineer
    assert triaged.handled_by == duty_engineer
    assert "监控故障" in triaged.workorder.symptom


def test_triage_page_refuses_site_of_another_customer(client, duty_engineer, triaged, customer_a, customer_b):
    client.force_login(duty_engineer)
    response = client.post(
        reverse("notifications:inbound_detail", args=[triaged.pk]),
        {"customer": customer_a.pk, "site": customer_b.sites.first().pk},
    )
    assert response.status_code == 200
    triaged.refresh_from_db()
    assert triaged.status == "triage"


def test_set_aside_and_raw_download(client, duty_engineer, triaged):
    client.force_login(duty_engineer)
    raw = client.get(reverse("notifications:inbound_raw", args=[triaged.pk]))
    assert b"".join(raw.streaming_content) == UNKNOWN_MAIL
    assert raw["Content-Disposition"].startswith("attachment")
    client.post(reverse("notifications:inbound_set_aside", args=[triaged.pk]), {"note": "spam"})
    triaged.refresh_from_db()
    assert (triaged.status, triaged.reason) == ("ignored", "spam")


def test_customers_cannot_see_received_mail(client, customer_a_user, triaged):
    client.force_login(customer_a_user)
    assert client.get(reverse("notifications:inbound")).status_code == 403
    assert client.get(reverse("notifications:inbound_detail", args=[triaged.pk])).status_code == 403


def test_preferences_page_saves(client, customer_a_user):
    client.force_login(customer_a_user)
    response = client.post(
        reverse("notifications:preferences"),
        {"notices": ["resolved", "closed"], "channels": ["email"], "quiet_start": "22:00", "quiet_end": "07:00"},
    )
    assert response.status_code == 302
    pref = customer_a_user.notification_preference
    assert pref.notices == ["closed", "resolved"]
    assert str(pref.quiet_end) == "07:00:00"


def test_preferences_page_refuses_half_quiet_hours(client, customer_a_user):
    client.force_login(customer_a_user)
    response = client.post(reverse("notifications:preferences"), {"quiet_start": "22:00"})
    assert response.status_code == 200
    assert not hasattr(customer_a_user, "notification_preference") or customer_a_user.notification_preference is None


# --- API ------------------------------------------------------------------------------------------------------------


def test_api_deliveries_and_retry(client, manager, order_a, smtp):
    delivery = DeliveryFactory(workorder=order_a, status="failed", recipient="zhangsan@jia.example.cn")
    _api(client, manager)
    listed = client.get("/api/notifications/deliveries", {"workorder_id": order_a.pk})
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()] == [delivery.pk]

    assert client.post(f"/api/notifications/deliveries/{delivery.pk}/retry").status_code == 200
    Delivery.objects.filter(pk=delivery.pk).update(status="sent")
    assert client.post(f"/api/notifications/deliveries/{delivery.pk}/retry").status_code == 409
    assert client.post("/api/notifications/deliveries/999999/retry").status_code == 404


def test_api_deliveries_forbidden_to_customers(client, customer_a_user):
    _api(client, customer_a_user)
    assert client.get("/api/notifications/deliveries").status_code == 403


def test_api_lists_refuse_unknown_filters(
    client, manager, duty_engineer, order_a, triaged, django_assert_max_num_queries
):
    for _ in range(3):
        DeliveryFactory(workorder=order_a, status="failed")
    _api(client, manager)
    with django_assert_max_num_queries(6):
        failed = client.get("/api/notifications/deliveries", {"status": "failed", "channel": "email"})
    assert failed.status_code == 200
    assert len(failed.json()) == 3
    assert client.get("/api/notifications/deliveries", {"status": "faild"}).status_code == 422
    assert client.get("/api/notifications/deliveries", {"channel": "fax"}).status_code == 422

    _api(client, duty_engineer)
    assert [m["id"] for m in client.get("/api/notifications/inbound", {"status": ""}).json()] == [triaged.pk]
    assert client.get("/api/notifications/inbound", {"status": "nonsense"}).status_code == 422


def test_api_assign_triaged_mail(client, duty_engineer, triaged, customer_a, customer_b, smtp):
    _api(client, duty_engineer)
    site_a, site_b = customer_a.sites.first(), customer_b.sites.first()
    url = f"/api/notifications/inbound/{triaged.pk}/assign"

    assert client.get("/api/notifications/inbound").json()[0]["id"] == triaged.pk
    bad = client.post(url, {"customer_id": customer_a.pk, "site_id": site_b.pk}, content_type="application/json")
    assert bad.status_code == 422
    missing = client.post(url, {"customer_id": 999999, "site_id": site_a.pk}, content_type="application/json")
    assert missing.status_code == 422
    ok = client.post(url, {"customer_id": customer_a.pk, "site_id": site_a.pk}, content_type="application/json")
    assert ok.status_code == 201
    assert ok.json()["status"] == "order_created"
    again = client.post(url, {"customer_id": customer_a.pk, "site_id": site_a.pk}, content_type="application/json")
    assert again.status_code == 409
    assert (
        client.post(
            "/api/notifications/inbound/999999/assign",
            {"customer_id": 1, "site_id": 1},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_api_preferences_roundtrip(client, customer_a_user, customer_b_user):
    _api(client, customer_a_user)
    put = client.put(
        "/api/notifications/preferences",
        {"notices": ["resolved"], "channels": ["sms"]},
        content_type="application/json",
    )
    assert put.status_code == 200
    assert client.get("/api/notifications/preferences").json()["notices"] == ["resolved"]
    bad = client.put("/api/notifications/preferences", {"channels": ["wecom"]}, content_type="application/json")
    assert bad.status_code == 422
    # another person's preferences are untouched (each user only ever reaches their own)
    _api(client, customer_b_user)
    assert client.get("/api/notifications/preferences").json()["notices"] == []


def test_handle_again_after_the_domain_is_added(client, duty_engineer, triaged, customer_a, smtp):
    customer_a.email_domains = "jia.example.cn, elsewhere.example.com"
    customer_a.save(update_fields=["email_domains"])
    client.force_login(duty_engineer)

    response = client.post(reverse("notifications:inbound_again", args=[triaged.pk]))

    assert response.status_code == 302
    triaged.refresh_from_db()
    assert triaged.status == "order_created"
    assert triaged.workorder.customer == customer_a
    again = client.post(reverse("notifications:inbound_again", args=[triaged.pk]), follow=True)
    assert triaged.workorder.number in again.content.decode()  # refused (409-like): still the same order
    triaged.refresh_from_db()
    assert triaged.status == "order_created"


def test_deliveries_panel_tag(rf, order_a, manager, customer_a_user):
    from django.template import Context, Template

    DeliveryFactory(workorder=order_a, status="failed", reason="SMTP 550 mailbox unavailable")
    page = Template("{% load notifications_ui %}{% deliveries_panel workorder %}")
    for user, visible in ((manager, True), (customer_a_user, False)):
        request = rf.get("/")
        request.user = user
        html = page.render(Context({"request": request, "workorder": order_a}))
        assert ("SMTP 550" in html) is visible


def test_order_page_loads_the_deliveries_panel_for_log_readers(client, manager, customer_a_user, order_a):
    DeliveryFactory(workorder=order_a, recipient="ops@example.com")
    detail = reverse("workorders:detail", args=[order_a.pk])
    fragment = reverse("notifications:order_deliveries", args=[order_a.pk])

    client.force_login(manager)
    assert f'hx-get="{fragment}"' in client.get(detail).text
    response = client.get(fragment, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "ops@example.com" in response.text

    # Customers neither get the panel nor the fragment.
    client.force_login(customer_a_user)
    assert fragment not in client.get(detail).text
    assert client.get(fragment).status_code == 403


def test_preferences_offer_only_the_notices_that_can_reach_the_person(client, customer_a_user, vendor_user, manager):
    """A customer is not asked about spare parts or taxi approvals (a vendor, were preferences open to them, only
    about escalations and questions); our staff see every notice."""
    from weibao.notifications.models import NotificationPreference
    from weibao.notifications.services import notice_choices_for

    pages = {}
    for user in (customer_a_user, manager):
        client.force_login(user)
        pages[user.role] = client.get(reverse("notifications:preferences")).content.decode()
    customer, staff = pages[customer_a_user.role], pages[manager.role]
    assert 'value="resolved"' in customer
    assert 'value="low_stock"' not in customer
    assert 'value="travel_approval"' not in customer
    assert 'value="low_stock"' in staff
    assert 'value="travel_approval"' in staff
    assert [value for value, _label in notice_choices_for(vendor_user)] == ["vendor_escalated", "vendor_question"]
    client.force_login(customer_a_user)
    refused = client.post(reverse("notifications:preferences"), {"notices": ["low_stock"], "channels": ["email"]})
    assert refused.status_code == 200  # not a choice for a customer: the form says so, nothing is saved
    assert not NotificationPreference.objects.filter(user=customer_a_user).exclude(notices=[]).exists()
