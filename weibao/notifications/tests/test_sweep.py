"""The every-minute sweep (`deliver_due`) on the real database task queue: it queues what is due once, in batches,
and leaves alone what already waits in the queue — the queue no longer grows by the backlog on every run."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from weibao.notifications import services
from weibao.notifications.services import delivery_retry, schedule
from weibao.notifications.tasks import deliver_due
from weibao.notifications.tests.factories import DeliveryFactory

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_queue(settings):
    settings.TASKS = DB_QUEUE  # Django resets its task backends on the setting change


def _queued() -> list[tuple[str, dict]]:
    rows = DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", "args_kwargs")
    return [(path.rsplit(".", 1)[-1], args["kwargs"]) for path, args in rows]


def _sweep(capture) -> int:
    with capture(execute=True):
        return deliver_due.call()


def test_due_deliveries_are_queued_once(db_queue, django_capture_on_commit_callbacks):
    past = timezone.now() - dt.timedelta(minutes=2)
    due = [DeliveryFactory(next_try_at=past + dt.timedelta(seconds=i)) for i in range(3)]
    DeliveryFactory(next_try_at=timezone.now() + dt.timedelta(hours=1))  # not yet
    DeliveryFactory(next_try_at=past, status="sent")

    assert _sweep(django_capture_on_commit_callbacks) == 3
    assert _queued() == [("deliver_many", {"delivery_ids": [d.pk for d in due]})]

    # The worker has not got to them yet: the next sweeps add nothing.
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert len(_queued()) == 1


def test_a_backlog_is_queued_in_batches(db_queue, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "SWEEP_BATCH", 2)
    past = timezone.now() - dt.timedelta(minutes=2)
    ids = [DeliveryFactory(next_try_at=past + dt.timedelta(seconds=i)).pk for i in range(5)]

    assert _sweep(django_capture_on_commit_callbacks) == 5
    assert [kwargs["delivery_ids"] for _name, kwargs in _queued()] == [ids[:2], ids[2:4], ids[4:]]


def test_what_schedule_queued_is_left_to_its_task(db_queue, django_capture_on_commit_callbacks):
    now = timezone.now()
    fresh = DeliveryFactory(next_try_at=now)
    retry_later = DeliveryFactory(status="retrying", next_try_at=now + dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        schedule(fresh)
        schedule(retry_later)  # deferred: the database queue runs it at its time
    assert [name for name, _kwargs in _queued()] == ["deliver", "deliver"]

    assert _sweep(django_capture_on_commit_callbacks) == 0
    # At the retry's time its own task runs it; the sweep does not add a copy.
    assert services.deliveries_queue_due(now=now + dt.timedelta(minutes=6)) == 0
    assert len(_queued()) == 2


def test_a_lost_task_is_queued_again(db_queue, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - dt.timedelta(minutes=30)
    lost = DeliveryFactory(next_try_at=long_ago, queued_at=long_ago)  # its queue row is gone

    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert _queued() == [("deliver_many", {"delivery_ids": [lost.pk]})]


def test_staff_retry_is_queued_once(db_queue, manager, django_capture_on_commit_callbacks):
    failed = DeliveryFactory(status="failed", reason="550 no such user")
    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(delivery=failed, actor=manager)
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert _queued() == [("deliver", {"delivery_id": failed.pk})]
