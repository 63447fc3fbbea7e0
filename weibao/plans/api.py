"""REST API of the plans app (mounted at /api/plans/): solution plans and their answers, the agreed schedule, the
D-class change-request backlog, the legacy queue with its reviews and the processing reports.

Every URL starts from a scoped row (another organisation's order, plan, request or report: 404; a vendor sees
none of them); writes take `expected_version` (409 when the row changed since); bad input 422 with field errors.
Internal notes reach customers empty (the declared rule in `workorders.visibility`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field
from weibao.core.apischema import Id, Offset
from weibao.plans import selectors, services
from weibao.plans.schemas import (
    ChangeRequestIn,
    ChangeRequestMoveIn,
    ChangeRequestOut,
    ChangeRequestUpdateIn,
    LegacyReviewIn,
    LegacyReviewOut,
    LegacyRowOut,
    PlanAnswerIn,
    PlanLinkIn,
    PlanLinkOut,
    PlanMilestoneDoneIn,
    PlanMilestoneOut,
    PlanVersionIn,
    ProcessingReportIn,
    ProcessingReportOut,
    SolutionPlanIn,
    SolutionPlanOut,
    SolutionPlanUpdateIn,
)

router = Router(tags=["plans"])
PAGE = 100


def _milestones(rows) -> list[dict]:
    return [row.dict() for row in rows]


# --- solution plans -------------------------------------------------------------------------------------------------


@router.get("/work-orders/{int:workorder_id}/plans", response=list[SolutionPlanOut])
def plans(request, workorder_id: int):
    """The order's plan versions, newest first (customers: submitted and answered ones)."""
    wo = selectors.order_for_user(user=request.auth, pk=workorder_id)
    return selectors.plan_list(workorder=wo, user=request.auth)


@router.post("/work-orders/{int:workorder_id}/plans", response={201: SolutionPlanOut})
def plan_create(request, workorder_id: int, payload: SolutionPlanIn):
    """A new draft version (drafting does not stop the plan clock). `expected_version`: the order's version."""
    wo = selectors.order_for_user(user=request.auth, pk=workorder_id, for_write=True)
    data = payload.dict(exclude={"milestones", "expected_version"})
    plan = services.plan_create(
        workorder=wo,
        actor=request.auth,
        milestones=_milestones(payload.milestones),
        expected_version=payload.expected_version,
        **data,
    )
    return Status(201, selectors.plan_get_for_user(user=request.auth, pk=plan.pk))


@router.get("/{int:plan_id}", response=SolutionPlanOut)
def plan_detail(request, plan_id: int):
    return selectors.plan_get_for_user(user=request.auth, pk=plan_id)


@router.put("/{int:plan_id}", response=SolutionPlanOut)
def plan_update(request, plan_id: int, payload: SolutionPlanUpdateIn):
    """Change a draft. `expected_version`: the plan's version."""
    plan = selectors.plan_for_write(user=request.auth, pk=plan_id)
    data = payload.dict(exclude={"milestones", "expected_version"})
    milestones = None if payload.milestones is None else _milestones(payload.milestones)
    services.plan_update(
        plan=plan, actor=request.auth, milestones=milestones, expected_version=payload.expected_version, **data
    )
    return selectors.plan_get_for_user(user=request.auth, pk=plan_id)


@router.post("/{int:plan_id}/submit", response=SolutionPlanOut)
def plan_submit(request, plan_id: int, payload: PlanVersionIn):
    """Submit the draft to the customer: the plan clock stops."""
    plan = selectors.plan_for_write(user=request.auth, pk=plan_id)
    services.plan_submit(plan=plan, actor=request.auth, expected_version=payload.expected_version)
    return selectors.plan_get_for_user(user=request.auth, pk=plan_id)


