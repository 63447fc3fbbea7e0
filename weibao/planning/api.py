"""REST API of emergency plans and training (mounted at /api/planning/). Every id goes through the scoped
querysets: another organisation's plan, order, session or contract is a 404; bad input a 422 naming the field;
approvals take `expected_version` (409 when stale)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Status

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field
from weibao.assets.models import Project, Subsystem, Vendor
from weibao.contracts.models import Contract
from weibao.contracts.selectors import contract_get_for_user
from weibao.core.apischema import Id, api_errors
from weibao.customers.models import Contact
from weibao.planning import selectors, services
from weibao.planning.schemas import (
    ApproveIn,
    AttendanceOut,
    DrillIn,
    DrillOut,
    EmergencyPlanCreateIn,
    EmergencyPlanIn,
    EmergencyPlanOut,
    OrderPlanOut,
    SessionIn,
    SessionOut,
    SignInIn,
    TrainingAttendanceIn,
    TrainingPlanIn,
    TrainingPlanOut,
    TrainingSummaryOut,
)
from weibao.workorders.selectors import workorder_get_for_user

router = Router(tags=["emergency plans and training"])


@router.get("/emergency-plans", response=list[EmergencyPlanOut])
def emergency_plans(request, customer_id: Id | None = None):
    return list(
        selectors.emergency_plan_list(user=request.auth, customer_id=customer_id).prefetch_related("contacts", "steps")[
            :200
        ]
    )


@router.post("/emergency-plans", response={201: EmergencyPlanOut})
def emergency_plan_create(request, payload: EmergencyPlanCreateIn):
    """The first draft of a system's plan."""
    require(request.auth, "planning.edit")
    data = payload.dict()
    subsystem = get_for_field(
        Subsystem.objects.select_related("project__customer"),
        request.auth,
        data.pop("subsystem_id"),
        field="subsystem_id",
        message=_("Unknown system."),
    )
    plan = services.emergency_plan_create(actor=request.auth, subsystem=subsystem, **data)
    return Status(201, selectors.emergency_plan_get_for_user(user=request.auth, pk=plan.pk))


@router.get("/emergency-plans/{int:plan_id}", response=EmergencyPlanOut)
def emergency_plan(request, plan_id: int):
    return selectors.emergency_plan_get_for_user(user=request.auth, pk=plan_id)


@router.post("/emergency-plans/{int:plan_id}/revisions", response={201: EmergencyPlanOut})
@api_errors(409)
def emergency_plan_revise(request, plan_id: int, payload: EmergencyPlanIn):
    plan = selectors.emergency_plan_get_for_user(user=request.auth, pk=plan_id)
    new = services.emergency_plan_revise(plan=plan, actor=request.auth, **payload.dict())
    return Status(201, selectors.emergency_plan_get_for_user(user=request.auth, pk=new.pk))


@router.post("/emergency-plans/{int:plan_id}/approve", response=EmergencyPlanOut)
@api_errors(409)
def emergency_plan_approve(request, plan_id: int, payload: ApproveIn):
    plan = selectors.emergency_plan_get_for_user(user=request.auth, pk=plan_id)
    services.emergency_plan_approve(plan=plan, actor=request.auth, expected_version=payload.expected_version)
    return selectors.emergency_plan_get_for_user(user=request.auth, pk=plan.pk)


@router.get("/emergency-plans/{int:plan_id}/drills", response=list[DrillOut])
def drills(request, plan_id: int):
    return list(selectors.drills(selectors.emergency_plan_get_for_user(user=request.auth, pk=plan_id)))


@router.post("/emergency-plans/{int:plan_id}/drills", response={201: DrillOut})
def drill_create(request, plan_id: int, payload: DrillIn):
    plan = selectors.emergency_plan_get_for_user(user=request.auth, pk=plan_id)
    return Status(201, services.drill_record(plan=plan, actor=request.auth, **payload.dict()))


@router.get("/work-orders/{int:workorder_id}/emergency-plan", response=OrderPlanOut)
def order_plan(request, workorder_id: int):
    """The emergency plan an A-class order runs (null when none) and the steps done on it."""
    wo = workorder_get_for_user(user=request.auth, pk=workorder_id)
    require(request.auth, "planning.tick")
    plan = selectors.plan_for_order(wo)
    if plan is not None:
        plan = selectors.emergency_plan_get_for_user(user=request.auth, pk=plan.pk)
    return {"plan": plan, "done_step_ids": sorted(selectors.ticked_step_ids(wo))}


