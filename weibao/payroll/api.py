"""REST API of the month end (mounted at /api/pay/): pay rules and profiles, the monthly table with its approval
chain, statements (an engineer: his own only), travel approvals and claims, KPIs. Customers and vendors get 404;
a locked month refuses every edit (409); a department manager cannot approve as general manager (403)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.core.apischema import api_errors
from weibao.payroll import kpi, selectors, services
from weibao.payroll.models import PayMonth, Statement, TravelClaim
from weibao.payroll.rules import parse_month
from weibao.payroll.schemas import (
    ApprovalIn,
    ApprovalOut,
    AttendanceIn,
    ClaimOut,
    KpiBoardOut,
    MonthDetailOut,
    MonthOut,
    PayRuleIn,
    PayRuleOut,
    PayStepIn,
    PrepareIn,
    ProfileIn,
    ProfileOut,
    StatementDetailOut,
    StatementOut,
    TravelAnswerIn,
)

router = Router(tags=["month end and pay"])


def _name(user) -> str | None:
    return (user.name or user.username) if user else None


def _month_out(pm: PayMonth) -> dict:
    return {
        "month": f"{pm.month:%Y-%m}",
        "status": pm.status,
        "version": pm.version,
        "prepared_by": _name(pm.prepared_by),
        "prepared_at": pm.prepared_at,
        "reviewed_by": _name(pm.reviewed_by),
        "reviewed_at": pm.reviewed_at,
        "approved_by": _name(pm.approved_by),
        "locked_at": pm.locked_at,
        "computed_at": pm.computed_at,
    }


def _month_detail(pm: PayMonth) -> dict:
    team, _grand = selectors.team_table(pay_month=pm)
    return {
        **_month_out(pm),
        "events": [
            {"kind": e.kind, "actor": _name(e.actor), "authority_level": e.authority_level, "note": e.note, "at": e.at}
            for e in pm.events.select_related("actor")
        ],
        "team": [
            {
                "branch_id": r.branch.pk if r.branch else None,
                "branch": r.branch.name if r.branch else "",
                "engineers": r.engineers,
                **{
                    k: r.totals[k]
                    for k in (
                        "services",
                        "complaints",
                        "allowance",
                        "visit_fees",
                        "bonus",
                        "fines",
                        "travel",
                        "adjustments",
                        "total",
                    )
                },
            }
            for r in team
        ],
    }


def _statement_out(s: Statement, *, lines: bool = False) -> dict:
    out = {
        f: getattr(s, f)
        for f in (
            "id",
            "engineer_id",
            "branch_id",
            "is_dedicated",
            "on_probation",
            "services",
            "not_counted",
            "complaints",
            "allowance",
            "visit_fees",
            "bonus",
            "bonus_forfeited",
            "fines",
            "travel",
            "adjustments",
            "total",
            "attendance_days",
            "seniority_years",
            "base_salary",
            "version",
        )
    }
    out.update(month=f"{s.pay_month.month:%Y-%m}", month_status=s.pay_month.status, engineer=_name(s.engineer))
    if lines:
        out["lines"] = selectors.statement_lines(statement=s)
    return out


def _month(request, year: int, month: int) -> PayMonth:
    try:
        day = dt.date(year, month, 1)
    except (ValueError, OverflowError):
        raise Http404 from None
    return selectors.paymonth_get_for_user(user=request.auth, month=day)


def _claim_out(c: TravelClaim) -> dict:
    return {
        **{
            f: getattr(c, f)
            for f in (
                "id",
                "engineer_id",
                "workorder_id",
                "kind",
                "trip_at",
                "amount",
                "description",
                "approval_id",
                "status",
                "refusal_reason",
                "created_at",
            )
        },
        "has_receipt": bool(c.receipt),
    }


# --- months -------------------------------------------------------------------------------------------------------


@router.get("/months", response=list[MonthOut])
@api_errors(404)
def months(request):
    """Every prepared month, newest first, with its approval chain's state."""
    return [_month_out(pm) for pm in selectors.paymonth_list(user=request.auth)[:120]]


