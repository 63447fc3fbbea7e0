"""The maintained estate: vendors, delivered projects with their subsystems, devices, documents (SPEC §2, §7)."""

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.assets.choices import (
    DeviceCategory,
    DeviceEventKind,
    DeviceStatus,
    DocumentType,
    ImportStatus,
    SubsystemKind,
)
from weibao.core.models import AppendOnlyModel, TimeStampedModel
from weibao.core.phones import PhoneField


class Vendor(TimeStampedModel):
    """A manufacturer whose equipment we maintain (华为, 海康威视 …), and whom we escalate to.

    Its support staff log in as users of its organisation; they see only what was escalated to them.
    """

    VENDOR_SCOPE = "organisation"

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="vendor", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    support_phone = PhoneField(_("support phone"), max_length=40, blank=True)
    support_email = models.EmailField(_("support email"), blank=True)
    support_contact = models.CharField(_("support contact"), max_length=100, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    rma_address = models.CharField(_("RMA address"), max_length=300, blank=True)
    offers_onsite_service = models.BooleanField(_("offers on-site service"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(TimeStampedModel):
    """A system delivered at a customer and now maintained (项目).

    Built by us, or by someone else — then the customer must supply the documents, and the UI shows what is missing.
    """

    CUSTOMER_SCOPE = "organisation"

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="projects", verbose_name=_("customer")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    site = models.ForeignKey(
        "customers.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("main site"),
    )
    code = models.CharField(_("project code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    built_by_us = models.BooleanField(_("built by us"), default=True)
    description = models.TextField(_("description"), blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    accepted_on = models.DateField(_("final acceptance on"), null=True, blank=True)
    warranty_end = models.DateField(_("project warranty end"), null=True, blank=True)
    # False while the project is still being delivered (weibao.delivery); the handover sets it (移交).
    in_maintenance = models.BooleanField(_("in maintenance"), default=True)
    project_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_projects",
        verbose_name=_("project manager"),
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-delivered_on", "name"]
        constraints = [models.UniqueConstraint(fields=["customer", "code"], name="project_unique_code_per_customer")]
        indexes = [models.Index(fields=["organisation", "name"], name="project_org_name_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectInstaller(TimeStampedModel):
    """Who installed (part of) a project and how to reach them: our own staff, a subcontractor, another integrator."""

    CUSTOMER_SCOPE = "project__organisation"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="installers")
    company = models.CharField(_("company"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=100, blank=True)
    mobile = PhoneField(_("mobile"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("installer")
        verbose_name_plural = _("installers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Subsystem(TimeStampedModel):
    """A subsystem of a project (cabling, network, PBX …) with what it does and what to watch out for on site."""

    CUSTOMER_SCOPE = "organisation"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="subsystems", verbose_name=_("project"))
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SubsystemKind.choices, default=SubsystemKind.OTHER)
    name = models.CharField(_("name"), max_length=200)
    function = models.TextField(_("function"), blank=True)
    cautions = models.TextField(_("special cautions"), blank=True)

    class Meta:
        verbose_name = _("subsystem")
        verbose_name_plural = _("subsystems")
        ordering = ["project", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="subsystem_unique_name_per_project")]

    def __str__(self) -> str:
        return self.name


class Device(TimeStampedModel):
    """One maintained piece of equipment or software licence on the equipment list (设备清单).

    The serial number is unique per vendor. History (status changes, replacements) is kept in DeviceEvent.
    """

    CUSTOMER_SCOPE = "organisation"
    # No VENDOR_SCOPE: a vendor sees devices only through the escalations sent to it (SPEC §8).

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="devices", verbose_name=_("customer")
    )
    site = models.ForeignKey("customers.Site", on_delete=models.PROTECT, related_name="devices", verbose_name=_("site"))
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="devices", verbose_name=_("project")
    )
    subsystem = models.ForeignKey(
        Subsystem, on_delete=models.SET_NULL, null=True, blank=True, related_name="devices", verbose_name=_("subsystem")
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="devices", verbose_name=_("vendor"))
    category = models.CharField(
        _("category"), max_length=16, choices=DeviceCategory.choices, default=DeviceCategory.HARDWARE
    )
    name = models.CharField(_("device name"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=120)
    serial_number = models.CharField(_("serial number"), max_length=120, blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    firmware = models.CharField(_("firmware / version"), max_length=120, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.IN_SERVICE)
    notes = models.TextField(_("notes"), blank=True)
    # One upper-cased text of everything people search devices by; on PostgreSQL it carries a trigram index
    # (migration 0003), so "contains" searches stay fast at a million devices.
    search_text = models.GeneratedField(
        expression=Upper(
            Concat(
                "name",
                Value(" "),
                "model",
                Value(" "),
                "serial_number",
                Value(" "),
                "ip_address",
                Value(" "),
                "location",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "serial_number"],
                condition=~models.Q(serial_number=""),
                name="device_unique_serial_per_vendor",
            )
        ]
        indexes = [
            # Lists are keyset-paginated newest first, within an organisation or a site.
            models.Index(fields=["organisation", "-id"], name="device_org_id_idx"),
            models.Index(fields=["site", "-id"], name="device_site_id_idx"),
            models.Index(fields=["status", "-id"], name="device_status_id_idx"),
            # Exact-match fast paths for search.
            models.Index(fields=["serial_number"], name="device_serial_idx"),
            models.Index(fields=["ip_address"], name="device_ip_idx"),
        ]

    def __str__(self) -> str:
        label = self.name or self.model
        return f"{label} ({self.serial_number})" if self.serial_number else label

    def in_warranty(self, on: datetime.date | None = None) -> bool | None:
        """True/False when the warranty end is known, None when it is not."""
        if self.warranty_end is None:
            return None
        return (on or timezone.localdate()) <= self.warranty_end

    @property
    def status_badge(self) -> str:
        """Colour of the status badge (the CSS class suffix)."""
        from weibao.assets.choices import DEVICE_STATUS_BADGE

        return DEVICE_STATUS_BADGE.get(self.status, "muted")

    @property
    def warranty_days_left(self) -> int | None:
        if self.warranty_end is None:
            return None
        return (self.warranty_end - timezone.localdate()).days


class DeviceEvent(AppendOnlyModel):
    """Append-only history of a device: created, imported, edited, status changes, replacements. Never changed or
    deleted; a device with history cannot be deleted either (PROTECT): devices are retired (status), never deleted."""

    CUSTOMER_SCOPE = "device__organisation"

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="events", verbose_name=_("device"))
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    old_status = models.CharField(_("old status"), max_length=16, choices=DeviceStatus.choices, blank=True)
    new_status = models.CharField(_("new status"), max_length=16, choices=DeviceStatus.choices, blank=True)
    # For a replacement: the device that took this one's place (or the one it replaced).
    related_device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("related device")
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class Document(TimeStampedModel):
    """A typed document kept for a project, subsystem or device (drawing, cabling route, software media …).

    Its content lives in versions: a new upload adds a version and keeps the old ones.
    """

    CUSTOMER_SCOPE = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="documents", verbose_name=_("customer")
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name=_("project")
    )
    subsystem = models.ForeignKey(
        Subsystem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("subsystem"),
    )
    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name=_("device")
    )
    doc_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    current_version = models.PositiveIntegerField(_("current version"), default=0)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["doc_type", "title"]
        indexes = [models.Index(fields=["organisation", "doc_type"], name="document_org_type_idx")]

    def __str__(self) -> str:
        return self.title


def document_upload_to(instance: "DocumentVersion", filename: str) -> str:
    # Never trust the uploaded name on disk: a random name, the (checked) extension kept for humans.
    ext = PurePath(filename).suffix.lower()[:10]
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class DocumentVersion(models.Model):
    """One uploaded file of a document; versions are never overwritten."""

    CUSTOMER_SCOPE = "document__organisation"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("change note"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class DocumentDownload(models.Model):
    """Audit of every document download: who, when, from where (SPEC §8)."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("document download")
        verbose_name_plural = _("document downloads")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.version_id}"


def import_upload_to(instance: "ImportJob", filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(TimeStampedModel):
    """An uploaded equipment list on its way in: checked (preview), then committed all-or-nothing."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("customer")
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="import_jobs", verbose_name=_("project")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=import_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    created_count = models.PositiveIntegerField(_("devices created"), default=0)
    # [{"row": 5, "column": "序列号", "message": "..."}]; row 0 = the whole file
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    # The checked rows, kept between preview and commit so the commit need not parse the file again; emptied after.
    rows = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
