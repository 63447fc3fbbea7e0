"""One function per state move (SPEC §4). Each locks the order, refuses what the state table does not allow,
writes what changed, applies the clock rules and appends exactly one event (a repeated click appends none)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.accounts.permissions import has_perm
from weibao.contracts.choices import ClockKind
from weibao.core.exceptions import TransitionNotAllowed
from weibao.workorders import clocks as wclocks
from weibao.workorders import guards
from weibao.workorders.choices import (
    OBSERVATION_STATUSES,
    TRANSITION_EVENT,
    TRANSITIONS,
    Cause,
    CloseReason,
    EventKind,
    ReopenReason,
    ReopenSource,
    ReplyDecision,
    Status,
    WaitReason,
    action_perm,
)
from weibao.workorders.models import (
    ObservationReply,
    Reopen,
    WorkOrder,
)
from weibao.workorders.pauses import pause_reason_check
from weibao.workorders.services.common import (
    CLOCK_FIELDS,
    SYSTEM_USERNAME,
    _apply_clock_rules,
    _check_actor,
    _check_version,
    _clean_text,
    _copy_back,
    _event,
    _json,
    _lock,
    _refuse,
    _save,
)

# --- transitions --------------------------------------------------------------------------------------------------

# What a move writes, or a function deciding it from the locked row and the move's time: anything that depends on the
# order's current values ("only the first acknowledgement counts") must be decided from the row, never from the
# caller's copy, which may be stale.
Decided = dict[str, Any] | Callable[[WorkOrder, datetime.datetime], dict[str, Any]]

ENGINEER_ROLES = (Role.DUTY_ENGINEER, Role.FIELD_ENGINEER)
# How far in the past an agreed visit time may lie (a form's time has no seconds; the person typed it a moment ago).
APPOINTMENT_PAST_TOLERANCE = datetime.timedelta(minutes=5)
# The pause reason recorded when a visit after the arrival deadline pauses the arrival clock (issue 18).
PAUSE_VISIT_AGREED = WaitReason.VISIT_AGREED.value


def _move(
    workorder: WorkOrder,
    *,
    actor: User,
    perm: str,
    to: str,
    kind: str | None = None,
    body: str = "",
    data: Decided | None = None,
    changes: Decided | None = None,
    expected_version: int | None = None,
    unchanged_if=None,
) -> WorkOrder:
    """The one path of a state move: permission, lock, idempotence, version, state table, save, clocks, one event."""
    _check_actor(actor, perm, workorder)
    wo = _lock(workorder)
    workorder._moved_event = None
    if unchanged_if is not None and unchanged_if(wo):
        _copy_back(workorder, wo)
        return workorder  # a repeated identical click
    _check_version(wo, expected_version)
    guards.check(wo, to=to, requested=str(Status(to).label))  # e.g. a pending quote blocks resolving (says why)
    if to not in TRANSITIONS[wo.status]:
        raise _refuse(wo, to)
    now = timezone.now()
    old = wo.status
    changes = dict((changes(wo, now) if callable(changes) else changes) or {})
    data = (data(wo, now) if callable(data) else data) or {}
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
    payload = dict(data)
    if fields_diff:
        payload["fields"] = fields_diff
    event = _event(
        wo, kind=kind or TRANSITION_EVENT[to], actor=actor, old_status=old, new_status=to, body=body, data=payload
    )
    _copy_back(workorder, wo)
    workorder._moved_event = event  # the event of this move, for callers that record more about it (a Reopen)
    return workorder


def _first_response(wo: WorkOrder, now: datetime.datetime) -> dict[str, Any]:
    """The first acknowledgement counts (response time); a reopened order's second one is on the timeline."""
    return {} if wo.acknowledged_at else {"acknowledged_at": now}


def _take_if_unassigned(wo: WorkOrder, actor: User) -> dict[str, Any]:
    """An engineer acting on an order nobody holds takes it; one somebody holds stays theirs."""
    return {"assignee": actor} if wo.assignee_id is None and actor.role in ENGINEER_ROLES else {}


