"""The work-order pages: queue, detail with actions (htmx), comments, attachments — success, bad input, 409, 404."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from weibao.workorders import services as svc
from weibao.workorders.choices import EventKind, Status
from weibao.workorders.models import WorkOrder, WorkOrderEvent
from weibao.workorders.tests.factories import DeviceFactory, SiteFactory, make_workorder

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _fresh_counts(settings):
    settings.WEIBAO_QUEUE_COUNTS_TTL = 0  # the queue's cached counts would leak between tests


def act(client, wo, name, data=None, **extra):
    return client.post(reverse("workorders:action", args=[wo.pk, name]), data or {}, **extra)


# --- queue ---------------------------------------------------------------------------------------------------------


def test_queue_lists_open_orders_with_counts_and_bounded_queries(
    client, duty_engineer, site_a, django_assert_max_num_queries
):
    for _ in range(12):
        make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("workorders:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="wo-card') == 12
    assert 'data-count="new"' in body


def test_queue_counts_are_cached_briefly(client, duty_engineer, site_a, settings):
    from django.core.cache import cache

    settings.WEIBAO_QUEUE_COUNTS_TTL = 30
    cache.clear()
    make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    client.get(reverse("workorders:list"))
    make_workorder(site=site_a, actor=duty_engineer)
    body = client.get(reverse("workorders:list")).content.decode()
    assert body.count('class="wo-card') == 2  # the cards are fresh
    assert 'data-count="new">' in body
    cache.clear()


def test_queue_cards_are_cached_but_a_change_shows_at_once(client, duty_engineer, site_a, settings):
    """Cards come from a per-card cache; a state change (new version) renders the card again, escaped."""
    settings.WEIBAO_QUEUE_COUNTS_TTL = 30
    wo = make_workorder(site=site_a, actor=duty_engineer, symptom="<script>alert(1)</script> 网络中断")
    client.force_login(duty_engineer)
    first = client.get(reverse("workorders:list")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 网络中断" in first
    assert "<script>alert(1)" not in first
    assert client.get(reverse("workorders:list")).content.decode().count('class="wo-card') == 1  # from the cache
    svc.workorder_acknowledge(workorder=wo, actor=duty_engineer)
    wo.refresh_from_db()
    body = client.get(reverse("workorders:list")).content.decode()
    card = body[body.index('class="wo-card') : body.index("</li>", body.index('class="wo-card'))]
    assert str(Status(wo.status).label) in card
    assert str(Status.NEW.label) not in card


def test_queue_htmx_returns_fragment_and_filters(client, duty_engineer, site_a):
    a = make_workorder(site=site_a, actor=duty_engineer, severity="A")
    b = make_workorder(site=site_a, actor=duty_engineer, severity="C")
    client.force_login(duty_engineer)
    response = client.get(reverse("workorders:list"), {"severity": "A"}, **HX)
    body = response.content.decode()
    assert body.startswith('<div id="queue"')
    assert a.number in body
    assert b.number not in body


def test_queue_bad_filters_and_cursor_do_not_fail(client, duty_engineer, site_a):
    make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    response = client.get(reverse("workorders:list"), {"status": "bogus", "branch": "x", "cursor": "garbage|zz"})
    assert response.status_code == 200


def test_queue_pages_with_cursor(client, duty_engineer, site_a):
    orders = [make_workorder(site=site_a, actor=duty_engineer) for _ in range(3)]
    client.force_login(duty_engineer)
    from weibao.workorders.views import queue

    old = queue.PAGE_SIZE
    queue.PAGE_SIZE = 2
    try:
        first = client.get(reverse("workorders:list")).content.decode()
        assert 'data-testid="next-page"' in first
        cursor = first.split("cursor=")[1].split('"')[0].replace("&amp;", "&")
        from urllib.parse import unquote

        second = client.get(reverse("workorders:list"), {"cursor": unquote(cursor)}).content.decode()
    finally:
        queue.PAGE_SIZE = old
    shown = [wo.number for wo in orders if wo.number in first or wo.number in second]
    assert len(shown) == 3


def test_customer_queue_shows_only_own_orders(client, customer_a_user, order_a, order_b):
    client.force_login(customer_a_user)
    body = client.get(reverse("workorders:list")).content.decode()
    assert order_a.number in body
    assert order_b.number not in body


# --- detail and actions --------------------------------------------------------------------------------------------


def test_detail_shows_clocks_timeline_and_actions(client, duty_engineer, order_a, django_assert_max_num_queries):
    client.force_login(duty_engineer)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("workorders:detail", args=[order_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert order_a.number in body
    assert 'data-testid="clocks"' in body
    assert 'data-action="acknowledge"' in body
    assert 'data-kind="created"' in body


def test_other_organisation_gets_404(client, customer_a_user, order_b):
    client.force_login(customer_a_user)
    assert client.get(reverse("workorders:detail", args=[order_b.pk])).status_code == 404
    assert act(client, order_b, "customer_confirm").status_code == 404
    response = client.post(reverse("workorders:comment", args=[order_b.pk]), {"comment-body": "hi"})
    assert response.status_code == 404
    assert WorkOrderEvent.objects.filter(workorder=order_b).count() == 1


def test_acknowledge_through_htmx_returns_the_main_fragment(client, duty_engineer, order_a):
    client.force_login(duty_engineer)
    response = act(client, order_a, "acknowledge", {"acknowledge-version": order_a.version}, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="wo-detail"')
    order_a.refresh_from_db()
    assert order_a.status == Status.ACKNOWLEDGED


def test_action_without_htmx_redirects(client, duty_engineer, order_a):
    client.force_login(duty_engineer)
    response = act(client, order_a, "start_diagnosis")
    assert response.status_code == 302
    order_a.refresh_from_db()
    assert order_a.status == Status.DIAGNOSING


def test_stale_version_shows_changed_by_someone_else(client, duty_engineer, manager, order_a):
    seen = order_a.version
    svc.workorder_acknowledge(workorder=order_a, actor=manager)
    client.force_login(duty_engineer)
    response = act(client, order_a, "start_diagnosis", {"start_diagnosis-version": seen}, **HX)
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    order_a.refresh_from_db()
    assert order_a.status == Status.ACKNOWLEDGED


def test_illegal_transition_is_409_with_message(client, manager, order_a):
    client.force_login(manager)
    response = act(client, order_a, "close", **HX)
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    order_a.refresh_from_db()
    assert order_a.status == Status.NEW


def test_cancel_requires_reason(client, manager, order_a):
    client.force_login(manager)
    response = act(client, order_a, "cancel", {"cancel-reason": "  "}, **HX)
    assert response.status_code == 422
    assert 'class="errorlist"' in response.content.decode()
    response = act(client, order_a, "cancel", {"cancel-reason": "重复报修"}, **HX)
    assert response.status_code == 200
    order_a.refresh_from_db()
    assert order_a.status == Status.CANCELLED


def test_unknown_action_is_404_and_missing_permission_403(client, customer_a_user, order_a, order_b):
    client.force_login(customer_a_user)
    assert act(client, order_a, "teleport").status_code == 404
    assert act(client, order_a, "dispatch").status_code == 403
    assert client.get(reverse("workorders:action_form", args=[order_a.pk, "dispatch"])).status_code == 403
    assert client.get(reverse("workorders:action_form", args=[order_b.pk, "customer_reject"])).status_code == 404


def test_dispatch_offers_suggestions_and_assigns(client, manager, field_engineer, order_a):
    client.force_login(manager)
    body = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert 'data-action-panel="dispatch"' in body
    form = client.get(reverse("workorders:action_form", args=[order_a.pk, "dispatch"]), **HX).content.decode()
    assert 'data-testid="suggestions"' in form
    assert str(field_engineer.name) in form
    page = client.get(reverse("workorders:action_form", args=[order_a.pk, "dispatch"]))
    assert page.status_code == 200
    when = (timezone.localtime() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = act(
        client, order_a, "dispatch", {"dispatch-engineer": field_engineer.pk, "dispatch-appointment_at": when}, **HX
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    order_a.refresh_from_db()
    assert order_a.status == Status.DISPATCHED
    assert order_a.assignee == field_engineer
    assert order_a.appointment_at is not None


def test_dispatch_without_engineer_is_invalid(client, manager, order_a):
    client.force_login(manager)
    response = act(client, order_a, "dispatch", {}, **HX)
    assert response.status_code == 422
    order_a.refresh_from_db()
    assert order_a.status == Status.NEW


def test_log_work_and_resolve(client, duty_engineer, order_a):
    client.force_login(duty_engineer)
    act(client, order_a, "start_diagnosis", **HX)
    response = act(
        client, order_a, "log_work", {"log_work-kind": "remote", "log_work-minutes": "0", "log_work-note": "x"}, **HX
    )
    assert response.status_code == 422
    response = act(
        client,
        order_a,
        "log_work",
        {"log_work-kind": "remote", "log_work-minutes": "30", "log_work-note": "远程检查"},
        **HX,
    )
    assert response.status_code == 200
    response = act(client, order_a, "resolve", {"resolve-resolution": "重启交换机", "resolve-cause": "system"}, **HX)
    assert response.status_code == 200
    order_a.refresh_from_db()
    assert order_a.status == Status.RESOLVED


def test_triage_edit_records_change(client, duty_engineer, order_a):
    device = DeviceFactory(site=order_a.site)
    client.force_login(duty_engineer)
    response = act(
        client,
        order_a,
        "update",
        {
            "update-version": order_a.version,
            "update-title": "核心交换机故障",
            "update-severity": "A",
            "update-category": "network",
            "update-cause": "unknown",
            "update-devices": [device.pk],
        },
        **HX,
    )
    assert response.status_code == 200
    order_a.refresh_from_db()
    assert order_a.severity == "A"
    assert list(order_a.devices.all()) == [device]
    assert WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.UPDATED).exists()


def test_triage_edit_keeps_devices_of_another_site(client, duty_engineer, order_a):
    # A device reported through the API may sit at another site of the customer; the form must still offer it,
    # or saving the triage drops it without anybody choosing to.
    elsewhere = DeviceFactory(site=SiteFactory(customer=order_a.customer))
    order_a.devices.set([elsewhere])
    client.force_login(duty_engineer)
    response = act(
        client,
        order_a,
        "update",
        {
            "update-version": order_a.version,
            "update-title": order_a.title,
            "update-severity": "A",
            "update-category": order_a.category,
            "update-cause": order_a.cause,
            "update-devices": [elsewhere.pk],
        },
        **HX,
    )
    assert response.status_code == 200
    order_a.refresh_from_db()
    assert order_a.severity == "A"
    assert list(order_a.devices.all()) == [elsewhere]


def test_triage_edit_without_version_is_refused(client, duty_engineer, order_a):
    client.force_login(duty_engineer)
    response = act(
        client,
        order_a,
        "update",
        {
            "update-title": "x",
            "update-severity": "A",
            "update-category": order_a.category,
            "update-cause": order_a.cause,
        },
        **HX,
    )
    assert response.status_code == 422
    order_a.refresh_from_db()
    assert order_a.severity != "A"
    assert not WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.UPDATED).exists()


def test_comment_with_photo_and_hostile_text(client, duty_engineer, order_a):
    client.force_login(duty_engineer)
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post(
        reverse("workorders:comment", args=[order_a.pk]),
        {"comment-body": "<img src=x onerror=alert(1)>", "comment-attachments": [photo]},
        **HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<img src=x onerror" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    attachment = order_a.attachments.get()
    download = client.get(reverse("workorders:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"


def test_disguised_attachment_is_refused(client, duty_engineer, order_a):
    client.force_login(duty_engineer)
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client.post(
        reverse("workorders:comment", args=[order_a.pk]), {"comment-body": "看图", "comment-attachments": [fake]}, **HX
    )
    assert response.status_code == 422
    assert not order_a.attachments.exists()


def test_empty_comment_is_invalid(client, duty_engineer, order_a):
    client.force_login(duty_engineer)
    response = client.post(reverse("workorders:comment", args=[order_a.pk]), {"comment-body": ""}, **HX)
    assert response.status_code == 422


def test_customer_sees_no_internal_notes_and_cannot_download_them(client, duty_engineer, customer_a_user, order_a):
    svc.workorder_comment(workorder=order_a, actor=duty_engineer, body="内部备注：客户难缠", internal=True)
    client.force_login(customer_a_user)
    body = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert "客户难缠" not in body
    assert 'data-action="acknowledge"' not in body


def test_customer_confirms_or_rejects_resolution(client, duty_engineer, customer_a_user, order_a):
    svc.workorder_acknowledge(workorder=order_a, actor=duty_engineer)
    svc.workorder_resolve(workorder=order_a, actor=duty_engineer, resolution="已远程修复")
    client.force_login(customer_a_user)
    body = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert 'data-action="customer_confirm"' in body
    response = act(client, order_a, "customer_reject", {"customer_reject-reason": ""}, **HX)
    assert response.status_code == 422
    response = act(client, order_a, "customer_reject", {"customer_reject-reason": "还是打不开"}, **HX)
    assert response.status_code == 200
    order_a.refresh_from_db()
    assert order_a.status == Status.REOPENED


# --- dashboard, legacy -----------------------------------------------------------------------------------------------


def test_dashboard(client, manager, order_a, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("workorders:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="wo-chart-data"' in body
    assert "echarts-5.6.0.min.js" in body


def test_legacy_queue_and_review(client, manager, order_a, customer_a_user):
    WorkOrder.objects.filter(pk=order_a.pk).update(resolution_due_at=timezone.now() - dt.timedelta(hours=5))
    client.force_login(manager)
    body = client.get(reverse("workorders:legacy")).content.decode()
    assert order_a.number in body
    url = reverse("workorders:legacy_review", args=[order_a.pk])
    assert client.post(url, {"notes": ""}).status_code == 422
    response = client.post(url, {"notes": "等待厂商备件", "next_steps": "周五复查", "customer_report": "备件已订购"})
    assert response.status_code == 302
    assert order_a.legacy_reviews.count() == 1
    client.force_login(customer_a_user)
    assert client.get(reverse("workorders:legacy")).status_code == 403


def test_legacy_list_queries_do_not_grow_with_its_rows(client, manager, site_a, duty_engineer, field_engineer):
    """The rows load only the columns they show (`LEGACY_ROW_FIELDS`); a deferred column read per row would add a
    query each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def overdue(n: int) -> list[WorkOrder]:
        orders = [make_workorder(site=site_a, actor=duty_engineer, title=f"遗留{i}") for i in range(n)]
        WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).update(
            resolution_due_at=timezone.now() - dt.timedelta(hours=5), assignee=field_engineer
        )
        return orders

    client.force_login(manager)
    first = overdue(1)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("workorders:legacy"))
    more = overdue(3)
    svc.legacy_review_add(workorder=more[0], actor=manager, notes="等厂商", next_review_on=timezone.localdate())
    with CaptureQueriesContext(connection) as four:
        body = client.get(reverse("workorders:legacy")).content.decode()
    assert len(four) == len(one)
    for wo in (*first, *more):
        assert wo.number in body
    assert body.count(field_engineer.name) == 4
    assert body.count(site_a.name) >= 4
    assert "遗留2" in body


