"""Project delivery (项目交付): from pre-sales to final acceptance, then the handover to maintenance (SPEC §7).

A delivery project walks through stages; each stage has required documents (per project type) that must be on
file, and reviewed by the customer where the set says so, before the stage closes. Milestones are counted in
working days from contract signing on the contracts app's calendar engine. The handover (移交) writes the accepted
project, its equipment list and documents into the maintained estate with a warranty contract.
"""

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.assets.choices import DeviceCategory
from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.core.phones import PhoneField
from weibao.delivery.choices import (
    REVIEW_BADGE,
    STAGE_BADGE,
    DocKind,
    IssueStatus,
    PartyKind,
    ReadinessItem,
    ReviewStatus,
    RiskLevel,
    Stage,
    TeamRole,
)


class ProjectType(TimeStampedModel):
    """A kind of delivery project (e.g. 智能化弱电, 大型园区) with its own required document set."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    large = models.BooleanField(_("large project"), default=False, help_text=_("Adds the zone implementation process."))

    class Meta:
        verbose_name = _("project type")
        verbose_name_plural = _("project types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DocumentRequirement(TimeStampedModel):
    """One document a stage of a project type requires, and whether the customer must review it."""

    project_type = models.ForeignKey(ProjectType, on_delete=models.CASCADE, related_name="requirements")
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    kind = models.CharField(_("document"), max_length=32, choices=DocKind.choices)
    customer_review = models.BooleanField(_("reviewed by the customer"), default=False)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["project_type", "stage", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["project_type", "stage", "kind"], name="delivery_requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.get_kind_display()}"


class DeliveryProject(VersionedModel):
    """A project being delivered to a customer. Before the handover it is not part of the maintained estate."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="delivery_projects", verbose_name=_("customer")
    )
    project_type = models.ForeignKey(ProjectType, on_delete=models.PROTECT, verbose_name=_("project type"))
    code = models.CharField(_("project code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, default=Stage.PRESALES)
    description = models.TextField(_("description"), blank=True)
    # pre-sales and contract
    bid_date = models.DateField(_("bid date"), null=True, blank=True)
    bid_won = models.BooleanField(_("bid won"), null=True, blank=True)
    equipment_confirmed_on = models.DateField(_("equipment list confirmed by the customer on"), null=True, blank=True)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    contract_amount = models.DecimalField(_("contract amount (CNY)"), max_digits=14, decimal_places=2, default=0)
    # acceptance
    initial_acceptance_on = models.DateField(_("initial acceptance on"), null=True, blank=True)
    trial_run_start = models.DateField(_("trial run from"), null=True, blank=True)
    trial_run_months = models.PositiveSmallIntegerField(_("trial run (months)"), default=3)
    final_acceptance_on = models.DateField(_("final acceptance on"), null=True, blank=True)
    # what the handover writes: working calendar (also the milestones'), warranty terms, service contract
    calendar = models.ForeignKey(
        "contracts.BusinessCalendar", on_delete=models.PROTECT, related_name="+", verbose_name=_("working calendar")
    )
    sla_template = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("SLA template"),
        help_text=_("The service contract copies this contract's SLA policy."),
    )
    hardware_warranty_months = models.PositiveSmallIntegerField(_("hardware warranty (months)"), default=36)
    software_warranty_months = models.PositiveSmallIntegerField(_("software warranty (months)"), default=12)
    service_months = models.PositiveSmallIntegerField(_("service contract (months)"), default=36)
    main_site_address = models.CharField(_("main site address"), max_length=300, blank=True)
    estate_project = models.OneToOneField(
        "assets.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivery",
        verbose_name=_("maintained project"),
    )
    service_contract = models.OneToOneField(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivery",
        verbose_name=_("service contract"),
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parties = models.ManyToManyField(
        "accounts.Organisation", through="DeliveryParty", related_name="delivery_projects", blank=True
    )

    class Meta:
        verbose_name = _("delivery project")
        verbose_name_plural = _("delivery projects")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["customer", "code"], name="delivery_project_unique_code")]
        indexes = [models.Index(fields=["organisation", "stage"], name="delivery_org_stage_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def stage_badge(self) -> str:
        return STAGE_BADGE.get(self.stage, "info")

    @property
    def trial_run_end(self) -> datetime.date | None:
        if self.trial_run_start is None:
            return None
        from weibao.inspections.schedule import add_months

        return add_months(self.trial_run_start, self.trial_run_months)


class DeliveryParty(TimeStampedModel):
    """An outside party invited to a project: the supervision company (监理) or a vendor."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="party_links")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices)

    class Meta:
        verbose_name = _("project party")
        verbose_name_plural = _("project parties")
        constraints = [models.UniqueConstraint(fields=["project", "organisation"], name="delivery_party_unique")]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_kind_display()})"


class TeamMember(TimeStampedModel):
    """A person on the project: ours (project manager, sales, engineers …) or the customer's and supervisor's."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="team")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    phone = PhoneField(_("mobile"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class StageEvent(models.Model):
    """Append-only timeline of a delivery project: stage closes, reviews, arrivals, the handover."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    old_stage = models.CharField(max_length=24, choices=Stage.choices, blank=True)
    new_stage = models.CharField(max_length=24, choices=Stage.choices, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class DeliveryDocument(TimeStampedModel):
    """A delivery document (a required one or any other), versioned; reviewed by the customer where required.

    Outside parties see a document only when it is marked visible to them.
    """

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="documents")
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices)
    kind = models.CharField(_("document"), max_length=32, choices=DocKind.choices)
    title = models.CharField(_("title"), max_length=200)
    current_version = models.PositiveIntegerField(_("current version"), default=0)
    review_status = models.CharField(
        _("review"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.NOT_REQUIRED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    visible_to_customer = models.BooleanField(_("visible to the customer"), default=True)
    visible_to_supervisor = models.BooleanField(_("visible to the supervisor"), default=True)
    estate_document = models.OneToOneField(
        "assets.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("delivery document")
        verbose_name_plural = _("delivery documents")
        ordering = ["project", "stage", "kind", "title"]
        indexes = [models.Index(fields=["project", "stage"], name="delivery_doc_stage_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def review_badge(self) -> str:
        return REVIEW_BADGE.get(self.review_status, "muted")


def delivery_upload_to(instance: "DeliveryDocumentVersion", filename: str) -> str:
    ext = PurePath(filename).suffix.lower()[:10]
    return f"delivery/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class DeliveryDocumentVersion(models.Model):
    """One uploaded file of a delivery document; never overwritten. A new version asks for a new review."""

    document = models.ForeignKey(DeliveryDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=delivery_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("change note"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery document version")
        verbose_name_plural = _("delivery document versions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="delivery_doc_version_unique")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class Milestone(TimeStampedModel):
    """A deadline counted in working days from contract signing, with the date it was actually reached."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="milestones")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    working_days = models.PositiveSmallIntegerField(_("working days after signing"))
    planned_on = models.DateField(_("planned"), null=True, blank=True)
    actual_on = models.DateField(_("reached"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "working_days"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="delivery_milestone_unique")]

    def __str__(self) -> str:
        return self.name

    def is_late(self, today: datetime.date | None = None) -> bool:
        if self.planned_on is None:
            return False
        if self.actual_on is not None:
            return self.actual_on > self.planned_on
        return (today or timezone.localdate()) > self.planned_on


class ArrivalBatch(TimeStampedModel):
    """Equipment that arrived on site (到货批次)."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="arrivals")
    arrived_on = models.DateField(_("arrived on"))
    description = models.CharField(_("what arrived"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("arrival batch")
        verbose_name_plural = _("arrival batches")
        ordering = ["arrived_on", "id"]

    def __str__(self) -> str:
        return f"{self.arrived_on} {self.description}"


class ReadinessCheck(TimeStampedModel):
    """One item of the site readiness checklist before execution (场地, 强电, crew entry)."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="readiness")
    item = models.CharField(_("item"), max_length=16, choices=ReadinessItem.choices)
    done_on = models.DateField(_("done on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("readiness check")
        verbose_name_plural = _("readiness checks")
        constraints = [models.UniqueConstraint(fields=["project", "item"], name="delivery_readiness_unique")]

    def __str__(self) -> str:
        return self.get_item_display()


class EquipmentItem(TimeStampedModel):
    """A line of the project's equipment list (设备清单); the handover turns it into a maintained device."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="equipment")
    line = models.PositiveIntegerField(_("line"))
    site_name = models.CharField(_("site"), max_length=200)
    subsystem_name = models.CharField(_("subsystem"), max_length=200, blank=True)
    vendor = models.ForeignKey("assets.Vendor", on_delete=models.PROTECT, related_name="+", verbose_name=_("vendor"))
    category = models.CharField(
        _("category"), max_length=16, choices=DeviceCategory.choices, default=DeviceCategory.HARDWARE
    )
    name = models.CharField(_("device name"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=120)
    serial_number = models.CharField(_("serial number"), max_length=120, blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    firmware = models.CharField(_("firmware / version"), max_length=120, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    device = models.OneToOneField(
        "assets.Device", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("device")
    )

    class Meta:
        verbose_name = _("equipment list line")
        verbose_name_plural = _("equipment list")
        ordering = ["project", "line"]
        constraints = [models.UniqueConstraint(fields=["project", "line"], name="delivery_equipment_line_unique")]

    def __str__(self) -> str:
        return f"{self.line}. {self.name or self.model}"


class DailyReport(TimeStampedModel):
    """The site's daily report (工作日报)."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="daily_reports")
    day = models.DateField(_("day"))
    crew = models.PositiveSmallIntegerField(_("crew on site"), default=0)
    work_done = models.TextField(_("work done"))
    problems = models.TextField(_("problems"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["project", "day"], name="delivery_daily_report_unique")]

    def __str__(self) -> str:
        return f"{self.day}"


class WeeklyReport(TimeStampedModel):
    """The weekly status report (工程周报), generated from the week's records; a re-generation replaces it."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="weekly_reports")
    week_start = models.DateField(_("week from"))
    data = models.JSONField(default=dict)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week_start"]
        constraints = [models.UniqueConstraint(fields=["project", "week_start"], name="delivery_weekly_unique")]

    def __str__(self) -> str:
        return f"{self.week_start}"


class Issue(TimeStampedModel):
    """The issue log (问题报告表): what happened, when, who reported it, how it was solved."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="issues")
    occurred_on = models.DateField(_("when"))
    description = models.TextField(_("what"))
    reported_by = models.CharField(_("reported by"), max_length=100)
    solution = models.TextField(_("how it was solved"), blank=True)
    solved_on = models.DateField(_("solved on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=IssueStatus.choices, default=IssueStatus.OPEN)

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issue log")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return self.description[:60]


class Risk(TimeStampedModel):
    """The risk register: internal to our team."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField(_("risk"))
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    mitigation = models.TextField(_("mitigation"), blank=True)
    closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risk register")
        ordering = ["closed", "-id"]

    def __str__(self) -> str:
        return self.description[:60]


class Meeting(TimeStampedModel):
    """A project meeting with its minutes (会议纪要)."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    attendees = models.TextField(_("attendees"), blank=True)
    minutes = models.TextField(_("minutes"))

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title


class OwnerInstruction(TimeStampedModel):
    """An owner's instruction and our answer (业主指令反馈单)."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="instructions")
    received_on = models.DateField(_("received on"))
    instruction = models.TextField(_("instruction"))
    response = models.TextField(_("our answer"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("owner's instruction")
        verbose_name_plural = _("owner's instructions")
        ordering = ["-received_on"]

    def __str__(self) -> str:
        return self.instruction[:60]


class PaymentSignoff(TimeStampedModel):
    """A payment sign-off (工程支付签认单): what was done, the amount, who signed it."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="payments")
    period = models.CharField(_("period / milestone"), max_length=100)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    signed_by_customer_on = models.DateField(_("signed by the customer on"), null=True, blank=True)
    signed_by_supervisor_on = models.DateField(_("signed by the supervisor on"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment sign-off")
        verbose_name_plural = _("payment sign-offs")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="delivery_payment_not_negative")]

    def __str__(self) -> str:
        return f"{self.period} {self.amount}"
