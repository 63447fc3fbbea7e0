"""Writes of the SLA reports: the per-contract schedule, generating the regular reports on the first working day
after their period, the manager's review and the sending to the customer (STYLE §2: rules live here)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.permissions import require
from weibao.contracts.choices import ContractStatus
from weibao.contracts.models import Contract
from weibao.core.concurrency import update_if_version
from weibao.core.exceptions import TransitionNotAllowed
from weibao.slareports import metrics
from weibao.slareports.choices import Frequency, ReportStatus
from weibao.slareports.models import PeriodicReport, ReportSchedule

logger = logging.getLogger(__name__)

# The regular report's moves (STYLE §4): generated -> reviewed -> sent; a reviewed report can go back for changes.
TRANSITIONS = {
    ReportStatus.GENERATED: {ReportStatus.REVIEWED},
    ReportStatus.REVIEWED: {ReportStatus.SENT, ReportStatus.GENERATED},
    ReportStatus.SENT: set(),
}
BATCH = 500


def _clean_recipients(text: str) -> str:
    addresses = [a.strip().lower() for a in (text or "").split(",") if a.strip()]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {"extra_recipients": _("“%(address)s” is not an e-mail address.") % {"address": address}}
            ) from None
    return ", ".join(dict.fromkeys(addresses))


@transaction.atomic
def schedule_set(
    *,
    contract: Contract,
    actor,
    frequency: str,
    major_down_hours: int | None = None,
    extra_recipients: str = "",
    expected_version: int | None = None,
) -> ReportSchedule:
    """Set how a contract is reported (frequency, major-fault rule, extra recipients)."""
    require(actor, "slareports.schedule")
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _("Choose monthly, quarterly or none.")})
    if major_down_hours is not None and not 1 <= major_down_hours <= 10_000:
        raise ValidationError({"major_down_hours": _("Give a number of hours from 1 to 10000, or leave it empty.")})
    recipients = _clean_recipients(extra_recipients)
    schedule = ReportSchedule.objects.select_for_update().filter(contract=contract).first()
    if schedule is None:
        return ReportSchedule.objects.create(
            contract=contract, frequency=frequency, major_down_hours=major_down_hours, extra_recipients=recipients
        )
    update_if_version(
        instance=schedule,
        expected_version=schedule.version if expected_version is None else expected_version,
        frequency=frequency,
        major_down_hours=major_down_hours,
        extra_recipients=recipients,
    )
    return schedule


def last_complete_period(frequency: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last whole month or quarter that ended before `today`."""
    first_of_month = today.replace(day=1)
    if frequency == Frequency.MONTHLY:
        end = first_of_month - datetime.timedelta(days=1)
        return end.replace(day=1), end
    if frequency == Frequency.QUARTERLY:
        quarter_start = first_of_month.replace(month=(today.month - 1) // 3 * 3 + 1)
        end = quarter_start - datetime.timedelta(days=1)
        return end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1), end
    raise ValueError(frequency)


def first_working_day_after(contract: Contract, day: datetime.date) -> datetime.date:
    """The first working day of the contract's business calendar after `day` (7x24 calendars: the next day)."""
    cal = contract.calendar.working_calendar()
    candidate = day + datetime.timedelta(days=1)
    for _i in range(40):  # the longest Chinese holiday with its weekends is ~9 days
        if cal.day_info(candidate).is_working:
            return candidate
        candidate += datetime.timedelta(days=1)
    return candidate


def report_generate(
    *,
    contract: Contract,
    start: datetime.date,
    end: datetime.date,
    frequency: str,
    as_of: datetime.datetime | None = None,
    known_new: bool = False,
    major_down_hours=metrics.UNSET,
) -> tuple[PeriodicReport, bool]:
    """Compute and store the regular report of one contract and period; (report, created). Safe to run twice:
    the unique (contract, period) keeps one row, and an existing report is never recomputed. `known_new`: the
    caller already checked that none exists (the batch job checks a whole batch with one query)."""
    if not known_new:
        existing = PeriodicReport.objects.filter(contract=contract, period_start=start, period_end=end).first()
        if existing is not None:
            return existing, False
    data = metrics.build_report(contract=contract, start=start, end=end, as_of=as_of, major_down_hours=major_down_hours)
    try:
        with transaction.atomic():
            report = PeriodicReport.objects.create(
                contract=contract, frequency=frequency, period_start=start, period_end=end, data=data
            )
    except IntegrityError:  # another worker stored it first
        return PeriodicReport.objects.get(contract=contract, period_start=start, period_end=end), False
    return report, True


