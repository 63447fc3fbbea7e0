"""The numbers of the SLA report (服务级别报告) of one contract and period, computed from the work orders and
their SLA clocks. The result is a plain JSON-able dict: the page, the Excel and PDF exports and the stored
regular report all read the same dict, so they cannot disagree.

Definitions (shown on the report, see docs/slareports.md):

- The orders of a report: the contract's work orders *reported* inside the period (local dates, both ends
  included), cancelled ones left out.
- A clock (response, on-site, solution plan, resolution) is *met* when it stopped at or before its deadline and was
  never breached; *missed* when it was breached, stopped late, or is still running past its deadline at `as_of`;
  *pending* while it still runs (or is paused) inside its deadline. Compliance = met ÷ (met + missed).
- Fix-on-time rate (故障修复及时率) = orders whose resolution clock is met ÷ orders whose resolution clock is met or
  missed. Orders without a resolution target (no SLA) do not count; pending ones are shown apart.
- Times: business time on the contract's calendar from the clock's start to its stop, pauses (waiting on the
  customer) taken out; mean and p90 (nearest rank: the ⌈0.9·n⌉-th smallest) over the stopped clocks.
- Paused time per reason (issue 17): business time each order's resolution clock stood paused, summed per pause
  reason (waiting for parts, the customer's access, a quote approval …); an open pause counts up to `as_of`.
- Orders per service kind (故障维修, 安装, 巡检 …) and maintenance type (改正性/适应性/完善性维护).
- Major faults (重大故障): severity A, or - when the contract's schedule sets N hours - down (reported → resolved,
  or → `as_of` while unresolved) longer than N hours.
- Satisfaction: per order the latest callback rating (回访) when the feedback app has one, else the rating on the
  latest signed service form; the average over the rated orders.
- Legacy items (遗留问题): the contract's orders whose resolution deadline fell before the period's end and that
  were not resolved by then (whenever they were reported).

Every number has a drill-down key in `data["drill"]` listing exactly the order ids behind it.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.contracts import clock as engine
from weibao.contracts.choices import ClockKind, Severity
from weibao.workorders.choices import MaintenanceType, ServiceKind, Status
from weibao.workorders.clocks import paused_by_reason
from weibao.workorders.models import Clock, WorkOrder

KINDS = [ClockKind.RESPONSE.value, ClockKind.ARRIVAL.value, ClockKind.PLAN.value, ClockKind.RESOLUTION.value]
SEVERITIES = [s.value for s in Severity]
OUTCOMES = ("met", "missed", "pending")
MAX_DAYS = 366 * 2  # a report spans at most two years: beyond that the page would only be slow


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the site's time zone, as aware datetimes."""
    if start is None or end is None:
        raise ValidationError({"start": _("Give the first and the last day of the period.")})
    if end < start:
        raise ValidationError({"end": _("The end of the period lies before its start.")})
    if (end - start).days > MAX_DAYS:
        raise ValidationError({"end": _("A report covers at most two years.")})
    tz = timezone.get_default_timezone()
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    upper = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lower, upper


