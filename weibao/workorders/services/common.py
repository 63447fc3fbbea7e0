"""Shared helpers of the work-order services: the system user, text checks, locking, events, clocks, numbering."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import CharField, Func, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.contracts.choices import ClockKind
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.workorders import clocks as wclocks
from weibao.workorders.choices import (
    Status,
)
from weibao.workorders.events import publish
from weibao.workorders.models import (
    Clock,
    NumberCounter,
    WorkOrder,
    WorkOrderEvent,
)
from weibao.workorders.pauses import pause_reason_for

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


def _event(
    wo: WorkOrder,
    *,
    kind: str,
    actor: User,
    old_status: str = "",
    new_status: str = "",
    body: str = "",
    data: dict | None = None,
    internal: bool = False,
    source_ref: str = "",
) -> WorkOrderEvent:
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
        reason = pause_reason_for(new, wo.wait_reason)
        for clock in clocks:
            if wclocks.clock_pause(clock, now, reason):
                changed.add(clock)
    elif old in pause_states and new not in pause_states:
        for clock in clocks:
            if wclocks.clock_resume(clock, now, cal):
                changed.add(clock)
    _sync_clocks(wo, clocks, list(changed))


def _plan_clocks(wo: WorkOrder, *, kinds: Sequence[str] | None = None) -> list[Clock]:
    """The order's clocks from the SLA policy, unsaved (kinds None = all the policy defines); the order's
    denormalised clock columns are filled in from them."""
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
    wclocks.summarise(wo, new)
    return new


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
    """The next `WB-YYYY-NNNNNN`: one atomic upsert on the year's counter row (safe under concurrent intake; the
    row stays locked until the transaction ends, so numbers have no gaps)."""
    return allocate_numbers(timezone.localtime(at or timezone.now()).year, 1)[0]


def allocate_numbers(year: int, count: int) -> list[str]:
    """`count` consecutive numbers of `year` in one upsert: the counter moves by `count` at once.
    INSERT … ON CONFLICT … RETURNING works on PostgreSQL and SQLite ≥ 3.35; the row lock serialises takers."""
    table = connection.ops.quote_name(NumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, %s) "  # noqa: S608 - table name from model meta
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + %s RETURNING last",
            [year, count, count],
        )
        (last,) = cursor.fetchone()
    return [f"WB-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def reserve_workorder_id() -> int | None:
    """On PostgreSQL, the next order id taken from the table's own sequence, before the order is written: its clocks,
    devices and first event can then go in first (foreign keys are checked at COMMIT) and the order's INSERT, which
    takes the year's number and with it the counter row lock, comes last. Elsewhere None (SQLite serialises every
    writer anyway)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [WorkOrder._meta.db_table])
        return cursor.fetchone()[0]


def number_for_insert(at: datetime.datetime | None = None) -> str | Func:
    """What to put in a new order's `number`: on PostgreSQL the database function of migration 0007, evaluated by
    the order's own INSERT (Django reads the value back through RETURNING) — the same upsert as `allocate_number`
    without a statement of its own, and the counter row locked only from that INSERT to COMMIT; elsewhere the
    number itself."""
    if connection.vendor != "postgresql":
        return allocate_number(at)
    year = timezone.localtime(at or timezone.now()).year
    return Func(Value(year), function="workorders_next_number", output_field=CharField())
