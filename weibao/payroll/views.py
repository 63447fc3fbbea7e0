"""The month-end pages (thin views, STYLE §5): the months and their approval chain, the team table and each
engineer's statement, the Excel export, pay rules, travel claims and approvals (phone first), the KPI dashboard.
Customers and vendors get 404 everywhere (selectors); a locked month shows no edit controls and refuses edits."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST

from weibao.accounts.models import Branch
from weibao.accounts.permissions import has_perm, require
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.core.picklists import pick_lists_version
from weibao.payroll import export, kpi, selectors, services
from weibao.payroll.choices import MONTH_BADGE, MonthStatus
from weibao.payroll.forms import (
    AnswerForm,
    ApprovalRequestForm,
    AttendanceForm,
    ClaimForm,
    PayRuleForm,
    PrepareForm,
    StepForm,
)
from weibao.payroll.models import PayMonth
from weibao.payroll.rules import parse_month

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _run(form, call) -> tuple[int, str]:
    """Call the service; its refusals become a status and a message (or field errors on the form)."""
    try:
        call()
    except (StaleEdit, TransitionNotAllowed) as exc:
        return 409, exc.message
    except PermissionDenied as exc:
        return 403, str(exc) if exc.args else ""
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for key, messages in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, messages)
        else:
            form.add_error(None, exc.messages)
        return 422, ""
    return 200, ""


def _month_or_404(year: int, month: int) -> dt.date:
    try:
        return dt.date(year, month, 1)
    except (ValueError, OverflowError):
        raise Http404 from None


# --- months and the approval chain ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def months(request: HttpRequest) -> HttpResponse:
    """Every month's table with its status; the service administrator prepares a month here."""
    rows = selectors.paymonth_list(user=request.user)
    can_prepare = has_perm(request.user, "payroll.prepare")
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    form = PrepareForm(initial={"month": f"{last:%Y-%m}"})
    status, error = 200, ""
    if request.method == "POST":
        require(request.user, "payroll.prepare")
        form = PrepareForm(request.POST)
        if form.is_valid():
            result = {}
            status, error = _run(
                form,
                lambda: result.setdefault(
                    "pm", services.paymonth_prepare(month=form.cleaned_data["month"], actor=request.user)
                ),
            )
            if status == 200:
                pm = result["pm"]
                return redirect("payroll:month", year=pm.month.year, month=pm.month.month)
        else:
            status = 422
    return render(
        request,
        "payroll/months.html",
        {
            "months": rows,
            "form": form,
            "can_prepare": can_prepare,
            "error": error,
            "badges": MONTH_BADGE,
            "can_rules": has_perm(request.user, "payroll.rules"),
        },
        status=status,
    )


def _month_context(request, pm: PayMonth, **extra) -> dict:
    branch_id = request.GET.get("branch")
    branch_id = int(branch_id) if branch_id and branch_id.isdigit() else None
    team, grand = selectors.team_table(pay_month=pm)
    user = request.user
    locked = pm.is_locked
    return {
        "pm": pm,
        "team": team,
        "grand": grand,
        "branch_id": branch_id,
        "statements": selectors.statement_list(user=user, pay_month=pm, branch_id=branch_id),
        "events": pm.events.select_related("actor").order_by("at", "id"),
        "badge": MONTH_BADGE.get(pm.status, ""),
        "can_recompute": not locked and pm.status == MonthStatus.PREPARED and has_perm(user, "payroll.prepare"),
        "can_review": pm.status == MonthStatus.PREPARED
        and has_perm(user, "payroll.review")
        and user.authority_level == "department_manager",
        "can_approve": pm.status == MonthStatus.REVIEWED
        and has_perm(user, "payroll.approve")
        and user.authority_level == "general_manager",
        "can_return": not locked
        and has_perm(user, "payroll.review")
        and (
            (pm.status == MonthStatus.PREPARED and user.authority_level in ("department_manager", "general_manager"))
            or (pm.status == MonthStatus.REVIEWED and user.authority_level == "general_manager")
        ),
        "step_form": StepForm(initial={"version": pm.version}),
        **extra,
    }


@login_required
def month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    pm = selectors.paymonth_get_for_user(user=request.user, month=_month_or_404(year, month))
    return render(request, "payroll/month.html", _month_context(request, pm))


