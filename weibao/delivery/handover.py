"""The handover to maintenance (移交): one transaction from an accepted delivery project to the maintained estate.

It creates or updates the customer's sites, the estate project with its subsystems, a device per equipment-list line
(warranty end from the service contract's warranty terms), the estate documents, and the warranty/service contract
starting at final acceptance with the chosen SLA template. Any refused row rolls everything back and is named by its
line; a second run changes nothing.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.assets import services as asset_services
from weibao.assets.choices import DeviceCategory, SubsystemKind
from weibao.assets.models import Device, Project, Subsystem
from weibao.contracts.choices import ContractStatus
from weibao.contracts.services import contract_create
from weibao.core.files import StoredFileMissing, open_stored_file
from weibao.customers.models import Site
from weibao.customers.services import site_create
from weibao.delivery.choices import ESTATE_DOC_TYPES, Stage
from weibao.delivery.models import DeliveryProject, EquipmentItem, StageEvent
from weibao.inspections.schedule import add_months

logger = logging.getLogger(__name__)

DEVICE_COPY = ("name", "model", "serial_number", "location", "ip_address", "firmware", "parameters", "notes")


class HandoverRefused(ValidationError):
    """The handover cannot run (wrong stage) or a row is invalid; nothing was written."""


def _row_error(item: EquipmentItem, exc: ValidationError) -> HandoverRefused:
    messages = "; ".join(
        f"{field}: {' '.join(errs)}" if field != "__all__" else " ".join(errs)
        for field, errs in getattr(exc, "message_dict", {"__all__": exc.messages}).items()
    )
    return HandoverRefused(
        _("Equipment list line %(line)s (%(device)s): %(messages)s")
        % {"line": item.line, "device": item.serial_number or item.model, "messages": messages},
        code="bad_row",
        params={"line": item.line},
    )


def _warranty_terms(project: DeliveryProject) -> list[dict]:
    months = {DeviceCategory.SOFTWARE: project.software_warranty_months}
    return [
        {
            "category": c,
            "months": months.get(c, project.hardware_warranty_months),
            "covers_parts": True,
            "covers_labour": True,
            "notes": _("Warranty from the delivery of %(code)s") % {"code": project.code},
        }
        for c in DeviceCategory
    ]


@transaction.atomic
def project_handover(*, project: DeliveryProject, actor) -> DeliveryProject:
    """Hand the accepted project over to maintenance; a repeated call returns the project unchanged."""
    locked = DeliveryProject.objects.select_for_update().select_related("customer").get(pk=project.pk)
    if locked.stage == Stage.HANDED_OVER:
        return locked  # idempotent: the estate was written once, in the first run
    if locked.stage != Stage.ACCEPTED or locked.final_acceptance_on is None:
        raise HandoverRefused(_("A project is handed over only after its final acceptance."), code="not_accepted")
    customer, accepted = locked.customer, locked.final_acceptance_on
    items = list(locked.equipment.select_related("vendor").order_by("line"))
    if not items:
        raise HandoverRefused(_("The equipment list is empty."), code="no_equipment")

    # sites by name: the customer's existing ones, else new ones
    existing_sites = {s.name: s for s in Site.objects.filter(customer=customer)}
    sites: dict[str, Site] = {}
    for item in items:
        name = item.site_name.strip()
        if name in sites:
            continue
        site = existing_sites.get(name)
        if site is None:
            try:
                site = site_create(actor=actor, customer=customer, name=name, address=locked.main_site_address)
            except ValidationError as exc:
                raise _row_error(item, exc) from exc
        sites[name] = site
    main_site = sites[items[0].site_name.strip()]

    # the estate project: linked before, or the customer's project of that code, or a new one
    estate = locked.estate_project or Project.objects.filter(customer=customer, code=locked.code).first()
    pm = locked.team.filter(role="project_manager", user__isnull=False).select_related("user").first()
    values = {
        "name": locked.name,
        "site": main_site,
        "built_by_us": True,
        "description": locked.description,
        "delivered_on": locked.initial_acceptance_on or accepted,
        "accepted_on": accepted,
        "warranty_end": add_months(accepted, locked.hardware_warranty_months) - datetime.timedelta(days=1),
        "in_maintenance": True,
    }
    if pm is not None:
        values["project_manager"] = pm.user
    if estate is None:
        estate = asset_services.project_create(actor=actor, customer=customer, code=locked.code, **values)
    else:
        estate = asset_services.project_update(project=estate, actor=actor, **values)

    subsystems = {s.name: s for s in Subsystem.objects.filter(project=estate)}
    for item in items:
        name = item.subsystem_name.strip()
        if name and name not in subsystems:
            subsystems[name] = asset_services.subsystem_create(
                actor=actor, project=estate, name=name, kind=SubsystemKind.OTHER
            )

    # the warranty/service contract, starting at acceptance, with the SLA template's policy
    end = add_months(accepted, locked.service_months) - datetime.timedelta(days=1)
    contract = contract_create(
        actor=actor,
        customer=customer,
        calendar=locked.calendar,
        projects=[estate],
        sites=list(sites.values()),
        warranty_terms=_warranty_terms(locked),
        sla_from=locked.sla_template,
        covers_all=False,
        code=f"WB-{customer.code}-{locked.code}"[:40],
        name=_("Warranty and service: %(name)s") % {"name": locked.name},
        start_date=accepted,
        end_date=end,
        status=ContractStatus.ACTIVE,
    )
    terms = {t.category: t for t in contract.warranty_terms.all()}

    # devices: one per line, matched to an existing device by vendor and serial number (read in one query)
    serials = {i.serial_number for i in items if i.serial_number}
    existing_devices = (
        {(d.vendor_id, d.serial_number): d for d in Device.objects.filter(serial_number__in=serials)} if serials else {}
    )
    linked = []
    for item in items:
        installed = item.installed_on or accepted
        fields = {f: getattr(item, f) for f in DEVICE_COPY}
        fields |= {
            "category": item.category,
            "installed_on": installed,
            "project": estate,
            "subsystem": subsystems.get(item.subsystem_name.strip()),
            "warranty_end": terms[item.category].warranty_end(installed) if item.category in terms else None,
        }
        existing = existing_devices.get((item.vendor_id, item.serial_number)) if item.serial_number else None
        try:
            if existing is not None and existing.customer_id == customer.pk:
                device = asset_services.device_update(
                    device=existing, actor=actor, site=sites[item.site_name.strip()], **fields
                )
            else:
                device = asset_services.device_create(
                    actor=actor, customer=customer, site=sites[item.site_name.strip()], vendor=item.vendor, **fields
                )
        except ValidationError as exc:
            raise _row_error(item, exc) from exc
        if item.device_id != device.pk:
            item.device = device
            linked.append(item)
    EquipmentItem.objects.bulk_update(linked, ["device"], batch_size=500)

    # documents the maintenance team needs: drawings, parameters, media, maintenance and emergency plans
    for doc in locked.documents.filter(
        kind__in=list(ESTATE_DOC_TYPES), current_version__gt=0, estate_document__isnull=True
    ):
        version = doc.versions.order_by("-number").first()
        try:
            handle = open_stored_file(version.file)
        except StoredFileMissing as exc:
            raise HandoverRefused(
                _("The file of “%(doc)s” is missing from storage.") % {"doc": doc.title}, code="file_missing"
            ) from exc
        with handle:
            upload = UploadedFile(
                file=handle, name=version.original_name, content_type=version.content_type, size=version.size
            )
            estate_doc = asset_services.document_create(
                actor=actor,
                customer=customer,
                project=estate,
                doc_type=ESTATE_DOC_TYPES[doc.kind],
                title=doc.title,
                upload=upload,
                note=_("Handed over from delivery (version %(n)s)") % {"n": version.number},
            )
        doc.estate_document = estate_doc
        doc.save(update_fields=["estate_document", "updated_at"])

    old_stage = locked.stage
    locked.stage, locked.estate_project, locked.service_contract = Stage.HANDED_OVER, estate, contract
    locked.handed_over_at, locked.handed_over_by = timezone.now(), actor
    locked.version += 1
    locked.save(
        update_fields=[
            "stage",
            "estate_project",
            "service_contract",
            "handed_over_at",
            "handed_over_by",
            "version",
            "updated_at",
        ]
    )
    StageEvent.objects.create(
        project=locked,
        kind="handed_over",
        actor=actor,
        old_stage=old_stage,
        new_stage=Stage.HANDED_OVER,
        data={"project": estate.pk, "contract": contract.pk, "devices": len(items)},
    )
    project.stage = locked.stage
    return locked