@router.post("/{int:plan_id}/answer", response=SolutionPlanOut)
def plan_answer(request, plan_id: int, payload: PlanAnswerIn):
    """The customer approves, asks for changes or rejects (a reason is required for the last two; the plan clock
    runs on). A manager records an answer given by phone with the person's name."""
    plan = selectors.plan_for_write(user=request.auth, pk=plan_id)
    services.plan_answer(
        plan=plan,
        actor=request.auth,
        decision=payload.decision,
        reason=payload.reason,
        name=payload.name,
        expected_version=payload.expected_version,
    )
    return selectors.plan_get_for_user(user=request.auth, pk=plan_id)


@router.post("/{int:plan_id}/link", response={201: PlanLinkOut})
def plan_link(request, plan_id: int, payload: PlanLinkIn):
    """A signed one-time link for the customer to answer without logging in (e-mailed when the channel is email)."""
    plan = selectors.plan_for_write(user=request.auth, pk=plan_id)
    link, token = services.plan_link_create(
        plan=plan, actor=request.auth, sent_to=payload.sent_to, channel=payload.channel
    )
    return Status(201, {"url": services.link_url(token), "expires_at": link.expires_at})


@router.post("/milestones/{int:milestone_id}/done", response=PlanMilestoneOut)
def milestone_done(request, milestone_id: int, payload: PlanMilestoneDoneIn):
    """A milestone of the agreed schedule was reached. `expected_version`: the order's version."""
    milestone = selectors.milestone_for_write(user=request.auth, pk=milestone_id)
    selectors.order_for_user(user=request.auth, pk=milestone.workorder_id, for_write=True)
    return services.milestone_done(
        milestone=milestone, actor=request.auth, note=payload.note, expected_version=payload.expected_version
    )


@router.get("/missed-milestones", response=list[PlanMilestoneOut])
def missed_milestones(request, offset: Offset = 0):
    """Agreed milestones that were missed, newest first (customers: their own)."""
    rows = selectors.milestones_missed(user=request.auth)[offset : offset + PAGE]
    return [m for m in (selectors.redact(m, request.auth) for m in rows) if m is not None]


# --- change requests (修改计划) ---------------------------------------------------------------------------------------


def _change_out(change, user):
    return selectors.redact(change, user)


@router.get("/change-requests", response=list[ChangeRequestOut])
def change_requests(
    request, contract: Id | None = None, status: str = "", overdue: bool = False, q: str = "", offset: Offset = 0
):
    """The D-class backlog (a customer: its own contracts'); `overdue`: agreed dates passed, not delivered."""
    rows = selectors.change_requests(user=request.auth, contract_id=contract, status=status, overdue=overdue, q=q)
    return [_change_out(c, request.auth) for c in rows[offset : offset + PAGE]]


@router.post("/change-requests", response={201: ChangeRequestOut})
def change_request_create(request, payload: ChangeRequestIn):
    """Propose a change request for a contract (staff, or the customer for its own contracts)."""
    from weibao.contracts.models import Contract
    from weibao.workorders.selectors import workorder_qs_for

    require(request.auth, "plans.changes_propose")
    contract = get_for_field(
        Contract.objects.select_related("customer"),
        request.auth,
        payload.contract_id,
        field="contract_id",
        message=_("Unknown contract."),
    )
    data = payload.dict(exclude={"contract_id", "workorder_id"}, exclude_unset=True)
    if payload.workorder_id is not None:
        data["workorder"] = get_for_field(
            workorder_qs_for(request.auth),
            request.auth,
            payload.workorder_id,
            field="workorder_id",
            message=_("Unknown work order."),
        )
    change = services.change_request_create(contract=contract, actor=request.auth, **data)
    return Status(201, _change_out(change, request.auth))


@router.get("/change-requests/{int:change_id}", response=ChangeRequestOut)
def change_request_detail(request, change_id: int):
    return _change_out(selectors.change_request_get_for_user(user=request.auth, pk=change_id), request.auth)


