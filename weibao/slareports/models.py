"""Per-contract report settings and the regular reports (定期报告) sent to the customer.

The SLA report itself is computed on demand from the work orders and their SLA clocks (`slareports.metrics`); a
regular report keeps the computed numbers as a snapshot (`data`), so what was reviewed and sent never changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.models import VersionedModel
from weibao.slareports.choices import REPORT_STATUS_BADGE, Frequency, ReportStatus


class ReportSchedule(VersionedModel):
    """How a contract is reported: the regular report's frequency, extra recipients and the major-fault rule.

    A fault counts as major (重大故障) when its severity is A, or - when `major_down_hours` is set - when the system
    stayed down (reported → resolved) longer than that many hours."""

    CUSTOMER_SCOPE = "contract__customer__organisation"

    contract = models.OneToOneField(
        "contracts.Contract", on_delete=models.CASCADE, related_name="report_schedule", verbose_name=_("contract")
    )
    frequency = models.CharField(_("regular report"), max_length=10, choices=Frequency.choices, default=Frequency.NONE)
    major_down_hours = models.PositiveSmallIntegerField(
        _("major fault when down longer than (hours)"),
        null=True,
        blank=True,
        help_text=_("Empty: only severity A counts as a major fault."),
    )
    extra_recipients = models.CharField(
        _("extra recipients"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated e-mail addresses, in addition to the customer's contacts."),
    )

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        indexes = [models.Index(fields=["frequency", "id"], name="slasched_frequency_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(major_down_hours__isnull=True) | Q(major_down_hours__gt=0), name="slasched_hours_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.frequency}"

    @property
    def extra_recipient_list(self) -> list[str]:
        return [a.strip().lower() for a in self.extra_recipients.split(",") if a.strip()]


def report_pdf_path(instance: PeriodicReport, filename: str) -> str:
    return f"slareports/{timezone.now():%Y/%m}/report-{instance.pk}-{instance.period_start:%Y%m%d}.pdf"


class PeriodicReport(VersionedModel):
    """One regular report of a contract for one period: generated on the first working day after the period,
    reviewed by the service manager, then sent to the customer's contacts with its PDF. History is kept."""

    CUSTOMER_SCOPE = "contract__customer__organisation"

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="periodic_reports", verbose_name=_("contract")
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.GENERATED)
    data = models.JSONField(_("numbers"), default=dict)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("manager's note"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_to = models.JSONField(_("sent to"), default=list, blank=True)
    mailed_at = models.DateTimeField(_("mail handed over at"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=report_pdf_path, max_length=200, blank=True)

    class Meta:
        verbose_name = _("regular report")
        verbose_name_plural = _("regular reports")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "period_start", "period_end"], name="slareport_unique_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="slareport_period_order"
            ),
        ]
        indexes = [
            models.Index(fields=["contract", "-period_start"], name="slareport_contract_idx"),
            models.Index(fields=["status", "-period_start"], name="slareport_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period_start}..{self.period_end}"

    @property
    def status_badge(self) -> str:
        return REPORT_STATUS_BADGE.get(self.status, "muted")
