"""Emergency plans (应急预案) per customer system, with their contacts, steps and drills (演练), the steps ticked
on an A-class work order; and training (培训) of the customer's staff per contract: plans, sessions with
attendance and feedback, materials. Written only through `planning.services`."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.core.phones import PhoneField
from weibao.planning.choices import PLAN_BADGE, ContactSide, PlanStatus, TrainingMethod


def material_path(instance, filename: str) -> str:
    import uuid

    suffix = PurePath(filename).suffix.lower()[:10]  # never trust the uploaded name: only its extension survives
    return f"planning/materials/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class EmergencyPlan(VersionedModel):
    """One revision of the emergency plan of a customer system (a subsystem): when it applies, whom to call, what
    to do step by step, what to bring, how to fall back and what to tell people. A new revision is a new row; an
    approved one replaces the previous approved revision (superseded)."""

    CUSTOMER_SCOPE = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="emergency_plans", verbose_name=_("customer")
    )
    subsystem = models.ForeignKey(
        "assets.Subsystem", on_delete=models.PROTECT, related_name="emergency_plans", verbose_name=_("system")
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_revision",
        verbose_name=_("previous revision"),
    )
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    scope = models.TextField(_("scope"))
    triggers = models.TextField(_("trigger conditions"))
    spare_parts = models.TextField(_("spare parts to bring"), blank=True)
    fallback = models.TextField(_("fallback / rollback"), blank=True)
    communication = models.TextField(_("communication template"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("written by")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["customer", "subsystem", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["subsystem", "revision"], name="emergency_plan_unique_revision"),
            models.UniqueConstraint(
                fields=["subsystem"], condition=Q(status="approved"), name="emergency_plan_one_approved"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="emergency_plan_org_idx")]

    def __str__(self) -> str:
        return f"{self.title} (r{self.revision})"

    @property
    def badge(self) -> str:
        return PLAN_BADGE.get(self.status, "muted")


class EmergencyContact(TimeStampedModel):
    """Someone to call when the plan runs: ours, the customer's or a vendor's, with a phone to tap."""

    CUSTOMER_SCOPE = "plan__organisation"

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    side = models.CharField(_("side"), max_length=16, choices=ContactSide.choices, default=ContactSide.OURS)
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=100, blank=True)
    phone = PhoneField(_("phone"), max_length=40)

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def tel(self) -> str:
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


class EmergencyStep(TimeStampedModel):
    """One action of the plan, in order; ticked off on the work order's timeline while the plan runs."""

    CUSTOMER_SCOPE = "plan__organisation"

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="steps", verbose_name=_("plan"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("action"), max_length=500)
    responsible = models.CharField(_("responsible"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("emergency step")
        verbose_name_plural = _("emergency steps")
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Drill(TimeStampedModel):
    """A drill (演练) of the plan: when, who took part, what was found."""

    CUSTOMER_SCOPE = "plan__organisation"

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.PROTECT, related_name="drills", verbose_name=_("plan"))
    held_on = models.DateField(_("held on"))
    participants = models.TextField(_("participants"))
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} {self.held_on}"


class StepTick(TimeStampedModel):
    """A step of an emergency plan done on a work order (the timeline has the event; this row makes a second tap
    a no-op and tells the panel which steps are done)."""

    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="+", verbose_name=_("work order")
    )
    step = models.ForeignKey(EmergencyStep, on_delete=models.PROTECT, related_name="ticks", verbose_name=_("step"))
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("done by")
    )

    class Meta:
        verbose_name = _("step done")
        verbose_name_plural = _("steps done")
        constraints = [models.UniqueConstraint(fields=["workorder", "step"], name="step_tick_unique")]


class TrainingPlan(VersionedModel):
    """A training plan (培训计划) for the customer's staff under a contract or project: who trains (our engineers,
    vendor trainers), how (on site / remote), what, when, for whom. Its sessions consume the contract's
    training days."""

    CUSTOMER_SCOPE = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="training_plans", verbose_name=_("customer")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_plans",
        verbose_name=_("contract"),
    )
    project = models.ForeignKey(
        "assets.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_plans",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=200)
    method = models.CharField(
        _("method"), max_length=16, choices=TrainingMethod.choices, default=TrainingMethod.ON_SITE
    )
    trainers = models.CharField(_("trainers"), max_length=300, help_text=_("Our engineers and vendor trainers."))
    vendor = models.ForeignKey(
        "assets.Vendor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vendor trainer from"),
    )
    content = models.TextField(_("content"))
    scope = models.TextField(_("scope"), blank=True)
    trainees = models.TextField(_("trainees"), blank=True, help_text=_("Who should attend."))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="training_plan_dates_ordered")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(TimeStampedModel):
    """One session of a training plan: the day, how many training days it counts, where."""

    CUSTOMER_SCOPE = "plan__organisation"

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("plan"))
    held_on = models.DateField(_("date"))
    days = models.DecimalField(
        _("training days"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(30)],
    )
    location = models.CharField(_("place or meeting link"), max_length=300, blank=True)
    topic = models.CharField(_("topic"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["plan", "held_on", "id"]

    def __str__(self) -> str:
        return f"{self.plan} {self.held_on}"


class Attendance(TimeStampedModel):
    """A trainee at a session: one of the customer's contacts (entered by the trainer) or a customer user who
    signed in on their phone; with a feedback score."""

    CUSTOMER_SCOPE = "session__plan__organisation"

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("session")
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    signed_in_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    feedback_score = models.PositiveSmallIntegerField(
        _("feedback score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "contact"], condition=Q(contact__isnull=False), name="attendance_unique_contact"
            ),
            models.UniqueConstraint(
                fields=["session", "user"], condition=Q(user__isnull=False), name="attendance_unique_user"
            ),
            models.CheckConstraint(
                condition=Q(feedback_score__isnull=True) | Q(feedback_score__gte=1, feedback_score__lte=5),
                name="attendance_score_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingMaterial(TimeStampedModel):
    """A document handed out with a training plan (slides, manual, recording link as a file)."""

    CUSTOMER_SCOPE = "plan__organisation"

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="materials", verbose_name=_("plan"))
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )

    class Meta:
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")
        ordering = ["plan", "title"]

    def __str__(self) -> str:
        return self.title
