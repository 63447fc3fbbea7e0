"""Intake: a fault report from any channel becomes a work order with entitlement, clocks and its first event;
attachments are checked on the way in."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.contracts.choices import IntakeChannel, Severity
from weibao.core.phones import canonical_phone, suffix_key
from weibao.workorders.choices import (
    Category,
    EventKind,
    MaintenanceType,
    ServiceKind,
    Status,
    action_perm,
)
from weibao.workorders.events import publish
from weibao.workorders.models import (
    Attachment,
    Clock,
    WorkOrder,
    WorkOrderEvent,
)
from weibao.workorders.services.common import (
    _check_actor,
    _clean_text,
    _event,
    _lock,
    _plan_clocks,
    allocate_numbers,
    number_for_insert,
    reserve_workorder_id,
)

# --- intake -------------------------------------------------------------------------------------------------------


def _responsible_branch_id(site, customer) -> int | None:
    """The branch serving the site's region, else the customer's branch."""
    if site.region_id is not None:
        return site.region.branch_id  # loaded with the site by the API; one small query otherwise
    return customer.branch_id


# A call time a little ahead of the server's clock is a typed minute, not the future; more is refused.
REPORTED_AT_TOLERANCE = datetime.timedelta(minutes=2)
# How far back a call may be registered (a report written up after a night call; older ones are history, not intake).
REPORTED_AT_MAX_AGE = datetime.timedelta(days=7)


def _check_reported_at(reported_at: datetime.datetime | None, *, historic: bool = False) -> datetime.datetime:
    """The real time of the call (issue 18): the clocks start then, not at typing time; never in the future. A
    time typed at intake is at most REPORTED_AT_MAX_AGE old; `historic` reports (a mail that waited in a backlog,
    an order registered after the fact, seeds) may be older."""
    now = timezone.now()
    if reported_at is None:
        return now
    if timezone.is_naive(reported_at):
        raise ValidationError({"reported_at": _("Give the time with its time zone.")})
    if reported_at > now + REPORTED_AT_TOLERANCE:
        raise ValidationError({"reported_at": _("The time of the call cannot be in the future.")})
    if reported_at < now - REPORTED_AT_MAX_AGE and not historic:
        raise ValidationError(
            {
                "reported_at": _("The call is more than %(days)d days ago: register it as history.")
                % {"days": REPORTED_AT_MAX_AGE.days}
            }
        )
    return min(reported_at, now)


@dataclass
class _Draft:
    """A checked report, ready to insert: the order (no number yet), its clocks, devices and first event's data."""

    workorder: WorkOrder
    clocks: list[Clock]
    devices: list
    event_data: dict
    attachments: list


