"""Changes that are not state moves: triage edits, assignment, comments, work log, legacy reviews, alerts."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.contracts.choices import Severity
from weibao.core.exceptions import TransitionNotAllowed
from weibao.core.phones import canonical_phone, suffix_key
from weibao.workorders.choices import (
    OBSERVATION_STATUSES,
    Category,
    Cause,
    EventKind,
    MaintenanceType,
    ReopenSource,
    ServiceKind,
    ServiceType,
    Status,
    WorkKind,
    action_perm,
)
from weibao.workorders.models import (
    LegacyReview,
    WorkLog,
    WorkOrder,
    WorkOrderEvent,
)
from weibao.workorders.services.common import (
    CLOCK_FIELDS,
    _check_actor,
    _check_version,
    _clean_text,
    _copy_back,
    _event,
    _json,
    _lock,
    _retarget_clocks,
    _save,
)
from weibao.workorders.services.intake import _check_attachments, _store_attachment
from weibao.workorders.services.transitions import _reopen

# --- edits, assignment, comments, work log ------------------------------------------------------------------------

EDITABLE_FIELDS = {
    "severity",
    "category",
    "cause",
    "title",
    "symptom",
    "project",
    "service_type",
    "chargeable",
    "branch",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "contact",
    "site",
    "service_kind",
    "maintenance_type",
}
TEXT_LIMITS = {"title": 200, "symptom": None, "reporter_name": 100, "reporter_phone": 40, "reporter_email": 254}
CHOICES = {
    "severity": Severity,
    "category": Category,
    "cause": Cause,
    "service_type": ServiceType,
    "service_kind": ServiceKind,
    "maintenance_type": MaintenanceType,
}


@transaction.atomic
def workorder_update(
    *, workorder: WorkOrder, actor: User, expected_version: int, devices: Sequence | None = None, **fields: Any
) -> WorkOrder:
    """Triage edits (severity, category, cause, devices …): one UPDATED event with before/after per field.

    Raises StaleEdit when somebody else saved the order since `expected_version` was read.
    """
    _check_actor(actor, action_perm("update"), workorder)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    for name, limit in TEXT_LIMITS.items():
        if name in fields:
            fields[name] = _clean_text(fields[name], name, required=name == "symptom", max_length=limit)
    if "reporter_phone" in fields:
        fields["reporter_phone"] = canonical_phone(fields["reporter_phone"])
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
    diff = {
        name: [_json(getattr(wo, name)), _json(value)] for name, value in fields.items() if getattr(wo, name) != value
    }
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
    if "reporter_phone" in changed_fields:
        wo.reporter_phone_key = suffix_key(wo.reporter_phone)
        changed_fields.append("reporter_phone_key")
    if devices is not None and "devices" in diff:
        wo.devices.set(devices)
    if {"severity", "site"} & set(changed_fields) and wo.is_active:
        _retarget_clocks(wo, now=timezone.now())
    _save(wo, [*changed_fields, *CLOCK_FIELDS])
    _event(wo, kind=EventKind.UPDATED, actor=actor, data={"fields": diff})
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_assign(
    *, workorder: WorkOrder, actor: User, assignee: User | None, expected_version: int | None = None
) -> WorkOrder:
    """Give the order to an engineer (or nobody) without a state move; one ASSIGNED event."""
    _check_actor(actor, action_perm("assign"), workorder)
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
def workorder_comment(
    *,
    workorder: WorkOrder,
    actor: User,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    internal: bool = False,
    source_ref: str = "",
    reopen: bool = False,
    from_customer: bool = False,
    automated: bool = False,
    channel: str = "web",
    sender: str = "",
) -> WorkOrderEvent:
    """A note on the timeline. A customer's note while the order observes never reopens it by itself (issue 23): it
    raises the flag "客户在观察期内回复" and the desk decides (services.observation). `from_customer` says the note
    comes from the customer's side although the actor is not a customer account (a reply mail from the reporter or a
    contact without a login, filed under the system user); `automated` notes (auto-replies, bulk mail) never raise
    the flag. `reopen=True` is staff reopening explicitly with the note as the reason. The same `source_ref` (e.g.
    an e-mail) is recorded once."""
    from weibao.workorders.services.observation import observation_reply_record

    _check_actor(actor, action_perm("comment"), workorder)
    body = _clean_text(body, "body", required=not attachments)
    source_ref = _clean_text(source_ref, "source_ref", max_length=200)
    internal = internal and actor.is_internal  # customers and vendors cannot write hidden notes
    checked = _check_attachments(attachments)
    wo = _lock(workorder)
    # Again on the row: a vendor's copy may predate a re-escalation to another vendor.
    _check_actor(actor, action_perm("comment"), wo)
    if source_ref:
        existing = wo.events.filter(kind=EventKind.COMMENT, source_ref=source_ref).first()
        if existing is not None:
            return existing
    event = _event(wo, kind=EventKind.COMMENT, actor=actor, body=body, internal=internal, source_ref=source_ref)
    for upload, info in checked:
        _store_attachment(wo, upload, info, actor=actor, event=event, internal=internal)
    customer_side = actor.is_customer or from_customer
    if reopen and actor.is_internal and wo.status in OBSERVATION_STATUSES | {Status.CLOSED}:
        _reopen(
            wo, actor=actor, perm=action_perm("reopen"), reason=body, kind=EventKind.REOPENED, source=ReopenSource.STAFF
        )
    elif customer_side and not internal and not automated and wo.status in OBSERVATION_STATUSES:
        observation_reply_record(wo=wo, event=event, channel=channel, sender=sender or str(actor), text=body)
    _copy_back(workorder, wo)
    return event


@transaction.atomic
def workorder_log_work(
    *, workorder: WorkOrder, actor: User, minutes: int, note: str, kind: str = WorkKind.REMOTE
) -> WorkLog:
    """Record time spent (remote diagnosis, on site, travel) with what was done."""
    _check_actor(actor, action_perm("log_work"), workorder)
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
def legacy_review_add(
    *,
    workorder: WorkOrder,
    actor: User,
    notes: str,
    next_steps: str = "",
    customer_report: str = "",
    next_review_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> LegacyReview:
    """Review an order past its time limit (遗留问题): notes, next steps, optionally a report for the customer.
    `next_review_on`: the day of the next review (a reminder goes to the reviewer and the manager that working day,
    issue 22); it cannot lie in the past."""
    _check_actor(actor, "workorders.legacy_review", workorder)
    notes = _clean_text(notes, "notes", required=True)
    next_steps = _clean_text(next_steps, "next_steps")
    customer_report = _clean_text(customer_report, "customer_report")
    if next_review_on is not None and next_review_on < timezone.localdate():
        raise ValidationError({"next_review_on": _("The next review cannot be in the past.")})
    wo = _lock(workorder)
    _check_version(wo, expected_version)
    event = _event(
        wo,
        kind=EventKind.LEGACY_REVIEW,
        actor=actor,
        body=customer_report,  # the customer sees only the processing report, never the internal notes
        internal=not customer_report,
        data={"next_steps": next_steps, "next_review_on": next_review_on.isoformat() if next_review_on else None},
    )
    return LegacyReview.objects.create(
        workorder=wo,
        reviewer=actor,
        notes=notes,
        next_steps=next_steps,
        customer_report=customer_report,
        next_review_on=next_review_on,
        event=event,
        reviewed_at=event.created_at,
    )


def alerts_mark_read(*, user: User, alert_ids: Sequence[int] | None = None) -> int:
    """Mark the user's own SLA alerts read (all unread ones when no ids are given)."""
    from weibao.workorders.models import Alert

    qs = Alert.objects.filter(recipient=user, read_at__isnull=True)
    if alert_ids is not None:
        qs = qs.filter(pk__in=list(alert_ids))
    return qs.update(read_at=timezone.now())