@login_required
@require_POST
def month_step(request: HttpRequest, year: int, month: int, step: str) -> HttpResponse:
    """One step of the chain: recalculate, review, approve or return (the service checks the authority)."""
    pm = selectors.paymonth_get_for_user(user=request.user, month=_month_or_404(year, month))
    form = StepForm(request.POST)
    status, error = 422, ""
    if form.is_valid():
        note, version = form.cleaned_data["note"], form.cleaned_data["version"]
        calls = {
            "prepare": lambda: services.paymonth_prepare(month=pm.month, actor=request.user, expected_version=version),
            "review": lambda: services.paymonth_review(
                pay_month=pm, actor=request.user, note=note, expected_version=version
            ),
            "approve": lambda: services.paymonth_approve(
                pay_month=pm, actor=request.user, note=note, expected_version=version
            ),
            "return": lambda: services.paymonth_return(
                pay_month=pm, actor=request.user, note=note, expected_version=version
            ),
        }
        if step not in calls:
            raise Http404
        status, error = _run(form, calls[step])
        if status == 200:
            return redirect("payroll:month", year=year, month=month)
    pm.refresh_from_db()
    context = _month_context(request, pm, error=error)
    context["step_form"] = form
    return render(request, "payroll/month.html", context, status=status)


@login_required
def month_export(request: HttpRequest, year: int, month: int) -> HttpResponse:
    pm = selectors.paymonth_get_for_user(user=request.user, month=_month_or_404(year, month))
    data = export.workbook(pm, selectors.statement_list(user=request.user, pay_month=pm))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="weibao-pay-{pm.month:%Y-%m}.xlsx"'
    return response


# --- statements -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """One engineer's statement with its lines (orders counted, not counted and why, fines, travel, adjustments);
    the service administrator enters attendance while the month is prepared."""
    st = selectors.statement_get_for_user(user=request.user, pk=pk)
    pm = st.pay_month
    editable = pm.status == MonthStatus.PREPARED and has_perm(request.user, "payroll.prepare")
    form = AttendanceForm(initial={"attendance_days": st.attendance_days, "version": st.version})
    status, error = 200, ""
    if request.method == "POST":
        require(request.user, "payroll.prepare")
        form = AttendanceForm(request.POST)
        status = 422
        if form.is_valid():
            status, error = _run(
                form,
                lambda: services.statement_set_attendance(
                    statement=st,
                    actor=request.user,
                    attendance_days=form.cleaned_data["attendance_days"],
                    expected_version=form.cleaned_data["version"],
                ),
            )
            if status == 200:
                return redirect("payroll:statement", pk=st.pk)
    return render(
        request,
        "payroll/statement.html",
        {
            "st": st,
            "pm": pm,
            "lines": selectors.statement_lines(statement=st),
            "form": form,
            "editable": editable,
            "error": error,
            "badge": MONTH_BADGE.get(pm.status, ""),
            "can_view_all": selectors.can_view_all(request.user),
        },
        status=status,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """An engineer's own statements, newest month first."""
    require(request.user, "payroll.own")
    return render(
        request, "payroll/mine.html", {"statements": selectors.own_statements(user=request.user), "badges": MONTH_BADGE}
    )


# --- pay rules -------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    require(request.user, "payroll.rules")
    form = PayRuleForm()
    status, error = 200, ""
    if request.method == "POST":
        form = PayRuleForm(request.POST)
        status = 422
        if form.is_valid():
            status, error = _run(form, lambda: services.payrule_create(actor=request.user, **form.cleaned_data))
            if status == 200:
                return redirect("payroll:rules")
    return render(
        request,
        "payroll/rules.html",
        {"rules": selectors.pay_rules(user=request.user), "form": form, "error": error},
        status=status,
    )


