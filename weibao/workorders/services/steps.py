"""Steps recorded on an order by other apps (the on-site visit, issue 11): each locks the order, checks the
version, writes what changed on the order and appends exactly one timeline event of the caller's kind.

`workorder_await_customer` / `workorder_end_wait` are the waiting-on-the-customer move (clocks pause per policy)
with a reason code, recorded under the step's own event kind, so a quote sent is one event, not two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.contracts.choices import ClockKind
from weibao.core.exceptions import TransitionNotAllowed
from weibao.workorders import clocks as wclocks
from weibao.workorders.choices import OPEN_STATUSES, TRANSITIONS, AlertLevel, Status
from weibao.workorders.events import publish
from weibao.workorders.models import Alert, WorkOrder, WorkOrderEvent
from weibao.workorders.pauses import pause_reason_check, pause_reason_for
from weibao.workorders.services.common import (
    CLOCK_FIELDS,
    _check_actor,
    _check_version,
    _copy_back,
    _event,
    _json,
    _lock,
    _save,
    _sync_clocks,
)
from weibao.workorders.services.transitions import _move

# Where on-site steps may be recorded: the order is being worked on (not new, not finished).
STEP_STATUSES = frozenset(
    {
        Status.ACKNOWLEDGED,
        Status.DIAGNOSING,
        Status.DISPATCHED,
        Status.ON_SITE,
        Status.WAITING_CUSTOMER,
        Status.ESCALATED,
        Status.REOPENED,
    }
)


def _refuse_step(wo: WorkOrder, requested: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        current=str(Status(wo.status).label),
        requested=requested,
        message=_("This can only be recorded while the order is being worked on (it is “%(status)s”).")
        % {"status": Status(wo.status).label},
    )


@transaction.atomic
def workorder_record_step(
    *,
    workorder: WorkOrder,
    actor: User,
    perm: str,
    kind: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    internal: bool = False,
    expected_version: int | None = None,
    statuses: frozenset[str] = STEP_STATUSES,
) -> tuple[WorkOrder, WorkOrderEvent]:
    """Record one step: lock, permission, state, version, write `changes` on the order (diff kept in the event),
    bump the version, append one event. Returns the locked order (copied back into `workorder`) and the event."""
    _check_actor(actor, perm, workorder)
    wo = _lock(workorder)
    if wo.status not in statuses:
        raise _refuse_step(wo, str(kind))
    _check_version(wo, expected_version)
    changes = dict(changes or {})
    fields = {n: [_json(getattr(wo, n)), _json(v)] for n, v in changes.items() if getattr(wo, n) != v}
    for name, value in changes.items():
        setattr(wo, name, value)
    if "wait_reason" in fields and wo.wait_reason and wo.status == Status.WAITING_CUSTOMER:
        _relabel_pauses(wo)
    _save(wo, changes)
    payload = dict(data or {})
    if fields:
        payload["fields"] = fields
    event = _event(wo, kind=kind, actor=actor, body=body, data=payload, internal=internal)
    _copy_back(workorder, wo)
    return workorder, event


def _relabel_pauses(wo: WorkOrder) -> None:
    """The order waits for something else now: its paused clocks count the time from here under the new reason."""
    now = timezone.now()
    for clock in wo.clocks.filter(paused_at__isnull=False, stopped_at__isnull=True):
        if wclocks.clock_relabel_pause(clock, now, wo.wait_reason):
            clock.save(update_fields=["pauses", "paused_at", "pause_reason"])


def _last_event(wo: WorkOrder) -> WorkOrderEvent:
    return wo.events.order_by("-id").first()


@transaction.atomic
def workorder_await_customer(
    *,
    workorder: WorkOrder,
    actor: User,
    perm: str,
    reason: str,
    kind: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> tuple[WorkOrder, WorkOrderEvent]:
    """The order now waits on the customer for `reason` (e.g. quote approval): it moves to "waiting on customer"
    (the clocks pause per the SLA policy) and records one event of `kind`. Already waiting: the reason is set,
    one event recorded, the clocks stay as they are."""
    reason = pause_reason_check(reason, field="wait_reason")
    wo = _lock(workorder)
    if wo.status == Status.WAITING_CUSTOMER or Status.WAITING_CUSTOMER not in TRANSITIONS[wo.status]:
        return workorder_record_step(
            workorder=workorder,
            actor=actor,
            perm=perm,
            kind=kind,
            body=body,
            data=data,
            changes={"wait_reason": reason},
            expected_version=expected_version,
        )
    wo = _move(
        workorder,
        actor=actor,
        perm=perm,
        to=Status.WAITING_CUSTOMER,
        kind=kind,
        body=body,
        data={**(data or {}), "pause_reason": reason},
        changes={"wait_reason": reason},
        expected_version=expected_version,
    )
    return wo, _last_event(wo)


@transaction.atomic
def workorder_end_wait(
    *,
    workorder: WorkOrder,
    actor: User,
    perm: str,
    reason: str,
    kind: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    statuses: frozenset[str] = STEP_STATUSES,
) -> tuple[WorkOrder, WorkOrderEvent]:
    """The customer answered what the order waited for (`reason`): back to the state it waited in, the clocks run
    again, one event of `kind`. An order not waiting for that reason just records the event."""
    wo = _lock(workorder)
    if wo.status == Status.WAITING_CUSTOMER and wo.wait_reason == reason:
        back = wo.resume_status or Status.ACKNOWLEDGED
        wo = _move(
            workorder,
            actor=actor,
            perm=perm,
            to=back,
            kind=kind,
            body=body,
            data=data or {},
            changes={"wait_reason": "", "resume_status": ""},
            expected_version=expected_version,
        )
        return wo, _last_event(wo)
    changes = {"wait_reason": ""} if wo.wait_reason == reason else {}
    return workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm=perm,
        kind=kind,
        body=body,
        data=data,
        changes=changes,
        expected_version=expected_version,
        statuses=statuses,
    )


def workorder_note_event(
    *,
    workorder: WorkOrder,
    actor: User,
    kind: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    internal: bool = False,
) -> WorkOrderEvent:
    """An event about the order recorded by another app that changes nothing on the order (a callback, a complaint
    step, issue 12): appended to the timeline and published, without locking the order or moving its version (an
    edit in progress on the order is not made stale by it). Call inside the caller's transaction."""
    return _event(workorder, kind=kind, actor=actor, body=body, data=data, internal=internal)


