"""SLA clocks of a work order: start, pause, resume, stop, and the periodic warning/breach sweep.

The calendar maths is the contracts engine's (`weibao.contracts.clock`); this module only decides *when* a clock
runs. Deadlines are stored so that queues and the sweep are plain indexed range queries.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from weibao.contracts import clock as engine
from weibao.contracts.choices import ClockKind
from weibao.workorders.choices import AlertLevel, EventKind, SlaState
from weibao.workorders.models import Alert, Clock, WorkOrder, WorkOrderEvent

if TYPE_CHECKING:
    from weibao.contracts.clock import WorkingCalendar

logger = logging.getLogger(__name__)

CLOCK_KINDS = (ClockKind.RESPONSE, ClockKind.ARRIVAL, ClockKind.PLAN, ClockKind.RESOLUTION)


def sla_targets(workorder: WorkOrder):
    """The SLA targets that apply to this order now (contract, severity, the site's region tier, channel)."""
    from weibao.contracts.selectors import sla_targets_for  # contracts may load after us; imported on use

    contract = getattr(workorder, "contract", None)
    return sla_targets_for(
        contract=contract,
        severity=workorder.severity,
        region_tier=workorder.site.region_tier,
        channel=workorder.channel,
    )


def _iso(value: datetime.datetime) -> str:
    return value.isoformat()


def _compute(clock: Clock, cal: WorkingCalendar) -> None:
    """Recompute deadline and warning time from start, target and the closed pauses (the clock is running)."""
    pauses = clock.pause_intervals()
    due = engine.deadline(cal, clock.started_at, clock.target, pauses)
    warn = engine.deadline(cal, clock.started_at, clock.target * clock.warn_ratio, pauses)
    if due is not None:
        clock.deadline = due
    if warn is not None:
        clock.warn_at = warn


def clock_new(
    *,
    workorder: WorkOrder,
    kind: str,
    target: datetime.timedelta,
    warn_ratio: float,
    cal: WorkingCalendar,
    started_at: datetime.datetime,
) -> Clock:
    clock = Clock(
        workorder=workorder,
        kind=kind,
        target=target,
        warn_ratio=warn_ratio,
        started_at=started_at,
        deadline=started_at,
        warn_at=started_at,
    )
    _compute(clock, cal)
    return clock


def _closed(start: datetime.datetime, end: datetime.datetime, reason: str) -> list[str]:
    """One closed pause as stored in `Clock.pauses`: [start, end, reason] (the reason a PauseReason code)."""
    return [_iso(start), _iso(max(end, start)), reason or ""]


def clock_pause(clock: Clock, at: datetime.datetime, reason: str = "") -> bool:
    if clock.stopped_at is not None or clock.paused_at is not None:
        return False
    clock.paused_at = at
    clock.pause_reason = reason or ""
    return True


def clock_relabel_pause(clock: Clock, at: datetime.datetime, reason: str) -> bool:
    """The order still waits but for something else now: the open pause ends at `at` under its old reason and a
    new one begins with `reason` (the clock stays paused; reports count each stretch under its own reason)."""
    if clock.stopped_at is not None or clock.paused_at is None or clock.pause_reason == (reason or ""):
        return False
    if at > clock.paused_at:
        clock.pauses = [*clock.pauses, _closed(clock.paused_at, at, clock.pause_reason)]
        clock.paused_at = at
    clock.pause_reason = reason or ""
    return True


def clock_resume(clock: Clock, at: datetime.datetime, cal: WorkingCalendar) -> bool:
    if clock.stopped_at is not None or clock.paused_at is None:
        return False
    clock.pauses = [*clock.pauses, _closed(clock.paused_at, at, clock.pause_reason)]
    clock.paused_at = None
    clock.pause_reason = ""
    _compute(clock, cal)
    return True


def clock_add_pause(
    clock: Clock, start: datetime.datetime, end: datetime.datetime, cal: WorkingCalendar, reason: str = ""
) -> bool:
    """Add a closed pause (e.g. the customer agreed a visit after the deadline) and move the deadline."""
    if clock.stopped_at is not None or end <= start:
        return False
    clock.pauses = [*clock.pauses, _closed(start, end, reason)]
    if clock.paused_at is None:
        _compute(clock, cal)
    return True


def clock_stop(clock: Clock, at: datetime.datetime) -> bool:
    if clock.stopped_at is not None:
        return False
    if clock.paused_at is not None:
        clock.pauses = [*clock.pauses, _closed(clock.paused_at, at, clock.pause_reason)]
        clock.paused_at = None
        clock.pause_reason = ""
    clock.stopped_at = at
    return True


def clock_continue(
    clock: Clock, at: datetime.datetime, cal: WorkingCalendar, *, paused: bool = False, reason: str = ""
) -> bool:
    """A stopped clock runs on from where it stopped (the customer rejected the solution plan, issue 22): the time
    it stood still counts as a pause, so the customer's review time is never charged to us. `paused`: the order
    is in a pause state right now (for `reason`), so the clock continues paused."""
    if clock.stopped_at is None:
        return False
    stopped, clock.stopped_at = clock.stopped_at, None
    if paused:
        clock.paused_at = stopped
        clock.pause_reason = reason or ""
        return True
    clock.pauses = [*clock.pauses, _closed(stopped, at, PLAN_REVIEW_REASON)]
    _compute(clock, cal)
    return True


# The stretch a stopped plan clock stood still while the customer reviewed the plan (not a PauseReason row).
PLAN_REVIEW_REASON = "plan_review"


def clock_restart(clock: Clock, at: datetime.datetime, cal: WorkingCalendar) -> None:
    """A new cycle from `at` with the same target (a reopened order gets a fresh resolution clock)."""
    clock.cycle += 1
    clock.started_at = at
    clock.pauses = []
    clock.pause_reason = ""
    clock.paused_at = clock.stopped_at = clock.warned_at = clock.breached_at = None
    _compute(clock, cal)


def paused_by_reason(clock: Clock, cal: WorkingCalendar, *, now: datetime.datetime) -> dict[str, datetime.timedelta]:
    """Business time the clock stood paused, per reason code ("" = recorded before reasons existed); an open pause
    counts up to `now` (or the clock's stop)."""
    end = clock.stopped_at or now
    result: dict[str, datetime.timedelta] = defaultdict(datetime.timedelta)
    items = [(p[0], p[1], p[2] if len(p) > 2 else "") for p in clock.pauses]
    if clock.paused_at is not None:
        items.append((clock.paused_at, None, clock.pause_reason))
    for start, stop, reason in items:
        start = datetime.datetime.fromisoformat(start) if isinstance(start, str) else start
        stop = datetime.datetime.fromisoformat(stop) if isinstance(stop, str) and stop else (stop or end)
        stop = min(stop, end)
        if stop > start:
            result[reason] += engine.elapsed(cal, start, stop)
    return dict(result)


def summarise(workorder: WorkOrder, clocks: list[Clock]) -> None:
    """Refresh the order's denormalised clock columns (next deadline, SLA state, resolution due) from its clocks."""
    running = [c for c in clocks if c.stopped_at is None and c.paused_at is None]
    workorder.next_deadline = min((c.deadline for c in running), default=None)
    # A breach stays on the order's record (until a reopen restarts the clock); a warning only while it runs.
    if any(c.breached_at for c in clocks):
        workorder.sla_state = SlaState.BREACHED
    elif any(c.warned_at and c.stopped_at is None for c in clocks):
        workorder.sla_state = SlaState.WARNING
    else:
        workorder.sla_state = SlaState.OK
    resolution = next((c for c in clocks if c.kind == ClockKind.RESOLUTION), None)
    workorder.resolution_due_at = resolution.deadline if resolution and resolution.stopped_at is None else None


@dataclass(frozen=True)
class ClockView:
    """A clock as the detail page shows it: a live progress bar."""

    kind: str
    label: str
    target: datetime.timedelta
    started_at: datetime.datetime
    deadline: datetime.datetime | None
    stopped_at: datetime.datetime | None
    paused: bool
    used: datetime.timedelta
    ratio: float  # 0..1+ of the target used
    state: str  # running / paused / met / missed
    warned: bool
    breached: bool
    pause_reason: str = ""  # the PauseReason code of the open pause
    pause_reason_label: str = ""
    paused_minutes: dict | None = None  # business minutes paused so far, per pause-reason code
    always: bool = True  # measured round the clock (7x24); else in the calendar's working hours
    day_hours: float = 24.0  # hours of one working day of the calendar (8 on a 5x8 calendar)

    @property
    def target_text(self) -> str:
        """The target as what it is: "48 工作小时（约 6 个工作日）" on a 5x8 calendar, "4 小时" round the clock."""
        return business_time_text(self.target, always=self.always, day_hours=self.day_hours)

    @property
    def used_text(self) -> str:
        return business_time_text(self.used, always=self.always, day_hours=self.day_hours, approx_days=False)


def _hours_text(hours: float) -> str:
    return f"{hours:.1f}".rstrip("0").rstrip(".") if hours % 1 else str(int(hours))


def business_time_text(value: datetime.timedelta, *, always: bool, day_hours: float, approx_days: bool = True) -> str:
    """A duration of SLA time in the unit it is counted in: working hours on a working calendar (and roughly how
    many working days that is), plain hours round the clock. Never "2 d": 48 working hours are 6 days of 8 hours."""
    from django.utils.translation import gettext as _

    hours = max(value.total_seconds(), 0) / 3600
    if hours < 1:
        minutes = round(hours * 60)
        return _("%(n)d working minutes") % {"n": minutes} if not always else _("%(n)d minutes") % {"n": minutes}
    text = (_("%(n)s hours") if always else _("%(n)s working hours")) % {"n": _hours_text(hours)}
    if approx_days and day_hours and hours > day_hours:
        days = _hours_text(round(hours / day_hours, 1))
        approx = (_("(about %(n)s days)") if always else _("(about %(n)s working days)")) % {"n": days}
        text = _("%(amount)s %(approx)s") % {"amount": text, "approx": approx}  # zh: no space before （
    return text


def calendar_day_hours(cal: WorkingCalendar) -> float:
    """Hours of one working day: the first working weekday's intervals (24 round the clock)."""
    if cal.always:
        return 24.0
    day = next((h for h in cal.weekly if h), ())
    return sum(end - start for start, end in day) / 60 or 24.0


def clock_views(
    workorder: WorkOrder,
    clocks: list[Clock],
    *,
    now: datetime.datetime | None = None,
    cal: WorkingCalendar | None = None,
    reason_labels: dict[str, str] | None = None,
) -> list[ClockView]:
    """`reason_labels`: pause reason code → name (read once when not given, only if a clock is paused)."""
    now = now or timezone.now()
    if reason_labels is None and any(c.paused_at is not None for c in clocks):
        from weibao.workorders.pauses import pause_reason_labels

        reason_labels = pause_reason_labels()
    if cal is None:
        try:
            cal = sla_targets(workorder).calendar
        except Exception:  # an unexpected policy problem must not break the detail page
            logger.exception("SLA targets unavailable for %s", workorder.pk)
            cal = engine.ALWAYS
    views = []
    day_hours = calendar_day_hours(cal)
    order = {k: i for i, k in enumerate(CLOCK_KINDS)}
    for c in sorted(clocks, key=lambda c: order.get(c.kind, 9)):
        end = c.stopped_at or now
        used = engine.elapsed(cal, c.started_at, end, c.pause_intervals())
        ratio = used / c.target if c.target else 1.0
        if c.stopped_at is not None:
            state = "met" if c.stopped_at <= c.deadline and not c.breached_at else "missed"
        elif c.paused_at is not None:
            state = "paused"
        else:
            state = "running"
        views.append(
            ClockView(
                kind=c.kind,
                label=str(ClockKind(c.kind).label),
                target=c.target,
                started_at=c.started_at,
                deadline=None if c.paused_at else c.deadline,
                stopped_at=c.stopped_at,
                paused=c.paused_at is not None,
                used=used,
                ratio=max(0.0, ratio),
                state=state,
                warned=c.warned_at is not None,
                breached=c.breached_at is not None,
                pause_reason=c.pause_reason if c.paused_at is not None else "",
                paused_minutes={k: int(v.total_seconds() // 60) for k, v in paused_by_reason(c, cal, now=now).items()},
                pause_reason_label=(reason_labels or {}).get(c.pause_reason, c.pause_reason)
                if c.paused_at is not None
                else "",
                always=cal.always,
                day_hours=day_hours,
            )
        )
    return views


# --- the sweep --------------------------------------------------------------------------------------------------


def _managers_by_branch() -> dict[int | None, list[int]]:
    from weibao.accounts.choices import Role
    from weibao.accounts.models import User

    result: dict[int | None, list[int]] = defaultdict(list)
    head = None
    for user_id, branch_id, is_head in User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True).values_list(
        "pk", "branch_id", "branch__is_head_office"
    ):
        result[branch_id].append(user_id)
        if is_head:
            head = branch_id
    # Orders of a branch without its own manager escalate to the head office's.
    result["head"] = result.get(head, []) if head is not None else []  # type: ignore[index]
    return result


def _sweep_level_orm(*, level: str, now: datetime.datetime, batch: int, actor_id: int, managers) -> int:
    if level == AlertLevel.WARNING:
        # A clock already past its deadline gets the breach alone (a late worker must not send both at once).
        due = Q(warned_at__isnull=True, warn_at__lte=now, deadline__gt=now)
        stamp, kind, state, key = "warned_at", EventKind.SLA_WARNING, SlaState.WARNING, "warn_at"
    else:
        due = Q(breached_at__isnull=True, deadline__lte=now)
        stamp, kind, state, key = "breached_at", EventKind.SLA_BREACH, SlaState.BREACHED, "deadline"
    candidates = Clock.objects.filter(due, stopped_at__isnull=True, paused_at__isnull=True)
    total, after = 0, None
    while True:
        # Batches walk the partial index in (due time, pk) order; ordering by pk alone would make PostgreSQL scan
        # the whole clock table by primary key looking for the few due rows.
        page = candidates
        if after is not None:
            page = page.filter(Q(**{f"{key}__gt": after[0]}) | Q(**{key: after[0], "pk__gt": after[1]}))
        rows = list(page.order_by(key, "pk").values_list(key, "pk")[:batch])
        if not rows:
            return total
        after = rows[-1]
        ids = [pk for _due, pk in rows]
        with transaction.atomic():
            # Claim: rows another worker holds are skipped, rows it already stamped no longer match `due`.
            claimed = list(
                candidates.filter(pk__in=ids)
                .select_for_update(skip_locked=True)
                .values_list("pk", "workorder_id", "kind", "cycle", "deadline")
            )
            if not claimed:
                continue
            stamps = (
                {stamp: now} if level == AlertLevel.WARNING else {stamp: now, "warned_at": Coalesce("warned_at", now)}
            )
            Clock.objects.filter(pk__in=[c[0] for c in claimed]).update(**stamps)
            wo_ids = {c[1] for c in claimed}
            # Belt and braces: a crossing already on the timeline (the clock's stamp was lost, e.g. restored from
            # an older backup) is stamped but not announced again — and never blocks the rest of the batch.
            keys = {f"{kind}:{c[2]}:{c[3]}" for c in claimed}
            seen = set(
                WorkOrderEvent.objects.filter(workorder_id__in=wo_ids, dedupe_key__in=keys).values_list(
                    "workorder_id", "dedupe_key"
                )
            )
            claimed = [c for c in claimed if (c[1], f"{kind}:{c[2]}:{c[3]}") not in seen]
            people = {
                pk: (assignee_id, branch_id)
                for pk, assignee_id, branch_id in WorkOrder.objects.filter(pk__in=wo_ids).values_list(
                    "pk", "assignee_id", "branch_id"
                )
            }
            orders = {pk: v[0] for pk, v in people.items()}
            branches = {pk: v[1] for pk, v in people.items()}
            events = WorkOrderEvent.objects.bulk_create(
                [
                    WorkOrderEvent(
                        workorder_id=wo_id,
                        kind=kind,
                        actor_id=actor_id,
                        data={"clock": ckind, "deadline": deadline.isoformat(), "cycle": cycle},
                        dedupe_key=f"{kind}:{ckind}:{cycle}",
                        created_at=now,
                    )
                    for _pk, wo_id, ckind, cycle, deadline in claimed
                ]
            )
            alerts = []
            for event, (_pk, wo_id, ckind, _cycle, _deadline) in zip(events, claimed, strict=True):
                recipients = set()
                if orders.get(wo_id):
                    recipients.add(orders[wo_id])
                if level == AlertLevel.BREACH or not recipients:
                    recipients.update(managers.get(branches.get(wo_id)) or managers["head"])
                alerts.extend(
                    Alert(
                        recipient_id=r, workorder_id=wo_id, event=event, level=level, clock_kind=ckind, created_at=now
                    )
                    for r in recipients
                )
            Alert.objects.bulk_create(alerts, ignore_conflicts=True)
            # Raise the order's SLA state; never lower it here (a breach outranks a warning).
            rank = [SlaState.OK] if state == SlaState.WARNING else [SlaState.OK, SlaState.WARNING]
            WorkOrder.objects.filter(pk__in=wo_ids, sla_state__in=rank).update(sla_state=state)
            from weibao.workorders.events import publish

            publish(e.pk for e in events)
            total += len(claimed)


# (`::text` on a parameter used twice: with server-side binding PostgreSQL deduces one type per parameter.)
# PostgreSQL: one statement per batch claims the due clocks (skipping rows another worker holds), stamps them, appends
# the events (a crossing already on the timeline is skipped by the unique dedupe key) and raises the orders' SLA state.
PG_SWEEP = """
WITH due AS (
    SELECT id FROM workorders_clock
    WHERE stopped_at IS NULL AND paused_at IS NULL AND {due}
    ORDER BY {key}, id LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
), stamped AS (
    UPDATE workorders_clock c SET {stamps}
    FROM due WHERE c.id = due.id
    RETURNING c.workorder_id, c.kind, c.cycle, c.deadline
), ev AS (
    INSERT INTO workorders_workorderevent
        (workorder_id, kind, actor_id, old_status, new_status, body, data, internal, source_ref, dedupe_key, created_at)
    SELECT workorder_id, %(kind)s::text, %(actor)s, '', '', '',
           jsonb_build_object('clock', kind, 'deadline', deadline, 'cycle', cycle), false, '',
           %(kind)s::text || ':' || kind || ':' || cycle, %(now)s
    FROM stamped
    ON CONFLICT (workorder_id, dedupe_key) WHERE NOT (dedupe_key = '') DO NOTHING
    RETURNING id, workorder_id, data ->> 'clock' AS clock_kind
), raised AS (
    UPDATE workorders_workorder w SET sla_state = %(state)s
    FROM ev WHERE w.id = ev.workorder_id AND w.sla_state = ANY(%(ranks)s)
)
SELECT NULL::bigint, NULL::bigint, NULL::text, NULL::bigint, NULL::bigint, (SELECT count(*) FROM stamped)
UNION ALL
SELECT ev.id, ev.workorder_id, ev.clock_kind, w.assignee_id, w.branch_id, NULL
FROM ev JOIN workorders_workorder w ON w.id = ev.workorder_id
"""
PG_ALERTS = """
INSERT INTO workorders_alert (recipient_id, workorder_id, event_id, level, clock_kind, created_at)
SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::timestamptz[])
ON CONFLICT DO NOTHING
"""


def _sweep_level_pg(*, level: str, now: datetime.datetime, batch: int, actor_id: int, managers) -> int:
    from weibao.workorders.events import publish

    if level == AlertLevel.WARNING:
        sql = PG_SWEEP.format(
            due="warned_at IS NULL AND warn_at <= %(now)s AND deadline > %(now)s",
            key="warn_at",
            stamps="warned_at = %(now)s",
        )
        kind, state, ranks = EventKind.SLA_WARNING, SlaState.WARNING, [SlaState.OK]
    else:
        sql = PG_SWEEP.format(
            due="breached_at IS NULL AND deadline <= %(now)s",
            key="deadline",
            stamps="breached_at = %(now)s, warned_at = COALESCE(c.warned_at, %(now)s)",
        )
        kind, state, ranks = EventKind.SLA_BREACH, SlaState.BREACHED, [SlaState.OK, SlaState.WARNING]
    params = {
        "batch": batch,
        "now": now,
        "kind": str(kind),
        "actor": actor_id,
        "state": str(state),
        "ranks": [str(r) for r in ranks],
    }
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            result = cursor.fetchall()
            claimed = next((r[5] for r in result if r[0] is None), 0)  # the first row carries the claimed count
            rows = [r for r in result if r[0] is not None]
            recipients, orders, events, kinds = [], [], [], []
            for event_id, wo_id, clock_kind, assignee_id, branch_id, _n in rows:
                people = {assignee_id} if assignee_id else set()
                if level == AlertLevel.BREACH or not people:
                    people.update(managers.get(branch_id) or managers["head"])
                for person in people:
                    recipients.append(person)
                    orders.append(wo_id)
                    events.append(event_id)
                    kinds.append(clock_kind)
            if recipients:
                n = len(recipients)
                cursor.execute(PG_ALERTS, [recipients, orders, events, [str(level)] * n, kinds, [now] * n])
            publish(row[0] for row in rows)
        total += len(rows)
        if not claimed:
            # Nothing claimable is left (or only rows other workers hold right now; they stamp them themselves).
            return total


def sla_sweep(*, now: datetime.datetime | None = None, batch: int = 2000) -> dict[str, int]:
    """Raise SLA warnings and breaches that have come due. Safe to run twice or in parallel: each crossing is
    claimed by a conditional update under a row lock (and the event's dedupe key is unique per order)."""
    from weibao.workorders.services import system_user

    now = now or timezone.now()
    actor_id = system_user().pk
    managers = _managers_by_branch()
    _sweep_level = _sweep_level_pg if connection.vendor == "postgresql" else _sweep_level_orm
    warnings = _sweep_level(level=AlertLevel.WARNING, now=now, batch=batch, actor_id=actor_id, managers=managers)
    breaches = _sweep_level(level=AlertLevel.BREACH, now=now, batch=batch, actor_id=actor_id, managers=managers)
    if warnings or breaches:
        logger.info("SLA sweep: %s warnings, %s breaches", warnings, breaches)
    return {"warnings": warnings, "breaches": breaches}