def rate(met: int, missed: int) -> str | None:
    """Percentage with one decimal as a string ("97.5"), None when nothing was decided."""
    if met + missed == 0:
        return None
    value = Decimal(met * 100) / Decimal(met + missed)
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def p90(values: list[int]) -> int | None:
    """Nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def mean(values: list[int]) -> int | None:
    if not values:
        return None
    return int((Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def clock_outcome(clock: Clock, as_of: datetime.datetime) -> str:
    """met / missed / pending, as defined above."""
    if clock.breached_at is not None:
        return "missed"
    if clock.stopped_at is not None:
        return "met" if clock.stopped_at <= clock.deadline else "missed"
    if clock.paused_at is None and clock.deadline < as_of:
        return "missed"
    return "pending"


def satisfaction_by_order(order_ids: list[int]) -> dict[int, int]:
    """The rating of each rated order: the latest callback's (feedback app) else the latest signed form's."""
    ratings: dict[int, int] = {}
    if not order_ids:
        return ratings
    if apps.is_installed("weibao.onsite"):
        from weibao.onsite.choices import FormStatus
        from weibao.onsite.models import ServiceForm

        rows = (
            ServiceForm.objects.filter(workorder_id__in=order_ids, status=FormStatus.SIGNED, satisfaction__isnull=False)
            .order_by("workorder_id", "revision")
            .values_list("workorder_id", "satisfaction")
        )
        ratings.update(dict(rows))  # ordered by revision: the latest revision's rating wins
    ratings.update(callback_ratings(order_ids))
    return ratings


def callback_ratings(order_ids: list[int]) -> dict[int, int]:
    """Ratings given on finished callbacks (回访) of the feedback app (the latest per order); {} without the app."""
    if not apps.is_installed("weibao.feedback"):
        return {}
    try:
        from weibao.feedback.models import Callback
    except ImportError:  # pragma: no cover - the app's models are not there yet
        return {}
    rows = (
        Callback.objects.filter(order_id__in=order_ids, status="done", satisfaction__isnull=False)
        .order_by("order_id", "id")
        .values_list("order_id", "satisfaction")
    )
    return dict(rows)


def planned_vs_done_inspections(*, contract, start: datetime.date, end: datetime.date) -> dict | None:
    """Planned, done and missed inspection visits (巡检) of the contract in the period, from the inspections app;
    None while that app is not installed or the contract has no visits in the period (the row is then left out)."""
    return inspections_by_contract([contract.pk], start, end).get(contract.pk)


def inspections_by_contract(contract_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """`planned_vs_done_inspections` of many contracts in one query; contracts without visits are left out."""
    if not apps.is_installed("weibao.inspections"):
        return {}
    from weibao.inspections.selectors import planned_vs_done_many

    return {
        pk: {"planned": c.planned, "done": c.done, "missed": c.missed}
        for pk, c in planned_vs_done_many(contract_ids, start, end).items()
        if c.planned
    }


def missed_milestones(contract_ids: list[int], lower, upper) -> dict[int, list[int]]:
    """Agreed plan milestones (C-class schedules, issue 22) missed in the period: contract id → the orders behind
    them. Empty while the plans app is not installed."""
    out: dict[int, list[int]] = defaultdict(list)
    if not apps.is_installed("weibao.plans"):
        return out
    from weibao.plans.models import Milestone

    for workorder_id, contract_id in (
        Milestone.objects.filter(
            active=True, missed_at__gte=lower, missed_at__lt=upper, workorder__contract_id__in=contract_ids
        )
        .order_by("workorder_id")
        .values_list("workorder_id", "workorder__contract_id")
    ):
        out[contract_id].append(workorder_id)
    return out


UNSET = object()


def build_report(
    *,
    contract,
    start: datetime.date,
    end: datetime.date,
    as_of: datetime.datetime | None = None,
    major_down_hours=UNSET,
) -> dict:
    """The SLA report of `contract` for [start, end]. Raises ValidationError for a bad period.
    `major_down_hours`: the contract's rule (read from its schedule unless the caller already has it)."""
    if major_down_hours is UNSET:
        schedule = contract.report_schedule if _has_schedule(contract) else None
        major_down_hours = schedule.major_down_hours if schedule else None
    return build_reports(
        contracts=[contract], start=start, end=end, as_of=as_of, major_rules={contract.pk: major_down_hours}
    )[contract.pk]


def build_reports(
    *,
    contracts: list,
    start: datetime.date,
    end: datetime.date,
    as_of: datetime.datetime | None = None,
    major_rules: dict[int, int | None] | None = None,
) -> dict[int, dict]:
    """The reports of many contracts for one period with six queries in all (the monthly job builds a batch of
    contracts at once; one report is a batch of one). `major_rules`: contract id → N hours (or None)."""
    lower, upper = period_bounds(start, end)
    as_of = as_of or timezone.now()
    major_rules = major_rules or {}
    by_pk = {c.pk: c for c in contracts}
    period_q = Q(contract_id__in=list(by_pk), reported_at__gte=lower, reported_at__lt=upper) & ~Q(
        status=Status.CANCELLED
    )
    orders: dict[int, list[tuple]] = defaultdict(list)
    contract_of: dict[int, int] = {}
    for row in (
        WorkOrder.objects.filter(period_q)
        .order_by("id")
        .values_list("id", "contract_id", "severity", "reported_at", "resolved_at", "service_kind", "maintenance_type")
    ):
        orders[row[1]].append(row)
        contract_of[row[0]] = row[1]
    clocks: dict[int, list[Clock]] = defaultdict(list)
    if contract_of:
        for clock in Clock.objects.filter(workorder__in=WorkOrder.objects.filter(period_q).values("pk")).order_by(
            "workorder_id", "id"
        ):
            clocks[contract_of[clock.workorder_id]].append(clock)
    ratings = satisfaction_by_order(list(contract_of))
    legacy: dict[int, list[int]] = defaultdict(list)
    for workorder_id, contract_id in (
        Clock.objects.filter(
            kind=ClockKind.RESOLUTION,
            workorder__contract_id__in=list(by_pk),
            workorder__reported_at__lt=upper,
            deadline__lt=upper,
        )
        .exclude(workorder__status=Status.CANCELLED)
        .filter(Q(stopped_at__isnull=True) | Q(stopped_at__gt=upper))
        .order_by("workorder_id")
        .values_list("workorder_id", "workorder__contract_id")
    ):
        legacy[contract_id].append(workorder_id)
    milestones = missed_milestones(list(by_pk), lower, upper)
    inspections = inspections_by_contract(list(by_pk), start, end)
    return {
        pk: _report(
            contract=contract,
            start=start,
            end=end,
            as_of=as_of,
            orders=orders[pk],
            clocks=clocks[pk],
            ratings=ratings,
            legacy=legacy[pk],
            milestones=milestones[pk],
            major_down_hours=major_rules.get(pk),
            inspections=inspections.get(pk),
        )
        for pk, contract in by_pk.items()
    }


