"""Low-stock alerts through the notification channels: one e-mail per service manager of the warehouse's branch,
through the notifications outbox (retries, delivery log). Idempotent: a second run finds the deliveries made."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def alert_recipients(alert) -> list:
    """The branch's active service managers; with none, the administrators (an alert must reach someone)."""
    from weibao.accounts.selectors import branch_managers

    return branch_managers(branch_id=alert.warehouse.branch_id)


def alert_deliver(*, alert_id: int) -> int:
    from weibao.notifications.choices import Notice
    from weibao.notifications.services import email_notice
    from weibao.spares.models import StockAlert

    alert = StockAlert.objects.select_related("warehouse", "part").filter(pk=alert_id, cleared_at=None).first()
    if alert is None:
        return 0
    url = settings.SITE_URL.rstrip("/") + reverse("spares:warehouse", args=[alert.warehouse_id])
    return email_notice(
        notice=Notice.LOW_STOCK,
        recipients=alert_recipients(alert),
        template="spares/email/low_stock",
        context={"alert": alert, "url": url, "brand": settings.WEIBAO_BRAND},
        payload={"alert": alert.pk},
    )
