"""Low-stock alerts through the notification channels: one e-mail per service manager of the warehouse's branch,
through the notifications outbox (retries, delivery log). Idempotent: a second run finds the deliveries made."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from weibao.accounts.choices import Role

LANGUAGE = "zh-hans"


def alert_recipients(alert) -> list:
    """The branch's active service managers; with none, the administrators (an alert must reach someone)."""
    from weibao.accounts.models import User

    users = list(User.objects.filter(role=Role.SERVICE_MANAGER, branch=alert.warehouse.branch_id, is_active=True))
    if not users:
        users = list(User.objects.filter(role=Role.ADMIN, is_active=True, organisation__kind="own"))
    return users


def alert_deliver(*, alert_id: int) -> int:
    from weibao.notifications.choices import Channel, Notice
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import new_message_id, preference_for, schedule
    from weibao.spares.models import StockAlert

    alert = StockAlert.objects.select_related("warehouse", "part").filter(pk=alert_id, cleared_at=None).first()
    if alert is None:
        return 0
    url = settings.SITE_URL.rstrip("/") + reverse("spares:warehouse", args=[alert.warehouse_id])
    context = {"alert": alert, "url": url, "brand": settings.WEIBAO_BRAND}
    made = 0
    for user in alert_recipients(alert):
        pref = preference_for(user)
        if not user.email or (pref.notices and Notice.LOW_STOCK not in pref.notices):
            continue
        if Delivery.objects.filter(notice=Notice.LOW_STOCK, recipient_user=user, payload__alert=alert.pk).exists():
            continue  # this run is a repeat
        language = user.language or LANGUAGE
        with translation.override(language):
            subject = " ".join(render_to_string("spares/email/low_stock-subject.txt", context).split())
            text = render_to_string("spares/email/low_stock-body.txt", context)
        now = timezone.now()
        delivery = Delivery.objects.create(
            notice=Notice.LOW_STOCK, channel=Channel.EMAIL, recipient=user.email.lower(), recipient_user=user,
            language=language, subject=subject[:500], body_text=text.strip() + "\n", message_id=new_message_id(),
            next_try_at=now, payload={"alert": alert.pk},
        )  # fmt: skip
        schedule(delivery, now=now)
        made += 1
    return made
