"""Background work of the store: notifying the branch managers of a low-stock alert (after the move commits)."""

from __future__ import annotations

from django.tasks import task


@task()
def stock_alert_notify(*, alert_id: int) -> int:
    """Tell the service managers of the warehouse's branch that a part is low. Safe to run twice."""
    from weibao.spares.notify import alert_deliver

    return alert_deliver(alert_id=alert_id)