@transaction.atomic
def workorder_acknowledge(*, workorder: WorkOrder, actor: User, note: str = "", expected_version: int | None = None):
    """The duty engineer takes the report (stops the response clock); the order becomes theirs if unassigned."""
    note = _clean_text(note, "note")
    return _move(
        workorder,
        actor=actor,
        perm=action_perm("acknowledge"),
        to=Status.ACKNOWLEDGED,
        body=note,
        changes=lambda wo, now: _first_response(wo, now) | _take_if_unassigned(wo, actor),
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.ACKNOWLEDGED,
    )


@transaction.atomic
def workorder_start_diagnosis(
    *, workorder: WorkOrder, actor: User, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """Remote diagnosis (远程诊断) begins: log in, look at the logs, talk the customer through checks."""
    note = _clean_text(note, "note")
    return _move(
        workorder,
        actor=actor,
        perm=action_perm("start_diagnosis"),
        to=Status.DIAGNOSING,
        body=note,
        changes=lambda wo, now: _first_response(wo, now) | _take_if_unassigned(wo, actor),
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.DIAGNOSING,
    )


@transaction.atomic
def workorder_dispatch(
    *,
    workorder: WorkOrder,
    actor: User,
    engineer: User,
    note: str = "",
    appointment_at: datetime.datetime | None = None,
    customer_agreed: bool = False,
    appointment_reason: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """The manager sends a field engineer (or re-assigns to another one)."""
    note = _clean_text(note, "note")
    if (
        not engineer.is_internal
        or not engineer.is_active
        or engineer.role
        not in (
            Role.FIELD_ENGINEER,
            Role.DUTY_ENGINEER,
            Role.SERVICE_MANAGER,
        )
    ):
        raise ValidationError({"engineer": _("Choose an active engineer of our company.")})
    if appointment_at is not None:
        _check_appointment(appointment_at)  # refused before anything moves
    repeated = False

    def same_engineer(wo: WorkOrder) -> bool:
        nonlocal repeated
        repeated = wo.status == Status.DISPATCHED and wo.assignee_id == engineer.pk
        return repeated

    from weibao.dispatch.duty import may_dispatch

    if not may_dispatch(actor, branch_id=workorder.branch_id, manager_perm=action_perm("dispatch")):
        raise PermissionDenied(action_perm("dispatch"))  # the duty engineer outside the rule: ask the manager instead
    perm = action_perm("dispatch") if has_perm(actor, action_perm("dispatch")) else "workorders.dispatch_on_duty"
    wo = _move(
        workorder,
        actor=actor,
        perm=perm,
        to=Status.DISPATCHED,
        body=note,
        data={"engineer": engineer.pk},
        expected_version=expected_version,
        changes=lambda wo, now: {"assignee": engineer, "accepted_at": None, **_first_response(wo, now)},
        unchanged_if=same_engineer,
    )
    if appointment_at is not None:
        # Sent to the same engineer again: the move was a no-op, so the new time must still match the version read
        # (after a real move the version is our own).
        try:
            wo = workorder_set_appointment(
                workorder=wo,
                actor=actor,
                appointment_at=appointment_at,
                note=_clean_text(appointment_reason, "appointment_reason"),
                customer_agreed=customer_agreed,
                expected_version=expected_version if repeated else None,
            )
        except ValidationError as exc:
            # The visit's reason is the dispatch's `appointment_reason` (its `note` is the engineer's instructions).
            raise ValidationError(
                {("appointment_reason" if k == "note" else k): v for k, v in exc.message_dict.items()}
            ) from exc
    return wo


@transaction.atomic
def workorder_accept(
    *, workorder: WorkOrder, actor: User, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """The dispatched engineer accepts the job (not a state move; recorded on the timeline)."""
    _check_actor(actor, action_perm("accept"), workorder)
    note = _clean_text(note, "note")
    wo = _lock(workorder)
    if wo.status != Status.DISPATCHED:
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label),
            requested=str(EventKind.ACCEPTED.label),
            message=_("Only a dispatched order can be accepted."),
        )
    if wo.assignee_id != actor.pk and actor.role not in (Role.SERVICE_MANAGER, Role.ADMIN):
        raise PermissionDenied(action_perm("accept"))
    if wo.accepted_at is not None:
        _copy_back(workorder, wo)
        return workorder  # a repeated click
    _check_version(wo, expected_version)
    wo.accepted_at = timezone.now()
    _save(wo, ["accepted_at"])
    _event(wo, kind=EventKind.ACCEPTED, actor=actor, body=note, data={"engineer": wo.assignee_id})
    _copy_back(workorder, wo)
    return workorder


# A second "ask the manager" within this time adds nothing (a double tap, an impatient retry).
REQUEST_DISPATCH_QUIET = datetime.timedelta(minutes=10)


@transaction.atomic
def workorder_request_dispatch(*, workorder: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """One tap: the duty engineer asks the branch's managers to dispatch (notice to them; internal timeline entry)."""
    _check_actor(actor, action_perm("request_dispatch"), workorder)
    note = _clean_text(note, "note")
    wo = _lock(workorder)
    if Status.DISPATCHED not in TRANSITIONS[wo.status]:
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label), requested=str(EventKind.DISPATCH_REQUESTED.label)
        )
    since = timezone.now() - REQUEST_DISPATCH_QUIET
    if not wo.events.filter(kind=EventKind.DISPATCH_REQUESTED, created_at__gte=since).exists():
        _event(wo, kind=EventKind.DISPATCH_REQUESTED, actor=actor, body=note, internal=True)
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_decline(
    *, workorder: WorkOrder, actor: User, reason: str, expected_version: int | None = None
) -> WorkOrder:
    """The dispatched engineer cannot take the job (another site, ill, no skill): the order waits, dispatched but
    unassigned, for the manager to send someone else (they are told; the reason is on the timeline)."""
    _check_actor(actor, action_perm("decline"), workorder)
    reason = _clean_text(reason, "reason", required=True)
    wo = _lock(workorder)
    if wo.status != Status.DISPATCHED or wo.assignee_id is None:
        raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(EventKind.DECLINED.label))
    if wo.assignee_id != actor.pk and actor.role not in (Role.SERVICE_MANAGER, Role.ADMIN):
        raise PermissionDenied(action_perm("decline"))
    _check_version(wo, expected_version)
    engineer_id = wo.assignee_id
    wo.assignee, wo.accepted_at = None, None
    _save(wo, ["assignee", "accepted_at"])
    _event(wo, kind=EventKind.DECLINED, actor=actor, body=reason, internal=True, data={"engineer": engineer_id})
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_depart(*, workorder: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """The engineer sets off for the site (出发): the customer sees someone is coming. Once per dispatch."""
    _check_actor(actor, action_perm("depart"), workorder)
    note = _clean_text(note, "note")
    wo = _lock(workorder)
    if wo.status != Status.DISPATCHED:
        raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(EventKind.DEPARTED.label))
    if wo.assignee_id != actor.pk and actor.role not in (Role.SERVICE_MANAGER, Role.ADMIN):
        raise PermissionDenied(action_perm("depart"))
    last_dispatch = wo.events.filter(kind=EventKind.DISPATCHED).order_by("-id").values_list("id", flat=True).first()
    if not wo.events.filter(kind=EventKind.DEPARTED, id__gt=last_dispatch or 0).exists():
        if wo.accepted_at is None:  # setting off is accepting the job
            wo.accepted_at = timezone.now()
            _save(wo, ["accepted_at"])
        _event(wo, kind=EventKind.DEPARTED, actor=actor, body=note, data={"engineer": wo.assignee_id})
    _copy_back(workorder, wo)
    return workorder