def test_legacy_cards_show_a_change_at_once_after_they_were_cached(client, manager, order_a, field_engineer):
    WorkOrder.objects.filter(pk=order_a.pk).update(resolution_due_at=timezone.now() - dt.timedelta(hours=5))
    client.force_login(manager)
    client.get(reverse("workorders:legacy"))
    WorkOrder.objects.filter(pk=order_a.pk).update(title="改过的遗留标题", assignee=field_engineer)  # no save()
    svc.legacy_review_add(workorder=order_a, actor=manager, notes="等厂商", next_review_on=timezone.localdate())
    body = client.get(reverse("workorders:legacy")).content.decode()
    assert "改过的遗留标题" in body
    assert field_engineer.name in body
    assert timezone.localdate().isoformat() in body  # the next review day, from the review just added


def test_customer_sees_processing_report_but_not_review_notes(client, manager, customer_a_user, order_a):
    svc.legacy_review_add(workorder=order_a, actor=manager, notes="内部：厂商拖延", customer_report="备件预计周五到货")
    client.force_login(customer_a_user)
    body = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert "备件预计周五到货" in body
    assert "厂商拖延" not in body


def test_vendor_sees_only_escalated_orders(client, manager, vendor_user, order_a, order_b):
    from weibao.workorders.tests.factories import VendorFactory

    vendor = VendorFactory(organisation=vendor_user.organisation)
    svc.workorder_acknowledge(workorder=order_a, actor=manager)
    svc.workorder_escalate(workorder=order_a, actor=manager, vendor=vendor, reason="硬件故障需厂商支持")
    client.force_login(vendor_user)
    assert client.get(reverse("workorders:detail", args=[order_a.pk])).status_code == 200
    assert client.get(reverse("workorders:detail", args=[order_b.pk])).status_code == 404
    body = client.get(reverse("workorders:list")).content.decode()
    assert order_a.number in body
    assert order_b.number not in body


