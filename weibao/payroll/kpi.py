"""KPI dashboard (issue 13 §5): per engineer and per branch, for each month: services counted, first-time-fix
rate, SLA compliance, satisfaction (service forms and callbacks), complaints, callbacks and travel cost per
service. Read-only over the same facts as the month end (`sources`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from weibao.accounts.models import Branch, User
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


PAST_MONTH_CACHE_SECONDS = 15 * 60


def _past_month_kpis(month: dt.date) -> dict[int, Kpi]:
    """A past month changes little (late records only): its KPIs are cached for a quarter of an hour, so the
    six-month trend reads the database for the current month only (6.4 s → about a second at 1M orders)."""
    return cache.get_or_set(f"payroll:kpi:{month:%Y-%m}", lambda: month_kpis(month), PAST_MONTH_CACHE_SECONDS)


@dataclass
class Dashboard:
    month: dt.date
    engineers: list[tuple[User, Kpi]]
    branches: list[tuple[Branch | None, Kpi]]
    company: Kpi
    trend: dict


def dashboard(*, month: dt.date, months: int = 6, branch_id: int | None = None) -> Dashboard:
    """The month's table per engineer and per branch, and the month-over-month trend of the last `months`."""
    month = month.replace(day=1)
    series = [month]
    for _i in range(months - 1):
        series.append((series[-1] - dt.timedelta(days=1)).replace(day=1))
    series.reverse()
    this_month = timezone.localdate().replace(day=1)
    per_month = {m: month_kpis(m) if m >= this_month else _past_month_kpis(m) for m in series}
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
    )