def _draft(
    *,
    actor: User,
    customer,
    site,
    channel: str,
    symptom: str,
    severity: str | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    devices: Sequence = (),
    project=None,
    attachments: Sequence[UploadedFile] = (),
    source_ref: str = "",
    title: str = "",
    category: str | None = None,
    contact=None,
    reported_at: datetime.datetime | None = None,
    historic: bool = False,
    entitlement=None,
    service_kind: str | None = None,
    maintenance_type: str | None = None,
) -> _Draft:
    """Every rule of intake short of writing: raises ValidationError/PermissionDenied, writes nothing."""
    if actor.is_customer and customer.organisation_id != actor.organisation_id:
        raise PermissionDenied("workorders.create")
    errors: dict[str, str] = {}
    if site.customer_id != customer.pk:
        errors["site"] = _("This site does not belong to the customer.")
    if project is not None and project.customer_id != customer.pk:
        errors["project"] = _("This project does not belong to the customer.")
    devices = list(devices)
    if any(d.customer_id != customer.pk for d in devices):
        errors["devices"] = _("A device does not belong to the customer.")
    if channel not in IntakeChannel.values:
        errors["channel"] = _("Unknown intake channel.")
    if severity is not None and severity not in Severity.values:
        errors["severity"] = _("Unknown severity.")
    if category is not None and category not in Category.values:
        errors["category"] = _("Unknown category.")
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = _("This contact does not belong to the customer.")
    if service_kind and service_kind not in ServiceKind.values:
        errors["service_kind"] = _("Unknown service kind.")
    if maintenance_type and maintenance_type not in MaintenanceType.values:
        errors["maintenance_type"] = _("Unknown maintenance type.")
    if errors:
        raise ValidationError(errors)
    symptom = _clean_text(symptom, "symptom", required=True)
    title = _clean_text(title, "title", max_length=200)
    reporter_name = _clean_text(reporter_name, "reporter_name", max_length=100)
    reporter_phone = _clean_text(reporter_phone, "reporter_phone", max_length=40)
    reporter_email = _clean_text(reporter_email, "reporter_email", max_length=254)
    source_ref = _clean_text(source_ref, "source_ref", max_length=200)
    if contact is not None:
        # A phone report names a known contact: the notices reach them (registered, resolved, closed) by the mail
        # and mobile on file unless the caller gave others.
        reporter_name = reporter_name or contact.name
        reporter_phone = reporter_phone or contact.mobile or contact.phone
        reporter_email = reporter_email or contact.email
    reporter_phone = canonical_phone(reporter_phone)  # forms and the API checked it; a contact's may be older
    checked = _check_attachments(attachments)

    reported_at = _check_reported_at(reported_at, historic=historic)
    if entitlement is None:
        from weibao.contracts.selectors import entitlement_for

        entitlement = entitlement_for(
            customer=customer, at=reported_at, site=site, device=devices[0] if devices else None
        )
    wo = WorkOrder(
        organisation_id=customer.organisation_id,
        customer=customer,
        site=site,
        project=project or (devices[0].project if devices and devices[0].project_id else None),
        contract=entitlement.contract,
        branch_id=_responsible_branch_id(site, customer),
        channel=channel,
        source_ref=source_ref,
        reported_by=actor,
        reporter_name=reporter_name or (actor.name if actor.is_customer else ""),
        reporter_phone=reporter_phone,
        reporter_phone_key=suffix_key(reporter_phone),
        reporter_email=reporter_email or (actor.email if actor.is_customer else ""),
        contact=contact,
        title=title or symptom.strip().splitlines()[0][:80],
        symptom=symptom,
        severity=severity or Severity.C,
        category=category or (Category.HARDWARE if devices and devices[0].category == "hardware" else Category.OTHER),
        service_type=entitlement.service_type,
        chargeable=entitlement.chargeable,
        in_warranty=entitlement.in_warranty,
        reported_at=reported_at,
        service_kind=service_kind or ServiceKind.FAULT_REPAIR,
        maintenance_type=maintenance_type or MaintenanceType.CORRECTIVE,
    )
    clocks = _plan_clocks(wo)  # computed before the insert: one INSERT carries the deadlines too
    event_data = {
        "channel": channel,
        "severity": wo.severity,
        "service_type": wo.service_type,
        "service_kind": wo.service_kind,
        "maintenance_type": wo.maintenance_type,
        "chargeable": wo.chargeable,
        "entitlement": [str(r) for r in entitlement.reasons],
        "devices": [d.pk for d in devices],
    }
    return _Draft(wo, clocks, devices, event_data, checked)


def _created_event(draft: _Draft, actor: User) -> WorkOrderEvent:
    wo = draft.workorder
    return WorkOrderEvent(
        workorder=wo,
        kind=EventKind.CREATED,
        actor=actor,
        new_status=Status.NEW,
        body=wo.symptom,
        source_ref=wo.source_ref,
        data=draft.event_data,
        created_at=timezone.now(),
    )


