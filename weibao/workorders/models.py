"""Work orders (故障处理工作单), their append-only timeline, SLA clocks, attachments, work logs, legacy reviews.

Later issues (quotes, replacements, service forms, RMA, feedback) attach by a foreign key to WorkOrder.
"""

from __future__ import annotations

import datetime
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Replace, Reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.contracts.choices import ClockKind, IntakeChannel, Severity
from weibao.core.models import AppendOnlyModel, TimeStampedModel, VersionedModel
from weibao.core.phones import PhoneField
from weibao.workorders.choices import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    OPEN_STATUSES,
    AlarmStatus,
    AlertLevel,
    Category,
    Cause,
    ChargeReason,
    EventKind,
    MaintenanceType,
    ReopenReason,
    ReopenSource,
    ReplyDecision,
    ServiceKind,
    ServiceType,
    SlaState,
    Status,
    WorkKind,
)

OPEN_Q = Q(status__in=sorted(OPEN_STATUSES))
ACTIVE_Q = Q(status__in=sorted(ACTIVE_STATUSES))
DONE_Q = Q(status__in=sorted(DONE_STATUSES))


class NumberCounter(models.Model):
    """The last work-order number handed out per year; one row per year, locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("work-order number counter")
        verbose_name_plural = _("work-order number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class WorkOrder(VersionedModel):
    """One fault report and everything done about it, from intake to closing (SPEC §4).

    The status moves only through the transition services in `workorders.services`; every change appends a
    WorkOrderEvent. `version` guards against lost updates when two people edit at once.
    """

    CUSTOMER_SCOPE = "organisation"
    # A vendor sees the orders escalated to it (SPEC §8).
    VENDOR_SCOPE = "escalated_vendor__organisation"

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    # The number's digits reversed ("WB-2026-000235" -> "5320006202"): "the order ending 235" is a prefix lookup.
    number_key = models.GeneratedField(
        expression=Reverse(Replace(Replace("number", Value("WB"), Value("")), Value("-"), Value(""))),
        output_field=models.CharField(max_length=20),
        db_persist=True,
    )
    # Foreign keys marked db_index=False are led by a composite index below (one index fewer per insert).
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="workorders",
        verbose_name=_("customer"),
        db_index=False,
    )
    site = models.ForeignKey(
        "customers.Site", on_delete=models.PROTECT, related_name="workorders", verbose_name=_("site"), db_index=False
    )
    project = models.ForeignKey(
        "assets.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workorders",
        verbose_name=_("project"),
    )
    devices = models.ManyToManyField(
        "assets.Device", blank=True, related_name="workorders", verbose_name=_("affected devices")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workorders",
        verbose_name=_("contract"),
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workorders",
        verbose_name=_("responsible branch"),
        db_index=False,
    )

    # Intake: who reported what, how.
    channel = models.CharField(_("channel"), max_length=16, choices=IntakeChannel.choices)
    source_ref = models.CharField(
        _("source reference"), max_length=200, blank=True, help_text=_("E.g. the e-mail Message-ID it came from.")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    reporter_name = models.CharField(_("reporter"), max_length=100, blank=True)
    reporter_phone = PhoneField(_("reporter phone"), max_length=40, blank=True)
    # The reporter's phone digits reversed (`core.phones.suffix_key`): "the caller's number" and "a number ending
    # in 7829" are both a prefix lookup on one index. Kept in step by the intake and edit services.
    reporter_phone_key = models.CharField(max_length=40, blank=True, default="", editable=False)
    reporter_email = models.CharField(_("reporter email"), max_length=254, blank=True)
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workorders",
        verbose_name=_("contact"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    symptom = models.TextField(_("symptom"))

    # Triage.
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices, default=Severity.C)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.OTHER)
    cause = models.CharField(_("cause"), max_length=16, choices=Cause.choices, default=Cause.UNKNOWN)
    service_type = models.CharField(
        _("service type"), max_length=16, choices=ServiceType.choices, default=ServiceType.PAID
    )
    chargeable = models.BooleanField(_("chargeable"), default=True)
    charge_reason = models.CharField(
        _("why chargeable"), max_length=20, choices=ChargeReason.choices, blank=True, default=ChargeReason.NONE
    )
    in_warranty = models.BooleanField(_("in warranty"), null=True, blank=True)
    # What kind of service and which maintenance type (issue 17 point 6). A database default too, so adding the
    # columns to a table of a million orders is a catalogue change, not a rewrite.
    service_kind = models.CharField(
        _("service kind"),
        max_length=16,
        choices=ServiceKind.choices,
        default=ServiceKind.FAULT_REPAIR,
        db_default=ServiceKind.FAULT_REPAIR.value,
    )
    maintenance_type = models.CharField(
        _("maintenance type"),
        max_length=12,
        choices=MaintenanceType.choices,
        default=MaintenanceType.CORRECTIVE,
        db_default=MaintenanceType.CORRECTIVE.value,
    )

    # People.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_workorders",
        verbose_name=_("assignee"),
        db_index=False,
    )
    escalated_vendor = models.ForeignKey(
        "assets.Vendor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workorders",
        verbose_name=_("escalated to vendor"),
        db_index=False,
    )

    # Lifecycle.
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    resume_status = models.CharField(
        _("status before waiting"), max_length=20, choices=Status.choices, blank=True, editable=False
    )
    # A code of the configurable PauseReason list (issue 17): "" while the order does not wait.
    wait_reason = models.CharField(_("waiting for"), max_length=20, blank=True, default="")
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted by engineer at"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("agreed visit time"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    plan = models.TextField(_("solution plan"), blank=True)
    plan_at = models.DateTimeField(_("plan recorded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    observation_ends_at = models.DateTimeField(_("observation ends at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # The customer wrote during observation and the desk has not decided yet (客户在观察期内回复): shown in the
    # queue, and the observation close job leaves the order alone until it is cleared (issue 23).
    observation_reply_pending = models.BooleanField(_("customer replied during observation"), default=False)

    # Denormalised from the clocks so that queues sort and filter on one index.
    next_deadline = models.DateTimeField(_("next deadline"), null=True, blank=True)
    sla_state = models.CharField(_("SLA"), max_length=10, choices=SlaState.choices, default=SlaState.OK)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-id"]
        indexes = [
            # The queue: open orders by nearest deadline (PostgreSQL's ASC is NULLS LAST, as the queue sorts).
            models.Index(fields=["next_deadline", "id"], condition=OPEN_Q, name="wo_open_deadline_idx"),
            models.Index(fields=["status", "next_deadline", "id"], condition=OPEN_Q, name="wo_open_status_idx"),
            models.Index(fields=["branch", "next_deadline", "id"], condition=OPEN_Q, name="wo_open_branch_idx"),
            models.Index(fields=["assignee", "next_deadline", "id"], condition=OPEN_Q, name="wo_open_assignee_idx"),
            models.Index(fields=["sla_state", "next_deadline", "id"], condition=OPEN_Q, name="wo_open_sla_idx"),
            # Counts per state under the queue's filters: an index-only scan over the (few) active orders.
            models.Index(
                fields=["status", "severity", "sla_state"],
                include=["channel", "branch", "assignee", "customer", "site", "organisation"],
                condition=ACTIVE_Q,
                name="wo_active_counts_idx",
            ),
            # The legacy review queue (遗留问题): open orders by how long ago their resolution fell due.
            models.Index(fields=["resolution_due_at", "id"], condition=OPEN_Q, name="wo_open_resolution_due_idx"),
            models.Index(fields=["organisation", "status", "-id"], name="wo_org_status_idx"),
            models.Index(fields=["customer", "-id"], name="wo_customer_idx"),
            models.Index(fields=["assignee", "status", "-id"], name="wo_assignee_status_idx"),
            models.Index(fields=["branch", "status", "-id"], name="wo_branch_status_idx"),
            models.Index(fields=["site", "-id"], name="wo_site_idx"),
            # A site's briefing: its latest open and latest finished orders, however many it has.
            models.Index(fields=["site", "-id"], condition=OPEN_Q, name="wo_open_site_idx"),
            models.Index(fields=["site", "-id"], condition=DONE_Q, name="wo_done_site_idx"),
            models.Index(fields=["status", "-id"], name="wo_status_idx"),
            # The observation sweep.
            models.Index(
                fields=["observation_ends_at"],
                condition=Q(status__in=["resolved", "observing"]),
                name="wo_observation_idx",
            ),
            models.Index(fields=["escalated_vendor", "-id"], name="wo_vendor_idx"),
            # Search by phone or order-number digits (suffixes): prefix lookups on the reversed keys.
            # varchar_pattern_ops lets PostgreSQL answer LIKE 'x%' whatever the database collation.
            models.Index(fields=["reporter_phone_key"], opclasses=["varchar_pattern_ops"], name="wo_phone_key_idx"),
            models.Index(fields=["number_key"], opclasses=["varchar_pattern_ops"], name="wo_number_key_idx"),
            # Orders whose customer replied during observation and wait for the desk (issue 23): few, counted often.
            models.Index(fields=["id"], condition=Q(observation_reply_pending=True), name="wo_reply_pending_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="wo_cancel_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class WorkOrderEvent(AppendOnlyModel):
    """One entry on a work order's timeline: who did what when, with before/after values. Never edited or deleted.

    `data` holds the details: for edits {"fields": {"name": [old, new]}}, for moves the reason or note, for SLA
    events the clock kind. `dedupe_key` (when set) is unique per order: a re-run sweep cannot write it twice.
    """

    CUSTOMER_SCOPE = "workorder__organisation"
    VENDOR_SCOPE = "workorder__escalated_vendor__organisation"

    workorder = models.ForeignKey(  # indexed by woevent_order_idx
        WorkOrder, on_delete=models.PROTECT, related_name="events", verbose_name=_("work order"), db_index=False
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    old_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    new_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    internal = models.BooleanField(_("internal"), default=False, help_text=_("Not shown to the customer."))
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["workorder", "id"], name="woevent_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["workorder", "dedupe_key"], condition=~Q(dedupe_key=""), name="woevent_unique_dedupe"
            )
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"


class Clock(models.Model):
    """One SLA clock of an order (response, arrival, plan, resolution), measured on the contract's calendar.

    `deadline`/`warn_at` are recomputed whenever the clock resumes; `pauses` keeps the paused wall-time
    intervals [[start, end, reason], …] (older rows have no reason); `cycle` counts restarts (a reopen restarts the
    resolution clock).
    """

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey(  # indexed by the unique (workorder, kind)
        WorkOrder, on_delete=models.CASCADE, related_name="clocks", db_index=False
    )
    kind = models.CharField(_("clock"), max_length=16, choices=ClockKind.choices)
    target = models.DurationField(_("target"))
    warn_ratio = models.FloatField(_("warn at"), default=0.75)
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("deadline"))
    warn_at = models.DateTimeField(_("warning at"))
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    # The PauseReason code of the open pause; a closed pause keeps its reason as the third item in `pauses`.
    pause_reason = models.CharField(_("paused for"), max_length=20, blank=True, default="", db_default="")
    pauses = models.JSONField(_("paused intervals"), default=list, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    cycle = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["workorder_id", "deadline"]
        constraints = [models.UniqueConstraint(fields=["workorder", "kind"], name="clock_unique_kind_per_order")]
        indexes = [
            # The sweep walks running, unpaused clocks whose warning or deadline has come.
            models.Index(
                fields=["warn_at"],
                condition=Q(stopped_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True),
                name="clock_warn_due_idx",
            ),
            models.Index(
                fields=["deadline"],
                condition=Q(stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True),
                name="clock_breach_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.kind}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None

    @property
    def met(self) -> bool | None:
        """True when stopped in time, False when breached, None while running."""
        if self.breached_at is not None:
            return False
        if self.stopped_at is None:
            return None
        return self.stopped_at <= self.deadline

    def pause_intervals(self) -> list[tuple[datetime.datetime, datetime.datetime | None]]:
        intervals = [
            (datetime.datetime.fromisoformat(p[0]), datetime.datetime.fromisoformat(p[1]) if p[1] else None)
            for p in self.pauses
        ]
        if self.paused_at is not None:
            intervals.append((self.paused_at, None))
        return intervals


class PauseReason(models.Model):
    """Why an order waits and its clocks pause (等待原因, issue 17): a list the administrator keeps in the admin.

    System rows (quote approval, a visit time agreed with the customer, the vendor) are set by code paths and cannot
    be deleted; others can be retired by clearing `active` (orders keep their code, reports keep counting it)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    system = models.BooleanField(_("system reason"), default=False, editable=False)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("pause reason")
        verbose_name_plural = _("pause reasons")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    def delete(self, *args, **kwargs):
        if self.system:
            from django.core.exceptions import ValidationError

            raise ValidationError(_("A system pause reason cannot be deleted."))
        return super().delete(*args, **kwargs)


