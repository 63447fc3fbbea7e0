"""KPI dashboard (issue 13 §5): per engineer and per branch, for each month: services counted, first-time-fix
rate, SLA compliance, satisfaction (service forms and callbacks), complaints, callbacks and travel cost per
service. Read-only over the same facts as the month end (`sources`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from weibao.accounts.models import Branch, User
from weibao.core.snapshots import snapshot_read_many
from weibao.onsite.choices import FormStatus
from weibao.onsite.models import ServiceForm
from weibao.payroll import rules as R
from weibao.payroll import sources
from weibao.payroll.choices import ClaimStatus
from weibao.payroll.models import TravelClaim
from weibao.workorders.choices import SlaState
from weibao.workorders.models import WorkOrder


@dataclass
class Kpi:
    services: int = 0
    first_time_fixes: int = 0
    sla_met: int = 0
    satisfaction_sum: int = 0
    satisfaction_n: int = 0
    complaints: int = 0
    callbacks: int = 0
    callback_sat_sum: int = 0
    callback_sat_n: int = 0
    travel: Decimal = Decimal("0.00")
    orders: set = field(default_factory=set)

    def add(self, other: Kpi) -> None:
        for name in (
            "services",
            "first_time_fixes",
            "sla_met",
            "satisfaction_sum",
            "satisfaction_n",
            "complaints",
            "callbacks",
            "callback_sat_sum",
            "callback_sat_n",
            "travel",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def ftf_rate(self) -> float | None:
        return self._pct(self.first_time_fixes, self.services)

    @property
    def sla_rate(self) -> float | None:
        return self._pct(self.sla_met, self.services)

    @property
    def satisfaction(self) -> float | None:
        return round(self.satisfaction_sum / self.satisfaction_n, 2) if self.satisfaction_n else None

    @property
    def callback_satisfaction(self) -> float | None:
        return round(self.callback_sat_sum / self.callback_sat_n, 2) if self.callback_sat_n else None

    @property
    def travel_per_service(self) -> Decimal | None:
        return R.money(self.travel / self.services) if self.services else None


def month_kpis(month: dt.date) -> dict[int, Kpi]:
    """Per engineer, the KPIs of the visits whose form was first signed in `month` (counted services only)."""
    month = month.replace(day=1)
    since = sources.local_midnight(month)
    until = sources.local_midnight(R.next_month(month))
    now = timezone.now()
    last_day = R.month_end(month)
    facts = [
        f
        for f in sources.service_facts(since=since, until=min(until, now), last_day=last_day)
        if f.complete and f.on <= last_day
    ]
    by_engineer: dict[int, Kpi] = defaultdict(Kpi)
    visits_per_order: dict[int, int] = defaultdict(int)
    for f in facts:
        visits_per_order[f.workorder_id] += 1
    orders = {
        pk: (reopens, sla)
        for pk, reopens, sla in WorkOrder.objects.filter(pk__in=list(visits_per_order)).values_list(
            "pk", "reopen_count", "sla_state"
        )
    }
    for f in facts:
        k = by_engineer[f.engineer_id]
        k.services += 1
        reopens, sla = orders.get(f.workorder_id, (0, SlaState.OK))
        k.first_time_fixes += int(reopens == 0 and visits_per_order[f.workorder_id] == 1)
        k.sla_met += int(sla != SlaState.BREACHED)
    ratings = ServiceForm.objects.filter(
        status=FormStatus.SIGNED,
        complete=True,
        signed_at__gte=since,
        signed_at__lt=until,
        satisfaction__isnull=False,
        workorder__assignee__isnull=False,
    ).values_list("workorder__assignee_id", "satisfaction")
    for eng, rating in ratings:
        by_engineer[eng].satisfaction_sum += rating
        by_engineer[eng].satisfaction_n += 1
    for c in sources.complaint_facts(since=since, until=until):
        by_engineer[c.engineer_id].complaints += 1
    for eng, sat in sources.callback_rows(since=since, until=until):
        k = by_engineer[eng]
        k.callbacks += 1
        if sat:
            k.callback_sat_sum += sat
            k.callback_sat_n += 1
    travel = TravelClaim.objects.filter(status=ClaimStatus.ACCEPTED, trip_at__gte=since, trip_at__lt=until)
    for eng, amount in travel.values_list("engineer_id", "amount"):
        by_engineer[eng].travel += amount
    return dict(by_engineer)


# The month's KPIs are a report snapshot (`payroll.snapshots`, core.snapshots): the board reads six stored months
# instead of every service form of each (0.2 s a month at a million orders), and a task recomputes a month once it is
# older than this (the current month) or an hour (a past one: late records only).
KPI_MONTH = "payroll.kpi_month"
CURRENT_MONTH_MAX_AGE = dt.timedelta(minutes=10)
PAST_MONTH_MAX_AGE = dt.timedelta(hours=1)
_FIELDS = tuple(f for f in Kpi.__dataclass_fields__ if f != "orders")


def kpis_to_json(kpis: dict[int, Kpi]) -> dict:
    return {
        str(pk): {name: str(getattr(k, name)) if name == "travel" else getattr(k, name) for name in _FIELDS}
        for pk, k in kpis.items()
    }


def kpis_from_json(data: dict) -> dict[int, Kpi]:
    return {
        int(pk): Kpi(**{name: Decimal(v) if name == "travel" else v for name, v in row.items() if name in _FIELDS})
        for pk, row in data.items()
    }


@dataclass
class Dashboard:
    month: dt.date
    engineers: list[tuple[User, Kpi]]
    branches: list[tuple[Branch | None, Kpi]]
    company: Kpi
    trend: dict
    computed_at: dt.datetime | None = None  # the oldest of the months' stored figures
    pending: bool = False  # a month is being (re)computed
    version: str = ""  # when each month's figures were computed: the key of the rendered board (with the branch)


def board_months(month: dt.date, months: int = 6) -> list[dt.date]:
    """The first days of the `months` months that end with `month`, oldest first (the board's trend)."""
    series = [month.replace(day=1)]
    for _i in range(months - 1):
        series.append((series[-1] - dt.timedelta(days=1)).replace(day=1))
    return series[::-1]


def dashboard(*, month: dt.date, months: int = 6, branch_id: int | None = None, refresh: bool = False) -> Dashboard:
    """The month's table per engineer and per branch, and the month-over-month trend of the last `months`, from
    the stored monthly figures (`refresh`: recompute them now)."""
    month = month.replace(day=1)
    series = board_months(month, months)
    read = snapshot_read_many(KPI_MONTH, [{"month": f"{m:%Y-%m}"} for m in series], refresh=refresh)
    snaps = dict(zip(series, read, strict=True))
    per_month = {m: kpis_from_json(snap.data) if snap.ready else {} for m, snap in snaps.items()}
    users = User.objects.in_bulk({pk for kpis in per_month.values() for pk in kpis})
    branch_of = {pk: u.branch_id for pk, u in users.items()}

    def mine(kpis: dict[int, Kpi]) -> dict[int, Kpi]:
        return {pk: k for pk, k in kpis.items() if not branch_id or branch_of.get(pk) == branch_id}

    current = mine(per_month[month])
    branches = Branch.objects.in_bulk([b for b in branch_of.values() if b])
    per_branch: dict[int | None, Kpi] = defaultdict(Kpi)
    company = Kpi()
    for pk, k in current.items():
        per_branch[branch_of.get(pk)].add(k)
        company.add(k)
    engineers = sorted(
        ((users[pk], k) for pk, k in current.items() if pk in users), key=lambda row: (-row[1].services, row[0].name)
    )
    trend: dict[str, list] = {
        "months": [],
        "services": [],
        "ftf": [],
        "sla": [],
        "satisfaction": [],
        "complaints": [],
        "travel_per_service": [],
    }
    for m in series:
        total = Kpi()
        for k in mine(per_month[m]).values():
            total.add(k)
        tps = total.travel_per_service
        trend["months"].append(f"{m:%Y-%m}")
        trend["services"].append(total.services)
        trend["ftf"].append(total.ftf_rate)
        trend["sla"].append(total.sla_rate)
        trend["satisfaction"].append(total.satisfaction)
        trend["complaints"].append(total.complaints)
        trend["travel_per_service"].append(str(tps) if tps is not None else None)  # exact, for the chart
    return Dashboard(
        month=month,
        engineers=engineers,
        branches=sorted(
            ((branches.get(b), k) for b, k in per_branch.items()), key=lambda row: row[0].name if row[0] else ""
        ),
        company=company,
        trend=trend,
        computed_at=min((s.computed_at for s in snaps.values() if s.computed_at), default=None),
        pending=any(s.refreshing for s in snaps.values()),
        version=",".join(f"{s.computed_at.timestamp() if s.computed_at else '-'}" for s in snaps.values()),
    )
