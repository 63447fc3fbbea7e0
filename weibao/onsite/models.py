"""The on-site visit of a work order (SPEC §4.4–4.5, issue 11): the problem confirmed on arrival, paid quotes
(报价) the customer approves, device replacements (更换设备), backups before a change (备份), the changes, and the
signed service form (售后维护表 / 故障处理报告). Every row hangs off a WorkOrder and is written only through
`onsite.services`, which append one timeline event per step."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.approvals import PricedDocument
from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.core.money import MoneyField
from weibao.core.phones import PhoneField
from weibao.onsite.choices import (
    FORM_PARTS,
    FormStatus,
    LabourBasis,
    LineKind,
    LinkChannel,
    QuoteStatus,
    Satisfaction,
    SignerRole,
)
from weibao.workorders.choices import Cause, HumanCause


def _stored_name(folder: str, instance, filename: str) -> str:
    # Never trust the uploaded name for the stored path: only its extension survives.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"onsite/{folder}/{timezone.now():%Y/%m}/{instance.sha256[:32]}{suffix}"


def signature_path(instance, filename: str) -> str:
    return _stored_name("signatures", instance, filename)


def backup_path(instance, filename: str) -> str:
    return _stored_name("backups", instance, filename)


def stamp_path(instance, filename: str) -> str:
    return _stored_name("stamps", instance, filename)


class SparePart(TimeStampedModel):
    """One entry of the spare-part price list (备件价格表): what a part costs the customer. Quote lines copy the
    price, so later price changes never alter a sent quote."""

    vendor = models.ForeignKey(
        "assets.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vendor")
    )
    model = models.CharField(_("model"), max_length=120)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="台")
    unit_price = MoneyField(_("unit price (CNY)"))
    active = models.BooleanField(_("in the price list"), default=True)

    class Meta:
        verbose_name = _("spare part")
        verbose_name_plural = _("spare-part price list")
        ordering = ["model", "id"]
        indexes = [models.Index(fields=["model"], name="sparepart_model_idx")]
        constraints = [models.CheckConstraint(condition=Q(unit_price__gte=0), name="sparepart_price_not_negative")]

    def __str__(self) -> str:
        return f"{self.name} {self.model}"


class Signature(TimeStampedModel):
    """A handwritten signature (PNG from the signature pad), checked for enough ink before it is stored."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.PROTECT, related_name="signatures", verbose_name=_("work order")
    )
    role = models.CharField(_("signed as"), max_length=10, choices=SignerRole.choices)
    signer_name = models.CharField(_("name"), max_length=100)
    image = models.FileField(_("signature"), upload_to=signature_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    inked_pixels = models.PositiveIntegerField()
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.signer_name} @ {self.signed_at:%Y-%m-%d %H:%M}"


