"""Writes on work orders: intake, one function per transition, edits, comments, work log, reviews (SPEC §4).

Every function locks the order row, refuses what the state table does not allow (TransitionNotAllowed), writes what
changed and appends exactly one timeline event (a repeated identical click appends none). Subscribers of
`workorders.events` hear about new events after commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.contracts.choices import ClockKind, IntakeChannel, Severity
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.workorders import clocks as wclocks
from weibao.workorders.choices import (
    OBSERVATION_STATUSES,
    TRANSITION_EVENT,
    TRANSITIONS,
    Category,
    Cause,
    EventKind,
    ServiceType,
    Status,
    WorkKind,
)
from weibao.workorders.events import publish
from weibao.workorders.models import (
    Attachment,
    Clock,
    LegacyReview,
    NumberCounter,
    WorkLog,
    WorkOrder,
    WorkOrderEvent,
)

SYSTEM_USERNAME = "system"


def system_user() -> User:
    """The account automatic moves are recorded under (email intake, the periodic sweeps)."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        from weibao.accounts.services import own_company

        user, _created = User.objects.get_or_create(
            username=SYSTEM_USERNAME,
            defaults={"name": "系统", "organisation": own_company(), "role": Role.ADMIN, "password": "!"},
        )
    return user


# --- helpers ------------------------------------------------------------------------------------------------------


def _clean_text(value: str, field: str, *, required: bool = False, max_length: int | None = None) -> str:
    """Text is stored exactly as given (templates escape it); only NUL, which no database keeps, is refused."""
    value = value or ""
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a NUL character, which cannot be stored.")})
    if required and not value.strip():
        raise ValidationError({field: _("This field is required.")})
    if max_length is not None and len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters are allowed.") % {"n": max_length}})
    return value


def _check_actor(actor: User, perm: str, workorder: WorkOrder | None = None) -> None:
    require(actor, perm)
    # Services are reached through scoped selectors; this is the second lock on the door.
    if workorder is not None and actor.is_customer and workorder.organisation_id != actor.organisation_id:
        raise PermissionDenied(perm)
    if (
        workorder is not None
        and actor.is_vendor
        and (
            workorder.escalated_vendor_id is None or workorder.escalated_vendor.organisation_id != actor.organisation_id
        )
    ):
        raise PermissionDenied(perm)


def _lock(workorder: WorkOrder) -> WorkOrder:
    """The order row, locked until the transaction ends (two dispatchers at once: one wins, one sees the result)."""
    return WorkOrder.objects.select_for_update().select_related(None).get(pk=workorder.pk)


def _check_version(wo: WorkOrder, expected_version: int | None) -> None:
    if expected_version is not None and wo.version != expected_version:
        raise StaleEdit


def _refuse(wo: WorkOrder, to: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(Status(to).label))