def appointment_horizon() -> datetime.timedelta:
    """How far ahead a visit may be agreed (WEIBAO_APPOINTMENT_HORIZON_DAYS, 30 days by default)."""
    from django.conf import settings

    return datetime.timedelta(days=getattr(settings, "WEIBAO_APPOINTMENT_HORIZON_DAYS", 30))


def _check_appointment(appointment_at: datetime.datetime) -> None:
    if timezone.is_naive(appointment_at):
        raise ValidationError({"appointment_at": _("Give the time with its time zone.")})
    now = timezone.now()
    if appointment_at < now - APPOINTMENT_PAST_TOLERANCE:
        raise ValidationError({"appointment_at": _("The agreed visit time lies in the past.")})
    horizon = appointment_horizon()
    if appointment_at > now + horizon:
        raise ValidationError(
            {"appointment_at": _("A visit can be agreed at most %(days)d days ahead.") % {"days": horizon.days}}
        )


def _check_late_visit(appointment_at, arrival, *, customer_agreed: bool, reason: str) -> None:
    """A visit after the on-site deadline pauses the arrival clock: only with the customer's agreement and a reason."""
    if arrival is None or appointment_at <= arrival.deadline:
        return
    errors = {}
    if not customer_agreed:
        errors["customer_agreed"] = _(
            "This time is after the on-site deadline (%(deadline)s): confirm that the customer agreed to it."
        ) % {"deadline": timezone.localtime(arrival.deadline).strftime("%Y-%m-%d %H:%M")}
    if not reason:
        errors["note"] = _("Say why the visit is after the on-site deadline.")
    if errors:
        raise ValidationError(errors)