def workorder_lock(workorder: WorkOrder) -> WorkOrder:
    """The order row, locked until the transaction ends (call inside `transaction.atomic`)."""
    return _lock(workorder)


def workorder_check_version(*, workorder: WorkOrder, expected_version: int | None) -> None:
    """Raise StaleEdit when the order changed since the caller read `expected_version` (no lock taken)."""
    _check_version(workorder, expected_version)


# --- the solution plan's clock and reminders (issue 22) -----------------------------------------------------------

PLAN_CLOCK_STOP = "stop"
PLAN_CLOCK_RUN = "run"


@transaction.atomic
def workorder_plan_step(
    *,
    workorder: WorkOrder,
    actor: User,
    perm: str,
    kind: str,
    plan_clock: str = "",
    plan: str | None = None,
    body: str = "",
    data: dict[str, Any] | None = None,
    internal: bool = False,
    expected_version: int | None = None,
) -> tuple[WorkOrder, WorkOrderEvent]:
    """A step of the order's solution plan that may move the plan clock (SPEC §3: the plan is due within 48/72/108
    working hours). `plan_clock` "stop": the plan was submitted to the customer — the clock stops and `plan_at` is
    set (a draft never stops it); "run": the customer rejected it or asked for changes — the clock runs on from
    where it stopped (the review time does not count) and `plan_at` is cleared; "": the clock is left alone.
    `plan` (a summary of the plan) is kept in the order's plan text. One event of `kind`."""
    _check_actor(actor, perm, workorder)
    wo = _lock(workorder)
    if wo.status not in OPEN_STATUSES:
        raise _refuse_step(wo, str(kind))
    _check_version(wo, expected_version)
    now = timezone.now()
    fields: list[str] = []
    payload = dict(data or {})
    if plan is not None and plan != wo.plan:
        wo.plan = plan
        fields.append("plan")
    if plan_clock:
        clocks = list(wo.clocks.all())
        targets = wclocks.sla_targets(wo) if plan_clock == PLAN_CLOCK_RUN else None
        changed = []
        for clock in clocks:
            if clock.kind != ClockKind.PLAN:
                continue
            if plan_clock == PLAN_CLOCK_STOP and wclocks.clock_stop(clock, now):
                changed.append(clock)
            elif plan_clock == PLAN_CLOCK_RUN and wo.resolved_at is None:
                paused = wo.status in targets.pause_states
                if wclocks.clock_continue(
                    clock, now, targets.calendar, paused=paused, reason=pause_reason_for(wo.status, wo.wait_reason)
                ):
                    changed.append(clock)
        if changed:
            payload["clock"] = ClockKind.PLAN.value
        _sync_clocks(wo, clocks, changed)
        wo.plan_at = (wo.plan_at or now) if plan_clock == PLAN_CLOCK_STOP else None
        fields += ["plan_at", *CLOCK_FIELDS]
    _save(wo, fields)
    event = _event(wo, kind=kind, actor=actor, body=body, data=payload, internal=internal)
    _copy_back(workorder, wo)
    return workorder, event


def workorder_alert_record(
    *,
    workorder_id: int,
    kind: str,
    dedupe_key: str,
    actor: User,
    data: dict[str, Any],
    level: str = AlertLevel.BREACH,
    clock_kind: str = ClockKind.PLAN,
    recipients: Iterable[int] = (),
    managers: bool = True,
    internal: bool = False,
    body: str = "",
) -> WorkOrderEvent | None:
    """An alert raised by another app's periodic job (a missed milestone, a legacy review due): one timeline event
    per `dedupe_key` (None when it was raised before — a job run twice alerts once) and an in-app alert for each
    recipient and, with `managers`, the service managers of the order's branch (else the head office's)."""
    wo = WorkOrder.objects.only("pk", "branch_id", "assignee_id").get(pk=workorder_id)
    try:
        with transaction.atomic():
            event = WorkOrderEvent.objects.create(
                workorder=wo,
                kind=kind,
                actor=actor,
                body=body,
                data=data,
                internal=internal,
                dedupe_key=dedupe_key[:64],
                created_at=timezone.now(),
            )
    except IntegrityError:
        return None  # raised before (the unique dedupe key per order)
    people = {pk for pk in recipients if pk}
    if managers:
        by_branch = wclocks._managers_by_branch()
        people.update(by_branch.get(wo.branch_id) or by_branch["head"])
    Alert.objects.bulk_create(
        [
            Alert(
                recipient_id=pk,
                workorder=wo,
                event=event,
                level=level,
                clock_kind=clock_kind,
                created_at=event.created_at,
            )
            for pk in sorted(people)
        ],
        ignore_conflicts=True,
    )
    publish([event.pk])
    return event
