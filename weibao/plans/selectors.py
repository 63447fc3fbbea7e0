"""Reads of the plans app. Every one starts from the organisation scoping (another organisation's rows do not exist
for the caller: Http404) and shows outside audiences only what `workorders.visibility` allows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.plans.choices import CHANGE_COMMITTED, PlanStatus
from weibao.plans.models import ChangeRequest, Milestone, ProcessingReport, SolutionPlan
from weibao.workorders import visibility
from weibao.workorders.choices import OPEN_STATUSES, action_perm
from weibao.workorders.models import LegacyReview, Reopen, WorkOrder
from weibao.workorders.selectors import legacy_queue, legacy_reviews_for, workorder_get_for_user  # noqa: F401


def order_for_user(*, user, pk: int, for_write: bool = False) -> WorkOrder:
    """The order (404 outside the user's organisation; a vendor sees only orders escalated to it)."""
    require(user, "plans.view")
    return workorder_get_for_user(user=user, pk=pk, for_write=for_write)


def _plans_qs(user) -> QuerySet[SolutionPlan]:
    qs = scope_queryset(SolutionPlan.objects.all(), user)
    if not user.is_internal:
        qs = qs.exclude(status=PlanStatus.DRAFT)  # a draft is ours until submitted
    milestones = Prefetch("milestones", queryset=Milestone.objects.order_by("position", "id"))
    return qs.select_related("workorder", "answered_by", "submitted_by").prefetch_related(milestones)


def redact(obj, user):
    """A plan, milestone, change request or review as `user` may see it (the one declared rule)."""
    return visibility.redact_record(obj, visibility.audience_of(user))


def plan_list(*, workorder: WorkOrder, user) -> list[SolutionPlan]:
    """The order's plan versions the user may see, newest first (customers: not drafts; internal notes emptied)."""
    require(user, "plans.view")
    plans = list(_plans_qs(user).filter(workorder=workorder).order_by("-revision"))
    return [p for p in (redact(p, user) for p in plans) if p is not None]


def plan_get_for_user(*, user, pk: int) -> SolutionPlan:
    """One plan version (404 outside the user's scope, a draft for a customer, anything for a vendor)."""
    require(user, "plans.view")
    plan = get_for_user(_plans_qs(user), user, pk=pk)
    workorder_get_for_user(user=user, pk=plan.workorder_id)  # the order must be in scope too
    return redact(plan, user)


def plan_for_write(*, user, pk: int) -> SolutionPlan:
    """The real row (never a redacted copy) for a service call; scoped like `plan_get_for_user`."""
    require(user, "plans.view")
    return get_for_user(_plans_qs(user), user, pk=pk)


def milestone_for_write(*, user, pk: int) -> Milestone:
    require(user, "plans.view")
    return get_for_user(Milestone.objects.select_related("workorder", "plan"), user, pk=pk)


@dataclass
class PlanPanel:
    """What the order page shows of its plans."""

    current: SolutionPlan | None  # the newest version the user may see
    approved: SolutionPlan | None  # the agreed plan whose schedule is on the order
    versions: list[SolutionPlan]
    milestones: list[Milestone]  # the agreed schedule (active milestones)
    needs_new_plan: bool  # reopened after the last plan: the engineer is prompted to make a new one
    reopen: Reopen | None
    can_edit: bool = False
    can_answer: bool = False
    can_report: bool = False
    extra: dict = field(default_factory=dict)


def plan_panel(*, workorder: WorkOrder, user) -> PlanPanel:
    versions = plan_list(workorder=workorder, user=user)
    current = versions[0] if versions else None
    approved = next((p for p in versions if p.status == PlanStatus.APPROVED), None)
    milestones = [
        m
        for m in (
            redact(m, user)
            for m in Milestone.objects.filter(workorder=workorder, active=True).order_by("due_on", "position", "id")
        )
        if m is not None
    ]
    reopen = Reopen.objects.filter(workorder=workorder).order_by("-reopened_at", "-id").first()
    latest = SolutionPlan.objects.filter(workorder=workorder).order_by("-revision").first()
    needs = (
        user.is_internal
        and reopen is not None
        and workorder.status in OPEN_STATUSES
        and (latest is None or latest.created_at < reopen.reopened_at)
    )
    return PlanPanel(
        current=current,
        approved=approved,
        versions=versions,
        milestones=milestones,
        needs_new_plan=bool(needs),
        reopen=reopen if needs else None,
        can_edit=has_perm(user, "plans.edit") and user.is_internal,
        can_answer=has_perm(user, "plans.answer") and bool(current and current.awaits_answer),
        can_report=has_perm(user, "plans.report"),
    )


def plans_to_redo(*, user) -> QuerySet[WorkOrder]:
    """Open orders reopened after their last plan (procedure 4.4: "责任工程师应重新制定解决方案"); an engineer sees
    their own, managers all."""
    from django.db.models import Exists, OuterRef, Subquery

    last_plan = SolutionPlan.objects.filter(workorder=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    last_reopen = Reopen.objects.filter(workorder=OuterRef("pk")).order_by("-reopened_at").values("reopened_at")[:1]
    qs = (
        scope_queryset(WorkOrder.objects.all(), user)
        .filter(status__in=sorted(OPEN_STATUSES))
        .filter(Exists(Reopen.objects.filter(workorder=OuterRef("pk"))))
        .annotate(last_plan_at=Subquery(last_plan), last_reopen_at=Subquery(last_reopen))
    )
    if not has_perm(user, action_perm("dispatch")):  # dispatchers see every order, engineers their own
        qs = qs.filter(assignee=user)
    from django.db.models import F, Q

    return qs.filter(Q(last_plan_at__isnull=True) | Q(last_plan_at__lt=F("last_reopen_at"))).order_by("-pk")


def plans_awaiting_answer(*, user) -> QuerySet[SolutionPlan]:
    """Submitted plans the customer has not answered yet, the oldest first."""
    require(user, "plans.view")
    return (
        scope_queryset(SolutionPlan.objects.filter(status=PlanStatus.SUBMITTED), user)
        .select_related("workorder")
        .order_by("submitted_at", "pk")
    )


def milestones_missed(*, user) -> QuerySet[Milestone]:
    """Agreed milestones that were missed (for the SLA overview), newest first."""
    require(user, "plans.view")
    return (
        scope_queryset(Milestone.objects.filter(active=True, missed_at__isnull=False), user)
        .select_related("workorder")
        .order_by("-missed_at")
    )


# --- change requests ------------------------------------------------------------------------------------------------


def change_requests(
    *, user, contract_id: int | None = None, status: str = "", overdue: bool = False, q: str = ""
) -> QuerySet[ChangeRequest]:
    """The D-class backlog the user may see (a customer: its own contracts'), newest first."""
    require(user, "plans.changes")
    qs = scope_queryset(ChangeRequest.objects.select_related("contract", "workorder"), user)
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=CHANGE_COMMITTED, agreed_on__lt=timezone.localdate())
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return qs.order_by("-pk")


def change_request_get_for_user(*, user, pk: int) -> ChangeRequest:
    require(user, "plans.changes")
    return get_for_user(ChangeRequest.objects.select_related("contract", "workorder"), user, pk=pk)


def contracts_for_changes(*, user):
    from weibao.contracts.models import Contract

    return scope_queryset(Contract.objects.select_related("customer"), user).order_by("-pk")[:200]


# --- legacy follow-up -----------------------------------------------------------------------------------------------


def reviews_for(*, workorder: WorkOrder, user) -> list[LegacyReview]:
    """The order's legacy reviews as the user may see them (customers: the processing report only)."""
    return [r for r in (redact(r, user) for r in legacy_reviews_for(workorder=workorder, user=user)) if r is not None]


def review_get_for_user(*, user, pk: int) -> LegacyReview:
    return get_for_user(LegacyReview.objects.select_related("workorder"), user, pk=pk)


def reports_for(*, workorder: WorkOrder, user) -> QuerySet[ProcessingReport]:
    require(user, "plans.view")
    return scope_queryset(ProcessingReport.objects.filter(workorder=workorder), user).order_by("-revision")


def report_get_for_user(*, user, pk: int) -> ProcessingReport:
    require(user, "plans.view")
    report = get_for_user(ProcessingReport.objects.select_related("workorder"), user, pk=pk)
    workorder_get_for_user(user=user, pk=report.workorder_id)
    return report
