"""Reads of emergency plans and training, every one from the scoped querysets (a customer sees its own
organisation's; vendors none)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Avg, Count, QuerySet, Sum

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.planning.choices import PlanStatus
from weibao.planning.models import Drill, EmergencyPlan, StepTick, TrainingPlan, TrainingSession


def emergency_plan_list(*, user, customer_id: int | None = None) -> QuerySet[EmergencyPlan]:
    require(user, "planning.view")
    qs = scope_queryset(EmergencyPlan.objects.all(), user).select_related("customer", "subsystem__project")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.exclude(status=PlanStatus.SUPERSEDED).order_by("customer__name", "subsystem__name", "-revision")


def emergency_plan_get_for_user(*, user, pk: int) -> EmergencyPlan:
    qs = EmergencyPlan.objects.select_related("customer", "subsystem__project", "approved_by", "created_by")
    plan = get_for_user(qs.prefetch_related("contacts", "steps"), user, pk=pk)  # scoped first: 404, never 403
    require(user, "planning.view")
    return plan


def revisions(plan: EmergencyPlan) -> QuerySet[EmergencyPlan]:
    return EmergencyPlan.objects.filter(subsystem_id=plan.subsystem_id).order_by("-revision")


def drills(plan: EmergencyPlan) -> QuerySet[Drill]:
    return Drill.objects.filter(plan__subsystem_id=plan.subsystem_id).select_related("plan", "recorded_by")


def plan_for_order(workorder) -> EmergencyPlan | None:
    """The approved plan an A-class order runs: of the system (subsystem) of its devices, else of its project's
    only planned system. None for other classes or without a plan."""
    if workorder.severity != "A":
        return None
    subsystem_ids = [s for s in workorder.devices.values_list("subsystem_id", flat=True) if s]
    approved = EmergencyPlan.objects.filter(status=PlanStatus.APPROVED, customer_id=workorder.customer_id)
    if subsystem_ids:
        plan = approved.filter(subsystem_id__in=subsystem_ids).order_by("subsystem_id").first()
        if plan is not None:
            return plan
    if workorder.project_id:
        plans = list(approved.filter(subsystem__project_id=workorder.project_id)[:2])
        if len(plans) == 1:
            return plans[0]
    return None


def ticked_step_ids(workorder) -> set[int]:
    return set(StepTick.objects.filter(workorder=workorder).values_list("step_id", flat=True))


def training_plan_list(*, user, contract_id: int | None = None) -> QuerySet[TrainingPlan]:
    require(user, "planning.view")
    qs = scope_queryset(TrainingPlan.objects.all(), user).select_related("customer", "contract")
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    return qs.annotate(session_count=Count("sessions", distinct=True), days_used=Sum("sessions__days"))


def training_plan_get_for_user(*, user, pk: int) -> TrainingPlan:
    plan = get_for_user(TrainingPlan.objects.select_related("customer", "contract", "project", "vendor"), user, pk=pk)
    require(user, "planning.view")
    return plan


def session_get_for_user(*, user, pk: int) -> TrainingSession:
    session = get_for_user(TrainingSession.objects.select_related("plan__customer", "plan__contract"), user, pk=pk)
    require(user, "planning.view")
    return session


def training_days_used(contract) -> Decimal:
    """Training days of the contract's sessions so far (planned sessions count: they are booked)."""
    total = TrainingSession.objects.filter(plan__contract=contract).aggregate(days=Sum("days"))["days"]
    return total or Decimal("0")


def feedback_average(plan: TrainingPlan) -> Decimal | None:
    value = TrainingSession.objects.filter(plan=plan).aggregate(avg=Avg("attendances__feedback_score"))["avg"]
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))