@router.put("/change-requests/{int:change_id}", response=ChangeRequestOut)
def change_request_update(request, change_id: int, payload: ChangeRequestUpdateIn):
    """Negotiate: plan, estimate, quote where chargeable, agreed date (staff)."""
    change = selectors.change_request_get_for_user(user=request.auth, pk=change_id)
    data = payload.dict(exclude={"expected_version"}, exclude_unset=True)
    change = services.change_request_update(
        change=change, actor=request.auth, expected_version=payload.expected_version, **data
    )
    return _change_out(change, request.auth)


@router.post("/change-requests/{int:change_id}/move", response=ChangeRequestOut)
def change_request_move(request, change_id: int, payload: ChangeRequestMoveIn):
    """Move along proposed → agreed → in progress → delivered → accepted (the customer), or not pursued."""
    change = selectors.change_request_get_for_user(user=request.auth, pk=change_id)
    change = services.change_request_move(
        change=change, actor=request.auth, to=payload.to, name=payload.name, expected_version=payload.expected_version
    )
    return _change_out(change, request.auth)


# --- legacy follow-up (遗留问题跟进) ---------------------------------------------------------------------------------


@router.get("/legacy-queue", response=list[LegacyRowOut])
def legacy_queue(request, offset: Offset = 0):
    """Open orders past their resolution deadline, longest overdue first, with the next review day (overdue when
    passed)."""
    from weibao.workorders.selectors import legacy_review_overdue

    rows = list(selectors.legacy_queue(user=request.auth)[offset : offset + PAGE])
    for row in rows:
        row.review_overdue = legacy_review_overdue(row)
    return rows


@router.get("/work-orders/{int:workorder_id}/reviews", response=list[LegacyReviewOut])
def reviews(request, workorder_id: int):
    """The order's legacy reviews (customers: the processing report only)."""
    wo = selectors.order_for_user(user=request.auth, pk=workorder_id)
    return selectors.reviews_for(workorder=wo, user=request.auth)


@router.post("/work-orders/{int:workorder_id}/reviews", response={201: LegacyReviewOut})
def review_add(request, workorder_id: int, payload: LegacyReviewIn):
    """Review a legacy order; its next review day reminds the reviewer and the manager that working day."""
    wo = selectors.order_for_user(user=request.auth, pk=workorder_id, for_write=True)
    review = services.review_add(workorder=wo, actor=request.auth, **payload.dict())
    return Status(201, review)


@router.get("/work-orders/{int:workorder_id}/reports", response=list[ProcessingReportOut])
def reports(request, workorder_id: int):
    wo = selectors.order_for_user(user=request.auth, pk=workorder_id)
    return list(selectors.reports_for(workorder=wo, user=request.auth))


@router.post("/work-orders/{int:workorder_id}/reports", response={201: ProcessingReportOut})
def report_create(request, workorder_id: int, payload: ProcessingReportIn):
    """A processing report (处理报告) for the customer: on the timeline, as a PDF (CJK), e-mailed to the customer."""
    from weibao.workorders.models import LegacyReview

    wo = selectors.order_for_user(user=request.auth, pk=workorder_id, for_write=True)
    review = None
    if payload.review_id is not None:
        review = LegacyReview.objects.filter(pk=payload.review_id, workorder=wo).first()
        if review is None:
            raise ValidationError({"review_id": _("Unknown review.")})
    report = services.report_create(
        workorder=wo,
        actor=request.auth,
        body=payload.body,
        review=review,
        send_to=payload.send_to,
        expected_version=payload.expected_version,
    )
    report.refresh_from_db()
    return Status(201, report)


@router.get("/reports/{int:report_id}/pdf", response={200: bytes})
def report_pdf(request, report_id: int):
    """The report's PDF as sent (made now if the background job has not yet run)."""
    from weibao.plans import pdf

    report = selectors.report_get_for_user(user=request.auth, pk=report_id)
    data = report.file.read() if report.file else pdf.render_report(pdf.report_context(report))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.workorder.number}-report-{report.revision}.pdf"'
    return response
