"""Reads of the month end, scoped (STYLE §5): customers and vendors see none of it (404), an engineer sees his own
statement and claims only, managers and the service administrator see every statement and the team table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from weibao.accounts.models import Branch
from weibao.accounts.permissions import has_perm
from weibao.payroll.choices import ApprovalStatus
from weibao.payroll.models import PayMonth, PayRule, Statement, StatementLine, TravelApproval, TravelClaim
from weibao.payroll.rules import money
from weibao.workorders.models import WorkOrder

TOTAL_FIELDS = (
    "services",
    "not_counted",
    "complaints",
    "allowance",
    "visit_fees",
    "bonus",
    "fines",
    "travel",
    "adjustments",
    "total",
    "base_salary",
)
MONEY_FIELDS = {"allowance", "visit_fees", "bonus", "fines", "travel", "adjustments", "total", "base_salary"}


def _staff_or_404(user) -> None:
    # Pay is our own company's business: for a customer or vendor the pages do not exist.
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        raise Http404


def can_view_all(user) -> bool:
    return user.is_internal and has_perm(user, "payroll.view")


def paymonth_list(*, user) -> QuerySet[PayMonth]:
    _staff_or_404(user)
    if not can_view_all(user):
        raise Http404
    return PayMonth.objects.select_related("prepared_by", "reviewed_by", "approved_by").order_by("-month")


def paymonth_get_for_user(*, user, month: dt.date) -> PayMonth:
    pm = paymonth_list(user=user).filter(month=month.replace(day=1)).first()
    if pm is None:
        raise Http404
    return pm


def statement_list(*, user, pay_month: PayMonth, branch_id: int | None = None) -> QuerySet[Statement]:
    _staff_or_404(user)
    qs = Statement.objects.filter(pay_month=pay_month).select_related("engineer", "branch")
    if not can_view_all(user):
        qs = qs.filter(engineer=user)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return qs.order_by("branch__name", "engineer__name", "engineer_id")


def statement_get_for_user(*, user, pk: int) -> Statement:
    """One statement: any for managers and the service administrator, his own for an engineer, else 404."""
    _staff_or_404(user)
    qs = Statement.objects.select_related(
        "engineer", "branch", "pay_month", "pay_month__prepared_by", "pay_month__reviewed_by", "pay_month__approved_by"
    )
    if not can_view_all(user):
        if not has_perm(user, "payroll.own"):
            raise Http404
        qs = qs.filter(engineer=user)
    statement = qs.filter(pk=pk).first()
    if statement is None:
        raise Http404
    return statement


def own_statements(*, user) -> QuerySet[Statement]:
    _staff_or_404(user)
    return Statement.objects.filter(engineer=user).select_related("pay_month").order_by("-pay_month__month")


def statement_lines(*, statement: Statement) -> list[StatementLine]:
    return list(statement.lines.select_related("rule").order_by("from_month", "kind", "on", "id"))


@dataclass
class TeamRow:
    branch: Branch | None
    engineers: int = 0
    totals: dict[str, Decimal | int] = field(default_factory=dict)


def team_table(*, pay_month: PayMonth) -> tuple[list[TeamRow], dict]:
    """The team table per branch (sums of the engineers' statements) and the month's grand total."""
    sums = {f: Sum(f) for f in TOTAL_FIELDS}
    rows = (
        Statement.objects.filter(pay_month=pay_month)
        .values("branch_id")
        .annotate(engineers=Count("id"), **sums)
        .order_by("branch_id")
    )
    branches = Branch.objects.in_bulk([r["branch_id"] for r in rows if r["branch_id"]])
    out = []
    grand: dict = defaultdict(int)
    for r in rows:
        # SQLite sums decimals as floats: back to cents (PostgreSQL's numeric sums are exact already).
        totals = {f: money(r[f] or 0) if f in MONEY_FIELDS else (r[f] or 0) for f in TOTAL_FIELDS}
        out.append(TeamRow(branch=branches.get(r["branch_id"]), engineers=r["engineers"], totals=totals))
        grand["engineers"] += r["engineers"]
        for f in TOTAL_FIELDS:
            grand[f] += totals[f]
    return out, dict(grand)


def pay_rules(*, user) -> QuerySet[PayRule]:
    _staff_or_404(user)
    return PayRule.objects.select_related("created_by").order_by("-valid_from")


# --- travel ------------------------------------------------------------------------------------------------------


def claim_list(*, user) -> QuerySet[TravelClaim]:
    """An engineer's own claims; managers see everybody's."""
    _staff_or_404(user)
    qs = TravelClaim.objects.select_related("workorder", "engineer", "approval").order_by("-trip_at", "-id")
    return qs if can_view_all(user) else qs.filter(engineer=user)


def claim_get_for_user(*, user, pk: int) -> TravelClaim:
    claim = claim_list(user=user).filter(pk=pk).first()
    if claim is None:
        raise Http404
    return claim


def approval_list(*, user, pending_only: bool = False) -> QuerySet[TravelApproval]:
    """Managers answering see every request; an engineer sees his own."""
    _staff_or_404(user)
    qs = TravelApproval.objects.select_related("workorder", "engineer", "answered_by").order_by("-id")
    if not has_perm(user, "payroll.travel_answer"):
        qs = qs.filter(engineer=user)
    if pending_only:
        qs = qs.filter(status=ApprovalStatus.PENDING)
    return qs


def approval_get_for_user(*, user, pk: int) -> TravelApproval:
    approval = approval_list(user=user).filter(pk=pk).first()
    if approval is None:
        raise Http404
    return approval


def own_order_or_404(*, user, pk: int) -> WorkOrder:
    """An order assigned to the engineer (claims and requests are made for one's own orders)."""
    _staff_or_404(user)
    wo = WorkOrder.objects.filter(pk=pk, assignee=user).first()
    if wo is None:
        raise Http404
    return wo


def own_orders(*, user, limit: int = 50) -> QuerySet[WorkOrder]:
    """The engineer's most recent orders, to pick one when claiming."""
    return WorkOrder.objects.filter(assignee=user).order_by("-id").only("pk", "number", "title")[:limit]
