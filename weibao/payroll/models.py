"""Month end (issue 13, SPEC §5, 售后服务管理制度 §4 绩效管理): the pay rules with a validity start, each engineer's
pay data (hire and confirmation dates), travel claims with the manager's prior approval, and the monthly
statistics table (月度统计表) with its approval chain. An approved month is locked: its statements and lines are the
record, and anything recorded later goes to the next open month as an adjustment."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.core.money import MoneyField
from weibao.payroll.choices import (
    ApprovalStatus,
    ClaimStatus,
    LineKind,
    MonthEventKind,
    MonthStatus,
    TravelKind,
)


class PayRule(TimeStampedModel):
    """The amounts of the pay scheme from `valid_from` on (the seed's "每次**元" placeholders, set by an
    administrator). A change is a new row with a later date, so past months keep the rule of their dates."""

    valid_from = models.DateField(_("valid from"), unique=True)
    service_allowance = MoneyField(_("allowance per service (服务补贴)"))
    monthly_bonus = MoneyField(_("monthly no-complaint bonus (奖金)"))
    complaint_fine = MoneyField(_("fine per confirmed complaint"))
    forfeit_threshold = models.PositiveSmallIntegerField(
        _("complaints from which the bonus is forfeited"), help_text=_("月累计*次及以上，扣除当月奖金")
    )
    non_dedicated_visit_fee = MoneyField(_("labour fee per visit, non-dedicated staff"))
    base_salary = MoneyField(_("base salary (底薪)"))
    probation_base_salary = MoneyField(_("base salary on probation"))
    seniority_per_year = MoneyField(_("seniority pay per full year (工龄)"))
    standard_days = models.DecimalField(_("attendance days of a full month"), max_digits=5, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("pay rule")
        verbose_name_plural = _("pay rules")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_allowance__gte=0)
                & Q(monthly_bonus__gte=0)
                & Q(complaint_fine__gte=0)
                & Q(non_dedicated_visit_fee__gte=0)
                & Q(base_salary__gte=0)
                & Q(probation_base_salary__gte=0)
                & Q(seniority_per_year__gte=0),
                name="payrule_amounts_not_negative",
            ),
            models.CheckConstraint(condition=Q(forfeit_threshold__gte=1), name="payrule_threshold_positive"),
            models.CheckConstraint(condition=Q(standard_days__gt=0), name="payrule_standard_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from:%Y-%m-%d}"


class PayProfile(TimeStampedModel):
    """The base-salary inputs of one person kept as data: hire date (seniority, 工龄) and the end of probation
    (转正日期). Without a confirmation date the account's `on_probation` flag decides."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pay_profile", verbose_name=_("engineer")
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    confirmation_date = models.DateField(_("end of probation (转正日期)"), null=True, blank=True)

    class Meta:
        verbose_name = _("pay profile")
        verbose_name_plural = _("pay profiles")

    def __str__(self) -> str:
        return str(self.user)


def receipt_path(instance, filename: str) -> str:
    # Never trust the uploaded name for the stored path: only its extension survives.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"payroll/receipts/{timezone.now():%Y/%m}/{instance.sha256[:32]}{suffix}"


class TravelApproval(TimeStampedModel):
    """An engineer's request, before the trip, to take a taxi or freight for an order (urgent, or bulky goods);
    answered by the department manager. Only an approved request lets a taxi or freight claim through."""

    engineer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="travel_approvals")
    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("transport"), max_length=10, choices=TravelKind.choices)
    reason = models.TextField(_("why (urgent, bulky goods…)"))
    estimated_amount = MoneyField(_("estimated cost (CNY)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.CharField(_("manager's note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("taxi/freight approval")
        verbose_name_plural = _("taxi/freight approvals")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "id"], condition=Q(status="pending"), name="travelappr_pending_idx"),
            models.Index(fields=["engineer", "workorder"], name="travelappr_eng_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["taxi", "freight"]), name="travelappr_taxi_or_freight"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(answered_at__isnull=False), name="travelappr_answer_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engineer} {self.kind} {self.workorder_id}"


