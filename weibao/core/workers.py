"""Task workers that can be killed: a lease per worker process, and the re-queue of tasks their worker abandoned.

django-tasks-db marks a task RUNNING when a worker claims it and offers nothing when that worker dies: the row stays
RUNNING for ever. `weibao db_worker` (management/commands/db_worker.py) is the upstream worker with a lease:

- before it claims anything it writes a `WorkerLease` row, and a thread renews it every third of
  WEIBAO_TASK_LEASE_SECONDS for as long as the process lives (also while a long task runs);
- `tasks_recover` (run by every worker at start and with every renewal, and every minute by the scheduler) takes a
  RUNNING task whose last worker holds no live lease for abandoned: it goes back to READY, or — after
  WEIBAO_TASK_MAX_ATTEMPTS claims, a task that kills its worker each time — to FAILED with the reason;
- apps whose tasks leave rows half-done (a notice "sending") register `on_workers_lost` and settle them first.

Tasks must therefore be safe to run twice (STYLE §6): a re-queued task runs again from its start.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from weibao.core.models import WorkerLease

logger = logging.getLogger(__name__)

# The id of the worker this process is (set by `weibao db_worker`); "" in web processes and tests.
_current_worker_id = ""
_lost_hooks: list[Callable[[], object]] = []


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker stopped during its last allowed attempt."""


def current_worker_id() -> str:
    return _current_worker_id


def lease_seconds() -> int:
    return settings.WEIBAO_TASK_LEASE_SECONDS


def on_workers_lost(fn: Callable[[], object]) -> Callable[[], object]:
    """Register `fn()`, called by `tasks_recover` before abandoned tasks are re-queued (apps settle their own
    half-done rows, using `live_worker_ids()`). Registering twice is harmless."""
    if fn not in _lost_hooks:
        _lost_hooks.append(fn)
    return fn


def live_worker_ids(now: dt.datetime | None = None) -> set[str]:
    now = now or timezone.now()
    return set(WorkerLease.objects.filter(expires_at__gte=now).values_list("worker_id", flat=True))


def lease_take(*, worker_id: str, queues: str = "") -> WorkerLease:
    now = timezone.now()
    lease, _created = WorkerLease.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "queues": queues[:255],
            "expires_at": now + dt.timedelta(seconds=lease_seconds()),
        },
    )
    return lease


def lease_renew(*, worker_id: str) -> bool:
    expires = timezone.now() + dt.timedelta(seconds=lease_seconds())
    return WorkerLease.objects.filter(worker_id=worker_id).update(expires_at=expires, updated_at=timezone.now()) == 1


def lease_release(*, worker_id: str) -> None:
    WorkerLease.objects.filter(worker_id=worker_id).delete()


def tasks_recover(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Put the tasks of dead workers back in the queue (or fail them after too many attempts). Safe to run in
    several processes at once: each task row is re-read under a lock and changed only while still RUNNING."""
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    now = now or timezone.now()
    live = live_worker_ids(now)
    # A task claimed a moment ago by a worker without a lease (the upstream command) is given one lease period.
    grace = now - dt.timedelta(seconds=lease_seconds())
    abandoned = [
        pk
        for pk, worker_ids, started_at in DBTaskResult.objects.running().values_list("pk", "worker_ids", "started_at")
        if (not worker_ids or worker_ids[-1] not in live) and (started_at is None or started_at < grace)
    ]
    for hook in list(_lost_hooks):
        try:
            hook()
        except Exception:
            logger.exception("worker-lost hook %r failed", hook)
    requeued = failed = 0
    max_attempts = settings.WEIBAO_TASK_MAX_ATTEMPTS
    for pk in abandoned:
        with exclusive_transaction(DBTaskResult.objects.db):
            task = DBTaskResult.objects.select_for_update().filter(pk=pk, status="RUNNING").first()
            if task is None or (task.worker_ids and task.worker_ids[-1] in live_worker_ids(now)):
                continue  # finished meanwhile, or re-queued and claimed again by a live worker
            attempts = len(task.worker_ids)
            if attempts >= max_attempts:
                worker = task.worker_ids[-1] if task.worker_ids else "?"
                task.set_failed(WorkerLost(f"worker {worker} stopped during attempt {attempts} of {max_attempts}"))
                failed += 1
                logger.error("task %s (%s) failed: its worker died %d times", pk, task.task_path, attempts)
            else:
                task.status, task.started_at = "READY", None
                task.save(update_fields=["status", "started_at"])
                requeued += 1
                logger.warning("task %s (%s) re-queued: its worker stopped without finishing it", pk, task.task_path)
    # Leases dead for a while have been dealt with: forget them.
    forgotten = WorkerLease.objects.filter(expires_at__lt=now - dt.timedelta(seconds=lease_seconds()))
    if forgotten.exists():  # asked every few seconds: write only when there is something to delete
        forgotten.delete()
    return {"requeued": requeued, "failed": failed}


class LeaseKeeper:
    """The thread that renews this process's lease (and looks for abandoned tasks) every third of the lease."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"lease-{worker_id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=lease_seconds())

    def _run(self) -> None:
        period = max(lease_seconds() / 3, 0.5)
        try:
            while not self.stopped.wait(period):
                try:
                    close_old_connections()
                    if not lease_renew(worker_id=self.worker_id):
                        lease_take(worker_id=self.worker_id)  # removed by a recovery after a long pause: take again
                    tasks_recover()
                except Exception:
                    # A locked SQLite file or a database restart: the next period tries again.
                    logger.exception("renewing the lease of worker %s failed", self.worker_id)
        finally:
            connection.close()


def run_with_lease(*, worker_id: str, queues: str, run: Callable[[], None]) -> None:
    """Run the worker loop `run` holding a lease; recover the tasks of dead workers before the first claim."""
    global _current_worker_id
    _current_worker_id = worker_id
    with transaction.atomic():
        lease_take(worker_id=worker_id, queues=queues)
    result = tasks_recover()
    if result["requeued"] or result["failed"]:
        logger.warning("at start: %(requeued)d abandoned task(s) re-queued, %(failed)d failed", result)
    keeper = LeaseKeeper(worker_id)
    keeper.start()
    try:
        run()
    finally:
        keeper.stop()
        try:
            lease_release(worker_id=worker_id)
        except Exception:  # the database went away: the lease simply expires
            logger.exception("releasing the lease of worker %s failed", worker_id)
        _current_worker_id = ""
