"""Writes for the estate: vendors, projects, subsystems, devices (with history) and documents (with versions)."""

import datetime
import ipaddress
import logging
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.choices import OrganisationKind
from weibao.accounts.services import organisation_create
from weibao.assets import excel
from weibao.assets.choices import DeviceEventKind, DeviceStatus, ImportStatus
from weibao.assets.models import (
    Device,
    DeviceEvent,
    Document,
    DocumentDownload,
    DocumentVersion,
    ImportJob,
    Project,
    ProjectInstaller,
    Subsystem,
    Vendor,
)
from weibao.assets.uploads import check_upload
from weibao.core.excel import XLSX_CONTENT_TYPE, ImportFileError
from weibao.core.exceptions import TransitionNotAllowed
from weibao.customers.models import Customer, Site

logger = logging.getLogger(__name__)

VENDOR_FIELDS = (
    "name",
    "support_phone",
    "support_email",
    "support_contact",
    "website",
    "rma_address",
    "offers_onsite_service",
    "notes",
)
PROJECT_FIELDS = (
    "code",
    "name",
    "site",
    "built_by_us",
    "description",
    "delivered_on",
    "accepted_on",
    "in_maintenance",
    "warranty_end",
    "project_manager",
)
SUBSYSTEM_FIELDS = ("kind", "name", "function", "cautions")
DEVICE_FIELDS = (
    "site",
    "project",
    "subsystem",
    "vendor",
    "category",
    "name",
    "model",
    "serial_number",
    "location",
    "ip_address",
    "firmware",
    "parameters",
    "installed_on",
    "warranty_end",
    "notes",
)


# --- vendors -----------------------------------------------------------------------------------------------------
@transaction.atomic
def vendor_create(*, actor, name: str, **fields) -> Vendor:
    """A new vendor and the organisation its support staff log in under."""
    _check_fields("vendor_create", fields, VENDOR_FIELDS)
    organisation = organisation_create(kind=OrganisationKind.VENDOR, name=name)
    vendor = Vendor(organisation=organisation, name=name.strip(), **fields)
    vendor.full_clean()
    vendor.save()
    return vendor


@transaction.atomic
def vendor_update(*, vendor: Vendor, actor, **changes) -> Vendor:
    _check_fields("vendor_update", changes, VENDOR_FIELDS)
    for field, value in changes.items():
        setattr(vendor, field, value)
    vendor.full_clean()
    vendor.save()
    if vendor.organisation.name != vendor.name:
        # Its support staff log in under the organisation; keep the names in step.
        vendor.organisation.name = vendor.name
        vendor.organisation.save(update_fields=["name", "updated_at"])
    return vendor


# --- projects and subsystems -------------------------------------------------------------------------------------
def project_create(*, actor, customer: Customer, code: str, name: str, **fields) -> Project:
    _check_fields("project_create", fields, PROJECT_FIELDS)
    project = Project(
        customer=customer, organisation_id=customer.organisation_id, code=code.strip(), name=name.strip(), **fields
    )
    _check_same_customer(project, customer_id=customer.pk)
    project.full_clean()
    project.save()
    return project


def project_update(*, project: Project, actor, **changes) -> Project:
    _check_fields("project_update", changes, PROJECT_FIELDS)
    for field, value in changes.items():
        setattr(project, field, value)
    _check_same_customer(project, customer_id=project.customer_id)
    project.full_clean()
    project.save()
    return project


def project_installer_add(
    *, actor, project: Project, name: str, company: str = "", role: str = "", mobile: str = "", email: str = ""
) -> ProjectInstaller:
    installer = ProjectInstaller(
        project=project,
        name=name.strip(),
        company=company.strip(),
        role=role.strip(),
        mobile=mobile.strip(),
        email=email.strip(),
    )
    installer.full_clean()
    installer.save()
    return installer


def subsystem_create(
    *, actor, project: Project, name: str, kind: str, function: str = "", cautions: str = ""
) -> Subsystem:
    subsystem = Subsystem(
        project=project,
        organisation_id=project.organisation_id,
        name=name.strip(),
        kind=kind,
        function=function,
        cautions=cautions,
    )
    subsystem.full_clean()
    subsystem.save()
    return subsystem


def subsystem_update(*, subsystem: Subsystem, actor, **changes) -> Subsystem:
    _check_fields("subsystem_update", changes, SUBSYSTEM_FIELDS)
    for field, value in changes.items():
        setattr(subsystem, field, value)
    subsystem.full_clean()
    subsystem.save()
    return subsystem


