"""Background work of the plans app: the missed-milestone sweep and the legacy-review reminders (periodic, safe to
run twice or in parallel), the processing report's PDF and mail, and the delivery of plan approval links. Every task
takes ids, re-reads the rows and may run twice (STYLE §6). `weibao crontask` schedules the @cron jobs."""

from __future__ import annotations

import logging

from crontask import cron
from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)
LANGUAGE = "zh-hans"  # the report and the mails to the customer are Chinese documents


@cron("*/5 * * * *")
@task()
def sweep_missed_milestones() -> int:
    """Every five minutes: agreed milestones whose working day ended unreached alert the manager once each."""
    from weibao.plans.services import milestones_sweep

    return milestones_sweep()


@cron("*/10 * * * *")
@task()
def remind_due_reviews() -> int:
    """Every ten minutes: legacy reviews whose next review day (a working day) has come remind the reviewer and the
    manager, once per review."""
    from weibao.plans.services import reviews_remind_due

    return reviews_remind_due()


def _deliver(
    *,
    notice: str,
    workorder,
    to: str,
    subject_tpl: str,
    body_tpl: str,
    context: dict,
    event_id=None,
    attachments: list | None = None,
):
    from weibao.notifications.choices import Channel
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import new_message_id, schedule, thread_headers

    with translation.override(LANGUAGE):
        subject = render_to_string(subject_tpl, context).strip()
        text = render_to_string(body_tpl, context)
    in_reply_to, references = thread_headers(workorder)
    now = timezone.now()
    delivery = Delivery(
        notice=notice,
        channel=Channel.EMAIL,
        recipient=to.lower(),
        workorder=workorder,
        event_id=event_id,
        language=LANGUAGE,
        severity=workorder.severity,
        subject=subject,
        body_text=text,
        message_id=new_message_id(workorder),
        next_try_at=now,
        payload={
            "in_reply_to": in_reply_to,
            "references": references,
            **({"attachments": attachments} if attachments else {}),
        },
    )
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return None  # queued by an earlier run of this task
    schedule(delivery, now=now)
    return delivery


@task()
def report_deliver(*, report_id: int) -> dict:
    """Render the processing report's PDF, keep it (on the report and attached to its timeline event) and e-mail it
    to the customer's contact."""
    from django.core.files.base import ContentFile

    from weibao.notifications.choices import Notice
    from weibao.onsite.tasks import customer_email
    from weibao.plans import pdf
    from weibao.plans.models import ProcessingReport
    from weibao.workorders.services import system_user, workorder_attach_document

    report = (
        ProcessingReport.objects.select_related(
            "workorder__customer",
            "workorder__site",
            "workorder__contact",
            "workorder__assignee",
            "workorder__reported_by",
            "event",
        )
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        return {"skipped": "gone"}
    wo = report.workorder
    filename = f"{wo.number}-processing-report-{report.revision}.pdf"
    with translation.override(LANGUAGE):
        data = pdf.render_report(pdf.report_context(report))
    if not report.file:
        report.file.save(filename, ContentFile(data), save=False)
    attachment = workorder_attach_document(
        event=report.event, content=data, name=filename, content_type="application/pdf", actor=system_user()
    )
    to = report.sent_to or customer_email(wo)
    result = {"attachment": attachment.pk, "delivery": None}
    if to:
        context = {
            "workorder": wo,
            "report": report,
            "brand": settings.WEIBAO_BRAND,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        delivery = _deliver(
            notice=Notice.PROCESSING_REPORT,
            workorder=wo,
            to=to,
            context=context,
            subject_tpl="plans/email/report-subject.txt",
            body_tpl="plans/email/report-body.txt",
            event_id=report.event_id,
            attachments=[{"path": attachment.file.name, "filename": filename, "content_type": "application/pdf"}],
        )
        result["delivery"] = delivery.pk if delivery else None
    report.sent_to, report.sent_at = to, report.sent_at or (timezone.now() if to else None)
    report.save(update_fields=["file", "sent_to", "sent_at", "updated_at"])
    return result


@task()
def plan_link_deliver(*, link_id: int, token: str) -> dict:
    """E-mail a one-time plan approval link through the outbox."""
    from weibao.core.models import ActionLink
    from weibao.notifications.choices import Notice
    from weibao.plans.models import SolutionPlan
    from weibao.plans.services import link_url

    link = ActionLink.objects.filter(pk=link_id, channel="email").first()
    if link is None:
        return {"skipped": True}
    plan = SolutionPlan.objects.select_related("workorder").filter(pk=link.target_id).first()
    if plan is None:
        return {"skipped": True}
    context = {
        "workorder": plan.workorder,
        "plan": plan,
        "url": link_url(token),
        "expires_at": link.expires_at,
        "brand": settings.WEIBAO_BRAND,
    }
    delivery = _deliver(
        notice=Notice.PLAN_LINK,
        workorder=plan.workorder,
        to=link.recipient,
        context=context,
        subject_tpl="plans/email/plan_link-subject.txt",
        body_tpl="plans/email/plan_link-body.txt",
    )
    return {"delivery": delivery.pk if delivery else None}
