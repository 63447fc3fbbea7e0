"""The fault analysis as a report snapshot (`core.snapshots`): a month of orders grouped six ways costs about a
second at a million orders, so the page reads the stored numbers and a task recomputes them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weibao.core.snapshots import snapshot_kind
from weibao.slareports import selectors
from weibao.workorders.models import WorkOrder

FAULT_ANALYSIS = "slareports.fault_analysis"


def fault_analysis_params(*, start: dt.date, end: dt.date, customer_id: int | None, contract_id: int | None) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat(), "customer": customer_id, "contract": contract_id}


def _max_age(params: dict) -> dt.timedelta:
    # A period that has ended changes only by late edits (a cause set at closing): hourly is fresh enough.
    ended = dt.date.fromisoformat(params["end"]) < timezone.localdate()
    return dt.timedelta(hours=1) if ended else dt.timedelta(minutes=10)


@snapshot_kind(FAULT_ANALYSIS, max_age=_max_age)
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
