"""REST API of preventive inspections (mounted at /api/inspections/): checklists, plans (PATCH with
`expected_version`), visits with their answers, the on-site steps (start, answers, complete, finding → work order,
sign), the report PDF and planned vs done per contract. Every id goes through the scoped querysets: another
organisation's plan or visit is a 404; bad input a 422 naming the field."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field
from weibao.assets.models import Subsystem
from weibao.contracts.models import Contract
from weibao.contracts.selectors import contract_get_for_user
from weibao.core.apischema import BoundedInt, Id, Offset, SaneDate, api_errors, patch_changes
from weibao.customers.models import Site
from weibao.inspections import pdf, selectors, services
from weibao.inspections.choices import VisitStatus
from weibao.inspections.models import ChecklistTemplate
from weibao.inspections.schemas import (
    AnswersIn,
    ChecklistIn,
    ChecklistOut,
    CompleteIn,
    InspectionPlanIn,
    PlannedVsDoneOut,
    PlanOut,
    PlanPatch,
    SignIn,
    VisitDetailOut,
    VisitOut,
    WorkOrderRef,
)

router = Router(tags=["inspections"])
MAX_LIMIT = 500


def _refs(user, data: dict, contract) -> dict:
    """Ids in the input → rows, each checked against what the user may see (unknown = another organisation's)."""
    values = {}
    if "site_id" in data:
        values["site"] = get_for_field(
            Site.objects.filter(customer_id=contract.customer_id),
            user,
            data.pop("site_id"),
            field="site_id",
            message=_("Unknown site."),
        )
    if "template_id" in data:
        template = ChecklistTemplate.objects.filter(pk=data.pop("template_id"), active=True).first()
        if template is None:
            raise ValidationError({"template_id": [_("Unknown checklist.")]})
        values["template"] = template
    if "subsystem_id" in data:
        pk = data.pop("subsystem_id")
        values["subsystem"] = (
            None
            if pk is None
            else get_for_field(
                Subsystem.objects.filter(project__customer_id=contract.customer_id),
                user,
                pk,
                field="subsystem_id",
                message=_("Unknown subsystem."),
            )
        )
    if "engineer_id" in data:
        pk = data.pop("engineer_id")
        values["engineer"] = None if pk is None else User.objects.filter(pk=pk, is_active=True).first()
        if pk is not None and (values["engineer"] is None or not values["engineer"].is_internal):
            raise ValidationError({"engineer_id": [_("Choose one of our engineers.")]})
    return {**data, **values}


@router.get("/checklists", response=list[ChecklistOut])
def checklists(request):
    require(request.auth, "inspections.plan")
    return list(selectors.templates_active())


@router.post("/checklists", response={201: ChecklistOut})
def checklist_create(request, payload: ChecklistIn):
    data = payload.dict()
    return Status(201, services.template_create(actor=request.auth, **data))


@router.get("/plans", response=list[PlanOut])
def plans(request, contract_id: Id | None = None, offset: Offset = 0, limit: BoundedInt = 100):
    limit = max(1, min(limit, MAX_LIMIT))
    return list(selectors.plan_list(user=request.auth, contract_id=contract_id)[offset : offset + limit])


@router.post("/plans", response={201: PlanOut})
def plan_create(request, payload: InspectionPlanIn):
    """A new plan; its visits for the coming year (never past the contract's end) are generated at once."""
    require(request.auth, "inspections.plan")
    data = payload.dict()
    contract = get_for_field(
        Contract.objects.all(),
        request.auth,
        data.pop("contract_id"),
        field="contract_id",
        message=_("Unknown contract."),
    )
    return Status(
        201, services.plan_create(actor=request.auth, contract=contract, **_refs(request.auth, data, contract))
    )


@router.get("/plans/{int:plan_id}", response=PlanOut)
def plan(request, plan_id: int):
    return selectors.plan_get_for_user(user=request.auth, pk=plan_id)


@router.patch("/plans/{int:plan_id}", response=PlanOut)
@api_errors(409)
def plan_update(request, plan_id: int, payload: PlanPatch):
    """Change a plan; a new schedule moves only the future visits nobody started."""
    found = selectors.plan_get_for_user(user=request.auth, pk=plan_id)
    require(request.auth, "inspections.plan")
    changes = patch_changes(
        payload,
        nullable=("subsystem_id", "engineer_id", "interval_days", "window_start", "window_end", "expected_version"),
    )
    expected = changes.pop("expected_version", None)
    values = _refs(request.auth, changes, found.contract)
    return services.plan_update(plan=found, actor=request.auth, expected_version=expected, **values)


@router.get("/visits", response=list[VisitOut])
def visits(
    request,
    status: str = "",
    plan_id: Id | None = None,
    start: SaneDate | None = None,
    end: SaneDate | None = None,
    mine: bool = False,
    offset: Offset = 0,
    limit: BoundedInt = 100,
):
    if status and status not in VisitStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    limit = max(1, min(limit, MAX_LIMIT))
    qs = selectors.visit_list(user=request.auth, status=status, plan_id=plan_id, mine=mine, start=start, end=end)
    return list(qs[offset : offset + limit])


def _visit(request, visit_id: int):
    return selectors.visit_get_for_user(user=request.auth, pk=visit_id)


def _detail(visit):
    visit.refresh_from_db()
    visit.answers_list = list(visit.answers.order_by("position", "id"))
    return {**{f: getattr(visit, f) for f in VisitOut.model_fields}, "answers": visit.answers_list}


@router.get("/visits/{int:visit_id}", response=VisitDetailOut)
def visit(request, visit_id: int):
    return _detail(_visit(request, visit_id))


@router.post("/visits/{int:visit_id}/start", response=VisitDetailOut)
@api_errors(409)
def visit_start(request, visit_id: int):
    return _detail(services.visit_start(visit=_visit(request, visit_id), actor=request.auth))


@router.post("/visits/{int:visit_id}/answers", response=VisitDetailOut)
@api_errors(409)
def visit_answers(request, visit_id: int, payload: AnswersIn):
    """Answers given on site; a reading outside the item's limits comes back with `out_of_limit`."""
    found = _visit(request, visit_id)
    answers = {a.id: {"value": a.value, "finding": a.finding, "risk": a.risk} for a in payload.answers}
    return _detail(services.visit_record_answers(visit=found, actor=request.auth, answers=answers))


@router.post("/visits/{int:visit_id}/complete", response=VisitDetailOut)
@api_errors(409)
def visit_complete(request, visit_id: int, payload: CompleteIn):
    return _detail(services.visit_complete(visit=_visit(request, visit_id), actor=request.auth, **payload.dict()))


@router.post("/visits/{int:visit_id}/answers/{int:answer_id}/work-order", response={201: WorkOrderRef})
def finding_workorder(request, visit_id: int, answer_id: int):
    """Turn a finding with a risk into a work order (a second call returns the same order)."""
    found = _visit(request, visit_id)
    answer = selectors.answer_get_for_user(user=request.auth, visit=found, pk=answer_id)
    wo = services.finding_to_workorder(answer=answer, actor=request.auth)
    return Status(201, {"workorder_id": wo.pk, "number": wo.number})


@router.post("/visits/{int:visit_id}/sign", response=VisitDetailOut)
@api_errors(409)
def visit_sign(request, visit_id: int, payload: SignIn):
    return _detail(services.visit_sign(visit=_visit(request, visit_id), actor=request.auth, **payload.dict()))


@router.get("/visits/{int:visit_id}/report.pdf", response={200: bytes})
@api_errors(409)
def visit_pdf(request, visit_id: int):
    found = _visit(request, visit_id)
    if found.status not in (VisitStatus.COMPLETED, VisitStatus.SIGNED):
        from weibao.core.exceptions import TransitionNotAllowed

        raise TransitionNotAllowed(
            current=found.status, requested="report", message=_("The report exists once the visit is completed.")
        )
    response = HttpResponse(pdf.render_report(found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename(found)}"'
    return response


@router.get("/contracts/{int:contract_id}/planned-vs-done", response=PlannedVsDoneOut)
def planned_vs_done(request, contract_id: int, start: SaneDate, end: SaneDate):
    """Inspection visits planned and done in a period (the SLA report's figure)."""
    contract = contract_get_for_user(user=request.auth, pk=contract_id)  # scoped first: 404, never 403
    require(request.auth, "inspections.view")
    if end < start or (end - start) > dt.timedelta(days=3660):
        raise ValidationError({"end": [_("Choose an end after the start (at most ten years).")]})
    counts = selectors.planned_vs_done(contract, start, end)
    return {
        "contract_id": contract.pk,
        "start": start,
        "end": end,
        "planned": counts.planned,
        "done": counts.done,
        "missed": counts.missed,
    }
