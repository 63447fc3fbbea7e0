"""Reads of preventive inspections, every one starting from the scoped querysets (customers see their own
organisation's plans and visits; vendors none)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.inspections.choices import DONE_STATUSES, Risk, VisitStatus
from weibao.inspections.models import ChecklistTemplate, InspectionAnswer, InspectionPlan, InspectionVisit


def plan_qs_for(user) -> QuerySet[InspectionPlan]:
    return scope_queryset(InspectionPlan.objects.all(), user)


def visit_qs_for(user) -> QuerySet[InspectionVisit]:
    return scope_queryset(InspectionVisit.objects.all(), user)


def plan_list(*, user, contract_id: int | None = None) -> QuerySet[InspectionPlan]:
    require(user, "inspections.view")
    qs = plan_qs_for(user).select_related("contract", "site", "template", "engineer", "subsystem")
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    return qs.annotate(
        done_count=Count("visits", filter=Q(visits__status__in=DONE_STATUSES)),
        missed_count=Count("visits", filter=Q(visits__status=VisitStatus.MISSED)),
        open_count=Count("visits", filter=Q(visits__status=VisitStatus.PLANNED)),
    ).order_by("contract__code", "name")


def plan_get_for_user(*, user, pk: int) -> InspectionPlan:
    # The scoped fetch first: another organisation's row (or a vendor's look) is a 404, never a 403 that confirms it.
    plan = get_for_user(
        plan_qs_for(user).select_related("contract__customer", "site", "template", "engineer"), user, pk=pk
    )
    require(user, "inspections.view")
    return plan


def visit_list(
    *,
    user,
    status: str = "",
    plan_id: int | None = None,
    mine: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[InspectionVisit]:
    require(user, "inspections.view")
    qs = visit_qs_for(user).select_related("plan__site", "contract", "assignee")
    if status:
        qs = qs.filter(status=status)
    if plan_id:
        qs = qs.filter(plan_id=plan_id)
    if mine:
        qs = qs.filter(assignee=user)
    if start:
        qs = qs.filter(scheduled_on__gte=start)
    if end:
        qs = qs.filter(scheduled_on__lte=end)
    return qs.order_by("scheduled_on", "pk")


def visit_get_for_user(*, user, pk: int) -> InspectionVisit:
    qs = visit_qs_for(user).select_related(
        "plan__site__customer", "plan__template", "plan__subsystem", "contract", "assignee"
    )
    visit = get_for_user(qs, user, pk=pk)  # scoped first: 404 for another organisation or a vendor
    require(user, "inspections.view")
    return visit


def answer_get_for_user(*, user, visit: InspectionVisit, pk: int) -> InspectionAnswer:
    return get_for_user(InspectionAnswer.objects.filter(visit=visit), user, pk=pk)


def templates_active() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.filter(active=True).prefetch_related("items").order_by("subsystem_kind", "name")


def findings(visit: InspectionVisit) -> list[InspectionAnswer]:
    """The answers with a risk or out of limits: the report's findings section."""
    return [a for a in visit.answers.all() if a.out_of_limit or a.risk != Risk.NONE or a.finding]


@dataclass(frozen=True)
class PlannedVsDone:
    planned: int
    done: int
    missed: int

    @property
    def rate(self) -> float | None:
        return None if not self.planned else self.done / self.planned


def planned_vs_done(contract, start: dt.date, end: dt.date) -> PlannedVsDone:
    """For the SLA report: visits of `contract` scheduled in [start, end] (cancelled ones not counted), how many
    were done (completed or signed) and how many missed."""
    return planned_vs_done_many([contract.pk], start, end).get(contract.pk, PlannedVsDone(planned=0, done=0, missed=0))


def planned_vs_done_many(contract_ids: list[int], start: dt.date, end: dt.date) -> dict[int, PlannedVsDone]:
    """`planned_vs_done` of many contracts in one grouped query (the monthly SLA reports of every contract are
    built 500 at a time: one query per batch, not one per contract). Contracts without visits are left out."""
    rows = (
        InspectionVisit.objects.filter(contract_id__in=contract_ids, scheduled_on__gte=start, scheduled_on__lte=end)
        .exclude(status=VisitStatus.CANCELLED)
        .values("contract_id")
        .order_by()
        .annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(status__in=DONE_STATUSES)),
            missed=Count("pk", filter=Q(status=VisitStatus.MISSED)),
        )
    )
    return {r["contract_id"]: PlannedVsDone(planned=r["planned"], done=r["done"], missed=r["missed"]) for r in rows}


def overdue_for_manager(*, user, limit: int = 50) -> QuerySet[InspectionVisit]:
    """Missed visits not yet done, newest first: the manager's list."""
    return visit_list(user=user, status=VisitStatus.MISSED).order_by("-scheduled_on")[:limit]


def today() -> dt.date:
    return timezone.localdate()