class Alert(models.Model):
    """An in-app SLA alert for one person (the assignee, the branch's service manager). Unique per crossing."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workorder_alerts", verbose_name=_("for")
    )
    workorder = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="alerts")
    event = models.ForeignKey(WorkOrderEvent, on_delete=models.PROTECT, related_name="alerts")
    level = models.CharField(_("level"), max_length=10, choices=AlertLevel.choices)
    clock_kind = models.CharField(_("clock"), max_length=16, choices=ClockKind.choices)
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["event", "recipient"], name="alert_unique_per_event_recipient")]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"], condition=Q(read_at__isnull=True), name="alert_unread_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.workorder_id} → {self.recipient_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never trust the uploaded name for the stored path: only its extension survives.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"workorders/{timezone.now():%Y/%m}/{instance.sha256[:32]}{suffix}"


class Attachment(TimeStampedModel):
    """A photo, log or document attached to a work order (by the reporter or an engineer), checked on upload."""

    CUSTOMER_SCOPE = "workorder__organisation"
    VENDOR_SCOPE = "workorder__escalated_vendor__organisation"

    workorder = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        WorkOrderEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    internal = models.BooleanField(_("internal"), default=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class WorkLog(TimeStampedModel):
    """Time an engineer spent on an order (remote diagnosis, on site, travel), with what was done."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="work_logs")
    engineer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_logs")
    kind = models.CharField(_("kind"), max_length=16, choices=WorkKind.choices, default=WorkKind.REMOTE)
    minutes = models.PositiveIntegerField(_("minutes"))
    note = models.TextField(_("what was done"))
    event = models.OneToOneField(WorkOrderEvent, on_delete=models.PROTECT, related_name="work_log")

    class Meta:
        verbose_name = _("work log entry")
        verbose_name_plural = _("work log")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0), name="worklog_minutes_positive")]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.minutes} min"