# --- devices -----------------------------------------------------------------------------------------------------
@transaction.atomic
def device_create(*, actor, customer: Customer, site: Site, vendor: Vendor, model: str, **fields) -> Device:
    _check_fields("device_create", fields, DEVICE_FIELDS)
    if "ip_address" in fields:
        fields["ip_address"] = _clean_ip(fields["ip_address"])
    device = Device(
        customer=customer,
        organisation_id=customer.organisation_id,
        site=site,
        vendor=vendor,
        model=model.strip(),
        **fields,
    )
    device.serial_number = device.serial_number.strip()
    _check_same_customer(device, customer_id=customer.pk)
    _check_warranty_dates(device)
    device.full_clean()
    device.save()
    DeviceEvent.objects.create(device=device, kind=DeviceEventKind.CREATED, actor=actor, new_status=device.status)
    return device


@transaction.atomic
def device_update(*, device: Device, actor, **changes) -> Device:
    """Edit a device's data; the history records each changed field as [old, new]."""
    _check_fields("device_update", changes, DEVICE_FIELDS)
    if "ip_address" in changes:
        changes["ip_address"] = _clean_ip(changes["ip_address"])
    diff = {}
    for field, value in changes.items():
        old = getattr(device, field)
        if old != value:
            diff[field] = [_jsonable(old), _jsonable(value)]
            setattr(device, field, value)
    if not diff:
        return device
    _check_same_customer(device, customer_id=device.customer_id)
    _check_warranty_dates(device)
    device.full_clean()
    device.save()
    DeviceEvent.objects.create(device=device, kind=DeviceEventKind.UPDATED, actor=actor, data=diff)
    return device


@transaction.atomic
def device_set_status(*, device: Device, status: str, actor, note: str = "") -> Device:
    """Record that a device became faulty, went to repair, is back in service or was retired."""
    if status not in DeviceStatus.values:
        raise ValidationError({"status": _("Unknown device status.")})
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if locked.status == status:
        return locked  # a repeated click adds no second event
    old = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    DeviceEvent.objects.create(
        device=locked, kind=DeviceEventKind.STATUS_CHANGED, actor=actor, old_status=old, new_status=status, note=note
    )
    device.status = status
    return locked


@transaction.atomic
def device_replace(
    *,
    device: Device,
    actor,
    serial_number: str,
    model: str = "",
    note: str = "",
    installed_on: datetime.date | None = None,
    warranty_end: datetime.date | None = None,
    old_status: str = DeviceStatus.RETIRED,
    data: dict | None = None,
) -> Device:
    """Swap a device for a new unit (hardware replacement): the old one is retired (or, from a work order, marked
    faulty and kept for repair: `old_status`), the new one takes its place.

    Both histories point at each other; the new unit copies location, parameters and links of the old one. `data`
    (e.g. the work-order number) is recorded on both history entries.
    """
    if not serial_number.strip():
        raise ValidationError({"serial_number": _("Enter the new serial number.")})
    old = Device.objects.select_for_update().get(pk=device.pk)
    if old.status == DeviceStatus.RETIRED:
        raise ValidationError(_("A retired device cannot be replaced again."))
    new = Device(
        organisation_id=old.organisation_id,
        customer_id=old.customer_id,
        site_id=old.site_id,
        project_id=old.project_id,
        subsystem_id=old.subsystem_id,
        vendor_id=old.vendor_id,
        category=old.category,
        name=old.name,
        model=(model or old.model).strip(),
        serial_number=serial_number.strip(),
        location=old.location,
        ip_address=old.ip_address,
        firmware=old.firmware,
        parameters=dict(old.parameters),
        installed_on=installed_on,
        warranty_end=warranty_end,
    )
    _check_warranty_dates(new)
    new.full_clean()
    new.save()
    was, old.status = old.status, old_status
    old.save(update_fields=["status", "updated_at"])
    extra = dict(data or {})
    DeviceEvent.objects.create(
        device=old,
        kind=DeviceEventKind.REPLACED,
        actor=actor,
        old_status=was,
        new_status=old_status,
        related_device=new,
        note=note,
        data={
            **extra,
            "replaced_by_serial": new.serial_number,
            "old_serial": old.serial_number,
            "new_serial": new.serial_number,
        },
    )
    DeviceEvent.objects.create(
        device=new,
        kind=DeviceEventKind.CREATED,
        actor=actor,
        new_status=new.status,
        related_device=old,
        note=note,
        data={
            **extra,
            "replaces_serial": old.serial_number,
            "old_serial": old.serial_number,
            "new_serial": new.serial_number,
        },
    )
    return new