def _end_appointment_pause(clock, appointment_at: datetime.datetime, now: datetime.datetime) -> bool:
    """Cut the pause that waited for `appointment_at` (SPEC §3) at `now`; one not yet begun is dropped."""
    pauses, changed = [], False
    for item in clock.pauses:
        start, end = item[0], item[1]
        ends = datetime.datetime.fromisoformat(end) if end else None
        if ends is not None and ends == appointment_at and ends > now:
            changed = True
            if datetime.datetime.fromisoformat(start) < now:
                pauses.append([start, now.isoformat(), *item[2:]])
            continue
        pauses.append(item)
    if changed:
        clock.pauses = pauses
    return changed


@transaction.atomic
def workorder_set_appointment(
    *,
    workorder: WorkOrder,
    actor: User,
    appointment_at: datetime.datetime,
    note: str = "",
    customer_agreed: bool = False,
    expected_version: int | None = None,
) -> WorkOrder:
    """Record the visit time agreed with the customer (not in the past, not beyond the horizon). A time later than
    the arrival deadline must be the customer's choice (`customer_agreed` and a reason in `note`): the arrival clock
    then pauses from now until the appointment (SPEC §3: waiting on the customer; pause reason "visit time agreed
    with the customer")."""
    _check_actor(actor, action_perm("set_appointment"), workorder)
    note = _clean_text(note, "note")
    _check_appointment(appointment_at)
    wo = _lock(workorder)
    if wo.status not in (
        Status.ACKNOWLEDGED,
        Status.DIAGNOSING,
        Status.DISPATCHED,
        Status.WAITING_CUSTOMER,
        Status.ESCALATED,
        Status.REOPENED,
        Status.NEW,
        Status.ON_SITE,
    ):
        raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(EventKind.APPOINTMENT.label))
    if wo.appointment_at == appointment_at:
        _copy_back(workorder, wo)
        return workorder
    _check_version(wo, expected_version)
    now = timezone.now()
    old = wo.appointment_at
    wo.appointment_at = appointment_at
    arrival = wo.clocks.filter(kind=ClockKind.ARRIVAL, stopped_at__isnull=True).first()
    _check_late_visit(appointment_at, arrival, customer_agreed=customer_agreed, reason=note)
    paused = False
    if arrival is not None:
        cal = wclocks.sla_targets(wo).calendar
        # A new time replaces the old one: the wait granted for the old appointment ends now (else moving the visit
        # earlier would keep the clock paused until the old time).
        trimmed = old is not None and _end_appointment_pause(arrival, old, now)
        if trimmed and arrival.paused_at is None:
            wclocks._compute(arrival, cal)
        if appointment_at > arrival.deadline and appointment_at > now:
            paused = wclocks.clock_add_pause(arrival, now, appointment_at, cal, PAUSE_VISIT_AGREED)
        if trimmed or paused:
            arrival.save()
            wclocks.summarise(wo, list(wo.clocks.all()))
    _save(wo, ["appointment_at", *CLOCK_FIELDS])
    data = {"fields": {"appointment_at": [_json(old), _json(appointment_at)]}, "arrival_paused": paused}
    if paused:
        data.update(customer_agreed=True, pause_reason=PAUSE_VISIT_AGREED)
    _event(wo, kind=EventKind.APPOINTMENT, actor=actor, body=note, data=data)
    _copy_back(workorder, wo)
    return workorder


