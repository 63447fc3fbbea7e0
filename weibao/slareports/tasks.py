"""Background work of the SLA reports: the daily generation of the regular reports and the mail to the customer.
Both take ids (or nothing), re-read the rows and are safe to run twice (STYLE §6)."""

from __future__ import annotations

import logging

from crontask import cron
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)
LANGUAGE = "zh-hans"  # the report goes to a Chinese customer


@cron("40 6 * * *")
@task()
def generate_due_reports() -> dict:
    """Every morning: the regular reports whose period ended and whose first working day after it has come."""
    from weibao.slareports.services import reports_generate_due

    return reports_generate_due()


@task()
def report_mail(*, report_id: int) -> dict:
    """E-mail a sent report's PDF to the recipients recorded on it; a second run sends nothing."""
    from weibao.slareports.models import PeriodicReport

    with transaction.atomic():
        # Claim the mail with a conditional update: two workers cannot both send it.
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
    with translation.override(LANGUAGE):
        subject = render_to_string("slareports/email/report-subject.txt", context).strip()
        body = render_to_string("slareports/email/report-body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=report.sent_to)
    with report.pdf.open("rb") as handle:
        message.attach(f"{report.contract.code}-{report.period_start:%Y%m}.pdf", handle.read(), "application/pdf")
    try:
        message.send()
    except Exception:
        # Hand the claim back so the next run retries; the manager sees "not mailed yet" meanwhile.
        PeriodicReport.objects.filter(pk=report_id).update(mailed_at=None)
        logger.exception("report %s: mail failed", report_id)
        raise
    return {"sent_to": report.sent_to}