class TravelClaim(VersionedModel):
    """A travel expense claim (交通费报销) for one trip on one order, with the receipt photo. Public transport is
    reimbursed; taxi and freight only with an approval requested before the trip, otherwise the claim is stored
    refused with the rule named (the engineer sees why)."""

    engineer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="travel_claims")
    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("transport"), max_length=10, choices=TravelKind.choices)
    trip_at = models.DateTimeField(_("trip started at"))
    amount = MoneyField(_("amount (CNY)"))
    description = models.CharField(_("from – to"), max_length=300)
    receipt = models.FileField(_("receipt photo"), upload_to=receipt_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    approval = models.ForeignKey(TravelApproval, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices)
    refusal_reason = models.CharField(_("why refused"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("travel claim")
        verbose_name_plural = _("travel claims")
        ordering = ["-trip_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(status="accepted"), name="travelclaim_accepted_idx"),
            models.Index(fields=["engineer", "-trip_at"], name="travelclaim_engineer_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="travelclaim_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="accepted") | ~Q(refusal_reason=""), name="travelclaim_refusal_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engineer} {self.amount} {self.trip_at:%Y-%m-%d}"


class PayMonth(VersionedModel):
    """The monthly statistics table (月度统计表) of one calendar month: prepared by the service administrator,
    reviewed by the department manager, approved by the general manager. Approved = locked."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    status = models.CharField(_("status"), max_length=10, choices=MonthStatus.choices, default=MonthStatus.PREPARED)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(_("prepared at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(_("approved and locked at"), null=True, blank=True)
    # What the table counted up to: records made after it (and before the lock) need a recalculation.
    computed_at = models.DateTimeField(_("calculated at"))

    class Meta:
        verbose_name = _("monthly statistics")
        verbose_name_plural = _("monthly statistics")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="paymonth_first_day"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(locked_at__isnull=False, approved_by__isnull=False),
                name="paymonth_approved_is_locked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_locked(self) -> bool:
        return self.status == MonthStatus.APPROVED


class PayMonthEvent(models.Model):
    """One step of a month's approval chain (append-only): who, when, what, with an optional note."""

    pay_month = models.ForeignKey(PayMonth, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("step"), max_length=12, choices=MonthEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    authority_level = models.CharField(_("authority level"), max_length=32, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.pay_month} {self.kind}"


class Statement(VersionedModel):
    """One engineer's statement of one month: counts and amounts, with the lines that explain them. The totals
    are stored so that the team table and the export read one row per engineer."""

    pay_month = models.ForeignKey(PayMonth, on_delete=models.CASCADE, related_name="statements")
    engineer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pay_statements")
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("branch")
    )
    is_dedicated = models.BooleanField(_("dedicated"))
    on_probation = models.BooleanField(_("on probation"))
    services = models.PositiveIntegerField(_("services counted"), default=0)
    not_counted = models.PositiveIntegerField(_("visits not counted"), default=0)
    complaints = models.PositiveIntegerField(_("confirmed complaints"), default=0)
    allowance = MoneyField(_("service allowance"), default=0)
    visit_fees = MoneyField(_("per-visit labour fees"), default=0)
    bonus = MoneyField(_("bonus"), default=0)
    bonus_forfeited = models.BooleanField(_("bonus forfeited"), default=False)
    fines = MoneyField(_("fines"), default=0)
    travel = MoneyField(_("travel reimbursed"), default=0)
    adjustments = MoneyField(_("adjustments from earlier months"), signed=True, default=0)  # corrections both ways
    total = MoneyField(_("total"), signed=True, default=0)  # fines may exceed the month's pay
    attendance_days = models.DecimalField(_("attendance days"), max_digits=5, decimal_places=2, null=True, blank=True)
    seniority_years = models.PositiveSmallIntegerField(_("full years of service"), default=0)
    base_salary = MoneyField(_("base salary (paid at the start of the month)"), default=0)

    class Meta:
        verbose_name = _("engineer statement")
        verbose_name_plural = _("engineer statements")
        ordering = ["pay_month", "branch_id", "engineer_id"]
        constraints = [
            models.UniqueConstraint(fields=["pay_month", "engineer"], name="statement_one_per_engineer_month")
        ]
        indexes = [models.Index(fields=["engineer", "pay_month"], name="statement_engineer_idx")]

    def __str__(self) -> str:
        return f"{self.pay_month} {self.engineer}"


class StatementLine(models.Model):
    """One line of a statement: a counted service (with its order), a visit not counted and why, a fine, a travel
    claim, the bonus or its forfeiture. `from_month` is set on adjustments: a record of a locked month that came
    after the lock and is settled here."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices)
    on = models.DateField(_("date"))
    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    number = models.CharField(_("order"), max_length=20, blank=True)
    ref = models.CharField(_("reference"), max_length=40, blank=True)
    amount = MoneyField(_("amount"), signed=True, default=0)  # fines and forfeits are negative
    reason = models.CharField(_("note"), max_length=300, blank=True)
    rule = models.ForeignKey(PayRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_month = models.DateField(_("adjustment of month"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement_id", "kind", "on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"

    @property
    def is_adjustment(self) -> bool:
        return self.from_month is not None
