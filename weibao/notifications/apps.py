from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_workorder_events(event_ids: list[int]) -> None:
    """Called inside the transaction that wrote the events (one, or a batch intake's). With the database queue the
    notice task is queued right here and commits (or rolls back) with the events; with a broker (Celery/RQ) the
    message waits for the commit, or a worker could look for an event that is not there yet."""
    from django.db import transaction

    from weibao.notifications.tasks import notify_event, notify_events, queue_is_in_the_database

    def enqueue() -> None:
        if len(event_ids) == 1:
            notify_event.enqueue(event_id=event_ids[0])
        else:
            notify_events.enqueue(event_ids=list(event_ids))

    if queue_is_in_the_database():
        enqueue()
    else:
        transaction.on_commit(enqueue, robust=True)


class NotificationsConfig(AppConfig):
    name = "weibao.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Work orders publish their timeline events; we listen (workorders never imports notifications).
        try:
            from weibao.workorders.events import subscribe
        except ImportError:  # pragma: no cover - only while the work-order app is being built
            return
        from weibao.notifications import tasks  # noqa: F401 - registers the cron schedules

        subscribe(_on_workorder_events, in_transaction=True, many=True)

        # A worker killed mid-send leaves its notice "sending": settle it before its task is re-queued.
        from weibao.core.workers import on_workers_lost
        from weibao.notifications.services import deliveries_settle_abandoned

        on_workers_lost(deliveries_settle_abandoned)
