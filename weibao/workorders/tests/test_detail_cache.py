"""The order page's cached timeline: keyed by what the viewer may see, so it is never stale and never shared across
audiences (a customer never gets the staff's copy with internal notes)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from weibao.workorders import services as svc
from weibao.workorders.models import WorkOrderEvent

pytestmark = pytest.mark.django_db


def page(client, wo) -> str:
    response = client.get(reverse("workorders:detail", args=[wo.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_event_shows_at_once_after_the_timeline_was_cached(client, duty_engineer, order_a):
    client.force_login(duty_engineer)
    page(client, order_a)  # fills the cache
    svc.workorder_comment(workorder=order_a, actor=duty_engineer, body="第二次到场已更换电源")
    assert "第二次到场已更换电源" in page(client, order_a)


def test_a_late_attachment_shows_at_once(client, duty_engineer, order_a):
    svc.workorder_comment(workorder=order_a, actor=duty_engineer, body="现场照片")
    event = WorkOrderEvent.objects.filter(workorder=order_a).latest("id")
    client.force_login(duty_engineer)
    page(client, order_a)
    svc.workorder_attach_document(
        event=event, content=b"%PDF-1.4 test", name="服务单.pdf", content_type="application/pdf", actor=duty_engineer
    )
    assert "服务单.pdf" in page(client, order_a)


def test_a_customer_never_sees_an_internal_note_the_staff_cached(client, duty_engineer, customer_a_user, order_a):
    svc.workorder_comment(workorder=order_a, actor=duty_engineer, body="内部备注：客户难缠", internal=True)
    client.force_login(duty_engineer)
    assert "内部备注：客户难缠" in page(client, order_a)  # the staff's timeline is now cached
    client.force_login(customer_a_user)
    body = page(client, order_a)
    assert "客户难缠" not in body
    assert 'data-kind="created"' in body  # the customer gets a timeline, their own


def test_the_cached_timeline_keeps_the_page_queries(client, duty_engineer, order_a, django_assert_max_num_queries):
    attachment = SimpleUploadedFile("a.txt", b"log", content_type="text/plain")
    svc.workorder_comment(workorder=order_a, actor=duty_engineer, body="日志", attachments=[attachment])
    client.force_login(duty_engineer)
    with django_assert_max_num_queries(9):
        first = page(client, order_a)
    with django_assert_max_num_queries(9):
        second = page(client, order_a)
    assert "a.txt" in first
    assert "a.txt" in second


def test_the_cached_comment_form_offers_internal_notes_to_staff_only(client, duty_engineer, customer_a_user, order_a):
    client.force_login(duty_engineer)
    assert 'name="comment-internal"' in page(client, order_a)  # the staff's form is now cached
    client.force_login(customer_a_user)
    body = page(client, order_a)
    assert 'name="comment-body"' in body
    assert 'name="comment-internal"' not in body
