"""The fault analysis as a report snapshot (`core.snapshots`): a month of orders grouped six ways costs about a
second at a million orders, so the page reads the stored numbers and a task recomputes them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weibao.accounts.permissions import require
from weibao.core.snapshots import Snapshot, snapshot_kind, snapshot_read
from weibao.slareports import metrics, selectors
from weibao.workorders.models import WorkOrder

FAULT_ANALYSIS = "slareports.fault_analysis"


def fault_analysis_params(*, start: dt.date, end: dt.date, customer_id: int | None, contract_id: int | None) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat(), "customer": customer_id, "contract": contract_id}


def _max_age(params: dict) -> dt.timedelta:
    # A period that has ended changes only by late edits (a cause set at closing): hourly is fresh enough.
    ended = dt.date.fromisoformat(params["end"]) < timezone.localdate()
    return dt.timedelta(hours=1) if ended else dt.timedelta(minutes=10)


def _warm() -> list[dict]:
    """The analysis page opens on last month, all customers."""
    from weibao.slareports.forms import previous_month

    start, end = previous_month()
    return [fault_analysis_params(start=start, end=end, customer_id=None, contract_id=None)]


@snapshot_kind(FAULT_ANALYSIS, max_age=_max_age, warm=_warm)
def fault_analysis(params: dict) -> dict:
    """Staff-wide numbers (staff see every order; the page serves the snapshot to staff only)."""
    qs = selectors.fault_orders_in(
        WorkOrder.objects.all(),
        start=dt.date.fromisoformat(params["start"]),
        end=dt.date.fromisoformat(params["end"]),
        customer_id=params["customer"],
        contract_id=params["contract"],
    )
    return selectors.fault_groups(qs)


def fault_analysis_read(
    *,
    user,
    start: dt.date,
    end: dt.date,
    customer_id: int | None = None,
    contract_id: int | None = None,
    refresh: bool = False,
) -> tuple[dict | None, Snapshot | None]:
    """The fault analysis as `user` may read it, labelled in the active language, for the page and the API.

    Staff see every order, so they share the stored numbers (None while the first computation is queued; `refresh`
    queues a recomputation). Anyone else with the permission gets their own scope's numbers computed at once (their
    scope is small), with no snapshot. A bad period is a ValidationError."""
    require(user, "slareports.analysis")
    metrics.period_bounds(start, end)  # validates the period before anything is stored or queued
    if not user.is_internal:
        result = selectors.fault_analysis(
            user=user, start=start, end=end, customer_id=customer_id, contract_id=contract_id
        )
        return result, None
    params = fault_analysis_params(start=start, end=end, customer_id=customer_id, contract_id=contract_id)
    snapshot = snapshot_read(FAULT_ANALYSIS, params, refresh=refresh)
    return (selectors.fault_labels(snapshot.data) if snapshot.ready else None), snapshot
