"""Background work of the store: notifying the branch managers of a low-stock alert (after the move commits)."""

from __future__ import annotations

from django.tasks import task


@task()
def stock_alert_notify(*, alert_id: int) -> int:
    """Tell the service managers of the warehouse's branch that a part is low. Safe to run twice."""
    from weibao.spares.notify import alert_deliver

    return alert_deliver(alert_id=alert_id)


# Large stock lists are checked and received on the device import's queue (its own worker, limits, child reader).
IMPORTS_QUEUE = "imports"


@task(queue_name=IMPORTS_QUEUE)
def stock_import_check_task(job_id: int) -> None:
    from weibao.spares import excel

    excel.import_check(job_id=job_id)


@task(queue_name=IMPORTS_QUEUE)
def stock_import_commit_task(job_id: int, actor_id: int) -> None:
    from django.contrib.auth import get_user_model

    from weibao.spares import excel

    excel.import_commit(job_id=job_id, actor=get_user_model().objects.get(pk=actor_id))