@router.post("/months", response={201: MonthDetailOut})
@api_errors(404, 409)
def prepare(request, payload: PrepareIn):
    """Prepare (or recalculate) a month's table: the service administrator's step."""
    selectors.paymonth_list(user=request.auth)  # customers and vendors: 404
    month = parse_month(payload.month)
    pm = services.paymonth_prepare(month=month, actor=request.auth, expected_version=payload.expected_version)
    return Status(201, _month_detail(pm))


@router.get("/months/{int:year}/{int:month}", response=MonthDetailOut)
def month_detail(request, year: int, month: int):
    """One month: status, each approval step and the team table per branch."""
    return _month_detail(_month(request, year, month))


@router.post("/months/{int:year}/{int:month}/review", response=MonthDetailOut)
@api_errors(409)
def review(request, year: int, month: int, payload: PayStepIn):
    """The department manager reviews the prepared table."""
    pm = services.paymonth_review(
        pay_month=_month(request, year, month),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _month_detail(pm)


@router.post("/months/{int:year}/{int:month}/approve", response=MonthDetailOut)
@api_errors(409)
def approve(request, year: int, month: int, payload: PayStepIn):
    """The general manager approves the reviewed table: the month is locked."""
    pm = services.paymonth_approve(
        pay_month=_month(request, year, month),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _month_detail(pm)


@router.post("/months/{int:year}/{int:month}/return", response=MonthDetailOut)
@api_errors(409)
def return_(request, year: int, month: int, payload: PayStepIn):
    """Send the table back to the service administrator, saying what to correct."""
    pm = services.paymonth_return(
        pay_month=_month(request, year, month),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _month_detail(pm)


@router.get("/months/{int:year}/{int:month}/statements", response=list[StatementOut])
def statements(request, year: int, month: int, branch_id: int | None = None):
    """The engineers' statements of the month (totals; lines on each statement)."""
    pm = _month(request, year, month)
    return [_statement_out(s) for s in selectors.statement_list(user=request.auth, pay_month=pm, branch_id=branch_id)]


# --- statements ---------------------------------------------------------------------------------------------------


@router.get("/statements/mine", response=list[StatementOut])
@api_errors(404)
def my_statements(request):
    """The caller's own statements (an engineer sees only these)."""
    return [_statement_out(s) for s in selectors.own_statements(user=request.auth)]


@router.get("/statements/{int:statement_id}", response=StatementDetailOut)
def statement(request, statement_id: int):
    """One statement with its lines; an engineer may read only his own (others: 404)."""
    return _statement_out(selectors.statement_get_for_user(user=request.auth, pk=statement_id), lines=True)


@router.put("/statements/{int:statement_id}/attendance", response=StatementOut)
@api_errors(409)
def attendance(request, statement_id: int, payload: AttendanceIn):
    """Attendance days of a prepared month (409 once reviewed or locked)."""
    st = selectors.statement_get_for_user(user=request.auth, pk=statement_id)
    require(request.auth, "payroll.prepare")
    st = services.statement_set_attendance(
        statement=st,
        actor=request.auth,
        attendance_days=payload.attendance_days,
        expected_version=payload.expected_version,
    )
    return _statement_out(Statement.objects.select_related("pay_month", "engineer").get(pk=st.pk))


# --- rules and profiles -------------------------------------------------------------------------------------------


@router.get("/rules", response=list[PayRuleOut])
@api_errors(404)
def rules(request):
    """The pay rules, newest validity first."""
    require(request.auth, "payroll.rules")
    return list(selectors.pay_rules(user=request.auth))


@router.post("/rules", response={201: PayRuleOut})
@api_errors(404)
def rule_create(request, payload: PayRuleIn):
    """New amounts from `valid_from` on (not inside a locked month)."""
    selectors.pay_rules(user=request.auth)
    return Status(201, services.payrule_create(actor=request.auth, **payload.dict()))


@router.put("/profiles/{int:user_id}", response=ProfileOut)
def profile(request, user_id: int, payload: ProfileIn):
    """Hire date and end of probation of one of our staff."""
    require(request.auth, "payroll.rules")
    user = User.objects.filter(pk=user_id, organisation__kind="own").first()
    if user is None:
        raise Http404
    p = services.payprofile_set(
        actor=request.auth, user=user, hire_date=payload.hire_date, confirmation_date=payload.confirmation_date
    )
    return {"user_id": p.user_id, "hire_date": p.hire_date, "confirmation_date": p.confirmation_date}


# --- travel -------------------------------------------------------------------------------------------------------


@router.get("/travel/approvals", response=list[ApprovalOut])
@api_errors(404)
def approvals(request, pending: bool = False):
    """Taxi/freight requests: a manager sees all, an engineer his own."""
    return list(selectors.approval_list(user=request.auth, pending_only=pending)[:200])


@router.post("/travel/approvals", response={201: ApprovalOut})
@api_errors(404)
def approval_request(request, payload: ApprovalIn):
    """Before the trip: ask the department manager for taxi or freight on one of my orders."""
    require(request.auth, "payroll.travel")
    wo = selectors.own_order_or_404(user=request.auth, pk=payload.workorder_id)
    return Status(
        201,
        services.travel_approval_request(
            actor=request.auth,
            workorder=wo,
            kind=payload.kind,
            reason=payload.reason,
            estimated_amount=payload.estimated_amount,
        ),
    )


@router.post("/travel/approvals/{int:approval_id}/answer", response=ApprovalOut)
@api_errors(409)
def approval_answer(request, approval_id: int, payload: TravelAnswerIn):
    """The department manager's answer (a second answer: 409)."""
    require(request.auth, "payroll.travel_answer")
    approval = selectors.approval_get_for_user(user=request.auth, pk=approval_id)
    return services.travel_approval_answer(
        approval=approval, actor=request.auth, approve=payload.approve, note=payload.note
    )


@router.get("/travel/claims", response=list[ClaimOut])
@api_errors(404)
def claims(request):
    """Travel claims: an engineer's own; managers see all."""
    return [_claim_out(c) for c in selectors.claim_list(user=request.auth)[:200]]


@router.post("/travel/claims", response={201: ClaimOut})
@api_errors(404)
def claim_submit(
    request,
    workorder_id: Form[int],
    kind: Form[str],
    trip_at: Form[dt.datetime],
    amount: Form[str],
    description: Form[str],
    receipt: File[UploadedFile] = None,
):
    """Claim one trip (multipart, with the receipt photo). An unapproved taxi or freight claim is stored refused,
    the rule named in `refusal_reason`."""
    require(request.auth, "payroll.travel")
    wo = selectors.own_order_or_404(user=request.auth, pk=workorder_id)
    claim = services.travel_claim_submit(
        actor=request.auth,
        workorder=wo,
        kind=kind,
        trip_at=trip_at,
        amount=amount,
        description=description,
        receipt=receipt,
    )
    return Status(201, _claim_out(claim))


# --- KPIs ---------------------------------------------------------------------------------------------------------


@router.get("/kpi", response=KpiBoardOut)
@api_errors(404)
def kpi_board(request, month: str | None = None, branch_id: int | None = None):
    """KPIs per engineer and per branch for a month (YYYY-MM, default this month), with the 6-month trend."""
    require(request.auth, "payroll.kpi")
    if not request.auth.is_internal:
        raise Http404
    chosen = parse_month(month) or timezone.localdate().replace(day=1)
    board = kpi.dashboard(month=chosen, branch_id=branch_id)

    def row(k, **who) -> dict:
        return {
            **who,
            "services": k.services,
            "ftf_rate": k.ftf_rate,
            "sla_rate": k.sla_rate,
            "satisfaction": k.satisfaction,
            "complaints": k.complaints,
            "callbacks": k.callbacks,
            "callback_satisfaction": k.callback_satisfaction,
            "travel_per_service": k.travel_per_service,
        }

    return {
        "month": f"{board.month:%Y-%m}",
        "engineers": [row(k, engineer_id=u.pk, engineer=_name(u), branch_id=u.branch_id) for u, k in board.engineers],
        "branches": [row(k, branch_id=b.pk if b else None, branch=b.name if b else "") for b, k in board.branches],
        "trend": board.trend,
        "as_of": board.computed_at,
        "pending": board.pending,
    }