@transaction.atomic
def workorder_create(*, actor: User, **report) -> WorkOrder:
    """Register a fault report from any channel (SPEC §4.1) with its entitlement, SLA clocks and first event.

    `report`: customer, site, channel, symptom and optionally severity, reporter_name/phone/email, devices,
    project, attachments, source_ref, title, category, contact, reported_at (and `historic=True` for a report
    registered after the fact, whose time may be older than the intake window)."""
    require(actor, "workorders.create")
    new_device = report.pop("new_device", None)
    if new_device:
        # The caller's device is not registered yet: recorded on the spot, in the same transaction as the order.
        report["devices"] = [*report.get("devices", ()), _device_on_the_spot(actor, report, new_device)]
    draft = _draft(actor=actor, **report)
    wo = draft.workorder
    # The number last: taking it locks the year's counter row until COMMIT, which serialises every intake of the
    # year. So everything slow (entitlement, SLA policy, calendar) happens before, and on PostgreSQL the order's id
    # is reserved first so that its clocks, devices, event and attachments are written before the order itself
    # (foreign keys are checked at COMMIT): the lock then covers the order's INSERT, the notice task and COMMIT only.
    reserved = reserve_workorder_id()
    if reserved is None:
        _insert_order(wo)
    else:
        wo.pk = reserved
    event = _insert_dependents(draft, actor)
    if reserved is not None:
        _insert_order(wo)
    # In-transaction subscribers (the notice task) see the order and its event; the number is in the response.
    publish([event.pk])
    return wo


def _insert_order(wo: WorkOrder) -> None:
    wo.number = number_for_insert(wo.reported_at)
    wo.save(force_insert=True)


def _insert_dependents(draft: _Draft, actor: User) -> WorkOrderEvent:
    """The clocks, device links, first event and attachments of a new order (inserted or with its id reserved)."""
    wo = draft.workorder
    for clock in draft.clocks:
        clock.workorder = wo
    Clock.objects.bulk_create(draft.clocks)
    if draft.devices:
        WorkOrder.devices.through.objects.bulk_create(
            [WorkOrder.devices.through(workorder_id=wo.pk, device_id=d.pk) for d in dict.fromkeys(draft.devices)]
        )
    event = _created_event(draft, actor)
    event.save(force_insert=True)
    for upload, info in draft.attachments:
        _store_attachment(wo, upload, info, actor=actor, event=event, internal=False)
    return event


def _device_on_the_spot(actor: User, report: dict, new_device: dict):
    """A device the caller names that the estate does not know yet (vendor, model, serial number, location)."""
    from weibao.assets.services import device_create

    customer, site = report["customer"], report["site"]
    if actor.is_customer or site.customer_id != customer.pk:
        raise PermissionDenied("workorders.create")
    fields = {k: v for k, v in new_device.items() if k in ("serial_number", "location", "name") and v}
    if not new_device.get("vendor") or not (new_device.get("model") or "").strip():
        raise ValidationError({"new_device_model": _("Give at least the vendor and the model of the new device.")})
    try:
        return device_create(
            actor=actor, customer=customer, site=site, vendor=new_device["vendor"], model=new_device["model"], **fields
        )
    except ValidationError as exc:
        raise ValidationError(
            {f"new_device_{k}" if k != "__all__" else "new_device_model": v for k, v in exc.message_dict.items()}
        ) from exc


MAX_BATCH = 100  # reports per batch request