class SiteConfirmation(TimeStampedModel):
    """On arrival the customer's system owner (系统负责人) confirms the symptom, and the cause is recorded: human
    error (人为) or the system itself. A human-caused fault is chargeable even inside warranty (三包 exclusion)."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="site_confirmations")
    confirmed_by_name = models.CharField(_("confirmed by (system owner)"), max_length=100)
    confirmed_by_phone = PhoneField(_("their phone"), max_length=40, blank=True)
    symptom = models.TextField(_("symptom as confirmed"))
    cause = models.CharField(_("cause"), max_length=16, choices=Cause.choices)
    human_cause = models.CharField(
        _("kind of human cause"), max_length=20, choices=HumanCause.choices, blank=True, default=""
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField("workorders.WorkOrderEvent", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("on-site confirmation")
        verbose_name_plural = _("on-site confirmations")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cause="human") | Q(human_cause=""), name="siteconfirm_human_kind_only_if_human"
            )
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.cause}"


class Quote(PricedDocument):
    """One version of a paid-work quote (报价) on an order: parts, labour, transport, other lines, tax, total.
    A changed quote is a new version (`revision` + 1) and the old one becomes superseded, never rewritten.
    At most one version per order is not superseded (the current one)."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="quotes")
    revision = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version"
    )
    status = models.CharField(_("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.PENDING)
    # amounts, tax, note and the customer's answer: core.approvals.PricedDocument
    signature = models.ForeignKey(Signature, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["workorder_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["workorder", "revision"], name="quote_unique_revision"),
            models.UniqueConstraint(
                fields=["workorder"], condition=~Q(status="superseded"), name="quote_one_current_per_order"
            ),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1), name="quote_tax_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} v{self.revision}"

    @property
    def is_current(self) -> bool:
        return self.status != QuoteStatus.SUPERSEDED


class QuoteLine(models.Model):
    """One line of a quote version: a part (from the price list or a device model), labour, transport or other."""

    CUSTOMER_SCOPE = "quote__workorder__organisation"

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=300)
    spare_part = models.ForeignKey(SparePart, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    device = models.ForeignKey(
        "assets.Device",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The faulty device this part replaces."),
    )
    labour_basis = models.CharField(max_length=10, choices=LabourBasis.choices, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = MoneyField(_("unit price (CNY)"))
    amount = MoneyField(_("amount (CNY)"))

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quoteline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quoteline_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.description


class ApprovalLink(TimeStampedModel):
    """A signed, expiring, one-time link to answer one quote version without logging in (SMS / e-mail / WeCom).
    The token carries this row's id; the row records when it expires and when it was used."""

    CUSTOMER_SCOPE = "quote__workorder__organisation"

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="links")
    channel = models.CharField(_("sent by"), max_length=10, choices=LinkChannel.choices)
    sent_to = models.CharField(_("sent to"), max_length=254)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("approval link")
        verbose_name_plural = _("approval links")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.quote} → {self.sent_to}"


class Replacement(TimeStampedModel):
    """A faulty device swapped for a new unit (更换设备) on an order, signed by the customer for both units.
    The old device is marked faulty and stays linked: `rma_ref` is the hook for the repair (RMA) issue."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="replacements")
    old_device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="replaced_by_swaps")
    new_device = models.ForeignKey("assets.Device", on_delete=models.PROTECT, related_name="installed_by_swaps")
    old_serial = models.CharField(_("old serial number"), max_length=120)
    new_serial = models.CharField(_("new serial number"), max_length=120)
    new_model = models.CharField(_("new model"), max_length=120)
    note = models.TextField(_("note"), blank=True)
    old_signature = models.ForeignKey(Signature, on_delete=models.PROTECT, related_name="+")
    new_signature = models.ForeignKey(Signature, on_delete=models.PROTECT, related_name="+")
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rma_ref = models.CharField(
        _("repair (RMA) reference"),
        max_length=60,
        blank=True,
        help_text=_("Filled in when the old unit goes to repair."),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField("workorders.WorkOrderEvent", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("device replacement")
        verbose_name_plural = _("device replacements")
        ordering = ["id"]
        indexes = [models.Index(fields=["rma_ref"], condition=Q(rma_ref=""), name="replacement_awaiting_rma_idx")]

    def __str__(self) -> str:
        return f"{self.old_serial} → {self.new_serial}"


class Backup(TimeStampedModel):
    """A backup taken before a system/software change (备份): what, where it is kept, by whom, when, an optional
    file, and the customer's agreement to the change. A change cannot be recorded without one agreed backup."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="backups")
    what = models.TextField(_("what was backed up"))
    location = models.CharField(_("where it is kept"), max_length=300)
    performed_by_name = models.CharField(_("backed up by"), max_length=100)
    performed_at = models.DateTimeField(_("backed up at"))
    file = models.FileField(_("file"), upload_to=backup_path, max_length=200, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    customer_agreed = models.BooleanField(_("customer agreed to the change"), default=False)
    agreed_by_name = models.CharField(_("agreed by"), max_length=100, blank=True)
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField("workorders.WorkOrderEvent", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer_agreed=False) | (~Q(agreed_by_name="") & Q(agreed_at__isnull=False)),
                name="backup_agreement_names_who",
            )
        ]

    def __str__(self) -> str:
        return f"{self.workorder_id} {self.what[:40]}"


class ChangeRecord(TimeStampedModel):
    """A system/software change carried out on site, after its backup and the customer's agreement."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="changes")
    backup = models.ForeignKey(Backup, on_delete=models.PROTECT, related_name="changes")
    description = models.TextField(_("what was changed"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField("workorders.WorkOrderEvent", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:60]


class ServiceForm(VersionedModel):
    """The service form (售后维护表 / 故障处理报告 / 售后服务信息反馈单), two copies, one revision per row.

    A draft is edited; a signed revision is frozen and later edits create the next revision. `complete` and
    `missing` are stored so that KPIs count only complete forms ("填写不完整的不计入考核") with one query."""

    CUSTOMER_SCOPE = "workorder__organisation"

    workorder = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="service_forms")
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_revision"
    )
    status = models.CharField(_("status"), max_length=10, choices=FormStatus.choices, default=FormStatus.DRAFT)
    symptom = models.TextField(_("symptom"), blank=True)
    inspection = models.TextField(_("inspection record (检查记录)"), blank=True)
    cause = models.CharField(_("cause"), max_length=16, choices=Cause.choices, default=Cause.UNKNOWN)
    cause_detail = models.TextField(_("cause in detail"), blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    replaced_devices = models.JSONField(_("replaced devices"), default=list, blank=True)
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    next_appointment_at = models.DateTimeField(_("next appointment"), null=True, blank=True)
    customer_contact_name = models.CharField(_("customer contact"), max_length=100, blank=True)
    customer_contact_phone = PhoneField(_("customer phone"), max_length=40, blank=True)
    engineer_name = models.CharField(_("engineer"), max_length=100, blank=True)
    engineer_phone = PhoneField(_("engineer phone"), max_length=40, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (满意度)"), choices=Satisfaction.choices, null=True, blank=True
    )
    customer_remark = models.TextField(_("customer remark"), blank=True)
    customer_signature = models.ForeignKey(Signature, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    engineer_signature = models.ForeignKey(Signature, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    stamp_photo = models.FileField(_("company stamp (盖章)"), upload_to=stamp_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the stamp photo
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    complete = models.BooleanField(_("complete"), default=False)
    missing = models.JSONField(_("missing parts"), default=list, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("service form")
        verbose_name_plural = _("service forms")
        ordering = ["workorder_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["workorder", "revision"], name="serviceform_unique_revision"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False), name="serviceform_signed_has_time"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="serviceform_satisfaction_range",
            ),
        ]
        indexes = [models.Index(fields=["complete", "workorder"], name="serviceform_complete_idx")]

    def __str__(self) -> str:
        return f"{self.workorder_id} r{self.revision}"

    @property
    def is_signed(self) -> bool:
        return self.status == FormStatus.SIGNED

    @property
    def missing_labels(self) -> list[str]:
        """The missing parts by name, for the page and the PDF."""
        return [str(FORM_PARTS.get(code, code)) for code in self.missing]
