"""The customer loop after an order (SPEC §5, issue 12 points 1–3, 7): callbacks (回访) by the department manager,
complaints (投诉) with their own workflow and timeline, and the settings that drive both. Satisfaction
(客户满意度) is not stored twice: it is read from signed service forms (onsite) and reached callbacks.

Rows are written only through `feedback.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.models import VersionedModel
from weibao.core.phones import PhoneField
from weibao.feedback.choices import (
    CallbackOutcome,
    CallbackRule,
    CallbackStatus,
    ComplaintCategory,
    ComplaintEventKind,
    ComplaintSeverity,
    ComplaintSource,
    ComplaintStatus,
    FollowUp,
    Satisfaction,
)


class FeedbackPolicy(VersionedModel):
    """The one row of callback and complaint settings (回访/投诉规则). Durations are working hours on `calendar`
    (a 5x8 calendar: 8 working hours = 1 working day); without a calendar the built-in 5x8 with China's holidays."""

    sample_percent_cd = models.PositiveSmallIntegerField(
        _("share of C/D orders called back (%)"), default=20, help_text=_("0–100; every A/B order is called back.")
    )
    low_rating_max = models.PositiveSmallIntegerField(
        _("low rating: at most"), default=2, help_text=_("A service-form rating at or below this is called back.")
    )
    max_attempts = models.PositiveSmallIntegerField(_("call attempts before giving up"), default=3)
    retry_after_hours = models.PositiveSmallIntegerField(_("retry after (working hours)"), default=2)
    due_hours_severe = models.PositiveSmallIntegerField(_("callback due, severity A/B (working hours)"), default=8)
    due_hours_low_rating = models.PositiveSmallIntegerField(_("callback due, low rating (working hours)"), default=8)
    due_hours_complaint = models.PositiveSmallIntegerField(_("callback due, complaint (working hours)"), default=16)
    due_hours_sampled = models.PositiveSmallIntegerField(_("callback due, sampled (working hours)"), default=24)
    complaint_answer_hours = models.PositiveSmallIntegerField(
        _("complaint: first answer within (working hours)"), default=8
    )
    complaint_close_hours = models.PositiveSmallIntegerField(_("complaint: closed within (working hours)"), default=40)
    complaint_escalated_hours = models.PositiveSmallIntegerField(
        _("escalated complaint: answer within (working hours)"), default=16
    )
    # The sweep reads closing events after this timeline-event id (an hour's worth), not every closed order.
    swept_event_id = models.PositiveBigIntegerField(_("closing events looked at up to"), default=0, editable=False)
    calendar = models.ForeignKey(
        "contracts.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business calendar"),
    )

    class Meta:
        verbose_name = _("callback and complaint settings")
        verbose_name_plural = _("callback and complaint settings")
        constraints = [
            models.CheckConstraint(condition=Q(sample_percent_cd__lte=100), name="fbpolicy_percent_range"),
            models.CheckConstraint(condition=Q(low_rating_max__lte=5), name="fbpolicy_low_rating_range"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="fbpolicy_attempts_positive"),
        ]

    def __str__(self) -> str:
        return str(_("callback and complaint settings"))


class OrderLinked(VersionedModel):
    """What a complaint and a callback share: whose it is (customer), which order, engineer, contract and branch it is
    about — the keys every count per engineer, contract, customer and branch groups by. The reverse names follow the
    model: `order.complaints` / `order.callbacks`, `engineer.complaints_about` / `engineer.callbacks_about`."""

    customer = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
        verbose_name=_("work order"),
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss_about",
        verbose_name=_("engineer"),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contract"),
    )
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("branch")
    )

    class Meta:
        abstract = True