@transaction.atomic
def workorder_create_many(*, actor: User, reports: Sequence[dict]) -> list[WorkOrder]:
    """Register many fault reports at once (a monitoring system's burst of alarms): all or nothing.

    Each report takes the keyword arguments of `workorder_create` (no attachments). Every report is checked
    before anything is written; the ValidationError names the report and field of every problem
    (`"3.site"`). Entitlements are looked up for the whole batch at once, numbers are taken as one range per year
    (still without gaps), and orders, clocks, devices and events go in with one INSERT each."""
    from weibao.contracts.selectors import EntitlementQuery, entitlements_for_many

    require(actor, "workorders.create")
    if not reports:
        raise ValidationError({"reports": _("Send at least one report.")})
    if len(reports) > MAX_BATCH:
        raise ValidationError({"reports": _("At most %(n)d reports at once.") % {"n": MAX_BATCH}})
    if any(r.get("attachments") for r in reports):
        raise ValidationError({"reports": _("Attachments are sent one order at a time.")})
    now = timezone.now()
    reports = [{**r, "reported_at": r.get("reported_at") or now} for r in reports]
    entitlements = entitlements_for_many(
        [
            EntitlementQuery(
                customer=r["customer"],
                at=r["reported_at"],
                site=r["site"],
                device=next(iter(r.get("devices") or ()), None),
            )
            for r in reports
        ]
    )
    drafts, errors = [], {}
    for i, (report, entitlement) in enumerate(zip(reports, entitlements, strict=True)):
        try:
            drafts.append(_draft(actor=actor, entitlement=entitlement, **report))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"{i}.{field}"] = messages
    if errors:
        raise ValidationError(errors)
    orders = [d.workorder for d in drafts]
    by_year: dict[int, list[WorkOrder]] = {}
    for wo in orders:
        by_year.setdefault(timezone.localtime(wo.reported_at).year, []).append(wo)
    for year, group in sorted(by_year.items()):
        for wo, number in zip(group, allocate_numbers(year, len(group)), strict=True):
            wo.number = number
    WorkOrder.objects.bulk_create(orders)
    clocks = []
    for draft in drafts:
        for clock in draft.clocks:
            clock.workorder = draft.workorder
            clocks.append(clock)
    Clock.objects.bulk_create(clocks)
    links = [
        WorkOrder.devices.through(workorder_id=d.workorder.pk, device_id=device.pk)
        for d in drafts
        for device in dict.fromkeys(d.devices)
    ]
    if links:
        WorkOrder.devices.through.objects.bulk_create(links)
    events = WorkOrderEvent.objects.bulk_create([_created_event(d, actor) for d in drafts])
    publish([e.pk for e in events])
    return orders


def workorder_create_each(*, actor: User, reports: Sequence[dict]) -> list[WorkOrder | ValidationError]:
    """The batch intake for reports that do not belong together (a burst of alarms, a batch of IM messages): per
    report its new order, or the ValidationError that refused it (fields without the position). The reports go in
    through `workorder_create_many`, MAX_BATCH at a time; a refused report takes nothing with it: the others of its
    batch are tried again without it. Inside a transaction every attempt is a savepoint, so a refused attempt leaves
    nothing behind. PermissionDenied, and a ValidationError not tied to one report, are raised."""
    results: list[WorkOrder | ValidationError | None] = [None] * len(reports)
    for start in range(0, len(reports), MAX_BATCH):
        todo = list(range(start, min(start + MAX_BATCH, len(reports))))
        while todo:
            try:
                orders = workorder_create_many(actor=actor, reports=[reports[i] for i in todo])
            except ValidationError as exc:
                refused: dict[int, dict[str, list[str]]] = {}
                for field, messages in exc.message_dict.items():
                    position, _dot, name = field.partition(".")
                    if position.isdigit() and name:
                        refused.setdefault(int(position), {})[name] = messages
                if not refused:
                    raise
                for position, problems in refused.items():
                    results[todo[position]] = ValidationError(problems)
                todo = [i for position, i in enumerate(todo) if position not in refused]
                continue
            for i, order in zip(todo, orders, strict=True):
                results[i] = order
            break
    return results  # type: ignore[return-value] - every position is filled


