"""Plans the customer agrees to (SPEC §3, §4.8; issue 22): the solution plan (解决方案) of a work order with its
agreed schedule of milestones, the D-class change requests (修改计划) of a contract, the reminders of legacy reviews
and the processing reports (处理报告) sent to the customer. Written only through `plans.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.core.money import MoneyField
from weibao.plans.choices import CHANGE_BADGE, CHANGE_COMMITTED, PLAN_BADGE, AnswerVia, ChangeStatus, PlanStatus


class SolutionPlan(VersionedModel):
    """One version of a work order's solution plan: the cause (confirmed with a named person of the customer), the
    actions, risks and parts, and the schedule (milestones). Drafted by the engineer, submitted to the customer (the
    plan clock stops), who approves it, asks for changes or rejects it (the clock runs on). A new version supersedes
    the previous one; at most one version per order is a draft or waiting for the customer."""

    CUSTOMER_SCOPE = "organisation"
    # Vendors see a plan only as the timeline's events show it (visibility.RULES), never the plan records.

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.PROTECT, related_name="solution_plans", verbose_name=_("work order")
    )
    revision = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    cause = models.TextField(_("cause"), blank=True)
    cause_confirmed_by = models.CharField(
        _("cause confirmed with (customer)"),
        max_length=100,
        blank=True,
        help_text=_("The customer's responsible person who confirmed the cause together with us."),
    )
    actions = models.TextField(_("proposed actions"), blank=True)
    risks = models.TextField(_("risks"), blank=True)
    parts = models.TextField(_("parts needed"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True, help_text=_("Never shown to the customer."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_via = models.CharField(_("answered via"), max_length=10, choices=AnswerVia.choices, blank=True)
    answer_name = models.CharField(_("answered by (name)"), max_length=100, blank=True)
    answer_reason = models.TextField(_("reason given"), blank=True)

    class Meta:
        verbose_name = _("solution plan")
        verbose_name_plural = _("solution plans")
        ordering = ["workorder_id", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["workorder", "revision"], name="plan_unique_revision"),
            models.UniqueConstraint(
                fields=["workorder"], condition=Q(status__in=["draft", "submitted"]), name="plan_one_open_per_order"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "-id"], name="plan_org_status_idx")]

    def __str__(self) -> str:
        return f"{self.workorder_id} v{self.revision}"

    @property
    def badge(self) -> str:
        return PLAN_BADGE.get(self.status, "muted")

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def awaits_answer(self) -> bool:
        return self.status == PlanStatus.SUBMITTED

    def summary(self) -> str:
        """The plan as one text (kept in the order's plan field and on the timeline)."""
        parts = [
            self.cause and f"{_('Cause')}: {self.cause}",
            self.actions,
            self.risks and f"{_('Risks')}: {self.risks}",
        ]
        return "\n".join(p for p in parts if p)


class Milestone(models.Model):
    """One dated step of a plan's schedule (时间安排). Once the customer approves the plan its milestones are `active`:
    due dates on the order that both sides see, each due at the end of its working day on the contract's calendar
    (`due_at`; a date that is no working day is due at the end of the next one). A missed one alerts once."""

    CUSTOMER_SCOPE = "organisation"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SolutionPlan, on_delete=models.CASCADE, related_name="milestones")
    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="milestones")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    due_at = models.DateTimeField(_("due at"))
    active = models.BooleanField(_("agreed"), default=False)
    done_at = models.DateTimeField(_("reached at"), null=True, blank=True)
    missed_at = models.DateTimeField(_("missed (alerted) at"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["plan_id", "position", "id"]
        indexes = [
            # The sweep: agreed, open milestones whose time has come.
            models.Index(
                fields=["due_at"],
                condition=Q(active=True, done_at__isnull=True, missed_at__isnull=True),
                name="milestone_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} @ {self.due_on}"

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "done"
        if self.missed_at is not None or (self.active and self.due_at <= timezone.now()):
            return "missed"
        return "open"


class ChangeRequest(VersionedModel):
    """A D-class request (修改计划, SPEC §3: "a change plan negotiated by both parties"): an enhancement the customer
    wants within its contract, with the negotiated plan, estimate, quote where chargeable, agreed target date and
    the customer's acceptance. It has no SLA clock and never counts as a breach; an agreed date passed is shown as
    overdue."""

    CUSTOMER_SCOPE = "organisation"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("contract")
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_requests",
        verbose_name=_("work order"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what is wanted"))
    plan = models.TextField(_("negotiated plan"), blank=True)
    estimate_days = models.DecimalField(
        _("estimate (person-days)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    chargeable = models.BooleanField(_("chargeable"), default=False)
    quote_amount = MoneyField(_("quote (CNY)"), null=True, blank=True)
    agreed_on = models.DateField(_("agreed target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.PROPOSED)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by_name = models.CharField(_("accepted by"), max_length=100, blank=True)
    internal_note = models.TextField(_("internal note"), blank=True, help_text=_("Never shown to the customer."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-id"]
        indexes = [models.Index(fields=["contract", "status", "-id"], name="change_contract_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quote_amount__isnull=True) | Q(quote_amount__gte=0), name="change_quote_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def badge(self) -> str:
        return CHANGE_BADGE.get(self.status, "muted")

    @property
    def is_overdue(self) -> bool:
        return self.status in CHANGE_COMMITTED and self.agreed_on is not None and self.agreed_on < timezone.localdate()


class ReviewReminder(models.Model):
    """The reminder of one legacy review's next review day (遗留问题跟进): fired once, on that working day, to the
    reviewer and the branch's service manager. The unique review makes a second run of the job a no-op."""

    review = models.OneToOneField("workorders.LegacyReview", on_delete=models.CASCADE, related_name="reminder")
    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(_("review due on"))
    fired_at = models.DateTimeField(_("reminded at"), default=timezone.now)
    event = models.ForeignKey("workorders.WorkOrderEvent", on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")
        ordering = ["-fired_at"]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.due_on}"


def report_path(instance, filename: str) -> str:
    return f"plans/reports/{timezone.now():%Y/%m}/{instance.workorder_id}-{instance.revision}.pdf"


class ProcessingReport(TimeStampedModel):
    """A processing report (处理报告, procedure 4.6.3) for the customer about a legacy order: the text, the PDF made
    from it (CJK), to whom it was sent and when. Kept: the PDF is also attached to the customer-visible timeline
    event."""

    CUSTOMER_SCOPE = "organisation"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="processing_reports")
    review = models.ForeignKey(
        "workorders.LegacyReview", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveSmallIntegerField(_("number"), default=1)
    body = models.TextField(_("report"))
    file = models.FileField(_("PDF"), upload_to=report_path, max_length=200, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField("workorders.WorkOrderEvent", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("processing report")
        verbose_name_plural = _("processing reports")
        ordering = ["workorder_id", "-revision"]
        constraints = [models.UniqueConstraint(fields=["workorder", "revision"], name="report_unique_revision")]

    def __str__(self) -> str:
        return f"{self.workorder_id} #{self.revision}"
