"""Issue 17, 10k callbacks in 2 minutes: the callback only stores the receipt (`pending`) and answers at once; the
routing task takes pending receipts in batches, in order, one transaction each, a failing one marked `failed`."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from weibao.inbound.models import InboundReceipt
from weibao.inbound.services import Incoming, message_receive, receipts_route_pending
from weibao.inbound.tests import helpers
from weibao.notifications.models import Delivery
from weibao.workorders.models import WorkOrder

# Nothing runs the queued routing task: the receipts stay pending until a test routes them.
QUEUED_ONLY = {
    "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "imports", "inbound"]}
}


@pytest.fixture
def queued_only(settings):
    settings.TASKS = QUEUED_ONLY


@pytest.mark.django_db
def test_callback_answers_200_and_stores_a_pending_receipt_without_routing(client, accounts, contact, queued_only):
    response = helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text="机房空调高温告警")

    assert response.status_code == 200
    receipt = InboundReceipt.objects.get()
    assert (receipt.status, receipt.workorder, receipt.routed_at) == ("pending", None, None)
    assert not WorkOrder.objects.exists()
    assert not Delivery.objects.exists()  # no answer to the sender before routing either


@pytest.mark.django_db
def test_the_batch_routes_pending_receipts_in_order_of_arrival(client, accounts, contact, queued_only):
    helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text="门禁控制器离线")
    helpers.wecom_post(client, accounts["wecom"], user="stranger", text="你好")
    first = InboundReceipt.objects.order_by("pk").first()

    counts = receipts_route_pending()

    assert counts == {"order_created": 1, "triage": 1}
    first.refresh_from_db()
    order = WorkOrder.objects.get()
    assert (first.status, first.workorder, first.contact) == ("order_created", order, contact)
    assert first.routed_at is not None
    assert order.reported_at == first.created_at  # the clocks start when the message came, not when it was routed
    assert Delivery.objects.filter(channel="wecom").count() == 2  # both senders hear back
    assert receipts_route_pending() == {}  # nothing routed twice


@pytest.mark.django_db
def test_a_later_message_naming_the_order_comments_on_it_in_the_same_batch(client, accounts, contact, queued_only):
    helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text="交换机端口不亮")
    receipts_route_pending()
    number = WorkOrder.objects.get().number
    helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text=f"{number} 还是不行")
    helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text="另一台打印机卡纸")

    assert receipts_route_pending() == {"commented": 1, "order_created": 1}
    assert WorkOrder.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("when", ["pending", "routed"])
def test_a_duplicate_delivery_creates_nothing(when, client, accounts, contact, queued_only):
    helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text="监控录像无法回放", msg_id="m-1")
    if when == "routed":
        receipts_route_pending()

    again = helpers.wecom_post(
        client, accounts["wecom"], user=contact.wecom_userid, text="监控录像无法回放", msg_id="m-1"
    )
    receipts_route_pending()

    assert again.status_code == 200
    assert InboundReceipt.objects.count() == 1
    assert WorkOrder.objects.count() == 1
    assert Delivery.objects.count() == 1


@pytest.mark.django_db
def test_a_failing_receipt_is_marked_failed_and_the_batch_goes_on(client, accounts, contact, queued_only):
    for text in ("第一条", "时间错乱的一条", "第三条"):
        helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text=text)
    bad = InboundReceipt.objects.get(text="时间错乱的一条")
    # A received time ahead of the clock: the work order refuses it (the call cannot be in the future).
    InboundReceipt.objects.filter(pk=bad.pk).update(created_at=timezone.now() + dt.timedelta(hours=1))

    counts = receipts_route_pending()

    assert counts == {"order_created": 2, "failed": 1}
    bad.refresh_from_db()
    assert bad.status == "failed"
    assert "ValidationError" in bad.reason
    assert bad.workorder is None
    assert sorted(WorkOrder.objects.values_list("symptom", flat=True)) == ["第一条", "第三条"]
    assert Delivery.objects.count() == 2  # the failed one rolled back its answer too


@pytest.mark.django_db
def test_staff_retry_a_failed_receipt(client, accounts, contact, duty_engineer, queued_only):
    helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text="大屏黑屏")
    receipt = InboundReceipt.objects.get()
    InboundReceipt.objects.filter(pk=receipt.pk).update(created_at=timezone.now() + dt.timedelta(hours=1))
    receipts_route_pending()
    client.force_login(duty_engineer)
    page = client.get(reverse("inbound:list"), {"status": "failed"}).content.decode()
    assert "大屏黑屏" in page
    assert "retry" in client.get(reverse("inbound:detail", args=[receipt.pk])).content.decode()
    InboundReceipt.objects.filter(pk=receipt.pk).update(created_at=timezone.now())  # the cause fixed

    response = client.post(reverse("inbound:retry", args=[receipt.pk]))

    assert response.status_code == 302
    receipt.refresh_from_db()
    assert (receipt.status, receipt.reason, receipt.handled_by) == ("order_created", "", duty_engineer)
    assert receipt.workorder == WorkOrder.objects.get()
    # Only a failed receipt can be retried: a second click changes nothing.
    client.post(reverse("inbound:retry", args=[receipt.pk]))
    assert WorkOrder.objects.count() == 1


@pytest.mark.django_db
def test_the_list_shows_pending_receipts(client, accounts, contact, duty_engineer, queued_only):
    helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text="程控交换机分机不通")
    client.force_login(duty_engineer)

    page = client.get(reverse("inbound:list"), {"status": "pending"}).content.decode()

    assert "程控交换机分机不通" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED: PostgreSQL only")
def test_two_concurrent_batches_never_route_a_receipt_twice(accounts, contact, queued_only):
    for i in range(30):
        message_receive(
            account=accounts["wecom"],
            incoming=Incoming(message_key=f"k{i}", text=f"故障{i}", sender_id=contact.wecom_userid),
        )
    barrier, results, errors = threading.Barrier(2), [], []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(receipts_route_pending())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(sum(r.values()) for r in results) == 30  # each receipt counted by exactly one of the two
    assert WorkOrder.objects.count() == 30
    assert set(InboundReceipt.objects.values_list("status", flat=True)) == {"order_created"}
    assert InboundReceipt.objects.values("workorder").distinct().count() == 30


@pytest.mark.django_db
def test_the_replies_of_a_batch_go_to_one_task(
    client, accounts, contact, queued_only, django_capture_on_commit_callbacks
):
    from django.tasks import default_task_backend

    for text in ("第一条", "第二条", "时间错乱的一条"):
        helpers.wecom_post(client, accounts["wecom"], user=contact.wecom_userid, text=text)
    bad = InboundReceipt.objects.get(text="时间错乱的一条")
    InboundReceipt.objects.filter(pk=bad.pk).update(created_at=timezone.now() + dt.timedelta(hours=1))
    default_task_backend.clear()

    with django_capture_on_commit_callbacks(execute=True):
        receipts_route_pending()

    queued = [r for r in default_task_backend.results if r.task.name == "deliver_many"]
    assert len(queued) == 1
    assert sorted(queued[0].kwargs["delivery_ids"]) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert Delivery.objects.count() == 2  # not the failed receipt's