@router.post("/work-orders/{int:workorder_id}/emergency-plan/steps/{int:step_id}/done", response=OrderPlanOut)
@api_errors(409)
def order_step_done(request, workorder_id: int, step_id: int):
    """Tick a step: one timeline event on the order (a second call changes nothing)."""
    wo = workorder_get_for_user(user=request.auth, pk=workorder_id, for_write=True)
    require(request.auth, "planning.tick")
    plan = selectors.plan_for_order(wo)
    step = plan.steps.filter(pk=step_id).first() if plan else None
    if step is None:
        raise ValidationError({"step_id": [_("This step is not part of the order's emergency plan.")]})
    services.step_tick(workorder=wo, step=step, actor=request.auth)
    return order_plan(request, workorder_id)


@router.get("/training-plans", response=list[TrainingPlanOut])
def training_plans(request, contract_id: Id | None = None):
    return list(selectors.training_plan_list(user=request.auth, contract_id=contract_id).order_by("-starts_on")[:200])


@router.post("/training-plans", response={201: TrainingPlanOut})
def training_plan_create(request, payload: TrainingPlanIn):
    require(request.auth, "training.edit")
    data = payload.dict()
    contract = get_for_field(
        Contract.objects.select_related("customer"),
        request.auth,
        data.pop("contract_id"),
        field="contract_id",
        message=_("Unknown contract."),
    )
    project_id, vendor_id = data.pop("project_id"), data.pop("vendor_id")
    data["project"] = (
        None
        if project_id is None
        else get_for_field(
            Project.objects.all(), request.auth, project_id, field="project_id", message=_("Unknown project.")
        )
    )
    data["vendor"] = None if vendor_id is None else Vendor.objects.filter(pk=vendor_id).first()
    plan = services.training_plan_create(actor=request.auth, customer=contract.customer, contract=contract, **data)
    return Status(201, plan)


@router.get("/training-plans/{int:plan_id}", response=TrainingPlanOut)
def training_plan(request, plan_id: int):
    return selectors.training_plan_get_for_user(user=request.auth, pk=plan_id)


@router.get("/training-plans/{int:plan_id}/sessions", response=list[SessionOut])
def sessions(request, plan_id: int):
    return list(selectors.training_plan_get_for_user(user=request.auth, pk=plan_id).sessions.order_by("held_on"))


@router.post("/training-plans/{int:plan_id}/sessions", response={201: SessionOut})
def session_create(request, plan_id: int, payload: SessionIn):
    plan = selectors.training_plan_get_for_user(user=request.auth, pk=plan_id)
    return Status(201, services.session_create(plan=plan, actor=request.auth, **payload.dict()))


@router.get("/sessions/{int:session_id}/attendance", response=list[AttendanceOut])
def attendance(request, session_id: int):
    return list(selectors.session_get_for_user(user=request.auth, pk=session_id).attendances.all())


@router.post("/sessions/{int:session_id}/attendance", response={201: AttendanceOut})
def attendance_create(request, session_id: int, payload: TrainingAttendanceIn):
    """The trainer records a trainee; a person of another customer is a 422 on `contact_id`."""
    session = selectors.session_get_for_user(user=request.auth, pk=session_id)
    require(request.auth, "training.edit")
    contact = Contact.objects.filter(pk=payload.contact_id, customer_id=session.plan.customer_id).first()
    if contact is None:
        raise ValidationError({"contact_id": [_("This person is not one of the customer's contacts.")]})
    row = services.attendance_record(
        session=session, actor=request.auth, contact=contact, feedback_score=payload.feedback_score
    )
    return Status(201, row)


@router.post("/sessions/{int:session_id}/sign-in", response={201: AttendanceOut})
def sign_in(request, session_id: int, payload: SignInIn):
    """A trainee (a customer user) signs in on their phone, optionally with a score."""
    session = selectors.session_get_for_user(user=request.auth, pk=session_id)
    return Status(
        201, services.attendance_sign_in(session=session, actor=request.auth, feedback_score=payload.feedback_score)
    )


@router.get("/contracts/{int:contract_id}/training-days", response=TrainingSummaryOut)
def training_days(request, contract_id: int):
    """The contract's training days and how many are used."""
    contract = contract_get_for_user(user=request.auth, pk=contract_id)  # scoped first: 404, never 403
    require(request.auth, "planning.view")
    return {
        "contract_id": contract.pk,
        "training_days": contract.training_days,
        "used": selectors.training_days_used(contract),
    }