def _json(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return {"id": value.pk, "label": str(value)}
    return value


def _event(wo: WorkOrder, *, kind: str, actor: User, old_status: str = "", new_status: str = "", body: str = "",
           data: dict | None = None, internal: bool = False, source_ref: str = "") -> WorkOrderEvent:  # fmt: skip
    event = WorkOrderEvent.objects.create(
        workorder=wo,
        kind=kind,
        actor=actor,
        old_status=old_status,
        new_status=new_status,
        body=body,
        data=data or {},
        internal=internal,
        source_ref=source_ref,
        created_at=timezone.now(),
    )
    publish([event.pk])
    return event


def _save(wo: WorkOrder, fields: Iterable[str]) -> None:
    wo.version += 1
    wo.save(update_fields=sorted({*fields, "version", "updated_at"}))


def _sync_clocks(wo: WorkOrder, clocks: list[Clock], changed: list[Clock]) -> None:
    for clock in changed:
        clock.save()
    wclocks.summarise(wo, clocks)


CLOCK_FIELDS = ("next_deadline", "sla_state", "resolution_due_at")


def _apply_clock_rules(wo: WorkOrder, *, old: str, new: str, now: datetime.datetime) -> None:
    """Start/stop/pause clocks for a move old -> new (SPEC §3): response stops when we first act, arrival on site,
    plan when a plan exists or the fault is fixed, resolution on resolve; pause states stop the clocks' time."""
    clocks = list(wo.clocks.all())
    if not clocks:
        return
    targets = wclocks.sla_targets(wo)
    cal, pause_states = targets.calendar, targets.pause_states
    changed: set[Clock] = set()
    by_kind = {c.kind: c for c in clocks}

    def stop(kind: str) -> None:
        if kind in by_kind and wclocks.clock_stop(by_kind[kind], now):
            changed.add(by_kind[kind])

    if old == Status.NEW and new != Status.WAITING_CUSTOMER:
        stop(ClockKind.RESPONSE)
    if new == Status.ON_SITE:
        stop(ClockKind.ARRIVAL)
    if new == Status.RESOLVED:
        for kind in (ClockKind.RESPONSE, ClockKind.ARRIVAL, ClockKind.PLAN, ClockKind.RESOLUTION):
            stop(kind)
    if new in (Status.CLOSED, Status.CANCELLED):
        for kind in by_kind:
            stop(kind)
    if new == Status.REOPENED and ClockKind.RESOLUTION in by_kind:
        wclocks.clock_restart(by_kind[ClockKind.RESOLUTION], now, cal)
        changed.add(by_kind[ClockKind.RESOLUTION])
    if new in pause_states and old not in pause_states:
        for clock in clocks:
            if wclocks.clock_pause(clock, now):
                changed.add(clock)
    elif old in pause_states and new not in pause_states:
        for clock in clocks:
            if wclocks.clock_resume(clock, now, cal):
                changed.add(clock)
    _sync_clocks(wo, clocks, list(changed))


def _start_clocks(wo: WorkOrder, *, now: datetime.datetime, kinds: Sequence[str] | None = None) -> None:
    """Create the order's clocks from the SLA policy (kinds None = all the policy defines)."""
    targets = wclocks.sla_targets(wo)
    new = []
    for kind in kinds or wclocks.CLOCK_KINDS:
        target = getattr(targets, kind, None)
        if target:
            new.append(
                wclocks.clock_new(
                    workorder=wo,
                    kind=kind,
                    target=target,
                    warn_ratio=targets.warn_ratio,
                    cal=targets.calendar,
                    started_at=wo.reported_at,
                )
            )
    Clock.objects.bulk_create(new)
    wclocks.summarise(wo, new)


def _retarget_clocks(wo: WorkOrder, *, now: datetime.datetime) -> None:
    """Severity (or site) changed: running clocks take the new targets from their original start."""
    targets = wclocks.sla_targets(wo)
    clocks = list(wo.clocks.all())
    existing = {c.kind for c in clocks}
    for clock in clocks:
        target = getattr(targets, clock.kind, None)
        if clock.stopped_at is not None:
            continue
        if not target:
            wclocks.clock_stop(clock, now)  # the new severity has no such clock (e.g. D)
        else:
            clock.target, clock.warn_ratio = target, targets.warn_ratio
            if clock.paused_at is None:
                wclocks._compute(clock, targets.calendar)
        clock.save()
    missing = [k for k in wclocks.CLOCK_KINDS if k not in existing and getattr(targets, k, None)]
    # Only clocks that still make sense in the current state are added (no response clock once acknowledged).
    still_relevant = {
        ClockKind.RESPONSE: wo.status == Status.NEW,
        ClockKind.ARRIVAL: wo.arrived_at is None and wo.resolved_at is None,
        ClockKind.PLAN: wo.plan_at is None and wo.resolved_at is None,
        ClockKind.RESOLUTION: wo.resolved_at is None,
    }
    added = [
        wclocks.clock_new(
            workorder=wo,
            kind=k,
            target=getattr(targets, k),
            warn_ratio=targets.warn_ratio,
            cal=targets.calendar,
            started_at=wo.reported_at,
        )
        for k in missing
        if still_relevant[k]
    ]
    Clock.objects.bulk_create(added)
    wclocks.summarise(wo, clocks + added)


def _copy_back(target: WorkOrder, source: WorkOrder) -> None:
    """Let the caller's instance see the committed state (views keep using the object they passed in)."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


# --- numbering ----------------------------------------------------------------------------------------------------


def allocate_number(at: datetime.datetime | None = None) -> str:
    """The next `WB-YYYY-NNNNNN`: one atomic upsert on the year's counter row (safe under concurrent intake)."""
    year = timezone.localtime(at or timezone.now()).year
    table = connection.ops.quote_name(NumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        # INSERT … ON CONFLICT … RETURNING works on PostgreSQL and SQLite ≥ 3.35; the row lock serialises takers.
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 - table name from model meta
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"WB-{year}-{last:06d}"


# --- intake -------------------------------------------------------------------------------------------------------


def _responsible_branch(site, customer):
    if site.region_id is not None:
        return site.region.branch
    return customer.branch


@transaction.atomic
def workorder_create(
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
) -> WorkOrder:
    """Register a fault report from any channel (SPEC §4.1) with its entitlement, SLA clocks and first event."""
    require(actor, "workorders.create")
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
    if errors:
        raise ValidationError(errors)
    symptom = _clean_text(symptom, "symptom", required=True)
    title = _clean_text(title, "title", max_length=200)
    reporter_name = _clean_text(reporter_name, "reporter_name", max_length=100)
    reporter_phone = _clean_text(reporter_phone, "reporter_phone", max_length=40)
    reporter_email = _clean_text(reporter_email, "reporter_email", max_length=254)
    source_ref = _clean_text(source_ref, "source_ref", max_length=200)
    checked = [_check_attachment(f) for f in attachments]

    now = timezone.now()
    reported_at = reported_at or now
    from weibao.contracts.selectors import entitlement_for

    entitlement = entitlement_for(customer=customer, at=reported_at, site=site, device=devices[0] if devices else None)
    wo = WorkOrder(
        number=allocate_number(reported_at),
        organisation_id=customer.organisation_id,
        customer=customer,
        site=site,
        project=project or (devices[0].project if devices and devices[0].project_id else None),
        contract=entitlement.contract,
        branch=_responsible_branch(site, customer),
        channel=channel,
        source_ref=source_ref,
        reported_by=actor,
        reporter_name=reporter_name or (actor.name if actor.is_customer else ""),
        reporter_phone=reporter_phone,
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
    )
    wo.save()
    if devices:
        wo.devices.set(devices)
    _start_clocks(wo, now=now)
    wo.save(update_fields=list(CLOCK_FIELDS))
    event = _event(
        wo,
        kind=EventKind.CREATED,
        actor=actor,
        new_status=Status.NEW,
        body=symptom,
        source_ref=source_ref,
        data={
            "channel": channel,
            "severity": wo.severity,
            "service_type": wo.service_type,
            "chargeable": wo.chargeable,
            "entitlement": [str(r) for r in entitlement.reasons],
            "devices": [d.pk for d in devices],
        },
    )
    for upload, info in checked:
        _store_attachment(wo, upload, info, actor=actor, event=event, internal=False)
    return wo


# --- attachments --------------------------------------------------------------------------------------------------


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


@transaction.atomic
def workorder_add_attachments(
    *, workorder: WorkOrder, actor: User, files: Sequence[UploadedFile], internal: bool = False
) -> list[Attachment]:
    """Attach photos or logs to an order (checked: size, real type); one timeline event for the batch."""
    _check_actor(actor, "workorders.comment", workorder)
    if not files:
        raise ValidationError({"attachments": _("Choose at least one file.")})
    checked = [_check_attachment(f) for f in files]
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


# --- transitions --------------------------------------------------------------------------------------------------


def _move(
    workorder: WorkOrder,
    *,
    actor: User,
    perm: str,
    to: str,
    kind: str | None = None,
    body: str = "",
    data: dict | None = None,
    changes: dict[str, Any] | None = None,
    expected_version: int | None = None,
    unchanged_if=None,
) -> WorkOrder:
    """The one path of a state move: permission, lock, idempotence, state table, save, clocks, one event."""
    _check_actor(actor, perm, workorder)
    wo = _lock(workorder)
    if unchanged_if is not None and unchanged_if(wo):
        _copy_back(workorder, wo)
        return workorder  # a repeated identical click
    _check_version(wo, expected_version)
    if to not in TRANSITIONS[wo.status]:
        raise _refuse(wo, to)
    now = timezone.now()
    old = wo.status
    changes = dict(changes or {})
    fields_diff = {
        name: [_json(getattr(wo, name)), _json(value)]
        for name, value in changes.items()
        if getattr(wo, name) != value and not name.endswith("_at")
    }
    for name, value in changes.items():
        setattr(wo, name, value)
    # Values that depend on the locked row, not on the caller's possibly stale copy.
    if to == Status.WAITING_CUSTOMER:
        wo.resume_status = old
        changes["resume_status"] = old
    if to == Status.REOPENED:
        wo.reopen_count += 1
        changes["reopen_count"] = wo.reopen_count
    wo.status = to
    _apply_clock_rules(wo, old=old, new=to, now=now)
    _save(wo, [*changes, "status", *CLOCK_FIELDS])
    payload = dict(data or {})
    if fields_diff:
        payload["fields"] = fields_diff
    _event(wo, kind=kind or TRANSITION_EVENT[to], actor=actor, old_status=old, new_status=to, body=body, data=payload)
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_acknowledge(*, workorder: WorkOrder, actor: User, note: str = "", expected_version: int | None = None):
    """The duty engineer takes the report (stops the response clock); the order becomes theirs if unassigned."""
    note = _clean_text(note, "note")
    changes: dict[str, Any] = {"acknowledged_at": timezone.now()}
    if workorder.assignee_id is None and actor.role in (Role.DUTY_ENGINEER, Role.FIELD_ENGINEER):
        changes["assignee"] = actor
    return _move(workorder, actor=actor, perm="workorders.acknowledge", to=Status.ACKNOWLEDGED, body=note,
                 changes=changes, expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.ACKNOWLEDGED)  # fmt: skip


@transaction.atomic
def workorder_start_diagnosis(*, workorder: WorkOrder, actor: User, note: str = "",
                              expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """Remote diagnosis (远程诊断) begins: log in, look at the logs, talk the customer through checks."""
    note = _clean_text(note, "note")
    changes: dict[str, Any] = {}
    if workorder.acknowledged_at is None:
        changes["acknowledged_at"] = timezone.now()
    if workorder.assignee_id is None and actor.role in (Role.DUTY_ENGINEER, Role.FIELD_ENGINEER):
        changes["assignee"] = actor
    return _move(workorder, actor=actor, perm="workorders.diagnose", to=Status.DIAGNOSING, body=note,
                 changes=changes, expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.DIAGNOSING)  # fmt: skip


@transaction.atomic
def workorder_dispatch(*, workorder: WorkOrder, actor: User, engineer: User, note: str = "",
                       appointment_at: datetime.datetime | None = None,
                       expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """The manager sends a field engineer (or re-assigns to another one)."""
    note = _clean_text(note, "note")
    if not engineer.is_internal or not engineer.is_active or engineer.role not in (
        Role.FIELD_ENGINEER, Role.DUTY_ENGINEER, Role.SERVICE_MANAGER,
    ):  # fmt: skip
        raise ValidationError({"engineer": _("Choose an active engineer of our company.")})
    changes: dict[str, Any] = {"assignee": engineer, "accepted_at": None}
    if workorder.acknowledged_at is None:
        changes["acknowledged_at"] = timezone.now()
    wo = _move(workorder, actor=actor, perm="workorders.dispatch", to=Status.DISPATCHED, body=note,
               data={"engineer": engineer.pk}, changes=changes, expected_version=expected_version,
               unchanged_if=lambda wo: wo.status == Status.DISPATCHED and wo.assignee_id == engineer.pk)  # fmt: skip
    if appointment_at is not None:
        wo = workorder_set_appointment(workorder=wo, actor=actor, appointment_at=appointment_at)
    return wo


@transaction.atomic
def workorder_accept(*, workorder: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """The dispatched engineer accepts the job (not a state move; recorded on the timeline)."""
    _check_actor(actor, "workorders.accept", workorder)
    note = _clean_text(note, "note")
    wo = _lock(workorder)
    if wo.status != Status.DISPATCHED:
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label),
            requested=str(EventKind.ACCEPTED.label),
            message=_("Only a dispatched order can be accepted."),
        )
    if wo.assignee_id != actor.pk and actor.role not in (Role.SERVICE_MANAGER, Role.ADMIN):
        raise PermissionDenied("workorders.accept")
    if wo.accepted_at is not None:
        _copy_back(workorder, wo)
        return workorder
    wo.accepted_at = timezone.now()
    _save(wo, ["accepted_at"])
    _event(wo, kind=EventKind.ACCEPTED, actor=actor, body=note, data={"engineer": wo.assignee_id})
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_set_appointment(*, workorder: WorkOrder, actor: User, appointment_at: datetime.datetime,
                              note: str = "") -> WorkOrder:  # fmt: skip
    """Record the visit time agreed with the customer. A time later than the arrival deadline is the customer's
    choice, so the arrival clock pauses from now until the appointment (SPEC §3: waiting on the customer)."""
    _check_actor(actor, "workorders.appointment", workorder)
    note = _clean_text(note, "note")
    if timezone.is_naive(appointment_at):
        raise ValidationError({"appointment_at": _("Give the time with its time zone.")})
    wo = _lock(workorder)
    if wo.status not in (Status.ACKNOWLEDGED, Status.DIAGNOSING, Status.DISPATCHED, Status.WAITING_CUSTOMER,
                         Status.ESCALATED, Status.REOPENED, Status.NEW, Status.ON_SITE):  # fmt: skip
        raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(EventKind.APPOINTMENT.label))
    if wo.appointment_at == appointment_at:
        _copy_back(workorder, wo)
        return workorder
    now = timezone.now()
    old = wo.appointment_at
    wo.appointment_at = appointment_at
    arrival = wo.clocks.filter(kind=ClockKind.ARRIVAL, stopped_at__isnull=True).first()
    paused = False
    if arrival is not None and appointment_at > arrival.deadline and appointment_at > now:
        cal = wclocks.sla_targets(wo).calendar
        paused = wclocks.clock_add_pause(arrival, now, appointment_at, cal)
        arrival.save()
        wclocks.summarise(wo, list(wo.clocks.all()))
    _save(wo, ["appointment_at", *CLOCK_FIELDS])
    _event(wo, kind=EventKind.APPOINTMENT, actor=actor, body=note,
           data={"fields": {"appointment_at": [_json(old), _json(appointment_at)]}, "arrival_paused": paused})  # fmt: skip
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_arrive(*, workorder: WorkOrder, actor: User, note: str = "",
                     expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """The engineer is on site (stops the arrival clock)."""
    note = _clean_text(note, "note")
    return _move(workorder, actor=actor, perm="workorders.on_site", to=Status.ON_SITE, body=note,
                 changes={"arrived_at": timezone.now()}, expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.ON_SITE)  # fmt: skip


@transaction.atomic
def workorder_record_plan(*, workorder: WorkOrder, actor: User, plan: str) -> WorkOrder:
    """A solution plan was submitted to the customer (stops the plan clock)."""
    _check_actor(actor, "workorders.diagnose", workorder)
    plan = _clean_text(plan, "plan", required=True)
    wo = _lock(workorder)
    if not wo.is_open:
        raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(EventKind.PLAN_RECORDED.label))
    if wo.plan == plan:
        _copy_back(workorder, wo)
        return workorder
    now = timezone.now()
    old = wo.plan
    wo.plan, wo.plan_at = plan, wo.plan_at or now
    clocks = list(wo.clocks.all())
    changed = [c for c in clocks if c.kind == ClockKind.PLAN and wclocks.clock_stop(c, now)]
    _sync_clocks(wo, clocks, changed)
    _save(wo, ["plan", "plan_at", *CLOCK_FIELDS])
    _event(wo, kind=EventKind.PLAN_RECORDED, actor=actor, body=plan, data={"fields": {"plan": [old, plan]}})
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_resolve(*, workorder: WorkOrder, actor: User, resolution: str, cause: str | None = None,
                      remote: bool | None = None, expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """Fixed (remotely or on site): stops the resolution clock and starts the observation period."""
    resolution = _clean_text(resolution, "resolution", required=True)
    if cause is not None and cause not in Cause.values:
        raise ValidationError({"cause": _("Unknown cause.")})
    now = timezone.now()
    targets = wclocks.sla_targets(workorder)
    changes: dict[str, Any] = {
        "resolution": resolution,
        "resolved_at": now,
        "observation_ends_at": now + targets.observation,
    }
    if cause is not None:
        changes["cause"] = cause
    if workorder.acknowledged_at is None:
        changes["acknowledged_at"] = now
    if remote is None:
        remote = workorder.arrived_at is None
    return _move(workorder, actor=actor, perm="workorders.resolve", to=Status.RESOLVED, body=resolution,
                 data={"remote": remote}, changes=changes, expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.RESOLVED)  # fmt: skip


@transaction.atomic
def workorder_wait_customer(*, workorder: WorkOrder, actor: User, reason: str,
                            expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """Waiting on the customer (a quote approval, access, a visit time): the clocks pause per policy."""
    reason = _clean_text(reason, "reason", required=True)
    return _move(workorder, actor=actor, perm="workorders.wait_customer", to=Status.WAITING_CUSTOMER, body=reason,
                 expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.WAITING_CUSTOMER)  # fmt: skip


@transaction.atomic
def workorder_resume(*, workorder: WorkOrder, actor: User, note: str = "",
                     expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """The customer answered: back to the state the order waited in; the clocks run again."""
    note = _clean_text(note, "note")
    current = WorkOrder.objects.filter(pk=workorder.pk).values_list("status", "resume_status").first()
    if current is None or current[0] != Status.WAITING_CUSTOMER:
        status = current[0] if current else workorder.status
        raise TransitionNotAllowed(current=str(Status(status).label), requested=str(EventKind.RESUMED.label))
    back = current[1] or Status.ACKNOWLEDGED
    return _move(workorder, actor=actor, perm="workorders.wait_customer", to=back, kind=EventKind.RESUMED,
                 body=note, changes={"resume_status": ""}, expected_version=expected_version)  # fmt: skip


@transaction.atomic
def workorder_escalate(*, workorder: WorkOrder, actor: User, vendor, reason: str = "",
                       expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """Escalate to the vendor's technical support (SPEC §4.7); the vendor's users can now see the order."""
    reason = _clean_text(reason, "reason")
    return _move(workorder, actor=actor, perm="workorders.escalate", to=Status.ESCALATED, body=reason,
                 data={"vendor": vendor.pk}, changes={"escalated_vendor": vendor}, expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.ESCALATED and wo.escalated_vendor_id == vendor.pk)  # fmt: skip


@transaction.atomic
def workorder_customer_confirm(*, workorder: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """The customer confirms the fix; the order observes until its observation period ends."""
    note = _clean_text(note, "note")
    return _move(workorder, actor=actor, perm="workorders.confirm", to=Status.OBSERVING, body=note,
                 unchanged_if=lambda wo: wo.status == Status.OBSERVING)  # fmt: skip


@transaction.atomic
def workorder_customer_reject(*, workorder: WorkOrder, actor: User, reason: str) -> WorkOrder:
    """The customer says it is not fixed: the order reopens with its history kept."""
    reason = _clean_text(reason, "reason", required=True)
    return _reopen(workorder, actor=actor, perm="workorders.confirm", reason=reason,
                   kind=EventKind.CUSTOMER_REJECTED)  # fmt: skip


def _reopen(workorder: WorkOrder, *, actor: User, perm: str, reason: str, kind: str,
            expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    return _move(workorder, actor=actor, perm=perm, to=Status.REOPENED, kind=kind, body=reason,
                 changes={"observation_ends_at": None, "closed_at": None},
                 expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.REOPENED)  # fmt: skip


@transaction.atomic
def workorder_reopen(*, workorder: WorkOrder, actor: User, reason: str,
                     expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """The fault recurred (during observation or after closing): reopen, restart the resolution clock."""
    reason = _clean_text(reason, "reason", required=True)
    return _reopen(workorder, actor=actor, perm="workorders.reopen", reason=reason, kind=EventKind.REOPENED,
                   expected_version=expected_version)  # fmt: skip


@transaction.atomic
def workorder_close(*, workorder: WorkOrder, actor: User, note: str = "",
                    expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """Close a resolved order (by a manager, or by the system when the observation period passed quietly)."""
    note = _clean_text(note, "note")
    return _move(workorder, actor=actor, perm="workorders.close", to=Status.CLOSED, body=note,
                 changes={"closed_at": timezone.now()}, expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.CLOSED)  # fmt: skip


@transaction.atomic
def workorder_cancel(*, workorder: WorkOrder, actor: User, reason: str,
                     expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """Cancel (duplicate, reported in error, withdrawn); a reason is required and kept."""
    reason = _clean_text(reason, "reason", required=True)
    return _move(workorder, actor=actor, perm="workorders.cancel", to=Status.CANCELLED, body=reason,
                 changes={"cancel_reason": reason, "closed_at": timezone.now()}, expected_version=expected_version,
                 unchanged_if=lambda wo: wo.status == Status.CANCELLED)  # fmt: skip


# --- edits, assignment, comments, work log ------------------------------------------------------------------------

EDITABLE_FIELDS = {
    "severity", "category", "cause", "title", "symptom", "project", "service_type", "chargeable", "branch",
    "reporter_name", "reporter_phone", "reporter_email", "contact", "site",
}  # fmt: skip
TEXT_LIMITS = {"title": 200, "symptom": None, "reporter_name": 100, "reporter_phone": 40, "reporter_email": 254}
CHOICES = {"severity": Severity, "category": Category, "cause": Cause, "service_type": ServiceType}


@transaction.atomic
def workorder_update(*, workorder: WorkOrder, actor: User, expected_version: int, devices: Sequence | None = None,
                     **fields: Any) -> WorkOrder:  # fmt: skip
    """Triage edits (severity, category, cause, devices …): one UPDATED event with before/after per field.

    Raises StaleEdit when somebody else saved the order since `expected_version` was read.
    """
    _check_actor(actor, "workorders.triage", workorder)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    for name, limit in TEXT_LIMITS.items():
        if name in fields:
            fields[name] = _clean_text(fields[name], name, required=name == "symptom", max_length=limit)
    for name, choices in CHOICES.items():
        if name in fields and fields[name] not in choices.values:
            raise ValidationError({name: _("Unknown value.")})
    wo = _lock(workorder)
    _check_version(wo, expected_version)
    if wo.status in (Status.CLOSED, Status.CANCELLED):
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label),
            requested=str(EventKind.UPDATED.label),
            message=_("A closed or cancelled order cannot be edited; reopen it first."),
        )
    errors = {}
    if "site" in fields and fields["site"].customer_id != wo.customer_id:
        errors["site"] = _("This site does not belong to the customer.")
    if fields.get("project") is not None and fields["project"].customer_id != wo.customer_id:
        errors["project"] = _("This project does not belong to the customer.")
    if fields.get("contact") is not None and fields["contact"].customer_id != wo.customer_id:
        errors["contact"] = _("This contact does not belong to the customer.")
    if devices is not None and any(d.customer_id != wo.customer_id for d in devices):
        errors["devices"] = _("A device does not belong to the customer.")
    if errors:
        raise ValidationError(errors)
    diff = {name: [_json(getattr(wo, name)), _json(value)] for name, value in fields.items()
            if getattr(wo, name) != value}  # fmt: skip
    if devices is not None:
        old_ids = sorted(wo.devices.values_list("pk", flat=True))
        new_ids = sorted(d.pk for d in devices)
        if old_ids != new_ids:
            diff["devices"] = [old_ids, new_ids]
    if not diff:
        _copy_back(workorder, wo)
        return workorder  # nothing changed: no event
    changed_fields = [name for name in fields if name in diff]
    for name in changed_fields:
        setattr(wo, name, fields[name])
    if devices is not None and "devices" in diff:
        wo.devices.set(devices)
    if {"severity", "site"} & set(changed_fields) and wo.is_active:
        _retarget_clocks(wo, now=timezone.now())
    _save(wo, [*changed_fields, *CLOCK_FIELDS])
    _event(wo, kind=EventKind.UPDATED, actor=actor, data={"fields": diff})
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_assign(*, workorder: WorkOrder, actor: User, assignee: User | None,
                     expected_version: int | None = None) -> WorkOrder:  # fmt: skip
    """Give the order to an engineer (or nobody) without a state move; one ASSIGNED event."""
    _check_actor(actor, "workorders.triage", workorder)
    if assignee is not None and (not assignee.is_internal or not assignee.is_active):
        raise ValidationError({"assignee": _("Choose an active member of our staff.")})
    wo = _lock(workorder)
    _check_version(wo, expected_version)
    new_id = assignee.pk if assignee else None
    if wo.assignee_id == new_id:
        _copy_back(workorder, wo)
        return workorder
    if not wo.is_active:
        raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(EventKind.ASSIGNED.label))
    old = wo.assignee
    wo.assignee = assignee
    _save(wo, ["assignee"])
    _event(wo, kind=EventKind.ASSIGNED, actor=actor, data={"fields": {"assignee": [_json(old), _json(assignee)]}})
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_comment(*, workorder: WorkOrder, actor: User, body: str, attachments: Sequence[UploadedFile] = (),
                      internal: bool = False, source_ref: str = "", reopen: bool | None = None) -> WorkOrderEvent:  # fmt: skip
    """A note on the timeline. A customer's report while the order observes means the fault recurred: the order
    reopens (pass reopen=False for a plain note). The same `source_ref` (e.g. an e-mail) is recorded once."""
    _check_actor(actor, "workorders.comment", workorder)
    body = _clean_text(body, "body", required=not attachments)
    source_ref = _clean_text(source_ref, "source_ref", max_length=200)
    internal = internal and actor.is_internal  # customers and vendors cannot write hidden notes
    checked = [_check_attachment(f) for f in attachments]
    wo = _lock(workorder)
    if source_ref:
        existing = wo.events.filter(kind=EventKind.COMMENT, source_ref=source_ref).first()
        if existing is not None:
            return existing
    event = _event(wo, kind=EventKind.COMMENT, actor=actor, body=body, internal=internal, source_ref=source_ref)
    for upload, info in checked:
        _store_attachment(wo, upload, info, actor=actor, event=event, internal=internal)
    if reopen is None:
        reopen = actor.is_customer and wo.status in OBSERVATION_STATUSES
    if reopen and wo.status in OBSERVATION_STATUSES | {Status.CLOSED}:
        _reopen(wo, actor=actor, perm="workorders.reopen",
                reason=_("The customer reported the fault again."), kind=EventKind.REOPENED)  # fmt: skip
    return event


@transaction.atomic
def workorder_log_work(*, workorder: WorkOrder, actor: User, minutes: int, note: str,
                       kind: str = WorkKind.REMOTE) -> WorkLog:  # fmt: skip
    """Record time spent (remote diagnosis, on site, travel) with what was done."""
    _check_actor(actor, "workorders.diagnose", workorder)
    note = _clean_text(note, "note", required=True)
    if kind not in WorkKind.values:
        raise ValidationError({"kind": _("Unknown kind of work.")})
    if not isinstance(minutes, int) or minutes <= 0 or minutes > 24 * 60:
        raise ValidationError({"minutes": _("Give the time spent in minutes (1 to 1440).")})
    wo = _lock(workorder)
    if not wo.is_active:
        raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(EventKind.WORK_LOGGED.label))
    event = _event(wo, kind=EventKind.WORK_LOGGED, actor=actor, body=note, data={"minutes": minutes, "kind": kind})
    return WorkLog.objects.create(workorder=wo, engineer=actor, kind=kind, minutes=minutes, note=note, event=event)


@transaction.atomic
def legacy_review_add(*, workorder: WorkOrder, actor: User, notes: str, next_steps: str = "",
                      customer_report: str = "", next_review_on: datetime.date | None = None) -> LegacyReview:  # fmt: skip
    """Review an order past its time limit (遗留问题): notes, next steps, optionally a report for the customer."""
    _check_actor(actor, "workorders.legacy_review", workorder)
    notes = _clean_text(notes, "notes", required=True)
    next_steps = _clean_text(next_steps, "next_steps")
    customer_report = _clean_text(customer_report, "customer_report")
    wo = _lock(workorder)
    event = _event(
        wo,
        kind=EventKind.LEGACY_REVIEW,
        actor=actor,
        body=customer_report,  # the customer sees only the processing report, never the internal notes
        internal=not customer_report,
        data={"next_steps": next_steps, "next_review_on": next_review_on.isoformat() if next_review_on else None},
    )
    return LegacyReview.objects.create(workorder=wo, reviewer=actor, notes=notes, next_steps=next_steps,
                                       customer_report=customer_report, next_review_on=next_review_on, event=event,
                                       reviewed_at=event.created_at)  # fmt: skip


# --- periodic -----------------------------------------------------------------------------------------------------


def observation_close_due(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Close orders whose observation period ended without a recurrence (by the system user). Safe to re-run:
    the transition locks the row and an order already closed or reopened is skipped."""
    now = now or timezone.now()
    actor = system_user()
    closed, last_pk = 0, 0
    due = WorkOrder.objects.filter(status__in=sorted(OBSERVATION_STATUSES), observation_ends_at__lte=now)
    while True:
        ids = list(due.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return closed
        last_pk = ids[-1]
        for pk in ids:
            with transaction.atomic():
                wo = WorkOrder.objects.select_for_update().filter(pk=pk).first()
                if wo is None or wo.status not in OBSERVATION_STATUSES or not wo.observation_ends_at:
                    continue
                if wo.observation_ends_at > now:
                    continue
                workorder_close(workorder=wo, actor=actor,
                                note=_("Closed automatically: nothing recurred during the observation period."))  # fmt: skip
                closed += 1


def alerts_mark_read(*, user: User, alert_ids: Sequence[int] | None = None) -> int:
    """Mark the user's own SLA alerts read (all unread ones when no ids are given)."""
    from weibao.workorders.models import Alert

    qs = Alert.objects.filter(recipient=user, read_at__isnull=True)
    if alert_ids is not None:
        qs = qs.filter(pk__in=list(alert_ids))
    return qs.update(read_at=timezone.now())