@transaction.atomic
def workorder_arrive(
    *, workorder: WorkOrder, actor: User, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """The engineer is on site (stops the arrival clock)."""
    note = _clean_text(note, "note")
    return _move(
        workorder,
        actor=actor,
        perm=action_perm("arrive"),
        to=Status.ON_SITE,
        body=note,
        # The first arrival stops the arrival clock; later visits are on the timeline.
        changes=lambda wo, now: {} if wo.arrived_at else {"arrived_at": now},
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.ON_SITE,
    )


@transaction.atomic
def workorder_record_plan(
    *, workorder: WorkOrder, actor: User, plan: str, expected_version: int | None = None
) -> WorkOrder:
    """The free-text "record solution plan" action: the text becomes a DRAFT solution plan (weibao/plans). The plan
    clock does not stop here: it stops when the plan is submitted to the customer (`plans.services.plan_submit`),
    who then approves it, asks for changes or rejects it (SPEC §3)."""
    from weibao.plans.services import plan_draft_from_text

    _check_actor(actor, action_perm("record_plan"), workorder)
    plan_draft_from_text(workorder=workorder, actor=actor, text=plan, expected_version=expected_version)
    return workorder


@transaction.atomic
def workorder_resolve(
    *,
    workorder: WorkOrder,
    actor: User,
    resolution: str,
    cause: str | None = None,
    remote: bool | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """Fixed (remotely or on site): stops the resolution clock and starts the observation period."""
    resolution = _clean_text(resolution, "resolution", required=True)
    if cause is not None and cause not in Cause.values:
        raise ValidationError({"cause": _("Unknown cause.")})

    def decide(wo: WorkOrder, now: datetime.datetime) -> dict[str, Any]:
        # The observation period follows the order's current severity and site, not the caller's copy.
        changes = {
            "resolution": resolution,
            "resolved_at": now,
            "observation_ends_at": now + wclocks.sla_targets(wo).observation,
            **_first_response(wo, now),
        }
        if cause is not None:
            changes["cause"] = cause
        return changes

    return _move(
        workorder,
        actor=actor,
        perm=action_perm("resolve"),
        to=Status.RESOLVED,
        body=resolution,
        data=lambda wo, now: {"remote": wo.arrived_at is None if remote is None else remote},
        changes=decide,
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.RESOLVED,
    )


@transaction.atomic
def workorder_wait_customer(
    *, workorder: WorkOrder, actor: User, reason_code: str, reason: str = "", expected_version: int | None = None
) -> WorkOrder:
    """Waiting (on the customer's access, a quote approval, parts, the vendor …): the clocks pause per policy.
    `reason_code` is required, from the configurable pause-reason list (issue 17); `reason` says more in words.
    Already waiting for another reason: the reason changes (one event), the clocks stay paused."""
    from weibao.workorders.services.steps import workorder_record_step

    _check_actor(actor, action_perm("wait_customer"), workorder)
    reason = _clean_text(reason, "reason")
    reason_code = pause_reason_check(reason_code)
    wo = _lock(workorder)
    data = {"pause_reason": reason_code}
    if wo.status == Status.WAITING_CUSTOMER:
        if wo.wait_reason == reason_code:
            _copy_back(workorder, wo)
            return workorder  # a repeated click
        workorder_record_step(
            workorder=workorder,
            actor=actor,
            perm=action_perm("wait_customer"),
            kind=EventKind.WAITING_CUSTOMER,
            body=reason,
            data=data,
            changes={"wait_reason": reason_code},
            expected_version=expected_version,
            statuses=frozenset({Status.WAITING_CUSTOMER}),
        )
        return workorder
    return _move(
        workorder,
        actor=actor,
        perm=action_perm("wait_customer"),
        to=Status.WAITING_CUSTOMER,
        body=reason,
        data=data,
        changes={"wait_reason": reason_code},
        expected_version=expected_version,
    )


def _last_move_was_resume(workorder: WorkOrder, status: str) -> bool:
    """The order's latest state change was a resume into the state it is in now (notes since do not count)."""
    last = workorder.events.exclude(new_status="").order_by("-id").values_list("kind", "new_status").first()
    return last == (EventKind.RESUMED, status)


@transaction.atomic
def workorder_resume(
    *, workorder: WorkOrder, actor: User, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """The customer answered: back to the state the order waited in; the clocks run again."""
    note = _clean_text(note, "note")
    _check_actor(actor, action_perm("resume"), workorder)
    # Read under the row lock: where to go back to is decided by the committed state, not the caller's copy.
    current = (
        WorkOrder.objects.select_for_update().filter(pk=workorder.pk).values_list("status", "resume_status").first()
    )
    if current is not None and current[0] != Status.WAITING_CUSTOMER and _last_move_was_resume(workorder, current[0]):
        _copy_back(workorder, WorkOrder.objects.get(pk=workorder.pk))
        return workorder  # a repeated click (or a retried request from a phone): nothing to do
    if current is None or current[0] != Status.WAITING_CUSTOMER:
        status = current[0] if current else workorder.status
        raise TransitionNotAllowed(current=str(Status(status).label), requested=str(EventKind.RESUMED.label))
    back = current[1] or Status.ACKNOWLEDGED
    return _move(
        workorder,
        actor=actor,
        perm=action_perm("resume"),
        to=back,
        kind=EventKind.RESUMED,
        body=note,
        changes={"resume_status": "", "wait_reason": ""},
        expected_version=expected_version,
    )


@transaction.atomic
def workorder_escalate(
    *, workorder: WorkOrder, actor: User, vendor, reason: str = "", expected_version: int | None = None
) -> WorkOrder:
    """Escalate to the vendor's technical support (SPEC §4.7); the vendor's users can now see the order."""
    reason = _clean_text(reason, "reason")
    return _move(
        workorder,
        actor=actor,
        perm=action_perm("escalate"),
        to=Status.ESCALATED,
        body=reason,
        data={"vendor": vendor.pk},
        changes={"escalated_vendor": vendor},
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.ESCALATED and wo.escalated_vendor_id == vendor.pk,
    )


@transaction.atomic
def workorder_customer_confirm(
    *, workorder: WorkOrder, actor: User, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """The customer confirms the fix; the order observes until its observation period ends."""
    note = _clean_text(note, "note")
    return _move(
        workorder,
        actor=actor,
        perm=action_perm("customer_confirm"),
        to=Status.OBSERVING,
        body=note,
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.OBSERVING,
    )


@transaction.atomic
def workorder_customer_reject(
    *, workorder: WorkOrder, actor: User, reason: str, expected_version: int | None = None
) -> WorkOrder:
    """The customer says it is not fixed (portal button): the order reopens with its history kept."""
    reason = _clean_text(reason, "reason", required=True)
    return _reopen(
        workorder,
        actor=actor,
        perm=action_perm("customer_reject"),
        reason=reason,
        kind=EventKind.CUSTOMER_REJECTED,
        expected_version=expected_version,
        source=ReopenSource.CUSTOMER_PORTAL,
        reason_code=ReopenReason.NOT_FIXED,
        channel="web",
    )


def _reopen(
    workorder: WorkOrder,
    *,
    actor: User,
    perm: str,
    reason: str,
    kind: str,
    source: str,
    reason_code: str = "",
    channel: str = "",
    answered_by: str = "",
    data: dict | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """The one path of every reopen: the move, then a Reopen row saying why and where it came from (issue 23).
    Open replies of the observation are settled by it (the flag comes down)."""
    if source not in ReopenSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    if reason_code and reason_code not in ReopenReason.values:
        raise ValidationError({"reason_code": _("Unknown reason.")})
    payload = {
        "source": source,
        "reason_code": reason_code,
        **({"channel": channel} if channel else {}),
        **({"answered_by": answered_by} if answered_by else {}),
        **(data or {}),
    }
    wo = _move(
        workorder,
        actor=actor,
        perm=perm,
        to=Status.REOPENED,
        kind=kind,
        body=reason,
        data=payload,
        changes={"observation_ends_at": None, "closed_at": None, "observation_reply_pending": False},
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.REOPENED,
    )
    event = wo._moved_event
    if event is not None:
        Reopen.objects.create(
            organisation_id=wo.organisation_id,
            workorder=wo,
            event=event,
            source=source,
            reason_code=reason_code,
            reason=reason,
            actor=actor,
            channel=channel,
            answered_by=answered_by[:254],
            reopened_at=event.created_at,
        )
        ObservationReply.objects.filter(workorder=wo, decision=ReplyDecision.OPEN).update(
            decision=ReplyDecision.REOPENED, decided_by=actor, decided_at=event.created_at
        )
    return wo


@transaction.atomic
def workorder_reopen(
    *,
    workorder: WorkOrder,
    actor: User,
    reason: str,
    source: str = ReopenSource.STAFF,
    reason_code: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """The fault recurred (during observation or after closing): reopen, restart the resolution clock. Staff say
    where the recurrence came from (a phone call, an inspection finding, or just "staff")."""
    reason = _clean_text(reason, "reason", required=True)
    if actor.is_customer:
        source = ReopenSource.CUSTOMER_PORTAL  # a customer account reopening (a closed order) is the portal
    return _reopen(
        workorder,
        actor=actor,
        perm=action_perm("reopen"),
        reason=reason,
        kind=EventKind.REOPENED,
        source=source,
        reason_code=reason_code,
        expected_version=expected_version,
    )


def _close_reason(wo: WorkOrder, now: datetime.datetime, actor: User, reason_code: str, note: str) -> dict[str, Any]:
    """Closing before the observation period has passed needs a reason from the list (and words for "other"),
    recorded on the timeline; afterwards (or by the system's sweep) none is asked."""
    early = wo.status in OBSERVATION_STATUSES and (wo.observation_ends_at is None or wo.observation_ends_at > now)
    if not early or actor.username == SYSTEM_USERNAME:
        return {"reason_code": reason_code} if reason_code else {}
    if reason_code not in CloseReason.values:
        raise ValidationError({"reason_code": _("Say why the order is closed during its observation period.")})
    if reason_code == CloseReason.OTHER and not note:
        raise ValidationError({"note": _("Say why the order is closed during its observation period.")})
    return {
        "reason_code": reason_code,
        "during_observation": True,
        "observation_ends_at": _json(wo.observation_ends_at),
    }


@transaction.atomic
def workorder_close(
    *, workorder: WorkOrder, actor: User, note: str = "", reason_code: str = "", expected_version: int | None = None
) -> WorkOrder:
    """Close a resolved order (by a manager, or by the system when the observation period passed quietly). During
    the observation period a person must say why (`reason_code`, CloseReason)."""
    note = _clean_text(note, "note")
    if reason_code and reason_code not in CloseReason.values:
        raise ValidationError({"reason_code": _("Unknown reason.")})
    wo = _move(
        workorder,
        actor=actor,
        perm=action_perm("close"),
        to=Status.CLOSED,
        body=note,
        data=lambda wo, now: _close_reason(wo, now, actor, reason_code, note),
        changes={"closed_at": timezone.now(), "observation_reply_pending": False},
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.CLOSED,
    )
    if wo._moved_event is not None:
        # Closing by hand settles replies still waiting for the desk (the person closing has read them).
        ObservationReply.objects.filter(workorder=wo, decision=ReplyDecision.OPEN).update(
            decision=ReplyDecision.KEPT, decided_by=actor, decided_at=wo._moved_event.created_at
        )
    return wo


@transaction.atomic
def workorder_cancel(
    *, workorder: WorkOrder, actor: User, reason: str, expected_version: int | None = None
) -> WorkOrder:
    """Cancel (duplicate, reported in error, withdrawn); a reason is required and kept."""
    reason = _clean_text(reason, "reason", required=True)
    return _move(
        workorder,
        actor=actor,
        perm=action_perm("cancel"),
        to=Status.CANCELLED,
        body=reason,
        changes={"cancel_reason": reason, "closed_at": timezone.now()},
        expected_version=expected_version,
        unchanged_if=lambda wo: wo.status == Status.CANCELLED,
    )
