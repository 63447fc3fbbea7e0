"""Background work of the SLA reports: the daily generation of the regular reports and the mail to the customer.
Both take ids (or nothing), re-read the rows and are safe to run twice (STYLE §6)."""

from __future__ import annotations

import logging

from crontask import cron
from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


@cron("40 6 * * *")
@task()
def generate_due_reports() -> dict:
    """Every morning: the regular reports whose period ended and whose first working day after it has come."""
    from weibao.slareports.services import reports_generate_due

    return reports_generate_due()


@task()
def report_mail(*, report_id: int) -> dict:
    """E-mail a sent report's PDF to the recipients recorded on it, through the notifications outbox (a mail server
    that is down delays the mail, it does not lose it; the delivery log shows each address); a second run sends
    nothing."""
    from weibao.notifications.choices import Notice
    from weibao.notifications.services import email_notice
    from weibao.slareports.models import PeriodicReport

    with transaction.atomic():
        # Claim the mail with a conditional update: two workers cannot both queue it.
        claimed = PeriodicReport.objects.filter(pk=report_id, status="sent", mailed_at__isnull=True).update(
            mailed_at=timezone.now()
        )
    if not claimed:
        return {"skipped": True}
    report = PeriodicReport.objects.select_related("contract__customer").get(pk=report_id)
    context = {
        "report": report,
        "data": report.data,
        "brand": settings.WEIBAO_BRAND,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    filename = f"{report.contract.code}-{report.period_start:%Y%m}.pdf"
    try:
        email_notice(
            notice=Notice.SLA_REPORT,
            recipients=[(address, None) for address in report.sent_to],
            template="slareports/email/report",
            context=context,
            payload={"periodic_report": report.pk},
            attachments=[{"path": report.pdf.name, "filename": filename, "content_type": "application/pdf"}],
        )
    except Exception:
        # Hand the claim back so the next run queues it; the manager sees "not mailed yet" meanwhile.
        PeriodicReport.objects.filter(pk=report_id).update(mailed_at=None)
        logger.exception("report %s: mail could not be queued", report_id)
        raise
    return {"sent_to": report.sent_to}
