"""Routing in batches (issue 17): a batch of receipts is one transaction whose new orders go through the batch intake;
comments, triage and refusals are decided receipt by receipt, a refused receipt fails alone."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from weibao.inbound.models import InboundReceipt
from weibao.inbound.services import Incoming, message_receive, receipts_route_pending
from weibao.notifications.models import Delivery
from weibao.workorders.models import Clock, WorkOrder, WorkOrderEvent
from weibao.workorders.services.intake import MAX_BATCH

QUEUED_ONLY = {
    "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "imports", "inbound"]}
}


@pytest.fixture
def queued_only(settings):
    settings.TASKS = QUEUED_ONLY


def receive(account, key: str, text: str, sender: str, **extra) -> InboundReceipt:
    receipt, _new = message_receive(
        account=account, incoming=Incoming(message_key=key, text=text, sender_id=sender, **extra)
    )
    return receipt


@pytest.mark.django_db
def test_a_mixed_batch_is_routed_in_one_go(
    accounts, contact, other_contact, queued_only, django_capture_on_commit_callbacks
):
    from django.tasks import default_task_backend

    wecom = accounts["wecom"]
    receive(wecom, "old", "交换机端口不亮", contact.wecom_userid)
    receipts_route_pending()
    earlier = WorkOrder.objects.get()
    receive(wecom, "r1", "门禁控制器离线", contact.wecom_userid)
    receive(wecom, "c1", f"{earlier.number} 还是不行", contact.wecom_userid)
    receive(wecom, "s1", "你好，我们的网络坏了", "stranger")
    bad = receive(wecom, "bad", "时间错乱的一条", contact.wecom_userid)
    receive(wecom, "r2", "大屏拼接墙左上角黑屏", other_contact.wecom_userid)
    receive(wecom, "x1", f"{earlier.number} 也是我们的", other_contact.wecom_userid)  # not their customer's order
    # A received time ahead of the clock: the intake refuses that order (the call cannot be in the future).
    InboundReceipt.objects.filter(pk=bad.pk).update(created_at=timezone.now() + dt.timedelta(hours=1))
    default_task_backend.clear()
    answered_before = set(Delivery.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        counts = receipts_route_pending()

    assert counts == {"order_created": 2, "commented": 1, "triage": 2, "failed": 1}
    by_key = {r.message_key: r for r in InboundReceipt.objects.select_related("workorder")}
    assert {k: r.status for k, r in by_key.items()} == {
        "old": "order_created",
        "r1": "order_created",
        "c1": "commented",
        "s1": "triage",
        "bad": "failed",
        "r2": "order_created",
        "x1": "triage",
    }
    assert by_key["c1"].workorder == earlier
    assert WorkOrderEvent.objects.filter(workorder=earlier, kind="comment", body__contains="还是不行").exists()
    assert "ValidationError" in by_key["bad"].reason
    assert (by_key["bad"].workorder, by_key["bad"].contact) == (None, None)
    for key, contact_ in (("r1", contact), ("r2", other_contact)):
        receipt = by_key[key]
        order = receipt.workorder
        assert (order.contact, order.customer, order.channel) == (contact_, contact_.customer, "chat")
        assert order.reported_at == receipt.created_at  # the clocks start when the message came
        assert receipt.routed_at is not None
        assert WorkOrderEvent.objects.filter(workorder=order, kind="created").count() == 1
        assert Clock.objects.filter(workorder=order).exists()
    # The two orders' numbers follow each other (one range for the batch).
    first, second = sorted(int(by_key[k].workorder.number.rsplit("-", 1)[1]) for k in ("r1", "r2"))
    assert second == first + 1
    # Every routed sender hears back, through the same channel, in one delivery task; not the failed one.
    replies = Delivery.objects.exclude(pk__in=answered_before)
    assert sorted(replies.values_list("recipient", flat=True)) == sorted(
        f"wecom:{user}" for user in ["wangjg", "wangjg", "stranger", "lina", "lina"]
    )
    queued = [r for r in default_task_backend.results if r.task.name == "deliver_many"]
    assert [sorted(r.kwargs["delivery_ids"]) for r in queued] == [sorted(replies.values_list("pk", flat=True))]
    # The batch's two new orders are announced by one notice task.
    notices = [r for r in default_task_backend.results if r.task.name == "notify_events"]
    assert [sorted(r.kwargs["event_ids"]) for r in notices] == [
        sorted(WorkOrderEvent.objects.filter(kind="created").exclude(workorder=earlier).values_list("pk", flat=True))
    ]
    assert receipts_route_pending() == {}  # nothing routed twice


@pytest.mark.django_db
def test_a_reply_quoting_a_message_of_the_same_batch_comments_on_its_new_order(accounts, contact, queued_only):
    feishu = accounts["feishu"]
    receive(feishu, "om_first", "无线AP掉线", contact.feishu_open_id)
    receive(feishu, "om_other", "打印机卡纸", contact.feishu_open_id)
    receive(feishu, "om_reply", "现在又掉了", contact.feishu_open_id, quoted_key="om_first")

    assert receipts_route_pending() == {"order_created": 2, "commented": 1}

    first = InboundReceipt.objects.get(message_key="om_first")
    reply = InboundReceipt.objects.get(message_key="om_reply")
    assert reply.workorder == first.workorder
    assert WorkOrderEvent.objects.filter(workorder=first.workorder, kind="comment", body__contains="又掉了").exists()


@pytest.mark.django_db
def test_more_new_orders_than_one_intake_batch(accounts, contact, queued_only):
    count = MAX_BATCH + 5
    for i in range(count):
        receive(accounts["wecom"], f"k{i}", f"故障{i}", contact.wecom_userid)

    assert receipts_route_pending() == {"order_created": count}

    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in WorkOrder.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + count))  # gapless
    assert InboundReceipt.objects.values("workorder").distinct().count() == count


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED: PostgreSQL only")
def test_a_second_worker_routes_the_next_batch_while_the_first_holds_its_own(accounts, contact, queued_only):
    receipts = [receive(accounts["wecom"], f"k{i}", f"故障{i}", contact.wecom_userid) for i in range(10)]
    held = [r.pk for r in receipts[:5]]
    claimed, release, errors = threading.Event(), threading.Event(), []

    def first_worker() -> None:
        # Another worker in the middle of its batch: the first five receipts are locked until it commits.
        try:
            with transaction.atomic():
                list(InboundReceipt.objects.select_for_update().filter(pk__in=held))
                claimed.set()
                release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            claimed.set()
            connections.close_all()

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        claimed.wait(timeout=30)
        counts = receipts_route_pending(limit=5)  # does not wait for the locked ones: takes the next five
    finally:
        release.set()
        thread.join()

    assert errors == []
    assert counts == {"order_created": 5}
    routed = set(InboundReceipt.objects.filter(status="order_created").values_list("pk", flat=True))
    assert routed == {r.pk for r in receipts[5:]}
    assert receipts_route_pending() == {"order_created": 5}  # the first batch, once its worker let go
    assert WorkOrder.objects.count() == 10


@pytest.mark.django_db
def test_a_batch_that_fails_as_a_whole_is_routed_one_by_one(accounts, contact, queued_only, monkeypatch):
    from weibao.inbound import services

    for key, text in (("a", "门禁控制器离线"), ("poison", "毒"), ("b", "程控交换机分机不通")):
        receive(accounts["wecom"], key, text, contact.wecom_userid)
    save = services._receipts_save

    def refusing_save(rows):
        # Stands for a row the database refuses when the batch writes it (outside the receipts' own savepoints).
        if any(r.text == "毒" for r in rows):
            raise ValueError("the database refused this row")
        save(rows)

    monkeypatch.setattr(services, "_receipts_save", refusing_save)

    assert receipts_route_pending() == {"order_created": 2, "failed": 1}

    poison = InboundReceipt.objects.get(message_key="poison")
    assert (poison.status, poison.workorder) == ("failed", None)
    assert "the database refused this row" in poison.reason
    assert sorted(WorkOrder.objects.values_list("symptom", flat=True)) == sorted(
        ["门禁控制器离线", "程控交换机分机不通"]
    )
    assert Delivery.objects.count() == 2  # the poison's order and answer were rolled back with it
    assert receipts_route_pending() == {}