class Complaint(OrderLinked):
    """A customer's complaint (投诉) against an order and/or an engineer. Own workflow (registered → investigating →
    answered → closed, or escalated to the general manager), deadlines on the business calendar and a timeline.
    It counts against the engineer only once a manager confirms it (`confirmed_at`)."""

    CUSTOMER_SCOPE = "customer"

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    source = models.CharField(_("received via"), max_length=12, choices=ComplaintSource.choices)
    category = models.CharField(_("category"), max_length=12, choices=ComplaintCategory.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=ComplaintSeverity.choices, default=ComplaintSeverity.MINOR
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.REGISTERED
    )
    complainant_name = models.CharField(_("complainant"), max_length=100)
    complainant_phone = PhoneField(_("complainant phone"), max_length=40, blank=True)
    description = models.TextField(_("what the customer says"))
    answer = models.TextField(_("answer to the customer"), blank=True)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    answer_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    close_due_at = models.DateTimeField(_("to be closed by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed against the engineer at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_callback = models.ForeignKey(
        "feedback.Callback",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("raised during callback"),
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "registered_at"], name="complaint_customer_idx"),
            models.Index(fields=["confirmed_at"], condition=Q(confirmed_at__isnull=False), name="complaint_conf_idx"),
            models.Index(fields=["engineer", "registered_at"], name="complaint_engineer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(engineer__isnull=False),
                name="complaint_confirmed_needs_engineer",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != ComplaintStatus.CLOSED

    def answer_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.answer_due_at and self.answered_at is None and now > self.answer_due_at)

    def close_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.close_due_at and self.closed_at is None and now > self.close_due_at)


class ComplaintCounter(models.Model):
    """The last complaint number handed out per year (TS-<year>-<n>): taken by one atomic upsert, the row locked
    until the transaction ends, so numbers have no gaps and two registrations never clash."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("complaint number counter")
        verbose_name_plural = _("complaint number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ComplaintEvent(models.Model):
    """One step on a complaint's timeline (append-only). `internal` steps never reach the customer."""

    CUSTOMER_SCOPE = "complaint__customer"

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=ComplaintEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    old_status = models.CharField(_("from"), max_length=16, choices=ComplaintStatus.choices, blank=True)
    new_status = models.CharField(_("to"), max_length=16, choices=ComplaintStatus.choices, blank=True)
    body = models.TextField(_("text"), blank=True)
    internal = models.BooleanField(_("internal"), default=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")
        ordering = ["complaint_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class Callback(OrderLinked):
    """A callback (回访) the department manager owes the customer after an order closed (or after a complaint).

    Tries are recorded as CallbackAttempt rows; an unreached callback comes back after `retry_after_hours` until
    the policy's tries are used up. A reached callback records satisfaction 1–5, the customer's words verbatim and
    whether a follow-up (a new order or a complaint) was opened."""

    CUSTOMER_SCOPE = "customer"

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("complaint"),
    )
    rule = models.CharField(_("why"), max_length=12, choices=CallbackRule.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_phone = PhoneField(_("phone"), max_length=40, blank=True)
    due_at = models.DateTimeField(_("due"))
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    outcome = models.CharField(_("outcome"), max_length=12, choices=CallbackOutcome.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    remark = models.TextField(_("customer's words (verbatim)"), blank=True)
    follow_up = models.CharField(_("follow-up"), max_length=12, choices=FollowUp.choices, blank=True, default="")
    follow_up_order = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="callback_queue_idx"),
            models.Index(fields=["customer", "due_at"], name="callback_customer_idx"),
            models.Index(fields=["engineer", "done_at"], name="callback_engineer_idx"),
        ]
        constraints = [
            # One rule-based callback per order (selection runs again and again); complaint callbacks are per complaint.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(complaint__isnull=True, order__isnull=False),
                name="callback_one_per_order",
            ),
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(complaint__isnull=False), name="callback_one_per_complaint"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="callback_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(outcome="reached", done_at__isnull=False), name="callback_done_reached"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.order_id or self.complaint_id}"

    def is_overdue(self, now=None) -> bool:
        return self.status == CallbackStatus.PENDING and (now or timezone.now()) > self.due_at


class CallbackAttempt(models.Model):
    """One phone call of a callback: reached or not, with a note (append-only)."""

    CUSTOMER_SCOPE = "callback__customer"

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="tries")
    outcome = models.CharField(_("outcome"), max_length=12, choices=CallbackOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["callback_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.outcome}"