def device_add_note(*, device: Device, actor, note: str) -> DeviceEvent:
    if not note.strip():
        raise ValidationError({"note": _("Write a note.")})
    return DeviceEvent.objects.create(device=device, kind=DeviceEventKind.NOTE, actor=actor, note=note.strip())


# --- documents ---------------------------------------------------------------------------------------------------
@transaction.atomic
def document_create(
    *,
    actor,
    customer: Customer,
    doc_type: str,
    title: str,
    upload: UploadedFile,
    project: Project | None = None,
    subsystem: Subsystem | None = None,
    device: Device | None = None,
    description: str = "",
    note: str = "",
) -> Document:
    """A new typed document attached to a project, subsystem or device, with its first version."""
    if project is None and subsystem is None and device is None:
        raise ValidationError(_("Attach the document to a project, subsystem or device."))
    if subsystem is not None and project is None:
        project = subsystem.project
    document = Document(
        organisation_id=customer.organisation_id,
        customer=customer,
        project=project,
        subsystem=subsystem,
        device=device,
        doc_type=doc_type,
        title=title.strip(),
        description=description,
    )
    _check_same_customer(document, customer_id=customer.pk)
    document.full_clean(exclude=["current_version"])
    document.save()
    document_add_version(document=document, actor=actor, upload=upload, note=note)
    document.refresh_from_db()
    return document


@transaction.atomic
def document_add_version(*, document: Document, actor, upload: UploadedFile, note: str = "") -> DocumentVersion:
    """Store a new version; earlier versions stay downloadable."""
    checked = check_upload(upload)
    locked = Document.objects.select_for_update().get(pk=document.pk)  # two uploads at once get distinct numbers
    number = locked.current_version + 1
    version = DocumentVersion(
        document=locked,
        number=number,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        note=note[:300],
        uploaded_by=actor,
    )
    version.file.save(checked.name, upload, save=False)
    try:
        version.save()
    except Exception:
        version.file.delete(save=False)
        raise
    locked.current_version = number
    locked.save(update_fields=["current_version", "updated_at"])
    document.current_version = number
    return version


def document_download_record(
    *, version: DocumentVersion, user, ip_address: str | None, user_agent: str = ""
) -> DocumentDownload:
    """Audit row for a download (SPEC §8: access to documents is audited)."""
    return DocumentDownload.objects.create(
        version=version, user=user, ip_address=ip_address or None, user_agent=(user_agent or "")[:300]
    )


# --- helpers -----------------------------------------------------------------------------------------------------
def _check_fields(where: str, fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{where}() got unknown fields {sorted(unknown)}")


def _check_same_customer(obj, *, customer_id: int) -> None:
    """Every link of an estate row must stay within one customer: no device of A on a site of B."""
    errors = {}
    for field in ("site", "project", "subsystem", "device"):
        related = getattr(obj, field, None) if hasattr(obj, f"{field}_id") else None
        if related is None:
            continue
        owner = related.project.customer_id if field == "subsystem" else related.customer_id
        if owner != customer_id:
            errors[field] = _("This belongs to another customer.")
    subsystem = getattr(obj, "subsystem", None) if hasattr(obj, "subsystem_id") else None
    project = getattr(obj, "project", None) if hasattr(obj, "project_id") else None
    if subsystem is not None and project is not None and subsystem.project_id != project.pk:
        errors["subsystem"] = _("The subsystem belongs to another project.")
    if errors:
        raise ValidationError(errors)


def _clean_ip(value) -> str:
    """The IP address in canonical form, or ValidationError: the API must not store what the form and import refuse."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValidationError({"ip_address": _("Not an IP address.")}) from None


def _check_warranty_dates(device: Device) -> None:
    if device.installed_on and device.warranty_end and device.warranty_end < device.installed_on:
        raise ValidationError({"warranty_end": _("The warranty ends before the installation date.")})


def _jsonable(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


# --- equipment list import -----------------------------------------------------------------------------------------
# Files up to this size are checked and imported inside the request; larger ones go to the task worker and the page
# polls the job's progress.
IMPORT_INLINE_MAX_BYTES = 200 * 1024


def import_start(*, actor, customer: Customer, upload: UploadedFile, project: Project | None = None) -> ImportJob:
    """Accept an uploaded equipment list (checked to be a real .xlsx within the size limit) as a new import job."""
    check_upload(upload, allowed={".xlsx": XLSX_CONTENT_TYPE})
    if project is not None and project.customer_id != customer.pk:
        raise ValidationError({"project": _("This belongs to another customer.")})
    job = ImportJob(
        customer=customer, project=project, created_by=actor, original_name=PurePath(upload.name).name[:255]
    )
    job.file.save("upload.xlsx", upload, save=False)
    job.save()
    return job


def import_check(*, job_id: int) -> ImportJob:
    """Check every row of the job's file and store the preview and the error report (safe to run twice)."""
    job = ImportJob.objects.select_related("customer", "project").get(pk=job_id)
    if job.status not in (ImportStatus.PENDING, ImportStatus.VALIDATING):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING, processed_rows=0)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

    try:
        with job.file.open("rb") as fh:
            result = excel.check_file(fh.read(), job=job, progress=progress)
    except ImportFileError as exc:
        _import_finish(job, ImportStatus.INVALID, errors=[{"row": 0, "column": "", "message": exc.message}])
        return job
    status = ImportStatus.VALID if result.ok else ImportStatus.INVALID
    _import_finish(
        job,
        status,
        errors=[e.as_dict() for e in result.errors],
        total=result.total_rows,
        preview=excel.preview_rows(result.rows),
        rows=excel.rows_to_json(result.rows) if result.ok else [],
        finished=status == ImportStatus.INVALID,
    )
    return job


