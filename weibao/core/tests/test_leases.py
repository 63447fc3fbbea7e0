"""Tasks left RUNNING by a dead worker: re-queued while attempts remain, failed with the reason after that; tasks of
live workers are left alone (weibao.core.workers)."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from weibao.core.models import WorkerLease
from weibao.core.workers import lease_release, lease_renew, lease_take, tasks_recover

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_lease(settings):
    settings.WEIBAO_TASK_LEASE_SECONDS = 10
    settings.WEIBAO_TASK_MAX_ATTEMPTS = 3


def _running(*worker_ids: str, started_ago: int = 60) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        task_path="weibao.core.tasks.heartbeat",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        worker_ids=list(worker_ids),
        started_at=timezone.now() - dt.timedelta(seconds=started_ago),
    )


def _lease(worker_id: str, expires_in: int) -> None:
    WorkerLease.objects.create(worker_id=worker_id, expires_at=timezone.now() + dt.timedelta(seconds=expires_in))


def test_task_of_a_dead_worker_is_requeued_and_a_live_ones_is_not():
    _lease("alive", 5)
    _lease("dead", -1)
    mine, theirs, unknown = _running("alive"), _running("dead"), _running("gone-without-lease")
    just_claimed = _running("upstream-worker", started_ago=1)  # a worker without lease: given one lease period

    assert tasks_recover() == {"requeued": 2, "failed": 0}
    status = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert status[mine.pk] == status[just_claimed.pk] == "RUNNING"
    assert status[theirs.pk] == status[unknown.pk] == "READY"
    assert DBTaskResult.objects.get(pk=theirs.pk).started_at is None
    assert tasks_recover() == {"requeued": 0, "failed": 0}  # idempotent


def test_a_task_that_kills_its_worker_every_time_fails_after_the_cap():
    poison = _running("w1", "w2", "w3")
    assert tasks_recover() == {"requeued": 0, "failed": 1}
    poison.refresh_from_db()
    assert poison.status == "FAILED"
    assert poison.exception_class_path == "weibao.core.workers.WorkerLost"
    assert "attempt 3 of 3" in poison.traceback


def test_lease_lifecycle_and_old_leases_are_forgotten():
    lease = lease_take(worker_id="w", queues="default")
    assert lease.expires_at > timezone.now()
    assert lease_renew(worker_id="w")
    lease_release(worker_id="w")
    assert not lease_renew(worker_id="w")
    _lease("long-dead", -60)
    tasks_recover()
    assert not WorkerLease.objects.filter(worker_id="long-dead").exists()


def test_weibao_db_worker_is_the_leased_worker_and_run_sh_serves_the_imports_queue():
    from django.core.management import get_commands

    from weibao.core.tests.procs import ROOT

    assert get_commands()["db_worker"] == "weibao.core"
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    assert "weibao db_worker --interval 1 --queue-name imports" in run_sh
