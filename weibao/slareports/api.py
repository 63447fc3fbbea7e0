"""REST API of the SLA reports (mounted at /api/sla-reports/): a contract's report for a period and the orders
behind any of its numbers, the regular reports (list, review, send), the per-contract schedule, the fault analysis
and similar past faults. Every read starts from a scoped selector: another customer's contract or report is 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router

from weibao.accounts.permissions import require
from weibao.core.apischema import api_errors
from weibao.slareports import selectors, services, snapshots
from weibao.slareports.schemas import (
    AnalysisQuery,
    DrillQuery,
    OrderOut,
    PeriodicReportDetailOut,
    PeriodicReportOut,
    ReportOut,
    ReportQuery,
    ReportVersionIn,
    ReviewIn,
    ScheduleIn,
    ScheduleOut,
    SimilarOut,
)
from weibao.workorders.selectors import workorder_get_for_user

router = Router(tags=["SLA reports"])


@router.get("/report", response=ReportOut)
@api_errors(404)
def report(request, q: Query[ReportQuery]):
    """The SLA report of one contract for [start, end] (both days included). An inverted range is a 422."""
    _contract, data = selectors.sla_report(user=request.auth, contract_id=q.contract, start=q.start, end=q.end)
    return data


@router.get("/report/orders", response=list[OrderOut])
@api_errors(404)
def report_orders(request, q: Query[DrillQuery]):
    """Exactly the orders behind one number of the report (a key of the report's `drill`)."""
    _contract, data = selectors.sla_report(user=request.auth, contract_id=q.contract, start=q.start, end=q.end)
    orders, _total = selectors.drill_orders(user=request.auth, data=data, key=q.key)
    return orders


@router.get("/regular", response=list[PeriodicReportOut])
def regular_list(request, contract: int | None = None, status: str = ""):
    return list(selectors.periodic_report_list(user=request.auth, contract_id=contract, status=status[:10])[:200])


@router.get("/regular/{int:report_id}", response=PeriodicReportDetailOut)
def regular_get(request, report_id: int):
    return selectors.periodic_report_get(user=request.auth, pk=report_id)


@router.post("/regular/{int:report_id}/review", response=PeriodicReportOut)
@api_errors(409)
def regular_review(request, report_id: int, payload: ReviewIn):
    report = selectors.periodic_report_get(user=request.auth, pk=report_id)
    return services.report_review(
        report=report, actor=request.auth, expected_version=payload.expected_version, note=payload.note
    )


@router.post("/regular/{int:report_id}/send", response=PeriodicReportOut)
@api_errors(409)
def regular_send(request, report_id: int, payload: ReportVersionIn):
    report = selectors.periodic_report_get(user=request.auth, pk=report_id)
    return services.report_send(report=report, actor=request.auth, expected_version=payload.expected_version)


@router.put("/contracts/{int:contract_id}/schedule", response=ScheduleOut)
@api_errors(409)
def schedule_put(request, contract_id: int, payload: ScheduleIn):
    contract = selectors.contract_for_report(user=request.auth, pk=contract_id)
    return services.schedule_set(
        contract=contract,
        actor=request.auth,
        frequency=payload.frequency,
        major_down_hours=payload.major_down_hours,
        extra_recipients=payload.extra_recipients,
        expected_version=payload.expected_version,
    )


@router.get("/analysis")
def analysis(request, q: Query[AnalysisQuery]) -> dict:
    """Recurring faults per device, model, vendor, subsystem, site and cause; top repeaters (staff only).

    The numbers are the stored ones the analysis page shows: `as_of` is when they were computed and `pending` says
    a recomputation is queued (`refresh=true` asks for one). Before the first computation `total` is null; ask
    again a few seconds later."""
    result, snapshot = snapshots.fault_analysis_read(
        user=request.auth,
        start=q.start,
        end=q.end,
        customer_id=q.customer,
        contract_id=q.contract,
        refresh=q.refresh,
    )
    if snapshot is None:  # computed for this reader just now
        return {**result, "as_of": timezone.now(), "pending": False}
    return {**(result or {"total": None, "groups": []}), "as_of": snapshot.computed_at, "pending": snapshot.refreshing}


def _similar_out(matches: list[dict]) -> list[dict]:
    return [
        {
            "id": m["workorder"].pk,
            "number": m["workorder"].number,
            "score": m["score"],
            "title": m["workorder"].title,
            "symptom": m["workorder"].symptom,
            "resolution": m["workorder"].resolution,
            "reported_at": m["workorder"].reported_at,
        }
        for m in matches
    ]


@router.get("/similar", response=list[SimilarOut])
def similar(request, text: str):
    """Finished orders whose title and symptom read like `text` (at intake), best first."""
    if len(text) > 500:
        raise ValidationError({"text": "At most 500 characters."})
    require(request.auth, "slareports.similar")
    return _similar_out(selectors.similar_faults(user=request.auth, text=text))


@router.get("/similar/{int:workorder_id}", response=list[SimilarOut])
def similar_for_order(request, workorder_id: int):
    """Finished orders like this one (the order itself left out)."""
    wo = workorder_get_for_user(user=request.auth, pk=workorder_id)
    return _similar_out(selectors.similar_faults(user=request.auth, text=f"{wo.title} {wo.symptom}", exclude=wo))