def import_queue(*, job_id: int) -> bool:
    """Claim a checked job for writing; of two clicks (or a click and a retried task) exactly one gets True."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.VALID).update(
            status=ImportStatus.IMPORTING, processed_rows=0
        )
    )


class _StillInvalid(Exception):
    def __init__(self, errors: list) -> None:
        self.errors = errors


def import_commit(*, job_id: int, actor, claimed: bool = False) -> ImportJob:
    """Write a checked list: re-checks against the database as it is now, then inserts all rows or none.

    `claimed=True` when `import_queue()` already moved the job to "importing" (the background task); running the
    task twice is safe: the job row is locked and only an "importing" job is written.
    """
    if not claimed and not import_queue(job_id=job_id):
        job = ImportJob.objects.get(pk=job_id)
        if job.status in (ImportStatus.IMPORTING, ImportStatus.DONE):
            return job
        raise TransitionNotAllowed(current=job.status, requested=ImportStatus.IMPORTING)
    job = ImportJob.objects.select_related("customer", "project").get(pk=job_id)
    try:
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job_id)
            if locked.status != ImportStatus.IMPORTING:
                return locked  # another run finished it meanwhile
            if job.rows:
                # Checked at preview; only what may have changed since (serials registered meanwhile) is re-checked.
                rows = excel.rows_from_json(job.rows)
                errors = excel.recheck_serials(rows)
            else:
                with job.file.open("rb") as fh:
                    result = excel.check_file(fh.read(), job=job)
                rows, errors = result.rows, result.errors
            if errors:
                raise _StillInvalid([e.as_dict() for e in errors])
            created = excel.commit_rows(job=job, rows=rows, actor=actor)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.DONE,
                created_count=created,
                processed_rows=created,
                rows=[],
                finished_at=timezone.now(),
            )
    except _StillInvalid as exc:
        _import_finish(job, ImportStatus.INVALID, errors=exc.errors, rows=[], finished=True)
        return job
    except IntegrityError as exc:
        _import_finish(
            job,
            ImportStatus.INVALID,
            errors=[{"row": 0, "column": "", "message": excel.integrity_message(exc)}],
            rows=[],
            finished=True,
        )
        return job
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _import_finish(
            job,
            ImportStatus.FAILED,
            errors=[{"row": 0, "column": "", "message": _("The import failed; nothing was saved.")}],
            rows=[],
            finished=True,
        )
        return job
    job.refresh_from_db()
    return job


def _import_finish(
    job: ImportJob,
    status: str,
    *,
    errors: list,
    total: int | None = None,
    preview: list | None = None,
    rows: list | None = None,
    finished: bool = False,
) -> None:
    fields = {"status": status, "errors": errors}
    if rows is not None:
        fields["rows"] = rows
    if total is not None:
        fields["total_rows"] = total
        fields["processed_rows"] = total
    if preview is not None:
        fields["preview"] = preview
    if finished:
        fields["finished_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
