"""Background work of inspections: generation ahead (nightly), missed visits (escalated to the managers),
assignment of the coming week's visits by the dispatch rules, and the signed report's PDF to the customer.
Every task takes ids or nothing, re-reads rows and is safe to run twice (STYLE §6)."""

from __future__ import annotations

import logging

from crontask import cron
from django.conf import settings
from django.tasks import task
from django.utils import translation

logger = logging.getLogger(__name__)
LANGUAGE = "zh-hans"


@cron("40 1 * * *")
@task()
def generate_visits() -> int:
    from weibao.inspections.services import visits_generate_all

    return visits_generate_all()


@cron("10 6 * * *")
@task()
def mark_missed_and_assign() -> dict:
    """Each morning: yesterday's undone visits become missed and the managers are told; the week ahead gets its
    engineers."""
    from weibao.inspections.services import visits_assign_upcoming, visits_mark_missed

    missed = visits_mark_missed()
    if missed:
        escalate_missed.enqueue(visit_ids=missed)
    return {"missed": len(missed), "assigned": visits_assign_upcoming()}


@task()
def escalate_missed(*, visit_ids: list[int]) -> int:
    """E-mail the service managers the visits just missed (once per visit: `missed_notified_at`), through the
    notifications outbox (retries, delivery log, each manager's notice settings)."""
    from django.utils import timezone

    from weibao.accounts.choices import Role
    from weibao.accounts.models import User
    from weibao.inspections.choices import VisitStatus
    from weibao.inspections.models import InspectionVisit
    from weibao.notifications.choices import Notice
    from weibao.notifications.services import email_notice

    visits = list(
        InspectionVisit.objects.filter(pk__in=visit_ids, status=VisitStatus.MISSED, missed_notified_at__isnull=True)
        .select_related("plan__site", "contract", "assignee")
        .order_by("scheduled_on")
    )
    managers = list(User.objects.filter(role__in=[Role.SERVICE_MANAGER], is_active=True).exclude(email=""))
    if not visits or not managers:
        return 0
    email_notice(
        notice=Notice.INSPECTION_MISSED,
        recipients=managers,
        template="inspections/email/missed",
        context={"visits": visits, "site_url": settings.SITE_URL.rstrip("/")},
        payload={"visits": ",".join(str(v.pk) for v in visits)},
    )
    InspectionVisit.objects.filter(pk__in=[v.pk for v in visits]).update(missed_notified_at=timezone.now())
    return len(visits)


def report_path(visit) -> str:
    """Where the signed report's PDF is kept for its mail (one file per visit: a signed report never changes)."""
    from weibao.inspections import pdf

    return f"inspections/reports/{visit.pk}/{pdf.filename(visit)}"


@task()
def report_deliver(*, visit_id: int) -> dict:
    """E-mail the signed inspection report (PDF) to the customer's contacts with an address (at most five), through
    the notifications outbox: a mail server that is down delays the mail, it does not lose it. The PDF is rendered
    once and kept; a second run sends nothing twice."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from weibao.customers.models import Contact
    from weibao.inspections import pdf
    from weibao.inspections.choices import VisitStatus
    from weibao.inspections.models import InspectionVisit
    from weibao.notifications.choices import Notice
    from weibao.notifications.services import email_notice

    visit = (
        InspectionVisit.objects.select_related("plan__site__customer", "contract", "assignee")
        .filter(pk=visit_id, status=VisitStatus.SIGNED)
        .first()
    )
    if visit is None:
        return {"skipped": "not signed"}
    customer = visit.plan.site.customer
    to = sorted(
        {e.lower() for e in Contact.objects.filter(customer=customer).exclude(email="").values_list("email", flat=True)}
    )[:5]
    if not to:
        return {"skipped": "no address"}
    path = report_path(visit)
    if not default_storage.exists(path):
        with translation.override(LANGUAGE):
            path = default_storage.save(path, ContentFile(pdf.render_report(visit)))
    made = email_notice(
        notice=Notice.INSPECTION_REPORT,
        recipients=[(address, None) for address in to],
        template="inspections/email/report",
        context={"visit": visit, "site_url": settings.SITE_URL.rstrip("/")},
        payload={"visit": visit.pk},
        attachments=[{"path": path, "filename": pdf.filename(visit), "content_type": "application/pdf"}],
    )
    return {"sent_to": to, "deliveries": made}