class LegacyReview(TimeStampedModel):
    """A review of an order not solved within its time limit (遗留问题): notes, next steps, report to the customer."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="legacy_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)
    notes = models.TextField(_("review notes"))
    next_steps = models.TextField(_("next steps"), blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    customer_report = models.TextField(
        _("processing report for the customer"), blank=True, help_text=_("Shown to the customer when filled in.")
    )
    event = models.OneToOneField(WorkOrderEvent, on_delete=models.PROTECT, related_name="legacy_review")

    class Meta:
        verbose_name = _("legacy review")
        verbose_name_plural = _("legacy reviews")
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.workorder_id} @ {self.reviewed_at:%Y-%m-%d}"


class Reopen(TimeStampedModel):
    """One reopen of an order: why (a reason from the list plus text) and through which path (the customer's link,
    the portal, the desk after a reply, a phone call, an inspection). A reopen counts against first-time fix and in
    the engineer's statistics, so every one says where it came from."""

    CUSTOMER_SCOPE = "organisation"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    workorder = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="reopens")
    event = models.OneToOneField(WorkOrderEvent, on_delete=models.PROTECT, related_name="reopen")
    source = models.CharField(_("source"), max_length=20, choices=ReopenSource.choices)
    reason_code = models.CharField(_("reason"), max_length=20, choices=ReopenReason.choices, blank=True)
    reason = models.TextField(_("reason text"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=16, blank=True, help_text=_("email, sms, web …"))
    answered_by = models.CharField(_("answered by"), max_length=254, blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), default=timezone.now)

    class Meta:
        verbose_name = _("reopen")
        verbose_name_plural = _("reopens")
        ordering = ["-reopened_at", "-id"]
        indexes = [models.Index(fields=["organisation", "reopened_at", "source"], name="reopen_org_at_idx")]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.source} @ {self.reopened_at:%Y-%m-%d}"