def reports_generate_due(
    *, today: datetime.date | None = None, progress: Callable[[int, int], None] | None = None, batch: int = BATCH
) -> dict[str, int]:
    """The daily job: for every scheduled contract in force, generate the report of its last complete period once
    the first working day after that period has come. Walks the schedules in primary-key batches."""
    today = today or timezone.localdate()
    counts = {"checked": 0, "generated": 0, "existing": 0, "not_yet": 0}
    schedules = ReportSchedule.objects.exclude(frequency=Frequency.NONE)
    total = schedules.count()
    last_pk = 0
    while True:
        rows = list(
            schedules.filter(pk__gt=last_pk, contract__status=ContractStatus.ACTIVE)
            .select_related("contract__calendar", "contract__customer")
            .order_by("pk")[:batch]
        )
        if not rows:
            break
        last_pk = rows[-1].pk
        # The reports this batch already has, per period, in one query (not one per contract).
        periods = {s.frequency: last_complete_period(s.frequency, today) for s in rows}
        existing = set()
        for start, end in set(periods.values()):
            existing.update(
                PeriodicReport.objects.filter(
                    contract_id__in=[s.contract_id for s in rows], period_start=start, period_end=end
                ).values_list("contract_id", "period_start")
            )
        due = []
        for schedule in rows:
            counts["checked"] += 1
            contract = schedule.contract
            start, end = periods[schedule.frequency]
            if end < contract.start_date or start > contract.end_date or today < first_working_day_after(contract, end):
                counts["not_yet"] += 1
            elif (contract.pk, start) in existing:
                counts["existing"] += 1
            else:
                due.append(schedule)
        # One batch of reports per period: five queries for the whole batch instead of five per contract.
        for frequency in {s.frequency for s in due}:
            group = [s for s in due if s.frequency == frequency]
            start, end = periods[frequency]
            built = metrics.build_reports(
                contracts=[s.contract for s in group],
                start=start,
                end=end,
                major_rules={s.contract_id: s.major_down_hours for s in group},
            )
            # One INSERT for the batch; a row another worker stored meanwhile is skipped by the unique constraint.
            PeriodicReport.objects.bulk_create(
                [
                    PeriodicReport(
                        contract_id=s.contract_id,
                        frequency=frequency,
                        period_start=start,
                        period_end=end,
                        data=built[s.contract_id],
                    )
                    for s in group
                ],
                ignore_conflicts=True,
            )
            counts["generated"] += len(group)
        if progress is not None:
            progress(counts["checked"], total)
    return counts


def _move(report: PeriodicReport, target: str) -> None:
    if target not in TRANSITIONS[report.status]:
        raise TransitionNotAllowed(
            current=str(ReportStatus(report.status).label),
            requested=str(ReportStatus(target).label),
        )


@transaction.atomic
def report_review(*, report: PeriodicReport, actor, expected_version: int, note: str = "") -> PeriodicReport:
    """The manager checked the numbers: the report may be sent."""
    require(actor, "slareports.review")
    report = PeriodicReport.objects.select_for_update().get(pk=report.pk)
    _move(report, ReportStatus.REVIEWED)
    update_if_version(
        instance=report,
        expected_version=expected_version,
        status=ReportStatus.REVIEWED,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        review_note=(note or "").strip()[:4000],
    )
    return report


@transaction.atomic
def report_reopen(*, report: PeriodicReport, actor, expected_version: int) -> PeriodicReport:
    """Take a reviewed report back before sending it (the numbers stay; the review is undone)."""
    require(actor, "slareports.review")
    report = PeriodicReport.objects.select_for_update().get(pk=report.pk)
    _move(report, ReportStatus.GENERATED)
    update_if_version(
        instance=report,
        expected_version=expected_version,
        status=ReportStatus.GENERATED,
        reviewed_by=None,
        reviewed_at=None,
    )
    return report


def report_recipients(report: PeriodicReport) -> list[str]:
    """The customer's contacts with an e-mail address, plus the schedule's extra recipients."""
    from weibao.customers.models import Contact

    contacts = (
        Contact.objects.filter(customer_id=report.contract.customer_id)
        .exclude(email="")
        .order_by("-is_primary", "name")
        .values_list("email", flat=True)
    )
    schedule = ReportSchedule.objects.filter(contract_id=report.contract_id).first()
    extra = schedule.extra_recipient_list if schedule else []
    return list(dict.fromkeys([e.lower() for e in contacts] + extra))


@transaction.atomic
def report_send(*, report: PeriodicReport, actor, expected_version: int) -> PeriodicReport:
    """Send a reviewed report to the customer's contacts with its PDF (the mail leaves after commit)."""
    require(actor, "slareports.review")
    report = PeriodicReport.objects.select_for_update().select_related("contract__customer").get(pk=report.pk)
    _move(report, ReportStatus.SENT)
    recipients = report_recipients(report)
    if not recipients:
        raise ValidationError(
            {"recipients": _("The customer has no contact with an e-mail address; add one or an extra recipient.")}
        )
    from django.conf import settings

    from weibao.slareports import exports

    pdf = exports.to_pdf(report.data, brand=getattr(settings, "WEIBAO_BRAND", ""))
    update_if_version(
        instance=report,
        expected_version=expected_version,
        status=ReportStatus.SENT,
        sent_by=actor,
        sent_at=timezone.now(),
        sent_to=recipients,
    )
    report.pdf.save(f"report-{report.pk}.pdf", ContentFile(pdf), save=False)
    PeriodicReport.objects.filter(pk=report.pk).update(pdf=report.pdf.name)
    from weibao.slareports.tasks import report_mail

    transaction.on_commit(partial(report_mail.enqueue, report_id=report.pk))
    return report
