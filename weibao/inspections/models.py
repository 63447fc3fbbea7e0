"""Preventive inspections (定期巡检, SPEC §6): checklist templates per subsystem kind, inspection plans per
contract, the visits generated ahead on the contract's working calendar, the answers given on site, and the
customer-signed inspection report (巡检报告). Written only through `inspections.services`."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.assets.choices import SubsystemKind
from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.inspections.choices import RISK_BADGE, VISIT_BADGE, Frequency, ItemKind, Risk, VisitStatus

READING = {"max_digits": 12, "decimal_places": 3}


def _upload_path(folder: str, filename: str) -> str:
    import uuid

    # Never trust the uploaded name for the stored path: only its extension survives.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"inspections/{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def photo_path(instance, filename: str) -> str:
    return _upload_path("photos", filename)


def signature_path(instance, filename: str) -> str:
    return _upload_path("signatures", filename)


class ChecklistTemplate(VersionedModel):
    """A checklist (巡检表) for one kind of subsystem, e.g. "网络系统月度巡检": the items an engineer answers."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    subsystem_kind = models.CharField(
        _("subsystem kind"), max_length=16, choices=SubsystemKind.choices, default=SubsystemKind.OTHER
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["subsystem_kind", "name"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(TimeStampedModel):
    """One question of a checklist: yes/no, a reading with unit and limits, free text, or a photo."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices, default=ItemKind.YES_NO)
    text = models.CharField(_("question"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(_("lower limit"), null=True, blank=True, **READING)
    max_value = models.DecimalField(_("upper limit"), null=True, blank=True, **READING)
    photo_required = models.BooleanField(_("photo required"), default=False)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=models.F("min_value")),
                name="checklist_item_limits_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.text


class InspectionPlan(VersionedModel):
    """An inspection plan (巡检计划) of a contract, optionally for one site or subsystem: how often, in which
    window, with which checklist. Its visits are generated ahead on the contract's working calendar."""

    CUSTOMER_SCOPE = "organisation"

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="inspection_plans", verbose_name=_("contract")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    site = models.ForeignKey(
        "customers.Site", on_delete=models.PROTECT, related_name="inspection_plans", verbose_name=_("site")
    )
    subsystem = models.ForeignKey(
        "assets.Subsystem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspection_plans",
        verbose_name=_("subsystem"),
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="plans", verbose_name=_("checklist")
    )
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.QUARTERLY)
    interval_days = models.PositiveSmallIntegerField(
        _("every N working days"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    starts_on = models.DateField(_("first visit from"))
    window_start = models.TimeField(_("preferred window from"), null=True, blank=True)
    window_end = models.TimeField(_("preferred window to"), null=True, blank=True)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default engineer"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["contract", "name"]
        indexes = [models.Index(fields=["organisation", "active"], name="inspection_plan_org_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_days__isnull=True) | Q(interval_days__gte=1), name="inspection_plan_interval_pos"
            )
        ]

    def __str__(self) -> str:
        return self.name


class InspectionVisit(TimeStampedModel):
    """One due inspection visit of a plan: its period, the working day it is scheduled on, who does it, the
    answers, the findings, and the customer's signature on the report. `period_start` keys the visit within its
    plan, so generating twice never makes a duplicate."""

    CUSTOMER_SCOPE = "organisation"

    # No single-column indexes on these three: the unique (plan, period) and the (organisation, day) and (contract,
    # day) indexes lead with them. Every index costs on the yearly generation's insert of ~165,000 rows.
    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.CASCADE, related_name="visits", verbose_name=_("plan"), db_index=False
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
        db_index=False,
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="inspection_visits",
        verbose_name=_("contract"),
        db_index=False,
    )
    period_start = models.DateField(_("period"))
    scheduled_on = models.DateField(_("scheduled on"))
    status = models.CharField(_("status"), max_length=16, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspection_visits",
        verbose_name=_("engineer"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    risk_analysis = models.TextField(_("risk analysis"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    customer_name = models.CharField(_("signed by"), max_length=100, blank=True)
    customer_signature = models.FileField(_("customer signature"), upload_to=signature_path, blank=True)
    engineer_signature = models.FileField(_("engineer signature"), upload_to=signature_path, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    missed_notified_at = models.DateTimeField(_("missed visit escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection visit")
        verbose_name_plural = _("inspection visits")
        ordering = ["scheduled_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period_start"], name="inspection_visit_unique_period"),
        ]
        indexes = [
            models.Index(fields=["organisation", "scheduled_on"], name="inspection_visit_org_idx"),
            models.Index(fields=["contract", "scheduled_on"], name="inspection_visit_contract_idx"),
            models.Index(fields=["status", "scheduled_on"], name="inspection_visit_due_idx"),
            # The visit list's default "still to do" page in its order: an ordered scan of 50, not a sort of every
            # planned visit (two statuses cannot be read in date order from the index above).
            models.Index(
                fields=["scheduled_on", "id"],
                condition=Q(status__in=[VisitStatus.PLANNED, VisitStatus.IN_PROGRESS]),
                name="inspection_visit_todo_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.scheduled_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspections:visit", args=[self.pk])

    @property
    def badge(self) -> str:
        return VISIT_BADGE.get(self.status, "muted")

    @property
    def is_done(self) -> bool:
        return self.status in (VisitStatus.COMPLETED, VisitStatus.SIGNED)


class InspectionAnswer(TimeStampedModel):
    """The answer to one checklist item on one visit. The item's wording, unit and limits are copied, so editing
    a template later never changes a signed report. A finding with a risk can become a work order (linked here)."""

    CUSTOMER_SCOPE = "visit__organisation"

    visit = models.ForeignKey(
        InspectionVisit, on_delete=models.CASCADE, related_name="answers", verbose_name=_("visit")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("item")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    text = models.CharField(_("question"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(_("lower limit"), null=True, blank=True, **READING)
    max_value = models.DecimalField(_("upper limit"), null=True, blank=True, **READING)
    photo_required = models.BooleanField(_("photo required"), default=False)
    answered = models.BooleanField(_("answered"), default=False)
    value_bool = models.BooleanField(_("yes / no"), null=True, blank=True)
    value_number = models.DecimalField(_("reading"), null=True, blank=True, **READING)
    value_text = models.TextField(_("answer"), blank=True)
    photo = models.FileField(_("photo"), upload_to=photo_path, blank=True)
    out_of_limit = models.BooleanField(_("out of limits"), default=False)
    finding = models.TextField(_("finding"), blank=True)
    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices, default=Risk.NONE)
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("work order"),
    )

    class Meta:
        verbose_name = _("inspection answer")
        verbose_name_plural = _("inspection answers")
        ordering = ["visit", "position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def risk_badge(self) -> str:
        return RISK_BADGE.get(self.risk, "muted")

    @property
    def display_value(self) -> str:
        if not self.answered:
            return "—"
        if self.kind == ItemKind.YES_NO:
            return str(_("Yes")) if self.value_bool else str(_("No"))
        if self.kind == ItemKind.READING and self.value_number is not None:
            number = f"{self.value_number.normalize():f}"
            return f"{number} {self.unit}".strip()
        if self.kind == ItemKind.PHOTO:
            return str(_("Photo taken")) if self.photo else "—"
        return self.value_text

    @property
    def limits(self) -> str:
        if self.min_value is None and self.max_value is None:
            return ""
        low = f"{self.min_value.normalize():f}" if self.min_value is not None else ""
        high = f"{self.max_value.normalize():f}" if self.max_value is not None else ""
        return f"{low} – {high} {self.unit}".strip()
