from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_workorder_event(event_id: int) -> None:
    from weibao.notifications.tasks import notify_event

    notify_event.enqueue(event_id=event_id)


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
        subscribe(_on_workorder_event)
        from weibao.notifications import tasks  # noqa: F401 - registers the cron schedules
