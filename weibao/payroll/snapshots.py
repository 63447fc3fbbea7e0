"""A month's engineer KPIs as a report snapshot (`core.snapshots`), read by the KPI board (`payroll.kpi`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weibao.core.snapshots import snapshot_kind
from weibao.payroll import kpi


def _max_age(params: dict) -> dt.timedelta:
    current = f"{timezone.localdate():%Y-%m}"
    return kpi.CURRENT_MONTH_MAX_AGE if params["month"] >= current else kpi.PAST_MONTH_MAX_AGE


def _warm() -> list[dict]:
    """The board opens on this month with the five before it (its trend)."""
    return [{"month": f"{m:%Y-%m}"} for m in kpi.board_months(timezone.localdate())]


@snapshot_kind(kpi.KPI_MONTH, max_age=_max_age, warm=_warm)
def kpi_month(params: dict) -> dict:
    return kpi.kpis_to_json(kpi.month_kpis(dt.date.fromisoformat(f"{params['month']}-01")))