class ObservationReply(TimeStampedModel):
    """A customer's free-text reply while the order observes (mail, SMS, portal comment). It raises the flag
    "客户在观察期内回复" until the duty engineer decides: reopen (with a reason) or keep observing. Replies that read
    like the fault came back are pre-marked, but only the desk decides."""

    CUSTOMER_SCOPE = "organisation"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    workorder = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="observation_replies")
    event = models.ForeignKey(
        WorkOrderEvent, on_delete=models.PROTECT, related_name="+", null=True, blank=True, help_text=_("The comment.")
    )
    channel = models.CharField(_("channel"), max_length=16)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    text = models.TextField(_("text"))
    suspected_recurrence = models.BooleanField(_("reads like a recurrence"), default=False)
    decision = models.CharField(_("decision"), max_length=10, choices=ReplyDecision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply during observation")
        verbose_name_plural = _("replies during observation")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["workorder", "id"], condition=Q(decision=""), name="obsreply_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id}: {self.text[:40]}"


class AlarmEvent(TimeStampedModel):
    """One alarm a monitoring system or a partner's ticketing bridge sent to the events intake: accepted at once
    (202; this row is the receipt the caller can read back), then turned into a work order by a task that takes
    the pending alarms in batches, or folded into the open order of the same incident (same organisation and
    dedup key). A rejected alarm keeps its errors by field."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    # The caller's incident key (PagerDuty's dedup_key): repeats of an open incident fold into its order.
    dedup_key = models.CharField(_("dedup key"), max_length=255)
    # The report as validated by the API schema (WorkOrderIn's fields, JSON types).
    report = models.JSONField(_("report"))
    status = models.CharField(_("status"), max_length=16, choices=AlarmStatus.choices, default=AlarmStatus.PENDING)
    workorder = models.ForeignKey(
        WorkOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alarm_events",
        verbose_name=_("work order"),
    )
    errors = models.JSONField(_("errors"), default=dict, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monitoring alarm")
        verbose_name_plural = _("monitoring alarms")
        ordering = ["-pk"]
        indexes = [
            # The task's claim: the oldest pending alarms first (a small partial index: most rows are done).
            models.Index(fields=["id"], condition=Q(status="pending"), name="alarm_pending_idx"),
            models.Index(fields=["organisation", "dedup_key"], name="alarm_dedup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dedup_key} ({self.status})"