def _report(
    *, contract, start, end, as_of, orders, clocks, ratings, legacy, milestones, major_down_hours, inspections
) -> dict:
    """One contract's report from its rows (see `build_reports`)."""
    cal = contract.calendar.working_calendar()
    drill: dict[str, list[int]] = defaultdict(list)
    ids = [o[0] for o in orders]
    severity_of = {o[0]: o[2] for o in orders}
    drill["orders"] = list(ids)
    for oid, _contract, sev, *_rest in orders:
        drill[f"severity.{sev}"].append(oid)
    # Issue 17: orders per service kind and maintenance type.
    for oid, *_rest, kind, mtype in orders:
        drill[f"kind.{kind}"].append(oid)
        drill[f"mtype.{mtype}"].append(oid)

    # Compliance per clock kind and severity, and the business times of stopped clocks.
    times: dict[str, list[int]] = defaultdict(list)
    # Paused time per reason (issue 17), counted on each order's resolution clock (it spans the whole order; the
    # other clocks' pauses are the same stretches).
    paused: dict[str, int] = defaultdict(int)
    for clock in clocks:
        if clock.kind != ClockKind.RESOLUTION or clock.workorder_id not in severity_of:
            continue
        if clock.pauses or clock.paused_at is not None:
            for reason, spent in paused_by_reason(clock, cal, now=as_of).items():
                if spent:
                    paused[reason] += int(spent.total_seconds() // 60)
                    drill[f"paused.{reason or 'none'}"].append(clock.workorder_id)
    for clock in clocks:
        sev = severity_of.get(clock.workorder_id)
        if sev is None:
            continue
        outcome = clock_outcome(clock, as_of)
        drill[f"{clock.kind}.{sev}.{outcome}"].append(clock.workorder_id)
        drill[f"{clock.kind}.all.{outcome}"].append(clock.workorder_id)
        if clock.stopped_at is not None:
            spent = engine.elapsed(cal, clock.started_at, clock.stopped_at, clock.pause_intervals())
            times[clock.kind].append(int(spent.total_seconds() // 60))
            drill[f"{clock.kind}.timed"].append(clock.workorder_id)

    compliance = []
    for kind in KINDS:
        rows = []
        for sev in [*SEVERITIES, "all"]:
            counts = {o: len(drill.get(f"{kind}.{sev}.{o}", [])) for o in OUTCOMES}
            rows.append({"severity": sev, **counts, "rate": rate(counts["met"], counts["missed"])})
        compliance.append({"kind": kind, "rows": rows})
    fix = next(r for r in compliance[-1]["rows"] if r["severity"] == "all")

    # Major faults.
    limit = datetime.timedelta(hours=major_down_hours) if major_down_hours is not None else None
    for oid, _contract, sev, reported_at, resolved_at, *_kinds in orders:
        long_down = limit is not None and (resolved_at or as_of) - reported_at > limit
        if sev == Severity.A or long_down:
            drill["major"].append(oid)

    # Satisfaction.
    distribution = [0, 0, 0, 0, 0]
    rated = []
    for oid in ids:
        if oid in ratings:
            drill["satisfaction.rated"].append(oid)
            drill[f"satisfaction.{ratings[oid]}"].append(oid)
            distribution[ratings[oid] - 1] += 1
            rated.append(ratings[oid])
    average = (
        str((Decimal(sum(rated)) / Decimal(len(rated))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        if rated
        else None
    )
    drill["legacy"] = list(legacy)
    drill["milestones_missed"] = list(milestones)

    return {
        "contract": {
            "id": contract.pk,
            "code": contract.code,
            "name": contract.name,
            "customer": str(contract.customer),
        },
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": as_of.isoformat(),
        "orders_total": len(ids),
        "by_severity": [{"severity": s, "count": len(drill.get(f"severity.{s}", []))} for s in SEVERITIES],
        "by_service_kind": [
            {"kind": k, "count": len(drill[f"kind.{k}"])} for k in ServiceKind.values if drill.get(f"kind.{k}")
        ],
        "by_maintenance_type": [
            {"type": t, "count": len(drill[f"mtype.{t}"])} for t in MaintenanceType.values if drill.get(f"mtype.{t}")
        ],
        "paused_by_reason": [
            {"reason": r, "minutes": m, "orders": len(set(drill[f"paused.{r or 'none'}"]))}
            for r, m in sorted(paused.items(), key=lambda kv: -kv[1])
        ],
        "compliance": compliance,
        "fix_on_time": {k: fix[k] for k in ("met", "missed", "pending", "rate")},
        "times": [
            {"kind": k, "count": len(times[k]), "mean_minutes": mean(times[k]), "p90_minutes": p90(times[k])}
            for k in KINDS
        ],
        "major": {"count": len(drill["major"]), "rule_hours": major_down_hours},
        "satisfaction": {"count": len(rated), "average": average, "distribution": distribution},
        "legacy": {"count": len(drill["legacy"])},
        "milestones_missed": {"count": len(milestones)},
        "inspections": inspections,
        "drill": {k: sorted(set(v)) for k, v in drill.items() if v},
    }


def _has_schedule(contract) -> bool:
    from weibao.slareports.models import ReportSchedule

    try:
        contract.report_schedule  # noqa: B018 - the reverse one-to-one raises when missing
    except ReportSchedule.DoesNotExist:
        return False
    return True