def test_vendor_sees_processing_report_but_not_review_notes(client, manager, vendor_user, order_a):
    from weibao.workorders.tests.factories import VendorFactory

    vendor = VendorFactory(organisation=vendor_user.organisation)
    svc.workorder_acknowledge(workorder=order_a, actor=manager)
    svc.workorder_escalate(workorder=order_a, actor=manager, vendor=vendor, reason="硬件故障需厂商支持")
    svc.legacy_review_add(workorder=order_a, actor=manager, notes="内部：厂商拖延", customer_report="备件预计周五到货")
    WorkOrder.objects.filter(pk=order_a.pk).update(sla_state="breached")  # reviews are shown on overdue orders
    client.force_login(manager)
    assert "厂商拖延" in client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    client.force_login(vendor_user)
    body = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert 'data-testid="legacy-reviews"' in body
    assert "备件预计周五到货" in body
    assert "厂商拖延" not in body


def test_pre_visit_briefing_lists_site_orders(client, field_engineer, duty_engineer, manager, order_a, site_a):
    cancelled = make_workorder(site=site_a, actor=duty_engineer)
    svc.workorder_cancel(workorder=cancelled, actor=manager, reason="重复报修")
    client.force_login(field_engineer)
    body = client.get(reverse("assets:briefing_site", args=[site_a.pk])).content.decode()
    assert 'data-testid="briefing-workorders"' in body
    assert order_a.number in body
    assert cancelled.number in body