# --- travel ----------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def travel(request: HttpRequest) -> HttpResponse:
    """The engineer's phone page: ask for taxi/freight approval before the trip, claim after it, see the answers."""
    require(request.user, "payroll.travel")
    orders = list(selectors.own_orders(user=request.user))
    ask = ApprovalRequestForm(orders=orders, prefix="ask")
    claim = ClaimForm(orders=orders, prefix="claim")
    status, error, done = 200, "", request.GET.get("done", "")
    if request.method == "POST":
        status = 422
        if "ask-workorder" in request.POST:
            ask = ApprovalRequestForm(request.POST, orders=orders, prefix="ask")
            if ask.is_valid():
                wo = selectors.own_order_or_404(user=request.user, pk=ask.cleaned_data["workorder"])
                status, error = _run(
                    ask,
                    lambda: services.travel_approval_request(
                        actor=request.user,
                        workorder=wo,
                        kind=ask.cleaned_data["kind"],
                        reason=ask.cleaned_data["reason"],
                        estimated_amount=ask.cleaned_data["estimated_amount"],
                    ),
                )
                if status == 200:
                    return redirect(f"{request.path}?done=asked")
        else:
            claim = ClaimForm(request.POST, request.FILES, orders=orders, prefix="claim")
            if claim.is_valid():
                wo = selectors.own_order_or_404(user=request.user, pk=claim.cleaned_data["workorder"])
                data = claim.cleaned_data
                status, error = _run(
                    claim,
                    lambda: services.travel_claim_submit(
                        actor=request.user,
                        workorder=wo,
                        kind=data["kind"],
                        trip_at=data["trip_at"],
                        amount=data["amount"],
                        description=data["description"],
                        receipt=data.get("receipt") or None,
                    ),
                )
                if status == 200:
                    return redirect(f"{request.path}?done=claimed")
    return render(
        request,
        "payroll/travel.html",
        {
            "ask": ask,
            "claim": claim,
            "error": error,
            "done": done,
            "claims": selectors.claim_list(user=request.user)[:50],
            "approvals": selectors.approval_list(user=request.user)[:50],
        },
        status=status,
    )


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """The manager's queue of taxi/freight requests, answered from the phone."""
    require(request.user, "payroll.travel_answer")
    return render(
        request,
        "payroll/approvals.html",
        {
            "pending": selectors.approval_list(user=request.user, pending_only=True)[:100],
            "answered": selectors.approval_list(user=request.user).exclude(status="pending")[:30],
            "form": AnswerForm(),
            "claims": selectors.claim_list(user=request.user)[:30],
        },
    )


@login_required
@require_POST
def approval_answer(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    require(request.user, "payroll.travel_answer")
    approval = selectors.approval_get_for_user(user=request.user, pk=pk)
    if answer not in ("approve", "refuse"):
        raise Http404
    form = AnswerForm(request.POST)
    form.is_valid()
    status, error = _run(
        form,
        lambda: services.travel_approval_answer(
            approval=approval, actor=request.user, approve=answer == "approve", note=form.cleaned_data.get("note", "")
        ),
    )
    if status == 200:
        return redirect("payroll:approvals")
    return render(
        request,
        "payroll/approvals.html",
        {
            "pending": selectors.approval_list(user=request.user, pending_only=True)[:100],
            "answered": selectors.approval_list(user=request.user).exclude(status="pending")[:30],
            "form": form,
            "error": error or "; ".join(form.non_field_errors()),
            "claims": selectors.claim_list(user=request.user)[:30],
        },
        status=status,
    )


# --- KPI dashboard ---------------------------------------------------------------------------------------------------


@login_required
def kpi_dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, "payroll.kpi")
    if not request.user.is_internal:
        raise Http404
    raw = request.GET.get("month", "")
    chosen = parse_month(raw) or timezone.localdate().replace(day=1)
    branch = request.GET.get("branch", "")
    branch_id = int(branch) if branch.isdigit() else None
    board = kpi.dashboard(month=chosen, branch_id=branch_id, refresh=request.method == "POST")
    if request.method == "POST":  # "recompute now": queued; the page shows the stored figures until it is done
        return redirect(request.get_full_path())
    chart = {
        "trend": board.trend,
        "branches": {
            "labels": [b.name if b else "—" for b, _k in board.branches],
            "services": [k.services for _b, k in board.branches],
        },
    }
    return render(
        request,
        "payroll/kpi.html",
        {
            "board": board,
            "chart": chart,
            "month_value": f"{chosen:%Y-%m}",
            "branches": Branch.objects.order_by("name"),
            "branch_id": branch_id,
            "query": request.GET.urlencode(),
            # The tables and charts are cached per version of the figures, branch and language; names of people
            # come from the users, so a change of any user or branch renders them anew (at once in the process that
            # saved it; the cache is per process, so other web workers within the fragment's 60 s).
            "board_key": (board.month, board.version, branch_id, get_language(), pick_lists_version()),
        },
    )