def reports_resolve(*, user: User, reports: Sequence[Mapping]) -> tuple[list[dict | None], list[dict[str, list[str]]]]:
    """API reports (WorkOrderIn's fields as a dict; `reported_at` may be an ISO string, as an alarm stores it) with
    their ids looked up through scoping, one query per kind whatever the number of reports: per report the keyword
    arguments of `workorder_create` (None where a lookup failed) and its errors by field. Another organisation's
    site, project or device reads exactly like one that does not exist."""
    from weibao.accounts.scoping import scope_queryset
    from weibao.assets.models import Device, Project
    from weibao.customers.models import Site

    def scoped(qs, ids) -> dict:
        # Unordered: the rows go into a dict, and compiling the models' default ORDER BY costs CPU on every intake.
        return {o.pk: o for o in scope_queryset(qs, user).filter(pk__in=ids).order_by()} if ids else {}

    sites = scoped(Site.objects.select_related("customer", "region"), {r["site_id"] for r in reports})
    projects = scoped(Project.objects.all(), {r["project_id"] for r in reports if r.get("project_id") is not None})
    devices = scoped(Device.objects.all(), {pk for r in reports for pk in r.get("device_ids") or ()})
    prepared, errors = [], []
    for r in reports:
        site, problems = sites.get(r["site_id"]), {}
        device_ids = r.get("device_ids") or []
        if site is None:
            problems["site_id"] = [_("Unknown site.")]
        elif site.customer_id != r["customer_id"]:
            problems["site_id"] = [_("This site does not belong to the customer.")]
        if r.get("project_id") is not None and r["project_id"] not in projects:
            problems["project_id"] = [_("Unknown project.")]
        if missing := [pk for pk in device_ids if pk not in devices]:
            problems["device_ids"] = [_("Unknown device: %(ids)s.") % {"ids": missing}]
        errors.append(problems)
        reported_at = r.get("reported_at")
        if isinstance(reported_at, str):
            reported_at = datetime.datetime.fromisoformat(reported_at)
        prepared.append(
            None
            if problems
            else {
                "customer": site.customer,
                "site": site,
                "channel": IntakeChannel.API,
                "symptom": r["symptom"],
                "severity": r.get("severity"),
                "title": r.get("title") or "",
                "category": r.get("category"),
                "project": projects.get(r.get("project_id")),
                "devices": [devices[pk] for pk in dict.fromkeys(device_ids)],
                "reporter_name": r.get("reporter_name") or "",
                "reporter_phone": r.get("reporter_phone") or "",
                "reporter_email": r.get("reporter_email") or "",
                "source_ref": r.get("source_ref") or "",
                "reported_at": reported_at,
                "service_kind": r.get("service_kind"),
                "maintenance_type": r.get("maintenance_type"),
            }
        )
    return prepared, errors


# --- attachments --------------------------------------------------------------------------------------------------


MAX_ATTACHMENTS = 10  # per report, comment or upload; the forms say the same (forms.MAX_FILES)


def _check_attachments(uploads: Sequence[UploadedFile]) -> list:
    """Every file checked (size, real type), and not more of them than one report may carry: the API has no form
    in front of it that would cap the count."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": _("At most %(n)d files at once.") % {"n": MAX_ATTACHMENTS}})
    return [_check_attachment(f) for f in uploads]


def _check_attachment(upload: UploadedFile):
    from weibao.assets.uploads import check_upload

    try:
        return upload, check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from exc


def _store_attachment(wo: WorkOrder, upload: UploadedFile, info, *, actor: User, event, internal: bool) -> Attachment:
    attachment = Attachment(
        workorder=wo,
        event=event,
        original_name=info.name,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=actor,
        internal=internal,
    )
    attachment.file.save(info.name, upload, save=False)
    attachment.save()
    return attachment


def workorder_attach_document(*, event, content: bytes, name: str, content_type: str, actor: User) -> Attachment:
    """A document the system made (e.g. the signed service form's PDF) attached to an existing timeline event, no
    new event; the same name on the same event again returns the stored one (the task may run twice)."""
    import hashlib

    from django.core.files.base import ContentFile

    existing = Attachment.objects.filter(event=event, original_name=name).first()
    if existing is not None:
        return existing
    attachment = Attachment(
        workorder_id=event.workorder_id,
        event=event,
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def workorder_add_attachments(
    *, workorder: WorkOrder, actor: User, files: Sequence[UploadedFile], internal: bool = False
) -> list[Attachment]:
    """Attach photos or logs to an order (checked: size, real type); one timeline event for the batch."""
    _check_actor(actor, action_perm("comment"), workorder)
    if not files:
        raise ValidationError({"attachments": _("Choose at least one file.")})
    checked = _check_attachments(files)
    wo = _lock(workorder)
    internal = internal and actor.is_internal
    event = _event(
        wo,
        kind=EventKind.ATTACHMENT,
        actor=actor,
        internal=internal,
        data={"files": [info.name for _u, info in checked]},
    )
    return [_store_attachment(wo, u, info, actor=actor, event=event, internal=internal) for u, info in checked]