def test_attachment_of_another_organisation_is_404(client, duty_engineer, customer_a_user, order_b):
    photo = SimpleUploadedFile("b.png", PNG, content_type="image/png")
    svc.workorder_comment(workorder=order_b, actor=duty_engineer, body="乙公司现场照片", attachments=[photo])
    internal = SimpleUploadedFile("i.png", PNG, content_type="image/png")
    svc.workorder_comment(workorder=order_b, actor=duty_engineer, body="内部", attachments=[internal], internal=True)
    public, hidden = order_b.attachments.order_by("id")
    client.force_login(customer_a_user)
    assert client.get(reverse("workorders:attachment", args=[public.pk])).status_code == 404
    client.force_login(duty_engineer)
    assert client.get(reverse("workorders:attachment", args=[hidden.pk])).status_code == 200


def test_customer_list_has_bounded_queries(
    client, customer_a_user, site_a, duty_engineer, django_assert_max_num_queries
):
    for _ in range(8):
        make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(customer_a_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workorders:list"), **HX)
    assert response.content.decode().count('class="wo-card') == 8


def test_dashboard_lists_my_sla_alerts_and_marks_them_read(client, manager, duty_engineer, order_a):
    from weibao.workorders.clocks import sla_sweep
    from weibao.workorders.models import Alert

    sla_sweep(now=timezone.now() + dt.timedelta(days=30))
    client.force_login(manager)
    body = client.get(reverse("workorders:dashboard")).content.decode()
    mine = Alert.objects.filter(recipient=manager, read_at__isnull=True)
    assert mine.exists()  # breaches escalate to the (head office's) service manager
    assert 'data-testid="sla-alerts"' in body
    response = client.post(reverse("workorders:alerts_read"), {"alert": [a.pk for a in mine]}, **HX)
    assert response.status_code == 200
    assert not Alert.objects.filter(recipient=manager, read_at__isnull=True).exists()


def test_queue_sorts_newest_first_on_request(client, duty_engineer, site_a):
    first = make_workorder(site=site_a, actor=duty_engineer, severity="A")
    second = make_workorder(site=site_a, actor=duty_engineer, severity="D")
    client.force_login(duty_engineer)
    body = client.get(reverse("workorders:list"), {"sort": "newest"}).content.decode()
    assert body.index(second.number) < body.index(first.number)
    body = client.get(reverse("workorders:list"), {"sort": "deadline"}).content.decode()
    assert body.index(first.number) < body.index(second.number)


def test_engineer_filter_names_are_escaped(client, duty_engineer, make_user):
    make_user("field_engineer", name='<script>alert("x")</script>')
    client.force_login(duty_engineer)
    body = client.get(reverse("workorders:list")).content.decode()
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;" in body


def test_customer_filter_picker(client, duty_engineer, customer_a_user, order_a, order_b):
    client.force_login(duty_engineer)
    body = client.get(
        reverse("workorders:customer_pick"), {"customer_q": "甲公司", "severity": "B"}, **HX
    ).content.decode()
    assert f"customer={order_a.customer_id}" in body
    assert "severity=B" in body
    assert f"customer={order_b.customer_id}" not in body
    listed = client.get(reverse("workorders:list"), {"customer": order_a.customer_id}).content.decode()
    assert order_a.number in listed
    assert order_b.number not in listed
    client.force_login(customer_a_user)
    body = client.get(reverse("workorders:customer_pick"), {"customer_q": "乙公司"}).content.decode()
    assert "customer=" not in body  # customers do not pick other customers


def test_stale_page_cannot_move_the_visit_time_or_record_a_plan(client, duty_engineer, manager, order_a):
    # Every action form carries the version the user saw; the visit time and the plan too.
    seen = order_a.version
    svc.workorder_acknowledge(workorder=order_a, actor=manager)
    client.force_login(manager)
    visit = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = act(
        client,
        order_a,
        "set_appointment",
        {"set_appointment-version": seen, "set_appointment-appointment_at": visit},
        **HX,
    )
    assert response.status_code == 409
    response = act(client, order_a, "record_plan", {"record_plan-version": seen, "record_plan-plan": "更换电源"}, **HX)
    assert response.status_code == 409
    order_a.refresh_from_db()
    assert order_a.appointment_at is None
    assert order_a.plan_at is None
    assert order_a.version == seen + 1  # only the acknowledgement
