"""Vendor escalation tracked to the root cause (SPEC §4.7) and faulty-part repair, 坏件返修 (SPEC §4.9).

- VendorAgreement: the vendor support agreement (厂商支持协议) that sets the vendor's own response deadline.
- VendorEscalation / VendorQuestion: one escalation of an order to a vendor, its case number, engineer, questions
  and answers, deadline and root cause (根本原因).
- VendorWarranty: the vendor's warranty of one serial number (not ours to the customer).
- RmaCase (+ RmaFee, RmaShipment, RmaEvent): a faulty unit from the warranty check to its return and the fee.
Every row is written through `rma.services`; events are append-only.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.approvals import PricedDocument
from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.core.money import MoneyField
from weibao.core.phones import PhoneField
from weibao.rma.choices import (
    AGEING_LIMIT_DAYS,
    ESCALATION_BADGE,
    FEE_BADGE,
    STATUS_BADGE,
    WITH_VENDOR_STATUSES,
    Carrier,
    Direction,
    EscalationStatus,
    FeeStatus,
    RepairOutcome,
    ReturnTo,
    RmaEventKind,
    Route,
    Source,
    Status,
)


class VendorAgreement(VersionedModel):
    """The vendor support agreement (厂商支持协议): how fast the vendor must answer an escalation, on which working
    calendar (5x8 with China's holidays, or 7x24), while it is valid."""

    VENDOR_SCOPE = "vendor__organisation"

    vendor = models.ForeignKey(
        "assets.Vendor", on_delete=models.PROTECT, related_name="agreements", verbose_name=_("vendor")
    )
    name = models.CharField(_("agreement"), max_length=200)
    calendar = models.ForeignKey(
        "contracts.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("working calendar"),
        help_text=_("Empty: the clock runs around the clock (7x24)."),
    )
    response_hours = models.PositiveIntegerField(_("response within (working hours)"))
    onsite_hours = models.PositiveIntegerField(_("on-site within (working hours)"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("vendor support agreement")
        verbose_name_plural = _("vendor support agreements")
        ordering = ["vendor_id", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(response_hours__gt=0), name="vendoragreement_response_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="vendoragreement_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} · {self.name}"


class VendorEscalation(VersionedModel):
    """One escalation of a work order to a vendor's technical support, tracked until the vendor solved it (with the
    root cause, "保证问题得到根本解决") or we withdrew it. At most one is open per order."""

    VENDOR_SCOPE = "vendor__organisation"

    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        related_name="vendor_escalations",
        verbose_name=_("work order"),
    )
    vendor = models.ForeignKey(
        "assets.Vendor", on_delete=models.PROTECT, related_name="escalations", verbose_name=_("vendor")
    )
    agreement = models.ForeignKey(
        VendorAgreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("support agreement"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    escalated_at = models.DateTimeField(_("escalated at"))
    response_due_at = models.DateTimeField(_("vendor response due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("vendor first answered at"), null=True, blank=True)
    vendor_case_number = models.CharField(_("vendor case number"), max_length=60, blank=True)
    vendor_engineer = models.CharField(_("vendor engineer"), max_length=100, blank=True)
    vendor_engineer_phone = PhoneField(_("vendor engineer phone"), max_length=40, blank=True)
    root_cause = models.TextField(_("root cause (根本原因)"), blank=True)
    solution = models.TextField(_("vendor's solution"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("why withdrawn"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("vendor escalation")
        verbose_name_plural = _("vendor escalations")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workorder"], condition=Q(status="open"), name="escalation_one_open_per_order"
            ),
            models.CheckConstraint(
                condition=~Q(status="solved") | ~Q(root_cause=""), name="escalation_solved_has_root_cause"
            ),
        ]
        indexes = [models.Index(fields=["vendor", "status", "-id"], name="escalation_vendor_idx")]

    def __str__(self) -> str:
        return f"{self.workorder_id} → {self.vendor_id}"

    @property
    def badge(self) -> str:
        return ESCALATION_BADGE.get(self.status, "muted")

    @property
    def is_open(self) -> bool:
        return self.status == EscalationStatus.OPEN

    @property
    def response_overdue(self) -> bool:
        return (
            self.is_open
            and self.responded_at is None
            and self.response_due_at is not None
            and self.response_due_at < timezone.now()
        )


class VendorQuestion(TimeStampedModel):
    """A question put to the vendor about an escalation and the vendor's answer (given in the portal by the vendor's
    own users, or recorded by our staff from a phone call)."""

    VENDOR_SCOPE = "escalation__vendor__organisation"

    escalation = models.ForeignKey(VendorEscalation, on_delete=models.PROTECT, related_name="questions")
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("question to the vendor")
        verbose_name_plural = _("questions to the vendor")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer="") | Q(answered_at__isnull=False), name="vendorquestion_answer_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.question[:60]


class VendorWarranty(TimeStampedModel):
    """The vendor's own warranty of one serial number (原厂保修), as the vendor's records give it. It decides whether
    the vendor repairs free or comes on site; our warranty to the customer is a different thing (Device)."""

    vendor = models.ForeignKey(
        "assets.Vendor", on_delete=models.PROTECT, related_name="serial_warranties", verbose_name=_("vendor")
    )
    serial_number = models.CharField(_("serial number"), max_length=120)
    model = models.CharField(_("model"), max_length=120, blank=True)
    starts_on = models.DateField(_("vendor warranty from"), null=True, blank=True)
    ends_on = models.DateField(_("vendor warranty until"))
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("e.g. the vendor's portal"))

    class Meta:
        verbose_name = _("vendor warranty of a serial")
        verbose_name_plural = _("vendor warranties of serials")
        ordering = ["vendor_id", "serial_number"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "serial_number"], name="vendorwarranty_unique_serial"),
        ]

    def __str__(self) -> str:
        return f"{self.serial_number} ≤ {self.ends_on}"


class RmaCounter(models.Model):
    """The last RMA number handed out per year (locked while a number is taken)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("RMA number counter")
        verbose_name_plural = _("RMA number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class RmaCase(VersionedModel):
    """A faulty unit in repair (坏件返修单): where it came from, the vendor-warranty decision (vendor visit or send
    back), the customer's fee approval, the shipments, the vendor's repair, its return and the fee collected.

    `organisation` is the customer's (or ours for a unit from our stock): customers see their own cases; a vendor
    sees a case only once it was sent to it (`sent_to_vendor_at`)."""

    CUSTOMER_SCOPE = "organisation"
    VENDOR_SCOPE = "vendor__organisation"

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rma_cases",
        verbose_name=_("customer"),
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rma_cases",
        verbose_name=_("work order"),
    )
    replacement = models.OneToOneField(
        "onsite.Replacement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rma_case",
        verbose_name=_("replacement"),
    )
    device = models.ForeignKey(
        "assets.Device",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rma_cases",
        verbose_name=_("device"),
    )
    part = models.ForeignKey(
        "spares.Part", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("spare part")
    )
    from_warehouse = models.ForeignKey(
        "spares.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken from warehouse"),
    )
    vendor = models.ForeignKey(
        "assets.Vendor", on_delete=models.PROTECT, related_name="rma_cases", verbose_name=_("vendor")
    )
    model = models.CharField(_("model"), max_length=120)
    serial_number = models.CharField(_("serial number"), max_length=120)
    fault = models.TextField(_("fault description"))

    # The warranty check: the vendor's warranty of the serial decides the route; ours decides who pays.
    vendor_warranty_from = models.DateField(_("vendor warranty from"), null=True, blank=True)
    vendor_warranty_until = models.DateField(_("vendor warranty until"), null=True, blank=True)
    our_warranty_until = models.DateField(_("our warranty until"), null=True, blank=True)
    human_caused = models.BooleanField(_("human-caused fault"), default=False)
    route = models.CharField(_("route"), max_length=16, choices=Route.choices, blank=True, default=Route.UNDECIDED)
    vendor_repair_free = models.BooleanField(_("vendor repairs free"), null=True, blank=True)
    customer_pays = models.BooleanField(_("customer pays"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("why"), blank=True)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    sent_to_vendor_at = models.DateTimeField(_("sent to the vendor at"), null=True, blank=True)
    vendor_rma_number = models.CharField(_("vendor RMA number"), max_length=60, blank=True)
    visit_requested_at = models.DateTimeField(_("vendor visit requested at"), null=True, blank=True)
    visit_done_at = models.DateTimeField(_("vendor visit done at"), null=True, blank=True)
    repair_outcome = models.CharField(_("repair outcome"), max_length=16, choices=RepairOutcome.choices, blank=True)
    repair_report = models.TextField(_("vendor's repair report"), blank=True)
    returned_serial = models.CharField(_("serial of the unit returned"), max_length=120, blank=True)
    vendor_cost = MoneyField(_("vendor's charge to us (CNY)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received back at"), null=True, blank=True)
    return_to = models.CharField(_("returned to"), max_length=10, choices=ReturnTo.choices, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_warehouse = models.ForeignKey(
        "spares.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("back into warehouse"),
    )

    # Fee collection (收回费用), by the commercial department.
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    invoiced_on = models.DateField(_("invoiced on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = MoneyField(_("amount received (CNY)"), null=True, blank=True)

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rma_cases",
        verbose_name=_("handled by (商务部)"),
    )

    class Meta:
        verbose_name = _("RMA case")
        verbose_name_plural = _("RMA cases")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "-id"], name="rma_org_idx"),
            models.Index(fields=["status", "-id"], name="rma_status_idx"),
            models.Index(fields=["vendor", "-id"], name="rma_vendor_idx"),
            # The queue "with the vendor > 30 days": few rows, read often.
            models.Index(
                fields=["sent_to_vendor_at"],
                condition=Q(status__in=["shipped_out", "in_repair"]),
                name="rma_with_vendor_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="rma_cancel_needs_reason"
            ),
            models.CheckConstraint(
                condition=Q(vendor_cost__isnull=True) | Q(vendor_cost__gte=0), name="rma_vendor_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | Q(paid_amount__gte=0), name="rma_paid_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def badge(self) -> str:
        return STATUS_BADGE.get(self.status, "muted")

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.CLOSED, Status.CANCELLED)

    def age_days(self, now: datetime.datetime | None = None) -> int:
        """Calendar days since the case was opened (to its closing once closed): the ageing clock."""
        end = self.closed_at or now or timezone.now()
        return max((end - self.created_at).days, 0)

    def days_with_vendor(self, now: datetime.datetime | None = None) -> int | None:
        """Calendar days the unit has been with the vendor (while it is there)."""
        if self.status not in WITH_VENDOR_STATUSES or self.sent_to_vendor_at is None:
            return None
        return max(((now or timezone.now()) - self.sent_to_vendor_at).days, 0)

    @property
    def overdue_with_vendor(self) -> bool:
        days = self.days_with_vendor()
        return days is not None and days > AGEING_LIMIT_DAYS


class RmaFee(PricedDocument):
    """One version of the repair fee the customer confirms before the unit is sent (维修费用含运费): the vendor's
    repair charge, shipping both ways, other costs, tax and total. A changed fee is a new version. Amounts, tax and
    the answer are the on-site quote's (`core.approvals`): one computation, one answer rule, one kind of link."""

    CUSTOMER_SCOPE = "case__organisation"

    case = models.ForeignKey(RmaCase, on_delete=models.PROTECT, related_name="fees")
    revision = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=FeeStatus.choices, default=FeeStatus.PENDING)
    repair = MoneyField(_("repair (CNY)"))
    shipping_out = MoneyField(_("shipping to the vendor (CNY)"))
    shipping_back = MoneyField(_("shipping back (CNY)"))
    other = MoneyField(_("other (CNY)"), default=0)
    # tax, totals, note and the customer's answer: core.approvals.PricedDocument (the same as the on-site quote)

    class Meta:
        verbose_name = _("repair fee")
        verbose_name_plural = _("repair fees")
        ordering = ["case_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["case", "revision"], name="rmafee_unique_revision"),
            models.UniqueConstraint(fields=["case"], condition=~Q(status="superseded"), name="rmafee_one_current"),
            models.CheckConstraint(
                condition=Q(repair__gte=0) & Q(shipping_out__gte=0) & Q(shipping_back__gte=0) & Q(other__gte=0),
                name="rmafee_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.revision}"

    @property
    def shipping(self):
        return self.shipping_out + self.shipping_back

    @property
    def badge(self) -> str:
        return FEE_BADGE.get(self.status, "muted")


class RmaShipment(TimeStampedModel):
    """The unit on its way to the vendor or back: carrier, waybill number (checked against the carrier's form)."""

    CUSTOMER_SCOPE = "case__organisation"
    VENDOR_SCOPE = "case__vendor__organisation"

    case = models.ForeignKey(RmaCase, on_delete=models.PROTECT, related_name="shipments")
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    carrier = models.CharField(_("carrier"), max_length=10, choices=Carrier.choices)
    waybill = models.CharField(_("waybill number"), max_length=40)
    shipped_on = models.DateField(_("shipped on"))
    address = models.CharField(_("sent to"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "direction"], name="rmashipment_one_per_direction"),
            models.UniqueConstraint(fields=["carrier", "waybill"], name="rmashipment_unique_waybill"),
        ]

    def __str__(self) -> str:
        return f"{self.get_carrier_display()} {self.waybill}"


class RmaReminder(models.Model):
    """One reminder sent (a repair with the vendor past a threshold of days, a vendor answer past its deadline):
    the unique row is the claim, so a reminder goes once per case (or escalation) and threshold, however often and
    in however many workers the periodic job runs."""

    class Kind(models.TextChoices):
        WITH_VENDOR = "with_vendor", _("With the vendor too long")
        VENDOR_OVERDUE = "vendor_overdue", _("Vendor answer overdue")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    case = models.ForeignKey(RmaCase, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    escalation = models.ForeignKey(
        VendorEscalation, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    threshold_days = models.PositiveSmallIntegerField(_("threshold (days)"), default=0)
    sent_at = models.DateTimeField(_("sent at"))
    deliveries = models.PositiveSmallIntegerField(_("messages made"), default=0)

    class Meta:
        verbose_name = _("RMA reminder")
        verbose_name_plural = _("RMA reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "case", "threshold_days"],
                condition=Q(case__isnull=False),
                name="rmareminder_once_per_case",
            ),
            models.UniqueConstraint(
                fields=["kind", "escalation"],
                condition=Q(escalation__isnull=False),
                name="rmareminder_once_per_escalation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id or self.escalation_id}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("RmaEvent is append-only")

    def delete(self):
        raise ValueError("RmaEvent is append-only")


class RmaEvent(models.Model):
    """One entry of an RMA case's timeline (who, what, when, old/new status); never edited or deleted."""

    CUSTOMER_SCOPE = "case__organisation"
    VENDOR_SCOPE = "case__vendor__organisation"

    case = models.ForeignKey(RmaCase, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=RmaEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    old_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    new_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    body = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("RMA event")
        verbose_name_plural = _("RMA events")
        ordering = ["case_id", "id"]
        indexes = [models.Index(fields=["case", "id"], name="rmaevent_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


__all__ = [
    "AppendOnlyQuerySet",
    "Carrier",
    "Direction",
    "RepairOutcome",
    "ReturnTo",
    "RmaCase",
    "RmaCounter",
    "RmaEvent",
    "RmaEventKind",
    "RmaFee",
    "RmaShipment",
    "Route",
    "Source",
    "VendorAgreement",
    "VendorEscalation",
    "VendorQuestion",
    "VendorWarranty",
]
